"""The runner's cache folder, and the change rule's cache of parsed versions kept in it.

`cache_dir()` is the one folder where policyengine keeps work between runs: the embedded
engine's compiled programs, and `ViewCache`, what the change rule read of each committed
version of a model (`modeldiff.VersionView`), keyed by the git blob id of the version.
A blob id is a hash of the content, and the key also carries a hash of the code that
reads a version (the loader and `modeldiff`), so an entry can only ever hold what
parsing that content again would give: the cache is exact, never a guess.

The cache lives on the runner, never in the repository under review: a folder inside the
repository (which a pull request could fill with entries of its choosing) is not used,
nor one that another user owns or can write to. An entry that does not read back as a
view of exactly the expected shape is ignored, and the version is parsed.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import os
import stat
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from .modeldiff import VersionView

logger = logging.getLogger(__name__)

_FORMAT = "3"
"""Part of the folder name of the views: bump it when what an entry holds changes."""


def cache_dir() -> Path | None:
    """Where work is kept between runs, or None for no cache.

    `$POLICYENGINE_CACHE_DIR` (empty: no cache), else `$XDG_CACHE_HOME/policyengine`, else
    `~/.cache/policyengine`.
    """
    chosen = os.environ.get("POLICYENGINE_CACHE_DIR")
    if chosen is not None:
        return Path(chosen) if chosen else None
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        try:
            base = str(Path.home() / ".cache")
        except (RuntimeError, KeyError):  # no home folder: no cache
            return None
    return Path(base) / "policyengine"


def installed_version(name: str) -> str | None:
    """The version of the installed distribution `name`, for a cache key: from the name
    of its `*.dist-info` folder, the first on `sys.path` (where importlib.metadata finds
    it, without importing that: ~15 ms of a pull-request check); None when there is none."""
    prefix = name.replace("-", "_").lower() + "-"
    for entry in sys.path:
        try:
            names = sorted(os.listdir(entry or "."))
        except OSError:
            continue
        for folder in names:
            if folder.lower().startswith(prefix) and folder.endswith(".dist-info"):
                return folder[len(prefix) : -len(".dist-info")]
    return None


@functools.cache
def _code_digest() -> str | None:
    """A hash of the code that makes a view (the loader, `modeldiff`, this module) and of
    the libraries it parses with: a change to any of them starts a new set of entries.
    None when the sources cannot be read (no disk cache then)."""
    import yaml

    from . import loader, modeldiff

    libyaml = getattr(yaml, "__with_libyaml__", False)
    digest = hashlib.sha256(f"{_FORMAT}\0{yaml.__version__}\0{libyaml}\0".encode())
    try:
        for module in (loader, modeldiff):
            digest.update(Path(module.__file__ or "").read_bytes())
        digest.update(Path(__file__).read_bytes())
    except OSError:
        return None
    return digest.hexdigest()[:24]


def _inside(folder: Path, outer: Path) -> bool:
    try:
        folder.relative_to(outer)
    except ValueError:
        return False
    return True


def _private(folder: Path) -> bool:
    """True when `folder` is a directory of this user that no one else can write to."""
    try:
        info = folder.stat()
    except OSError:
        return False
    return (
        stat.S_ISDIR(info.st_mode)
        and info.st_uid == os.geteuid()
        and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    )


def _in_work_tree(folder: Path) -> Path | None:
    """The git work tree `folder` is inside (a folder with `.git` at or above it), or None."""
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


def _trusted_folder(
    base: Path | None, parts: tuple[str, ...], repository: Path | None
) -> Path | None:
    """`base/parts...`, made if need be (mode 0700); None when there is no cache, or `base` is
    inside `repository` or any other git work tree (a pull request could commit entries of
    its choosing there), or the folder is not this user's alone. The one trust rule of
    every cache folder."""
    if base is None:
        return None
    try:
        base = base.expanduser().resolve()
        outer = repository.resolve() if repository is not None else None
        tree = outer if outer is not None and _inside(base, outer) else _in_work_tree(base)
        if tree is not None:
            logger.warning(
                "the cache folder %s is inside the repository %s: not used (set "
                "POLICYENGINE_CACHE_DIR to a folder outside any repository)",
                base,
                tree,
            )
            return None
        folder = base.joinpath(*parts)
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except (OSError, RuntimeError):
        return None
    if not _private(folder):
        logger.warning("the cache folder %s is not this user's alone: not used", folder)
        return None
    return folder


def programs_folder(base: Path | None = None) -> Path | None:
    """The folder of the compiled programs (embedded and wasm engines) under `base` (default
    `cache_dir()`), or None (`_trusted_folder`): a compiled program planted with its
    checksum would be run in place of the policies."""
    return _trusted_folder(base if base is not None else cache_dir(), ("programs",), None)


def _views_folder(base: Path | None, repository: Path) -> Path | None:
    """The folder of the version views under `base`, keyed by the code's digest, or None
    (no digest, or `_trusted_folder`)."""
    digest = _code_digest()
    if digest is None:
        return None
    return _trusted_folder(base, ("views", digest), repository)


def _valid_blob(blob: str) -> bool:
    """A SHA-1 blob id (a repository in SHA-256 format keeps its views in memory only)."""
    return len(blob) == 40 and all(c in "0123456789abcdef" for c in blob)


def _decode(raw: bytes, blob: str) -> VersionView | None:
    """The view in one entry, or None when it is not exactly an entry for `blob`."""
    try:
        entry = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    if not isinstance(entry, dict) or set(entry) != {"blob", "last_reviewed", "model"}:
        return None
    last, model = entry["last_reviewed"], entry["model"]
    if entry["blob"] != blob or not (last is None or isinstance(last, str)):
        return None
    if not isinstance(model, dict) or set(model) != {"assets", "surfaces", "system", "review"}:
        return None
    if not isinstance(model["review"], dict) or not set(model["review"]) <= {"atlas_version"}:
        return None
    return VersionView(last, model)


def _encode(blob: str, view: VersionView) -> bytes:
    """One entry: a line of JSON that starts with `{"blob":"<blob id>"`."""
    entry = {"blob": blob, "last_reviewed": view.last_reviewed, "model": view.model}
    return json.dumps(entry, separators=(",", ":")).encode() + b"\n"


_PREFIX = b'{"blob":"'
_PACKS_MAX = 8
"""More packs than this are merged into one by the next run that writes."""
_BYTES_MAX = 64 * 1024 * 1024
"""Packs larger than this in all are not read, and are removed by the next run that writes."""


class ViewCache:
    """Views of model versions by git blob id: in memory for one run, and on disk in
    `cache_dir()` (see the module) for later runs, as packs of entries (a line of JSON
    each), one pack written by each run that read something new (`flush`) and merged
    when there are many. Only views of versions that load are kept (a failure's
    message names the path it was read at). A cache that cannot be read or written is
    simply not used."""

    def __init__(self, repository: Path | None, base: Path | None = None) -> None:
        """`repository`: the top of the work tree under review (the cache is never
        inside it), None for a cache in memory only; `base`: the cache folder, by
        default `cache_dir()`."""
        self._folder = (
            None
            if repository is None
            else _views_folder(base if base is not None else cache_dir(), repository)
        )
        self._memory: dict[str, VersionView] = {}
        self._index: dict[str, tuple[bytes, int, int]] | None = None
        """blob -> (pack, start, end) of its entry, once the packs are read."""
        self._packs: list[Path] = []
        """The packs read."""
        self._oversize = False
        self._new: list[bytes] = []
        self.hits = 0
        """Views found on disk in this run."""

    @property
    def on_disk(self) -> bool:
        """True when entries are read from and written to a folder."""
        return self._folder is not None

    def _read_packs(self, folder: Path) -> dict[str, tuple[bytes, int, int]]:
        index: dict[str, tuple[bytes, int, int]] = {}
        try:
            packs = sorted(folder.glob("*.pack"))
            total = sum(p.stat().st_size for p in packs)
        except OSError:
            return index
        if total > _BYTES_MAX:
            self._oversize, self._packs = True, packs
            return index
        for pack in packs:
            try:
                data = pack.read_bytes()
            except OSError:
                continue
            self._packs.append(pack)
            start = 0
            while start < len(data):
                end = data.find(b"\n", start)
                end = len(data) if end < 0 else end
                if data.startswith(_PREFIX, start) and data[start + 49 : start + 50] == b'"':
                    index[data[start + 9 : start + 49].decode("latin-1")] = (data, start, end)
                start = end + 1
        return index

    def get(self, blob: str) -> VersionView | None:
        """The view of the version with blob id `blob`, or None when not kept."""
        view = self._memory.get(blob)
        if view is not None or self._folder is None:
            return view
        if self._index is None:
            self._index = self._read_packs(self._folder)
        found = self._index.get(blob)
        if found is None:
            return None
        data, start, end = found
        view = _decode(data[start:end], blob)
        if view is not None:
            self.hits += 1
            self._memory[blob] = view
        return view

    def put(self, blob: str, view: VersionView) -> None:
        """Keep `view` as the view of blob `blob` (the caller read it from that content)."""
        if view.error or blob in self._memory:
            return
        self._memory[blob] = view
        if self._folder is not None and _valid_blob(blob):
            try:
                self._new.append(_encode(blob, view))
            except (ValueError, TypeError, RecursionError):
                pass

    def take_new(self) -> list[bytes]:
        """The entries kept since the last flush (or take), taken: this cache will not
        write them. A worker process hands them to the one that writes (`add_new`)."""
        new, self._new = self._new, []
        return new

    def add_new(self, entries: Iterable[bytes]) -> None:
        """Write `entries` (another cache's `take_new`, for the same folder) at `flush`."""
        if self._folder is not None:
            self._new.extend(entries)

    def forget_memory(self) -> None:
        """Drop the views held in memory (entries on disk and new entries stay)."""
        self._memory.clear()

    def flush(self) -> None:
        """Write the entries kept since the last flush as one pack (whole or not at all),
        merged with the packs read when they are many, which are then removed. A
        folder that cannot be written is skipped silently."""
        folder, new = self._folder, self._new
        self._new = []
        if folder is None or not new:
            return
        if self._index is None:
            self._index = self._read_packs(folder)
        merge = self._oversize or len(self._packs) >= _PACKS_MAX
        lines = new
        if merge and not self._oversize:
            old = [data[start : end + 1] for data, start, end in self._index.values()]
            lines = [line if line.endswith(b"\n") else line + b"\n" for line in old] + new
        content = b"".join(lines)
        name = hashlib.sha256(content).hexdigest()[:32]
        part = folder / f".{name}.{os.getpid()}.part"
        try:
            with _created(part) as file:
                file.write(content)
            os.replace(part, folder / f"{name}.pack")
        except OSError:
            with contextlib.suppress(OSError):
                part.unlink(missing_ok=True)
            return
        if merge:
            for pack in self._packs:
                if pack.name != f"{name}.pack":
                    with contextlib.suppress(OSError):
                        pack.unlink(missing_ok=True)
            self._packs, self._oversize = [folder / f"{name}.pack"], False


@contextlib.contextmanager
def _created(path: Path) -> Iterator[Any]:
    """A new file only this user can read and write, opened for writing."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as file:
        yield file
