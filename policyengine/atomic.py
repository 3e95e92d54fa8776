"""Writes a file whole or not at all: a temporary file beside it, then a rename.

The one place the package replaces a file (`--output`, `bundle build --out`, the ATLAS
catalog of `atlas import`), so that a reader or a failed run never sees half a file.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path


def write_whole(path: Path, content: str | bytes | Iterable[str]) -> None:
    """Write `content` (text as UTF-8, bytes as is, or text pieces in order) to `path`.

    Creates missing parent folders. The text goes to a temporary file in the target's
    folder, which then replaces `path` in one rename; on any failure the temporary file
    is removed and `path` is left as it was. Raises OSError when the folder or the file
    cannot be written.
    """
    target = path.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        if isinstance(content, bytes):
            with os.fdopen(fd, "wb") as raw:
                raw.write(content)
        else:
            pieces = [content] if isinstance(content, str) else content
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
                for piece in pieces:
                    fh.write(piece)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
