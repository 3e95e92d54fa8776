"""Reading a code tree for discovery: the Python files and dependency manifests under
some folders, with limits. The only module of `discover` that touches the file system.

Nothing is imported or executed: files are read as bytes and decoded. A file over
`MAX_SOURCE_BYTES`, one that is not UTF-8 (a Python file: not in the encoding its PEP 263
coding declaration names), and a symlink whose target leaves the
repository are skipped with a located warning; folders that hold no project code
(`.git`, virtual environments, `node_modules`, caches) are not entered.
"""

from __future__ import annotations

import io
import os
import tokenize
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import UsageError
from .results import Diagnostic, Level

MAX_SOURCE_BYTES = 2 * 1024 * 1024
"""A source file or manifest larger than this (bytes) is skipped with a warning."""

MAX_FILES = 20_000
"""At most this many files are read in one run; the rest are skipped with a warning."""

_SKIPPED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        "env",
        ".env",
        "node_modules",
        "site-packages",
        "__pycache__",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        ".tox",
        ".nox",
        "build",
        "dist",
    }
)

MANIFEST_NAMES = ("pyproject.toml", "poetry.lock", "uv.lock", "Pipfile.lock")
"""Dependency manifests read besides `requirements*.txt`."""


@dataclass(frozen=True)
class SourceFile:
    """One file to analyse: its path shown in findings and its text."""

    path: str
    """Path relative to the repository root (POSIX separators)."""
    text: str
    """The file's content, decoded as UTF-8."""
    within: str = ""
    """Path relative to the SRC folder it was found under ("" when given as a file): what
    says whether it is a test file, so that a project kept under `tests/` is analysed."""


def is_manifest(name: str) -> bool:
    """True for a dependency manifest's file name (`requirements*.txt`, pyproject, locks)."""
    return name in MANIFEST_NAMES or (name.startswith("requirements") and name.endswith(".txt"))


def _wanted(name: str) -> bool:
    return name.endswith(".py") or is_manifest(name)


def _inside(path: Path, root: Path) -> bool:
    try:
        return path.resolve().is_relative_to(root)
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop (Python < 3.13)
        return False


def _shown(path: Path, root: Path) -> str:
    return Path(os.path.abspath(path)).relative_to(root).as_posix()


def _walk(folder: Path, root: Path, problems: list[Diagnostic]) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        here = Path(dirpath)
        kept = []
        for d in sorted(dirnames):
            if d in _SKIPPED_DIRS or d.endswith(".egg-info"):
                continue
            if (here / d).is_symlink():
                if not _inside(here / d, root):
                    problems.append(_leaves(here / d, root))
                continue  # a link inside the repository: its target is walked itself
            kept.append(d)
        dirnames[:] = kept
        for name in sorted(filenames):
            if _wanted(name):
                yield here / name


def _leaves(path: Path, root: Path) -> Diagnostic:
    return Diagnostic(
        _shown(path, root),
        0,
        0,
        "skipped: a symlink whose target is outside the repository",
        level=Level.WARNING,
        code="path",
    )


def read_sources(
    paths: Sequence[Path], root: Path
) -> tuple[tuple[SourceFile, ...], tuple[Diagnostic, ...]]:
    """The Python files and manifests under `paths` (files or folders; `root` when
    empty), sorted by path, and warnings for the files skipped.

    Raises UsageError for a path that does not exist or lies outside `root`.
    """
    root = root.resolve()
    problems: list[Diagnostic] = []
    found: list[tuple[Path, str]] = []
    for given in paths or [root]:
        if not given.exists():
            raise UsageError(f"{given}: no such file or folder")
        if not Path(os.path.abspath(given)).is_relative_to(root) or not _inside(given, root):
            raise UsageError(f"{given}: outside the repository {root}; give a path inside it")
        if given.is_dir():
            found.extend((p, p.relative_to(given).as_posix()) for p in _walk(given, root, problems))
        else:
            found.append((given, given.name))
    files: list[SourceFile] = []
    seen: set[str] = set()
    for path, within in found:
        shown = _shown(path, root)
        if shown in seen:
            continue
        seen.add(shown)
        if len(seen) > MAX_FILES:
            problems.append(
                Diagnostic(
                    shown, 0, 0, f"skipped: more than {MAX_FILES} files", level=Level.WARNING
                )
            )
            break
        text = _read(path, shown, root, problems)
        if text is not None:
            files.append(SourceFile(shown, text, within))
    files.sort(key=lambda f: f.path)
    problems.sort(key=lambda d: (d.file, d.line, d.message))
    return tuple(files), tuple(problems)


def _read(path: Path, shown: str, root: Path, problems: list[Diagnostic]) -> str | None:
    def skip(why: str) -> None:
        problems.append(Diagnostic(shown, 0, 0, f"skipped: {why}", level=Level.WARNING))

    if path.is_symlink() and not _inside(path, root):
        problems.append(_leaves(path, root))
        return None
    try:
        if path.stat().st_size > MAX_SOURCE_BYTES:
            skip(f"larger than {MAX_SOURCE_BYTES} bytes")
            return None
        content = path.read_bytes()
    except OSError as exc:
        skip(f"cannot read it: {exc.strerror or exc}")
        return None
    encoding = "utf-8-sig"
    if path.suffix == ".py":  # PEP 263: a coding declaration in the first two lines
        try:
            encoding, _ = tokenize.detect_encoding(io.BytesIO(content).readline)
        except SyntaxError as exc:  # an unknown codec, or bytes that are no text at all
            if not exc.msg.startswith(("unknown encoding", "encoding problem")):
                encoding = "utf-8-sig"  # the decoding below says where
            else:
                skip(f"its coding declaration cannot be read ({exc.msg})")
                return None
    try:
        return content.decode(encoding)
    except UnicodeDecodeError as exc:
        name = "UTF-8" if encoding.startswith("utf-8") else encoding
        skip(f"not {name} text (byte {exc.start})")
        return None
