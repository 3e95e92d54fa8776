"""atomic.write_whole: a file is replaced whole or left as it was, with no temporary left."""

from __future__ import annotations

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
