"""Audit evidence packs: `policyengine evidence` and `policyengine evidence verify`.

A pack is a folder an auditor can take away: the threat models as committed, their
findings, control results and risk registers, the matrix, the framework views, the red
team's findings, the review history from git, the waivers, acceptances and attestations
in force, the cited documents, an OSCAL assessment-results document, and a manifest of
every file's SHA-256 (optionally signed with Ed25519). `gather` collects the sources
(the I/O side: the check run and git), `pack` makes the files from them (pure),
`manifest` hashes, signs and verifies, `write` puts the folder in place whole.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..results import PackSources
from .manifest import manifest, sign
from .pack import MANIFEST, SECTIONS, SIGNATURE, SectionMaker, build_pack


def pack_files(
    sources: PackSources,
    *,
    sign_key: bytes | None = None,
    key_name: str = "",
    sections: Sequence[SectionMaker] = SECTIONS,
) -> dict[str, bytes]:
    """Every file of the pack of `sources`, the manifest included, and with `sign_key` (an
    Ed25519 private key, PEM) its signature. Raises EvidenceError for a key that is not
    one."""
    files = build_pack(sources, sections)
    listed = manifest(sources, files)
    files[MANIFEST] = listed
    if sign_key is not None:
        files[SIGNATURE] = sign(listed, sign_key, key_name)
    return dict(sorted(files.items()))


__all__ = ["pack_files"]
