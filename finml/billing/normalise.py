"""The FOCUS side of normalisation: typed output columns and provider-neutral mappings."""

from __future__ import annotations

from collections.abc import Mapping

import pyarrow as pa

from finml.billing.sql import lit
from finml.focus import MONEY, SCHEMA, TIME

_SQL_TYPES = {MONEY: "DECIMAL(38,10)", TIME: "TIMESTAMPTZ", pa.string(): "VARCHAR", pa.int64(): "BIGINT"}


def sql_type(field: pa.Field) -> str:
    if pa.types.is_map(field.type):
        return "MAP(VARCHAR, VARCHAR)"
    return _SQL_TYPES[field.type]


FOCUS_SQL_TYPES = {f.name: sql_type(f) for f in SCHEMA}


def focus_select(exprs: Mapping[str, str], from_sql: str = "src") -> str:
    """``SELECT`` every FOCUS column, in schema order, cast to its type; absent ones are NULL."""
    unknown = set(exprs) - set(FOCUS_SQL_TYPES)
    if unknown:
        raise ValueError(f"not FOCUS columns: {sorted(unknown)}")
    parts = []
    for name, typ in FOCUS_SQL_TYPES.items():
        expr = exprs.get(name, "NULL")
        parts.append(f"CAST({expr} AS {typ}) AS \"{name}\"")
    return "SELECT " + ",\n  ".join(parts) + f"\nFROM {from_sql}"


def case_map(expr: str, mapping: Mapping[str, str], default: str = "NULL") -> str:
    """``CASE expr WHEN k THEN v ... ELSE default END`` from a dict of literals."""
    if not mapping:
        return default
    whens = " ".join(f"WHEN {lit(k)} THEN {lit(v)}" for k, v in mapping.items())
    return f"(CASE {expr} {whens} ELSE {default} END)"


def case_prefix(expr: str, mapping: Mapping[str, str], default: str = "'Other'") -> str:
    """Map by prefix (first match wins)."""
    whens = " ".join(f"WHEN starts_with({expr}, {lit(k)}) THEN {lit(v)}" for k, v in mapping.items())
    return f"(CASE {whens} ELSE {default} END)"


AWS_SERVICE_CATEGORY = {
    "AmazonEC2": "Compute", "AWSLambda": "Compute", "AmazonECS": "Compute", "AmazonEKS": "Compute",
    "AWSBatch": "Compute", "AmazonLightsail": "Compute", "ElasticMapReduce": "Analytics",
    "AmazonS3": "Storage", "AmazonEFS": "Storage", "AmazonFSx": "Storage", "AmazonGlacier": "Storage",
    "AWSBackup": "Storage", "AmazonRDS": "Databases", "AmazonDynamoDB": "Databases",
    "AmazonElastiCache": "Databases", "AmazonRedshift": "Databases", "AmazonDocDB": "Databases",
    "AmazonNeptune": "Databases", "AmazonVPC": "Networking", "AmazonCloudFront": "Networking",
    "AWSDataTransfer": "Networking", "AmazonRoute53": "Networking", "AWSELB": "Networking",
    "AmazonApiGateway": "Networking", "AmazonSageMaker": "AI and Machine Learning",
    "AmazonBedrock": "AI and Machine Learning", "AmazonCloudWatch": "Management and Governance",
    "AWSCloudTrail": "Management and Governance", "AWSConfig": "Management and Governance",
    "AWSSupportBusiness": "Management and Governance", "AWSSupportEnterprise": "Management and Governance",
    "awskms": "Security", "AWSSecretsManager": "Security", "AmazonGuardDuty": "Security",
    "AWSShield": "Security", "AWSWAF": "Security", "AmazonSNS": "Integration", "AWSQueueService": "Integration",
    "AmazonSQS": "Integration", "AmazonKinesis": "Analytics", "AmazonAthena": "Analytics", "AWSGlue": "Analytics",
    "AmazonQuickSight": "Analytics", "AmazonES": "Analytics", "ComputeSavingsPlans": "Compute",
}

AZURE_SERVICE_CATEGORY = {
    "Virtual Machines": "Compute", "Virtual Machines Licenses": "Compute", "Azure App Service": "Compute",
    "Functions": "Compute", "Container Instances": "Compute", "Azure Kubernetes Service": "Compute",
    "Storage": "Storage", "Backup": "Storage", "SQL Database": "Databases", "Azure Cosmos DB": "Databases",
    "Azure Database for PostgreSQL": "Databases", "Azure Database for MySQL": "Databases", "Redis Cache": "Databases",
    "Virtual Network": "Networking", "Bandwidth": "Networking", "Load Balancer": "Networking",
    "VPN Gateway": "Networking", "Application Gateway": "Networking", "Azure DNS": "Networking",
    "Content Delivery Network": "Networking", "Azure Monitor": "Management and Governance",
    "Log Analytics": "Management and Governance", "Key Vault": "Security", "Microsoft Defender for Cloud": "Security",
    "Azure Machine Learning": "AI and Machine Learning", "Cognitive Services": "AI and Machine Learning",
    "Azure OpenAI": "AI and Machine Learning", "Event Hubs": "Integration", "Service Bus": "Integration",
    "Azure Synapse Analytics": "Analytics", "Azure Databricks": "Analytics", "Azure Data Factory v2": "Analytics",
}

GCP_SERVICE_CATEGORY = {
    "Compute Engine": "Compute", "Cloud Run": "Compute", "Cloud Functions": "Compute",
    "Kubernetes Engine": "Compute", "App Engine": "Compute", "Cloud Storage": "Storage",
    "Filestore": "Storage", "Cloud SQL": "Databases", "Cloud Spanner": "Databases", "Firestore": "Databases",
    "Cloud Bigtable": "Databases", "Memorystore for Redis": "Databases", "BigQuery": "Analytics",
    "Dataflow": "Analytics", "Dataproc": "Analytics", "Pub/Sub": "Integration", "Cloud Pub/Sub": "Integration",
    "Networking": "Networking", "Cloud DNS": "Networking", "Cloud CDN": "Networking",
    "Cloud Load Balancing": "Networking", "Vertex AI": "AI and Machine Learning",
    "Cloud Logging": "Management and Governance", "Stackdriver Logging": "Management and Governance",
    "Cloud Monitoring": "Management and Governance", "Stackdriver Monitoring": "Management and Governance",
    "Security Command Center": "Security", "Secret Manager": "Security", "Cloud Key Management Service (KMS)": "Security",
}

ALIBABA_SERVICE_CATEGORY = {
    "ecs": "Compute", "fc": "Compute", "ack": "Compute", "cs": "Compute", "eci": "Compute",
    "oss": "Storage", "nas": "Storage", "ebs": "Storage", "yundisk": "Storage", "snapshot": "Storage",
    "rds": "Databases", "polardb": "Databases", "redisa": "Databases", "kvstore": "Databases",
    "mongodb": "Databases", "slb": "Networking", "eip": "Networking", "cdn": "Networking", "vpc": "Networking",
    "cbwp": "Networking", "nat": "Networking", "pai": "AI and Machine Learning", "sls": "Management and Governance",
    "cms": "Management and Governance", "maxcompute": "Analytics", "odps": "Analytics",
}
