"""Writes a report where `--output` says: a regular file whole, anything else directly.

A regular file (or a new one) is replaced in one rename (`atomic.write_whole`), so that a
reader never sees half a report. Anything else is written in place, never replaced: a
device (`/dev/null` stays a device), a FIFO, and the process's own streams
(`/dev/stdout`, `/dev/stderr`, `/dev/fd/N`, `/proc/self/fd/N`), which are written
through the open descriptor, so that `--output /dev/stderr 2>log` adds to `log` instead
of replacing it. A relative path that lies in the working folder as written but resolves
outside it, or into a `.git` folder, through a symlink (a `reports` or `results.sarif`
link committed in a pull request, aimed at `.git/config` or `.git/hooks`) is refused; an
absolute path, or one that leaves the folder with `..`, is the user's own choice.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from .atomic import write_whole
from .errors import UsageError

_OWN_STREAM = re.compile(r"/dev/(?:(stdout)|(stderr)|fd/(\d+))|/proc/self/fd/(\d+)")


def _own_stream(path: Path) -> int | None:
    """The descriptor `path` names when it is one of the process's own streams."""
    match = _OWN_STREAM.fullmatch(os.path.normpath(os.path.abspath(path)))
    if match is None:
        return None
    stdout, stderr, fd, proc_fd = match.groups()
    return 1 if stdout else 2 if stderr else int(fd or proc_fd)


def refuse_symlink_escape(path: Path, workdir: Path, flag: str = "--output") -> None:
    """Raise UsageError when the relative `path` is written inside `workdir` but resolves
    outside it, or into a `.git` folder, through a symlink; an absolute path, or one
    leaving with `..`, passes."""
    if path.is_absolute():
        return
    written = Path(os.path.normpath(workdir / path))
    if not written.is_relative_to(workdir):
        return  # the user wrote `..`: where they asked
    real = Path(os.path.realpath(workdir / path))
    root = workdir.resolve()
    if not real.is_relative_to(root):
        raise UsageError(
            f"{flag} {path}: resolves outside the working folder through a symlink "
            f"(to {real}); not written there (give an absolute path if that is meant)"
        )
    if ".git" in real.relative_to(root).parts and ".git" not in written.relative_to(workdir).parts:
        raise UsageError(
            f"{flag} {path}: leads into git's own folder through a symlink "
            f"(to {real}); not written there (give an absolute path if that is meant)"
        )


def _write_in_place(open_fd: Callable[[], int], content: str | bytes | Iterable[str]) -> None:
    """Render every piece first (spooled beyond 16 MB), then open the target, write them
    and close it. A reader that stops reading (`| head -c1`) ends the writing quietly."""
    pieces = [content] if isinstance(content, str | bytes) else content
    with tempfile.SpooledTemporaryFile(max_size=16 << 20, mode="w+b") as spool:
        for piece in pieces:
            spool.write(piece if isinstance(piece, bytes) else piece.encode("utf-8"))
        spool.seek(0)
        fd = open_fd()
        try:
            while chunk := spool.read(1 << 16):
                while chunk:
                    chunk = chunk[os.write(fd, chunk) :]
        except BrokenPipeError:
            pass
        finally:
            os.close(fd)


def write_output(
    path: Path, content: str | bytes | Iterable[str], *, workdir: Path, flag: str = "--output"
) -> None:
    """Write the report `content` (text, bytes, or text pieces in order) to `path`.

    `workdir` is the absolute working folder a relative `path` is read from; `flag` names
    the option in messages (`--output`, `--out`). A regular
    file is replaced whole (missing folders are made); a device, a FIFO or one of the
    process's own streams is written in place, after the whole report is rendered.
    Raises UsageError for a relative path that a symlink leads outside `workdir`, and
    OSError when the target cannot be written.
    """
    refuse_symlink_escape(path, workdir, flag)
    own = _own_stream(path)
    if own is not None:
        _write_in_place(lambda: os.dup(own), content)
        return
    try:
        mode = os.stat(workdir / path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        mode = None
    if mode is not None and not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
        target = workdir / path
        _write_in_place(lambda: os.open(target, os.O_WRONLY | os.O_NOCTTY), content)
        return
    write_whole(workdir / path, content)
