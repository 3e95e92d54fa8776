"""The review rules of controls.md: the review verdict of one model on an as-of date.

Four rules, each a pure function of the model and precomputed facts:

1. calendar: `due` = `review.last_reviewed` + cadence (at most the organisation's
   `review.max_cadence`), clamped to the month's end;
   after it `overdue`, within `remind_before` days of it `due_soon`, and without a
   `last_reviewed` `never_reviewed`;
2. change: trigger fields changed since the review commit (`gitfacts.ChangeFacts`);
3. ATLAS: techniques first released after `review.atlas_version` that apply to this
   model (`applicability.applicable_techniques`, the whole mapping; a technique not
   mapped yet applies until it is);
4. red team: an exercise after the last review has a finding that names no threat.

The verdict is the worst status of the rules (`ReviewStatus.rank`). Review data that
cannot be judged (a cadence or date that is not one, a date after the as-of date, a due
date past the calendar's end) makes the model `never_reviewed`, never `current`. A change
rule that could not read the git history makes it `unknown`, which fails like a finding
unless the caller allows unknown history; other rules that cannot be evaluated contribute
a reason with `status=None` that says why and how to fix it, so nothing passes silently.
No I/O here: git and the catalog are read by the caller.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from dateutil.relativedelta import relativedelta

from .applicability import ApplicabilityMapping, applicable_techniques
from .errors import CatalogError
from .results import ModelReport, ReviewReason, ReviewRule, ReviewStatus, ReviewVerdict

if TYPE_CHECKING:
    from .atlas import AtlasCatalog, Technique
    from .loader import Document
    from .modeldiff import ChangeFacts

Cadence = str | int | Mapping[str, Any]
"""A review cadence: `monthly`, `quarterly`, `semiannual`, `annual`, `{days: N}` (model) or
`N` days (config)."""

CADENCE_MONTHS: Mapping[str, int] = {"monthly": 1, "quarterly": 3, "semiannual": 6, "annual": 12}
"""Calendar months per named cadence."""

DEFAULT_CADENCE = "quarterly"
"""The cadence when neither the model nor the config names one."""

DEFAULT_REMIND_BEFORE = 14
"""Days before the due date from which a review is `due_soon`."""

MIN_CADENCE_DAYS, MAX_CADENCE_DAYS = 1, 3660
"""The bounds of a cadence in days (as the schema's `review.cadence.days`)."""


# --- calendar -------------------------------------------------------------------------


def cadence_label(cadence: Cadence) -> str:
    """`quarterly`, or `every 30 days` for `{days: 30}` (or `30`); raises ValueError when
    the cadence is not one of those."""
    return _cadence(cadence)[0]


def _cadence(cadence: Cadence) -> tuple[str, relativedelta | timedelta]:
    """The label of a cadence and the step it adds; raises ValueError when invalid."""
    if isinstance(cadence, str):
        if cadence not in CADENCE_MONTHS:
            raise ValueError(
                f"unknown review cadence {cadence!r} (expected one of "
                f"{', '.join(CADENCE_MONTHS)}, or {{days: N}})"
            )
        return cadence, relativedelta(months=CADENCE_MONTHS[cadence])
    days: object = cadence
    if isinstance(cadence, Mapping):
        extra = [k for k in cadence if k != "days" and not str(k).startswith("x-")]
        days = cadence.get("days") if not extra else None
    if isinstance(days, bool) or not isinstance(days, int):
        raise ValueError(f"unknown review cadence {cadence!r} (expected a name or {{days: N}})")
    if not MIN_CADENCE_DAYS <= days <= MAX_CADENCE_DAYS:
        raise ValueError(
            f"review cadence of {days} days is outside {MIN_CADENCE_DAYS}-{MAX_CADENCE_DAYS} days"
        )
    return f"every {days} days", timedelta(days=days)


def due_date(last: date, cadence: Cadence) -> date:
    """The calendar due date of a review done on `last`.

    Named cadences add calendar months and clamp to the last day of the target month
    (Nov 30 + 3 months = Feb 28, or Feb 29 in a leap year; Jan 31 + 1 month = Feb 28/29);
    `{days: N}` (or the config's plain `N`) adds N days. Raises ValueError for an unknown
    cadence, or when the due date would be after 9999-12-31.
    """
    step = _cadence(cadence)[1]
    try:
        due: date = last + step
    except (OverflowError, ValueError):
        raise ValueError(
            f"the review after {last.isoformat()} would be due after 9999-12-31"
        ) from None
    return due


def longer_cadence(cadence: Cadence, ceiling: Cadence, start: date | None = None) -> bool:
    """Whether a review on `cadence` falls due later than one on `ceiling`, both counted
    from `start` (default 2001-01-01; from 2000-01-01 when a due date would pass the
    calendar's end). False when either is not a cadence."""
    for day in (start or date(2001, 1, 1), date(2000, 1, 1)):
        try:
            return due_date(day, cadence) > due_date(day, ceiling)
        except (ValueError, TypeError):
            try:
                cadence_label(cadence)
                cadence_label(ceiling)
            except (ValueError, TypeError):
                return False
    return False


def capped(cadence: Cadence, ceiling: Cadence, start: date | None = None) -> Cadence:
    """`cadence`, or `ceiling` when `cadence` is longer (see `longer_cadence`)."""
    return ceiling if longer_cadence(cadence, ceiling, start) else cadence


_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_day(value: Any) -> date | None:
    """A `YYYY-MM-DD` string (or a YAML date) as a date; None when it is not one: another
    spelling (`2026-10-2`, `20261002`) or a day that does not exist (`2026-02-29`)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _DAY.fullmatch(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _section(model: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = model.get(key)
    return value if isinstance(value, Mapping) else {}


def _items(model: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = model.get(key)
    if not isinstance(value, list):
        return []
    return [v for v in value if isinstance(v, Mapping)]


def _days(n: int) -> str:
    return "1 day" if abs(n) == 1 else f"{abs(n)} days"


@dataclass(frozen=True)
class _Calendar:
    due: date | None
    days_left: int | None
    reason: ReviewReason | None


def _calendar_rule(
    model: Mapping[str, Any],
    as_of: date,
    cadence_default: Cadence,
    remind_before: int,
    max_cadence: Cadence,
) -> _Calendar:
    review = _section(model, "review")
    raw_last = review.get("last_reviewed")
    if raw_last is None:
        return _never_reviewed(
            "the model has never been reviewed: review it and record the date in "
            "review.last_reviewed"
        )
    last = parse_day(raw_last)
    cadence: Cadence = review.get("cadence", cadence_default)
    try:
        label = cadence_label(cadence)
    except (ValueError, TypeError) as exc:
        return _unjudgeable(f"review.cadence: {exc}: fix review.cadence")
    if last is None:
        return _unjudgeable(
            f"review.last_reviewed {raw_last!r} is not a date that exists (YYYY-MM-DD): fix it"
        )
    if last > as_of:
        return _unjudgeable(
            f"review.last_reviewed {last.isoformat()} is after {as_of.isoformat()}: record a "
            "review once it has taken place"
        )
    if longer_cadence(cadence, max_cadence, last):
        # The method's rule: never longer than the organisation's ceiling (TM-REVIEW-002
        # reports the model's cadence); the review falls due at the ceiling.
        cadence = max_cadence
        label = f"{cadence_label(max_cadence)}, the ceiling (review.cadence says {label})"
    try:
        due = due_date(last, cadence)
    except ValueError as exc:
        return _unjudgeable(f"{exc}: fix review.cadence")
    days_left = (due - as_of).days
    details: dict[str, object] = {
        "last_reviewed": last.isoformat(),
        "cadence": label,
        "due": due.isoformat(),
        "days_left": days_left,
    }
    since = f"last reviewed {last.isoformat()}, {label}"
    if days_left < 0:
        reason = ReviewReason(
            ReviewRule.CALENDAR,
            ReviewStatus.OVERDUE,
            f"review was due on {due.isoformat()}, {_days(days_left)} ago ({since})",
            details,
        )
    elif days_left <= remind_before:
        when = "today" if days_left == 0 else f"in {_days(days_left)}"
        reason = ReviewReason(
            ReviewRule.CALENDAR,
            ReviewStatus.DUE_SOON,
            f"review is due on {due.isoformat()}, {when} ({since})",
            details,
        )
    else:
        return _Calendar(due, days_left, None)
    return _Calendar(due, days_left, reason)


def _never_reviewed(message: str) -> _Calendar:
    """The calendar rule's verdict on a model with no review it can count: never reviewed."""
    return _Calendar(
        None, None, ReviewReason(ReviewRule.CALENDAR, ReviewStatus.NEVER_REVIEWED, message, {})
    )


def _unjudgeable(message: str) -> _Calendar:
    """Review data the calendar rule cannot judge: the model counts as never reviewed."""
    return _never_reviewed(f"the review record cannot be judged: {message}")


def cadence_days(
    model: Mapping[str, Any],
    default: Cadence,
    as_of: date,
    max_cadence: Cadence = DEFAULT_CADENCE,
) -> int:
    """Days in the model's review window, from its last review (or the as-of date, when
    that review is not a usable date) to the due date, at most `max_cadence`. Never raises:
    a cadence that is not one falls back to `default`, then to `DEFAULT_CADENCE`, and a
    window that would end after 9999-12-31 is measured from 2000-01-01."""
    review = _section(model, "review")
    start = parse_day(review.get("last_reviewed"))
    if start is None or start > as_of:
        start = as_of
    for stated in (review.get("cadence") or default, default, DEFAULT_CADENCE):
        cadence = capped(stated, max_cadence, start)
        for day in (start, date(2000, 1, 1)):
            try:
                return (due_date(day, cadence) - day).days
            except (ValueError, TypeError):
                continue
    return (due_date(date(2000, 1, 1), DEFAULT_CADENCE) - date(2000, 1, 1)).days


# --- change ---------------------------------------------------------------------------


def _change_rule(changes: ChangeFacts | None, allow_unknown: bool) -> list[ReviewReason]:
    why = (
        "no git history was read for this model (run from inside the repository's clone)"
        if changes is None
        else changes.unknown
    )
    if why:
        # Unknown is not a pass: the verdict is `unknown` (failing) unless allowed.
        status = None if allow_unknown else ReviewStatus.UNKNOWN
        message = (
            f"change rule not evaluated (allowed by --allow-unknown-history): {why}"
            if allow_unknown
            else f"change rule not evaluated: {why} (or accept that with --allow-unknown-history)"
        )
        return [ReviewReason(ReviewRule.CHANGE, status, message, {})]
    assert changes is not None
    reasons = []
    review = changes.review_commit
    for change in changes.changes:
        where = "in the working tree (not committed)"
        details: dict[str, object] = {
            "asset": change.asset,
            "asset_type": change.asset_type,
            "change": change.kind.value,
            "field": change.field,
            "old": change.old,
            "new": change.new,
            "baseline": changes.baseline,
            "review_commit": review.sha if review is not None else None,
            "commit": None,
            "author": None,
            "date": None,
        }
        if change.introduced is not None:
            c = change.introduced
            where = f"in commit {c.short} by {c.author} on {c.date}"
            details.update({"commit": c.sha, "author": c.author, "date": c.date})
        after = (
            f"since the review recorded in commit {review.short} ({review.date})"
            if review is not None
            else f"since {changes.baseline}"
        )
        reasons.append(
            ReviewReason(
                ReviewRule.CHANGE,
                ReviewStatus.REVIEW_REQUIRED,
                f"{change.describe()} {where}, {after}: review the threat model",
                details,
            )
        )
    return reasons


# --- ATLAS ----------------------------------------------------------------------------


def _atlas_rule(
    model: Mapping[str, Any],
    atlas: AtlasCatalog | None,
    mapping: ApplicabilityMapping | None,
    added_since: Callable[[str], list[Technique]] | None = None,
) -> list[ReviewReason]:
    """A review when a technique released after `review.atlas_version` applies to the
    model (`applicability.applicable_techniques`: the whole mapping; a technique the
    mapping does not cover yet applies until it is mapped)."""
    if atlas is None or mapping is None:
        return [_unknown_atlas("no ATLAS catalog or applicability mapping was loaded")]
    version = _section(model, "review").get("atlas_version")
    if version is None:
        return [
            _unknown_atlas(
                "review.atlas_version is not set: record the ATLAS release the threats were "
                "checked against"
            )
        ]
    try:
        added = (added_since or atlas.added_since)(str(version))
    except CatalogError as exc:
        return [_unknown_atlas(f"review.atlas_version: {exc}")]
    applicable = {a.technique: a for a in applicable_techniques(model, atlas, mapping).applicable}
    hits = []
    for tech in added:
        item = applicable.get(tech.id)
        if item is None:
            continue
        hits.append(
            {
                "id": tech.id,
                "name": item.name,
                "first_release": tech.first_release,
                "asked_as": item.asked_as,
                "because": item.because,
            }
        )
    if not hits:
        return []
    names = ", ".join(f"{h['id']} {h['name']} ({h['first_release']})" for h in hits)
    return [
        ReviewReason(
            ReviewRule.ATLAS,
            ReviewStatus.REVIEW_REQUIRED,
            f"ATLAS techniques released after {version} apply to this model: {names}; "
            f"consider them and update review.atlas_version to {atlas.version}",
            {"atlas_version": str(version), "catalog_version": atlas.version, "techniques": hits},
        )
    ]


def _unknown_atlas(message: str) -> ReviewReason:
    return ReviewReason(ReviewRule.ATLAS, None, f"ATLAS rule not evaluated: {message}", {})


# --- red team -------------------------------------------------------------------------


def _red_team_rule(model: Mapping[str, Any]) -> list[ReviewReason]:
    last = parse_day(_section(model, "review").get("last_reviewed"))
    threat_ids = {t.get("id") for t in _items(model, "threats") if isinstance(t.get("id"), str)}
    validated: set[str] = set()
    for threat in _items(model, "threats"):
        findings = _section(threat, "validation").get("findings")
        if isinstance(findings, list):
            validated.update(f for f in findings if isinstance(f, str))
    reasons = []
    for exercise in _items(model, "red_team"):
        when = parse_day(exercise.get("date"))
        if when is None or (last is not None and when <= last):
            continue
        for finding in _items(exercise, "findings"):
            ref = f"{exercise.get('id', '?')}/{finding.get('id', '?')}"
            named = finding.get("threats")
            names = [t for t in named if isinstance(t, str)] if isinstance(named, list) else []
            if any(t in threat_ids for t in names) or ref in validated:
                continue
            title = finding.get("title")
            about = f" ({title})" if isinstance(title, str) and title else ""
            after = f", after the last review on {last.isoformat()}" if last else ""
            reasons.append(
                ReviewReason(
                    ReviewRule.RED_TEAM,
                    ReviewStatus.REVIEW_REQUIRED,
                    f"red-team finding {ref}{about} of {when.isoformat()}{after} names no "
                    f"threat of the model: add the threat it found, or map it to one",
                    {
                        "finding": ref,
                        "exercise": exercise.get("id"),
                        "date": when.isoformat(),
                        "threats": names,
                    },
                )
            )
    return reasons


# --- verdict --------------------------------------------------------------------------


def review_model(
    model: Mapping[str, Any],
    *,
    as_of: date,
    cadence_default: Cadence = DEFAULT_CADENCE,
    remind_before: int = DEFAULT_REMIND_BEFORE,
    max_cadence: Cadence = DEFAULT_CADENCE,
    atlas: AtlasCatalog | None,
    mapping: ApplicabilityMapping | None,
    changes: ChangeFacts | None,
    allow_unknown_history: bool = False,
    _added_since: Callable[[str], list[Technique]] | None = None,
) -> ReviewVerdict:
    """The review verdict of `model` (parsed threat model, JSON types) on `as_of`.

    `cadence_default` applies when the model has no `review.cadence`; `remind_before` (days)
    when it has no `review.remind_before`; a cadence longer than `max_cadence` (the
    organisation's ceiling, quarterly by the method) falls due at the ceiling. `atlas` is
    the catalog in use and `changes` the model's git facts (None, or facts whose `unknown`
    is set: the change rule is `unknown`, a failing verdict, unless
    `allow_unknown_history`, when it is only reported as not evaluated). `mapping` is the
    ATLAS applicability mapping (`applicability.load_mapping`); without it or `atlas` the
    ATLAS rule is reported as not evaluated. The status is the
    worst of the rules; `reasons` lists every rule that fired or could not be evaluated, in
    rule order (calendar, change, ATLAS, red team).
    """
    own = _section(model, "review").get("remind_before")
    if isinstance(own, int) and not isinstance(own, bool):
        remind_before = own
    cal = _calendar_rule(model, as_of, cadence_default, remind_before, max_cadence)
    reasons: list[ReviewReason] = [cal.reason] if cal.reason is not None else []
    if _section(model, "review").get("last_reviewed") is not None:
        reasons.extend(_change_rule(changes, allow_unknown_history))
    reasons.extend(_atlas_rule(model, atlas, mapping, _added_since))
    reasons.extend(_red_team_rule(model))
    return ReviewVerdict(
        status=worst(r.status for r in reasons),
        due=cal.due,
        days_left=cal.days_left,
        reasons=tuple(reasons),
        last_reviewed=parse_day(_section(model, "review").get("last_reviewed")),
    )


def worst(statuses: Iterator[ReviewStatus | None] | Sequence[ReviewStatus | None]) -> ReviewStatus:
    """The worst of `statuses` by `ReviewStatus.rank`, ignoring None; `current` when empty."""
    known = [s for s in statuses if s is not None]
    return max(known, key=lambda s: s.rank, default=ReviewStatus.CURRENT)


def _meta(data: Any, key: str) -> str:
    meta = data.get("metadata") if isinstance(data, Mapping) else None
    value = meta.get(key) if isinstance(meta, Mapping) else None
    return str(value) if value is not None else ""


def review_documents(
    documents: Sequence[Document],
    *,
    as_of: date,
    cadence_default: Cadence = DEFAULT_CADENCE,
    remind_before: int = DEFAULT_REMIND_BEFORE,
    max_cadence: Cadence = DEFAULT_CADENCE,
    atlas: AtlasCatalog | None,
    mapping: ApplicabilityMapping | None,
    changes: Mapping[str, ChangeFacts] | None,
    allow_unknown_history: bool = False,
) -> tuple[ModelReport, ...]:
    """One report per loaded model, sorted by path: id, owner and review verdict.

    `changes` maps a document's path to its git facts (`gitfacts.collect_change_facts`);
    a path missing from it gets the change rule `unknown` (see `review_model`).
    """
    memo: dict[str, list[Technique]] = {}

    def added_since(version: str) -> list[Technique]:
        # One catalog scan per ATLAS version, not per model.
        if version not in memo and atlas is not None:
            memo[version] = atlas.added_since(version)
        return memo[version]

    reports = []
    for doc in sorted(documents, key=lambda d: d.path):
        data = doc.data if isinstance(doc.data, Mapping) else {}
        verdict = review_model(
            data,
            as_of=as_of,
            cadence_default=cadence_default,
            remind_before=remind_before,
            max_cadence=max_cadence,
            atlas=atlas,
            mapping=mapping,
            changes=changes.get(doc.path) if changes is not None else None,
            allow_unknown_history=allow_unknown_history,
            _added_since=added_since,
        )
        reports.append(
            ModelReport(
                path=doc.path,
                model_id=_meta(data, "id"),
                owner=_meta(data, "owner"),
                diagnostics=(),
                review=verdict,
            )
        )
    return tuple(reports)
