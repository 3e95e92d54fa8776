"""Git facts for the change rule: versions of model files and semantic diffs between them.

For each model file this module finds the commit that last set `review.last_reviewed` to
its current value (following renames), and compares the model as it was there with the
model now (the working tree), field by field on parsed YAML: only the trigger fields of
controls.md ("Review rules", rule 2) count, so reformatting, reordering and prose edits
never trigger. It also serves pull-request mode: a model at any ref, the semantic diff of
two versions and the model files changed between two refs.

It reads the history in one pass (`git log --raw -M` over the YAML files, blobs through
one `git cat-file --batch` process), never a checkout per commit. Every GitPython or git
failure is wrapped in `errors.GitError` here; missing history (no repository, a shallow
clone) is not an error but a `ChangeFacts` whose `unknown` says why and how to fix it.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

import yaml

from .errors import GitError, InvalidDocument
from .loader import parse_document

if TYPE_CHECKING:
    import git

_YamlLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_MODEL_GLOBS = ("*.yaml", "*.yml")
"""Pathspecs of the history pass: every YAML file, so renames between folders are seen."""

SHALLOW_FIX = "git history is shallow: fetch the full history (actions/checkout fetch-depth: 0)"
"""The `unknown` reason of a shallow clone: what is missing and the fix."""

NO_REPO_FIX = (
    "not a git repository: the change rule compares the model with the commit of its last "
    "review; run inside a clone with its full history"
)
"""The `unknown` reason when the models are not in a git repository."""


# --- semantic diff --------------------------------------------------------------------


class ChangeKind(StrEnum):
    """What happened to a trigger asset between two versions of a model."""

    ADDED = "added"
    REMOVED = "removed"
    VERSION_CHANGED = "version_changed"
    INPUTS_CHANGED = "inputs_changed"
    ACTIONS_CHANGED = "actions_changed"
    PERMISSIONS_CHANGED = "permissions_changed"
    INGESTION_PATH_ADDED = "ingestion_path_added"
    INGESTION_PATH_REMOVED = "ingestion_path_removed"


@dataclass(frozen=True)
class CommitInfo:
    """One commit, as much as a review reason shows of it."""

    sha: str
    """Full 40-hex commit id."""
    author: str
    """Author name."""
    email: str
    """Author e-mail."""
    date: str
    """Author date, `YYYY-MM-DD` (the author's own time zone)."""

    @property
    def short(self) -> str:
        """The first 10 hex digits of the commit id."""
        return self.sha[:10]


@dataclass(frozen=True)
class Change:
    """One semantic change of a trigger field of a model (controls.md, review rule 2)."""

    asset: str
    """Id of the asset that changed."""
    asset_type: str
    """Its `type` (`base_model`, `dataset`, `agent_tool`, `retrieval_corpus`, ...)."""
    kind: ChangeKind
    """What changed."""
    old: str | list[str] | None = None
    """The old value (normalised: strings, sorted lists); None for an addition."""
    new: str | list[str] | None = None
    """The new value (normalised); None for a removal."""
    field: str = ""
    """The field that changed (`version`, `trained_on`, `inputs`, `actions`,
    `permissions`, `ingestion_paths`); "" for an asset added or removed."""
    introduced: CommitInfo | None = None
    """The first commit after the baseline that made this change; None when it is only in
    the working tree, or when it was not looked for (pull-request diffs)."""

    @property
    def key(self) -> tuple[str, str, str, str]:
        """Identity of the change regardless of where it was introduced."""
        return (self.asset, self.kind.value, self.field, json.dumps(self.new, sort_keys=True))

    def describe(self) -> str:
        """A short phrase: `agent tool order-tool: actions changed from [a] to [a, b]`."""
        what = f"{self.asset_type.replace('_', ' ')} {self.asset}"
        match self.kind:
            case ChangeKind.ADDED:
                return f"{what} was added"
            case ChangeKind.REMOVED:
                return f"{what} was removed"
            case ChangeKind.INGESTION_PATH_ADDED:
                return f"{what}: ingestion path {self.new} was added"
            case ChangeKind.INGESTION_PATH_REMOVED:
                return f"{what}: ingestion path {self.old} was removed"
            case (
                ChangeKind.VERSION_CHANGED
                | ChangeKind.INPUTS_CHANGED
                | ChangeKind.ACTIONS_CHANGED
                | ChangeKind.PERMISSIONS_CHANGED
            ):
                return f"{what}: {self.field} changed from {_show(self.old)} to {_show(self.new)}"


def _show(value: str | list[str] | None) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, list):
        return "[" + ", ".join(value) + "]"
    return value


_MODEL_TYPES = frozenset({"base_model", "fine_tuned_model"})
_TRAINING_TYPES = frozenset({"training_pipeline", "fine_tuning_pipeline", "dataset"})
_TOOL_TYPES = frozenset({"agent_tool"})
_RETRIEVAL_TYPES = frozenset({"retrieval_corpus"})
TRIGGER_TYPES = _MODEL_TYPES | _TRAINING_TYPES | _TOOL_TYPES | _RETRIEVAL_TYPES
"""Asset types whose changes can require a review."""

_INPUT_FIELDS = ("trained_on", "inputs")
"""Training inputs: of a pipeline or dataset, and of a fine-tuned model (its fine-tuning)."""


def _scalar(value: Any) -> str | None:
    """A scalar as the string a reader sees: `3` and `"3"` and a date all compare as text."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str | int | float):
        return str(value)
    return json.dumps(value, sort_keys=True, default=str)


def _norm(value: Any) -> str | list[str] | None:
    """Normalise a field for comparison: lists become sorted sets, scalars strings."""
    if isinstance(value, list | tuple):
        return sorted({_scalar(v) or "" for v in value})
    return _scalar(value)


def _assets_by_id(model: Any) -> dict[str, Mapping[str, Any]]:
    assets = model.get("assets") if isinstance(model, Mapping) else None
    out: dict[str, Mapping[str, Any]] = {}
    if not isinstance(assets, list):
        return out
    for asset in assets:
        if isinstance(asset, Mapping) and isinstance(asset.get("id"), str):
            out.setdefault(asset["id"], asset)
    return out


def _path_key(path: Any) -> str:
    if isinstance(path, Mapping):
        for key in ("id", "source"):
            if isinstance(path.get(key), str):
                return str(path[key])
        return json.dumps(path, sort_keys=True, default=str)
    return _scalar(path) or ""


def _ingestion_paths(asset: Mapping[str, Any]) -> set[str]:
    paths = asset.get("ingestion_paths")
    if not isinstance(paths, list):
        return set()
    return {_path_key(p) for p in paths}


def _asset_changes(
    aid: str, atype: str, old: Mapping[str, Any], new: Mapping[str, Any]
) -> list[Change]:
    changes: list[Change] = []

    def compare(name: str, kind: ChangeKind) -> None:
        before, after = _norm(old.get(name)), _norm(new.get(name))
        if before != after:
            changes.append(Change(aid, atype, kind, before, after, name))

    if atype in _MODEL_TYPES or atype in _TRAINING_TYPES:
        compare("version", ChangeKind.VERSION_CHANGED)
    if atype in _TRAINING_TYPES or atype == "fine_tuned_model":
        for name in _INPUT_FIELDS:
            compare(name, ChangeKind.INPUTS_CHANGED)
    if atype in _TOOL_TYPES:
        compare("actions", ChangeKind.ACTIONS_CHANGED)
        compare("permissions", ChangeKind.PERMISSIONS_CHANGED)
    if atype in _RETRIEVAL_TYPES:
        before, after = _ingestion_paths(old), _ingestion_paths(new)
        changes.extend(
            Change(aid, atype, ChangeKind.INGESTION_PATH_ADDED, None, p, "ingestion_paths")
            for p in sorted(after - before)
        )
        changes.extend(
            Change(aid, atype, ChangeKind.INGESTION_PATH_REMOVED, p, None, "ingestion_paths")
            for p in sorted(before - after)
        )
    return changes


def diff_models(old: Any, new: Any) -> list[Change]:
    """The trigger-field changes from model `old` to model `new` (parsed YAML, JSON types).

    Assets are matched by id, so reordering never counts; lists of actions and inputs
    compare as sets; prose fields are never read. An asset whose type changed counts as
    removed and added. Returns the changes sorted by asset id, then kind; `introduced` is
    None on every change. Either side may be None (no model), meaning no assets.
    """
    before, after = _assets_by_id(old), _assets_by_id(new)
    changes: list[Change] = []
    for aid in sorted(before.keys() | after.keys()):
        a, b = before.get(aid), after.get(aid)
        atype_a = str(a.get("type", "")) if a is not None else ""
        atype_b = str(b.get("type", "")) if b is not None else ""
        if a is not None and b is not None and atype_a == atype_b:
            if atype_a in TRIGGER_TYPES:
                changes.extend(_asset_changes(aid, atype_a, a, b))
            continue
        if a is not None and atype_a in TRIGGER_TYPES:
            changes.append(Change(aid, atype_a, ChangeKind.REMOVED, _norm(a.get("version")), None))
        if b is not None and atype_b in TRIGGER_TYPES:
            changes.append(Change(aid, atype_b, ChangeKind.ADDED, None, _norm(b.get("version"))))
    return changes


# --- change facts ---------------------------------------------------------------------


@dataclass(frozen=True)
class ChangeFacts:
    """What the change rule needs about one model file."""

    changes: tuple[Change, ...] = ()
    """Trigger changes since the review baseline, sorted by asset id then kind."""
    review_commit: CommitInfo | None = None
    """The commit that last set `review.last_reviewed` to its current value; None when the
    working tree set it (not committed yet) or when the model has no `last_reviewed`."""
    baseline: str = ""
    """What was compared with the model now, for messages: `commit 1a2b3c4d5e`,
    `the working tree` (the review is not committed yet), `ref origin/main`."""
    unknown: str = ""
    """Non-empty when the rule could not be evaluated: why, and the fix."""
    path_history: tuple[str, ...] = ()
    """Earlier paths of the file (renames followed), newest first; empty when never moved."""

    @property
    def evaluated(self) -> bool:
        """True when the change rule could be evaluated."""
        return not self.unknown


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


_LAST_REVIEWED_RE = re.compile(
    r"""(?m)(?:^[ \t]*|[{,][ \t]*)last_reviewed[ \t]*:[ \t]*"""
    r"""(?:"([^"\n]*)"|'([^'\n]*)'|([^\s,}#]+))"""
)


def _parse_yaml(text: str) -> Any:
    """Parse a cut-out block (no anchors or aliases) with libyaml: fast."""
    return yaml.load(text, Loader=_YamlLoader)  # noqa: S506 - CSafeLoader is a safe loader


def _parse_model(text: str, path: str = "<git>") -> Any:
    """Parse a whole model with the project's loader: JSON types, size and alias limits."""
    return parse_document(text.encode("utf-8"), path).data


_UNPARSEABLE = (yaml.YAMLError, InvalidDocument, RecursionError)
"""What parsing a version from history can raise: that version is unusable, not fatal."""


def _last_reviewed_text(text: str) -> str | None:
    """`review.last_reviewed` as written, from the text when unambiguous, else parsed.

    Returns None when the model has none; raises one of `_UNPARSEABLE` when it must parse and the
    text is not YAML.
    """
    mentions = text.count("last_reviewed")
    if mentions == 0:
        return None
    if mentions == 1:
        at = text.find("last_reviewed")
        start = text.rfind("\n", 0, at) + 1
        end = text.find("\n", at)
        found = _LAST_REVIEWED_RE.search(text, start, end if end >= 0 else len(text))
        if found is not None:
            dq, sq, plain = found.groups()
            return str(dq or sq or plain)
    return _last_reviewed_of(_parse_model(text))


def _last_reviewed_of(model: Any) -> str | None:
    review = model.get("review") if isinstance(model, Mapping) else None
    if not isinstance(review, Mapping):
        return None
    return _scalar(review.get("last_reviewed"))


def _assets_block(text: str) -> str | None:
    """The text of the top-level `assets:` block, or None when it cannot be cut out safely.

    Safe means: block style, exactly one `assets:` key at column 0, and no anchor, alias or
    merge key in it (an alias could point outside the block). Then equal blocks mean equal
    assets, and the block parses on its own.
    """
    starts = [i for i in _find_all(text, "assets") if _is_top_key(text, i, "assets")]
    if len(starts) != 1:
        return None
    pos = text.find("\n", starts[0])
    while pos >= 0:
        line = pos + 1
        nxt = text.startswith
        if nxt(("---", "..."), line):
            break
        if line < len(text) and not (
            text[line] in " \t#\n\r" or nxt("- ", line) or nxt("-\n", line)
        ):
            break
        pos = text.find("\n", line)
    block = text[starts[0] : pos + 1 if pos >= 0 else len(text)]
    if "*" in block or "<<" in block or "&" in block:
        return None
    return block


def _find_all(text: str, word: str) -> Iterator[int]:
    at = text.find(word)
    while at >= 0:
        yield at
        at = text.find(word, at + 1)


def _is_top_key(text: str, at: int, word: str) -> bool:
    """True when `word` at `at` starts a line and is followed by optional blanks and `:`."""
    if at > 0 and text[at - 1] != "\n":
        return False
    rest = at + len(word)
    while rest < len(text) and text[rest] in " \t":
        rest += 1
    return rest < len(text) and text[rest] == ":"


def _assets_view(text: str, cache: dict[str, Any] | None = None) -> Any:
    """The model reduced to what `diff_models` reads, parsing as little as possible.

    `cache` maps an `assets:` block's text to its parse, so unchanged blocks parse once.
    """
    block = _assets_block(text)
    if block is not None:
        if cache is not None and block in cache:
            return cache[block]
        parsed = _parse_yaml(block)
        if isinstance(parsed, Mapping) and set(parsed) == {"assets"}:
            if cache is not None:
                cache[block] = parsed
            return parsed
    return _parse_model(text)


@dataclass
class _Version:
    """One committed version of a model file."""

    commit: CommitInfo
    path: str
    blob: str
    text: str = ""


class _Git:
    """A GitPython repository with every git failure wrapped in GitError."""

    def __init__(self, repo: git.Repo) -> None:
        self.repo = repo
        top = repo.working_tree_dir
        if top is None:
            raise GitError(f"{repo.git_dir} is a bare repository: models need a working tree")
        self.top = Path(top).resolve()

    def run(self, *args: str, **kwargs: Any) -> str:
        import git as gitlib

        try:
            out: str = self.repo.git.execute(["git", *args], **kwargs)
        except gitlib.GitCommandError as exc:
            msg = (exc.stderr or "").strip().removeprefix("stderr: ").strip("'\n ")
            raise GitError(f"git {args[0]} failed in {self.top}: {msg or exc}") from None
        except (gitlib.GitError, OSError) as exc:
            raise GitError(f"git {args[0]} failed in {self.top}: {exc}") from None
        return out

    def blob(self, sha: str) -> str:
        import git as gitlib

        try:
            _, _, _, data = self.repo.git.get_object_data(sha)
        except (gitlib.GitError, ValueError, OSError) as exc:
            raise GitError(
                f"git cat-file could not read object {sha} in {self.top}: {exc}"
            ) from None
        return bytes(data).decode("utf-8", errors="replace")

    def is_shallow(self) -> bool:
        return self.run("rev-parse", "--is-shallow-repository").strip() == "true"

    def has_head(self) -> bool:
        import git as gitlib

        try:
            self.repo.git.execute(["git", "rev-parse", "--verify", "--quiet", "HEAD^{commit}"])
        except gitlib.GitCommandError:
            return False
        except (gitlib.GitError, OSError) as exc:
            raise GitError(f"git rev-parse failed in {self.top}: {exc}") from None
        return True

    def rel(self, path: Path) -> str:
        """`path` relative to the top of the work tree, POSIX; GitError when outside."""
        try:
            return path.resolve().relative_to(self.top).as_posix()
        except ValueError:
            raise GitError(f"{path} is outside the git work tree {self.top}") from None

    def close(self) -> None:
        self.repo.close()


def _blob_id(text: str) -> str:
    """The git blob id of `text` as UTF-8 (what `git hash-object` would print)."""
    data = text.encode("utf-8")
    return hashlib.sha1(b"blob %d\x00" % len(data) + data, usedforsecurity=False).hexdigest()


def _git_executable() -> str:
    import git as gitlib

    return str(gitlib.Git.GIT_PYTHON_GIT_EXECUTABLE or "git")


class _BlobReader:
    """Reads many blobs with one `git cat-file --batch` process per call."""

    def __init__(self, g: _Git) -> None:
        self.g = g

    def read(self, shas: Sequence[str]) -> dict[str, str]:
        """sha -> text (UTF-8, undecodable bytes replaced); GitError when one is missing."""
        unique = list(dict.fromkeys(shas))
        if not unique:
            return {}
        try:
            proc = subprocess.run(
                [_git_executable(), "cat-file", "--batch"],
                cwd=self.g.top,
                input="".join(f"{sha}\n" for sha in unique).encode(),
                capture_output=True,
                check=True,
            )
        except (OSError, subprocess.CalledProcessError) as exc:
            raise GitError(f"git cat-file failed in {self.g.top}: {exc}") from None
        data, pos, out = proc.stdout, 0, {}
        for sha in unique:
            end = data.index(b"\n", pos)
            header = data[pos:end].split()
            if len(header) != 3:
                raise GitError(f"git cat-file could not read object {sha} in {self.g.top}")
            size = int(header[2])
            out[sha] = data[end + 1 : end + 1 + size].decode("utf-8", errors="replace")
            pos = end + 1 + size + 1
        return out


def _open(root: Path) -> _Git | None:
    """The repository that holds `root`, or None when `root` is in none."""
    import git as gitlib

    try:
        repo = gitlib.Repo(root, search_parent_directories=True)
    except (gitlib.InvalidGitRepositoryError, gitlib.NoSuchPathError):
        return None
    except (gitlib.GitError, OSError) as exc:
        raise GitError(f"cannot open the git repository at {root}: {exc}") from None
    return _Git(repo)


_FOLLOW_MAX = 4
"""Up to this many models, each model's history is read on its own (`git log --follow`:
~0.07 s on 5,000 commits) instead of the history of every YAML file at once (~0.45 s with
its parsing): a pull-request check asks about the one or two models it changed."""


def _read_log(g: _Git, follow: str | None = None) -> _History:
    """The history of every YAML file, or with `follow` of that one file, renames followed."""
    # `:(literal)`: a file named `[ab].yaml` is that file, not also a pattern for `a.yaml`.
    where = (
        ("--follow", "HEAD", "--", f":(literal){follow}")
        if follow is not None
        else ("HEAD", "--", *_MODEL_GLOBS)
    )
    raw = g.run(
        "log",
        "-z",
        "--raw",
        "--no-abbrev",
        "-M",
        "--format=%x1e%H%x1f%an%x1f%ae%x1f%as",
        *where,
        strip_newline_in_stdout=False,
    )
    return _parse_log(raw)


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
    text: str
    """Its content in the working tree."""
    current: Any
    """That content parsed by the caller, or None."""
    now: str | None
    """Its `review.last_reviewed` now."""
    versions: list[_Version]
    """Committed versions, newest first, renames followed."""
    history: tuple[str, ...]
    """Earlier paths of the file, newest first."""
    review_idx: int = -1
    """Index in `versions` of the oldest version of the newest run with `now`'s value."""
    pos: int = 0
    """Next version to read."""
    done: bool = False
    """True once the version before the review commit (or the oldest) was read."""


def _walk_all(reader: _BlobReader, walks: Sequence[_Walk]) -> None:
    """Read versions round by round (one `cat-file --batch` per round) until each walk
    finds the first version whose `last_reviewed` differs from the current one."""
    active = [w for w in walks if w.now is not None and w.versions]
    while active:
        texts = reader.read([w.versions[w.pos].blob for w in active if not w.versions[w.pos].text])
        still = []
        for w in active:
            version = w.versions[w.pos]
            version.text = version.text or texts[version.blob]
            try:
                value = _last_reviewed_text(version.text)
            except _UNPARSEABLE:
                value = None
            if value != w.now:
                w.done = True
                continue
            w.review_idx = w.pos
            w.pos += 1
            if w.pos < len(w.versions):
                still.append(w)
        active = still


def _conclude(w: _Walk, cache: dict[str, Any]) -> ChangeFacts:
    """The change facts of one walked model."""
    if w.now is None:
        return ChangeFacts()
    if w.review_idx < 0:
        return ChangeFacts(baseline="the working tree", path_history=w.history)
    review = w.versions[w.review_idx]
    base = f"commit {review.commit.short}"
    now_block, base_block = _assets_block(w.text), _assets_block(review.text)
    if now_block is not None and now_block == base_block:
        return ChangeFacts((), review.commit, base, "", w.history)
    try:
        base_model = _assets_view(review.text, cache)
    except _UNPARSEABLE as exc:
        return ChangeFacts(
            review_commit=review.commit,
            unknown=f"{review.path} in commit {review.commit.short} (the review commit) does "
            f"not load ({_first_line(exc)}): the change rule needs that version",
            path_history=w.history,
        )
    try:
        now_model = w.current if w.current is not None else _assets_view(w.text, cache)
    except _UNPARSEABLE as exc:
        return ChangeFacts(
            review_commit=review.commit,
            unknown=f"the model does not load ({_first_line(exc)}): fix it first",
            path_history=w.history,
        )
    changes = diff_models(base_model, now_model)
    if changes:
        changes = _attribute(changes, base_model, w.versions[: w.review_idx], cache)
    return ChangeFacts(tuple(changes), review.commit, base, "", w.history)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _attribute(
    changes: list[Change], base: Any, newer: Sequence[_Version], cache: dict[str, Any]
) -> list[Change]:
    """Set `introduced` on each change: the oldest commit after the review that made it.

    `newer` are the versions after the review commit, newest first, their text read.
    """
    pending = {c.key for c in changes}
    found: dict[tuple[str, str, str, str], CommitInfo] = {}
    for version in reversed(newer):
        if not pending:
            break
        try:
            seen = {c.key for c in diff_models(base, _assets_view(version.text, cache))}
        except _UNPARSEABLE:
            continue
        for key in pending & seen:
            found[key] = version.commit
        pending -= seen
    return [replace(c, introduced=found.get(c.key)) for c in changes]


def collect_change_facts(
    root: Path,
    paths: Iterable[str],
    current: Mapping[str, Any] | None = None,
) -> dict[str, ChangeFacts]:
    """Change facts for each model file, from one pass over the repository's history (or,
    for a few files, one pass over the history of each: `_FOLLOW_MAX`).

    `paths` are relative to `root` (POSIX). `current` maps a path to the model as loaded
    from the working tree (JSON types); a path missing from it is read and parsed here.
    The baseline of each model is the commit that last set `review.last_reviewed` to its
    current value, the renames of the file followed; a model whose value is set only in
    the working tree (or not committed at all) has the working tree as baseline and no
    changes. Not a repository, or a shallow clone: every model gets `unknown` with the
    fix. Raises GitError when git itself fails.
    """
    wanted = sorted(set(paths))
    with ChangeHistory(root, len(wanted)) as history:
        return history.facts(wanted, current)


class ChangeHistory:
    """A repository's history, read once, asked for the change facts of a few files at a
    time (`facts`, as `collect_change_facts` answers): a run hands its models to worker
    processes a batch at a time while the next batch's facts are found. `expected` is how
    many files will be asked about in all (a few: each file's own history is read).
    Raises GitError when git itself fails."""

    def __init__(self, root: Path, expected: int) -> None:
        self.root = root
        self._g = _open(root)
        self._unknown: str | None = NO_REPO_FIX if self._g is None else None
        self._has_head = False
        self._follow = expected <= _FOLLOW_MAX
        self._shared = _History()
        self._renames: dict[str, str] = {}
        self._cache: dict[str, Any] = {}
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

    def facts(
        self, paths: Iterable[str], current: Mapping[str, Any] | None = None
    ) -> dict[str, ChangeFacts]:
        """Change facts for each of `paths` (see `collect_change_facts`)."""
        wanted = sorted(set(paths))
        g = self._g
        if g is None or self._unknown is not None:
            return {p: ChangeFacts(unknown=self._unknown or NO_REPO_FIX) for p in wanted}
        root = self.root
        out: dict[str, ChangeFacts] = {}
        walks: list[_Walk] = []
        for p in wanted:
            file = (root / p).resolve()
            try:
                text = file.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                out[p] = ChangeFacts(unknown=f"cannot read {p}: {exc}")
                continue
            try:
                rel = g.rel(file)
            except GitError as exc:
                out[p] = ChangeFacts(unknown=f"{exc}: keep models inside the repository")
                continue
            data = current.get(p) if current is not None else None
            try:
                now = _last_reviewed_of(data) if data is not None else _last_reviewed_text(text)
            except _UNPARSEABLE as exc:
                out[p] = ChangeFacts(unknown=f"{p} does not load: {_first_line(exc)}")
                continue
            name = self._renames.get(rel, rel)
            follow = self._has_head and self._follow
            hist = _read_log(g, follow=name) if follow else self._shared
            versions = list(_versions(hist, name))
            history = tuple(dict.fromkeys(v.path for v in versions if v.path != rel))
            if versions and versions[0].blob == _blob_id(text):
                versions[0].text = text  # unchanged since the last commit: no need to read
            walks.append(_Walk(p, text, data, now, versions, history))
        _walk_all(_BlobReader(g), walks)
        for w in walks:
            out[w.path] = _conclude(w, self._cache)
        return out

    def close(self) -> None:
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
    import git as gitlib

    try:
        out: str = g.repo.git.execute(
            ["git", "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"]
        )
    except gitlib.GitCommandError:
        hint = " (the clone may be shallow: fetch it with fetch-depth: 0)" if g.is_shallow() else ""
        raise GitError(f"unknown git ref {ref!r} in {g.top}{hint}") from None
    except (gitlib.GitError, OSError) as exc:
        raise GitError(f"git rev-parse failed in {g.top}: {exc}") from None
    return out.strip()


def _renamed_since(g: _Git, sha: str, rel: str) -> str | None:
    """The path `rel` (now, in the working tree) had at commit `sha`, through a rename."""
    raw = g.run("diff", "-M", "-z", "--name-status", "--diff-filter=R", sha, "--", *_MODEL_GLOBS)
    tokens = raw.split("\x00")
    for i in range(0, len(tokens) - 2, 3):
        if tokens[i].startswith("R") and tokens[i + 2] == rel:
            return tokens[i + 1]
    return None


def model_at(root: Path, ref: str, path: str) -> Any | None:
    """The model file `path` (relative to `root`) as it was at `ref`, parsed (JSON-like).

    A file renamed since `ref` is followed to its old name. Returns None when the file did
    not exist at `ref`. Raises GitError for an unknown ref, no repository, or a version that
    is not valid YAML.
    """
    g = _require(root)
    try:
        sha = _verify(g, ref)
        rel = g.rel(root / path)
        candidates = [rel]
        old = _renamed_since(g, sha, rel)
        if old is not None:
            candidates.append(old)
        for name in candidates:
            listing = g.run("ls-tree", "-z", sha, "--", name)
            if not listing:
                continue
            blob = listing.split("\t", 1)[0].split()[2]
            text = g.blob(blob)
            try:
                return _parse_model(text, name)
            except InvalidDocument as exc:
                raise GitError(f"{name} at {ref} is not valid YAML: {exc}") from None
        return None
    finally:
        g.close()


def changed_model_paths(root: Path, base: str, head: str | None = None) -> list[str]:
    """YAML files added, modified or renamed from the merge base of `base` and `head` to `head`.

    `head` None means the working tree (untracked YAML files included). Paths are relative
    to `root`, POSIX, sorted; deleted files are left out. Raises GitError for an unknown ref.
    """
    g = _require(root)
    try:
        base_sha = _verify(g, base)
        head_sha = _verify(g, head) if head is not None else _verify(g, "HEAD")
        merge_base = g.run("merge-base", base_sha, head_sha).strip()
        args = ["diff", "-z", "--name-only", "-M", "--diff-filter=ACMRT", merge_base]
        if head is not None:
            args.append(head_sha)
        names = {n for n in g.run(*args, "--", *_MODEL_GLOBS).split("\x00") if n}
        if head is None:
            untracked = g.run(
                "ls-files", "-z", "--others", "--exclude-standard", "--", *_MODEL_GLOBS
            )
            names |= {n for n in untracked.split("\x00") if n}
        root_abs = root.resolve()
        out = []
        for name in names:
            absolute = g.top / PurePosixPath(name)
            try:
                out.append(absolute.relative_to(root_abs).as_posix())
            except ValueError:
                continue
        return sorted(out)
    finally:
        g.close()


def export_tree(root: Path, ref: str, dest: Path, paths: Sequence[str] | None = None) -> Path:
    """Write the files under `root` as they are at `ref` into `dest`; returns the copy of root.

    Used by pull-request mode to evaluate the base (or a head ref) exactly like a working
    tree, evidence files included, without touching the user's checkout. `paths` (relative
    to `root`) limits the copy to those files, where they exist at `ref`. Reads with one
    `git archive`; raises GitError for an unknown ref or a git failure.
    """
    import io
    import tarfile

    g = _require(root)
    try:
        sha = _verify(g, ref)
        sub = root.resolve().relative_to(g.top.resolve()).as_posix()
        args = [_git_executable(), "archive", "--format=tar", sha]
        prefix = "" if sub == "." else sub + "/"
        if paths is not None:
            listed = g.run("ls-tree", "-r", "-z", "--name-only", sha, "--", sub)
            present = {n for n in listed.split("\x00") if n}
            args.append("--")
            args.extend(sorted(present & {prefix + p for p in paths}))
            if len(args) == 5:  # nothing to copy
                dest.mkdir(parents=True, exist_ok=True)
                return dest / sub if sub != "." else dest
        elif sub != ".":
            args.append(sub)
        try:
            proc = subprocess.run(args, cwd=g.top, capture_output=True, check=True)
        except (OSError, subprocess.CalledProcessError) as exc:
            raise GitError(f"git archive {ref} failed in {g.top}: {exc}") from None
        with tarfile.open(fileobj=io.BytesIO(proc.stdout)) as tar:
            tar.extractall(dest, filter="data")
        return dest / sub if sub != "." else dest
    finally:
        g.close()
