"""Writes a file whole or not at all: a temporary file beside it, then a rename.

The one place the package replaces a file (`--output`, `bundle build --out`, the ATLAS
catalog of `atlas import`, the files of `init`), so that a reader or a failed run never
sees half a file. A new file gets the permissions any file the user writes gets (0666
less the umask); a replaced file keeps its own. Several files of one run (`Batch`)
are written all or none: every temporary file first, and only then the renames.
"""

from __future__ import annotations

import contextlib
import errno
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


def file_in_the_way(path: Path) -> Path | None:
    """The first folder above `path` (as written) that exists and is not a folder (a
    file `README.md` for `README.md/x.sarif`), else None."""
    return next((a for a in reversed(path.parents) if a.exists() and not a.is_dir()), None)


def _missing_folders(folder: Path) -> list[Path]:
    """The folders `folder` needs made, outermost first."""
    missing: list[Path] = []
    while not folder.exists() and folder != folder.parent:
        missing.insert(0, folder)
        folder = folder.parent
    return missing


class Batch:
    """Files written all or none (the reports of one run): `add` writes each one to a
    temporary file beside it, `commit` renames them all into place. Leaving the `with`
    block without `commit` (an exception, or a file that could not be added) removes
    every temporary file and every folder `add` made, and touches no target.
    """

    def __init__(self) -> None:
        self._staged: list[tuple[Path, Path]] = []
        self._made: list[Path] = []

    def __enter__(self) -> Batch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()

    def add(self, path: Path, content: str | bytes | Iterable[str]) -> None:
        """Write `content` (text as UTF-8, bytes as is, or text pieces in order) to a new
        temporary file beside `path`, making missing parent folders. A replaced file
        will keep its mode; a new one gets 0666 less the umask. Raises OSError
        (NotADirectoryError naming it when a folder above `path` is a file); the
        temporary files already added stay until `commit` or `discard`."""
        target = path.resolve()
        missing = _missing_folders(target.parent)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError) as exc:
            blocked = file_in_the_way(path)
            if blocked is None:
                raise
            raise NotADirectoryError(errno.ENOTDIR, f"{blocked} is not a folder") from exc
        finally:
            self._made.extend(m for m in missing if m.is_dir())
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
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        self._staged.append((tmp, target))

    def commit(self) -> None:
        """Rename every temporary file over its target, in the order added. Raises
        OSError only when a target became a folder meanwhile; the targets before it are
        then already replaced, and the rest of the temporary files are removed."""
        staged, self._staged, self._made = self._staged, [], []
        for index, (tmp, target) in enumerate(staged):
            try:
                os.replace(tmp, target)
            except BaseException:
                for rest, _ in staged[index:]:
                    rest.unlink(missing_ok=True)
                raise

    def discard(self) -> None:
        """Remove every temporary file not yet committed, and every folder made for
        them that is still empty; no target is touched."""
        staged, made, self._staged, self._made = self._staged, self._made, [], []
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        for folder in reversed(made):
            with contextlib.suppress(OSError):
                folder.rmdir()  # only when empty: never a folder something else filled


def write_whole(path: Path, content: str | bytes | Iterable[str]) -> None:
    """Write `content` (text as UTF-8, bytes as is, or text pieces in order) to `path`.

    Creates missing parent folders. The text goes to a temporary file in the target's
    folder, which then replaces `path` in one rename; on any failure the temporary file
    is removed and `path` is left as it was. A new file's mode is 0666 less the umask;
    an existing file keeps its mode. Raises OSError when the folder or the file cannot
    be written (NotADirectoryError naming it when a folder above `path` is a file).
    """
    with Batch() as batch:
        batch.add(path, content)
        batch.commit()
