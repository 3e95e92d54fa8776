"""A run over many models is checked end to end in worker processes: the same report."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import git
import pytest

from policyengine import pipeline
from policyengine.config import load_config
from policyengine.engine.embedded import EmbeddedEngine
from policyengine.errors import PolicyError
from policyengine.pipeline import RunOptions, run_check
from policyengine.report.json import JsonFormatter

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
AS_OF = date(2026, 11, 27)


@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The examples plus 36 renamed copies of their models, a YAML file that is not a model,
    a broken one, an invalid one, in git, with one copy's asset changed since."""
    root = tmp_path_factory.mktemp("many") / "repo"
    shutil.copytree(EXAMPLES, root)
    models = root / "models"
    for source in sorted(models.glob("*.yaml")):
        text = source.read_text(encoding="utf-8")
        name = source.stem
        for i in range(12):
            copy = text.replace(f"\n  id: {name}\n", f"\n  id: {name}-{i}\n", 1)
            (models / "copies").mkdir(exist_ok=True)
            (models / "copies" / f"{name}-{i}.yaml").write_text(copy, encoding="utf-8")
    (models / "notes.yaml").write_text("title: not a model\n", encoding="utf-8")
    (models / "broken.yaml").write_text("kind: ThreatModel\nfoo: [unclosed\n", encoding="utf-8")
    invalid = (models / "coding-agent.yaml").read_text(encoding="utf-8")
    (models / "invalid.yaml").write_text(
        invalid.replace("\n  id: coding-agent\n", "\n  id: 7\n", 1), encoding="utf-8"
    )
    repo = git.Repo.init(root)
    with repo.config_writer() as cw:
        cw.set_value("user", "name", "Test")
        cw.set_value("user", "email", "test@example.com")
    repo.git.add(A=True)
    repo.index.commit("models")
    changed = models / "copies" / "support-assistant-3.yaml"
    text = changed.read_text(encoding="utf-8")
    changed.write_text(text.replace('version: "3"', 'version: "4"', 1), encoding="utf-8")
    return root


def _report(root: Path, engine: EmbeddedEngine) -> str:
    options = RunOptions(config=load_config(root), as_of=AS_OF)
    with engine:
        return JsonFormatter().render(run_check([], options, engine))


def test_workers_give_the_report_of_one_process(
    many: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    one = _report(many, EmbeddedEngine(workers=1))
    calls: list[int] = []
    original = pipeline._check_in_workers

    def spy(*args: Any) -> Any:
        calls.append(args[3])
        return original(*args)

    monkeypatch.setattr(pipeline, "_check_in_workers", spy)
    monkeypatch.setattr(pipeline, "_BATCH", 8)  # six batches of git facts, one history read
    two = _report(many, EmbeddedEngine(workers=2))
    assert calls == [2], "more than 32 files on two workers go to the worker path"
    assert two == one
    # The run is not trivially equal: every kind of file is in it.
    assert '"models/broken.yaml"' in one and '"models/invalid.yaml"' in one
    assert '"skipped_files": 1' in one
    assert one.count('"valid": true') == 39
    # The change rule ran on git history in both: the copy whose asset changed says so.
    reports = {m["path"]: m for m in json.loads(one)["models"]}
    change = {
        path: [r for r in reports[path]["review"]["reasons"] if r["rule"] == "change"]
        for path in (
            "models/copies/support-assistant-3.yaml",
            "models/copies/support-assistant-2.yaml",
        )
    }
    assert "support-ft" in change["models/copies/support-assistant-3.yaml"][0]["message"]
    assert change["models/copies/support-assistant-2.yaml"] == []


def test_a_policy_error_in_the_workers_fails_the_run(many: Path, tmp_path: Path) -> None:
    root = tmp_path / "repo"
    shutil.copytree(many, root, ignore=shutil.ignore_patterns(".git"))
    (root / "policies" / "team" / "broken.rego").write_text(
        "package team.broken\n\ndeny contains x if {\n\tx := nosuch(1)\n}\n", encoding="utf-8"
    )
    with pytest.raises(PolicyError, match="broken.rego"):
        _report(root, EmbeddedEngine(workers=2))


def test_a_worker_refuses_policies_changed_since_the_run_read_them(
    many: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Workers read the policies again; if they differ from what the main process read,
    # every task fails instead of judging some models by other rules.
    from policyengine.loader import find_models

    options = RunOptions(config=load_config(many), as_of=AS_OF)
    monkeypatch.setattr(pipeline, "_worker_state", None)
    pipeline._init_worker(options, "not-the-digest")
    [candidate, *_] = find_models([], many, options.config.models).candidates
    with pytest.raises(PolicyError, match="changed while the check ran"):
        pipeline._check_chunk([(candidate, None)])


def test_review_in_workers_gives_the_review_of_one_process(
    many: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = load_config(many)
    calls: list[int] = []
    original = pipeline._review_in_workers

    def spy(*args: Any) -> Any:
        calls.append(args[3])
        return original(*args)

    monkeypatch.setattr(pipeline, "_review_in_workers", spy)
    monkeypatch.setattr(pipeline, "_cpus", lambda: 2)
    monkeypatch.setattr(pipeline, "_BATCH", 16)
    two = pipeline.run_review([], config, AS_OF)
    assert calls == [2]
    monkeypatch.setattr(pipeline, "WORKER_MIN", 10_000)
    one = pipeline.run_review([], config, AS_OF)
    assert calls == [2], "with a high threshold the review stays in one process"
    assert two == one
    assert len(one.models) == 40  # the broken file is a diagnostic, the notes are skipped
    assert one.skipped == 1
    assert [d.file for d in one.diagnostics] == ["models/broken.yaml"]
    changed = next(m for m in one.models if m.path == "models/copies/support-assistant-3.yaml")
    assert changed.review is not None
    assert any("support-ft" in r.message for r in changed.review.reasons)


def test_validate_in_workers_gives_the_result_of_one_process(
    many: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = load_config(many)
    monkeypatch.setattr(pipeline, "_cpus", lambda: 2)
    calls: list[bool] = []
    original = pipeline._in_workers

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs.get("history", True))
        return original(*args, **kwargs)

    monkeypatch.setattr(pipeline, "_in_workers", spy)
    two = pipeline.run_validate([], config, AS_OF)
    assert calls == [False], "validate reads no git history"
    monkeypatch.setattr(pipeline, "WORKER_MIN", 10_000)
    one = pipeline.run_validate([], config, AS_OF)
    assert calls == [False]
    assert two == one
    assert one.skipped == 1
    broken = {m.path: m for m in one.models}
    assert broken["models/broken.yaml"].diagnostics and broken["models/invalid.yaml"].diagnostics
    assert sum(1 for m in one.models if not m.diagnostics) == 39


def test_workers_read_no_history_for_a_file_too_large_to_be_a_model(
    many: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "repo"
    shutil.copytree(many, root, ignore=shutil.ignore_patterns(".git"))
    with (root / "models" / "huge.yaml").open("w", encoding="utf-8") as fh:
        fh.write("# generated data, not a threat model\n")
        fh.write("rows:\n" + "  - 0123456789abcdef0123456789abcdef\n" * 330_000)  # ~11 MB
    asked: list[str] = []
    original = pipeline.ChangeHistory.facts

    def spy(self: Any, paths: list[str], *args: Any) -> Any:
        asked.extend(paths)
        return original(self, paths, *args)

    monkeypatch.setattr(pipeline.ChangeHistory, "facts", spy)
    monkeypatch.setattr(pipeline, "_cpus", lambda: 2)
    run = pipeline.run_review([], load_config(root), AS_OF)
    assert "models/copies/coding-agent-0.yaml" in asked
    assert "models/huge.yaml" not in asked
    assert run.skipped == 2  # the notes and the huge file: neither mentions ThreatModel


def test_workers_follow_the_cpus_the_process_may_use_up_to_eight(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pipeline.os, "sched_getaffinity", lambda pid: set(range(64)), raising=False)
    assert pipeline._cpus() == pipeline.MAX_WORKERS == 8
    monkeypatch.setattr(pipeline.os, "sched_getaffinity", lambda pid: {0, 1, 2}, raising=False)
    assert pipeline._cpus() == 3
    options = RunOptions(config=load_config(EXAMPLES), as_of=AS_OF)
    assert pipeline._worker_processes(options, EmbeddedEngine(workers=32)) == 8
    assert pipeline._worker_processes(options, EmbeddedEngine(workers=1)) == 1


def test_a_small_run_stays_in_one_process(
    many: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 12 models: fewer than WORKER_MIN a worker, and starting the engine's own pool of
    # workers would cost more than evaluating them here.
    from policyengine.engine.embedded import PARALLEL_MIN

    root = tmp_path / "repo"
    shutil.copytree(EXAMPLES, root)
    for i in range(9):
        source = many / "models" / "copies" / f"coding-agent-{i}.yaml"
        shutil.copy(source, root / "models" / source.name)
    assert PARALLEL_MIN < 12 <= pipeline.WORKER_MIN

    def no_pool(*args: Any) -> Any:
        raise AssertionError("a small run started worker processes")

    monkeypatch.setattr(EmbeddedEngine, "_evaluate_parallel", no_pool)
    monkeypatch.setattr(pipeline, "_in_workers", no_pool)
    monkeypatch.setattr(pipeline, "_cpus", lambda: 2)
    run = run_check([], RunOptions(config=load_config(root), as_of=AS_OF))
    assert len(run.models) == 12 and all(m.valid for m in run.models)
