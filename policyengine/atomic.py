"""Writes a file whole or not at all: a temporary file beside it, then a rename.

The one place the package replaces a file (`--output`, `bundle build --out`, the ATLAS
catalog of `atlas import`, the files of `init`), so that a reader or a failed run never
sees half a file. A new file gets the permissions any file the user writes gets (0666
less the umask); a replaced file keeps its own.
"""

from __future__ import annotations

import os
import secrets
import stat
from collections.abc import Iterable
from pathlib import Path

_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)


def _temporary(folder: Path, name: str) -> tuple[int, Path]:
    """A new, empty file beside the target, opened for writing. Created with mode 0666
    so that the kernel applies the umask itself (`tempfile.mkstemp` makes 0600)."""
    while True:
        tmp = folder / f".{name}.{secrets.token_hex(6)}"
        try:
            return os.open(tmp, _CREATE, 0o666), tmp
        except FileExistsError:
            continue


def write_whole(path: Path, content: str | bytes | Iterable[str]) -> None:
    """Write `content` (text as UTF-8, bytes as is, or text pieces in order) to `path`.

    Creates missing parent folders. The text goes to a temporary file in the target's
    folder, which then replaces `path` in one rename; on any failure the temporary file
    is removed and `path` is left as it was. A new file's mode is 0666 less the umask;
    an existing file keeps its mode. Raises OSError when the folder or the file cannot
    be written.
    """
    target = path.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        keep: int | None = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        keep = None
    fd, tmp = _temporary(target.parent, target.name)
    try:
        with os.fdopen(fd, "wb") as raw:
            if keep is not None:
                os.fchmod(raw.fileno(), keep)
            if isinstance(content, bytes):
                raw.write(content)
            else:
                for piece in [content] if isinstance(content, str) else content:
                    raw.write(piece.encode("utf-8"))
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
