"""`policyengine check --engine opa` against a real `opa run --server` on 127.0.0.1: the same
bytes and exit status as the embedded engine, a clean exit 2 when OPA is unreachable, and
`--opa-use-loaded` against a server started with our bundle."""

from __future__ import annotations

import contextlib
import io
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import run_cli as _run
from conftest import running_opa

from policyengine.cli import main

pytestmark = pytest.mark.opa

REPO = Path(__file__).resolve().parents[2]
AS_OF = ["--as-of", "2026-11-27"]


@pytest.fixture(scope="module")
def examples_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The examples outside any git repository (with their config and team policies)."""
    dest = tmp_path_factory.mktemp("ex") / "examples"
    shutil.copytree(REPO / "examples", dest)
    return dest


@pytest.fixture(scope="module")
def embedded_json(examples_copy: Path) -> tuple[int, str]:
    """Exit status and JSON report of the embedded engine on the examples."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["check", str(examples_copy), *AS_OF, "--format", "json"])
    return code, out.getvalue()


@pytest.fixture(scope="module")
def own_opa(opa_bin: str) -> Iterator[str]:
    """An OPA server for this module only.

    NOTE: not the session `opa_server`: after this module's policy set, OPA has been seen
    to answer a later policy PUT of another set only after the client's 30 s timeout.
    """
    with running_opa(opa_bin) as url:
        yield url


def test_opa_engine_gives_the_same_bytes_as_embedded(
    capsys: pytest.CaptureFixture[str],
    examples_copy: Path,
    own_opa: str,
    embedded_json: tuple[int, str],
) -> None:
    code, out, err = _run(
        capsys,
        "check",
        str(examples_copy),
        *AS_OF,
        "--format",
        "json",
        "--engine",
        "opa",
        "--opa-url",
        own_opa,
    )
    assert (code, out) == embedded_json
    assert code == 1
    assert '"TM-SUPPLY-001"' in out
    assert "Traceback" not in err


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def test_unreachable_opa_is_a_tool_failure(
    capsys: pytest.CaptureFixture[str], examples_copy: Path
) -> None:
    url = f"http://127.0.0.1:{_free_port()}"
    code, out, err = _run(
        capsys, "check", str(examples_copy), *AS_OF, "--engine", "opa", "--opa-url", url
    )
    assert code == 2
    assert out == ""
    assert f"policyengine: error: cannot connect to OPA at {url}" in err
    assert "opa run --server" in err  # says what to try next
    assert "Traceback" not in err


@pytest.fixture(scope="module")
def bundle_server(opa_bin: str, examples_copy: Path) -> Iterator[str]:
    """An OPA server started with `--bundle FILE`, FILE from `policyengine bundle build`."""
    bundle = examples_copy.parent / "policies.tar.gz"
    config = examples_copy / ".policyengine.yaml"
    assert main(["bundle", "build", "--config", str(config), "--out", str(bundle)]) == 0
    with running_opa(opa_bin, "--bundle", str(bundle)) as url:
        yield url


def test_opa_use_loaded_bundle_gives_the_same_bytes_as_embedded(
    capsys: pytest.CaptureFixture[str],
    examples_copy: Path,
    bundle_server: str,
    embedded_json: tuple[int, str],
) -> None:
    code, out, err = _run(
        capsys,
        "check",
        str(examples_copy),
        *AS_OF,
        "--format",
        "json",
        "--engine",
        "opa",
        "--opa-url",
        bundle_server,
        "--opa-use-loaded",
    )
    assert (code, out) == embedded_json
    assert '"TM-TEAM-' in out  # the team check of examples/policies came from the bundle
    assert "Traceback" not in err


def test_opa_use_loaded_without_our_policies_is_a_tool_failure(
    capsys: pytest.CaptureFixture[str], examples_copy: Path, opa_bin: str
) -> None:
    with running_opa(opa_bin) as url:
        code, out, err = _run(
            capsys,
            "check",
            str(examples_copy),
            *AS_OF,
            "--engine",
            "opa",
            "--opa-url",
            url,
            "--opa-use-loaded",
        )
    assert (code, out) == (2, "")
    assert "the server holds no policyengine policies" in err
    assert "Traceback" not in err


def test_a_hung_server_is_no_answer_in_n_s_once_and_nothing_is_written(
    capsys: pytest.CaptureFixture[str], examples_copy: Path, tmp_path: Path
) -> None:
    """Issue 13: a server that accepts and never answers cost 60 s and read "cannot
    connect". Now: `--opa-timeout`, said once, exit 2, no report."""
    target = tmp_path / "report.json"
    with socket.socket() as hung:
        hung.bind(("127.0.0.1", 0))
        hung.listen(64)
        url = f"http://127.0.0.1:{hung.getsockname()[1]}"
        code, out, err = _run(
            capsys, "check", str(examples_copy), *AS_OF, "--engine", "opa", "--opa-url", url,
            "--opa-timeout", "1", "--output", str(target),
        )  # fmt: skip
    assert (code, out) == (2, "")
    assert err.count("no answer in 1 s") == 1 and "cannot connect" not in err
    assert not target.exists() and list(tmp_path.iterdir()) == []
    assert "Traceback" not in err


@pytest.mark.parametrize("seconds", ["0", "-1", "soon", "3601"])
def test_opa_timeout_must_be_a_sensible_number(
    capsys: pytest.CaptureFixture[str], seconds: str
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["check", "--opa-timeout", seconds])
    assert info.value.code == 2
    assert "--opa-timeout" in capsys.readouterr().err


def test_a_bundle_without_the_team_policy_is_an_error_naming_the_check(
    capsys: pytest.CaptureFixture[str], examples_copy: Path, opa_bin: str, tmp_path: Path
) -> None:
    """Issue 13: a bundle built without the examples' team policy silently dropped
    TM-TEAM-001 (81 findings, MEASURE 3.1 partial). The manifest names the checks."""
    from policyengine.bundled import policies_dir

    bundle = tmp_path / "bundled-only.tar.gz"
    assert main(["bundle", "build", str(policies_dir()), "--out", str(bundle)]) == 0
    capsys.readouterr()
    with running_opa(opa_bin, "--bundle", str(bundle)) as url:
        code, out, err = _run(
            capsys, "check", str(examples_copy), *AS_OF, "--engine", "opa", "--opa-url", url,
            "--opa-use-loaded",
        )  # fmt: skip
    assert (code, out) == (2, "")
    assert "is not the policy set this repository's config names: it lacks TM-TEAM-001;" in err
    assert "policyengine bundle build" in err and "Traceback" not in err


def test_a_bundle_with_another_version_of_a_check_names_it(
    capsys: pytest.CaptureFixture[str], examples_copy: Path, opa_bin: str, tmp_path: Path
) -> None:
    other = tmp_path / "examples"
    shutil.copytree(examples_copy, other)
    (rego,) = [p for p in (other / "policies" / "team").glob("*.rego") if "_test" not in p.name]
    text = rego.read_text(encoding="utf-8")
    assert "severity: medium" in text
    rego.write_text(text.replace("severity: medium", "severity: low"), encoding="utf-8")
    bundle = tmp_path / "other.tar.gz"
    config = other / ".policyengine.yaml"
    assert main(["bundle", "build", "--config", str(config), "--out", str(bundle)]) == 0
    capsys.readouterr()
    with running_opa(opa_bin, "--bundle", str(bundle)) as url:
        code, out, err = _run(
            capsys, "check", str(examples_copy), *AS_OF, "--engine", "opa", "--opa-url", url,
            "--opa-use-loaded",
        )  # fmt: skip
    assert (code, out) == (2, "")
    assert "it has another version of TM-TEAM-001;" in err
