"""The OPA engine against a real `opa run --server` on 127.0.0.1, and its failure modes."""

from __future__ import annotations

import http.server
import json
import socket
import subprocess
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from conftest import running_opa, start_opa

from policyengine.bundle import build_bundle, check_digests
from policyengine.engine.embedded import EmbeddedEngine
from policyengine.engine.opa import OpaEngine
from policyengine.errors import EngineError, EngineUnavailable, PolicyError, UsageError
from policyengine.policyset import load_policy_set

from .test_embedded import BASIC, EXPECTED, MODEL

pytestmark = pytest.mark.opa


def test_load_and_batch_evaluate(opa_server: str) -> None:
    ps = load_policy_set([BASIC])
    engine = OpaEngine(opa_server, batch_size=2)
    inputs = [MODEL, {"model": {}, "facts": {}}, MODEL]
    out = engine.evaluate(ps, inputs)
    assert out == EmbeddedEngine().evaluate(ps, inputs)
    assert out[0] == EXPECTED
    engine.close()


def test_an_input_that_is_not_json_fails_the_whole_batch(opa_server: str) -> None:
    # The same refusal as on the embedded engine: named, before anything is sent.
    ps = load_policy_set([BASIC])
    engine = OpaEngine(opa_server)
    bad = {"model": {"threats": [{"id": "T-1", "day": date(2026, 1, 1)}]}, "facts": {}}
    with pytest.raises(EngineError, match=r"input\.model\.threats\[0\]\.day is a date"):
        engine.evaluate(ps, [MODEL, bad])
    with pytest.raises(EngineError, match=r"input\.facts\.x is nan"):
        engine.evaluate(ps, [{"model": {}, "facts": {"x": float("nan")}}])
    assert engine.evaluate(ps, [MODEL]) == [EXPECTED]
    engine.close()


def test_compile_error_names_file_row_col(opa_server: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.rego"
    bad.write_text(
        "package bad\n\n" + _CHECK + "deny contains x if {\n\tx := nosuch(1)\n}\n",
        encoding="utf-8",
    )
    with pytest.raises(PolicyError) as info:
        OpaEngine(opa_server).evaluate(load_policy_set([tmp_path]), [{}])
    assert f"{bad}:11:" in str(info.value)
    assert "nosuch" in str(info.value)


def test_reload_replaces_stale_policies(opa_server: str, tmp_path: Path) -> None:
    (tmp_path / "a.rego").write_text("package a\n\n" + _CHECK + 'deny contains "x" if false\n')
    ps_a = load_policy_set([tmp_path])
    engine = OpaEngine(opa_server)
    engine.evaluate(ps_a, [{}])
    out = engine.evaluate(load_policy_set([BASIC]), [MODEL])
    assert out == [EXPECTED]


_CHECK = (
    "# METADATA\n# title: t\n# custom:\n#   id: TM-TEST-900\n#   severity: low\n"
    "#   judges: [threats]\n"
    '#   controls: {iso42001: ["6.1.2"]}\n'
)
"""A check METADATA block (7 lines): the policy-set loader refuses a deny without one."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_connection_refused_is_unavailable() -> None:
    engine = OpaEngine(f"http://127.0.0.1:{_free_port()}", timeout=2)
    with pytest.raises(EngineUnavailable, match="cannot connect to OPA.*Tip:"):
        engine.evaluate(load_policy_set([BASIC]), [MODEL])


def test_bad_url_is_usage_error() -> None:
    with pytest.raises(UsageError):
        OpaEngine("127.0.0.1:8181")


def test_wrong_path_answers_404(opa_server: str) -> None:
    engine = OpaEngine(f"{opa_server}/not/opa", use_loaded=True)
    with pytest.raises(EngineUnavailable, match="HTTP 404"):
        engine.evaluate(load_policy_set([BASIC]), [MODEL])


@pytest.fixture
def http_500() -> Iterator[str]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def _fail(self) -> None:
            self.send_response(500)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"boom")

        do_GET = do_PUT = do_POST = _fail  # noqa: N815

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_server_error_is_unavailable(http_500: str) -> None:
    ps = load_policy_set([BASIC])
    with pytest.raises(EngineUnavailable, match="HTTP 500"):
        OpaEngine(http_500).evaluate(ps, [MODEL])
    with pytest.raises(EngineUnavailable, match="HTTP 500.*boom"):
        OpaEngine(http_500, use_loaded=True).evaluate(ps, [MODEL])


def test_use_loaded_without_policies_is_engine_error(opa_bin: str) -> None:
    proc, url = start_opa(opa_bin)
    assert isinstance(proc, subprocess.Popen)
    try:
        with pytest.raises(EngineError, match="holds no policyengine policies"):
            OpaEngine(url, use_loaded=True).evaluate(load_policy_set([BASIC]), [MODEL])
    finally:
        proc.kill()
        proc.wait()


def test_bundle_served_by_opa_answers_like_embedded(opa_bin: str, tmp_path: Path) -> None:
    ps = load_policy_set([BASIC])
    catalog = tmp_path / "c.json"
    catalog.write_text('{"controls": []}')
    data = build_bundle(ps, {"c": catalog})
    assert data == build_bundle(ps, {"c": catalog}), "bundle bytes are deterministic"
    bundle = tmp_path / "bundle.tar.gz"
    bundle.write_bytes(data)
    proc, url = start_opa(opa_bin, "--bundle", str(bundle))
    assert isinstance(proc, subprocess.Popen)
    try:
        out = OpaEngine(url, use_loaded=True).evaluate(ps, [MODEL, {"model": {}}])
    finally:
        proc.kill()
        proc.wait()
    assert out == EmbeddedEngine().evaluate(ps, [MODEL, {"model": {}}])


def test_bundle_of_another_version_is_named(opa_bin: str, tmp_path: Path) -> None:
    # The aggregator of policyengine 0.1.0 before per-package sets: deny was their union;
    # its manifest names the same policy set, so only its answers tell.
    ps = load_policy_set([BASIC])
    (tmp_path / "main.rego").write_text(
        "package policyengine.main\n\n"
        'result := {"deny": {{"rule_id": "X", "msg": "m", "path": []}},\n'
        '\t"not_applicable": set()}\n\n'
        "batch := [r | some x in input.batch; r := result with input as x]\n",
        encoding="utf-8",
    )
    meta = {"policyengine_digest": ps.digest, "policyengine_checks": check_digests(ps)}
    (tmp_path / ".manifest").write_text(
        json.dumps({"roots": ["policyengine"], "metadata": meta}), encoding="utf-8"
    )
    with running_opa(opa_bin, "--bundle", str(tmp_path)) as url:
        engine = OpaEngine(url, use_loaded=True)
        with pytest.raises(EngineError, match="another version of policyengine"):
            engine.evaluate(load_policy_set([BASIC]), [MODEL])


def test_reload_replaces_a_set_whose_library_other_stale_modules_call(
    opa_bin: str, tmp_path: Path
) -> None:
    lib = tmp_path / "one" / "lib"
    lib.mkdir(parents=True)
    (lib / "h.rego").write_text("package lib.h\n\nyes(x) if x == 1\n")
    (tmp_path / "one" / "z.rego").write_text(  # sorts after lib/: deleted last
        "package z\n\nimport data.lib.h\n\n" + _CHECK + 'deny contains "x" if h.yes(2)\n'
    )
    with running_opa(opa_bin) as url:
        engine = OpaEngine(url)
        engine.evaluate(load_policy_set([tmp_path / "one"]), [{}])
        assert engine.evaluate(load_policy_set([BASIC]), [MODEL]) == [EXPECTED]


def test_a_server_that_does_not_answer_is_no_answer_not_cannot_connect() -> None:
    """Issue 13: a hung OPA cost 60 s and read "cannot connect". The kernel accepts the
    connections of a listening socket nobody serves, so requests wait for an answer."""
    with socket.socket() as hung:
        hung.bind(("127.0.0.1", 0))
        hung.listen(64)
        engine = OpaEngine(f"http://127.0.0.1:{hung.getsockname()[1]}", timeout=0.5)
        with pytest.raises(EngineUnavailable) as info:
            engine.evaluate(load_policy_set([BASIC]), [MODEL])
    message = str(info.value)
    assert "no answer in 0.5 s to a policy list request (--opa-timeout)" in message
    assert "cannot connect" not in message


def test_a_loaded_bundle_is_compared_with_the_policy_set(opa_bin: str, tmp_path: Path) -> None:
    """With use_loaded, the bundle's manifest names its checks: one the set lacks, has
    extra or has in another version is an error that names it (issue 13)."""
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "x.rego").write_text("package extra.x\n\n" + _CHECK + 'deny contains "x" if false\n')
    ps = load_policy_set([BASIC])
    bigger = load_policy_set([BASIC, extra])
    catalog = tmp_path / "c.json"
    catalog.write_text('{"controls": []}')
    bundle = tmp_path / "b.tar.gz"
    bundle.write_bytes(build_bundle(bigger, {"c": catalog}))
    with running_opa(opa_bin, "--bundle", str(bundle)) as url:
        with pytest.raises(
            EngineError, match=r"has TM-TEST-900, which the repository's policy set"
        ):
            OpaEngine(url, use_loaded=True).evaluate(ps, [MODEL])
        assert OpaEngine(url, use_loaded=True).evaluate(bigger, [MODEL])[0] == EXPECTED
    bundle.write_bytes(build_bundle(ps, {"c": catalog}))
    with running_opa(opa_bin, "--bundle", str(bundle)) as url:
        with pytest.raises(EngineError, match=r"it lacks TM-TEST-900; rebuild it"):
            OpaEngine(url, use_loaded=True).evaluate(bigger, [MODEL])
