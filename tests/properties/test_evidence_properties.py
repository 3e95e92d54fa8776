"""Property tests for evidence packs: a pack written and verified is clean, and any
flipped bit, removed file or added file is caught by `verify_pack`."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from policyengine.evidence.manifest import manifest, verify_pack
from policyengine.evidence.pack import MANIFEST
from policyengine.evidence.write import write_pack
from policyengine.results import Matrix, PackSources, RunResult

_RUN = RunResult(models=(), as_of=date(2026, 11, 27))
_SOURCES = PackSources(
    run=_RUN,
    matrix=Matrix(models=(), frameworks=(), as_of=_RUN.as_of),
    models=(),
    documents=(),
    techniques={},
    engine={"name": "embedded"},
    commit="0" * 40,
)

names = st.from_regex(r"[a-z0-9][a-z0-9_.-]{0,11}", fullmatch=True).filter(
    lambda n: n not in (MANIFEST, "manifest.sig") and not n.endswith(".")
)
paths = st.lists(names, min_size=1, max_size=3).map("/".join)
packs = st.dictionaries(paths, st.binary(min_size=1, max_size=200), min_size=1, max_size=8).filter(
    # a path may not also be a folder of another path
    lambda files: not any(other.startswith(p + "/") for p in files for other in files if other != p)
)


def _written(files: dict[str, bytes], folder: Path) -> Path:
    target = folder / "pack"
    write_pack(target, {**files, MANIFEST: manifest(_SOURCES, files)})
    return target


@settings(max_examples=30, deadline=None)
@given(files=packs, data=st.data())
def test_any_flipped_bit_is_caught(files: dict[str, bytes], data: st.DataObject) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        target = _written(files, Path(tmp))
        assert verify_pack(target).clean
        name = data.draw(st.sampled_from(sorted(files)))
        position = data.draw(st.integers(0, len(files[name]) - 1))
        bit = data.draw(st.integers(0, 7))
        flipped = bytearray(files[name])
        flipped[position] ^= 1 << bit
        (target / name).write_bytes(bytes(flipped))
        check = verify_pack(target)
        assert check.changed == (name,) and not check.clean


@settings(max_examples=20, deadline=None)
@given(files=packs, data=st.data(), extra=names)
def test_removed_and_added_files_are_caught(
    files: dict[str, bytes], data: st.DataObject, extra: str
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        target = _written(files, Path(tmp))
        name = data.draw(st.sampled_from(sorted(files)))
        (target / name).unlink()
        added = f"ADDED-{extra}"  # names are lower case: never one of the pack's
        (target / added).write_bytes(b"x")
        check = verify_pack(target)
        assert check.missing == (name,)
        assert added in check.extra and not check.clean
