"""Grouping object listings into proven and likely duplicate groups, from listing data alone.

What proves two objects hold the same bytes (always with equal sizes):

* equal plain ETags that are content MD5s: single-part uploads, no ``-N`` suffix, not SSE-KMS,
  on providers whose simple-upload ETag is the MD5 (S3 and OSS: ``etag_md5_providers``);
* equal multipart ETags (``<md5-of-part-md5s>-N``) with the same size (``multipart_etag_proof``,
  on by default): the same part count and the same digest of every part's MD5 mean the same
  parts, so the same bytes. The same bytes uploaded with *another* part size get a different
  ETag, so they are only ever *likely* duplicates (by name and size, below);
* equal full-object checksums of a strong algorithm (``proof_algorithms``: SHA256, SHA1,
  CRC64NVME, MD5) supplied in ``StoredObject.checksum``. A value ending in ``-N`` is a composite
  (per-part) checksum and proves nothing across different part sizes; CRC64NVME is always
  full-object on S3.

What makes two objects only *likely* duplicates (never counted as proven):

* equal multipart ETags when ``multipart_etag_proof`` is off;
* equal composite checksums, or equal weak full-object checksums (CRC32, CRC32C: 32 bits);
* the same key name (last path segment) and size, when nothing above proves them different.

What proves two objects differ: different plain MD5 ETags, or different full-object checksums of
the same algorithm. Likely groups never join objects proven different.

SSE-KMS (and DSSE-KMS) ETags, and the random ETags of S3 directory buckets (S3 Express One
Zone), are not MD5s of the content: never proof, never disproof. SSE-C
objects cannot be told apart in a listing; their ETags are not content MD5s either, but do not
repeat for equal content, so they can only hide duplicates, not invent them.

The engine is streaming-friendly: one pass counts sizes, a second keeps only indices of objects
whose size occurs twice or more, and groups are resolved per size with a small union-find.
Content hashing with ranged GETs is a collector concern and is not done here; when a collector
supplies full-object hashes in ``StoredObject.checksum`` they are used as proof.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from finml.model import StoredObject

_MD5 = re.compile(r"^[0-9a-f]{32}$")
_MULTIPART = re.compile(r"^[0-9a-f]{32}-(\d+)$")
_COMPOSITE = re.compile(r"-\d+$")


@dataclass(frozen=True, slots=True)
class GroupRules:
    min_size_bytes: int = 1
    etag_md5_providers: frozenset[str] = frozenset({"aws", "alibaba"})
    proof_algorithms: frozenset[str] = frozenset({"SHA256", "SHA1", "CRC64NVME", "MD5"})
    likely_by_name: bool = True
    multipart_etag_proof: bool = True


@dataclass(slots=True)
class Group:
    """Indices into the object sequence that hold (or may hold) the same bytes."""

    size: int
    members: list[int]
    proof: str
    """``md5:<etag>``, ``<ALGO>:<checksum>`` for proven groups; ``likely:…`` for likely ones."""
    parts: list[list[int]] = field(default_factory=list)
    """Likely groups only: the proven sub-groups (or single objects) the group joins."""


@dataclass(slots=True)
class _Node:
    members: list[int]
    md5: set[str] = field(default_factory=set)
    full: dict[str, set[str]] = field(default_factory=dict)
    hints: set[tuple[str, str]] = field(default_factory=set)
    proofs: list[str] = field(default_factory=list)


def _algo(name: str | None) -> str:
    return (name or "").upper().replace("-", "").replace("_", "")


def _facts(o: StoredObject, rules: GroupRules) -> tuple[str | None, str | None, tuple[str, str] | None, bool]:
    """(content md5, multipart etag, (algo, checksum), checksum is composite) of one object."""
    md5 = mp = None
    if o.provider in rules.etag_md5_providers and not o.sse_kms and not _directory_bucket(o):
        etag = o.etag.strip().strip('"').lower()
        if _MD5.match(etag):
            md5 = etag
        elif _MULTIPART.match(etag):
            mp = etag
    ck = None
    composite = False
    if o.checksum and o.checksum_algorithm:
        algo = _algo(o.checksum_algorithm)
        value = o.checksum.strip()
        if algo == "MD5" and "MD5" in rules.proof_algorithms:
            hexval = _md5_hex(value)
            if hexval is not None:  # GCS md5Hash / Azure Content-MD5 (base64) meet S3 ETags (hex)
                return md5 or hexval, mp, None, False
        composite = algo != "CRC64NVME" and bool(_COMPOSITE.search(value))
        ck = (algo, value)
    return md5, mp, ck, composite


def _directory_bucket(o: StoredObject) -> bool:
    """S3 directory buckets (S3 Express One Zone, names ending ``--x-s3``) use random ETags."""
    return o.storage_class.upper() == "EXPRESS_ONEZONE" or o.bucket.endswith("--x-s3")


def _md5_hex(value: str) -> str | None:
    if _MD5.match(value.lower()):
        return value.lower()
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw.hex() if len(raw) == 16 else None


def _different(a: _Node, b: _Node) -> bool:
    if a.md5 and b.md5 and not (a.md5 & b.md5):
        return True
    for algo, values in a.full.items():
        other = b.full.get(algo)
        if other and not (values & other):
            return True
    return False


def current_versions(objects: Sequence[StoredObject]) -> set[int]:
    """Indices of noncurrent versions to ignore: when a listing holds several versions of one key
    (``version_id`` set), only the newest ``last_modified`` counts as the current object."""
    newest: dict[tuple[str, str, str, str], tuple[object, int]] = {}
    drop: set[int] = set()
    for i, o in enumerate(objects):
        if o.version_id is None:
            continue
        k = (o.provider, o.account, o.bucket, o.key)
        seen = newest.get(k)
        if seen is None:
            newest[k] = (o.last_modified, i)
        elif o.last_modified > seen[0]:  # type: ignore[operator]
            drop.add(seen[1])
            newest[k] = (o.last_modified, i)
        else:
            drop.add(i)
    return drop


def candidate_sizes(objects: Sequence[StoredObject], rules: GroupRules, drop: set[int]) -> dict[int, list[int]]:
    """Object indices by (provider, size) for sizes that occur at least twice (two passes, ints only)."""
    counts = Counter(o.size for i, o in enumerate(objects) if o.size >= rules.min_size_bytes and i not in drop)
    by_size: dict[int, list[int]] = {}
    for i, o in enumerate(objects):
        if counts.get(o.size, 0) > 1 and i not in drop:
            by_size.setdefault(o.size, []).append(i)
    return by_size


def group_objects(objects: Sequence[StoredObject], rules: GroupRules) -> tuple[list[Group], list[Group]]:
    """Proven and likely duplicate groups among ``objects`` (see the module docstring)."""
    drop = current_versions(objects)
    proven: list[Group] = []
    likely: list[Group] = []
    for size, idxs in candidate_sizes(objects, rules, drop).items():
        p, lk = _resolve(objects, size, idxs, rules)
        proven.extend(p)
        likely.extend(lk)
    return proven, likely


def _resolve(objects: Sequence[StoredObject], size: int, idxs: list[int], rules: GroupRules) -> tuple[list[Group], list[Group]]:
    parent = {i: i for i in idxs}

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    facts = {i: _facts(objects[i], rules) for i in idxs}
    first_by_proof: dict[str, int] = {}
    for i in idxs:
        md5, _mp, ck, composite = facts[i]
        keys = []
        if md5:
            keys.append(f"md5:{md5}")
        if _mp and rules.multipart_etag_proof:
            keys.append(f"etag:{_mp}")
        if ck and not composite and ck[0] in rules.proof_algorithms:
            keys.append(f"{ck[0]}:{ck[1]}")
        for k in keys:
            j = first_by_proof.setdefault(k, i)
            if j != i:
                parent[find(i)] = find(j)
    nodes: dict[int, _Node] = {}
    for i in idxs:
        node = nodes.setdefault(find(i), _Node(members=[]))
        node.members.append(i)
        md5, mp, ck, composite = facts[i]
        if md5:
            node.md5.add(md5)
            node.proofs.append(f"md5:{md5}")
        if mp:
            if rules.multipart_etag_proof:
                node.proofs.append(f"etag:{mp}")
            else:
                node.hints.add(("etag", mp))
        if ck:
            if composite:
                node.hints.add(("composite", f"{ck[0]}:{ck[1]}"))
            else:
                node.full.setdefault(ck[0], set()).add(ck[1])
                if ck[0] in rules.proof_algorithms:
                    node.proofs.append(f"{ck[0]}:{ck[1]}")
                else:
                    node.hints.add(("checksum", f"{ck[0]}:{ck[1]}"))
        if rules.likely_by_name:
            node.hints.add(("name", objects[i].key.rsplit("/", 1)[-1]))
    proven = [
        Group(size, sorted(n.members), min(n.proofs)) for n in nodes.values() if len(n.members) > 1
    ]
    return proven, _likely(size, list(nodes.values()))


def _likely(size: int, nodes: list[_Node]) -> list[Group]:
    """Join nodes that share a hint and are not proven different (greedy, order-stable)."""
    if len(nodes) < 2:
        return []
    nodes.sort(key=lambda n: min(n.members))
    cluster_of = list(range(len(nodes)))
    clusters: dict[int, list[int]] = {i: [i] for i in range(len(nodes))}
    reasons: dict[int, set[str]] = {}
    by_hint: dict[tuple[str, str], list[int]] = {}
    for n_i, node in enumerate(nodes):
        for h in node.hints:
            by_hint.setdefault(h, []).append(n_i)
    def merge(ca: int, cb: int, kind: str) -> bool:
        if ca == cb:
            reasons.setdefault(ca, set()).add(kind)
            return True
        if any(_different(nodes[x], nodes[y]) for x in clusters[ca] for y in clusters[cb]):
            return False
        keep, gone = min(ca, cb), max(ca, cb)
        for x in clusters.pop(gone):
            cluster_of[x] = keep
            clusters[keep].append(x)
        reasons.setdefault(keep, set()).update(reasons.pop(gone, set()) | {kind})
        return True

    for hint in sorted(by_hint):
        holders = by_hint[hint]
        for pos, b in enumerate(holders[1:], start=1):
            for a in holders[:pos]:
                if merge(cluster_of[a], cluster_of[b], hint[0]):
                    break
    out = []
    for cid, members in clusters.items():
        if len(members) < 2:
            continue
        parts = [sorted(nodes[m].members) for m in sorted(members)]
        all_members = sorted(i for p in parts for i in p)
        out.append(Group(size, all_members, f"likely:{'+'.join(sorted(reasons.get(cid, {'?'})))}", parts))
    return out


def needing_checksum(objects: Sequence[StoredObject], likely: Sequence[Group]) -> list[int]:
    """Objects of likely groups whose listing names a checksum algorithm but carries no value:
    one HeadObject / GetObjectAttributes (ChecksumMode=ENABLED) each would settle the group when
    the checksum is full-object (always for CRC64NVME). These are the only extra calls a
    collector needs beyond the list pages."""
    out: list[int] = []
    for g in likely:
        out.extend(i for i in g.members if objects[i].checksum_algorithm and not objects[i].checksum)
    return out
