"""The change rule's cache of parsed versions (`policyengine.cache`): exact, read back in
later runs, and never trusted from inside the repository, from a folder others can write
to, or when an entry is not exactly a view of the blob it is named after.

Each test builds a real repository whose last commit changes the base model's version
after the review, so the exact facts are known: one VERSION_CHANGED change. A forged
entry for the model's current blob (the same review date, no assets) would turn that
into a removal of every trigger asset: where the cache must not be used, the facts stay
exact.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

import git
import pytest

from policyengine.cache import ViewCache, cache_dir
from policyengine.gitfacts import ChangeFacts, ChangeKind, collect_change_facts
from policyengine.modeldiff import read_version

MODEL = "models/support.yaml"


def _commit(repo: git.Repo, root: Path, text: str, message: str) -> None:
    (root / MODEL).write_text(text, encoding="utf-8")
    repo.index.add([MODEL])
    repo.index.commit(message)


@pytest.fixture
def root(tmp_path: Path, design_example: Path) -> Path:
    """A repository: the model before its review, reviewed, then a new base model."""
    root = tmp_path / "repo"
    (root / "models").mkdir(parents=True)
    repo = git.Repo.init(root)
    with repo.config_writer() as cw:
        cw.set_value("user", "name", "Test")
        cw.set_value("user", "email", "test@example.com")
    text = design_example.read_text(encoding="utf-8")
    _commit(repo, root, text.replace("2026-10-02", "2026-07-01", 1), "before")
    _commit(repo, root, text, "review")
    changed = text.replace('version: "2025-08-01"', 'version: "2025-12-01"')
    assert changed != text
    _commit(repo, root, changed, "new base model")
    repo.close()
    return root


def _facts(root: Path, cache: Path | None) -> ChangeFacts:
    return collect_change_facts(root, [MODEL], cache=cache)[MODEL]


def _exact(root: Path, monkeypatch: pytest.MonkeyPatch) -> ChangeFacts:
    """The facts with no disk cache at all."""
    monkeypatch.setenv("POLICYENGINE_CACHE_DIR", "")
    assert cache_dir() is None
    facts = _facts(root, None)
    monkeypatch.undo()
    assert [c.kind for c in facts.changes] == [ChangeKind.VERSION_CHANGED]
    return facts


def _blob(root: Path) -> str:
    return subprocess.run(
        ["git", "hash-object", MODEL], cwd=root, capture_output=True, text=True, check=True
    ).stdout.strip()


def _views(folder: Path) -> Path:
    """The folder of the entries written for this code (there is one)."""
    [views] = (folder / "views").iterdir()
    return views


def _forge(views: Path, root: Path, entry: bytes | None = None) -> None:
    """A pack with an entry for the model's current blob (by default the same review
    date and no assets) after the packs there, so that it wins."""
    blob = _blob(root)
    current = read_version((root / MODEL).read_bytes())
    if entry is None:
        forged = {
            "blob": blob,
            "last_reviewed": current.last_reviewed,
            "model": {**current.model, "assets": []},
        }
        entry = json.dumps(forged, separators=(",", ":")).encode()
    (views / "~forged.pack").write_bytes(b"junk\n" + entry + b"\n")


def _entries(views: Path) -> list[bytes]:
    return [line for pack in views.glob("*.pack") for line in pack.read_bytes().splitlines()]


def test_a_warm_cache_gives_the_facts_parsing_gives(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    exact = _exact(root, monkeypatch)
    folder = tmp_path / "cache"
    assert _facts(root, folder) == exact  # cold: every version parsed, then written
    [pack] = _views(folder).iterdir()
    # The working tree's version and the two versions walked (the third is never read).
    assert len(_entries(_views(folder))) == 3
    assert stat.S_IMODE(pack.stat().st_mode) == 0o600
    assert _facts(root, folder) == exact  # warm: nothing parsed, nothing written
    assert list(_views(folder).iterdir()) == [pack]


def test_entries_are_read_back(root: Path, tmp_path: Path) -> None:
    # The cache is trusted where it is allowed: a forged entry in a private folder outside
    # the repository is used, which is why it is allowed nowhere else.
    folder = tmp_path / "cache"
    _facts(root, folder)
    _forge(_views(folder), root)
    facts = _facts(root, folder)
    assert facts.changes and {c.kind for c in facts.changes} == {ChangeKind.REMOVED}


def test_a_cache_inside_the_repository_is_never_used(
    root: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    exact = _exact(root, monkeypatch)
    folder = root / ".cache" / "policyengine"
    digest_folder = _views(_written_elsewhere(root))
    views = folder / "views" / digest_folder.name
    views.mkdir(parents=True, mode=0o700)
    _forge(views, root)  # as a pull request could commit it
    assert _facts(root, folder) == exact
    assert "inside the repository" in caplog.text
    assert [p.name for p in views.iterdir()] == ["~forged.pack"]  # nothing written


def _written_elsewhere(root: Path) -> Path:
    folder = root.parent / "elsewhere"
    _facts(root, folder)
    return folder


@pytest.mark.parametrize("mode", [0o777, 0o770, 0o702])
def test_a_cache_others_can_write_to_is_never_used(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: int
) -> None:
    exact = _exact(root, monkeypatch)
    folder = tmp_path / "cache"
    _facts(root, folder)
    views = _views(folder)
    _forge(views, root)
    views.chmod(mode)
    assert _facts(root, folder) == exact
    assert not ViewCache(root, folder).on_disk


@pytest.mark.parametrize(
    "entry",
    [
        b"",
        b"{",
        b"[]",
        b"null",
        b"\xff\xfe",
        b'{"blob":"%(blob)s",' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        b'{"blob":"%(blob)s","blob":"%(other)s","last_reviewed":"2026-10-02","model":{"assets":[]}}',
        b'{"blob":"%(blob)s","last_reviewed":20261002,"model":{"assets":[]}}',
        b'{"blob":"%(blob)s","last_reviewed":"2026-10-02","model":[],"x":1}',
        b'{"blob":"%(blob)s","last_reviewed":"2026-10-02","model":{"assets":[],"x":1}}',
        b'{"blob":"%(blob)s","last_reviewed":"2026-10-02","model":{"assets":[]}}',
        b'{"blob":"%(blob)s","last_reviewed":"2026-10-02",'
        b'"model":{"assets":[],"surfaces":[],"review":{"x":1}}}',
        b'{"blob":"%(blob)s","last_reviewed":"2026-10-02"}',
        b'{"blob":"%(blob)s","last_reviewed":"2026-10-02","model":{"assets":[]}',
    ],
    ids=[
        "empty",
        "truncated",
        "list",
        "null",
        "not-utf8",
        "deep",
        "other-blob",
        "date-as-int",
        "extra-key",
        "extra-model-key",
        "old-format",
        "extra-review-key",
        "no-model",
        "truncated-entry",
    ],
)
def test_an_entry_that_is_not_exactly_a_view_is_ignored(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, entry: bytes
) -> None:
    exact = _exact(root, monkeypatch)
    folder = tmp_path / "cache"
    _facts(root, folder)
    blob = _blob(root)
    other = "0" * 40
    _forge(
        _views(folder),
        root,
        entry.replace(b"%(blob)s", blob.encode()).replace(b"%(other)s", other.encode()),
    )
    assert _facts(root, folder) == exact


def test_no_cache_folder_writes_nothing(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POLICYENGINE_CACHE_DIR", "")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert not ViewCache(root).on_disk
    _facts(root, None)
    assert not (tmp_path / "home").exists()
    assert os.listdir(tmp_path) == ["repo"]


def test_many_packs_are_merged_into_one(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "cache"
    _facts(root, folder)
    views = _views(folder)
    kept = set(_entries(views))
    for n in range(8):
        (views / f"extra-{n}.pack").write_bytes(b"not an entry\n")
    # An edit in the working tree: one new version, so this run writes, and merges.
    text = (root / MODEL).read_text(encoding="utf-8")
    (root / MODEL).write_text(text.replace("quarterly", "monthly", 1), encoding="utf-8")
    exact = _exact(root, monkeypatch)
    assert _facts(root, folder) == exact
    [pack] = views.iterdir()
    merged = _entries(views)
    assert kept < set(merged) and len(merged) == len(kept) + 1
    assert _facts(root, folder) == exact


def test_installed_version_is_what_importlib_metadata_says() -> None:
    from importlib.metadata import version

    from policyengine.cache import installed_version

    for name in ("wasmtime", "PyYAML", "jsonschema-rs", "regopy"):
        assert installed_version(name) == version(name)
    assert installed_version("no-such-distribution-anywhere") is None
