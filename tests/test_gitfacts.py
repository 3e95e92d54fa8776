"""gitfacts: the review commit, semantic diffs, renames, shallow clones, PR-mode helpers.

Every test builds a real git repository in tmp_path with GitPython, with commits at
chosen dates by chosen authors.
"""

from __future__ import annotations

import copy
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any

import git
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policyengine.errors import GitError
from policyengine.gitfacts import (
    NO_REPO_FIX,
    SHALLOW_FIX,
    Change,
    ChangeKind,
    RefReader,
    TreeChange,
    change_facts,
    collect_change_facts,
    diff_models,
    export_tree,
    file_at,
    merge_base,
    model_at,
    public_remote,
    reading_ahead,
    tree_changes,
    tree_files,
    work_tree_state,
)
from policyengine.loader import parse_document

MODEL = "models/support.yaml"
ALICE = git.Actor("Alice Reviewer", "alice@example.com")
BOB = git.Actor("Bob Builder", "bob@example.com")


@pytest.fixture(scope="module")
def example(design_example: Path) -> str:
    """The format example: a realistic model with every trigger asset type."""
    return design_example.read_text(encoding="utf-8")


def edit(text: str, old: str, new: str) -> str:
    """Replace `old` (which must occur exactly once) by `new`."""
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def _stamp(day: str) -> str:
    """Git's internal date format, 10:00 UTC on `day`."""
    moment = datetime.fromisoformat(f"{day}T10:00:00+00:00")
    return f"{int(moment.timestamp())} +0000"


class Repo:
    """A git repository in tmp_path with helpers to commit files at given dates."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.repo = git.Repo.init(root)
        with self.repo.config_writer() as cw:
            cw.set_value("user", "name", "Test")
            cw.set_value("user", "email", "test@example.com")

    def write(self, path: str, text: str) -> None:
        file = self.root / path
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(text, encoding="utf-8")

    def commit(
        self, files: dict[str, str], when: str, author: git.Actor = ALICE, msg: str = "edit"
    ) -> str:
        for path, text in files.items():
            self.write(path, text)
        self.repo.index.add(list(files))
        stamp = _stamp(when)
        c = self.repo.index.commit(
            msg, author=author, committer=author, author_date=stamp, commit_date=stamp
        )
        return c.hexsha

    def move(self, old: str, new: str, when: str) -> str:
        (self.root / new).parent.mkdir(parents=True, exist_ok=True)
        self.repo.git.mv(old, new)
        stamp = _stamp(when)
        return self.repo.index.commit(
            "move", author=BOB, committer=BOB, author_date=stamp, commit_date=stamp
        ).hexsha


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return Repo(tmp_path / "repo")


def reviewed(repo: Repo, example: str, when: str = "2026-10-02") -> tuple[str, str]:
    """Two commits: the model before its review, then the commit recording the review."""
    before = edit(example, "last_reviewed: 2026-10-02", "last_reviewed: 2026-07-01")
    repo.commit({MODEL: before}, "2026-07-01", BOB, "initial model")
    text = edit(example, "last_reviewed: 2026-10-02", f"last_reviewed: {when}")
    sha = repo.commit({MODEL: text}, when, ALICE, "quarterly review")
    return text, sha


def test_review_commit_is_the_commit_that_set_last_reviewed(repo: Repo, example: str) -> None:
    text, sha = reviewed(repo, example)
    # later commits that keep the value do not move the baseline
    repo.commit({MODEL: edit(text, "name: Customer Support Assistant", "name: CSA")}, "2026-10-20")
    facts = change_facts(repo.root, MODEL)
    assert facts.evaluated
    assert facts.changes == ()
    assert facts.review_commit is not None
    assert facts.review_commit.sha == sha
    assert facts.review_commit.author == "Alice Reviewer"
    assert facts.review_commit.date == "2026-10-02"
    assert facts.baseline == f"commit {sha[:10]}"


def test_version_change_is_attributed_to_its_commit(repo: Repo, example: str) -> None:
    text, _ = reviewed(repo, example)
    prose = edit(text, "name: nightly fine-tune job", "name: the nightly fine-tune job")
    repo.commit({MODEL: prose}, "2026-10-10", ALICE)
    changed = edit(prose, 'version: "2025-08-01"', 'version: "2025-12-01"')
    sha = repo.commit({MODEL: changed}, "2026-11-03", BOB, "new base model")
    repo.commit(
        {MODEL: edit(changed, "owner: ai-platform-team\n", "owner: ai-team\n")}, "2026-11-04"
    )
    facts = change_facts(repo.root, MODEL)
    assert [(c.asset, c.kind, c.old, c.new) for c in facts.changes] == [
        ("base-model", ChangeKind.VERSION_CHANGED, "2025-08-01", "2025-12-01")
    ]
    introduced = facts.changes[0].introduced
    assert introduced is not None
    assert (introduced.sha, introduced.author, introduced.date) == (
        sha,
        "Bob Builder",
        "2026-11-03",
    )


@pytest.mark.parametrize(
    ("old", "new"),
    [
        # reordering the actions of a tool
        (
            "actions: [read_order, cancel_order, change_address]",
            "actions: [change_address, read_order, cancel_order]",
        ),
        # prose of a trigger asset
        (
            "blast_radius: Cancel or redirect any order of the signed-in customer.",
            "blast_radius: Cancel or redirect any order of the customer who is signed in.",
        ),
        # quoting style of a version
        ('version: "3"', "version: '3'"),
        # a comment
        ("    permissions: write", "    permissions: write   # reviewed by security"),
        # a threat's prose and score: not a trigger field
        ("likelihood: 4                   # 1", "likelihood: 5                   # 1"),
    ],
    ids=["reorder-actions", "prose", "quotes", "comment", "threat-score"],
)
def test_edits_that_never_trigger(repo: Repo, example: str, old: str, new: str) -> None:
    text, _ = reviewed(repo, example)
    repo.commit({MODEL: edit(text, old, new)}, "2026-11-01")
    assert change_facts(repo.root, MODEL).changes == ()


def test_reformatting_the_whole_file_never_triggers(repo: Repo, example: str) -> None:
    text, _ = reviewed(repo, example)
    data = yaml.safe_load(text)
    data["assets"] = list(reversed(data["assets"]))  # reorder assets too
    reformatted = yaml.safe_dump(data, default_flow_style=True, sort_keys=True, width=60)
    repo.commit({MODEL: reformatted}, "2026-11-01")
    facts = change_facts(repo.root, MODEL)
    assert facts.evaluated
    assert facts.changes == ()


def test_each_trigger_field_is_detected(repo: Repo, example: str) -> None:
    text, _ = reviewed(repo, example)
    changed = edit(text, 'version: "3"', 'version: "4"')
    changed = edit(changed, "trained_on: [ft-dataset]", "trained_on: [ft-dataset, chats]")
    changed = edit(changed, "change_address]", "change_address, refund]")
    changed = edit(changed, "permissions: write", "permissions: admin")
    changed = edit(
        changed,
        "      - {id: ticket-notes, source: agent notes, writers: [all support agents], "
        "reviewed_before_publish: false}\n",
        "      - {id: forum, source: community forum, reviewed_before_publish: false}\n",
    )
    changed = edit(
        changed,
        "  - id: ft-pipeline\n    type: fine_tuning_pipeline\n    name: nightly fine-tune job\n"
        "    access_controlled: true\n",
        "",
    )
    changed = edit(
        changed,
        "  - id: serving-stack\n",
        "  - id: chats\n    type: dataset\n    version: '1'\n  - id: serving-stack\n",
    )
    repo.commit({MODEL: changed}, "2026-11-01", BOB)
    got = {
        (c.asset, c.kind, c.field, str(c.old), str(c.new))
        for c in change_facts(repo.root, MODEL).changes
    }
    assert got == {
        ("chats", ChangeKind.ADDED, "", "None", "1"),
        ("ft-pipeline", ChangeKind.REMOVED, "", "None", "None"),
        ("kb", ChangeKind.INGESTION_PATH_ADDED, "ingestion_paths", "None", "forum"),
        ("kb", ChangeKind.INGESTION_PATH_REMOVED, "ingestion_paths", "ticket-notes", "None"),
        ("order-tool", ChangeKind.ACTIONS_CHANGED, "actions",
         "['cancel_order', 'change_address', 'read_order']",
         "['cancel_order', 'change_address', 'read_order', 'refund']"),
        ("order-tool", ChangeKind.PERMISSIONS_CHANGED, "permissions", "write", "admin"),
        ("support-ft", ChangeKind.INPUTS_CHANGED, "trained_on", "['ft-dataset']",
         "['chats', 'ft-dataset']"),
        ("support-ft", ChangeKind.VERSION_CHANGED, "version", "3", "4"),
    }  # fmt: skip


def test_changes_before_the_latest_review_do_not_count(repo: Repo, example: str) -> None:
    text, _ = reviewed(repo, example)
    changed = edit(text, 'version: "3"', 'version: "4"')
    repo.commit({MODEL: changed}, "2026-10-10")
    sha = repo.commit(
        {MODEL: edit(changed, "last_reviewed: 2026-10-02", "last_reviewed: 2026-10-11")},
        "2026-10-11",
    )
    facts = change_facts(repo.root, MODEL)
    assert facts.changes == ()
    assert facts.review_commit is not None and facts.review_commit.sha == sha


def test_rename_is_followed(repo: Repo, example: str) -> None:
    text, sha = reviewed(repo, example)
    repo.move(MODEL, "models/assistant/support.yaml", "2026-10-05")
    new_path = "models/assistant/support.yaml"
    repo.commit({new_path: edit(text, 'version: "3"', 'version: "4"')}, "2026-10-06", BOB)
    facts = change_facts(repo.root, new_path)
    assert facts.review_commit is not None and facts.review_commit.sha == sha
    assert facts.path_history == (MODEL,)
    assert [(c.asset, c.kind) for c in facts.changes] == [
        ("support-ft", ChangeKind.VERSION_CHANGED)
    ]


def test_staged_rename_is_followed(repo: Repo, example: str) -> None:
    text, sha = reviewed(repo, example)
    repo.repo.git.mv(MODEL, "moved.yaml")
    facts = change_facts(repo.root, "moved.yaml")
    assert facts.review_commit is not None and facts.review_commit.sha == sha
    assert facts.changes == ()


def test_working_tree_change_is_compared_with_the_review_commit(repo: Repo, example: str) -> None:
    text, sha = reviewed(repo, example)
    repo.write(MODEL, edit(text, "permissions: write", "permissions: read"))
    facts = change_facts(repo.root, MODEL)
    assert facts.review_commit is not None and facts.review_commit.sha == sha
    assert len(facts.changes) == 1
    assert facts.changes[0].kind is ChangeKind.PERMISSIONS_CHANGED
    assert facts.changes[0].introduced is None  # only in the working tree


def test_current_data_from_the_loader_is_used(repo: Repo, example: str) -> None:
    text, _ = reviewed(repo, example)
    changed = edit(text, "permissions: write", "permissions: read")
    repo.write(MODEL, changed)
    current = parse_document(changed.encode(), MODEL).data  # dates stay strings
    facts = collect_change_facts(repo.root, [MODEL], {MODEL: current})[MODEL]
    assert [c.kind for c in facts.changes] == [ChangeKind.PERMISSIONS_CHANGED]


def test_review_recorded_in_the_working_tree_is_the_baseline(repo: Repo, example: str) -> None:
    text, _ = reviewed(repo, example)
    changed = edit(text, 'version: "3"', 'version: "4"')
    repo.commit({MODEL: changed}, "2026-11-01")
    repo.write(MODEL, edit(changed, "last_reviewed: 2026-10-02", "last_reviewed: 2026-11-02"))
    facts = change_facts(repo.root, MODEL)
    assert facts.evaluated
    assert facts.changes == ()
    assert facts.review_commit is None
    assert facts.baseline == "the working tree"


def test_uncommitted_file_has_no_changes(repo: Repo, example: str) -> None:
    repo.commit({"README.yaml": "x: 1\n"}, "2026-01-01")
    repo.write("new.yaml", example)
    facts = change_facts(repo.root, "new.yaml")
    assert facts.evaluated and facts.changes == ()
    assert facts.baseline == "the working tree"


def test_repository_without_commits(repo: Repo, example: str) -> None:
    repo.write(MODEL, example)
    facts = change_facts(repo.root, MODEL)
    assert facts.evaluated and facts.changes == ()


def test_flow_style_review_record(repo: Repo, example: str) -> None:
    start = example.index("\nreview:\n") + 1
    end = example.index("\n# Scoping")
    flow = (
        example[:start]
        + "review: {cadence: quarterly, last_reviewed: '2026-10-02', atlas_version: 5.6.1}\n"
        + example[end:]
    )
    older = edit(flow, "'2026-10-02'", "'2026-07-01'")
    repo.commit({MODEL: older}, "2026-07-01")
    sha = repo.commit({MODEL: flow}, "2026-10-02")
    repo.commit({MODEL: edit(flow, "permissions: write", "permissions: read")}, "2026-10-03")
    facts = change_facts(repo.root, MODEL)
    assert facts.review_commit is not None and facts.review_commit.sha == sha
    assert [c.kind for c in facts.changes] == [ChangeKind.PERMISSIONS_CHANGED]


def test_no_last_reviewed_means_no_baseline(repo: Repo, example: str) -> None:
    text = edit(example, "  last_reviewed: 2026-10-02\n", "")
    repo.commit({MODEL: text}, "2026-07-01")
    facts = change_facts(repo.root, MODEL)
    assert facts.evaluated and facts.changes == () and facts.review_commit is None


def test_not_a_repository_is_unknown(tmp_path: Path, example: str) -> None:
    (tmp_path / "m.yaml").write_text(example, encoding="utf-8")
    facts = change_facts(tmp_path, "m.yaml")
    assert not facts.evaluated
    assert facts.unknown == NO_REPO_FIX


def test_shallow_clone_is_unknown(repo: Repo, example: str, tmp_path: Path) -> None:
    text, _ = reviewed(repo, example)
    repo.commit({MODEL: edit(text, 'version: "3"', 'version: "4"')}, "2026-11-01")
    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{repo.root}", str(clone)], check=True
    )
    facts = change_facts(clone, MODEL)
    assert not facts.evaluated
    assert facts.unknown == SHALLOW_FIX
    assert "fetch-depth: 0" in facts.unknown


def test_unparseable_review_version_stops_the_walk(repo: Repo, example: str) -> None:
    repo.commit({MODEL: "review: [unclosed\n"}, "2026-06-01")
    text, sha = reviewed(repo, example)
    facts = change_facts(repo.root, MODEL)
    assert facts.review_commit is not None and facts.review_commit.sha == sha


# --- pull-request mode -----------------------------------------------------------------


def test_model_at_a_ref_and_missing(repo: Repo, example: str) -> None:
    text, sha = reviewed(repo, example)
    repo.commit({MODEL: edit(text, 'version: "3"', 'version: "4"')}, "2026-11-01")
    old = model_at(repo.root, sha, MODEL)
    new = model_at(repo.root, "HEAD", MODEL)
    assert old is not None and new is not None
    assert old["review"]["last_reviewed"] == "2026-10-02"  # JSON types, as the loader gives
    assert old["assets"][1]["version"] == "3"
    assert new["assets"][1]["version"] == "4"
    assert model_at(repo.root, "HEAD", "models/other.yaml") is None
    assert [c.kind for c in diff_models(old, new)] == [ChangeKind.VERSION_CHANGED]


def test_model_at_follows_a_rename(repo: Repo, example: str) -> None:
    _, sha = reviewed(repo, example)
    repo.move(MODEL, "renamed.yaml", "2026-10-05")
    old = model_at(repo.root, sha, "renamed.yaml")
    assert old is not None and old["metadata"]["id"] == "support-assistant"


def test_model_at_unknown_ref_is_a_git_error(repo: Repo, example: str) -> None:
    reviewed(repo, example)
    with pytest.raises(GitError, match="unknown git ref 'no-such-branch'"):
        model_at(repo.root, "no-such-branch", MODEL)


def test_model_at_invalid_yaml_is_a_git_error(repo: Repo) -> None:
    repo.commit({MODEL: "a: [unclosed\n"}, "2026-01-01")
    with pytest.raises(GitError, match="at HEAD is not valid YAML"):
        model_at(repo.root, "HEAD", MODEL)


def test_model_at_outside_a_repository_is_a_git_error(tmp_path: Path) -> None:
    with pytest.raises(GitError, match="not in a git repository"):
        model_at(tmp_path, "HEAD", "m.yaml")


def test_tree_changes_follow_renames_and_list_deletions(repo: Repo, example: str) -> None:
    _, base = reviewed(repo, example)
    repo.commit({"models/gone.yaml": "a: 1\n", "policies/p.rego": "package p\n"}, "2026-10-03")
    repo.repo.git.branch("base", "HEAD")
    repo.move(MODEL, "models/renamed.yaml", "2026-10-04")
    repo.repo.git.rm("-q", "models/gone.yaml")
    repo.commit({"policies/p.rego": "package p\n\nx := 1\n"}, "2026-10-05")
    assert tree_changes(repo.root, "base", "HEAD") == [
        TreeChange("D", "models/gone.yaml", None),
        TreeChange("R", MODEL, "models/renamed.yaml"),
        TreeChange("M", "policies/p.rego", "policies/p.rego"),
    ]
    repo.write("new.yaml", "b: 2\n")  # untracked: added, in the working tree only
    (repo.root / "policies" / "p.rego").unlink()  # deleted without `git rm`
    assert tree_changes(repo.root, "base") == [
        TreeChange("D", "models/gone.yaml", None),
        TreeChange("R", MODEL, "models/renamed.yaml"),
        TreeChange("A", None, "new.yaml"),
        TreeChange("D", "policies/p.rego", None),
    ]
    # from a subfolder root: paths relative to it, the rest left out
    assert tree_changes(repo.root / "models", "base", "HEAD") == [
        TreeChange("D", "gone.yaml", None),
        TreeChange("R", "support.yaml", "renamed.yaml"),
    ]
    with pytest.raises(GitError, match="unknown git ref 'nope'"):
        tree_changes(repo.root, "nope")


def test_no_merge_base_in_a_shallow_clone_says_how_to_fetch(
    repo: Repo, example: str, tmp_path: Path
) -> None:
    # CI's shallow checkout of the pull request, then `git fetch --depth 1 origin main`:
    # both refs resolve, but the history joining them is not there
    _, base = reviewed(repo, example)
    repo.repo.git.branch("main", base)
    repo.repo.git.checkout("-q", "-b", "pr")
    repo.commit({"models/x.yaml": "a: 1\n"}, "2026-10-03")
    repo.repo.git.checkout("-q", "main")
    repo.commit({"notes.md": "base moved on\n"}, "2026-10-04")
    clone = tmp_path / "shallow"
    url = f"file://{repo.root}"
    subprocess.run(["git", "clone", "-q", "--depth", "1", "-b", "pr", url, str(clone)], check=True)
    fetch = ["fetch", "-q", "--depth", "1", "origin", "main:refs/remotes/origin/main"]
    subprocess.run(["git", "-C", str(clone), *fetch], check=True)
    with pytest.raises(GitError) as caught:
        tree_changes(clone, "origin/main")
    message = str(caught.value)
    assert "the clone is shallow" in message and "fetch-depth: 0" in message
    assert "exit status" not in message


def _commits(root: Path, *args: str) -> str:
    env = {
        "GIT_AUTHOR_NAME": "A",
        "GIT_AUTHOR_EMAIL": "a@example.com",
        "GIT_COMMITTER_NAME": "A",
        "GIT_COMMITTER_EMAIL": "a@example.com",
        "GIT_AUTHOR_DATE": "2026-10-01T10:00:00+00:00",
        "GIT_COMMITTER_DATE": "2026-10-01T10:00:00+00:00",
        "HOME": str(root),
        "PATH": "/usr/bin:/bin:/usr/local/bin",
    }
    proc = subprocess.run(["git", *args], cwd=root, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_merge_base_refuses_a_shallow_cut_that_could_hide_it(tmp_path: Path) -> None:
    """main: A-B-C; a side branch X from B; the pull request: A-P1, then P2 merges X. The
    merge base of C and P2 is B; with X's parents cut (a shallow clone's `.git/shallow`)
    git would answer A, and the delta would count main's B as the pull request's."""
    root = tmp_path / "r"
    root.mkdir()
    _commits(root, "init", "-q", "-b", "main")
    sha = {}
    for name in ("A", "B", "C"):
        (root / "f.yaml").write_text(f"v: {name}\n", encoding="utf-8")
        _commits(root, "add", "f.yaml")
        _commits(root, "commit", "-q", "-m", name)
        sha[name] = _commits(root, "rev-parse", "HEAD")
    _commits(root, "checkout", "-q", "-b", "side", sha["B"])
    (root / "x.yaml").write_text("x: 1\n", encoding="utf-8")
    _commits(root, "add", "x.yaml")
    _commits(root, "commit", "-q", "-m", "X")
    sha["X"] = _commits(root, "rev-parse", "HEAD")
    _commits(root, "checkout", "-q", "-b", "feature", sha["A"])
    (root / "p.yaml").write_text("p: 1\n", encoding="utf-8")
    _commits(root, "add", "p.yaml")
    _commits(root, "commit", "-q", "-m", "P1")
    _commits(root, "merge", "-q", "--no-ff", "-m", "P2", "side")
    assert merge_base(root, "main") == (sha["C"], sha["B"])
    assert merge_base(root, "main", "side") == (sha["C"], sha["B"])
    (root / ".git" / "shallow").write_text(sha["X"] + "\n", encoding="ascii")
    assert _commits(root, "merge-base", "main", "HEAD") == sha["A"]  # git is misled
    with pytest.raises(GitError, match="may lie beyond this shallow clone's history"):
        merge_base(root, "main")
    # a cut below the merge base hides nothing
    (root / ".git" / "shallow").write_text(sha["A"] + "\n", encoding="ascii")
    _commits(root, "checkout", "-q", "side")
    assert merge_base(root, "main") == (sha["C"], sha["B"])
    _commits(root, "checkout", "-q", "--orphan", "alone")
    _commits(root, "commit", "-q", "-m", "alone")
    with pytest.raises(GitError, match="HEAD in .*: the clone is shallow"):
        merge_base(root, "main")
    (root / ".git" / "shallow").unlink()
    with pytest.raises(GitError, match="'main' and HEAD in .*: they share no history"):
        merge_base(root, "main")
    with pytest.raises(GitError, match="unknown git ref 'nope'"):
        merge_base(root, "nope")


def test_file_at_and_tree_files(repo: Repo, example: str) -> None:
    repo.commit(
        {".policyengine.yaml": "fail_on: high\n", "p/a.rego": "x", "p/q/b.rego": "y"}, "2026-10-01"
    )
    repo.write(".policyengine.yaml", "fail_on: critical\n")
    assert file_at(repo.root, "HEAD", ".policyengine.yaml") == "fail_on: high\n"
    assert file_at(repo.root, "HEAD", "missing.yaml") is None
    assert file_at(repo.root, "HEAD", "p") is None  # a folder is not a file
    assert tree_files(repo.root, "HEAD", ["p", "nothing"]) == ["p/a.rego", "p/q/b.rego"]
    assert tree_files(repo.root / "p", "HEAD", ["q"]) == ["q/b.rego"]
    assert tree_files(repo.root, "HEAD", []) == []


def test_export_writes_the_named_files_as_they_are_at_the_ref(repo: Repo) -> None:
    """The named plain files come from their blobs (an executable stays one), a symlink
    as git archive writes it; a name that is no file at the ref (missing, a folder, a
    pattern, `..`, absolute) is not written and is no error."""
    repo.commit(
        {"docs/a.md": "at the base\n", "docs/run.sh": "echo\n", "docs/x y.md": "s\n"}, "2026-10-01"
    )
    (repo.root / "docs/run.sh").chmod(0o755)
    (repo.root / "docs/link.md").symlink_to("a.md")
    repo.repo.index.add(["docs/run.sh", "docs/link.md"])
    repo.repo.index.commit("modes")
    repo.write("docs/a.md", "in the working tree\n")
    names = ["docs/a.md", "docs/run.sh", "docs/x y.md", "docs/link.md", "docs/none.md"]
    names += ["docs", "docs/*.md", "../outside.md", "/etc/hostname", "docs//a.md", "./docs/a.md"]
    out = export_tree(repo.root, "HEAD", repo.root.parent / "out", names)
    found = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if not p.is_dir())
    assert found == ["docs/a.md", "docs/link.md", "docs/run.sh", "docs/x y.md"]
    assert (out / "docs/a.md").read_text() == "at the base\n"
    assert (out / "docs/run.sh").stat().st_mode & 0o111
    assert (out / "docs/link.md").is_symlink()
    assert (out / "docs/link.md").read_text() == "at the base\n"
    with RefReader(repo.root) as reader:
        assert reader.commit("HEAD") == repo.repo.head.commit.hexsha
        assert reader.commit("HEAD") == reader.commit("HEAD~0")
        with pytest.raises(GitError, match="unknown git ref 'no-such-ref'"):
            reader.commit("no-such-ref")
        assert reader.blob_at("HEAD", "docs") is None  # a folder
        assert reader.file_at("HEAD", "docs/x y.md") == "s\n"


# --- the diff itself --------------------------------------------------------------------


def test_diff_models_treats_a_type_change_as_remove_and_add() -> None:
    old = {"assets": [{"id": "m", "type": "base_model", "version": 1}]}
    new = {"assets": [{"id": "m", "type": "fine_tuned_model", "version": "1"}]}
    assert diff_models(old, new) == [
        Change("m", "base_model", ChangeKind.REMOVED, "1", None),
        Change("m", "fine_tuned_model", ChangeKind.ADDED, None, "1"),
    ]


def test_diff_models_ignores_number_quoting_and_prose_of_other_assets() -> None:
    api = {"id": "a", "type": "inference_api", "description": "old words", "endpoint": "/v1"}
    old = {"assets": [api, {"id": "m", "type": "base_model", "version": 3}]}
    reworded = {**api, "description": "new words", "endpoint": "/v2"}
    new = {"assets": [reworded, {"id": "m", "type": "base_model", "version": "3"}]}
    assert diff_models(old, new) == []
    assert diff_models(None, new) == [
        Change("a", "inference_api", ChangeKind.ADDED, None, None),
        Change("m", "base_model", ChangeKind.ADDED, None, "3"),
    ]


@pytest.mark.parametrize(
    "atype", ["third_party_service", "vector_store", "inference_api", "ml_library"]
)
def test_an_asset_of_any_type_added_or_removed_is_a_trigger(atype: str) -> None:
    """Outside tester X14: a translation SaaS that receives every chat message, or a vector
    store shared with another system, added to a surface, was no trigger."""
    base = {"assets": [{"id": "m", "type": "base_model", "version": "1"}]}
    added = {"assets": [*base["assets"], {"id": "svc", "type": atype, "supplier": "third_party"}]}
    assert diff_models(base, added) == [Change("svc", atype, ChangeKind.ADDED, None, None)]
    assert diff_models(added, base) == [Change("svc", atype, ChangeKind.REMOVED, None, None)]
    assert diff_models(added, base)[0].describe() == f"{atype.replace('_', ' ')} svc was removed"


_SYSTEM = {
    "description": "Answers customers.",
    "intended_purpose": "Answer order questions.",
    "users": ["customers"],
    "human_oversight": "Agents review every cancellation above 500 EUR.",
}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("human_oversight", "Agents can read transcripts when a customer complains."),
        ("intended_purpose", "Answer order questions and issue refunds."),
        ("users", ["customers", "partners"]),
        ("deployment_context", "Public web chat in the EU."),
        ("out_of_scope_uses", ["legal advice"]),
        ("ai_tasks", ["generation"]),
    ],
)
def test_the_systems_purpose_users_and_oversight_are_triggers(name: str, value: Any) -> None:
    """Outside tester X21: `human_oversight` weakened was no trigger, while the same
    safeguard on an agent tool (`human_approval`) was."""
    old = {"system": _SYSTEM}
    [change] = diff_models(old, {"system": {**_SYSTEM, name: value}})
    assert (change.asset, change.kind, change.field) == ("system", ChangeKind.FIELD_CHANGED, name)
    assert change.describe().startswith(f"system: {name} changed from ")


def test_the_systems_description_and_rewording_in_form_only_are_no_trigger() -> None:
    same = {
        **_SYSTEM,
        "description": "Something else entirely.",
        "human_oversight": "agents REVIEW every cancellation above 500 eur",
        "risk_tolerance": "high",  # PR-RISK-001 in a pull request
    }
    assert diff_models({"system": _SYSTEM}, {"system": same}) == []


def test_change_describe() -> None:
    c = Change(
        "kb", "retrieval_corpus", ChangeKind.INGESTION_PATH_ADDED, None, "forum", "ingestion_paths"
    )
    assert c.describe() == "retrieval corpus kb: ingestion path forum was added"
    c = Change("t", "agent_tool", ChangeKind.ACTIONS_CHANGED, ["a"], ["a", "b"], "actions")
    assert c.describe() == "agent tool t: actions changed from [a] to [a, b]"


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_reordering_never_changes_the_diff(example: str, data: st.DataObject) -> None:
    old = parse_document(example.encode(), "m.yaml").data
    new = copy.deepcopy(old)
    new["assets"] = data.draw(st.permutations(new["assets"]))
    for asset in new["assets"]:
        for key in ("actions", "trained_on", "ingestion_paths"):
            if isinstance(asset.get(key), list):
                asset[key] = data.draw(st.permutations(asset[key]))
    assert diff_models(old, new) == []
    assert diff_models(new, old) == []


def test_one_history_per_model_gives_the_facts_of_the_whole_history(
    repo: Repo, example: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A few models are read with `git log --follow` each, many with one log of every YAML
    # file (gitfacts._FOLLOW_MAX). Both must agree on renames (one a folder move, one staged
    # and not committed), edits before and after reviews, a deleted and re-added path, a
    # file not committed at all and a file name that is also a pattern.
    from policyengine import gitfacts

    text, _ = reviewed(repo, example)
    other = edit(text, "id: support-assistant", "id: other-assistant")
    repo.commit({"models/other.yaml": other, "models/gone.yaml": other}, "2026-10-03", BOB)
    repo.move(MODEL, "models/assistant/support.yaml", "2026-10-05")
    moved = "models/assistant/support.yaml"
    repo.commit({moved: edit(text, 'version: "3"', 'version: "4"')}, "2026-10-06", BOB)
    repo.commit(
        {"models/other.yaml": edit(other, "permissions: write", "permissions: read")},
        "2026-10-07",
    )
    repo.repo.index.remove(["models/gone.yaml"], working_tree=True)
    repo.commit({}, "2026-10-08", BOB, "remove")
    repo.commit(
        {"models/gone.yaml": edit(other, "last_reviewed: 2026-10-02", "last_reviewed: 2026-10-09")},
        "2026-10-09",
    )
    # A name that is also a pattern: `[ab].yaml` would match `a.yaml`, edited afterwards.
    repo.commit({"models/[ab].yaml": other, "models/a.yaml": other}, "2026-10-10")
    repo.commit(
        {"models/a.yaml": edit(other, "permissions: write", "permissions: read")}, "2026-10-11"
    )
    repo.repo.git.mv("models/other.yaml", "models/renamed-other.yaml")
    repo.write("models/new.yaml", example)
    paths = [
        moved,
        "models/renamed-other.yaml",
        "models/gone.yaml",
        "models/new.yaml",
        "models/[ab].yaml",
    ]

    monkeypatch.setattr(gitfacts, "_FOLLOW_MAX", 0)
    whole = collect_change_facts(repo.root, paths)
    monkeypatch.setattr(gitfacts, "_FOLLOW_MAX", len(paths))
    each = collect_change_facts(repo.root, paths)
    assert each == whole
    with reading_ahead(repo.root, paths):  # the staged rename's history is not the one read
        ahead = collect_change_facts(repo.root, paths)
    assert ahead == whole
    assert [c.kind for c in whole[moved].changes] == [ChangeKind.VERSION_CHANGED]
    assert whole[moved].path_history == (MODEL,)
    assert [c.kind for c in whole["models/renamed-other.yaml"].changes] == [
        ChangeKind.PERMISSIONS_CHANGED
    ]
    assert whole["models/gone.yaml"].review_commit is not None
    assert whole["models/new.yaml"].baseline == "the working tree"

    # The evidence pack's review history: one pass for many models, the same answers.
    monkeypatch.setattr(gitfacts, "_FOLLOW_MAX", 0)
    together = gitfacts.review_histories(repo.root, paths)
    monkeypatch.setattr(gitfacts, "_FOLLOW_MAX", len(paths))
    assert together == {p: gitfacts.review_history(repo.root, p) for p in paths}
    moved_history, note = together[moved]
    assert note == ""
    assert [c.path for c in moved_history] == [MODEL, MODEL]  # reviewed, then added
    assert together["models/new.yaml"] == ([], "models/new.yaml is not committed")
    # Deleted and added again: its history starts at the new file.
    assert [c.changed for c in together["models/gone.yaml"][0]] == [("review added",)]
    assert whole["models/[ab].yaml"].changes == ()


def test_a_history_read_ahead_is_the_history_and_one_not_asked_for_ends(
    repo: Repo, example: str
) -> None:
    from policyengine import gitfacts

    text, _ = reviewed(repo, example)
    repo.commit({MODEL: edit(text, 'version: "3"', 'version: "4"')}, "2026-10-06", BOB)
    plain = collect_change_facts(repo.root, [MODEL])
    state = work_tree_state(repo.root)
    (repo.root / "untracked.txt").write_text("x\n", encoding="utf-8")
    dirty = work_tree_state(repo.root)
    assert dirty == (state[0], True) and state[1] is False
    with reading_ahead(repo.root, [MODEL, "models/never-asked.yaml"]):
        started = dict(gitfacts._AHEAD)
        ahead = collect_change_facts(repo.root, [MODEL])
        # Taken: the state of the repository and the history of the model asked about.
        assert sorted(args[0] for _, args in gitfacts._AHEAD) == ["log", "status"]
        # HEAD, asked again by the provenance, is answered from what git said then.
        assert work_tree_state(repo.root) == dirty
        assert [args[0] for _, args in gitfacts._AHEAD] == ["log"]
        assert work_tree_state(repo.root) == dirty
    assert len(started) == 6
    assert not gitfacts._ANSWERED
    assert ahead == plain
    assert [c.kind for c in ahead[MODEL].changes] == [ChangeKind.VERSION_CHANGED]
    assert not gitfacts._AHEAD
    assert all(p.returncode is not None for p in started.values())


def test_a_folder_in_no_repository_is_asked_again_once_a_repository_appears(
    tmp_path: Path,
) -> None:
    """Being in no repository is remembered (a pull-request check asks twice about the
    base it exported), until a `.git` appears at or above the folder."""
    inner = tmp_path / "outer" / "inner"
    inner.mkdir(parents=True)
    assert work_tree_state(inner) == (None, None)
    assert work_tree_state(inner) == (None, None)
    (inner / "model.yaml").write_text("a: 1\n", encoding="utf-8")
    git.Repo.init(tmp_path / "outer")
    assert work_tree_state(inner) == (None, True)  # no commit yet, a file not tracked


def test_tree_files_of_files_only_is_what_ls_tree_lists(repo: Repo) -> None:
    """A file or nothing is answered by the batch process, a folder or a submodule by
    `git ls-tree`: the same names either way."""
    repo.commit({"cat.json": "{}\n", "p/a.rego": "x"}, "2026-10-01")
    (repo.root / "link.json").symlink_to("cat.json")
    sha = repo.repo.head.commit.hexsha
    repo.repo.git.update_index("--add", "--cacheinfo", f"160000,{sha},sub")  # a submodule
    ghost = "1" * 40  # a submodule whose commit this repository does not have
    repo.repo.git.update_index("--add", "--cacheinfo", f"160000,{ghost},ghost")
    repo.repo.git.add("link.json")
    repo.repo.git.commit("-q", "-m", "submodule and link")

    def listed(names: list[str]) -> list[str]:
        out = repo.repo.git.ls_tree("-r", "-z", "--name-only", "HEAD", "--", *names)
        return sorted({n for n in out.split("\x00") if n})

    for names in (
        ["cat.json"],
        ["nothing.json"],
        ["cat.json", "nothing.json", "link.json", "cat.json"],
        ["p"],
        ["sub"],
        ["cat.json", "p"],
        ["p/a.rego", "sub", "missing/x"],
        ["ghost"],
        ["cat.json", "ghost"],
    ):
        assert tree_files(repo.root, "HEAD", names) == listed(names), names
    assert tree_files(repo.root, "HEAD", ["cat.json", "nothing.json"]) == ["cat.json"]
    assert tree_files(repo.root, "HEAD", ["sub"]) == ["sub"]
    assert tree_files(repo.root, "HEAD", ["ghost"]) == ["ghost"]


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "https://x-access-token:ghs_abc@github.com/org/repo.git",
            "https://github.com/org/repo.git",
        ),
        ("http://user@host.example/r?token=1#frag", "http://host.example/r"),
        ("ssh://git@github.com:2222/org/repo.git", "ssh://github.com:2222/org/repo.git"),
        ("git@github.com:org/repo.git", "ssh://github.com/org/repo.git"),
        ("gitlab.example.com:group/repo", "ssh://gitlab.example.com/group/repo"),
        ("https://[::1]:8080/r", "https://[::1]:8080/r"),
        ("/srv/git/repo.git", None),
        ("../repo", None),
        ("file:///srv/git/repo.git", None),
        ("C:\\src\\repo", None),
    ],
)
def test_public_remote_drops_credentials_and_local_paths(url: str, shown: str | None) -> None:
    assert public_remote(url) == shown
