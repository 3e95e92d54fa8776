"""Builds an OPA bundle (tar.gz) of a policy set: deterministic bytes, a hashed revision.

The bundle holds every non-test module (under its module name), the generated aggregator
with its `batch` rule (so `--engine opa --opa-use-loaded` works against a server started
with `opa run --server --bundle FILE`), each control catalog as data under
`catalog/<name>`, and a `.manifest` whose `revision` is the sha256 of all other contents,
whose `roots` are the top-level packages and whose `metadata` names the policy set (its
digest, and each check id with the sha256 of the package that declares it), so that a
run can tell whether the server holds the policy set its repository names. Entries are
sorted, with fixed mtimes, owners and modes, so the same policies give the same bytes.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from collections.abc import Mapping
from pathlib import Path

from .errors import PolicyError
from .policyset import AGGREGATOR_MODULE, PolicySet

__all__ = ["build_bundle", "bundle_files", "check_digests"]


def bundle_files(policy_set: PolicySet, catalogs: Mapping[str, Path]) -> dict[str, bytes]:
    """The bundle's files (path to bytes), `.manifest` included.

    `catalogs` maps a catalog name (`iso42001`) to its JSON file; each becomes
    `data.catalog.<name>`. Raises `PolicyError` when a catalog is not JSON.
    """
    files: dict[str, bytes] = {
        name: source.encode("utf-8") for name, source in policy_set.modules.items()
    }
    files[AGGREGATOR_MODULE] = policy_set.aggregator(batch=True).encode("utf-8")
    roots = {pkg.split(".")[0] for pkg in _packages(policy_set)} | {"policyengine"}
    for name, path in sorted(catalogs.items()):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise PolicyError(f"{path}: catalog is not readable JSON: {exc}") from exc
        files[f"catalog/{name}/data.json"] = _canonical(data)
        roots.add("catalog")
    digest = hashlib.sha256()
    for entry in sorted(files):
        digest.update(entry.encode() + b"\0" + hashlib.sha256(files[entry]).digest())
    manifest = {
        "revision": digest.hexdigest(),
        "roots": sorted(roots),
        "rego_version": 1,
        "metadata": {
            "policyengine_digest": policy_set.digest,
            "policyengine_checks": check_digests(policy_set),
        },
    }
    files[".manifest"] = _canonical(manifest)
    return dict(sorted(files.items()))


def build_bundle(policy_set: PolicySet, catalogs: Mapping[str, Path]) -> bytes:
    """The bundle as gzip-compressed tar bytes (see `bundle_files`)."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path, content in bundle_files(policy_set, catalogs).items():
            info = tarfile.TarInfo(name=f"/{path}")
            info.size = len(content)
            info.mtime = 0
            info.mode = 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(content))
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0) as gz:
        gz.write(raw.getvalue())
    return out.getvalue()


def check_digests(policy_set: PolicySet) -> dict[str, str]:
    """Each check id of `policy_set` to the sha256 (hex) of the sources of the package
    that declares it (its modules' texts in sorted order), sorted by id: two sets give a
    check the same digest exactly when its package reads the same."""
    by_package: dict[str, list[str]] = {}
    for _, source in sorted(policy_set.modules.items()):
        package = _package_of(source)
        if package is not None:
            by_package.setdefault(package, []).append(source)
    out: dict[str, str] = {}
    for check_id, meta in sorted(policy_set.checks.items()):
        digest = hashlib.sha256()
        for source in by_package.get(meta.package, []):
            digest.update(hashlib.sha256(source.encode("utf-8")).digest())
        out[check_id] = digest.hexdigest()
    return out


def _package_of(source: str) -> str | None:
    for line in source.splitlines():
        stripped = line.strip()
        if stripped.startswith("package "):
            return stripped.split()[1]
    return None


def _packages(policy_set: PolicySet) -> set[str]:
    return {p for p in map(_package_of, policy_set.modules.values()) if p is not None}


def _canonical(value: object) -> bytes:
    return (json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()
