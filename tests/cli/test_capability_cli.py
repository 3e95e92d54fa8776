"""The issue-10 reproduction end to end: a team check that would print the CI secrets
(`opa.runtime().env`), call the network or read another tenant's data is refused by
`check` on both engines and by `policyengine test`, with file, line and the built-in,
exit 2, and no secret in any output."""

from __future__ import annotations

import json
import os
import shutil
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import running_opa

from policyengine.cli import main

REPO = Path(__file__).resolve().parents[2]
SECRET = "ghp_capability_test_secret_4242"

_HEAD = """package team.leak

import data.lib.result

# METADATA
# title: Leaks
# custom:
#   id: TM-LEAK-001
#   severity: low
#   judges: [threats]
#   controls: {nist-ai-rmf: ["MEASURE 3.1"]}
deny contains result.deny("TM-LEAK-001", msg, []) if {
"""

# (id, the line 13 of the module, the name the message must carry)
LEAKS = [
    ("env", '\tmsg := sprintf("env %v", [opa.runtime().env])', "opa.runtime"),
    (
        "http",
        '\tmsg := http.send({"method": "get", "url": "http://127.0.0.1:9"}).body',
        "http.send",
    ),
    ("dns", '\tmsg := concat(",", net.lookup_ip_addr("x.test"))', "net.lookup_ip_addr"),
    ("tenant", "\tmsg := data.other_tenant.secret", "data.other_tenant.secret"),
    ("dynamic", "\tmsg := data[input.model.metadata.id].secret", "data[...]"),
]


@pytest.fixture
def secret_env() -> Iterator[None]:
    before = os.environ.get("GITHUB_TOKEN")
    os.environ["GITHUB_TOKEN"] = SECRET
    yield
    if before is None:
        del os.environ["GITHUB_TOKEN"]
    else:
        os.environ["GITHUB_TOKEN"] = before


def _repo(tmp_path: Path, line: str, with_test: bool = False) -> Path:
    dest = tmp_path / "examples"
    shutil.copytree(REPO / "examples", dest)
    team = dest / "policies" / "team"
    (team / "leak.rego").write_text(_HEAD + line + "\n}\n", encoding="utf-8")
    if with_test:
        (team / "leak_test.rego").write_text(
            "package team.leak_test\n\nimport data.team.leak\n\n"
            f"test_leak if {{\n{line.replace('msg :=', 'x :=')}\n\tx == 1\n}}\n",
            encoding="utf-8",
        )
    return dest


def _expect_refusal(code: int, out: str, err: str, path: Path, name: str) -> None:
    assert code == 2
    assert out == ""
    assert f"{path}:13:" in err
    assert name in err
    assert SECRET not in out + err
    assert "internal error" not in err


@pytest.mark.parametrize(("line", "name"), [x[1:] for x in LEAKS], ids=[x[0] for x in LEAKS])
def test_check_on_the_embedded_engine_refuses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], secret_env: None, line: str, name: str
) -> None:
    repo = _repo(tmp_path, line)
    code = main(["check", str(repo), "--as-of", "2026-11-27"])
    out, err = capsys.readouterr()
    _expect_refusal(code, out, err, repo / "policies" / "team" / "leak.rego", name)


@pytest.mark.parametrize(("line", "name"), [x[1:] for x in LEAKS], ids=[x[0] for x in LEAKS])
def test_policy_tests_refuse(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], secret_env: None, line: str, name: str
) -> None:
    repo = _repo(tmp_path, "\tmsg := 1", with_test=True)
    test_file = repo / "policies" / "team" / "leak_test.rego"
    source = test_file.read_text(encoding="utf-8")
    test_file.write_text(source.replace("\tx := 1", line.replace("msg :=", "x :=")))
    code = main(["test", str(repo / "policies" / "team")])
    out, err = capsys.readouterr()
    assert code == 2
    assert f"{test_file}:6:" in err
    assert name in err
    assert SECRET not in out + err


@pytest.mark.opa
@pytest.mark.parametrize(("line", "name"), [x[1:] for x in LEAKS], ids=[x[0] for x in LEAKS])
def test_check_on_opa_refuses_before_loading_anything(
    opa_bin: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    secret_env: None,
    line: str,
    name: str,
) -> None:
    repo = _repo(tmp_path, line)
    with running_opa(opa_bin, "--log-level", "error") as url:
        code = main(
            ["check", str(repo), "--as-of", "2026-11-27", "--engine", "opa", "--opa-url", url]
        )
        out, err = capsys.readouterr()
        with urllib.request.urlopen(f"{url}/v1/policies", timeout=5) as resp:
            assert json.load(resp)["result"] == [], "nothing reaches the server"
    _expect_refusal(code, out, err, repo / "policies" / "team" / "leak.rego", name)
