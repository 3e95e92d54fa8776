"""atomic.write_whole: a file is replaced whole or left as it was, with no temporary left."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from policyengine.atomic import Batch, write_whole


def _listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize(
    ("content", "expected"),
    [("é\r\n", "é\r\n".encode()), (b"\x00\xff", b"\x00\xff"), (iter(["a", "b\n"]), b"ab\n")],
    ids=["text", "bytes", "pieces"],
)
def test_writes_text_bytes_and_pieces_exactly(
    tmp_path: Path, content: str | bytes | Iterator[str], expected: bytes
) -> None:
    target = tmp_path / "new" / "folder" / "out"
    write_whole(target, content)
    assert target.read_bytes() == expected  # no newline translation
    assert _listing(target.parent) == ["out"]


def test_a_failure_midway_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("old\n", encoding="utf-8")

    def pieces() -> Iterator[str]:
        yield "new, half"
        raise RuntimeError("the formatter failed")

    with pytest.raises(RuntimeError, match="formatter failed"):
        write_whole(target, pieces())
    assert target.read_text(encoding="utf-8") == "old\n"
    assert _listing(tmp_path) == ["report.json"]


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002], ids=["022", "077", "002"])
def test_a_new_file_follows_the_umask(tmp_path: Path, umask: int) -> None:
    """Issue 13: reports came out 0600 whatever the umask (tempfile.mkstemp's mode)."""
    old = os.umask(umask)
    try:
        write_whole(tmp_path / "report.txt", "x\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "report.txt").stat().st_mode) == 0o666 & ~umask


def test_a_replaced_file_keeps_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "report.txt"
    target.write_text("old\n", encoding="utf-8")
    target.chmod(0o640)
    write_whole(target, b"new\n")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert target.read_bytes() == b"new\n"


def test_a_batch_that_fails_replaces_nothing_and_leaves_no_folder(tmp_path: Path) -> None:
    """tester-c C5: the reports of one run are written all or none."""
    old = tmp_path / "report.json"
    old.write_text("old\n", encoding="utf-8")
    (tmp_path / "README.md").write_text("readme\n", encoding="utf-8")
    with (
        pytest.raises(NotADirectoryError, match=r"README\.md is not a folder"),
        Batch() as batch,
    ):
        batch.add(old, "new\n")
        batch.add(tmp_path / "new" / "deep" / "x.csv", "new\n")
        batch.add(tmp_path / "README.md" / "x.sarif", "new\n")
        batch.commit()
    assert old.read_text(encoding="utf-8") == "old\n"
    assert _listing(tmp_path) == ["README.md", "report.json"]


def test_a_batch_replaces_every_file_on_commit(tmp_path: Path) -> None:
    first, second = tmp_path / "a.json", tmp_path / "out" / "b.sarif"
    first.write_text("old\n", encoding="utf-8")
    with Batch() as batch:
        batch.add(first, "new a\n")
        batch.add(second, b"new b\n")
        assert first.read_text(encoding="utf-8") == "old\n" and not second.exists()
        batch.commit()
    assert first.read_text(encoding="utf-8") == "new a\n"
    assert second.read_bytes() == b"new b\n"
    assert _listing(tmp_path) == ["a.json", "out"] and _listing(second.parent) == ["b.sarif"]
