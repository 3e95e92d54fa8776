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
The reports of one run (`write_outputs`) are written all or none: every file's temporary
first, and only when all are written the renames.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from .atomic import Batch, write_whole
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


def _in_place(path: Path, workdir: Path) -> Callable[[], int] | None:
    """How to open `path` when it is written in place (one of the process's own streams,
    a device, a FIFO); None for a regular file, a new one or a folder."""
    own = _own_stream(path)
    if own is not None:
        return lambda: os.dup(own)
    try:
        mode = os.stat(workdir / path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return None
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    target = workdir / path
    return lambda: os.open(target, os.O_WRONLY | os.O_NOCTTY)


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
    opener = _in_place(path, workdir)
    if opener is not None:
        _write_in_place(opener, content)
        return
    write_whole(workdir / path, content)


def write_outputs(
    outputs: Sequence[tuple[Path, str | bytes | Iterable[str]]],
    *,
    workdir: Path,
    flag: str = "--output",
    before_replace: Callable[[], None] | None = None,
) -> None:
    """Write the reports of one run, each `(path, content)` as `write_output` does, all
    or none.

    Every regular file's report is written to a temporary file beside it first; only
    when all of them are written are `before_replace` (the report on stdout, if any)
    and the in-place targets (devices, FIFOs, own streams) written, and then every
    temporary file renamed into place. When any of that fails, the temporary files (and
    folders made for them) are removed and no regular file is touched. Raises
    UsageError naming the path that could not be written (or a symlink escape, as
    `write_output`); an error of `before_replace` propagates as it is.
    """
    for path, _ in outputs:
        refuse_symlink_escape(path, workdir, flag)
    in_place: list[tuple[Path, Callable[[], int], str | bytes | Iterable[str]]] = []
    with Batch() as batch:
        for path, content in outputs:
            opener = _in_place(path, workdir)
            if opener is not None:
                in_place.append((path, opener, content))
                continue
            try:
                batch.add(workdir / path, content)
            except OSError as exc:
                raise _cannot_write(flag, path, exc) from None
        if before_replace is not None:
            before_replace()
        for path, opener, content in in_place:
            try:
                _write_in_place(opener, content)
            except OSError as exc:
                raise _cannot_write(flag, path, exc) from None
        try:
            batch.commit()
        except OSError as exc:
            raise _cannot_write(flag, Path(exc.filename2 or exc.filename or "?"), exc) from None


def _cannot_write(flag: str, path: Path, exc: OSError) -> UsageError:
    """The usage error for a report that could not be written to `path`."""
    return UsageError(f"{flag} {path}: cannot write it: {exc.strerror or exc}")
