"""Git facts for the change rule: the versions of model files in a repository's history.

For each model file this module finds the commit that last set `review.last_reviewed` to
its current value (following renames), and compares the model as it was there with the
model now (the working tree). Every version is read by the project's loader and compared
as a parsed model (`modeldiff`): no text is matched, so an escaped key, a flow list or an
anchor never hides a change. It also serves pull-request mode (a model at any ref and the
model files changed between two refs) and evidence packs (the commits that changed each
model's `review` section, from the same one pass over the history).

This is the I/O side (git only); what a version says and what changed between two is
`modeldiff`, pure. It reads the history in one pass (`git log --raw -M` over the YAML
files, blobs through one `git cat-file --batch` process), never a checkout per commit; in
a run with worker processes, the main process reads the log and each worker walks the
histories of the models it loads (`FileHistory`, `HistoryWalker`).
Every git failure is wrapped in `errors.GitError` here; missing history (no
repository, a shallow clone) is not an error but a `ChangeFacts` whose `unknown` says why
and how to fix it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import subprocess
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from .cache import ViewCache
from .errors import GitError, InvalidDocument
from .loader import Document, parse_document
from .modeldiff import (
    TRIGGER_TYPES,
    Change,
    ChangeFacts,
    ChangeKind,
    CommitInfo,
    ReviewView,
    VersionView,
    before_review,
    derive_review,
    derive_version,
    diff_models,
    document_view,
    read_review,
    read_version,
    review_covers,
    view_of,
)
from .results import ReviewChange, VersionControl

__all__ = [
    "NO_REPO_FIX",
    "SHALLOW_FIX",
    "TRIGGER_TYPES",
    "Change",
    "ChangeFacts",
    "ChangeHistory",
    "ChangeKind",
    "CommitInfo",
    "FileHistory",
    "HistoryWalker",
    "RefReader",
    "change_facts",
    "collect_change_facts",
    "reading_ahead",
    "diff_models",
    "export_tree",
    "merge_base",
    "model_at",
    "review_histories",
    "review_history",
    "public_remote",
    "repository_path",
    "version_control",
]

_MODEL_GLOBS = ("*.yaml", "*.yml")
"""Pathspecs of the history pass: every YAML file, so renames between folders are seen."""

SHALLOW_FIX = "git history is shallow: fetch the full history (actions/checkout fetch-depth: 0)"
"""The `unknown` reason of a shallow clone: what is missing and the fix."""

NO_REPO_FIX = (
    "not a git repository: the change rule compares the model with the commit of its last "
    "review; run inside a clone with its full history"
)
"""The `unknown` reason when the models are not in a git repository."""


@dataclass(frozen=True)
class _Entry:
    """One commit's change to one path, from `git log --raw`."""

    commit: int
    """Index of the commit in the log (0 is the newest)."""
    status: str
    """`A`, `M`, `R`, `C`, `T` or `D` (the score of R/C dropped)."""
    old_path: str
    """The path before the commit (== `new_path` unless renamed or copied)."""
    new_path: str
    """The path after the commit."""
    new_blob: str
    """The blob id after the commit."""


@dataclass
class _History:
    """The log of the YAML files of a repository, indexed by path."""

    commits: list[CommitInfo] = field(default_factory=list)
    """Commits, newest first."""
    by_path: dict[str, list[_Entry]] = field(default_factory=dict)
    """Entries that produced each path, newest first."""


def _parse_log(raw: str) -> _History:
    """Parse `git log -z --raw --no-abbrev -M --format=%x1e%H%x1f%an%x1f%ae%x1f%as`."""
    hist = _History()
    for chunk in raw.split("\x1e"):
        if not chunk:
            continue
        header, _, body = chunk.partition("\x00")
        parts = header.split("\x1f")
        if len(parts) != 4:
            continue
        idx = len(hist.commits)
        hist.commits.append(CommitInfo(parts[0].strip(), parts[1], parts[2], parts[3].strip()))
        tokens = body.lstrip("\n").split("\x00")
        i = 0
        while i < len(tokens):
            meta = tokens[i].strip()
            if not meta.startswith(":"):
                i += 1
                continue
            fields = meta.split()
            status = fields[4][:1] if len(fields) >= 5 else "M"
            new_blob = fields[3] if len(fields) >= 4 else ""
            if status in ("R", "C") and i + 2 < len(tokens):
                old, new = tokens[i + 1], tokens[i + 2]
                i += 3
            elif i + 1 < len(tokens):
                old = new = tokens[i + 1]
                i += 2
            else:
                break
            entry = _Entry(idx, status, old, new, new_blob)
            hist.by_path.setdefault(new, []).append(entry)
    return hist


@dataclass
class _Version:
    """One committed version of a model file."""

    commit: CommitInfo
    """The commit that wrote it."""
    path: str
    """Its path in that commit."""
    blob: str
    """Its blob id."""
    view: VersionView | None = None
    """What it says, once read."""


_GIT_ENV = {**os.environ, "LANGUAGE": "C", "LC_ALL": "C"}
"""git runs in the C locale: its messages and output are the same everywhere."""


class _Git:
    """A repository's work tree, asked with the `git` command (no library: importing
    GitPython cost a pull-request check ~40 ms); every git failure is a GitError."""

    def __init__(self, top: Path, git_dir: Path) -> None:
        self.top = top.resolve()
        self.git_dir = git_dir
        """`git rev-parse --absolute-git-dir`: a linked work tree's own folder."""

    def _call(self, args: Sequence[str]) -> subprocess.CompletedProcess[bytes]:
        key = (self.top, tuple(args))
        answered = _ANSWERED.get(key)
        if answered is not None:  # asked ahead and answered: the same question again
            return answered
        started = _AHEAD.pop(key, None)
        if started is not None:  # asked ahead (`reading_ahead`): what git answered then
            out, err = started.communicate()
            answer = subprocess.CompletedProcess(started.args, started.returncode, out, err)
            if args[0] in _SAME_WITHIN_A_RUN:
                _ANSWERED[key] = answer
            return answer
        try:
            return subprocess.run(
                [_git_executable(), *args],
                cwd=self.top,
                env=_GIT_ENV,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                check=False,
            )
        except OSError as exc:
            raise GitError(f"git {args[0]} failed in {self.top}: {exc}") from None

    def run(self, *args: str, strip_newline_in_stdout: bool = True) -> str:
        """git's output (one trailing newline dropped unless told otherwise)."""
        proc = self._call(args)
        if proc.returncode != 0:
            msg = proc.stderr.decode("utf-8", "replace").strip()
            raise GitError(
                f"git {args[0]} failed in {self.top}: {msg or f'exit status {proc.returncode}'}"
            )
        out = proc.stdout.decode("utf-8", "surrogateescape")
        return out[:-1] if strip_newline_in_stdout and out.endswith("\n") else out

    def blob(self, sha: str) -> bytes:
        proc = self._call(["cat-file", "blob", sha])
        if proc.returncode != 0:
            msg = proc.stderr.decode("utf-8", "replace").strip()
            raise GitError(f"git cat-file could not read object {sha} in {self.top}: {msg}")
        return proc.stdout

    def is_shallow(self) -> bool:
        return self.run("rev-parse", "--is-shallow-repository").strip() == "true"

    def shallow_cut(self) -> set[str]:
        """The commits whose parents a shallow clone cut (its `shallow` file, in the
        common git directory); empty when the clone is complete. Read as git stores it
        (gitrepository-layout), which spares a `git rev-parse` process."""
        common = self.git_dir
        with contextlib.suppress(OSError):
            pointer = (self.git_dir / "commondir").read_text(encoding="utf-8").strip()
            common = self.git_dir / pointer  # a linked work tree shares the main one's
        try:
            return set((common / "shallow").read_text(encoding="ascii").split())
        except FileNotFoundError:
            return set()
        except OSError as exc:
            raise GitError(f"cannot read {common / 'shallow'}: {exc}") from None

    def resolves(self, ref: str) -> str | None:
        """The commit `ref` names, or None when it names none."""
        proc = self._call(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"])
        if proc.returncode != 0:
            return None
        return proc.stdout.decode("ascii", "replace").strip()

    def merge_base(self, a: str, b: str) -> str | None:
        """The best common ancestor of commits `a` and `b`, or None when there is none."""
        proc = self._call(["merge-base", a, b])
        if proc.returncode == 1 and not proc.stdout.strip():
            return None
        if proc.returncode != 0:
            msg = proc.stderr.decode("utf-8", "replace").strip()
            raise GitError(f"git merge-base failed in {self.top}: {msg}")
        return proc.stdout.decode("ascii", "replace").strip()

    def optional(self, *args: str) -> str | None:
        """git's output, stripped; None when git exits non-zero (a setting not set, a
        detached HEAD)."""
        proc = self._call(args)
        if proc.returncode != 0:
            return None
        return proc.stdout.decode("utf-8", "surrogateescape").strip()

    def has_head(self) -> bool:
        return self.resolves("HEAD") is not None

    def rel(self, path: Path) -> str:
        """`path` relative to the top of the work tree, POSIX; GitError when outside."""
        try:
            return path.resolve().relative_to(self.top).as_posix()
        except ValueError:
            raise GitError(f"{path} is outside the git work tree {self.top}") from None

    def close(self) -> None:
        """Nothing to release: each call is a process of its own."""


def _blob_id(data: bytes) -> str:
    """The git blob id of `data` (what `git hash-object` would print)."""
    return hashlib.sha1(b"blob %d\x00" % len(data) + data, usedforsecurity=False).hexdigest()


def _git_executable() -> str:
    """`$GIT_PYTHON_GIT_EXECUTABLE` (honoured as before), else `git` on PATH."""
    return os.environ.get("GIT_PYTHON_GIT_EXECUTABLE") or "git"


class _BlobReader:
    """Reads blobs from one `git cat-file --batch` process, started when first asked and
    kept until `close`, in the work tree whose top is `top`: a worker walks its models a
    chunk at a time, a round of versions at a time, all through one process."""

    _ROUND = 512
    """Ids written before their answers are read: their lines (~21 KB) fit in the pipe,
    so git never waits for us to read while we write."""

    def __init__(self, top: Path) -> None:
        self.top = top
        self._proc: subprocess.Popen[bytes] | None = None

    def read(self, shas: Sequence[str]) -> dict[str, bytes]:
        """sha -> content; GitError when one is missing or git fails."""
        unique = list(dict.fromkeys(shas))
        out: dict[str, bytes] = {}
        for first in range(0, len(unique), self._ROUND):
            out.update(self._round(unique[first : first + self._ROUND]))
        return out

    def _round(self, shas: Sequence[str]) -> dict[str, bytes]:
        try:
            if self._proc is None:
                self._proc = subprocess.Popen(
                    [_git_executable(), "cat-file", "--batch"],
                    cwd=self.top,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL,
                )
            stdin, stdout = self._proc.stdin, self._proc.stdout
            assert stdin is not None and stdout is not None
            stdin.write("".join(f"{sha}\n" for sha in shas).encode())
            stdin.flush()
            out = {}
            for sha in shas:
                header = stdout.readline().split()
                if len(header) != 3:
                    raise GitError(f"git cat-file could not read object {sha} in {self.top}")
                size = int(header[2])
                content = stdout.read(size + 1)
                if len(content) != size + 1:
                    raise GitError(f"git cat-file stopped while reading {sha} in {self.top}")
                out[sha] = content[:size]
            return out
        except (OSError, ValueError) as exc:
            self.close()
            raise GitError(f"git cat-file failed in {self.top}: {exc}") from None
        except GitError:
            self.close()
            raise

    def close(self) -> None:
        """End the git process, if one was started."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        with contextlib.suppress(OSError):
            if proc.stdin is not None:
                proc.stdin.close()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def _read_blobs(top: Path, shas: Sequence[str]) -> dict[str, bytes]:
    """`_BlobReader.read` with a process of its own, ended before returning."""
    reader = _BlobReader(top)
    try:
        return reader.read(shas)
    finally:
        reader.close()


_TOPS: dict[Path, tuple[Path, Path]] = {}
"""Folder -> (the top of the work tree holding it, its git directory), as found before in
this process: a
pull-request check opens the repository ten times (each a `git` process, ~3 ms)."""


_NOWHERE: set[Path] = set()
"""Folders found in no repository before in this process: a pull-request check asks twice
about the base it exported to a temporary folder."""


def _open(root: Path) -> _Git | None:
    """The repository that holds `root`, or None when `root` is in none."""
    start = root if root.is_dir() else root.parent
    if not start.is_dir():
        return None
    known = _TOPS.get(start)
    if known is not None and (known[0] / ".git").exists():
        return _Git(*known)
    where = start.resolve()
    if where in _NOWHERE and not any((d / ".git").exists() for d in (where, *where.parents)):
        return None  # in no repository before, and no `.git` has appeared since
    try:
        proc = subprocess.run(
            [_git_executable(), "rev-parse", "--absolute-git-dir", "--is-bare-repository"]
            + ["--show-toplevel"],
            cwd=start,
            env=_GIT_ENV,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            check=False,
        )
    except OSError as exc:
        raise GitError(f"cannot open the git repository at {root}: {exc}") from None
    lines = proc.stdout.decode("utf-8", "surrogateescape").splitlines()
    if len(lines) >= 2 and lines[1] == "true":
        raise GitError(f"{lines[0]} is a bare repository: models need a working tree")
    if proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace").strip()
        if "not a git repository" in msg:
            if len(_NOWHERE) < 64:
                _NOWHERE.add(where)
            return None
        raise GitError(f"cannot open the git repository at {root}: {msg}")
    g = _Git(Path(lines[2]), Path(lines[0]))
    if len(_TOPS) < 64:
        _TOPS[start] = (g.top, Path(lines[0]))
    return g


_FOLLOW_MAX = 4
"""Up to this many models, each model's history is read on its own (`git log --follow`:
~0.07 s on 5,000 commits) instead of the history of every YAML file at once (~0.45 s with
its parsing): a pull-request check asks about the one or two models it changed."""


def _log_args(follow: str | None) -> list[str]:
    # `:(literal)`: a file named `[ab].yaml` is that file, not also a pattern for `a.yaml`.
    where = (
        ("--follow", "HEAD", "--", f":(literal){follow}")
        if follow is not None
        else ("HEAD", "--", *_MODEL_GLOBS)
    )
    return ["log", "-z", "--raw", "--no-abbrev", "-M", "--format=%x1e%H%x1f%an%x1f%ae%x1f%as"] + [
        *where
    ]


def _read_log(g: _Git, follow: str | None = None) -> _History:
    """The history of every YAML file, or with `follow` of that one file, renames followed."""
    raw = g.run(*_log_args(follow), strip_newline_in_stdout=False)
    return _parse_log(raw)


_AHEAD: dict[tuple[Path, tuple[str, ...]], subprocess.Popen[bytes]] = {}
"""The git processes `reading_ahead` started, by (work tree top, arguments): `_Git._call`
takes the answer of one asked the same question instead of starting it again."""

_ANSWERED: dict[tuple[Path, tuple[str, ...]], subprocess.CompletedProcess[bytes]] = {}
"""Answers of questions asked ahead that a run asks twice (`_SAME_WITHIN_A_RUN`: whether
HEAD names a commit, asked by the change rule and by the report's provenance), kept
within `reading_ahead`."""

_STATUS = ("status", "--porcelain", "--untracked-files=normal")
"""What `work_tree_state` asks git for whether the work tree is dirty."""

_SAME_WITHIN_A_RUN = ("rev-parse", "status")
"""The questions `reading_ahead` asks whose answer stays true for the run: HEAD and the
state of the work tree, which a check never changes."""


@contextlib.contextmanager
def reading_ahead(root: Path, paths: Sequence[str]) -> Iterator[None]:
    """Within it, git is already answering what the change facts of `paths` (relative to
    `root`: the few models a pull request changed, at most `_FOLLOW_MAX`) will ask: the
    history of each (`git log --follow`, ~0.06 s a model on 5,000 commits) and the state
    of the repository (shallow? a HEAD? renames staged?), in processes started now, so
    that git works while the pull-request check does the rest (on another CPU). A
    question is answered as git answers it then; what the check never asks is dropped on
    the way out. Nothing is started outside a repository or for more paths."""
    g = _open(root) if 0 < len(paths) <= _FOLLOW_MAX else None
    if g is None:
        yield
        return
    questions: list[tuple[str, ...]] = [
        ("rev-parse", "--is-shallow-repository"),
        ("rev-parse", "--verify", "--quiet", "HEAD^{commit}"),
        ("diff", "--cached", "-M", "-z", "--name-status", "HEAD", "--", *_MODEL_GLOBS),
        # The report's provenance (`work_tree_state`): asked at the end, answered now.
        _STATUS,
    ]
    for path in paths:
        with contextlib.suppress(GitError):
            questions.append(tuple(_log_args(g.rel(root / path))))
    with _asking_ahead(g, questions):
        yield


@contextlib.contextmanager
def _asking_ahead(g: _Git, questions: Sequence[Sequence[str]]) -> Iterator[None]:
    """Within it, git is answering `questions` (argument lists) in processes started now;
    `_Git._call` takes an answer when it asks the same. What is never asked is dropped on
    the way out."""
    mine: list[tuple[Path, tuple[str, ...]]] = []
    try:
        for args in questions:
            key = (g.top, tuple(args))
            if key in _AHEAD:
                continue
            try:
                _AHEAD[key] = subprocess.Popen(
                    [_git_executable(), *args],
                    cwd=g.top,
                    env=_GIT_ENV,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                )
            except OSError:
                break  # asked again, in the open, when it is needed
            mine.append(key)
        yield
    finally:
        for key in mine:
            _ANSWERED.pop(key, None)
            left = _AHEAD.pop(key, None)
            if left is not None:
                left.kill()
                left.communicate()


def _staged_renames(g: _Git) -> dict[str, str]:
    """new path -> old path for renames staged in the index (`git mv` not yet committed)."""
    raw = g.run("diff", "--cached", "-M", "-z", "--name-status", "HEAD", "--", *_MODEL_GLOBS)
    tokens = raw.split("\x00")
    out: dict[str, str] = {}
    i = 0
    while i < len(tokens):
        status = tokens[i]
        if status.startswith(("R", "C")) and i + 2 < len(tokens):
            out[tokens[i + 2]] = tokens[i + 1]
            i += 3
        else:
            i += 2
    return out


def _versions(hist: _History, path: str) -> Iterator[_Version]:
    """Committed versions of the file now at `path`, newest first, following renames."""
    name, after = path, -1
    while True:
        for entry in hist.by_path.get(name, ()):
            if entry.commit <= after:
                continue
            if entry.status == "D":
                return
            yield _Version(hist.commits[entry.commit], name, entry.new_blob)
            if entry.status == "A":
                return
            if entry.status == "R":
                name, after = entry.old_path, entry.commit
                break
        else:
            return


@dataclass
class _Walk:
    """The search for one model's review commit, newest version first."""

    path: str
    """The model's path relative to the root (the caller's key)."""
    view: VersionView
    """The model now (the working tree), parsed."""
    versions: list[_Version]
    """Committed versions, newest first, renames followed."""
    history: tuple[str, ...]
    """Earlier paths of the file, newest first."""
    review_idx: int = -1
    """Index in `versions` of the oldest version of the newest run with `now`'s value."""
    pos: int = 0
    """Next version to read."""
    current: Any = None
    """The model now as the caller loaded it (a `Document` or its data), for its
    `metadata.id` when the file's history has to be continued (`_earlier_life`); None:
    the file is parsed again then."""
    file: Path | None = None
    """The file in the working tree (to parse when `current` is None)."""
    rel: str = ""
    """The file's path relative to the top of the work tree now."""
    hops: int = 0
    """How many earlier lives (`_earlier_life`) were joined to `versions`."""


def _walk_all(reader: _BlobReader, walks: Sequence[_Walk], cache: ViewCache) -> None:
    """Read versions round by round (one `cat-file --batch` per round) until each walk
    finds the first version the current review replaces (`modeldiff.before_review`).
    A version whose view `cache` holds (by blob id: exact) is not read at all."""
    active = [w for w in walks if w.view.last_reviewed is not None and w.versions]
    known = _Lives()
    while active:
        wanted = []
        for w in active:
            version = w.versions[w.pos]
            if version.view is None:
                version.view = cache.get(version.blob)
            if version.view is None:
                wanted.append(w)
        contents = reader.read([w.versions[w.pos].blob for w in wanted])
        for w in wanted:
            # From the newer neighbour when an edit of single scalars says it exactly,
            # else parsed whole (a copy of a blob met twice is read once).
            version = w.versions[w.pos]
            content = contents[version.blob]
            newer = w.versions[w.pos - 1].view if w.pos else w.view
            derived = derive_version(newer, content) if newer is not None else None
            version.view = derived or read_version(content, version.path)
            cache.put(version.blob, version.view)
        still = []
        for w in active:
            version = w.versions[w.pos]
            if before_review(
                w.view.last_reviewed, _view(version).last_reviewed, version.commit.date
            ):
                continue
            w.review_idx = w.pos
            w.pos += 1
            if w.pos < len(w.versions) or _earlier_life(reader, w, known):
                still.append(w)
        active = still


_HOPS_MAX = 8
"""Earlier lives joined to one file's history at most (a model deleted and re-added, or
moved without git seeing a rename, this many times)."""


@dataclass
class _Lives:
    """What `_earlier_life` learnt in one walk of many files: an imported repository
    asks the same questions for each of its models."""

    deleted: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)
    """Commit -> `_deleted_from` of it."""
    ids: dict[str, str | None] = field(default_factory=dict)
    """Blob id -> the `metadata.id` in it."""


def _earlier_life(reader: _BlobReader, w: _Walk, known: _Lives) -> bool:
    """Join to `w.versions` the history of the file that had the model's `metadata.id`
    before the file's first commit, when the review needs it; True when joined.

    A model's identity is its `metadata.id`, not its path: moved and rewritten in one
    commit (git's -M sees no rename), or deleted and added again later, its history
    starts over at the add. Only when the review does not cover the oldest version (its
    `last_reviewed` is before the day that version was committed: the review is older
    than the file) is the file that had the same id looked for, among the YAML files
    deleted in that commit or before it, newest first; their old blobs are read only
    then, so a file whose first commit carries its review costs nothing. A repository
    imported with reviews older than its first commit, and no such deleted file, keeps
    its first commit as the baseline."""
    oldest = w.versions[-1]
    view = _view(oldest)
    if w.hops >= _HOPS_MAX or view.error:
        return False
    if review_covers(view.last_reviewed, oldest.commit.date, w.view.last_reviewed):
        return False
    ident = _model_id(w)
    if ident is None:
        return False
    g = _open(reader.top)  # known from the walk's start: no git process
    if g is None:
        return False
    start = oldest.commit.sha
    if start not in known.deleted:
        known.deleted[start] = list(_deleted_from(g, start))
    for sha, path, blob in known.deleted[start]:
        if blob not in known.ids:
            known.ids[blob] = _model_id_of(reader.read([blob])[blob], path)
        if known.ids[blob] != ident:
            continue
        earlier = list(_versions(_read_log_at(g, f"{sha}^", path), path))
        if not earlier:
            return False
        w.versions.extend(earlier)
        w.history = tuple(
            dict.fromkeys((*w.history, *(v.path for v in earlier if v.path != w.rel)))
        )
        w.hops += 1
        return True
    return False


def _model_id(w: _Walk) -> str | None:
    """`metadata.id` of the walked model now."""
    data = w.current.data if isinstance(w.current, Document) else w.current
    if data is None and w.file is not None:
        try:
            data = parse_document(w.file.read_bytes(), w.path).data
        except (OSError, InvalidDocument):
            return None
    return _id_in(data)


def _model_id_of(content: bytes, path: str) -> str | None:
    try:
        return _id_in(parse_document(content, path).data)
    except InvalidDocument:
        return None


def _id_in(data: Any) -> str | None:
    meta = data.get("metadata") if isinstance(data, Mapping) else None
    ident = meta.get("id") if isinstance(meta, Mapping) else None
    return ident if isinstance(ident, str) and ident else None


def _deleted_from(g: _Git, sha: str) -> Iterator[tuple[str, str, str]]:
    """(commit, path, blob before the deletion) of each YAML file deleted in commit `sha`
    or an earlier one, newest first (what `git log -M` sees as a deletion: a move that
    rewrote the file is one)."""
    raw = g.run(
        "log", "-z", "--raw", "--no-abbrev", "-M", "--diff-filter=D", "--format=%x1e%H",
        sha, "--", *_MODEL_GLOBS,
        strip_newline_in_stdout=False,
    )  # fmt: skip
    for chunk in raw.split("\x1e"):
        header, _, body = chunk.partition("\x00")
        commit = header.strip()
        tokens = body.lstrip("\n").split("\x00")
        for i in range(len(tokens) - 1):
            fields = tokens[i].strip().split()
            if commit and len(fields) >= 5 and fields[0].startswith(":") and fields[4] == "D":
                yield commit, tokens[i + 1], fields[2]


def _read_log_at(g: _Git, start: str, path: str) -> _History:
    """The history of `path` from commit `start` back, renames followed."""
    args = _log_args(path)
    at = args.index("HEAD")
    return _parse_log(g.run(*args[:at], start, *args[at + 1 :], strip_newline_in_stdout=False))


def _view(version: _Version) -> VersionView:
    if version.view is None:
        raise GitError(f"{version.path} in commit {version.commit.short} was not read (a bug)")
    return version.view


def _conclude(w: _Walk) -> ChangeFacts:
    """The change facts of one walked model."""
    if w.view.last_reviewed is None:
        return ChangeFacts()
    if w.review_idx < 0:
        return ChangeFacts(baseline="the working tree", path_history=w.history)
    review = w.versions[w.review_idx]
    now = w.view.last_reviewed
    idx = w.review_idx
    if not review_covers(_view(review).last_reviewed, review.commit.date, now):
        # Backdated, or dated before the changes it would cover: start from the newest
        # version it replaces (the file's first when there is none).
        idx = min(w.pos, len(w.versions) - 1)
    version = w.versions[idx]
    base = f"commit {version.commit.short}"
    if idx != w.review_idx:
        base += f" (the newest version review.last_reviewed {now} can have seen)"
    base_view = _view(version)
    changes = diff_models(base_view.model, w.view.model)
    if changes:
        changes = _attribute(changes, base_view.model, w.versions[:idx])
    commit = version.commit if idx == w.review_idx else None
    return ChangeFacts(tuple(changes), commit, base, "", w.history)


def _attribute(changes: list[Change], base: Any, newer: Sequence[_Version]) -> list[Change]:
    """Set `introduced` on each change: the oldest commit after the review that made it.

    `newer` are the versions after the review commit, newest first, each read.
    """
    pending = {c.key for c in changes}
    found: dict[tuple[str, str, str, str], CommitInfo] = {}
    for version in reversed(newer):
        if not pending:
            break
        view = _view(version)
        if view.error:
            continue
        seen = {c.key for c in diff_models(base, view.model)}
        for key in pending & seen:
            found[key] = version.commit
        pending -= seen
    return [replace(c, introduced=found.get(c.key)) for c in changes]


def collect_change_facts(
    root: Path,
    paths: Iterable[str],
    current: Mapping[str, Any] | None = None,
    cache: Path | None = None,
) -> dict[str, ChangeFacts]:
    """Change facts for each model file, from one pass over the repository's history (or,
    for a few files, one pass over the history of each: `_FOLLOW_MAX`).

    `paths` are relative to `root` (POSIX). `current` maps a path to the model as loaded
    from the working tree (a loader `Document`, or its data); a path missing from it is
    read and parsed here. Every version is compared as the loader parses it.
    The baseline of each model is the commit that last set `review.last_reviewed` to its
    current value, the renames of the file followed; a model whose value is set only in
    the working tree (or not committed at all) has the working tree as baseline and no
    changes. Not a repository, or a shallow clone: every model gets `unknown` with the
    fix. Versions already read in an earlier run are taken from the cache of views in
    `cache` (by default `cache.cache_dir()`; see `cache.ViewCache`), by blob id.
    Raises GitError when git itself fails.
    """
    wanted = sorted(set(paths))
    with ChangeHistory(root, len(wanted), cache) as history:
        return history.facts(wanted, current)


@dataclass(frozen=True)
class FileHistory:
    """The committed versions of one model file, as the history says: found where the
    log was read (`ChangeHistory.histories`) and walked where the file is loaded
    (`HistoryWalker.facts`), possibly in a worker process (it pickles)."""

    path: str
    """The file's path relative to the root (the caller's key)."""
    file: Path
    """The file in the working tree, resolved."""
    rel: str
    """Its path relative to the top of the work tree (POSIX)."""
    top: Path
    """The top of the work tree (where git runs)."""
    versions: tuple[tuple[CommitInfo, str, str], ...]
    """(commit, path in that commit, blob id) of each committed version, newest first,
    renames followed."""


class HistoryWalker:
    """Walks `FileHistory`s to change facts: reads the file now, then its versions newest
    first (one `git cat-file --batch` a round) until `review.last_reviewed` changes, each
    version's view taken from the cache of views (`cache.ViewCache`, folder `cache`, by
    default `cache.cache_dir()`) or derived or parsed. One per process and work tree; what
    it learns is written by `flush`, or handed to the process that writes (`learnt`).
    Raises GitError when git fails."""

    def __init__(self, top: Path | None, cache: Path | None = None) -> None:
        self._cache = ViewCache(top, cache)
        self._reader = _BlobReader(top) if top is not None else None

    def facts(
        self, histories: Sequence[FileHistory], current: Mapping[str, Any] | None = None
    ) -> dict[str, ChangeFacts]:
        """Change facts of each history's file, by its `path` (see `collect_change_facts`;
        `current` maps a path to its loaded `Document`, or its data)."""
        out: dict[str, ChangeFacts] = {}
        walks: list[_Walk] = []
        for h in histories:
            p = h.path
            try:
                content = h.file.read_bytes()
            except OSError as exc:
                out[p] = ChangeFacts(unknown=f"cannot read {p}: {exc}")
                continue
            data = current.get(p) if current is not None else None
            blob = _blob_id(content)
            if isinstance(data, Document):
                view = document_view(data, content)
            elif data is not None:
                view = view_of(data)
            else:
                view = self._view_of(content, blob, p)
            if view.error:
                out[p] = ChangeFacts(unknown=f"{p} does not load: {view.error}")
                continue
            versions = [_Version(c, path, b) for c, path, b in h.versions]
            history = tuple(dict.fromkeys(v.path for v in versions if v.path != h.rel))
            if versions and versions[0].blob == blob:
                versions[0].view = view  # unchanged since the last commit: no need to read
            walks.append(_Walk(p, view, versions, history, current=data, file=h.file, rel=h.rel))
        if walks:
            if self._reader is None or any(h.top != self._reader.top for h in histories):
                raise GitError("a history walker was given files of another work tree (a bug)")
            _walk_all(self._reader, walks, self._cache)
        for w in walks:
            out[w.path] = _conclude(w)
        self._cache.forget_memory()
        return out

    def _view_of(self, content: bytes, blob: str, path: str) -> VersionView:
        """The view of a file's content now: kept (by its blob id), else parsed."""
        view = self._cache.get(blob)
        if view is None:
            view = read_version(content, path)
            self._cache.put(blob, view)
        return view

    def learnt(self) -> list[bytes]:
        """The cache entries learnt since the last call, taken (not written here): a
        worker hands them to the process that writes the cache (`keep`)."""
        return self._cache.take_new()

    def keep(self, entries: Iterable[bytes]) -> None:
        """Write `entries` (another walker's `learnt`) with this one's at `flush`."""
        self._cache.add_new(entries)

    def flush(self) -> None:
        """Write what the cache of views learnt."""
        self._cache.flush()

    def close(self) -> None:
        """End its git process (the cache is not written: `flush`)."""
        if self._reader is not None:
            self._reader.close()


class ChangeHistory:
    """A repository's history, read once, asked for the change facts of a few files at a
    time (`facts`, as `collect_change_facts` answers), or for their histories (`histories`)
    that a worker process walks where it loads the files (`HistoryWalker`): a run hands
    its models to worker processes a batch at a time while the next batch's histories are
    found. `expected` is how many files will be asked about in all (a few: each file's own
    history is read); `cache` the folder of the cache of views (`cache.ViewCache`), by
    default `cache.cache_dir()`. Raises GitError when git itself fails."""

    def __init__(self, root: Path, expected: int, cache: Path | None = None) -> None:
        self.root = root
        self._g = _open(root)
        self._unknown: str | None = NO_REPO_FIX if self._g is None else None
        self._has_head = False
        self._follow = expected <= _FOLLOW_MAX
        self._shared = _History()
        self._renames: dict[str, str] = {}
        self._walker = HistoryWalker(self._g.top if self._g is not None else None, cache)
        if self._g is None:
            return
        try:
            if self._g.is_shallow():
                self._unknown = SHALLOW_FIX
                return
            self._has_head = self._g.has_head()
            if self._has_head:
                self._shared = _History() if self._follow else _read_log(self._g)
                self._renames = _staged_renames(self._g)
        except BaseException:
            self.close()
            raise

    def histories(self, paths: Iterable[str]) -> dict[str, FileHistory | ChangeFacts]:
        """The history of each of `paths` (relative to the root, POSIX), or its change
        facts when they are known without reading the file (`unknown`: no repository, a
        shallow clone, a file outside the work tree)."""
        wanted = sorted(set(paths))
        g = self._g
        if g is None or self._unknown is not None:
            return {p: ChangeFacts(unknown=self._unknown or NO_REPO_FIX) for p in wanted}
        out: dict[str, FileHistory | ChangeFacts] = {}
        for p in wanted:
            file = (self.root / p).resolve()
            try:
                rel = g.rel(file)
            except GitError as exc:
                out[p] = ChangeFacts(unknown=f"{exc}: keep models inside the repository")
                continue
            name = self._renames.get(rel, rel)
            follow = self._has_head and self._follow
            hist = _read_log(g, follow=name) if follow else self._shared
            versions = tuple((v.commit, v.path, v.blob) for v in _versions(hist, name))
            out[p] = FileHistory(p, file, rel, g.top, versions)
        return out

    def facts(
        self, paths: Iterable[str], current: Mapping[str, Any] | None = None
    ) -> dict[str, ChangeFacts]:
        """Change facts for each of `paths` (see `collect_change_facts`)."""
        found = self.histories(paths)
        out = {p: f for p, f in found.items() if isinstance(f, ChangeFacts)}
        walk = [h for h in found.values() if isinstance(h, FileHistory)]
        out.update(self._walker.facts(walk, current))
        return {p: out[p] for p in sorted(out)}

    def keep(self, entries: Iterable[bytes]) -> None:
        """Cache entries learnt by a worker's walker (`HistoryWalker.learnt`), written
        with this run's at `close`."""
        self._walker.keep(entries)

    def close(self) -> None:
        """Write what the cache of views learnt, and let the repository go."""
        self._walker.flush()
        self._walker.close()
        if self._g is not None:
            self._g.close()
            self._g = None

    def __enter__(self) -> ChangeHistory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def change_facts(root: Path, path: str, current: Any = None) -> ChangeFacts:
    """`collect_change_facts` for one model file."""
    return collect_change_facts(root, [path], None if current is None else {path: current})[path]


# --- pull-request mode ----------------------------------------------------------------


def _require(root: Path) -> _Git:
    g = _open(root)
    if g is None:
        raise GitError(f"{root} is not in a git repository: {NO_REPO_FIX}")
    return g


def _verify(g: _Git, ref: str) -> str:
    sha = g.resolves(ref)
    if sha is None:
        hint = " (the clone may be shallow: fetch it with fetch-depth: 0)" if g.is_shallow() else ""
        raise GitError(f"unknown git ref {ref!r} in {g.top}{hint}")
    return sha


def _renamed_since(g: _Git, sha: str, rel: str) -> str | None:
    """The path `rel` (now, in the working tree) had at commit `sha`, through a rename."""
    raw = g.run("diff", "-M", "-z", "--name-status", "--diff-filter=R", sha, "--", *_MODEL_GLOBS)
    tokens = raw.split("\x00")
    for i in range(0, len(tokens) - 2, 3):
        if tokens[i].startswith("R") and tokens[i + 2] == rel:
            return tokens[i + 1]
    return None


class RefReader:
    """The repository holding `root`, read at refs for one pull-request check: each ref is
    resolved once, and files are read through one `git cat-file --batch` process kept
    open, not a `git` process per question (each costs ~3 ms; a pull-request check
    started ~29). `close` it (or use it as a context manager) to end that process.
    Raises GitError when `root` is in no repository or git fails."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._g = _require(root)
        self._commits: dict[str, str] = {}
        self._batch: subprocess.Popen[bytes] | None = None
        self._trees: dict[str, dict[bytes, tuple[str, str, str]] | None] = {}

    @property
    def top(self) -> Path:
        """The top of the work tree."""
        return self._g.top

    def commit(self, ref: str) -> str:
        """The commit `ref` names (resolved once, by the batch process); GitError for an
        unknown ref, as `git rev-parse --verify` says it."""
        if ref not in self._commits:
            found = None if "\n" in ref else self._object(f"{ref}^{{commit}}")
            if found is not None and found[0] == "commit":
                self._commits[ref] = found[1]
            else:
                self._commits[ref] = _verify(self._g, ref)
        return self._commits[ref]

    def _object(self, name: str) -> tuple[str, str, bytes] | None:
        """(type, id, content) of the object `name` (`<commit>:<path>`, `<ref>^{commit}`
        or an object id), None when there is none."""
        if "\n" in name:
            raise GitError(f"git cannot read {name!r} in {self.top}: a newline in its name")
        proc = self._batch
        if proc is None:
            try:
                proc = subprocess.Popen(
                    [_git_executable(), "cat-file", "--batch"],
                    cwd=self.top,
                    env=_GIT_ENV,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL,
                )
            except OSError as exc:
                raise GitError(f"git cat-file failed in {self.top}: {exc}") from None
            self._batch = proc
        assert proc.stdin is not None and proc.stdout is not None
        try:
            proc.stdin.write(name.encode("utf-8", "surrogateescape") + b"\n")
            proc.stdin.flush()
            line = proc.stdout.readline()
            if not line:
                raise GitError(f"git cat-file ended before it read {name} in {self.top}")
            header = line.split()
            if len(header) != 3 or not header[2].isdigit():
                return None  # `<name> missing` (or ambiguous)
            size = int(header[2])
            content = proc.stdout.read(size + 1)[:size]
        except OSError as exc:
            raise GitError(f"git cat-file failed in {self.top}: {exc}") from None
        if len(content) != size:
            raise GitError(f"git cat-file ended before the object {name} was read in {self.top}")
        kind, oid = header[1].decode("ascii", "replace"), header[0].decode("ascii", "replace")
        return kind, oid, content

    def blob_at(self, ref: str, path: str) -> bytes | None:
        """The bytes of the file `path` (relative to the top of the work tree) at `ref`;
        None when there is no file (no blob) there. No rename is followed."""
        sha = self.commit(ref)
        if "\n" in path:  # not one line of the batch: asked on its own
            listing = self._g.run("ls-tree", "-z", sha, "--", path)
            if not listing:
                return None
            _mode, kind, blob = listing.split("\t", 1)[0].split()
            return self._g.blob(blob) if kind == "blob" else None
        found = self._object(f"{sha}:{path}")
        return found[2] if found is not None and found[0] == "blob" else None

    def file_at(self, ref: str, path: str) -> str | None:
        """`file_at` with this reader."""
        content = self.blob_at(ref, _top_relative(self._g, self.root, path))
        return None if content is None else content.decode("utf-8", errors="replace")

    def model_at(self, ref: str, path: str) -> Any | None:
        """`model_at` with this reader."""
        sha = self.commit(ref)
        rel = self._g.rel(self.root / path)
        content = self.blob_at(ref, rel)
        name = rel
        if content is None:
            old = _renamed_since(self._g, sha, rel)
            if old is None:
                return None
            content, name = self.blob_at(ref, old), old
            if content is None:
                return None
        try:
            return parse_document(content, name).data
        except InvalidDocument as exc:
            raise GitError(f"{name} at {ref} is not valid YAML: {exc}") from None

    def tree_files(self, ref: str, folders: Sequence[str]) -> list[str]:
        """`tree_files` with this reader."""
        if not folders:
            return []
        sha = self.commit(ref)
        names = [_top_relative(self._g, self.root, f) for f in folders]
        files = self._files_only(sha, names)
        if files is None:
            listed = self._g.run("ls-tree", "-r", "-z", "--name-only", sha, "--", *names)
            files = [n for n in listed.split("\x00") if n]
        return sorted({p for n in files if (p := _under_root(self._g, self.root, n))})

    def _files_only(self, sha: str, names: Sequence[str]) -> list[str] | None:
        """`names` that are files at the commit `sha`, when each is a file or nothing there
        (a pull request's base has no catalog of its own), read from the trees through the
        batch process: no `git ls-tree`. None when one is a folder or a submodule."""
        files = []
        for name in names:
            if not _clean(name):
                return None  # the top itself (`.`), say: a folder
            entry = self._entry(sha, name)
            if entry is not None:
                if entry[1] != "blob":
                    return None
                files.append(name)
        return files

    def _entry(self, sha: str, name: str) -> tuple[str, str, str] | None:
        """(mode, type, object id) of the path `name` (relative to the top of the work tree)
        in the tree of the commit `sha`, as `git ls-tree` lists it, or None when there is
        nothing at that path. Each tree on the way is read once (`git cat-file --batch`)."""
        if not _clean(name):
            return None
        tree = self._tree(f"{sha}^{{tree}}")
        parts = name.split("/")
        for i, part in enumerate(parts):
            entry = tree.get(part.encode("utf-8", "surrogateescape")) if tree else None
            if entry is None or i == len(parts) - 1:
                return entry
            if entry[1] != "tree":
                return None  # a file or a submodule has nothing under it
            tree = self._tree(entry[2])
        return None

    def _tree(self, name: str) -> dict[bytes, tuple[str, str, str]] | None:
        """The entries of the tree object `name` (an id, or `<commit>^{tree}`) by name:
        (mode, type, id); None when it is not a tree git has."""
        if name in self._trees:
            return self._trees[name]
        found = self._object(name)
        entries: dict[bytes, tuple[str, str, str]] | None = None
        if found is not None and found[0] == "tree":
            entries = {}
            data, width, i = found[2], len(found[1]) // 2, 0
            while i < len(data):
                space = data.index(b" ", i)
                nul = data.index(b"\x00", space)
                mode = data[i:space].decode("ascii")
                oid = data[nul + 1 : nul + 1 + width].hex()
                kind = "tree" if mode == "40000" else "commit" if mode == "160000" else "blob"
                entries[data[space + 1 : nul]] = (mode.rjust(6, "0"), kind, oid)
                i = nul + 1 + width
        self._trees[name] = entries
        return entries

    def export(self, ref: str, dest: Path, paths: Sequence[str] | None = None) -> Path:
        """`export_tree` with this reader: the named files that are plain files at `ref`
        are written from their blobs; a symlink or a submodule comes out of `git archive`,
        as the whole tree does when `paths` is None."""
        sha = self.commit(ref)
        sub = self.root.resolve().relative_to(self.top.resolve()).as_posix()
        prefix = "" if sub == "." else sub + "/"
        out = dest / sub if sub != "." else dest
        if paths is None:
            self._archive(ref, sha, dest, [sub] if sub != "." else [])
            return out
        dest.mkdir(parents=True, exist_ok=True)
        # Only clean relative names are looked up (exactly, in the trees: no pattern): a model
        # may name `../x` or `*.md` as evidence, which is no file of the tree.
        wanted = {prefix + p for p in paths if _clean(prefix + p)}
        if not wanted:
            return out
        plain: dict[str, tuple[str, str]] = {}
        other: list[str] = []
        for name in sorted(wanted):
            entry = self._entry(sha, name)  # read from the trees, as `git ls-tree` lists it
            if entry is None:
                continue
            mode, kind, blob = entry
            if kind == "blob" and mode in ("100644", "100755"):
                plain[name] = (mode, blob)
            elif kind in ("blob", "commit"):
                other.append(name)
        top = dest.resolve()
        for name, (mode, blob) in sorted(plain.items()):
            found = self._object(blob)
            if found is None:
                raise GitError(f"git cat-file could not read object {blob} in {self.top}")
            target = top / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(found[2])
            target.chmod(0o755 if mode == "100755" else 0o644)
        if other:
            self._archive(ref, sha, dest, sorted(other))
        return out

    def _archive(self, ref: str, sha: str, dest: Path, names: Sequence[str]) -> None:
        """`names` (all of the tree when none) at `sha`, written under `dest` by `git
        archive` (symlinks and submodules as git writes them)."""
        import io
        import tarfile

        args = [_git_executable(), "archive", "--format=tar", sha]
        if names:
            args += ["--", *names]
        try:
            proc = subprocess.run(args, cwd=self.top, capture_output=True, check=True)
        except (OSError, subprocess.CalledProcessError) as exc:
            raise GitError(f"git archive {ref} failed in {self.top}: {exc}") from None
        with tarfile.open(fileobj=io.BytesIO(proc.stdout)) as tar:
            tar.extractall(dest, filter="data")

    def merge_base(self, base: str, head: str | None = None) -> tuple[str, str]:
        """`merge_base` with this reader."""
        base_sha = self.commit(base)
        head_sha = self.commit(head if head is not None else "HEAD")
        return base_sha, _merge_base(self._g, base, base_sha, head or "HEAD", head_sha)

    def tree_changes(self, base: str, head: str | None = None) -> list[TreeChange]:
        """`tree_changes` with this reader."""
        return self.pull_request_changes(base, head)[2]

    def pull_request_changes(
        self, base: str, head: str | None = None
    ) -> tuple[str, str, list[TreeChange]]:
        """(the commit `base` names, the merge base of it and `head` (`merge_base`), every
        file changed from that merge base to `head` (`tree_changes`)), asked together:
        git lists the untracked files while the merge base is found."""
        g = self._g
        base_sha = self.commit(base)
        head_sha = self.commit(head) if head is not None else self.commit("HEAD")
        untracked_args = ("ls-files", "-z", "--others", "--exclude-standard", "--", ".")
        with contextlib.ExitStack() as stack:
            if head is None:  # git lists the untracked files meanwhile
                stack.enter_context(_asking_ahead(g, [untracked_args]))
            since = _merge_base(g, base, base_sha, head or "HEAD", head_sha)
            return base_sha, since, self._tree_changes(since, head, head_sha, untracked_args)

    def _tree_changes(
        self,
        merge_base: str,
        head: str | None,
        head_sha: str,
        untracked_args: Sequence[str],
    ) -> list[TreeChange]:
        g, root = self._g, self.root
        args = ["diff", "-z", "--name-status", "-M", "--no-ext-diff", merge_base]
        if head is not None:
            args.append(head_sha)
        tokens = g.run(*args, "--", ".").split("\x00")
        out: list[TreeChange] = []
        i = 0
        while i < len(tokens) and tokens[i]:
            status = tokens[i][0]
            if status in "RC":
                old, new = _under_root(g, root, tokens[i + 1]), _under_root(g, root, tokens[i + 2])
                i += 3
                if status == "C":
                    old = None  # a copy leaves the original in place: only the copy is new
            else:
                path = _under_root(g, root, tokens[i + 1])
                old, new = (None, path) if status == "A" else (path, path)
                if status == "D":
                    new = None
                i += 2
            kind = "R" if old and new and status in "RC" else status
            if old is None and new is not None:
                kind = "A"
            elif new is None and old is not None:
                kind = "D"
            if old is not None or new is not None:
                out.append(TreeChange(kind, old, new))
        if head is None:
            untracked = g.run(*untracked_args)
            for name in untracked.split("\x00"):
                # ls-files answers relative to the current folder: ours is the work tree's top
                path = _under_root(g, root, name) if name else None
                if path is not None:
                    out.append(TreeChange("A", None, path))
        return sorted(out, key=lambda c: (c.new or c.old or "", c.status))

    def close(self) -> None:
        """End the `git cat-file` process."""
        proc, self._batch = self._batch, None
        if proc is not None:
            for stream in (proc.stdin, proc.stdout):
                if stream is not None:
                    with contextlib.suppress(OSError):
                        stream.close()
            proc.wait()
        self._g.close()

    def __enter__(self) -> RefReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _clean(name: str) -> bool:
    """Whether `name` is a normalised relative POSIX path: no `.`/`..`/empty part, not
    absolute, no NUL or newline (as every path in a git tree is)."""
    parts = name.split("/")
    return (
        bool(name)
        and "\x00" not in name
        and "\n" not in name
        and all(p not in ("", ".", "..") for p in parts)
    )


def model_at(root: Path, ref: str, path: str) -> Any | None:
    """The model file `path` (relative to `root`) as it was at `ref`, parsed (JSON-like).

    A file renamed since `ref` is followed to its old name. Returns None when the file did
    not exist at `ref`. Raises GitError for an unknown ref, no repository, or a version that
    is not valid YAML.
    """
    with RefReader(root) as reader:
        return reader.model_at(ref, path)


def export_tree(root: Path, ref: str, dest: Path, paths: Sequence[str] | None = None) -> Path:
    """Write the files under `root` as they are at `ref` into `dest`; returns the copy of root.

    Used by pull-request mode to evaluate the base (or a head ref) exactly like a working
    tree, evidence files included, without touching the user's checkout. `paths` (relative
    to `root`) limits the copy to those files, where they exist at `ref`. Raises GitError
    for an unknown ref or a git failure.
    """
    with RefReader(root) as reader:
        return reader.export(ref, dest, paths)


@dataclass(frozen=True)
class TreeChange:
    """One file a pull request changed, from the merge base to the head (`git diff -M`)."""

    status: str
    """`A` added, `M` modified, `D` deleted, `R` renamed (or moved), `T` type changed."""
    old: str | None
    """Its path at the merge base, relative to the root (POSIX); None when added."""
    new: str | None
    """Its path at the head, relative to the root (POSIX); None when deleted."""


def _under_root(g: _Git, root: Path, name: str) -> str | None:
    """A path relative to the top of the work tree, made relative to `root`; None outside."""
    try:
        return (g.top / PurePosixPath(name)).relative_to(root.resolve()).as_posix()
    except ValueError:
        return None


def _top_relative(g: _Git, root: Path, path: str) -> str:
    """`path` (relative to `root`) relative to the top of the work tree, without following
    a symlink in the working tree (the head's files do not decide what is read at a ref)."""
    joined = os.path.normpath(root.resolve() / path)
    try:
        return Path(joined).relative_to(g.top).as_posix()
    except ValueError:
        raise GitError(f"{path} is outside the git work tree {g.top}") from None


def merge_base(root: Path, base: str, head: str | None = None) -> tuple[str, str]:
    """(the commit `base` names, the merge base of `base` and `head`): a pull request's
    changes are those since the commit it branched from, as GitHub shows them, whatever
    the base did since. `head` None means HEAD (the working tree's commit).

    Raises GitError for an unknown ref, for histories that share no commit, and in a
    shallow clone whose cut could hide the true merge base (a commit between either tip
    and the one found has had its parents cut): the delta would be wrong, not merely
    incomplete.
    """
    with RefReader(root) as reader:
        return reader.merge_base(base, head)


def _merge_base(g: _Git, base: str, base_sha: str, head: str, head_sha: str) -> str:
    """`merge_base` of two resolved commits (`base` and `head` as given, for messages).
    Whether the clone is shallow, and where it is cut, is read from the repository's
    `shallow` file: no git process beside `git merge-base` unless the clone is cut."""
    found = g.merge_base(base_sha, head_sha)
    cut = g.shallow_cut()
    if found is None:
        if cut:
            raise GitError(
                f"no merge base of {base!r} and {head} in {g.top}: the clone is shallow, "
                "so their common history is missing and the pull request's own changes "
                "(those since the merge base) are unknown; fetch it with fetch-depth: 0 "
                "(or git fetch --unshallow)"
            )
        raise GitError(
            f"no merge base of {base!r} and {head} in {g.top}: they share no history; a "
            f"pull request is compared with the commit it branched from, so compare a "
            f"branch made from {base}"
        )
    if cut:
        between = g.run("rev-list", base_sha, head_sha, f"^{found}").split()
        if cut.intersection(between):
            raise GitError(
                f"the merge base of {base!r} and {head} may lie beyond this shallow "
                "clone's history (it is cut between them), so the pull request's own "
                "changes are unknown: fetch the full history (actions/checkout "
                "fetch-depth: 0)"
            )
    return found


def tree_changes(root: Path, base: str, head: str | None = None) -> list[TreeChange]:
    """Every file under `root` changed from the merge base of `base` and `head` to `head`.

    `head` None means the working tree (untracked files count as added). Renames are
    git's (`-M`, 50% similar): a file moved into or out of `root` counts as added or
    deleted. Sorted by (new or old) path. Raises GitError for an unknown ref.
    """
    with RefReader(root) as reader:
        return reader.tree_changes(base, head)


def file_at(root: Path, ref: str, path: str) -> str | None:
    """The text of the file `path` (relative to `root`) at `ref` (UTF-8, undecodable bytes
    replaced), or None when it did not exist there. No rename is followed. Raises GitError
    for an unknown ref."""
    with RefReader(root) as reader:
        return reader.file_at(ref, path)


def tree_files(root: Path, ref: str, folders: Sequence[str]) -> list[str]:
    """The files under `folders` (relative to `root`) at `ref`, relative to `root`, sorted;
    none for a folder that did not exist there. Raises GitError for an unknown ref."""
    if not folders:
        return []
    with RefReader(root) as reader:
        return reader.tree_files(ref, folders)


# --- provenance -----------------------------------------------------------------------


def work_tree_state(root: Path, exclude: Sequence[str] = ()) -> tuple[str | None, bool | None]:
    """(HEAD commit, dirty) of the repository holding `root`: the full hex commit and
    whether the work tree differs from it (a tracked file changed or staged, or a file not
    yet tracked, ignored files aside). `exclude` are glob pathspecs (relative to the top of
    the work tree) that do not count: evidence packs written into the repository.
    (None, None) when `root` is in no repository; (None, dirty) when the repository has no
    commit yet. Raises GitError when git fails."""
    g = _open(root)
    if g is None:
        return None, None
    try:
        commit = g.resolves("HEAD")
        where = ["--", ".", *(f":(exclude,glob){e}" for e in exclude)] if exclude else []
        dirty = bool(g.run(*_STATUS, *where).strip())
    finally:
        g.close()
    return commit, dirty


def repository_path(root: Path) -> str:
    """Where the folder `root` is in the git work tree holding it: its path from the top
    (POSIX, ending with `/`), "" at the top or outside git. The prefix that makes a path
    relative to `root` the repository's, as code scanning and annotations name files. The
    repository is usually open already (no git process then)."""
    g = _open(root)
    if g is None:
        return ""
    path = g.rel(root)
    return "" if path == "." else path + "/"


def version_control(root: Path) -> VersionControl | None:
    """The commit, `origin` remote (`public_remote`) and branch of the repository holding
    `root`; None outside git or before the first commit."""
    g = _open(root)
    if g is None:
        return None
    try:
        revision = g.resolves("HEAD")
        if revision is None:
            return None
        remote = g.optional("config", "--get", "remote.origin.url")
        return VersionControl(
            revision=revision,
            repository=public_remote(remote) if remote else None,
            branch=g.optional("symbolic-ref", "--quiet", "--short", "HEAD") or None,
        )
    finally:
        g.close()


def public_remote(url: str) -> str | None:
    """A remote's URL as a report may show it: without user name, password or token,
    query or fragment; `host:path` (scp-like) as `ssh://host/path`. None for a local path
    or `file:` URL, which names a folder of this machine."""
    url = url.strip()
    scp = re.fullmatch(r"(?:[^@/:]+@)?([A-Za-z0-9.-]+):(?!//)(.+)", url)
    if scp is not None and len(scp.group(1)) > 1:  # `C:\...` is a Windows path
        return f"ssh://{scp.group(1)}/{scp.group(2).lstrip('/')}"
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    if not parts.scheme or parts.scheme == "file" or not host:
        return None
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


# --- evidence packs ---------------------------------------------------------------------


def top_relative(root: Path, path: Path) -> str | None:
    """`path` relative to the top of the work tree holding `root` (POSIX), or None when
    `root` is in no repository or `path` is outside its work tree."""
    g = _open(root)
    if g is None:
        return None
    try:
        return g.rel(path)
    except GitError:
        return None
    finally:
        g.close()


def uncommitted(root: Path, paths: Sequence[str]) -> list[str]:
    """Those of `paths` (relative to `root`) whose working copy differs from HEAD: changed,
    staged, deleted or not tracked at all (ignored files too: a clone does not have them);
    sorted. Raises GitError outside a repository."""
    if not paths:
        return []
    g = _require(root)
    try:
        names = {_top_relative(g, root, p): p for p in paths}
        if not g.has_head():
            return sorted(paths)
        raw = g.run(
            "status",
            "--porcelain=v1",
            "-z",
            "--untracked-files=all",
            "--ignored",
            "--",
            *(f":(literal){n}" for n in sorted(names)),
        )
        found: set[str] = set()
        tokens = raw.split("\x00")
        i = 0
        while i < len(tokens) and tokens[i]:
            entry = tokens[i]
            name = entry[3:]
            if entry[:1] in ("R", "C"):
                i += 1  # the next token is the source path of a rename
            if name in names:
                found.add(names[name])
            i += 1
        return sorted(found)
    finally:
        g.close()


def files_at(root: Path, ref: str, paths: Sequence[str]) -> dict[str, bytes | None]:
    """The bytes of each of `paths` (relative to `root`) as committed at `ref`; None for a
    path that is no file there. Read with one `ls-tree` and one `cat-file --batch`, never
    from the working tree. Raises GitError for an unknown ref or outside a repository."""
    out: dict[str, bytes | None] = dict.fromkeys(paths)
    if not paths:
        return out
    g = _require(root)
    try:
        sha = _verify(g, ref)
        names = {_top_relative(g, root, p): p for p in paths}
        listed = g.run("ls-tree", "-r", "-z", sha, "--", *sorted(names))
        blobs: dict[str, str] = {}
        for entry in listed.split("\x00"):
            if not entry:
                continue
            meta, _, name = entry.partition("\t")
            _mode, kind, blob = meta.split()
            if kind == "blob" and name in names:
                blobs[names[name]] = blob
        contents = _read_blobs(g.top, list(blobs.values()))
        for path, blob in blobs.items():
            out[path] = contents[blob]
        return out
    finally:
        g.close()


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return "1 entry" if len(value) == 1 else f"{len(value)} entries"
    if isinstance(value, Mapping):
        return "{...}"
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _review_changes(
    old: Mapping[str, Any] | None | str, new: Mapping[str, Any] | None | str
) -> list[str]:
    """What changed in `review` from `old` to `new` (see `_review_of`), one entry a field."""
    if isinstance(new, str):
        return [] if old == new else [f"the file {new}"]
    if isinstance(old, str):
        old = None  # an unreadable version before: what this one says is new
    if old is None and new is None:
        return []
    if old is None:
        return ["review added"]
    if new is None:
        return ["review removed"]
    changed = []
    for key in sorted({*old, *new}, key=str):
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        if key not in old:
            changed.append(f"{key}: set to {_shown(after)}")
        elif key not in new:
            changed.append(f"{key}: removed")
        else:
            changed.append(f"{key}: {_shown(before)} -> {_shown(after)}")
    return changed


def _reason(review: Mapping[str, Any] | None | str, subject: str) -> str:
    """The model's own `review.history` entry for its `last_reviewed`, else `subject`."""
    if isinstance(review, Mapping):
        last = review.get("last_reviewed")
        history = review.get("history")
        for entry in history if isinstance(history, list) else ():
            if isinstance(entry, Mapping) and entry.get("date") == last and last is not None:
                words = [str(entry[k]) for k in ("reason", "note") if entry.get(k)]
                if words:
                    return ": ".join(words)
    return subject


def review_history(root: Path, path: str) -> tuple[list[ReviewChange], str]:
    """`review_histories` of one model file."""
    return review_histories(root, [path])[path]


def review_histories(root: Path, paths: Sequence[str]) -> dict[str, tuple[list[ReviewChange], str]]:
    """For each model file of `paths` (relative to `root`): every commit that changed its
    `review` section, newest first, renames followed, each version's section as the
    loader reads it; and a note when the history is missing or partial ("" otherwise).

    One pass over the history for many files (each file's own `git log --follow` for a
    few, `_FOLLOW_MAX`), the versions through one `git cat-file --batch`, and a version's
    section derived from its newer neighbour's when an edit of single scalars says it
    exactly (`modeldiff.derive_review`), else parsed. Raises GitError when git fails or
    a file is outside the work tree.
    """
    wanted = sorted(set(paths))
    g = _open(root)
    if g is None:
        return {p: ([], NO_REPO_FIX) for p in wanted}
    try:
        note = SHALLOW_FIX if g.is_shallow() else ""
        if not g.has_head():
            return {p: ([], f"{p} is not committed") for p in wanted}
        shared = _read_log(g) if len(wanted) > _FOLLOW_MAX else None
        out: dict[str, tuple[list[ReviewChange], str]] = {}
        found: dict[str, list[_Version]] = {}
        for p in wanted:
            rel = g.rel(root / p)
            hist = shared if shared is not None else _read_log(g, follow=rel)
            versions = list(_versions(hist, rel))
            if versions:
                found[p] = versions
            else:
                out[p] = ([], f"{p} is not committed")
        subjects = _subjects(g, [v.commit.sha for vs in found.values() for v in vs])
        reader = _BlobReader(g.top)
        try:
            for p, versions in found.items():
                contents = reader.read([v.blob for v in versions])
                out[p] = (_review_commits(versions, contents, subjects), note)
        finally:
            reader.close()
        return {p: out[p] for p in wanted}
    finally:
        g.close()


def _subjects(g: _Git, shas: Sequence[str]) -> dict[str, str]:
    """commit -> the first line of its message, a thousand commits a `git log`."""
    unique = list(dict.fromkeys(shas))
    out: dict[str, str] = {}
    for first in range(0, len(unique), 1000):
        raw = g.run(
            "log", "--no-walk=unsorted", "-z", "--format=%H%x1f%s", *unique[first : first + 1000]
        )
        for item in raw.split("\x00"):
            sha, sep, subject = item.strip("\n").partition("\x1f")
            if sep:
                out[sha] = subject
    return out


def _review_commits(
    versions: Sequence[_Version], contents: Mapping[str, bytes], subjects: Mapping[str, str]
) -> list[ReviewChange]:
    """The versions (newest first) that changed `review`, as `ReviewChange`s."""
    views: list[ReviewView] = []
    for version in versions:
        content = contents[version.blob]
        derived = derive_review(views[-1], content) if views else None
        views.append(derived or read_review(content, version.path))
    reviews = [v.review for v in views]
    out = []
    for i, version in enumerate(versions):
        older = reviews[i + 1] if i + 1 < len(reviews) else None
        changed = _review_changes(older, reviews[i])
        if not changed:
            continue
        subject = subjects.get(version.commit.sha, "")
        out.append(
            ReviewChange(
                commit=version.commit.sha,
                author=version.commit.author,
                date=version.commit.date,
                subject=subject,
                path=version.path,
                changed=tuple(changed),
                reason=_reason(reviews[i], subject),
            )
        )
    return out
