"""The OPA engine on a shared server: each run under a prefix of its own, removing only its
own modules, two concurrent runs that do not interfere; credentials in the URL refused
without being printed; a total deadline per request against a server that trickles."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import running_opa

from policyengine.cli import main
from policyengine.engine.opa import POLICY_ID_PREFIX, RUN_PREFIX, OpaEngine
from policyengine.errors import EngineUnavailable, UsageError
from policyengine.policyset import load_policy_set

pytestmark = pytest.mark.opa

_CHECK = (
    "# METADATA\n# title: t\n# custom:\n#   id: {id}\n#   severity: low\n"
    "#   judges: [threats]\n"
    '#   controls: {{iso42001: ["6.1.2"]}}\n'
)


def _team(folder: Path, check_id: str) -> Path:
    """A team check of package `team.same` (the same package in every tenant) that denies
    when input.deny is true, naming its own check id."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "same.rego").write_text(
        "package team.same\n\n"
        + _CHECK.format(id=check_id)
        + f'deny contains {{"rule_id": "{check_id}", "msg": "m", "path": []}} if input.deny\n',
        encoding="utf-8",
    )
    return folder


def _policy_ids(url: str) -> list[str]:
    with urllib.request.urlopen(f"{url}/v1/policies", timeout=5) as resp:
        return sorted(p["id"] for p in json.load(resp)["result"])


@pytest.fixture(scope="module")
def shared_opa(opa_bin: str) -> Iterator[str]:
    # NOTE: at the default log level OPA logs every request to a pipe nobody reads
    # (conftest.start_opa), and blocks once it is full: these tests send hundreds.
    with running_opa(opa_bin, "--log-level", "error") as url:
        yield url


def test_each_engine_loads_under_its_own_prefix_and_removes_only_its_own(
    shared_opa: str, tmp_path: Path
) -> None:
    ps_a = load_policy_set([_team(tmp_path / "a", "TM-A-001")])
    ps_b = load_policy_set([_team(tmp_path / "b", "TM-B-001")])
    a, b = OpaEngine(shared_opa), OpaEngine(shared_opa)
    assert a.run_prefix != b.run_prefix and a.run_prefix.startswith(RUN_PREFIX)
    [out_a] = a.evaluate(ps_a, [{"deny": True}])
    [out_b] = b.evaluate(ps_b, [{"deny": True}])
    assert [d["rule_id"] for d in out_a.deny] == ["TM-A-001"]
    assert [d["rule_id"] for d in out_b.deny] == ["TM-B-001"]
    ids = _policy_ids(shared_opa)
    assert f"{POLICY_ID_PREFIX}{a.run_prefix}/a/same.rego" in ids
    assert f"{POLICY_ID_PREFIX}{b.run_prefix}/b/same.rego" in ids
    a.close()
    left = _policy_ids(shared_opa)
    assert not [p for p in left if a.run_prefix in p]
    assert [p for p in left if b.run_prefix in p], "a's close removed b's modules"
    assert b.evaluate(ps_b, [{"deny": True}]) == [out_b]
    b.close()
    assert not [p for p in _policy_ids(shared_opa) if p.startswith(POLICY_ID_PREFIX)]


def test_two_concurrent_runs_on_one_server_do_not_interfere(
    shared_opa: str, tmp_path: Path
) -> None:
    # Issue 10: two repositories checking at once lost a team check 1 time in 60.
    sets = {
        "TM-A-001": load_policy_set([_team(tmp_path / "a", "TM-A-001")]),
        "TM-B-001": load_policy_set([_team(tmp_path / "b", "TM-B-001")]),
    }
    wrong: list[str] = []

    def run(check_id: str) -> None:
        for _ in range(15):
            with OpaEngine(shared_opa) as engine:
                out = engine.evaluate(sets[check_id], [{"deny": True}, {"deny": False}])
            got = [[d["rule_id"] for d in o.deny] for o in out]
            if got != [[check_id], []]:
                wrong.append(f"{check_id}: {got}")

    threads = [threading.Thread(target=run, args=(cid,)) for cid in sets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert wrong == []
    assert not [p for p in _policy_ids(shared_opa) if p.startswith(POLICY_ID_PREFIX)]


def test_a_policy_cannot_read_another_tenants_data(shared_opa: str, tmp_path: Path) -> None:
    # Another tenant's document at data.other_tenant: a policy that declares a package of
    # that name reads only its own run's copy (undefined), never the tenant's secret.
    req = urllib.request.Request(
        f"{shared_opa}/v1/data/other_tenant",
        data=json.dumps({"secret": "s3cr3t"}).encode(),
        method="PUT",
        headers={"Content-Type": "application/json"},
    )
    urllib.request.urlopen(req, timeout=5).close()
    folder = tmp_path / "t"
    folder.mkdir()
    (folder / "other.rego").write_text("package other_tenant\n\nmine := 1\n", encoding="utf-8")
    (folder / "steal.rego").write_text(
        "package team.steal\n\n"
        + _CHECK.format(id="TM-S-001")
        + 'deny contains {"rule_id": "TM-S-001", "msg": data.other_tenant.secret, "path": []}'
        + " if true\n",
        encoding="utf-8",
    )
    with OpaEngine(shared_opa) as engine:
        [out] = engine.evaluate(load_policy_set([folder]), [{}])
    assert out.deny == ()


@pytest.mark.parametrize(
    "url",
    ["http://admin:pa55word@127.0.0.1:8181", "https://pa55word@opa.test", "http://:pa55word@h"],
)
def test_credentials_in_the_url_are_refused_and_never_printed(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(UsageError, match="--opa-token") as info:
        OpaEngine(url)
    assert "pa55word" not in str(info.value)
    examples = Path(__file__).resolve().parents[2] / "examples"
    code = main(["check", str(examples), "--engine", "opa", "--opa-url", url])
    out, err = capsys.readouterr()
    assert code == 2
    assert "--opa-token" in err
    assert "pa55word" not in out + err


@pytest.fixture
def trickling_server() -> Iterator[str]:
    """A local HTTP server that answers every request one byte every 0.5 s, for at most
    60 bytes (30 s), then closes."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    srv.settimeout(0.2)
    stop = threading.Event()
    answer = (
        b'HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\n{"result": []                          }'
    )

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(0.2)
                try:
                    conn.recv(65536)
                    for byte in answer[:60]:
                        if stop.wait(0.5):
                            break
                        conn.sendall(bytes([byte]))
                except OSError:
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{srv.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(timeout=5)
        srv.close()


def test_a_trickling_server_is_abandoned_at_the_deadline(
    trickling_server: str, tmp_path: Path
) -> None:
    ps = load_policy_set([_team(tmp_path / "a", "TM-A-001")])
    engine = OpaEngine(trickling_server, timeout=2.0)
    start = time.monotonic()
    with pytest.raises(EngineUnavailable, match=r"no answer in 2 s to "):
        engine.evaluate(ps, [{}])
    elapsed = time.monotonic() - start
    engine.close()
    # one deadline for the request, retries included (a per-read timeout never fires)
    assert elapsed < 6.0, elapsed
