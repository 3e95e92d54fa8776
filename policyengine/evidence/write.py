"""Writes an evidence pack folder whole or not at all.

The files go into a new temporary folder beside the target (`.<name>.<random>`), which
is then renamed into place: a reader never sees half a pack, and a run that fails or is
interrupted (an exception, Ctrl-C, SIGTERM raised in the main thread) removes its
temporary folder and leaves the target as it was. An existing target is replaced only
when asked (`force`), and only when it is an evidence pack (it holds the pack's marker
file) or an empty folder: it is first moved aside, and put back if the new pack cannot be
renamed into place.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path, PurePosixPath

from ..errors import EvidenceError
from ..loader import PACK_MARKER

Written = Callable[[str], None]
"""Told the pack path of each file once it is written (a test's hook: raising there
stands for a run killed mid-write)."""


def _beside(target: Path, kind: str) -> Path:
    while True:
        candidate = target.parent / f".{target.name}.{kind}-{secrets.token_hex(6)}"
        if not candidate.exists():
            return candidate


def check_target(target: Path, *, force: bool) -> None:
    """Raise EvidenceError unless a pack may be written at `target`: nothing is there, or
    `force` is given and it is a folder (not a symlink) that is empty or an evidence pack,
    one that holds the pack's marker as a regular file. `--force` replaces an old pack; it
    never deletes a folder of other files (the models, the docs) given as `--out` by mistake.
    """
    if not (target.exists() or target.is_symlink()):
        return
    if not force:
        raise EvidenceError(
            f"{target} already exists: give another --out, or --force to replace it"
        )
    if target.is_symlink() or not target.is_dir():
        raise EvidenceError(f"{target} exists and is not a folder: not replaced")
    marker = target / PACK_MARKER
    if marker.is_file() and not marker.is_symlink():
        return
    if next(target.iterdir(), None) is not None:
        raise EvidenceError(
            f"{target} exists and is not an evidence pack (it has no {PACK_MARKER}): "
            "not replaced; give another --out"
        )


def write_pack(
    target: Path,
    files: Mapping[str, bytes],
    *,
    force: bool = False,
    written: Written | None = None,
) -> None:
    """Write `files` (pack path -> bytes) as the folder `target`.

    Raises EvidenceError when `target` exists and `force` is False, or is not a folder;
    OSError when the files cannot be written (nothing is left behind then). `written`,
    when given, is called after each file.
    """
    check_target(target, force=force)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = _beside(target, "tmp")
    tmp.mkdir()
    old: Path | None = None
    try:
        for name, data in files.items():
            pure = PurePosixPath(name)
            if pure.is_absolute() or ".." in pure.parts:
                raise ValueError(f"a pack path leaves the pack: {name!r} (a bug)")
            path = tmp.joinpath(*pure.parts)
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "xb") as f:
                f.write(data)
            if written is not None:
                written(name)
        if target.exists():
            old = _beside(target, "old")
            os.replace(target, old)
        try:
            os.replace(tmp, target)
        except BaseException:
            if old is not None:
                os.replace(old, target)
                old = None
            raise
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
