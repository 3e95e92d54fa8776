"""`policyengine evidence`: the pack of the examples, built twice byte for byte, checked by
`evidence verify` against edits, deletions, additions and signatures; a run that dies
mid-write leaves nothing; no overwrite without --force; a dirty tree is refused unless
--allow-dirty, and the pack then says so; the review history comes from git; the OSCAL
document validates with compliance-trestle's models."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import git
import pytest
from conftest import committed_examples

from policyengine.cli import main
from policyengine.errors import EvidenceError
from policyengine.evidence.write import write_pack

AS_OF = "2026-11-27"
WHO = git.Actor("Auditee", "auditee@example.com")


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _evidence(*args: str) -> int:
    return main(["evidence", *args])


@pytest.fixture(scope="module")
def examples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The examples in a repository of their own, one commit."""
    return committed_examples(tmp_path_factory)


@pytest.fixture(scope="module")
def pack(examples: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("packs") / "pack"
    assert _evidence(str(examples), "--as-of", AS_OF, "--out", str(out)) == 0
    return out


def _copy(pack: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "copy"
    shutil.copytree(pack, dest)
    return dest


def test_pack_has_the_issue_contents(pack: Path) -> None:
    files = _files(pack)
    for name in (
        "index.md",
        "index.html",
        "manifest.json",
        "matrix/matrix.csv",
        "matrix/matrix.json",
        "matrix/matrix.xlsx",
        "matrix/matrix.html",
        "frameworks/nist-ai-rmf.md",
        "red-team.md",
        "reviews.md",
        "commitments.md",
        "oscal/assessment-results.json",
        "models/support-assistant/index.md",
        "models/support-assistant/index.html",
        "models/support-assistant/support-assistant.yaml",
        "documents/evidence/red-team/RT-2026-09.md",
        "register/index.md",
        "register/register.yaml",
        "documents/docs/governance/ai-policy.md",
    ):
        assert name in files, name
    model = files["models/support-assistant/index.md"].decode()
    # the evidence pointers: file, line, column and JSON pointer
    assert "`models/support-assistant.yaml:387:7` `/compliance/attestations/0`" in model
    # the risk register with ATLAS names and bands, and the heat map
    assert "`AML.T0051.001` LLM Prompt Injection: Indirect" in model
    assert "| 4 | 4 | 16 | critical |" in model
    assert "| **4** | _low_ | medium: T-006 | _high_ | critical: T-001 | _critical_ |" in model
    # a satisfied control points at what it rests on: the parts of the model its passing
    # checks judged, located; a check that did not run is apart, not a basis
    (monitoring,) = [r for r in model.splitlines() if r.startswith("| `nist-ai-rmf/MEASURE 2.4`")]
    assert "| satisfied | `TM-CTRL-002` |" in monitoring
    assert "`models/support-assistant.yaml:289` `/controls` all 9 items judged by TM-CTRL-002" in (
        monitoring
    )
    (inventory,) = [r for r in model.splitlines() if r.startswith("| `iso42001/A.4.2`")]
    assert "| `TM-ISO-030`; not run: `TM-CODE-001`, `TM-CODE-002`" in inventory
    nist = files["frameworks/nist-ai-rmf.md"].decode()
    assert "MAP 5.1" in nist and "MEASURE 2.11" in nist
    commitments = files["commitments.md"].decode()
    assert "| support-assistant | waiver | `nist-ai-rmf/MEASURE 2.11` | AI governance board |" in (
        commitments
    )
    assert "| acceptance | `T-005` | head of support engineering | 2026-10-02 | 2027-01-31 |" in (
        commitments
    )
    manifest = json.loads(files["manifest.json"])
    assert manifest["as_of"] == AS_OF
    assert re.fullmatch(r"[0-9a-f]{40}", manifest["commit"])
    assert re.fullmatch(r"[0-9a-f]{64}", manifest["policy_digest"])
    assert manifest["engine"]["name"] in ("embedded", "wasm", "opa")
    listed = {f["path"] for f in manifest["files"]}
    assert listed == set(files) - {"manifest.json"}


def test_model_copy_is_the_committed_file(pack: Path, examples: Path) -> None:
    copied = (pack / "models/support-assistant/support-assistant.yaml").read_bytes()
    with git.Repo(examples) as repo:
        committed = repo.git.show(
            "HEAD:models/support-assistant.yaml", strip_newline_in_stdout=False
        )
    assert copied == committed.encode()


def test_two_builds_are_byte_identical(examples: Path, pack: Path, tmp_path: Path) -> None:
    """The second build is of a clone of the same repository in another folder."""
    clone = tmp_path / "elsewhere" / "examples"
    shutil.copytree(examples, clone)
    again = tmp_path / "again"
    assert _evidence(str(clone), "--as-of", AS_OF, "--out", str(again)) == 0
    first, second = _files(pack), _files(again)
    assert sorted(first) == sorted(second)
    different = [name for name in first if first[name] != second[name]]
    assert different == []


def test_verify_clean_pack(pack: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evidence", "verify", str(pack)]) == 0
    out = capsys.readouterr().out
    assert "OK:" in out and "signature: absent" in out


@pytest.mark.parametrize("change", ["edit", "delete", "add", "edit-manifest-listed"])
def test_verify_catches_every_change(
    pack: Path, tmp_path: Path, change: str, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = _copy(pack, tmp_path)
    target = copy / "models/support-assistant/support-assistant.yaml"
    match change:
        case "edit":
            data = bytearray(target.read_bytes())
            data[100] ^= 1  # one flipped bit, same size
            target.write_bytes(bytes(data))
            expected = "changed: models/support-assistant/support-assistant.yaml"
        case "delete":
            target.unlink()
            expected = "missing: models/support-assistant/support-assistant.yaml"
        case "add":
            (copy / "models" / "extra.yaml").write_text("kind: ThreatModel\n")
            expected = "extra: models/extra.yaml"
        case "edit-manifest-listed":
            (copy / "oscal" / "assessment-results.json").write_text("{}\n")
            expected = "changed: oscal/assessment-results.json"
    capsys.readouterr()
    assert main(["evidence", "verify", str(copy), "-f", "text"]) == 1
    out = capsys.readouterr().out
    assert expected in out
    assert "FAILED" in out


def test_verify_json_report(pack: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    copy = _copy(pack, tmp_path)
    (copy / "index.md").unlink()
    capsys.readouterr()
    assert main(["evidence", "verify", str(copy), "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["missing"] == ["index.md"] and doc["clean"] is False
    assert doc["schema_version"] == 1


def _keys(tmp_path: Path, name: str) -> tuple[Path, Path]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    private = tmp_path / f"{name}.pem"
    public = tmp_path / f"{name}.pub.pem"
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    public.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return private, public


def test_signed_pack(examples: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    private, public = _keys(tmp_path, "ours")
    _, stranger = _keys(tmp_path, "stranger")
    out = tmp_path / "signed"
    assert (
        _evidence(str(examples), "--as-of", AS_OF, "--out", str(out), "--sign-key", str(private))
        == 0
    )
    assert len((out / "manifest.sig").read_bytes()) == 64
    capsys.readouterr()
    assert main(["evidence", "verify", str(out), "--key", str(public)]) == 0
    assert "signature: valid" in capsys.readouterr().out
    assert main(["evidence", "verify", str(out), "--key", str(stranger)]) == 1
    assert "signature: invalid" in capsys.readouterr().out
    # a manifest rewritten to match an edited file: the hashes agree, the signature does not
    manifest = out / "manifest.json"
    index = out / "index.md"
    index.write_bytes(index.read_bytes() + b"forged\n")
    doc = json.loads(manifest.read_bytes())
    import hashlib

    for entry in doc["files"]:
        if entry["path"] == "index.md":
            entry["sha256"] = hashlib.sha256(index.read_bytes()).hexdigest()
            entry["size"] = index.stat().st_size
    manifest.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")
    assert main(["evidence", "verify", str(out)]) == 0  # unsigned check: hashes agree
    assert main(["evidence", "verify", str(out), "--key", str(public)]) == 1
    out_text = capsys.readouterr().out
    assert "signature: invalid" in out_text
    assert out_text.endswith("; the signature does not hold\n")


def test_unsigned_pack_with_key_fails_saying_it_is_not_signed(
    pack: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, public = _keys(tmp_path, "ours")
    capsys.readouterr()
    assert main(["evidence", "verify", str(pack), "--key", str(public)]) == 1
    out = capsys.readouterr().out
    assert "signature: missing" in out
    assert out.endswith("; the pack is not signed (no manifest.sig), so --key cannot check it\n")
    assert "does not hold" not in out


def test_sign_key_not_ed25519(
    examples: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.pem"
    bad.write_text("-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n")
    out = tmp_path / "never"
    assert (
        _evidence(str(examples), "--as-of", AS_OF, "--out", str(out), "--sign-key", str(bad)) == 2
    )
    assert "--sign-key" in capsys.readouterr().err
    assert not out.exists()


def test_no_overwrite_without_force(
    examples: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "pack"
    out.mkdir()
    (out / "keep.txt").write_text("mine\n")
    assert _evidence(str(examples), "--as-of", AS_OF, "--out", str(out)) == 2
    err = capsys.readouterr().err
    assert "already exists" in err and "--force" in err and "Traceback" not in err
    assert (out / "keep.txt").read_text() == "mine\n"
    # --force replaces an evidence pack, never a folder of other files
    assert _evidence(str(examples), "--as-of", AS_OF, "--out", str(out), "--force") == 2
    err = capsys.readouterr().err
    assert f"{out} exists and is not an evidence pack" in err and "Traceback" not in err
    assert (out / "keep.txt").read_text() == "mine\n"
    (out / "keep.txt").unlink()  # an empty folder may be filled
    assert _evidence(str(examples), "--as-of", AS_OF, "--out", str(out), "--force") == 0
    assert _evidence(str(examples), "--as-of", AS_OF, "--out", str(out), "--force") == 0
    assert (out / "manifest.json").is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["pack"]  # no temporary folder left


def test_force_never_deletes_the_models_folder(
    examples: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--out models --force` (a slip, or a scheduled job's fixed path) deletes nothing."""
    root = _repo_copy(examples, tmp_path)
    before = _files(root / "models")
    assert _evidence(str(root), "--as-of", AS_OF, "--out", str(root / "models"), "--force") == 2
    assert "is not an evidence pack" in capsys.readouterr().err
    assert _files(root / "models") == before


def test_out_through_a_committed_symlink_is_refused(
    examples: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A pull request that commits `sub/link -> /elsewhere` (or `-> ../.git`) cannot make a
    later `evidence --out sub/link/...` write, or with --force delete, outside the working
    folder: the same rule as --output."""
    root = _repo_copy(examples, tmp_path)
    outside = tmp_path / "outside"
    (outside / "victim").mkdir(parents=True)
    (outside / "victim" / "keep.txt").write_text("mine\n")
    (root / "sub").mkdir()
    (root / "sub" / "link").symlink_to(outside)
    (root / "sub" / "gitlink").symlink_to(root / ".git")
    monkeypatch.chdir(root)
    for out, force in (
        ("sub/link/p", ()),
        ("sub/link/victim", ("--force",)),
        ("sub/gitlink/hooks/p", ()),
    ):
        code = _evidence(".", "--as-of", AS_OF, "--out", out, "--allow-dirty", *force)
        err = capsys.readouterr().err
        assert code == 2, err
        assert f"--out {out}: " in err and "through a symlink" in err and "Traceback" not in err
    assert sorted(p.name for p in outside.iterdir()) == ["victim"]
    assert (outside / "victim" / "keep.txt").read_text() == "mine\n"
    assert not (root / ".git" / "hooks" / "p").exists()
    # an absolute path is where the user asked
    assert _evidence(".", "--as-of", AS_OF, "--out", str(outside / "p"), "--allow-dirty") == 0
    assert (outside / "p" / "manifest.json").is_file()


class _Killed(Exception):
    pass


def _dies_after(count: int) -> object:
    seen: list[str] = []

    def written(name: str) -> None:
        seen.append(name)
        if len(seen) == count:
            raise _Killed(name)

    return written


def test_run_killed_mid_write_leaves_no_pack(pack: Path, tmp_path: Path) -> None:
    files = _files(pack)
    target = tmp_path / "new"
    with pytest.raises(_Killed):
        write_pack(target, files, written=_dies_after(10))  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []
    # over an existing pack, with --force: the old one stays whole
    shutil.copytree(pack, target)
    with pytest.raises(_Killed):
        write_pack(target, files, force=True, written=_dies_after(len(files)))  # type: ignore[arg-type]
    assert [p.name for p in tmp_path.iterdir()] == ["new"]
    assert _files(target) == files
    with pytest.raises(EvidenceError, match="already exists"):
        write_pack(target, files)


def _repo_copy(examples: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "examples"
    shutil.copytree(examples, dest)
    return dest


def test_dirty_model_refused_unless_allowed(
    examples: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _repo_copy(examples, tmp_path)
    model = root / "models" / "partner-classifier.yaml"
    committed = model.read_bytes()
    model.write_bytes(committed.replace(b"owner: risk-ml", b"owner: risk-ml-2", 1))
    out = tmp_path / "pack"
    assert _evidence(str(root), "--as-of", AS_OF, "--out", str(out)) == 2
    err = capsys.readouterr().err
    assert "models/partner-classifier.yaml" in err and "--allow-dirty" in err
    assert not out.exists()
    assert _evidence(str(root), "--as-of", AS_OF, "--out", str(out), "--allow-dirty") == 0
    index = (out / "index.md").read_text()
    assert "model files differ from the commit" in index
    assert "`models/partner-classifier.yaml`" in index
    manifest = json.loads((out / "manifest.json").read_bytes())
    assert manifest["work_tree"] == {
        "dirty": True,
        "models_differ": ["models/partner-classifier.yaml"],
        "documents_differ": [],
    }
    # the copy is the committed file, not the working copy
    assert (out / "models/partner-classifier/partner-classifier.yaml").read_bytes() == committed
    page = (out / "models/partner-classifier/index.md").read_text()
    assert "differs from the commit" in page


@pytest.mark.parametrize("how", ["untracked", "ignored", "modified"])
def test_cited_file_not_as_committed_refused_unless_allowed(
    how: str, examples: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The check reads cited files from the work tree: a pack resting on a file the commit
    # lacks (or has otherwise) would differ from the pack of a clean clone, so it is refused.
    root = _repo_copy(examples, tmp_path)
    cited = "docs/controls/score-drift-review.md"
    with git.Repo(root) as repo:
        if how == "modified":
            (root / cited).write_text("TODO: write this document. TBD TBD TBD.\n")
        else:
            repo.index.remove([cited])
            if how == "ignored":
                (root / ".gitignore").write_text(cited + "\n")
                repo.index.add([".gitignore"])
            repo.index.commit("stop committing the drift review")
    out = tmp_path / "pack"
    assert _evidence(str(root), "--as-of", AS_OF, "--out", str(out)) == 2
    err = capsys.readouterr().err
    assert cited in err and "--allow-dirty" in err
    assert not out.exists()
    assert _evidence(str(root), "--as-of", AS_OF, "--out", str(out), "--allow-dirty") == 0
    manifest = json.loads((out / "manifest.json").read_bytes())
    assert manifest["schema_version"] == 2
    assert manifest["work_tree"]["documents_differ"] == [cited]
    assert manifest["work_tree"]["models_differ"] == []
    index = (out / "index.md").read_text()
    assert "cited files differ from the commit" in index and f"`{cited}`" in index


def test_default_folder_under_evidence_dir(examples: Path, tmp_path: Path) -> None:
    root = _repo_copy(examples, tmp_path)
    with git.Repo(root) as repo:
        short = repo.head.commit.hexsha[:12]
    assert _evidence(str(root), "--as-of", AS_OF) == 0
    out = root / "evidence" / f"{AS_OF}-{short}"
    first = _files(out)
    assert json.loads(first["manifest.json"])["work_tree"]["dirty"] is False
    # the untracked pack in the repository does not make the next one dirty
    assert _evidence(str(root), "--as-of", AS_OF, "--force") == 0
    assert _files(out) == first


def test_review_history_and_unmatched_findings_from_git(examples: Path, tmp_path: Path) -> None:
    root = _repo_copy(examples, tmp_path)
    model = root / "models" / "support-assistant.yaml"
    text = model.read_text()
    text = text.replace("  last_reviewed: 2026-10-02", "  last_reviewed: 2026-11-20", 1)
    text = text.replace(
        "    - {date: 2026-10-02, reason: change, note: order tool gained change_address}",
        "    - {date: 2026-10-02, reason: change, note: order tool gained change_address}\n"
        "    - {date: 2026-11-20, reason: red team, note: RT-2026-09 findings reviewed}",
        1,
    )
    text = text.replace("        threats: [T-006]\n", "        threats: []\n", 1)
    model.write_text(text)
    with git.Repo(root) as repo:
        repo.index.add(["models/support-assistant.yaml"])
        repo.index.commit("Review after the red team", author=WHO, committer=WHO)
    out = tmp_path / "pack"
    assert _evidence(str(root), "--as-of", AS_OF, "--out", str(out), "--allow-empty") == 0
    reviews = (out / "reviews.md").read_text()
    section = reviews.split("## support-assistant")[1]
    rows = [line for line in section.splitlines() if line.startswith("| 20")]
    assert len(rows) == 2, rows
    assert "| Auditee |" in rows[0] and "red team: RT-2026-09 findings reviewed" in rows[0]
    assert "last\\_reviewed: 2026-10-02 -\\> 2026-11-20" in rows[0]
    assert "review added" in rows[1]
    red = (out / "red-team.md").read_text()
    assert "Findings that matched no threat" in red
    assert "**matched no threat**" in red and "RT-2026-09/F-4" in red.replace("\\", "")


def _links(html: str) -> list[str]:
    found: list[str] = []

    class Parser(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            for name, value in attrs:
                if name in ("href", "src") and value:
                    found.append(value)

    Parser().feed(html)
    return found


def test_every_link_resolves_inside_the_pack(pack: Path) -> None:
    from urllib.parse import unquote

    for page in [*pack.rglob("*.html"), *pack.rglob("*.md")]:
        if "documents" in page.relative_to(pack).parts or page.parent.name == "matrix":
            continue
        text = page.read_text()
        links = _links(text) if page.suffix == ".html" else re.findall(r"\]\(<([^>]*)>\)", text)
        for href in links:
            if href.startswith(("data:", "#")):
                continue
            assert "://" not in href, f"{page}: {href}"
            assert (page.parent / unquote(href.split("#")[0])).is_file(), f"{page}: {href}"


def test_html_loads_nothing(pack: Path) -> None:
    for page in pack.rglob("*.html"):
        if "documents" in page.relative_to(pack).parts:
            continue
        text = page.read_text()
        assert "Content-Security-Policy" in text
        assert not re.search(r"<(script|link)[^>]*(src|href)=\"https?:", text), page


def test_oscal_validates_with_trestle(pack: Path) -> None:
    from pydantic import ValidationError
    from trestle.oscal.assessment_results import Model

    doc = json.loads((pack / "oscal/assessment-results.json").read_bytes())
    model = Model.model_validate(doc)
    result = model.assessment_results.results[0]
    assert result.findings and result.observations
    states = {f.target.status.state for f in result.findings}
    assert {"satisfied", "not-satisfied"} <= {str(getattr(s, "value", s)) for s in states}
    # the validation bites: a control id that is no OSCAL token is refused
    doc["assessment-results"]["results"][0]["findings"][0]["target"]["target-id"] = "MAP 5.1"
    with pytest.raises(ValidationError):
        Model.model_validate(doc)


def _json_report(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    capsys.readouterr()
    main([*args, "--as-of", AS_OF, "--format", "json"])
    doc: dict[str, object] = json.loads(capsys.readouterr().out)
    return doc


def test_oscal_statuses_agree_with_matrix_and_soa(
    pack: Path, examples: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every status of the matrix (per model, and the organisation's once) is an OSCAL
    observation with that status, and a finding when it is judged; the organisation
    controls once each, their subject the register; the SoA says the same."""
    monkeypatch.chdir(examples)
    matrix = _json_report(capsys, "matrix")
    soa = _json_report(capsys, "soa")
    expected: dict[tuple[str, str], str] = {}
    for fw in matrix["frameworks"]:  # type: ignore[attr-defined]
        for row in fw["controls"]:
            if row["judged_by"] == "organisation":
                expected[(row["control"], "governance/register.yaml")] = row["organisation"][
                    "status"
                ]
                continue
            for cell in row["cells"]:
                if cell["status"] is not None:
                    expected[(row["control"], cell["model"])] = cell["status"]
    for row in soa["controls"]:  # type: ignore[attr-defined]
        if row["judged_by"] == "organisation":
            assert expected[(row["control"], "governance/register.yaml")] == row["status"]
        for v in row["verdicts"]:
            if v["status"] is not None:
                assert expected[(row["control"], v["model"])] == v["status"], row["control"]
    doc = json.loads((pack / "oscal/assessment-results.json").read_bytes())["assessment-results"]
    result = doc["results"][0]

    def props(item: dict[str, list[dict[str, str]]]) -> dict[str, str]:
        return {p["name"]: p["value"] for p in item["props"]}

    observed: dict[tuple[str, str], str] = {}
    by_uuid = {}
    for o in result["observations"]:
        p = props(o)
        subject = p.get("model") or p["register"]
        assert (p["control"], subject) not in observed, "once each"
        observed[(p["control"], subject)] = p["status"]
        by_uuid[o["uuid"]] = o
    assert observed == expected
    judged = {"satisfied", "attested", "partial", "not_satisfied", "waived"}
    found: dict[tuple[str, str], str] = {}
    for f in result["findings"]:
        p = props(f)
        subject = p.get("model") or p["register"]
        assert (p["control"], subject) not in found, "once each"
        (o,) = (by_uuid[r["observation-uuid"]] for r in f["related-observations"])
        found[(p["control"], subject)] = props(o)["status"]
        state = f["target"]["status"]["state"]
        assert state == (
            "satisfied" if props(o)["status"] in ("satisfied", "attested") else "not-satisfied"
        )
    assert found == {k: v for k, v in expected.items() if v in judged}
    # the failing organisation controls of the examples, with the register as subject
    register = ("governance/register.yaml",)
    assert found[("nist-ai-rmf/MEASURE 2.12", *register)] == "not_satisfied"
    assert found[("iso42001/A.6.2.8", *register)] == "partial"
    (resource,) = doc["back-matter"]["resources"]
    assert resource["rlinks"] == [{"href": "register/register.yaml"}]
    o = next(
        o
        for o in result["observations"]
        if o["title"] == "iso42001/A.6.2.8 for organisation register governance/register.yaml"
    )
    assert o["subjects"] == [
        {
            "subject-uuid": resource["uuid"],
            "type": "resource",
            "title": "Organisation register governance/register.yaml",
        }
    ]
    assert {
        "href": "register/register.yaml#/controls/8",
        "description": "governance/register.yaml:74:5 /controls/8",
    } in o["relevant-evidence"]
    assert {
        "href": "documents/docs/controls/event-logging.md",
        "description": "docs/controls/event-logging.md",
    } in o["relevant-evidence"]
    assert " TM-REG-004 at governance/register.yaml:74:" in o["description"]
    assert (pack / "register/register.yaml").is_file() and (
        pack / "documents/docs/controls/event-logging.md"
    ).is_file()


@pytest.fixture
def unreadable_manifest(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "pack"
    folder.mkdir()
    (folder / "manifest.json").write_text('{"files": [{"path": "../x", "sha256": "0", "size": 1}]}')
    yield folder


def test_verify_refuses_a_manifest_leaving_the_pack(
    unreadable_manifest: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["evidence", "verify", str(unreadable_manifest)]) == 2
    assert "outside the pack" in capsys.readouterr().err


def test_verify_refuses_a_fifo_or_symlink_instead_of_blocking(
    pack: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A FIFO planted as `manifest.json` or `manifest.sig` would block a reader forever;
    a symlinked manifest would vouch for a file outside the pack. Each is exit 2."""
    _, public = _keys(tmp_path, "ours")
    fifo_manifest = _copy(pack, tmp_path / "a")
    (fifo_manifest / "manifest.json").unlink()
    os.mkfifo(fifo_manifest / "manifest.json")
    fifo_signature = _copy(pack, tmp_path / "b")
    os.mkfifo(fifo_signature / "manifest.sig")
    linked = _copy(pack, tmp_path / "c")
    (tmp_path / "elsewhere.json").write_bytes((linked / "manifest.json").read_bytes())
    (linked / "manifest.json").unlink()
    (linked / "manifest.json").symlink_to(tmp_path / "elsewhere.json")
    capsys.readouterr()
    assert main(["evidence", "verify", str(fifo_manifest)]) == 2
    assert "manifest.json: not a regular file" in capsys.readouterr().err
    assert main(["evidence", "verify", str(fifo_signature), "--key", str(public)]) == 2
    assert "manifest.sig: not a regular file" in capsys.readouterr().err
    assert main(["evidence", "verify", str(linked)]) == 2
    assert "manifest.json: a symlink" in capsys.readouterr().err


def test_verify_of_no_pack(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evidence", "verify", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "manifest" in err and "Traceback" not in err


def test_iso_view_lists_every_annex_a_control(pack: Path) -> None:
    from policyengine.catalog import load_controls

    annex = [c.id for c in load_controls().for_framework("iso42001") if c.id.startswith("A.")]
    assert len(annex) == 38
    view = (pack / "frameworks/iso42001.md").read_text()
    shown = re.findall(r"^#### (A\.[0-9.]+):", view, flags=re.MULTILINE)
    assert shown == annex


REGISTER = """\
apiVersion: policyengine/v1
kind: OrganisationRegister
organisation: Example Logistics
risk_acceptors: [head of risk]
documents:
  - {id: DOC-AI-POLICY, title: AI policy, path: docs/governance/ai-policy.md, version: "2",
     owner: head of risk, approver: AI governance board, approved: 2026-01-19,
     review_period: annual}
controls:
  - control: iso42001/A.2.2
    applicable: true
    justification: We build and run AI systems, so a documented AI policy sets the rules.
    status: implemented
    owner: head of risk
    documents: [DOC-AI-POLICY]
"""


def test_register_section_as_committed(examples: Path, tmp_path: Path) -> None:
    from datetime import date

    from policyengine.config import load_config
    from policyengine.evidence import pack_files
    from policyengine.evidence.gather import gather
    from policyengine.pipeline import RunOptions

    root = _repo_copy(examples, tmp_path)
    (root / "governance").mkdir(exist_ok=True)  # the examples have a register of their own
    (root / "governance" / "register.yaml").write_text(REGISTER)
    with git.Repo(root) as repo:
        repo.index.add(["governance/register.yaml"])
        repo.index.commit("The organisation register", author=WHO, committer=WHO)
    options = RunOptions(config=load_config(root), as_of=date(2026, 11, 27))
    sources, _ = gather(
        [root], options, target=tmp_path / "pack", register="governance/register.yaml"
    )
    files = pack_files(sources)
    assert files["register/register.yaml"] == REGISTER.encode()
    page = files["register/index.md"].decode()
    assert "organisation Example Logistics" in page
    assert "| `iso42001/A.2.2` | yes | We build and run AI systems" in page
    assert "(<../documents/docs/governance/ai-policy.md>)" in page
    assert "| 2026-01-19 | annual | 2027-01-19 |" in page
    assert "documents/docs/governance/ai-policy.md" in files
    index = files["index.md"].decode()
    assert "[The organisation register](<register/index.md>)" in index
    assert "`governance/register.yaml`" in index.split("## Cited documents")[1]
    # an uncommitted change to the register is refused like a model's
    (root / "governance" / "register.yaml").write_text(REGISTER + "# changed\n")
    with pytest.raises(EvidenceError, match="governance/register.yaml"):
        gather([root], options, target=tmp_path / "pack", register="governance/register.yaml")


def test_soa_lists_all_38_annex_a_controls(pack: Path) -> None:
    from policyengine.catalog import load_controls

    annex = [c.key for c in load_controls().for_framework("iso42001") if c.id.startswith("A.")]
    doc = json.loads((pack / "soa/soa.json").read_bytes())
    assert [c["control"] for c in doc["controls"]] == annex and len(annex) == 38
    assert all(c["decision"] is not None for c in doc["controls"])
    assert all(c["decision"]["justification"] for c in doc["controls"])
    for name in ("soa/index.md", "soa/index.html", "soa/soa.csv", "soa/soa.xlsx", "soa/soa.html"):
        assert (pack / name).is_file(), name
    page = (pack / "soa/index.md").read_text()
    assert all(c.split("/")[1] in page for c in annex)
    assert "[The Statement of Applicability](<soa/index.md>)" in (pack / "index.md").read_text()
