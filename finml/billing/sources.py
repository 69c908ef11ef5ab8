"""Find the billing files behind what the user named: paths, directories, manifests, archives, S3.

Every input becomes one or more :class:`SourceFile` (a local path plus the name used in messages
and in ``x_SourceFile``). Zip archives are extracted and S3 objects downloaded into the ingest's
private work directory; gzip files are read compressed by DuckDB.
"""

from __future__ import annotations

import json
import logging
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from finml.errors import BillingFileError, InputError

log = logging.getLogger(__name__)

DATA_SUFFIXES = (".csv", ".csv.gz", ".parquet", ".snappy.parquet", ".gz.parquet", ".zstd.parquet", ".json",
                 ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz", ".zip", ".txt", ".txt.gz")


@dataclass(frozen=True)
class SourceFile:
    path: Path
    name: str
    kind: str  # csv | parquet | json
    compression: str = "none"  # none | gzip


def _is_manifest(path: Path) -> bool:
    n = path.name.lower()
    return n.endswith("manifest.json")


def _sniff(path: Path, name: str) -> tuple[str, str]:
    """(kind, compression) from the magic bytes, then the file name."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4)
    except OSError as exc:
        raise BillingFileError(f"cannot read the file: {exc.strerror}", path=name) from exc
    if not head:
        raise BillingFileError("the file is empty", path=name,
                               hint="re-download the export; an empty file holds no billing rows")
    lower = name.lower()
    if head.startswith(b"PAR1"):
        return "parquet", "none"
    if head.startswith(b"PK"):
        return "zip", "none"
    if head.startswith(b"\x1f\x8b"):
        inner = lower[:-3] if lower.endswith(".gz") else lower
        if inner.endswith((".json", ".jsonl", ".ndjson")):
            return "json", "gzip"
        if inner.endswith(".parquet"):
            return "parquet", "gzip"
        return "csv", "gzip"
    if lower.endswith(".parquet"):
        return "parquet", "none"  # bad magic: the reader reports the corruption
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if lower.endswith((".json", ".jsonl", ".ndjson")) or stripped.startswith((b"{", b"[")):
        return "json", "none"
    return "csv", "none"


def _expand_file(path: Path, name: str, workdir: Path) -> list[SourceFile]:
    kind, compression = _sniff(path, name)
    if kind == "parquet" and compression == "gzip":
        raise BillingFileError("gzip-compressed Parquet files are not supported", path=name,
                               hint="gunzip the file first; Parquet compresses its pages itself")
    if kind != "zip":
        return [SourceFile(path, name, kind, compression)]
    out: list[SourceFile] = []
    try:
        with zipfile.ZipFile(path) as zf:
            bad = zf.testzip()
            if bad is not None:
                raise BillingFileError(f"zip member {bad!r} is corrupt", path=name,
                                       hint="re-download the archive")
            dest = workdir / f"zip-{len(list(workdir.glob('zip-*')))}"
            for member in zf.infolist():
                if member.is_dir() or not member.filename.lower().endswith(DATA_SUFFIXES):
                    continue
                target = dest / Path(member.filename).name
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(member) as src, open(target, "wb") as dst:
                    while chunk := src.read(1 << 20):
                        dst.write(chunk)
                out.extend(_expand_file(target, f"{name}!{member.filename}", workdir))
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise BillingFileError(f"not a readable zip archive ({exc})", path=name,
                               hint="re-download the archive; it looks truncated or corrupt") from exc
    if not out:
        raise BillingFileError("the zip archive holds no billing file (csv, parquet, json)", path=name)
    return out


def _manifest_keys(path: Path, name: str) -> list[str]:
    """Report files listed by an AWS CUR (``reportKeys``) or Data Exports (``dataFiles``) manifest."""
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError) as exc:
        raise BillingFileError(f"not a readable manifest ({exc})", path=name) from exc
    keys = data.get("reportKeys") or data.get("dataFiles") if isinstance(data, dict) else None
    if not isinstance(keys, list) or not keys:
        raise BillingFileError("manifest lists no report files (no reportKeys/dataFiles)", path=name)
    return [str(k) for k in keys]


def _local_manifest(path: Path, name: str, workdir: Path) -> list[SourceFile]:
    out: list[SourceFile] = []
    root = path.parent
    candidates = [p for p in root.rglob("*") if p.is_file() and not _is_manifest(p)]
    for key in _manifest_keys(path, name):
        tail = key.split("://", 1)[-1]
        parts = tail.split("/")
        match = None
        for n in range(len(parts), 0, -1):  # the longest key suffix that exists locally
            suffix = "/".join(parts[-n:])
            found = [p for p in candidates if p.as_posix().endswith("/" + suffix) or p.as_posix() == suffix]
            if found:
                match = found[0]
                break
        if match is None:
            raise BillingFileError(f"manifest lists {key!r}, which is not next to it", path=name,
                                   hint="download every report file the manifest lists, keeping their folders")
        out.extend(_expand_file(match, str(match), workdir))
    return out


def _local(target: Path, workdir: Path) -> list[SourceFile]:
    if target.is_file():
        if _is_manifest(target):
            return _local_manifest(target, str(target), workdir)
        return _expand_file(target, str(target), workdir)
    files = sorted(p for p in target.rglob("*") if p.is_file() and not p.name.startswith("."))
    manifests = [p for p in files if _is_manifest(p)]
    if manifests:
        out: list[SourceFile] = []
        for m in manifests:
            out.extend(_local_manifest(m, str(m), workdir))
        return out
    data = [p for p in files if p.name.lower().endswith(DATA_SUFFIXES) and not p.name.lower().endswith(".json")
            or p.name.lower().endswith(".json") and not _is_manifest(p)]
    if not data:
        raise InputError(f"{target}: no billing files found (csv, csv.gz, zip, parquet, json)",
                         hint="point finml ingest at an export file or the folder that holds them")
    out = []
    for p in data:
        out.extend(_expand_file(p, str(p), workdir))
    return out


def _s3(uri: str, workdir: Path, client: Any) -> list[SourceFile]:
    from botocore.exceptions import BotoCoreError, ClientError

    bucket, _, prefix = uri[len("s3://"):].partition("/")
    if client is None:
        import boto3

        client = boto3.client("s3")
    try:
        keys: list[str] = []
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            keys.extend(o["Key"] for o in page.get("Contents", []))
        manifests = [k for k in keys if k.lower().endswith("manifest.json")]
        if manifests:
            wanted: list[str] = []
            for m in manifests:
                local = workdir / "s3" / bucket / m
                local.parent.mkdir(parents=True, exist_ok=True)
                client.download_file(bucket, m, str(local))
                for k in _manifest_keys(local, f"s3://{bucket}/{m}"):
                    k = k.split(f"s3://{bucket}/", 1)[-1]
                    if k not in keys:
                        raise BillingFileError(f"manifest lists {k!r}, which is not in the bucket",
                                               path=f"s3://{bucket}/{m}")
                    wanted.append(k)
        else:
            wanted = [k for k in keys if k.lower().endswith(DATA_SUFFIXES) and not k.endswith("/")]
        if not wanted:
            raise InputError(f"{uri}: no billing files under this prefix",
                             hint="check the bucket and prefix of your CUR / export delivery")
        out: list[SourceFile] = []
        for key in wanted:
            local = workdir / "s3" / bucket / key
            local.parent.mkdir(parents=True, exist_ok=True)
            client.download_file(bucket, key, str(local))
            out.extend(_expand_file(local, f"s3://{bucket}/{key}", workdir))
        return out
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        raise InputError(f"{uri}: S3 refused the request ({code})",
                         hint="check the bucket name and that your identity has s3:ListBucket and s3:GetObject") from exc
    except BotoCoreError as exc:
        raise InputError(f"{uri}: cannot reach S3 ({exc})", hint="check your AWS credentials and network") from exc


def resolve(inputs: list[str], workdir: Path, *, s3_client: Any = None) -> list[SourceFile]:
    """Every billing file behind ``inputs`` (paths, folders, manifests, ``s3://bucket/prefix``)."""
    out: list[SourceFile] = []
    for item in inputs:
        if item.startswith("s3://"):
            out.extend(_s3(item, workdir, s3_client))
            continue
        path = Path(item).expanduser()
        if not path.exists():
            raise InputError(f"{item}: no such file or folder", hint="check the path")
        out.extend(_local(path.resolve(), workdir))
    seen: set[Path] = set()
    unique = []
    for sf in out:
        if sf.path not in seen:
            seen.add(sf.path)
            unique.append(sf)
    return unique
