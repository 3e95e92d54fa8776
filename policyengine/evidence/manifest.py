"""An evidence pack's manifest, its Ed25519 signature, and the check of a pack against it.

`manifest.json` lists every other file of the pack with its SHA-256 and size, and says
what the pack is of: the repository commit, whether the work tree differed, the policy
set's digest, the tool and engine versions and the as-of date. `manifest.sig` is the raw
64-byte Ed25519 signature of the manifest's bytes (`openssl pkeyutl -verify -rawin` checks
it too). `verify_pack` re-hashes a pack's files and reports what changed, is missing or
was added, and checks the signature with a public key. Keys are PEM files (PKCS#8 or
SubjectPublicKeyInfo), read with `cryptography`.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import stat
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from ..errors import EvidenceError
from ..results import PackCheck, PackSources
from .pack import MANIFEST, SIGNATURE

SCHEMA_VERSION = 2
"""The version of `manifest.json`'s shape (2: `work_tree.documents_differ`)."""


def manifest(sources: PackSources, files: Mapping[str, bytes]) -> bytes:
    """The manifest of a pack of `files` made from `sources`, as the bytes written."""
    p = sources.run.provenance
    doc: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "tool": "policyengine",
        "tool_version": p.tool_version if p is not None else "",
        "as_of": sources.run.as_of.isoformat(),
        "commit": sources.commit,
        "work_tree": {
            "dirty": bool(p.dirty) if p is not None else None,
            "models_differ": list(sources.dirty_models),
            "documents_differ": list(sources.dirty_documents),
        },
        "policy_digest": p.policy_digest if p is not None else None,
        "engine": dict(sources.engine),
        "catalogs": dict(p.catalogs) if p is not None else {},
        "scope": list(sources.scope),
        "models": [m.path for m in sources.run.models],
        "files": [
            {"path": path, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
            for path, data in sorted(files.items())
        ],
    }
    return (json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def _crypto_error(what: str, exc: Exception) -> EvidenceError:
    return EvidenceError(f"{what}: {exc}")


def sign(data: bytes, key_pem: bytes, key_name: str) -> bytes:
    """The Ed25519 signature of `data` with the private key in `key_pem` (PEM, no
    passphrase). Raises EvidenceError when it is not an unencrypted Ed25519 private key."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        key = serialization.load_pem_private_key(key_pem, password=None)
    except (ValueError, TypeError) as exc:
        raise EvidenceError(
            f"--sign-key {key_name}: not an unencrypted PEM private key ({exc}); make one "
            "with `openssl genpkey -algorithm ed25519 -out key.pem`"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise EvidenceError(f"--sign-key {key_name}: not an Ed25519 key ({type(key).__name__})")
    return key.sign(data)


def public_key_pem(key_pem: bytes) -> bytes:
    """The public key (SubjectPublicKeyInfo PEM) of an Ed25519 private key in PEM."""
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(key_pem, password=None)
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _signature_valid(data: bytes, signature: bytes, key_pem: bytes, key_name: str) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

    key: Any
    try:
        key = serialization.load_pem_public_key(key_pem)
    except (ValueError, TypeError):
        try:
            key = serialization.load_pem_private_key(key_pem, password=None)
        except (ValueError, TypeError) as exc:
            raise EvidenceError(f"--key {key_name}: not a PEM public key ({exc})") from None
        if isinstance(key, Ed25519PrivateKey):
            key = key.public_key()
    if not isinstance(key, Ed25519PublicKey):
        raise EvidenceError(f"--key {key_name}: not an Ed25519 key ({type(key).__name__})")
    try:
        key.verify(signature, data)
    except InvalidSignature:
        return False
    return True


def _listed(doc: Any, where: Path) -> dict[str, tuple[str, int]]:
    """path -> (sha256, size) of the manifest's files; EvidenceError when malformed."""
    files = doc.get("files") if isinstance(doc, dict) else None
    if not isinstance(files, list):
        raise EvidenceError(f"{where}: not a policyengine evidence manifest (no `files` list)")
    out: dict[str, tuple[str, int]] = {}
    for entry in files:
        ok = isinstance(entry, dict) and isinstance(entry.get("path"), str)
        ok = ok and isinstance(entry.get("sha256"), str) and isinstance(entry.get("size"), int)
        if not ok:
            raise EvidenceError(f"{where}: a `files` entry is not {{path, sha256, size}}")
        path = entry["path"]
        pure = PurePosixPath(path)
        if pure.is_absolute() or ".." in pure.parts or not path or path != pure.as_posix():
            raise EvidenceError(f"{where}: names a path outside the pack: {path!r}")
        out[path] = (entry["sha256"], entry["size"])
    return out


def _present(folder: Path) -> dict[str, Path]:
    """Every file under `folder` (symlinks too, never followed) by POSIX path."""
    found: dict[str, Path] = {}
    for top, dirs, names in os.walk(folder, followlinks=False):
        dirs.sort()
        for name in [*names, *(d for d in dirs if Path(top, d).is_symlink())]:
            path = Path(top, name)
            found[path.relative_to(folder).as_posix()] = path
    return found


def _digest(path: Path) -> tuple[str, int] | None:
    """(sha256, size) of a regular file; None for a symlink or anything else."""
    if path.is_symlink() or not path.is_file():
        return None
    h = hashlib.sha256()
    size = 0
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def _read_regular(path: Path) -> bytes:
    """The bytes of `path` when it is a regular file, read without following a symlink or
    blocking on a FIFO or device; raises EvidenceError for anything else."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise EvidenceError(f"{path}: a symlink, not a file of the pack") from None
        raise EvidenceError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise EvidenceError(f"{path}: not a regular file (a FIFO, device or folder)")
        return f.read()


def verify_pack(folder: Path, key_pem: bytes | None = None, key_name: str = "") -> PackCheck:
    """`folder` checked against its `manifest.json`: files changed (hash or size),
    missing or extra, and with `key_pem` (an Ed25519 public key, PEM) the signature in
    `manifest.sig`. Raises EvidenceError when the folder or its manifest cannot be read,
    or the key is not an Ed25519 key."""
    where = folder / MANIFEST
    if not folder.is_dir():
        raise EvidenceError(f"{folder}: no such folder")
    raw = _read_regular(where)
    try:
        doc = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise EvidenceError(f"{where}: not JSON: {exc}") from None
    listed = _listed(doc, where)
    present = _present(folder)
    present.pop(MANIFEST, None)
    signature_path = present.pop(SIGNATURE, None)
    changed, missing = [], []
    for path, expected in sorted(listed.items()):
        if path not in present:
            missing.append(path)
        elif _digest(present[path]) != expected:
            changed.append(path)
    extra = sorted(set(present) - set(listed))
    if key_pem is None:
        signature = "unchecked" if signature_path is not None else "absent"
    elif signature_path is None:
        signature = "missing"
    else:
        valid = _signature_valid(raw, _read_regular(signature_path), key_pem, key_name)
        signature = "valid" if valid else "invalid"
    return PackCheck(
        folder=str(folder),
        changed=tuple(changed),
        missing=tuple(missing),
        extra=tuple(extra),
        files=len(listed),
        manifest_sha256=hashlib.sha256(raw).hexdigest(),
        signature=signature,
        commit=str(doc.get("commit", "")),
        as_of=str(doc.get("as_of", "")),
    )


_SIGNATURE_PROBLEM = {
    "missing": "the pack is not signed (no manifest.sig), so --key cannot check it",
    "invalid": "the signature does not hold",
}
"""Why a pack with no changed, missing or extra file fails, by `PackCheck.signature`."""


def check_text(check: PackCheck) -> str:
    """The report of `evidence verify` as text, one fact a line."""
    from ..report import escape

    lines = [f"pack: {escape.text(check.folder)}"]
    lines.append(f"manifest sha256: {check.manifest_sha256}")
    lines.append(f"commit {escape.text(check.commit)}, as of {escape.text(check.as_of)}")
    lines.extend(f"changed: {escape.text(p)}" for p in check.changed)
    lines.extend(f"missing: {escape.text(p)}" for p in check.missing)
    lines.extend(f"extra: {escape.text(p)}" for p in check.extra)
    lines.append(f"signature: {check.signature}")
    problems = len(check.changed) + len(check.missing) + len(check.extra)
    verdict = "OK" if check.clean else "FAILED"
    lines.append(
        f"{verdict}: {check.files} files listed; {len(check.changed)} changed, "
        f"{len(check.missing)} missing, {len(check.extra)} extra"
        + ("" if problems or check.clean else f"; {_SIGNATURE_PROBLEM[check.signature]}")
    )
    return "\n".join(lines) + "\n"


def check_json(check: PackCheck) -> str:
    """The report of `evidence verify` as JSON (`schema_version` 1)."""
    doc = {
        "schema_version": 1,
        "folder": check.folder,
        "clean": check.clean,
        "files": check.files,
        "changed": list(check.changed),
        "missing": list(check.missing),
        "extra": list(check.extra),
        "signature": check.signature,
        "manifest_sha256": check.manifest_sha256,
        "commit": check.commit,
        "as_of": check.as_of,
    }
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"
