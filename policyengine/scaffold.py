"""Writes what a repository needs to adopt policyengine (`policyengine init`).

The files are templates shipped in `policyengine/data/init/`: the config, a starter
threat model that validates (a made-up example of the format, dated on the day of
`init`, whose owner and red-team performer are placeholders for the user to replace, which
`check` reports; it also reports the evidence files it cites, which `init` does not write,
and the organisation register), a pull-request workflow, a weekly review workflow and a
pre-commit config. `starter_files` fills them in (pure); `write_starter` writes them,
never over an existing file unless asked to.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path

from .atomic import write_whole
from .errors import UsageError

__all__ = ["STARTER", "starter_files", "write_starter"]

_TEMPLATES = Path(__file__).resolve().parent / "data" / "init"

STARTER: Mapping[str, str] = {
    ".policyengine.yaml": "policyengine.yaml",
    "models/example.yaml": "example-model.yaml",
    ".github/workflows/threat-model-check.yml": "threat-model-check.yml",
    ".github/workflows/threat-model-review.yml": "threat-model-review.yml",
    ".pre-commit-config.yaml": "pre-commit-config.yaml",
}
"""Each file `init` writes (POSIX path relative to the target folder) and its template."""


def starter_files(today: date, version: str, atlas_version: str) -> dict[str, str]:
    """The text of every `STARTER` file: `today` is the starter model's review and
    red-team date, `version` the policyengine the workflows and hooks install, and
    `atlas_version` the ATLAS release the starter model was checked against."""
    values = {"@TODAY@": today.isoformat(), "@VERSION@": version, "@ATLAS_VERSION@": atlas_version}
    out: dict[str, str] = {}
    for target, template in STARTER.items():
        text = (_TEMPLATES / template).read_text(encoding="utf-8")
        for key, value in values.items():
            text = text.replace(key, value)
        out[target] = text
    return out


def write_starter(folder: Path, files: Mapping[str, str], *, force: bool = False) -> list[Path]:
    """Write `files` (relative path to text) under `folder`; the paths written, in order.

    Without `force`, nothing is written when any of them exists: UsageError naming each.
    Every file is written whole (`atomic.write_whole`). Raises OSError when one cannot be.
    """
    targets = [folder / name for name in files]
    present = [t for t in targets if t.exists() or t.is_symlink()]
    if present and not force:
        names = ", ".join(str(t) for t in present)
        raise UsageError(f"{names}: already there; nothing was written (--force replaces them)")
    for target, text in zip(targets, files.values(), strict=True):
        write_whole(target, text)
    return targets
