"""A run over many models is checked end to end in worker processes: the same report.

Which pools a run starts is read from what `policyengine.workers` logs at debug level
(the `pools` fixture): the worker count is an argument, never a patched name.
"""

from __future__ import annotations

import json
import pickle
import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path

import git
import pytest

from policyengine import pipeline
from policyengine.bundled import policies_dir
from policyengine.cli import main
from policyengine.config import load_config
from policyengine.engine.embedded import EmbeddedEngine
from policyengine.errors import PolicyError
from policyengine.gitfacts import ChangeFacts, ChangeHistory
from policyengine.loader import find_models
from policyengine.pipeline import RunOptions, run_check
from policyengine.policyset import load_policy_set
from policyengine.report.json import JsonFormatter
from policyengine.workers import FILES_PER_WORKER, INPUTS_PER_WORKER

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


def _report(root: Path, workers: int) -> str:
    options = RunOptions(config=load_config(root), as_of=AS_OF, workers=workers)
    return JsonFormatter().render(run_check([], options))


def test_workers_give_the_report_of_one_process(many: Path, pools: list[str]) -> None:
    one = _report(many, workers=1)
    assert pools == [], "--workers 1 stays in one process"
    two = _report(many, workers=2)
    assert pools == ["check: started 2 worker processes"], "42 files on two workers"
    assert two == one
    # The run is not trivially equal: every kind of file is in it.
    assert '"models/broken.yaml"' in one and '"models/invalid.yaml"' in one
    assert '"skipped_files": 1' in one
    assert sum(m["valid"] for m in json.loads(one)["models"]) == 39
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


def test_git_histories_are_found_a_batch_at_a_time_with_the_same_answers(many: Path) -> None:
    candidates = find_models([], many, load_config(many).models).candidates
    asked: list[list[str]] = []

    def histories(paths: list[str]) -> dict[str, object]:
        asked.append(paths)
        return {p: f"history of {p}" for p in paths}

    batched = [
        pair for chunk in pipeline._history_chunks(histories, candidates, batch=8) for pair in chunk
    ]
    assert len(candidates) == 42
    assert [len(paths) for paths in asked] == [8, 8, 8, 8, 8, 2]
    whole = [pair for chunk in pipeline._history_chunks(histories, candidates) for pair in chunk]
    assert len(asked) == 7, "one batch of 64 holds the 42 files"
    assert batched == whole
    assert [c for c, _ in whole] == list(candidates)
    assert all(f == f"history of {c.shown}" for c, f in whole)


def test_check_workers_walk_the_histories_and_hand_what_they_read_to_the_cache(
    many: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The main process parses no model for the change rule: the workers walk each model's
    # history from the model they loaded, and the main process writes what they learnt.
    cache = tmp_path / "cache"
    monkeypatch.setenv("POLICYENGINE_CACHE_DIR", str(cache))
    first = _report(many, workers=2)
    packs = list(cache.glob("views/*/*.pack"))
    assert len(packs) == 1
    entries = packs[0].read_bytes().splitlines()
    # One version was read: the committed one of the model changed since (a working-tree
    # version is never cached: each worker has it loaded).
    assert len(entries) == 1 and entries[0].startswith(b'{"blob":"')
    assert _report(many, workers=2) == first
    assert list(cache.glob("views/*/*.pack")) == packs  # nothing new learnt: nothing written
    assert first == _report(many, workers=1)


def test_a_policy_error_in_the_workers_fails_the_run(many: Path, tmp_path: Path) -> None:
    root = tmp_path / "repo"
    shutil.copytree(many, root, ignore=shutil.ignore_patterns(".git"))
    (root / "policies" / "team" / "broken.rego").write_text(
        "package team.broken\n\ndeny contains x if {\n\tx := nosuch(1)\n}\n", encoding="utf-8"
    )
    with pytest.raises(PolicyError, match="broken.rego"):
        _report(root, workers=2)


def test_a_worker_refuses_policies_changed_since_the_run_read_them(many: Path) -> None:
    # Workers read the policies again; if they differ from what the main process read,
    # every task fails instead of judging some models by other rules.
    options = RunOptions(config=load_config(many), as_of=AS_OF)
    with pytest.raises(PolicyError, match="changed while the check ran"):
        pipeline._init_check(options, "not-the-digest")


def test_review_in_workers_gives_the_review_of_one_process(many: Path, pools: list[str]) -> None:
    config = load_config(many)
    two = pipeline.run_review([], config, AS_OF, workers=2)
    assert pools == ["review: started 2 worker processes"]
    one = pipeline.run_review([], config, AS_OF, workers=1)
    assert len(pools) == 1, "with one worker the review stays in one process"
    assert two == one
    assert len(one.models) == 40  # the broken file is a diagnostic, the notes are skipped
    assert one.skipped == 1
    assert [d.file for d in one.diagnostics] == ["models/broken.yaml"]
    changed = next(m for m in one.models if m.path == "models/copies/support-assistant-3.yaml")
    assert changed.review is not None
    assert any("support-ft" in r.message for r in changed.review.reasons)


def test_review_workers_hand_what_they_read_to_the_cache(
    many: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The workers walk the histories; the main process writes what they learnt, once.
    cache = tmp_path / "cache"
    monkeypatch.setenv("POLICYENGINE_CACHE_DIR", str(cache))
    config = load_config(many)
    first = pipeline.run_review([], config, AS_OF, workers=2)
    packs = list(cache.glob("views/*/*.pack"))
    assert len(packs) == 1
    entries = packs[0].read_bytes().splitlines()
    # One version was read, in a worker: the committed one of the model changed since.
    assert len(entries) == 1 and entries[0].startswith(b'{"blob":"')
    again = pipeline.run_review([], config, AS_OF, workers=2)
    assert again == first
    assert list(cache.glob("views/*/*.pack")) == packs  # nothing new learnt: nothing written


def test_validate_in_workers_gives_the_result_of_one_process(many: Path, pools: list[str]) -> None:
    config = load_config(many)
    two = pipeline.run_validate([], config, AS_OF, workers=2)
    assert pools == ["validate: started 2 worker processes"]
    one = pipeline.run_validate([], config, AS_OF, workers=1)
    assert len(pools) == 1
    assert two == one
    assert one.skipped == 1
    broken = {m.path: m for m in one.models}
    assert broken["models/broken.yaml"].diagnostics and broken["models/invalid.yaml"].diagnostics
    assert sum(1 for m in one.models if not m.diagnostics) == 39


def test_workers_read_no_history_for_a_file_too_large_to_be_a_model(
    many: Path, tmp_path: Path
) -> None:
    root = tmp_path / "repo"
    shutil.copytree(many, root, ignore=shutil.ignore_patterns(".git"))
    with (root / "models" / "huge.yaml").open("w", encoding="utf-8") as fh:
        fh.write("# generated data, not a threat model\n")
        fh.write("rows:\n" + "  - 0123456789abcdef0123456789abcdef\n" * 330_000)  # ~11 MB
    candidates = find_models([], root, load_config(root).models).candidates
    asked: list[str] = []

    def histories(paths: list[str]) -> dict[str, object]:
        asked.extend(paths)
        return {}

    chunks = list(pipeline._history_chunks(histories, candidates))
    assert "models/huge.yaml" in [c.shown for chunk in chunks for c, _ in chunk]
    assert "models/copies/coding-agent-0.yaml" in asked
    assert "models/huge.yaml" not in asked
    with ChangeHistory(root, len(candidates)) as history:
        found = {
            c.shown: h
            for chunk in pipeline._history_chunks(history.histories, candidates)
            for c, h in chunk
        }
    assert isinstance(found["models/copies/coding-agent-0.yaml"], ChangeFacts)  # no git there
    assert found["models/huge.yaml"] is None
    run = pipeline.run_review([], load_config(root), AS_OF, workers=2)
    assert run.skipped == 2  # the notes and the huge file: neither mentions ThreatModel


@pytest.fixture(scope="module")
def twelve(many: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The examples and nine copies of the coding agent, in git, with one copy changed:
    more models than the embedded engine's pool takes, fewer than a run's workers take."""
    root = tmp_path_factory.mktemp("twelve") / "repo"
    shutil.copytree(EXAMPLES, root)
    for i in range(9):
        source = many / "models" / "copies" / f"coding-agent-{i}.yaml"
        shutil.copy(source, root / "models" / source.name)
    repo = git.Repo.init(root)
    with repo.config_writer() as cw:
        cw.set_value("user", "name", "Test")
        cw.set_value("user", "email", "test@example.com")
    repo.git.add(A=True)
    repo.index.commit("models")
    changed = root / "models" / "coding-agent-4.yaml"
    text = changed.read_text(encoding="utf-8")
    changed.write_text(text.replace("likelihood: 4", "likelihood: 5", 1), encoding="utf-8")
    assert INPUTS_PER_WORKER < 12 <= FILES_PER_WORKER
    return root


def test_a_small_run_stays_in_one_process(twelve: Path, pools: list[str]) -> None:
    # 12 models: fewer than FILES_PER_WORKER a worker, and starting the engine's own pool
    # of workers would cost more than evaluating them here.
    run = run_check([], RunOptions(config=load_config(twelve), as_of=AS_OF, workers=2))
    assert len(run.models) == 12 and all(m.valid for m in run.models)
    assert pools == []
    # What a pool would have looked like: the engine's, asked for two workers.
    with EmbeddedEngine(workers=2) as engine:
        engine.evaluate(load_policy_set([policies_dir()]), [{"model": {}, "facts": {}}] * 12)
    assert pools == ["the embedded engine: started 2 worker processes"]


def test_a_small_pull_request_check_stays_in_one_process(
    twelve: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # `check --base` evaluates both sides with one engine of its own: below the threshold
    # it evaluates them here (it once started one worker per CPU for 12 models).
    argv = ["check", str(twelve), "--base", "HEAD", "--as-of", "2026-11-27", "-f", "json"]
    code = main(["--debug", *argv, "--workers", "2"])
    out, err = capsys.readouterr()
    doc = json.loads(out)
    assert len(doc["models"]) == 12
    [changed] = [m for m in doc["pull_request"]["models"] if m["change"] == "changed"]
    assert changed["path"] == "models/coding-agent-4.yaml"
    # the rescored threat's findings are new (their risk param changed), below fail_on
    assert changed["findings"] and code == 0
    assert "worker processes" not in err
    assert main([*argv, "--workers", "1"]) == code
    assert capsys.readouterr().out == out


@pytest.mark.parametrize("command", ["validate", "check", "status", "remind", "test"])
def test_every_parallel_command_takes_workers_and_refuses_a_negative_count(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main([command, "--workers", "-1"])
    assert info.value.code == 2
    assert (
        "argument --workers: workers must be 0 (automatic) or more: -1" in capsys.readouterr().err
    )


def test_reports_cross_to_the_main_process_whole_as_their_field_values(many: Path) -> None:
    """What a check worker sends back (every kind of report the run has) is read back
    equal and renders the same, pickled as each object's class and field values (slots:
    no instance dictionary, no field names)."""
    run = run_check([], RunOptions(config=load_config(many), as_of=AS_OF, workers=1))
    back = pickle.loads(pickle.dumps(run.models))
    assert back == run.models
    assert JsonFormatter().render(replace(run, models=back)) == JsonFormatter().render(run)
    model = next(m for m in run.models if m.review and any(c.basis for c in m.controls))
    assert not hasattr(model, "__dict__")
    sent = pickle.dumps(model)
    assert b"model_id" not in sent and b"check_id" not in sent and b"ModelReport" in sent
