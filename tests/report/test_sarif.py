"""The SARIF view of a check run: valid for Microsoft's SARIF multitool, every check a rule,
messages from the findings' structured arguments, fingerprints that survive moved lines,
waivers as suppressions.

The multitool (npm package `@microsoft/sarif-multitool`) is installed by scripts/test.sh
into `.ci/cache/sarif` (or named by `$SARIF_MULTITOOL`). Locally its test skips when it
is missing; in CI (`CI=true`) it fails.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from conftest import committed_examples

from policyengine.cli import main
from policyengine.report import OutputFormat
from policyengine.report.sarif import VALIDATE_RULE, sarif_document
from policyengine.results import (
    CheckInfo,
    CheckOutcome,
    ControlResult,
    ControlStatus,
    Diagnostic,
    Finding,
    ModelReport,
    RunResult,
    Severity,
)

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
AS_OF = "2026-11-27"


def _multitool() -> str | None:
    given = os.environ.get("SARIF_MULTITOOL")
    if given:
        return given
    cached = REPO / ".ci" / "cache" / "sarif" / "node_modules" / ".bin" / "sarif-multitool"
    return str(cached) if cached.is_file() else shutil.which("sarif-multitool")


@pytest.fixture(scope="module")
def multitool() -> str:
    found = _multitool()
    if found is None:
        message = (
            "the SARIF multitool is missing: npm install --prefix .ci/cache/sarif "
            "@microsoft/sarif-multitool (scripts/test.sh does it)"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return found


@pytest.fixture(scope="module")
def examples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`conftest.committed_examples`."""
    return committed_examples(tmp_path_factory)


def _sarif(capsys: pytest.CaptureFixture[str], *paths: Path) -> dict[str, object]:
    code = main(["check", *map(str, paths), "--as-of", AS_OF, "--format", "sarif"])
    out, err = capsys.readouterr()
    assert code == 1, err
    doc: dict[str, object] = json.loads(out)
    return doc


def _validated(multitool: str, log_text: str, folder: Path) -> None:
    """Validate a SARIF log with the multitool (schema and its rules): no error and no
    warning."""
    log = folder / "check.sarif"
    log.write_text(log_text, encoding="utf-8")
    report = folder / "validation.sarif"
    done = subprocess.run(
        [multitool, "validate", str(log), "--output", str(report)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    problems = json.loads(report.read_text(encoding="utf-8"))["runs"][0]["results"]
    # a result without a level is a warning (SARIF 3.27.10)
    bad = [r for r in problems if r.get("level", "warning") in ("error", "warning")]
    assert bad == [], json.dumps(bad, indent=1)[:4000]
    assert ": error " not in done.stdout and ": warning " not in done.stdout, done.stdout


def test_examples_validate_without_errors_or_warnings(
    multitool: str, examples: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _validated(multitool, json.dumps(_sarif(capsys, examples)), tmp_path)


def test_a_file_name_that_is_no_uri_is_percent_encoded(
    multitool: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The attacker's B8: model files named with a newline, `<`, `|`, a backtick, `[`, `#`
    and `%` gave raw `uri`s, no valid URI reference; each is now percent-encoded (and
    decodes to the file), and the log is valid SARIF."""
    from urllib.parse import unquote

    root = tmp_path / "repo"
    shutil.copytree(REPO / "examples", root)
    names = ["models/a\n::notice::x\r.yaml", "models/x<!--`|[a](http:evil) #1 100%.yaml"]
    for i, name in enumerate(names):
        text = (root / "models" / "coding-agent.yaml").read_text(encoding="utf-8")
        (root / name).write_text(
            text.replace("  id: coding-agent\n", f"  id: coding-agent-{i}\n"), encoding="utf-8"
        )
    doc = _sarif(capsys, *(root / n for n in names))
    uris = {
        loc["physicalLocation"]["artifactLocation"]["uri"]
        for r in doc["runs"][0]["results"]  # type: ignore[index]
        for loc in r["locations"]
    }
    assert {unquote(u) for u in uris} == {*names, "governance/register.yaml"}
    assert all(re.fullmatch(r"[A-Za-z0-9\-._~/%]+", u) for u in uris), uris
    _validated(multitool, json.dumps(doc), tmp_path)


def test_every_check_is_a_rule_and_each_finding_is_on_its_line(
    examples: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = _sarif(capsys, examples)
    run = doc["runs"][0]  # type: ignore[index]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert ids == sorted(ids) and "TM-SCORE-001" in ids and "TM-CTX-001" in ids
    found = {r["ruleId"] for r in run["results"]}
    assert set(ids) - found, "rules that found nothing are listed too"
    for rule in rules:
        assert rule["properties"]["security-severity"] in ("9.5", "8.0", "5.5", "3.0")
        assert rule["help"]["markdown"] and rule["shortDescription"]["text"].endswith(".")
        assert all(c in rule["properties"]["tags"] for c in rule["properties"]["controls"])
    score = next(
        r
        for r in run["results"]
        if r["ruleId"] == "TM-SCORE-001" and "coding-agent" in json.dumps(r["locations"])
    )
    assert score["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "models/coding-agent.yaml", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 136, "startColumn": 5},
    }
    # the message is the rule's template and the finding's arguments, not the text
    rule = rules[score["ruleIndex"]]
    template = rule["messageStrings"][score["message"]["id"]]["text"]
    assert "{0}" in template and score["message"]["arguments"] == ["T-104"]
    assert template.replace("{0}", "T-104") == "threat T-104 has no assumption."


def test_fingerprints_survive_lines_moving(
    examples: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    before = _sarif(capsys, examples / "models" / "coding-agent.yaml")
    moved = tmp_path / "examples"
    shutil.copytree(examples, moved)
    model = moved / "models" / "coding-agent.yaml"
    text = model.read_text(encoding="utf-8")
    model.write_text("# a comment\n# and another\n" + text, encoding="utf-8")
    after = _sarif(capsys, model)

    def prints(doc: dict[str, object]) -> list[tuple[str, int]]:
        """The results in the model (the organisation register's stay where they are)."""
        return [
            (
                r["partialFingerprints"]["policyengine/v1"],
                r["locations"][0]["physicalLocation"]["region"]["startLine"],
            )
            for r in doc["runs"][0]["results"]  # type: ignore[index]
            if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith(
                "coding-agent.yaml"
            )
        ]

    old, new = prints(before), prints(after)
    assert [f for f, _ in old] == [f for f, _ in new]
    assert [line + 2 for _, line in old] == [line for _, line in new]
    assert len({f for f, _ in old}) == len(old), "one fingerprint per finding"


def _waived_run() -> RunResult:
    finding = Finding(
        check_id="TM-ATTEST-001",
        severity=Severity.MEDIUM,
        message="control nist-ai-rmf/MEASURE 2.11 has no attestation",
        pointer="/compliance",
        line=12,
        column=3,
        controls=("nist-ai-rmf/MEASURE 2.11",),
        key='["TM-ATTEST-001"]',
        template="missing",
        arguments=("nist-ai-rmf/MEASURE 2.11",),
    )
    model = ModelReport(
        path="models/a.yaml",
        model_id="a",
        owner="team-a",
        diagnostics=(),
        checks=(CheckOutcome("TM-ATTEST-001", "Attested", Severity.MEDIUM, True, (finding,)),),
        controls=(
            ControlResult(
                "nist-ai-rmf/MEASURE 2.11",
                "nist-ai-rmf",
                ControlStatus.WAIVED,
                ("TM-ATTEST-001",),
                (finding,),
                note="Fairness evaluation is scheduled with the Q1 release.",
            ),
        ),
    )
    broken = ModelReport(
        "models/b.yaml", "", "", (Diagnostic("models/b.yaml", 3, 1, "YAML syntax error"),)
    )
    rule = CheckInfo(
        "TM-ATTEST-001",
        "Attested",
        "medium",
        ("nist-ai-rmf/MEASURE 2.11",),
        "p.rego",
        messages=(("missing", "control {0} has no attestation"),),
    )
    return RunResult(models=(model, broken), as_of=date(2026, 11, 27), rules=(rule,))


def test_a_waived_finding_is_suppressed_with_the_waivers_reason() -> None:
    doc = sarif_document(_waived_run())
    (result, invalid) = doc["runs"][0]["results"]
    assert result["suppressions"] == [
        {
            "kind": "external",
            "status": "accepted",
            "justification": "Fairness evaluation is scheduled with the Q1 release.",
        }
    ]
    assert result["message"] == {"id": "missing", "arguments": ["nist-ai-rmf/MEASURE 2.11"]}
    rules = doc["runs"][0]["tool"]["driver"]["rules"]
    assert invalid["ruleId"] == VALIDATE_RULE == rules[invalid["ruleIndex"]]["id"]
    assert invalid["level"] == "error" and "suppressions" not in invalid


def test_a_finding_whose_arguments_do_not_fill_the_template_keeps_its_text() -> None:
    run = _waived_run()
    model = run.models[0]
    finding = replace(model.checks[0].findings[0], arguments=())
    check = replace(model.checks[0], findings=(finding,))
    run = replace(run, models=(replace(model, checks=(check,), controls=()),))
    (result,) = sarif_document(run)["runs"][0]["results"]
    assert result["message"] == {"text": "control nist-ai-rmf/MEASURE 2.11 has no attestation."}
    assert "suppressions" not in result


def test_sarif_is_offered_by_check_only() -> None:
    with pytest.raises(TypeError, match="no view"):
        from policyengine.results import StatusReport

        OutputFormat.SARIF.formatter().render(StatusReport(_waived_run()))


def _git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def _monorepo(dest: Path, remote: str) -> Path:
    """The examples in the folder `threat/` of a repository with one commit on branch
    `main` and the `origin` remote `remote`; returns the repository's top."""
    shutil.copytree(EXAMPLES, dest / "threat")
    _git(dest, "init", "-q", "-b", "main")
    _git(dest, "remote", "add", "origin", remote)
    _git(dest, "add", "--all")
    _git(
        dest,
        "-c",
        "user.name=Examples",
        "-c",
        "user.email=examples@example.com",
        "commit",
        "-q",
        "--date=2026-11-26T10:00:00+00:00",
        "-m",
        "examples",
    )
    return dest


def test_version_control_provenance_names_the_repository_without_credentials(
    multitool: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    token = "ghs_s3cretT0ken"
    top = _monorepo(tmp_path / "one", f"https://x-access-token:{token}@github.com/org/repo.git")
    code = main(["check", str(top / "threat"), "--as-of", AS_OF, "--format", "sarif"])
    out = capsys.readouterr().out
    assert code == 1
    assert token not in out and str(tmp_path) not in out
    run = json.loads(out)["runs"][0]
    assert run["versionControlProvenance"] == [
        {
            "repositoryUri": "https://github.com/org/repo.git",
            "revisionId": _git(top, "rev-parse", "HEAD"),
            "branch": "main",
            "mappedTo": {"uriBaseId": "%SRCROOT%"},
        }
    ]
    assert run["originalUriBaseIds"]["%SRCROOT%"] == {
        "description": {"text": "The root of the repository."}
    }
    # locations are the repository's paths: the run's root is its folder threat/
    uris = {
        loc["physicalLocation"]["artifactLocation"]["uri"]
        for r in run["results"]
        for loc in r["locations"]
    }
    assert "threat/models/coding-agent.yaml" in uris
    assert all(u.startswith("threat/") for u in uris), sorted(uris)[:3]
    # the same commit elsewhere (another folder, a detached HEAD): the same log but the branch
    other = tmp_path / "two"
    _git(tmp_path, "clone", "-q", str(top), str(other))
    _git(other, "remote", "set-url", "origin", "git@github.com:org/repo.git")
    main(["check", str(other / "threat"), "--as-of", AS_OF, "--format", "sarif"])
    again = capsys.readouterr().out
    assert again.replace("ssh://github.com/org/repo.git", "https://github.com/org/repo.git") == out
    _git(other, "checkout", "-q", "--detach")
    main(["check", str(other / "threat"), "--as-of", AS_OF, "--format", "sarif"])
    detached = json.loads(capsys.readouterr().out)["runs"][0]["versionControlProvenance"][0]
    assert "branch" not in detached
    # a log with the provenance is valid SARIF 2.1.0 (schema and the multitool's rules)
    _validated(multitool, out, tmp_path)


def test_a_local_remote_is_not_named(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    top = _monorepo(tmp_path / "r", str(tmp_path / "upstream.git"))
    main(["check", str(top / "threat"), "--as-of", AS_OF, "--format", "sarif"])
    out = capsys.readouterr().out
    run = json.loads(out)["runs"][0]
    assert "versionControlProvenance" not in run  # its repositoryUri would be this machine's
    assert str(tmp_path) not in out
    assert run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"][
        "uri"
    ].startswith("threat/")
