"""Tests of the safe YAML loader: data, positions, every kind of bad input, discovery."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from policyengine.errors import InvalidDocument
from policyengine.loader import (
    MAX_BYTES,
    MAX_DEPTH,
    PACK_MARKER,
    Document,
    discover,
    in_evidence_pack,
    is_threat_model,
    load_document,
    parse_document,
    parsed_once,
    pointer_parts,
    to_pointer,
)
from policyengine.results import Level

DATA = Path(__file__).resolve().parent / "data"


def _error(path: Path, root: Path = DATA) -> str:
    with pytest.raises(InvalidDocument) as info:
        load_document(path, root)
    return info.value.diagnostic.render()


# --- golden messages for the bad corpus ----------------------------------------------

BAD_FILES = {
    "duplicate_key": "bad/duplicate_key.yaml:4:3: error: duplicate key 'id' (first defined at "
    "line 2)",
    "python_tag": "bad/python_tag.yaml:2:11: error: unsupported tag "
    "!!python/object/apply:os.system: only plain YAML data (no custom or language-specific "
    "tags) is accepted",
    "custom_tag": "bad/custom_tag.yaml:3:7: error: unsupported tag !foo: only plain YAML data "
    "(no custom or language-specific tags) is accepted",
    "alias_bomb": "bad/alias_bomb.yaml:7:8: error: aliases expand to more than 100000 nodes "
    "(an alias bomb?); write the data out instead",
    "recursive_alias": "bad/recursive_alias.yaml:2:11: error: alias *x refers to a node that "
    "contains it (recursive)",
    "non_utf8": "bad/non_utf8.yaml:3:12: error: the file is not valid UTF-8: byte 0xe9 at "
    "offset 39 (save the file as UTF-8)",
    "truncated": "bad/truncated.yaml:4:7: error: YAML syntax error: did not find expected ',' "
    "or ']' (while parsing a flow sequence)",
    "empty": "bad/empty.yaml:1:1: error: the file is empty; a threat model is a YAML mapping "
    "starting with `apiVersion: policyengine/v1`",
    "comment_only": "bad/comment_only.yaml:1:1: error: the file is empty; a threat model is a "
    "YAML mapping starting with `apiVersion: policyengine/v1`",
    "top_level_list": "bad/top_level_list.yaml:1:1: error: the top level must be a mapping "
    "(found a list)",
    "two_documents": "bad/two_documents.yaml:2:1: error: the file holds more than one YAML "
    "document; put one threat model in each file",
    "binary_junk": "bad/binary_junk.yaml:1:1: error: the file contains the control character "
    "U+007F, which YAML does not allow (is it a binary file?)",
    "control_char": "bad/control_char.yaml:2:47: error: the file contains the control "
    "character U+0007, which YAML does not allow (is it a binary file?)",
    "complex_key": "bad/complex_key.yaml:3:12: error: a mapping key must be a plain scalar, "
    "not a list",
}


@pytest.mark.parametrize("name", sorted(BAD_FILES), ids=sorted(BAD_FILES))
def test_bad_file_gives_located_message(name: str) -> None:
    assert _error(DATA / "bad" / f"{name}.yaml") == BAD_FILES[name]


def test_diagnostic_of_bad_file_is_a_yaml_error_with_pointer() -> None:
    with pytest.raises(InvalidDocument) as info:
        load_document(DATA / "bad" / "duplicate_key.yaml", DATA)
    diag = info.value.diagnostic
    assert (diag.level, diag.code, diag.pointer) == (Level.ERROR, "yaml", "/metadata/id")


# --- generated bad input --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("[" * 10_000 + "]" * 10_000, "deep.yaml:1:"),
        ("{a: " * 10_000 + "1" + "}" * 10_000, "deep.yaml:1:401:"),
        ("- " * 10_000 + "a\n", "deep.yaml:1:201:"),
        ("x:\n" + "".join(" " * i + "a:\n" for i in range(1, 500)), "deep.yaml:101:101:"),
    ],
    ids=["flow-lists", "flow-maps", "block-lists", "block-maps"],
)
def test_deep_nesting_fails_with_message(text: str, where: str) -> None:
    # NOTE: libyaml stops flow lists at its own limit (1000), past ours: column varies.
    with pytest.raises(InvalidDocument) as info:
        parse_document(text.encode(), "deep.yaml")
    rendered = info.value.diagnostic.render()
    assert rendered.startswith(where)
    assert rendered.endswith(f": error: nesting is deeper than {MAX_DEPTH} levels")


def test_nesting_at_the_limit_loads() -> None:
    text = "a: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1)
    doc = parse_document(text.encode(), "ok.yaml")
    assert isinstance(doc.data["a"], list)


def test_file_over_size_limit_fails_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with big.open("wb") as fh:
        fh.truncate(50 * 1024 * 1024)  # sparse: no 50 MB written
    assert _error(big, tmp_path) == "big.yaml:1:1: error: the file is 52.4 MB; the limit is 10 MB"


def test_bytes_over_size_limit_fail() -> None:
    with pytest.raises(InvalidDocument, match="the limit is 10 MB"):
        parse_document(b"#" * (MAX_BYTES + 1), "big.yaml")


def test_utf16_without_valid_payload_is_rejected() -> None:
    with pytest.raises(InvalidDocument) as info:
        parse_document(b"\xff\xfea\x00b", "odd.yaml")
    assert "utf-16 byte-order mark but is not valid utf-16" in info.value.diagnostic.message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: !!int abc\n", "1:4: error: 'abc' is not a valid !!int"),
        ("a: !!binary aGk=\n", "1:4: error: unsupported tag !!binary"),
        ("a: !!set {x}\n", "1:4: error: unsupported tag !!set"),
        ("a: *nope\n", "1:4: error: unknown alias *nope"),
        ("? &k a\n: 1\nb: *k\n", "x.yaml:1:1"),
    ],
    ids=["bad-int", "binary", "set", "unknown-alias", "anchored-key-alias"],
)
def test_tag_and_alias_errors(text: str, message: str) -> None:
    try:
        doc = parse_document(text.encode(), "x.yaml")
    except InvalidDocument as exc:
        assert message in exc.diagnostic.render()
    else:
        assert message == "x.yaml:1:1" and doc.data == {"a": 1, "b": "a"}


# --- good input -----------------------------------------------------------------------


def test_yaml_1_1_surprises_stay_strings() -> None:
    doc = load_document(DATA / "good" / "yaml11_scalars.yaml", DATA)
    assert doc.data == {
        "kind": "ThreatModel",
        "norway": "no",
        "switch": "on",
        "off": "off",
        "yes_quoted": "yes",
        "truth": True,
        "falsy": False,
        "thousands": "1_000",
        "sexagesimal": "1:20",
        "octal11": 10,
        "octal12": 8,
        "hex": 31,
        "float": 1500.0,
        "inf": ".inf",
        "date": "2026-10-02",
        "stamp": "2026-10-02T10:00:00Z",
        "tilde": None,
        "null_word": None,
        "empty": None,
        "explicit_str": "12",
        "explicit_int": 12,
    }


@pytest.mark.parametrize("name", ["utf8_bom", "utf16_bom"])
def test_byte_order_marks_are_accepted(name: str) -> None:
    doc = load_document(DATA / "good" / f"{name}.yaml", DATA)
    assert doc.data["kind"] == "ThreatModel"
    assert doc.locate(("metadata", "id")) == (3, 12)


def test_example_loads_unchanged_with_positions(design_example: Path) -> None:
    path = design_example
    doc = load_document(path, design_example.parent.parent)
    assert doc.path == "design/threat-model.example.yaml"
    assert is_threat_model(doc.data)
    assert doc.data["review"]["last_reviewed"] == "2026-10-02"
    assert doc.data["metadata"]["version"] == "1.4.0"
    assert doc.locate(("threats", 2, "likelihood")) == (141, 5)
    assert doc.locate_pointer("/threats/3/assumptions/0") == (158, 9)
    assert doc.locate(("threats", 0, "validation", "findings", 0)) == (122, 18)
    assert doc.locate(("threats", 0, "no", "such", "field")) == doc.locate(("threats", 0))
    assert doc.locate(()) == (1, 1)


def test_path_outside_root_is_kept_as_given(tmp_path: Path) -> None:
    model = tmp_path / "m.yaml"
    model.write_text("kind: ThreatModel\n")
    assert load_document(model, DATA).path == model.as_posix()


def _aliased_scalar(times: int, size: int = 1024 * 1024) -> bytes:
    """A model-like file naming one `size`-byte scalar, then aliasing it `times` times."""
    lines = ["kind: ThreatModel", f"big: &big {'x' * size}", "copies:"]
    lines += ["  - *big"] * times
    return ("\n".join(lines) + "\n").encode()


def test_a_large_scalar_aliased_many_times_is_refused_at_the_alias_over_the_budget() -> None:
    """Ten 1 MB copies fit the 10 MB budget; the eleventh alias is refused where it is."""
    assert len(parse_document(_aliased_scalar(10), "m.yaml").data["copies"]) == 10
    with pytest.raises(InvalidDocument) as info:
        parse_document(_aliased_scalar(5000), "m.yaml")
    assert info.value.diagnostic.render() == (
        "m.yaml:14:5: error: aliases expand to more than 10 MB of text (an alias bomb?); "
        "write the data out instead"
    )
    assert info.value.diagnostic.pointer == "/copies/10"


def test_the_byte_budget_counts_keys_and_nested_aliases() -> None:
    """A mapping of two 1 MB keys, aliased once inside a second anchor: that alias and
    each alias of the outer anchor cost both keys (2 MB), so the fourth alias of the
    outer one goes over the 10 MB budget."""
    key = "k" * (1024 * 1024)
    text = (
        f"kind: ThreatModel\ninner: &in\n  ? {key}a\n  : 1\n  ? {key}b\n  : 2\n"
        "outer: &out [*in]\n" + "".join(f"c{i}: *out\n" for i in range(5))
    )
    with pytest.raises(InvalidDocument) as info:
        parse_document(text.encode(), "m.yaml")
    assert info.value.diagnostic.render().startswith(
        "m.yaml:11:5: error: aliases expand to more than 10 MB of text"
    )
    assert len(parse_document(text.rsplit("c3", 1)[0].encode(), "m.yaml").data) == 6


def test_alias_positions_fall_back_to_the_alias() -> None:
    doc = parse_document(b"a: &x {b: [1, 2]}\nc: *x\n", "x.yaml")
    assert doc.data["c"] == {"b": [1, 2]}
    assert doc.locate(("c", "b", 1)) == (2, 1)


def test_pointers_round_trip_with_escapes() -> None:
    doc = parse_document(b"a/b:\n  - x~y: [1, 2]\n", "x.yaml")
    pointer = to_pointer(("a/b", 0, "x~y", 1))
    assert pointer == "/a~1b/0/x~0y/1"
    assert pointer_parts(pointer, doc.data) == ("a/b", 0, "x~y", 1)
    assert doc.locate_pointer(pointer) == (2, 14)


def test_keys_keep_their_text() -> None:
    doc = parse_document(b"on: 1\n2: two\nnull: x\n", "x.yaml")
    assert doc.data == {"on": 1, "2": "two", "null": "x"}


def test_document_is_frozen() -> None:
    doc = parse_document(b"a: 1\n", "x.yaml")
    assert isinstance(doc, Document)
    with pytest.raises(AttributeError):
        doc.path = "y"  # type: ignore[misc]


# --- discovery ------------------------------------------------------------------------

MODEL = "apiVersion: policyengine/v1\nkind: ThreatModel\nmetadata: {id: m, name: M, owner: o}\n"


def _repo(root: Path) -> None:
    (root / "models" / "team").mkdir(parents=True)
    (root / "models" / "a.yaml").write_text(MODEL)
    (root / "models" / "team" / "b.yml").write_text(MODEL)
    (root / "models" / "ci.yaml").write_text("on: push\njobs: {}\n")
    (root / "models" / "broken.yaml").write_text("kind: ThreatModel\nmetadata: [\n")
    (root / "models" / "broken-other.yaml").write_text("jobs: [\n")
    (root / "models" / "notes.md").write_text(MODEL)
    (root / ".git").mkdir()
    (root / ".git" / "x.yaml").write_text(MODEL)
    (root / ".policyengine.yaml").write_text("models: ['models/**/*.yaml']\n")


def test_discover_walks_folders_and_skips_what_is_not_a_model(tmp_path: Path) -> None:
    _repo(tmp_path)
    found = discover([tmp_path], tmp_path)
    assert [d.path for d in found.documents] == ["models/a.yaml", "models/team/b.yml"]
    assert [d.render() for d in found.diagnostics] == [
        "models/broken.yaml:3:1: error: YAML syntax error: did not find expected node content "
        "(while parsing a flow node)"
    ]
    assert found.skipped == 2


def test_named_file_that_is_not_a_model_is_an_error(tmp_path: Path) -> None:
    _repo(tmp_path)
    found = discover([tmp_path / "models" / "ci.yaml", tmp_path / "missing.yaml"], tmp_path)
    assert found.documents == ()
    assert [(d.render(), d.level) for d in found.diagnostics] == [
        ("missing.yaml:0:0: error: no such file or folder", Level.ERROR),
        (
            "models/ci.yaml:1:1: error: not a threat model: the top level has no "
            "`kind: ThreatModel`",
            Level.ERROR,
        ),
    ]


@pytest.mark.parametrize(
    "named",
    ["pack", "pack/models", "pack/models/a", "pack/models/a/a.yaml"],
    ids=["pack", "folder", "deeper", "file"],
)
def test_a_path_in_an_evidence_pack_is_not_read_even_when_named(tmp_path: Path, named: str) -> None:
    """tester-c C2: pre-commit names a pack's copies one by one."""
    _repo(tmp_path)
    copy = tmp_path / "evidence" / "pack" / "models" / "a" / "a.yaml"
    copy.parent.mkdir(parents=True)
    copy.write_text(MODEL)
    (tmp_path / "evidence" / "pack" / PACK_MARKER).write_text("")
    found = discover([tmp_path / "evidence" / named, tmp_path / "models" / "a.yaml"], tmp_path)
    assert [d.path for d in found.documents] == ["models/a.yaml"]
    assert found.diagnostics == () and found.skipped == 0
    assert in_evidence_pack(tmp_path / "evidence" / named)
    assert not in_evidence_pack(tmp_path / "evidence") and not in_evidence_pack(tmp_path)


def test_globs_are_relative_to_root_and_files_are_loaded_once(tmp_path: Path) -> None:
    _repo(tmp_path)
    found = discover(
        [tmp_path / "models" / "a.yaml"], tmp_path, ["models/*.yaml", "nothing/*.yaml"]
    )
    assert [d.path for d in found.documents] == ["models/a.yaml"]
    assert [d.render() for d in found.diagnostics] == [
        "models/broken.yaml:3:1: error: YAML syntax error: did not find expected node content "
        "(while parsing a flow node)",
        "nothing/*.yaml:0:0: warning: the models glob 'nothing/*.yaml' matches no file",
    ]
    assert found.skipped == 2


def test_discover_with_no_paths_walks_the_root(tmp_path: Path) -> None:
    _repo(tmp_path)
    os.remove(tmp_path / "models" / "broken.yaml")
    found = discover([], tmp_path)
    assert [d.path for d in found.documents] == ["models/a.yaml", "models/team/b.yml"]
    assert found.diagnostics == ()


def test_oversized_file_under_a_folder_is_reported_only_when_it_is_a_model(
    tmp_path: Path,
) -> None:
    ours = tmp_path / "ours.yaml"
    ours.write_text("kind: ThreatModel\n")
    other = tmp_path / "other.yaml"
    for path in (ours, other):
        with path.open("ab") as fh:
            fh.truncate(11 * 1024 * 1024)
    found = discover([tmp_path], tmp_path)
    assert [d.render() for d in found.diagnostics] == [
        "ours.yaml:1:1: error: the file is 11.5 MB; the limit is 10 MB"
    ]
    assert found.skipped == 1


def test_parsed_once_hands_out_the_same_document_for_the_same_bytes() -> None:
    """Within `parsed_once` a file's bytes are parsed once per path; outside, every time."""
    content = b"kind: ThreatModel\nmetadata: {id: a}\n"
    with parsed_once():
        first = parse_document(content, "a.yaml")
        assert parse_document(bytes(bytearray(content)), "a.yaml") is first
        assert parse_document(content, "b.yaml") is not first  # another path
        assert parse_document(content + b"# more\n", "a.yaml") is not first
        with parsed_once():  # nested: the same memory
            assert parse_document(content, "a.yaml") is first
    assert parse_document(content, "a.yaml") is not first
    assert parse_document(content, "a.yaml") == first
