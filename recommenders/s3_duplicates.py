"""Duplicate objects: identical content stored more than once, within and across buckets/accounts.

Detects: objects with the same bytes, from the listing alone (size, ETag, checksums): proven
duplicate groups (equal single-part MD5 ETags or equal strong full-object checksums) and likely
ones (equal multipart ETags, composite or 32-bit checksums, same name and size). The rules are in
:mod:`recommenders._object_groups`. One finding per group (``variant`` = the group key) names the
copy to keep and the copies to remove.
Why it costs: every copy is billed per GB-month in its storage class.
Action: delete the redundant copies (``delete-duplicates``); for likely groups, compare the
content first (``review-likely-duplicate``: saving 0, the possible saving is in evidence).
Risk: something may read a copy by its key: repoint readers first. Copies under Object Lock or a
legal hold, and objects in Object Lock buckets, are never proposed; the last copy never is. In a
versioned bucket a plain DELETE only adds a delete marker and the bytes stay billed as a
noncurrent version until a lifecycle rule expires them; delete by version id to stop the charge.
Prices: bytes / 2^30 (GiB) x the GB-month price of the removed copy's storage class.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal

from finml.model import Bucket, Confidence, Estate, Finding, Kind, StoredObject
from finml.money import Money
from finml.money import total as total_money
from finml.pricing import PriceQuote
from finml.recommender import Recommender, RecommenderContext
from finml.settings import setting
from recommenders._object_groups import Group, GroupRules, group_objects

GIB = Decimal(2**30)
STORAGE_PREFIX = {"aws": "s3", "gcp": "gcs", "azure": "blob", "alibaba": "oss"}
"""Price-catalog storage keys are ``<prefix>-<storage class lowercase>`` (e.g. ``s3-standard_ia``)."""
URI_SCHEME = {"aws": "s3", "gcp": "gs", "azure": "azblob", "alibaba": "oss"}
MIN_DAYS = {"STANDARD_IA": 30, "ONEZONE_IA": 30, "GLACIER_IR": 90, "GLACIER": 90, "DEEP_ARCHIVE": 180}
"""S3 minimum storage durations: deleting earlier bills the remaining days."""

KeepPolicy = Literal["oldest", "preferred-bucket", "cheapest-storage-class"]


@dataclass(frozen=True)
class S3DuplicatesSettings:
    min_size_bytes: int = setting(
        1_048_576, "Ignore objects smaller than this (1 MiB saves < $0.000023/month in S3 Standard; "
        "IA classes bill at least 128 KiB per object anyway).", "finml default",
    )
    keep_policy: KeepPolicy = setting(
        "oldest", "Which copy of a group to keep: oldest | preferred-bucket | cheapest-storage-class.",
        "finml default",
    )
    preferred_buckets: list[str] = setting(
        [], "For keep_policy = preferred-bucket: buckets in order of preference (fallback: oldest).",
        "finml default",
    )
    report_likely: bool = setting(
        True, "Report likely (unproven) duplicate groups as review-likely-duplicate with saving 0.",
        "finml default",
    )
    likely_by_name: bool = setting(
        True, "Treat same key name + same size (not proven different) as a likely duplicate.", "finml default",
    )
    multipart_etag_proof: bool = setting(
        True, "Equal multipart ETags (same md5-of-part-md5s, same part count -N, same size) prove equal "
        "content; false: only likely.",
        "finml issue 5: multipart ETags prove equality only with the same part count and size",
    )
    etag_md5_providers: list[str] = setting(
        ["aws", "alibaba"], "Providers whose single-part, non-KMS ETag is the content MD5.",
        "Amazon S3 and Alibaba OSS ETag documentation",
    )
    proof_algorithms: list[str] = setting(
        ["SHA256", "SHA1", "CRC64NVME", "MD5"],
        "Full-object checksum algorithms accepted as proof of equal content (CRC32/CRC32C only make "
        "a duplicate likely).", "finml default",
    )
    min_group_saving: Decimal = setting(
        Decimal("0.01"), "Report a group only if removing its copies saves at least this much per month "
        "(in the price currency; for likely groups, the potential saving).", "finml default",
    )
    max_listed_copies: int = setting(
        1000, "At most this many copies are listed per finding (the saving covers all).", "finml default",
    )


class S3Duplicates(Recommender):
    name = "s3-duplicates"
    summary = "Identical objects stored more than once across buckets and accounts."
    kinds = (Kind.BUCKET.value,)
    needs = ("objects",)
    Settings = S3DuplicatesSettings
    RULE_SETS = {"finml-default": S3DuplicatesSettings()}

    def run(self, estate: Estate, ctx: RecommenderContext) -> Iterable[Finding]:
        s: S3DuplicatesSettings = self.settings
        objects = estate.objects
        if not objects:
            return
        rules = GroupRules(
            min_size_bytes=max(1, s.min_size_bytes), etag_md5_providers=frozenset(s.etag_md5_providers),
            proof_algorithms=frozenset(a.upper().replace("-", "") for a in s.proof_algorithms),
            likely_by_name=s.likely_by_name, multipart_etag_proof=s.multipart_etag_proof,
        )
        buckets: dict[tuple[str, str, str], Bucket] = {}
        for b in estate.of_kind(Kind.BUCKET):
            if isinstance(b, Bucket):
                buckets[(b.provider, b.account, b.name or b.id)] = b
                buckets.setdefault((b.provider, b.account, b.id), b)
        pricer = _Pricer(ctx, buckets)
        proven, likely = group_objects(objects, rules)
        for g in proven:
            f = self._finding(objects, g, buckets, pricer, ctx, likely=False)
            if f is not None:
                yield f
        if s.report_likely:
            for g in likely:
                f = self._finding(objects, g, buckets, pricer, ctx, likely=True)
                if f is not None:
                    yield f

    def _finding(
        self, objects: Sequence[StoredObject], g: Group, buckets: dict[tuple[str, str, str], Bucket],
        pricer: _Pricer, ctx: RecommenderContext, *, likely: bool,
    ) -> Finding | None:
        s: S3DuplicatesSettings = self.settings
        copies = [objects[i] for i in g.members]
        protected = {i: why for i in g.members if (why := _protection(objects[i], buckets))}
        # A likely group joins proven sub-groups (or single objects). Each sub-group is reduced to
        # the copy its own proven finding keeps, so the two findings never disagree or double-count.
        members = [self._keep(part, objects, pricer) for part in g.parts] if likely else g.members
        keep = self._keep(members, objects, pricer)
        remove = [i for i in members if i != keep and i not in protected]
        keeper = objects[keep]
        if not remove:
            reason = ("the other copies are protected (Object Lock / legal hold)" if protected
                      else "no copy outside the kept group")
            ctx.skip(self.name, keeper.provider, _uri(keeper), f"duplicate group {g.proof}: {reason}")
            return None
        costs: list[Money] = []
        lines: list[dict[str, object]] = []
        unpriced: list[str] = []
        sources: set[str] = set()
        early: list[str] = []
        versioned: list[str] = []
        for i in remove:
            o = objects[i]
            quote = pricer.quote(o)
            line: dict[str, object] = {"uri": _uri(o), "account": o.account, "size": o.size,
                                       "storage_class": o.storage_class}
            if o.version_id:
                line["version_id"] = o.version_id
            if quote is None:
                unpriced.append(_uri(o))
            else:
                cost = quote.price * (Decimal(o.size) / GIB)
                costs.append(cost)
                sources.add(quote.source)
                line["monthly"] = str(cost.amount)
            min_days = MIN_DAYS.get(o.storage_class.upper(), 0)
            if min_days and (ctx.now - o.last_modified).days < min_days:
                early.append(_uri(o))
            b = buckets.get((o.provider, o.account, o.bucket))
            if b is not None and b.versioning in ("Enabled", "Suspended"):
                versioned.append(_uri(o))
            lines.append(line)
        if not costs:
            ctx.skip(self.name, keeper.provider, _uri(keeper), f"no storage price for {', '.join(unpriced)}")
            return None
        potential = total_money(costs, costs[0].currency)
        if potential.amount < s.min_group_saving:
            return None
        dup_bytes = g.size * len(remove)
        evidence: dict[str, object] = {
            "proof": g.proof,
            "size": g.size,
            "copies": len(copies),
            "duplicate_bytes": dup_bytes,
            "duplicate_gib": str((Decimal(dup_bytes) / GIB).quantize(Decimal("0.000001"))),
            "price_source": ", ".join(sorted(sources)),
            "formula": "sum over removed copies of size / 2^30 x GB-month price of its storage class",
            "protected_copies": {_uri(objects[i]): why for i, why in protected.items()},
            "unpriced_copies": unpriced,
            "early_delete_fee_applies": early,
        }
        details: dict[str, object] = {
            "keep": _uri(keeper),
            "keep_policy": s.keep_policy,
            "remove": lines[: s.max_listed_copies],
            "remove_listed_truncated": len(lines) > s.max_listed_copies,
        }
        if versioned:
            details["versioned_buckets_note"] = (
                "these copies are in versioned buckets: a DELETE without a version id only adds a "
                "delete marker and the bytes stay billed as a noncurrent version until a lifecycle "
                "rule (NoncurrentVersionExpiration) expires them; delete the version by id to stop "
                "the charge at once"
            )
            details["versioned_copies"] = versioned
        if likely:
            evidence["potential_monthly_saving"] = str(potential.amount)
            evidence["why_unproven"] = (
                "equal multipart ETags, composite/32-bit checksums or equal names do not prove equal "
                "bytes (part sizes are not in the listing); compare full-object SHA-256/CRC64NVME "
                "checksums or the content before deleting"
            )
            saving = Money.zero(potential.currency)
            title = f"Review {len(remove)} likely duplicate(s) of {_uri(keeper)}"
            action, confidence = "review-likely-duplicate", Confidence.LOW
        else:
            saving = potential
            title = f"Delete {len(remove)} duplicate(s) of {_uri(keeper)}"
            action, confidence = "delete-duplicates", Confidence.HIGH if not unpriced else Confidence.MEDIUM
        keeper_bucket = buckets.get((keeper.provider, keeper.account, keeper.bucket))
        return Finding(
            recommender=self.name, rule_set=ctx.rule_set, provider=keeper.provider, account=keeper.account,
            region=keeper_bucket.region if keeper_bucket else "global", resource_id=_uri(keeper),
            resource_kind="storage.object", title=title, action=action, monthly_saving=saving,
            confidence=confidence, evidence=evidence, details=details,
            variant=f"{g.size}:{g.proof}" if not likely else f"{g.size}:likely",
            resource_name=keeper.key,
        )

    def _keep(self, members: list[int], objects: Sequence[StoredObject], pricer: _Pricer) -> int:
        s: S3DuplicatesSettings = self.settings

        def oldest(i: int) -> tuple[datetime, str, str, str]:
            o = objects[i]
            return (o.last_modified, o.account, o.bucket, o.key)

        if s.keep_policy == "preferred-bucket":
            for bucket in s.preferred_buckets:
                inside = [i for i in members if objects[i].bucket == bucket]
                if inside:
                    return min(inside, key=oldest)
        elif s.keep_policy == "cheapest-storage-class":
            def price(i: int) -> tuple[int, Decimal, tuple[datetime, str, str, str]]:
                q = pricer.quote(objects[i])
                return (q is None, q.price.amount if q else Decimal(0), oldest(i))
            return min(members, key=price)
        return min(members, key=oldest)


class _Pricer:
    """Storage-class quotes per (provider, bucket region, class), looked up once each."""

    def __init__(self, ctx: RecommenderContext, buckets: dict[tuple[str, str, str], Bucket]) -> None:
        self.ctx = ctx
        self.buckets = buckets
        self.cache: dict[tuple[str, str, str], PriceQuote | None] = {}

    def quote(self, o: StoredObject) -> PriceQuote | None:
        b = self.buckets.get((o.provider, o.account, o.bucket))
        region = b.region if b is not None else "global"
        key = (o.provider, region, o.storage_class)
        if key not in self.cache:
            prefix = STORAGE_PREFIX.get(o.provider, o.provider)
            self.cache[key] = self.ctx.prices.storage_gb_month(o.provider, region, f"{prefix}-{o.storage_class.lower()}")
        return self.cache[key]


def _protection(o: StoredObject, buckets: dict[tuple[str, str, str], Bucket]) -> str | None:
    if o.legal_hold:
        return "legal hold"
    if o.object_lock:
        return "Object Lock retention"
    b = buckets.get((o.provider, o.account, o.bucket))
    if b is not None and b.object_lock:
        return "bucket has Object Lock enabled"
    return None


def _uri(o: StoredObject) -> str:
    return f"{URI_SCHEME.get(o.provider, o.provider)}://{o.bucket}/{o.key}"
