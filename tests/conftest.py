"""Shared pytest fixtures: paths to the repository, its test data and OPA."""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
ASSETS = Path(__file__).resolve().parent / "data"

assert ASSETS.is_dir(), f"test data folder missing: {ASSETS}"


@pytest.fixture(scope="session", autouse=True)
def _engine_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The embedded engine's cache of compiled programs in a temporary folder, never the
    user's ~/.cache (inherited by worker processes and subprocesses through the env)."""
    folder = tmp_path_factory.mktemp("engine-cache")
    before = os.environ.get("POLICYENGINE_CACHE_DIR")
    os.environ["POLICYENGINE_CACHE_DIR"] = str(folder)
    yield folder
    if before is None:
        del os.environ["POLICYENGINE_CACHE_DIR"]
    else:
        os.environ["POLICYENGINE_CACHE_DIR"] = before


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository checkout."""
    return REPO


@pytest.fixture
def pools() -> Iterator[list[str]]:
    """The worker pools started while the test runs, as `policyengine.workers` logs them
    at debug level (`check: started 2 worker processes`)."""
    started: list[str] = []

    class Recorder(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            started.append(record.getMessage())

    logger = logging.getLogger("policyengine.workers")
    handler, level = Recorder(logging.DEBUG), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield started
    logger.removeHandler(handler)
    logger.setLevel(level)


@pytest.fixture(scope="session")
def design_example() -> Path:
    """The format's reference example, byte-identical to the design notes' copy."""
    return ASSETS / "design" / "threat-model.example.yaml"


@pytest.fixture(scope="session")
def atlas_reference() -> Path:
    """MITRE ATLAS releases 4.9.0 and 5.6.1 and the facts extracted from them (Apache-2.0)."""
    return ASSETS / "atlas"


# --- OPA: a real `opa run --server` on 127.0.0.1 for tests marked `opa` -----------------

from collections.abc import Iterator  # noqa: E402
from typing import Any  # noqa: E402


def opa_binary() -> str | None:
    """The OPA binary: $POLICYENGINE_OPA, else `opa` on PATH, else ~/go/bin/opa."""
    import os
    import shutil

    for candidate in (
        os.environ.get("POLICYENGINE_OPA"),
        shutil.which("opa"),
        str(Path.home() / "go" / "bin" / "opa"),
    ):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.fixture(scope="session")
def opa_bin() -> str:
    """Path of the OPA binary; fails in CI (env CI set) and skips elsewhere when missing."""
    import os

    found = opa_binary()
    if found is None:
        message = "OPA binary not found (set POLICYENGINE_OPA or put `opa` on PATH)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


def start_opa(binary: str, *extra: str) -> tuple[object, str]:
    """Start `opa run --server` on a free 127.0.0.1 port; (process, base URL) once healthy."""
    import socket
    import subprocess
    import tempfile
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    # NOTE: OPA's log goes to a file, never to a pipe nobody reads: once the pipe's buffer
    # filled (a few hundred requests of decision logging), OPA blocked on its next log write
    # and answered only when a client gave up.
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(
        [binary, "run", "--server", "--addr", f"127.0.0.1:{port}", *extra],
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            err = log.read().decode(errors="replace")
            raise RuntimeError(f"opa exited with {proc.returncode}: {err}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=1) as resp:
                if resp.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("opa did not become healthy within 20 s")


@contextlib.contextmanager
def running_opa(binary: str, *extra: str) -> Iterator[str]:
    """A real `opa run --server` on 127.0.0.1 (extra arguments appended), killed on exit."""
    proc, url = start_opa(binary, *extra)
    try:
        yield url
    finally:
        proc.kill()
        proc.wait(timeout=10)


@pytest.fixture(scope="session")
def opa_server(opa_bin: str) -> Iterator[str]:
    """The base URL of a real OPA server for the session; killed afterwards."""
    with running_opa(opa_bin) as url:
        yield url


def pytest_addoption(parser: pytest.Parser) -> None:
    """`--update-golden` rewrites the golden files under tests/golden/ (review the diff)."""
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite golden files instead of comparing",
    )


# --- provenance in golden files ----------------------------------------------------------


def provenance_placeholders(root: Path) -> dict[str, str]:
    """The digests a report of the models under `root` carries, each with the placeholder
    a golden file has in its place: the policy set's sha256 (bundled policies plus the
    config's) and each control catalog file's sha256, whole and as the 12-digit prefix
    shown. Computed here from the files themselves, so a golden file stays the same when
    a policy changes but a report that names the wrong digest still fails."""
    from policyengine.catalog import load_controls
    from policyengine.config import load_config
    from policyengine.pipeline import policy_dirs
    from policyengine.policyset import load_policy_set

    digest = load_policy_set(policy_dirs(load_config(root, None), ())).digest
    found = {digest: "<policy-set-sha256>"}
    for framework, _, sha in load_controls().editions:
        found[sha] = f"<{framework}-catalog-sha256>"
        found[sha[:12]] = f"<{framework}-catalog-sha256-prefix>"
    return found


def stable(text: str, placeholders: dict[str, str]) -> str:
    """`text` with every digest of `placeholders` replaced (longest first)."""
    for value in sorted(placeholders, key=len, reverse=True):
        text = text.replace(value, placeholders[value])
    return text


def commit_placeholder(root: Path) -> dict[str, str]:
    """The HEAD commit of the repository holding `root` (the examples' own one-commit
    repository, made anew each run), with its placeholder; none outside a repository."""
    import git

    try:
        with git.Repo(root, search_parent_directories=True) as repo:
            return {repo.head.commit.hexsha: "<commit>"}
    except (git.InvalidGitRepositoryError, git.NoSuchPathError, ValueError):
        return {}


def committed_examples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of `examples/` in a repository of its own with one commit, so runs do not
    depend on our history (and the change rule has a history to read: outside git it is
    `unknown`)."""
    import shutil

    import git

    dest = tmp_path_factory.mktemp("ex") / "examples"
    shutil.copytree(REPO / "examples", dest)
    repo = git.Repo.init(dest)
    repo.git.add("--all")
    who = git.Actor("Examples", "examples@example.com")
    repo.index.commit("examples", author=who, committer=who)
    repo.close()
    return dest


def assert_golden(name: str, text: str, update: bool, placeholders: dict[str, str]) -> None:
    """Compare `text`, with `placeholders` put in (`stable`), with tests/golden/NAME byte for
    byte; `update` (pytest --update-golden) rewrites the file first. A missing file fails."""
    text = stable(text, placeholders)
    path = REPO / "tests" / "golden" / name
    if update:
        path.write_bytes(text.encode("utf-8"))
    assert path.is_file(), f"missing {path}: run pytest --update-golden and review it"
    assert text == path.read_bytes().decode("utf-8"), f"differs from {path}"


CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's headless chromium driven by Selenium with its chromium-driver; console
    messages logged. Missing in CI is a failure (`.ci/run` installs both), elsewhere a skip."""
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.is_file()]
    if missing:
        message = f"missing {', '.join(missing)}: apt-get install -y chromium chromium-driver"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI needs the browser: {message}")
        pytest.skip(message)
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(arg)
    options.add_argument("--window-size=1400,1000")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    yield driver
    driver.quit()


# --- the command line, in process ----------------------------------------------------------


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """`policyengine ARGV` run in this process: its exit status, stdout and stderr."""
    from policyengine.cli import main

    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# --- git histories of the examples, for the pull-request checks ------------------------------


def git_run(root: Path, *args: str) -> str:
    """`git ARGS` in `root` as a fixed author at a fixed date (the same commits every run),
    with no user or system config; its stdout, stripped. A failure fails the test."""
    import subprocess

    env = {
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.com",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.com",
        "GIT_AUTHOR_DATE": "2026-11-26T10:00:00+00:00",
        "GIT_COMMITTER_DATE": "2026-11-26T10:00:00+00:00",
        "GIT_CONFIG_NOSYSTEM": "1",
        "PATH": "/usr/bin:/bin:/usr/local/bin",
        "HOME": str(root),
    }
    proc = subprocess.run(["git", *args], cwd=root, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, f"git {' '.join(args)}: {proc.stderr}"
    return proc.stdout.strip()


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example history (`scripts/make_example_history.py`: the examples and their
    reviews over several commits), built once per test module; a module that needs more
    commits on it overrides this fixture, asking for it by the same name."""
    import sys

    scripts = str(REPO / "scripts")
    if scripts not in sys.path:
        sys.path.insert(0, scripts)
    from make_example_history import build_history

    dest = tmp_path_factory.mktemp("history") / "repo"
    build_history(dest)
    return dest


@pytest.fixture
def pr(history: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh copy of the module's `history`, as the working tree a pull request is
    checked in (the current folder while the test runs)."""
    import shutil

    dest = tmp_path / "repo"
    shutil.copytree(history, dest, symlinks=True)
    monkeypatch.chdir(dest)
    return dest


def edit_once(path: Path, old: str, new: str) -> None:
    """Replace `old`, which must occur exactly once in the file, with `new`."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def commit_all(root: Path, message: str) -> None:
    """Commit every change in `root` at a fixed date (2026-11-26), as a pull request's
    branch would hold it."""
    import git

    repo = git.Repo(root)
    repo.git.add("-A")
    repo.git.commit("-q", "-m", message, "--date", "2026-11-26T10:00:00+00:00")
    repo.close()


def pr_findings(doc: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(file, check id, severity) of every finding a pull request is judged on in a check
    JSON report: the models' and the repository's, sorted."""
    out = [
        (m["path"], f["check"], f["severity"])
        for m in doc["pull_request"]["models"]
        for f in m["findings"]
    ]
    out += [(f["file"], f["check"], f["severity"]) for f in doc["pull_request"]["findings"]]
    return sorted(out)
