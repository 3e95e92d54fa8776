"""atomic.write_whole: a file is replaced whole or left as it was, with no temporary left."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from policyengine.atomic import write_whole


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
