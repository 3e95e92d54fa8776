"""The validate stage: discovery, loading, schema and reference checks, per file.

Ties `loader`, `schema` and `references` together and hands forward one `FileResult`
per threat-model file (its Document, or None when it did not load, and its diagnostics),
plus the skipped count and the run-level diagnostics. No rules of its own.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

from .loader import Document, discover, to_pointer
from .references import AtlasLookup, PathChecks, check_references
from .results import Diagnostic, Level, ModelReport
from .schema import validate_schema
from .workers import DOCUMENTS_PER_WORKER, fork_map, worker_count

MAX_THREATS = 5_000
"""Most threats one model may list. Evaluation time grows linearly up to it (see
`benchmarks/bench_threats.py`); far beyond it the embedded engine can crash, so a larger
model is refused before its schema, references or policies are looked at."""

CEILINGS: tuple[tuple[str, int], ...] = (
    ("assets", 5_000),
    ("surfaces", 1_000),
    ("threats", MAX_THREATS),
    ("controls", 5_000),
    ("red_team", 1_000),
)
"""Most entries each top-level list of a model may hold, in file order. Checks join these
lists with one another (threats with their surfaces and controls, techniques with the
surfaces on their layers), so an unbounded list is a way to make one pull request cost a CI
runner minutes of CPU and gigabytes; real systems list tens, a large one hundreds."""

_NAMES = {"red_team": "red-team exercises"}


def _over_the_ceiling(doc: Document) -> Diagnostic | None:
    """The error of a model whose list `CEILINGS` names holds more entries than its limit
    (the first such list), located at its key; None otherwise."""
    data = doc.data
    if not isinstance(data, dict):
        return None
    for key, most in CEILINGS:
        entries = data.get(key)
        if not isinstance(entries, list) or len(entries) <= most:
            continue
        line, column = doc.locate((key,))
        return Diagnostic(
            doc.path,
            line,
            column,
            f"the model lists {len(entries):,} {_NAMES.get(key, key)}; the limit is {most:,} "
            "(split the system into several threat models)",
            f"/{key}",
            Level.ERROR,
            "limit",
        )
    return None


_INT64 = (-(2**63), 2**63 - 1)


def _has_unreadable(data: object) -> bool:
    """Whether `data` holds a number `_unreadable_numbers` reports: a walk that keeps no
    paths, since nearly every model has none (~0.3 ms a model instead of ~2 ms)."""
    low, high = _INT64
    stack: list[Any] = [data]
    pop, extend = stack.pop, stack.extend
    while stack:
        value = pop()
        kind = type(value)
        if kind is dict:
            extend(value.values())
        elif kind is list:
            extend(value)
        elif kind is int:
            if not low <= value <= high:
                return True
        elif kind is float:
            if not math.isfinite(value):
                return True
        elif kind is not str and kind is not bool and value is not None:
            return True  # not the loader's types: let the full walk judge it
    return False


def _unreadable_numbers(doc: Document) -> list[Diagnostic]:
    """An error at each number no policy engine reads exactly: an integer beyond 64 bits
    (the embedded engine truncates it) or an infinite float (`1e999`; JSON has none)."""
    found: list[Diagnostic] = []
    low, high = _INT64
    if not _has_unreadable(doc.data):
        return found
    stack: list[tuple[object, tuple[str | int, ...]]] = [(doc.data, ())]
    while stack:
        value, parts = stack.pop()
        if isinstance(value, dict):
            stack.extend((v, (*parts, k)) for k, v in value.items())
            continue
        if isinstance(value, list):
            stack.extend((v, (*parts, i)) for i, v in enumerate(value))
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        if isinstance(value, int) and not low <= value <= high:
            size = "over" if value > 0 else "under"
            problem = f"a number {size} the 64-bit integers (-2^63 to 2^63-1) policies can read"
        elif isinstance(value, float) and not math.isfinite(value):
            problem = "a number too large for a 64-bit float (it reads as infinity)"
        else:
            continue
        line, column = doc.locate(parts)
        found.append(
            Diagnostic(
                doc.path,
                line,
                column,
                f"{problem}; quote it to keep it as text",
                to_pointer(parts),
                Level.ERROR,
                "limit",
            )
        )
    return found


def _future_review(doc: Document, as_of: date | None) -> list[Diagnostic]:
    """A warning at `review.last_reviewed` when it is after `as_of`: a review recorded
    before it took place counts for nothing, and saying so here names the line. A warning,
    not an error: the model is still judged, and the calendar rule's verdict is
    `never_reviewed` (TM-REVIEW-001 in `check`). Nothing to judge without `as_of`."""
    data = doc.data
    review = data.get("review") if isinstance(data, dict) else None
    raw = review.get("last_reviewed") if isinstance(review, dict) else None
    if as_of is None or not isinstance(raw, str | date):
        return []
    try:
        day = raw if isinstance(raw, date) else date.fromisoformat(raw)
    except ValueError:
        return []  # not a date: the schema says so
    if day <= as_of:
        return []
    line, column = doc.locate(("review", "last_reviewed"))
    return [
        Diagnostic(
            doc.path,
            line,
            column,
            f"review/last_reviewed: {day.isoformat()} is after the as-of date "
            f"{as_of.isoformat()}: record a review once it has taken place",
            "/review/last_reviewed",
            Level.WARNING,
            "review",
        )
    ]


def _order(d: Diagnostic) -> tuple[int, int, str, str]:
    """Sort key: file order, then message, then pointer (deterministic)."""
    return (d.line, d.column, d.message, d.pointer)


def _under(pointer: str, prefixes: Collection[str]) -> bool:
    """True when `pointer` is one of `prefixes` or inside one of them."""
    return any(pointer == p or pointer.startswith(p + "/") for p in prefixes)


def validate_document(
    doc: Document,
    *,
    root: Path,
    control_ids: Collection[str],
    atlas: AtlasLookup,
    as_of: date | None = None,
    paths: PathChecks | None = None,
) -> tuple[Diagnostic, ...]:
    """Schema and reference diagnostics of one loaded document, sorted by line and column;
    with `as_of`, also a `review.last_reviewed` after it (`_future_review`). `paths`: the
    path problems the run knows already (`references.PathChecks`).

    Reference checks skip the parts of the model that have a schema error (a node, or
    anything under it), so one mistake is reported once. A model over one of the
    `CEILINGS` gets that one error and no other check. Deterministic.
    """
    too_many = _over_the_ceiling(doc)
    if too_many is not None:
        return (too_many,)
    schema_errors = [*validate_schema(doc), *_unreadable_numbers(doc), *_future_review(doc, as_of)]
    broken = {d.pointer for d in schema_errors if d.pointer}
    refs = check_references(doc, root=root, control_ids=control_ids, atlas=atlas, paths=paths)
    kept = [d for d in refs if not _under(d.pointer, broken)]
    return tuple(sorted([*schema_errors, *kept], key=_order))


@dataclass(frozen=True)
class FileResult:
    """The validation result of one threat-model file."""

    path: str
    """Repository-relative POSIX path of the file."""
    document: Document | None
    """The loaded document; None when the file did not load (see `diagnostics`)."""
    diagnostics: tuple[Diagnostic, ...]
    """Load, schema and reference diagnostics, errors and warnings, in file order."""

    @property
    def valid(self) -> bool:
        """True when the file loaded and no diagnostic is an error."""
        return self.document is not None and not any(
            d.level is Level.ERROR for d in self.diagnostics
        )

    def _meta(self, key: str) -> str:
        data = self.document.data if self.document is not None else None
        meta = data.get("metadata") if isinstance(data, dict) else None
        value = meta.get(key) if isinstance(meta, dict) else None
        return value if isinstance(value, str) else ""

    @property
    def model_id(self) -> str:
        """`metadata.id`, or "" when missing or the file did not load."""
        return self._meta("id")

    @property
    def owner(self) -> str:
        """`metadata.owner`, or ""."""
        return self._meta("owner")

    def to_report(self) -> ModelReport:
        """A `ModelReport` with the path, model id, owner and diagnostics only."""
        return ModelReport(self.path, self.model_id, self.owner, self.diagnostics)


def validate_file(
    loaded: Document | Diagnostic,
    *,
    root: Path,
    control_ids: Collection[str],
    atlas: AtlasLookup,
    as_of: date | None = None,
    paths: PathChecks | None = None,
) -> FileResult:
    """One loaded file (`loader.load_candidate`) validated (`validate_document`, with the
    run's `paths` when given), or the reason it did not load, as a `FileResult`."""
    if isinstance(loaded, Diagnostic):
        return FileResult(loaded.file, None, (loaded,))
    diagnostics = validate_document(
        loaded, root=root, control_ids=control_ids, atlas=atlas, as_of=as_of, paths=paths
    )
    return FileResult(loaded.path, loaded, diagnostics)


@dataclass(frozen=True)
class Validation:
    """The result of validating every threat model under some paths."""

    files: tuple[FileResult, ...]
    """One result per threat-model file (loaded or not), sorted by path."""
    skipped: int
    """YAML files under the given folders that are not threat models."""
    diagnostics: tuple[Diagnostic, ...]
    """Run-level problems: missing paths, globs that match nothing."""


def validate_paths(
    paths: Sequence[Path],
    *,
    root: Path,
    globs: Sequence[str] = (),
    control_ids: Collection[str],
    atlas: AtlasLookup,
    workers: int = 0,
    not_models: Sequence[Path] = (),
    as_of: date | None = None,
) -> Validation:
    """Discover, load and validate the threat models named by `paths` and `globs`
    (`not_models`: files found under them that are no candidates, `loader.find_models`).

    A file that failed to load (or a named file that is not a threat model) is a
    `FileResult` with `document=None`; problems without a file line (a path that does
    not exist) are run-level. Never raises for user input.

    `workers` is the worker processes asked for (0 automatic, 1 in process). Schema and
    reference checks cost ~1.2 ms a 40-threat model, so only more than
    `DOCUMENTS_PER_WORKER` loaded documents a worker are checked in forked processes
    (`workers.fork_map`, Linux). A large run of `check`, `validate` or `status` reads and
    checks its models in worker processes of its own instead (`pipeline`); this serves the
    OPA engine and smaller runs. The answers are the same either way.
    """
    found = discover(paths, root, globs, not_models=not_models)
    files: dict[str, FileResult] = {}
    run_level: list[Diagnostic] = []
    for diag in found.diagnostics:
        if diag.line == 0 or diag.code == "kind":  # no file line, or a near-miss warning
            run_level.append(diag)
            continue
        prior = files.get(diag.file)
        extra = prior.diagnostics if prior is not None else ()
        files[diag.file] = FileResult(diag.file, None, tuple(sorted((*extra, diag), key=_order)))
    check = partial(validate_document, root=root, control_ids=control_ids, atlas=atlas, as_of=as_of)
    count = worker_count(workers, len(found.documents), DOCUMENTS_PER_WORKER)
    checked = fork_map(check, found.documents, count)
    for doc, diagnostics in zip(found.documents, checked, strict=True):
        files[doc.path] = FileResult(doc.path, doc, diagnostics)
    return Validation(
        tuple(files[k] for k in sorted(files)),
        found.skipped,
        tuple(sorted(run_level, key=lambda d: (d.file, d.message))),
    )


def duplicate_ids(
    models: Sequence[ModelReport], locate: Callable[[str], tuple[int, int]]
) -> dict[str, Diagnostic]:
    """An error for every model whose `metadata.id` another model in the run also uses,
    naming the others: ids key findings, reviews and evidence, so two files with one id
    would be judged as one system. `locate(path)` gives the (line, column) of the file's
    `metadata.id`. Keys are model paths; models without an id are not compared."""
    by_id: dict[str, list[str]] = {}
    for model in models:
        if model.model_id:
            by_id.setdefault(model.model_id, []).append(model.path)
    found: dict[str, Diagnostic] = {}
    for model_id, paths in by_id.items():
        if len(paths) < 2:
            continue
        for path in paths:
            others = ", ".join(p for p in sorted(paths) if p != path)
            line, column = locate(path)
            found[path] = Diagnostic(
                path,
                line,
                column,
                f"metadata.id '{model_id}' is also the id of {others}: "
                "each threat model needs an id of its own",
                "/metadata/id",
                Level.ERROR,
                "reference",
            )
    return found
