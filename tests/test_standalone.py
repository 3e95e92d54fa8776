"""The repository stands alone: no tracked file reaches outside the checkout, and a wheel built
from it carries everything `policyengine check` needs (policies, catalogs, schemas)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

# Paths that name the team's reference shelf beside the repository, or a machine's folders.
_FOREIGN = re.compile(
    r"\.\./shared\b|\bshared/(?:design|reference)\b|\.parent\s*/\s*[\"']shared[\"']"
    r"|(?<![\w.~])/(?:work|root|home/\w+)/"
)
# A relative path that climbs: checked by resolving it against the file's own folder.
_CLIMB = re.compile(r"(?:\.\./)+[\w.*-][\w./*-]*")
# Deliberate climbs, each with its reason: fixtures and tests of the path-escape checks, and
# the README's editor lines, written for a model (and a register) one folder below the
# repository root.
_ALLOWED_CLIMBS = {
    ("README.md", "../schemas/threat-model.schema.json"),
    ("README.md", "../schemas/register.schema.json"),
    ("tests/data/bad/evidence_paths.yaml", "../secrets.txt"),
    ("tests/data/bad/evidence_paths.yaml", "../../x.md"),
    ("tests/test_references.py", "../secrets.txt"),
    ("tests/test_references.py", "../../x.md"),
    ("tests/test_references.py", "../sbom.json"),
    ("tests/test_references.py", "../a.md"),
    ("tests/test_config.py", "../rules/extra"),
    ("tests/test_config.py", "../atlas.json"),
    ("tests/test_config.py", "../outside"),
    ("tests/test_config.py", "../cat.json"),
}
_SELF = "tests/test_standalone.py"
# The cases below name the shelf through this, so that no tracked file, this one included,
# spells a path to it.
_SHELF = "shared"  # the scanner's own patterns and cases


def _tracked_files() -> list[str]:
    if not (REPO / ".git").exists():
        pytest.fail("the repository is not a git checkout: cannot list its tracked files")
    out = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True
    ).stdout.decode("utf-8")
    return [name for name in out.split("\0") if name]


def _text(path: Path) -> str | None:
    data = path.read_bytes()
    if b"\0" in data[:8192]:
        return None
    return data.decode("utf-8", errors="replace")


def _problems(name: str, text: str) -> list[str]:
    found = [
        f"{name}:{text.count(chr(10), 0, m.start()) + 1}: {m.group(0)!r}"
        for m in _FOREIGN.finditer(text)
    ]
    folder = (REPO / name).parent
    for m in _CLIMB.finditer(text):
        target = os.path.normpath(folder / m.group(0))
        inside = target == str(REPO) or target.startswith(str(REPO) + os.sep)
        if not inside and (name, m.group(0)) not in _ALLOWED_CLIMBS:
            found.append(f"{name}:{text.count(chr(10), 0, m.start()) + 1}: {m.group(0)!r}")
    return found


def test_no_tracked_file_refers_outside_the_repository() -> None:
    problems: list[str] = []
    for name in _tracked_files():
        path = REPO / name
        if path.is_symlink() or not path.is_file():
            continue
        text = _text(path)
        if text is not None and name != _SELF:
            problems.extend(_problems(name, text))
    assert problems == []


@pytest.mark.parametrize(
    ("text", "caught"),
    [
        (f'EXAMPLE = ROOT.parent / "{_SHELF}" / "design"', True),
        (f"see ../{_SHELF}/reference/atlas", True),
        (f"source: {_SHELF}/design/threat-model.example.yaml", True),
        ("binary at /root/go/bin/opa", True),
        ("evidence: ../../../outside.md", True),
        ("evidence: docs/design.md and ./x/../y.md", False),
        ("opa at ~/go/bin/opa", False),
    ],
    ids=["parent-shared", "relative-shared", "shared-path", "absolute", "climb", "inside", "home"],
)
def test_the_scan_catches_what_it_claims(text: str, caught: bool) -> None:
    assert bool(_problems("benchmarks/x.py", text)) is caught


# --- the wheel -----------------------------------------------------------------------------

_MUST_CONTAIN = [
    "policyengine/__init__.py",
    "policyengine/cli.py",
    "policyengine/data/atlas-catalog.json",
    "policyengine/data/policies.wasm",
    "policyengine/data/policies.wasm.json",
    "policyengine/_bundled/schemas/threat-model.schema.json",
    "policyengine/_bundled/policies/catalog/nist_ai_rmf.json",
    "policyengine/_bundled/policies/catalog/iso42001.json",
    "policyengine/_bundled/policies/catalog/atlas.json",
    "policyengine/_bundled/policies/catalog/crosswalk.json",
    "policyengine/_bundled/policies/lib/result.rego",
    "policyengine/_bundled/policies/nist_ai_rmf/map5_scoring.rego",
]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built from this checkout with pip (hatchling from the test environment)."""
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation"]
        + ["--disable-pip-version-check", "--wheel-dir", str(out), str(REPO)],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("policyengine-*.whl")
    return built


def test_wheel_contains_the_package_data(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert [n for n in _MUST_CONTAIN if n not in names] == []
    bundled_rego = {n for n in names if n.startswith("policyengine/_bundled/policies/")}
    in_checkout = {
        "policyengine/_bundled/" + p.relative_to(REPO).as_posix()
        for p in (REPO / "policies").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert in_checkout <= bundled_rego
    assert not [n for n in names if n.startswith(("tests/", "examples/", "benchmarks/"))]


def test_installed_wheel_checks_the_examples_outside_the_checkout(
    wheel: Path, tmp_path: Path
) -> None:
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    purelib = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    # The wheel itself, unpacked as an installer does (no network, no build); its dependencies
    # come from this test environment's site-packages, added as a plain path (a path in a .pth
    # file is not processed as a site folder, so this environment's editable install of the
    # checkout does not come along).
    zipfile.ZipFile(wheel).extractall(purelib)
    (purelib / "_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    work = tmp_path / "elsewhere"
    shutil.copytree(REPO / "examples", work / "examples")
    clean_env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    where = subprocess.run(
        [str(python), "-c", "import policyengine, sys; print(policyengine.__file__)"],
        cwd=work,
        env=clean_env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    assert Path(where).is_relative_to(purelib)

    argv = ["check", "examples", "--as-of", "2026-11-27", "--format", "json"]
    argv += ["--allow-unknown-history"] if _has_flag("--allow-unknown-history") else []
    installed = subprocess.run(
        [str(python), "-m", "policyengine", *argv],
        cwd=work,
        env=clean_env,
        capture_output=True,
        text=True,
    )
    from_checkout = subprocess.run(
        [sys.executable, "-m", "policyengine", *argv],
        cwd=work,
        env=clean_env,
        capture_output=True,
        text=True,
    )
    assert installed.returncode == 1, installed.stderr
    assert "internal error" not in installed.stderr
    report = json.loads(installed.stdout)
    assert len(report["models"]) >= 3
    assert report["summary"]["models"] == len(report["models"])
    assert (installed.returncode, installed.stdout) == (
        from_checkout.returncode,
        from_checkout.stdout,
    )


def _has_flag(flag: str) -> bool:
    """Whether `check` takes `flag` (a copy of the examples outside git has no history)."""
    out = subprocess.run(
        [sys.executable, "-m", "policyengine", "check", "--help"], capture_output=True, text=True
    )
    return flag in out.stdout
