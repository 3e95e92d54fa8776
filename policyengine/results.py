"""The data types passed between pipeline stages, and the exit status of every command.

The stages hand their results forward as these frozen dataclasses: the loader, the
schema and the reference checks report `Diagnostic`s; `review` gives a `ReviewVerdict`;
`evaluate` gives `CheckOutcome`s and their `Finding`s; `controls` derives
`ControlResult`s; `pr` gives a `PullRequestDelta`; the pipeline gathers one
`ModelReport` per file into a `RunResult`. Each command ends with one `Report`, which a
formatter renders and `exit_status` judges. The closed vocabularies (`Severity`,
`Level`, `ControlStatus`, `ReviewStatus`, `ReviewRule`, `Outcome`) are `StrEnum`s whose
values are the JSON strings. This module imports nothing from the rest of the package,
so that any stage and any report format can depend on it.

Each of them has slots and pickles as its class and its field values (`_by_fields`):
a check's worker processes send every model's report to the main process, which holds
them all until it renders them (1,000 models: ~400,000 of these objects).
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import date
from enum import StrEnum
from operator import attrgetter
from typing import Any, assert_never


class Severity(StrEnum):
    """How bad a failing check is; `--fail-on` compares against it."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        """4 for critical down to 1 for low: larger is worse."""
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.CRITICAL: 4, Severity.HIGH: 3, Severity.MEDIUM: 2, Severity.LOW: 1}


class Level(StrEnum):
    """Whether a diagnostic makes a model invalid (error) or only informs (warning)."""

    ERROR = "error"
    WARNING = "warning"


class ControlStatus(StrEnum):
    """The status of one framework control for one model, or for the repository when the
    organisation register judges it (controls.md)."""

    SATISFIED = "satisfied"
    """Every mapped check passed after judging something: verified by checks."""
    ATTESTED = "attested"
    """Met by the organisation register or by evidence the model cites, not verified by a
    check: an auditor reads the cited documents."""
    PARTIAL = "partial"
    NOT_SATISFIED = "not_satisfied"
    NOT_APPLICABLE = "not_applicable"
    WAIVED = "waived"
    NOT_ASSESSED = "not_assessed"


class ReviewStatus(StrEnum):
    """The review verdict of a model on the as-of date (controls.md, review rules)."""

    CURRENT = "current"
    DUE_SOON = "due_soon"
    UNKNOWN = "unknown"
    """A rule could not be evaluated (git history missing or unreadable): not a pass."""
    OVERDUE = "overdue"
    REVIEW_REQUIRED = "review_required"
    NEVER_REVIEWED = "never_reviewed"

    @property
    def rank(self) -> int:
        """Larger is worse; the verdict of a model is the worst of its rules."""
        return _REVIEW_RANK[self]

    @property
    def needs_action_now(self) -> bool:
        """`unknown`, `overdue`, `review_required`, `never_reviewed`: the review is to do
        today whatever its due date (`remind` lists it in any window, `.ics` dates it on
        the as-of day)."""
        return _REVIEW_RANK[self] >= _REVIEW_RANK[ReviewStatus.UNKNOWN]


_REVIEW_RANK = {
    ReviewStatus.CURRENT: 0,
    ReviewStatus.DUE_SOON: 1,
    ReviewStatus.UNKNOWN: 2,
    ReviewStatus.OVERDUE: 3,
    ReviewStatus.REVIEW_REQUIRED: 4,
    ReviewStatus.NEVER_REVIEWED: 5,
}


class ReviewRule(StrEnum):
    """The four review rules of controls.md."""

    CALENDAR = "calendar"
    CHANGE = "change"
    ATLAS = "atlas"
    RED_TEAM = "red_team"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A problem found in a user's file: located, and never an exception."""

    file: str
    """Path of the file, relative to the repository root when inside it (POSIX separators)."""
    line: int
    """1-based line of the offending node (or its nearest located parent); 0 if unknown."""
    column: int
    """1-based column of the offending node; 0 if unknown."""
    message: str
    """One sentence, naming the object, saying what is wrong."""
    pointer: str = ""
    """JSON pointer (RFC 6901) into the document, "" for the whole file."""
    level: Level = Level.ERROR
    """`error` makes the model invalid; `warning` does not."""
    code: str = ""
    """Stable category: `yaml`, `schema`, `reference`, `atlas`, `path`, `config`, ..."""

    def render(self) -> str:
        """Compiler-style line: `path:line:col: error: message`."""
        return f"{self.file}:{self.line}:{self.column}: {self.level.value}: {self.message}"


@dataclass(frozen=True, slots=True)
class Finding:
    """One `deny` result of a check for one model, located in the model file."""

    check_id: str
    """Stable check id, e.g. `TM-SCORE-002`."""
    severity: Severity
    """Severity of the check that produced it."""
    message: str
    """The policy's message, e.g. `threat T-2 has no assumption`."""
    pointer: str
    """JSON pointer into the model of the object the finding is about."""
    line: int
    """1-based line of that object (nearest located parent); 0 if unknown."""
    column: int
    """1-based column of that object; 0 if unknown."""
    controls: tuple[str, ...]
    """Control ids (`framework/ID`) this finding counts against."""
    key: str = ""
    """The finding's identity, the same on both sides of a pull request whatever moved
    around it: the check id, the path of the element at fault with each list index written
    as that element's `id` (or its own value), the controls it narrows to, and its params
    (pointers written the same way). Never the message text. "" for a pull request's own
    findings (PR-*), which exist on one side only."""
    hint: str = ""
    """How to fix it: the check's `custom.hint` ("" when the check gives none)."""
    regresses: tuple[str, ...] = ()
    """Pull-request mode: the controls satisfied at the base that fail now because of it."""
    same_cause: tuple[Finding, ...] = ()
    """Pull-request mode: other findings of the one cause, shown and counted with this one
    (the review check's finding with the review trigger's)."""
    template: str = ""
    """The name of the check's message template the message was rendered from ("" for a
    check's single template, or a message the check wrote itself)."""
    arguments: tuple[str, ...] = ()
    """The text of each placeholder of that template, in the order the placeholders first
    appear (`CheckInfo.messages`): the message's structured parts, for formats that carry
    a message as a template and its arguments (SARIF). Empty for a message without one."""


@dataclass(frozen=True, slots=True)
class CheckInfo:
    """What a check is, for a reader: `policyengine checks` and `policyengine explain`."""

    id: str
    """Stable check id, e.g. `TM-SCORE-001` or `PR-REVIEW-001`."""
    title: str
    """One-line title."""
    severity: str
    """A `Severity` value, or `varies` for a pull-request check whose severity is its
    cause's (`description` says how)."""
    controls: tuple[str, ...]
    """Control ids (`framework/ID`) its findings count against, by framework, each in its
    catalog's order (`catalog.control_order`)."""
    source: str
    """Where it is defined: the policy file, or `pull request` for the PR-* checks."""
    description: str = ""
    """What it looks at, longer than the title."""
    rationale: str = ""
    """Why it exists."""
    hint: str = ""
    """How to fix a finding."""
    rule_out: str = ""
    """How to rule it out on purpose (a waiver, a `not_applicable` entry) and who approves."""
    messages: tuple[tuple[str, str], ...] = ()
    """(template name, template with numbered placeholders `{0}`, `{1}`) of every message
    the check renders, by name ("" for a single template); empty for a check that writes
    its own text."""


@dataclass(frozen=True, slots=True)
class JudgedPart:
    """A part of a model a check judged (its `custom.judges`): one element, or a whole list
    when the check judged every item of it (`/threats`: all the threats)."""

    pointer: str
    """JSON pointer (RFC 6901) into the model file."""
    line: int
    """1-based line of the pointed node in the model file."""
    items: int = 0
    """How many items the list holds when the part is a whole list; 0 for one element."""


@dataclass(frozen=True, slots=True)
class CheckOutcome:
    """The result of one check for one model."""

    check_id: str
    """Stable check id."""
    title: str
    """Title from the check's METADATA."""
    severity: Severity
    """Severity from the check's METADATA."""
    applicable: bool
    """False when the policy put the id in `not_applicable`."""
    findings: tuple[Finding, ...]
    """Deny results; empty means the check passed (when applicable)."""
    judged: int = 0
    """How many elements of the model the check judged (its `custom.judges`): a pass that
    judged nothing is no evidence for a control."""
    note: str = ""
    """Why the check does not apply (its `custom.absent`), when not applicable."""
    judged_parts: tuple[JudgedPart, ...] = ()
    """Where those elements are, in model order: the located basis of a pass (the same
    tuple for every check with the same `custom.judges`)."""

    @property
    def passed(self) -> bool:
        """Applicable and no finding."""
        return self.applicable and not self.findings


@dataclass(frozen=True, slots=True)
class Basis:
    """A passing check behind a control's status and the parts of the model it judged."""

    check_id: str
    """The check that passed for the control after judging something."""
    parts: tuple[JudgedPart, ...]
    """What it judged (its outcome's `judged_parts`)."""


@dataclass(frozen=True, slots=True)
class ControlResult:
    """The status of one control for one model, with what it was derived from."""

    control_id: str
    """`framework/ID`, e.g. `nist-ai-rmf/MAP 5.1`, `iso42001/A.7.5`, `atlas/AML.T0051`."""
    framework: str
    """`nist-ai-rmf`, `iso42001` or `atlas`."""
    status: ControlStatus
    """Derived status (controls.md)."""
    checks: tuple[str, ...]
    """Ids of the checks mapped to this control that ran (applied to the model), sorted."""
    findings: tuple[Finding, ...]
    """Findings of those checks that count against this control."""
    evidence: tuple[str, ...] = ()
    """JSON pointers into the model (or evidence paths) that support the status."""
    note: str = ""
    """Why a control is waived or not applicable (the model's reason), or other context."""
    not_run: tuple[str, ...] = ()
    """Ids of the checks mapped to this control that did not apply to the model (no code
    compared, no such layer), sorted: they judged nothing, so the status does not rest on
    them."""
    basis: tuple[Basis, ...] = ()
    """The checks that passed for the control after judging something, by id, each with
    the parts of the model it judged: what a `satisfied`, `attested` or `partial` status
    rests on (empty for any other status)."""

    def judged_evidence(self, path: str) -> tuple[EvidencePointer, ...]:
        """The parts of the model file `path` the `basis` judged, each once with the checks
        that judged it (`judged_by`, sorted) and, for a whole list, its number of items;
        in file order (line, then pointer). Every view of the basis shows these."""
        by_pointer: dict[str, tuple[int, int, list[str]]] = {}
        for b in self.basis:
            for part in b.parts:
                by_pointer.setdefault(part.pointer, (part.line, part.items, []))[2].append(
                    b.check_id
                )
        return tuple(
            EvidencePointer(
                path,
                line,
                pointer,
                _judged_what(items, checks),
                judged_by=tuple(sorted(checks)),
                items=items,
            )
            for pointer, (line, items, checks) in sorted(
                by_pointer.items(), key=lambda kv: (kv[1][0], kv[0])
            )
        )


def _judged_what(items: int, checks: Sequence[str]) -> str:
    """`judged by A, B`, or for a whole list `all 9 items judged by A, B`."""
    every = f"all {items} item{'s' if items != 1 else ''} " if items else ""
    return f"{every}judged by {', '.join(sorted(checks))}"


@dataclass(frozen=True, slots=True)
class ReviewReason:
    """One rule's contribution to a review verdict."""

    rule: ReviewRule
    """Which rule fired (or could not be evaluated)."""
    status: ReviewStatus | None
    """What the rule says; None when the rule could not be evaluated (see `message`)."""
    message: str
    """A sentence a developer understands: what changed and which review it needs."""
    details: Mapping[str, object] = field(default_factory=dict)
    """Machine-readable facts: asset id and change, commit, author, date, ATLAS ids, ..."""


@dataclass(frozen=True, slots=True)
class ReviewVerdict:
    """The review verdict of one model on the as-of date."""

    status: ReviewStatus
    """The worst status of all rules."""
    due: date | None
    """Calendar due date (last review + cadence), None when never reviewed."""
    days_left: int | None
    """Days from the as-of date to `due` (negative when overdue); None without `due`."""
    reasons: tuple[ReviewReason, ...]
    """Every rule that fired or could not be evaluated, in rule order."""
    last_reviewed: date | None = None
    """`review.last_reviewed` of the model, None when never reviewed (for status views)."""


@dataclass(frozen=True, slots=True)
class ThreatRisk:
    """How one threat of a model is scored: the likelihood-by-impact view of a model."""

    threat_id: str
    """The threat's id, e.g. `T-001`."""
    likelihood: int
    """Likelihood, 1 (rare) .. 5 (almost certain); 0 when the model does not say."""
    impact: int
    """Impact, 1 (negligible) .. 5 (severe); 0 when the model does not say."""
    status: str = ""
    """The threat's own status (`open`, `mitigated`, ...), "" when not given."""


@dataclass(frozen=True, slots=True)
class VersionControl:
    """The git repository a run's files are in, as a SARIF log names it
    (`versionControlProvenance`): read only for the formats that show it."""

    revision: str
    """The commit checked out (HEAD, full hex)."""
    repository: str | None = None
    """The `origin` remote's URL without credentials, query or fragment; None without one,
    or when it is a local path (which would leak a folder of this machine)."""
    branch: str | None = None
    """The branch checked out; None on a detached HEAD."""


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a report comes from, so that an auditor can reproduce it."""

    tool_version: str
    """The policyengine version that made the report."""
    as_of: date
    """The date the rules used."""
    commit: str | None = None
    """The commit of the repository the models were read from (full hex); None when the
    models are in no git repository, or it has no commit yet."""
    dirty: bool | None = None
    """True when the work tree differed from `commit` (tracked files changed, or files
    not yet tracked); None without a repository."""
    policy_digest: str | None = None
    """sha256 (hex) of the policy set evaluated (`PolicySet.digest`); None when no policy
    ran (`validate`, `status`, `remind`)."""
    catalogs: tuple[tuple[str, str], ...] = ()
    """(catalog, version) of every catalog read: the ATLAS release, and each control
    catalog's edition with the sha256 prefix of its file, in a fixed order."""
    version_control: VersionControl | None = None
    """The repository, commit and branch (`gitfacts.version_control`), for the SARIF log;
    None unless a SARIF report is made from a commit."""


@dataclass(frozen=True, slots=True)
class OrganisationReport:
    """The organisation register of a repository, judged once (not per model): the
    controls it decides, and what is wrong with it."""

    path: str
    """The register file, relative to the repository root (POSIX separators)."""
    found: bool
    """False when the file does not exist: every organisation control lacks a decision."""
    diagnostics: tuple[Diagnostic, ...] = ()
    """Load and schema problems of the register file (errors make it unusable: its
    controls are then judged as undecided)."""
    checks: tuple[CheckOutcome, ...] = ()
    """The outcome of each register check (TM-REG-*), sorted by id; findings are located
    in the register file."""
    controls: tuple[ControlResult, ...] = ()
    """The result of every organisation control (catalog `judged_by: organisation`) of the
    frameworks evaluated, in catalog order."""

    @property
    def valid(self) -> bool:
        """True when no diagnostic is an error."""
        return not any(d.level is Level.ERROR for d in self.diagnostics)


@dataclass(frozen=True, slots=True)
class ModelReport:
    """Everything the run found about one threat-model file."""

    path: str
    """File path relative to the repository root."""
    model_id: str
    """`metadata.id`, or "" when the file did not load far enough."""
    owner: str
    """`metadata.owner`, or ""."""
    diagnostics: tuple[Diagnostic, ...]
    """Load, schema and reference problems, errors and warnings, in file order."""
    checks: tuple[CheckOutcome, ...] = ()
    """Check outcomes, sorted by check id; empty for invalid models or `validate`."""
    controls: tuple[ControlResult, ...] = ()
    """Control results, sorted by framework then catalog order."""
    review: ReviewVerdict | None = None
    """Review verdict, when review rules were run."""
    risks: tuple[ThreatRisk, ...] = ()
    """The scores of the model's threats, in file order; empty for invalid models or
    `validate`."""
    code_scope: tuple[str, ...] | None = None
    """When the run compared code (`check --code`) and judged the model: its
    `metadata.x-code-paths` (`codefacts.code_scope`), the code its drift check reads; None
    when it sets none (it reads all the code) or no code was compared."""

    @property
    def valid(self) -> bool:
        """True when no diagnostic is an error."""
        return not any(d.level is Level.ERROR for d in self.diagnostics)


@dataclass(frozen=True, slots=True)
class ModelDelta:
    """How one model differs between the base and the head of a pull request."""

    path: str
    """File path (the head's; the base's when the model was removed)."""
    model_id: str
    """`metadata.id` (head, else base)."""
    change: str
    """`added`, `removed`, `changed`, `affected` (the same model on both sides, whose
    control status changed with a file it cites) or `unchanged`."""
    renamed_from: str = ""
    """The model's path at the base when the pull request moved it; "" otherwise."""
    threats_added: tuple[str, ...] = ()
    """Threat ids only in the head."""
    threats_removed: tuple[str, ...] = ()
    """Threat ids only in the base."""
    threats_rescored: tuple[tuple[str, int, int], ...] = ()
    """(threat id, base risk, head risk) where likelihood x impact changed."""
    control_changes: tuple[tuple[str, str, str], ...] = ()
    """(control key, base status, head status) for every control whose status changed."""
    trigger_changes: tuple[str, ...] = ()
    """Review-trigger changes between base and head (asset added, tool permissions, ...)."""
    findings: tuple[Finding, ...] = ()
    """What is new or worse in the pull request, one finding per cause: check findings the
    base did not have (by `Finding.key`), changes needing a review, regressions no new
    finding explains, scope reductions (the model deleted, frameworks dropped, waivers
    added). The gate: these decide the exit status."""
    existing: tuple[Finding, ...] = ()
    """The head's check findings the base already had (same `key`): counted, not judged."""
    errors: tuple[Diagnostic, ...] = ()
    """The head's error diagnostics the base did not have (same code and message)."""
    existing_errors: tuple[Diagnostic, ...] = ()
    """The head's error diagnostics the base already had."""


@dataclass(frozen=True, slots=True)
class RepoFinding:
    """A pull-request finding about a file that is not a model: the config, a policy
    folder, the ATLAS catalog (a change to what judges pull requests)."""

    path: str
    """The file or folder, relative to the root (POSIX)."""
    finding: Finding
    """The finding; its line and column are 0 (not located in the file)."""


@dataclass(frozen=True, slots=True)
class PullRequestDelta:
    """The delta report of `check --base REF`."""

    base: str
    """The base ref as given."""
    head: str
    """The head ref as given, or `working tree`."""
    models: tuple[ModelDelta, ...]
    """One entry per model present on either side, sorted by path."""
    findings: tuple[RepoFinding, ...] = ()
    """Changes to the config, the policy folders or the ATLAS catalog, sorted by path; then
    the organisation register's findings the base did not have (by `Finding.key`)."""
    existing: tuple[RepoFinding, ...] = ()
    """The organisation register's findings of the head that the base already had."""
    base_commit: str = ""
    """The commit the base ref names (full hex): its config, policies and catalog judge."""
    merge_base: str = ""
    """The merge base of the base and the head (full hex): the pull request's changes, and
    the base side of every comparison, are counted from it (the base's commit unless the
    base moved on after the pull request branched)."""

    def all_findings(self) -> tuple[Finding, ...]:
        """Every finding the gate judges: the models' in order, then the repository's."""
        return (*(f for m in self.models for f in m.findings), *(r.finding for r in self.findings))

    def existing_findings(self) -> tuple[Finding, ...]:
        """Every finding of the head that the base already had, the models' in order, then
        the organisation register's."""
        return (*(f for m in self.models for f in m.existing), *(r.finding for r in self.existing))


@dataclass(frozen=True, slots=True)
class View:
    """How much of a `check`/`validate` run the text shows (the JSON shows everything)."""

    min_severity: Severity = Severity.LOW
    """`--min-severity`: findings below it are counted, not printed."""
    show_existing: bool = False
    """`--show-existing`: in pull-request mode, print the findings the base already had."""
    quiet: bool = False
    """`--quiet`: only the findings and errors, no headings, coverage or summary."""
    explain: bool = False
    """`--explain`: a `fix:` line (the check's hint) under each finding."""
    fail_on: Severity = Severity.LOW
    """`--fail-on` (else the config's): the verdict a Markdown report states."""


@dataclass(frozen=True, slots=True)
class RunResult:
    """The result of one command run over a set of models."""

    models: tuple[ModelReport, ...]
    """One report per threat-model file, sorted by path."""
    as_of: date
    """The date the rules used."""
    skipped: int = 0
    """YAML files under the given folders that are not threat models."""
    frameworks: tuple[str, ...] = ()
    """Frameworks evaluated (`nist-ai-rmf`, `iso42001`, `atlas`)."""
    diagnostics: tuple[Diagnostic, ...] = ()
    """Problems not tied to one model (a path that does not exist, config warnings)."""
    delta: PullRequestDelta | None = None
    """Pull-request mode only: what changed between the base and the head."""
    provenance: Provenance | None = None
    """Where the report comes from; None only for runs made without it (unit tests)."""
    view: View = field(default_factory=View)
    """What the text format shows (the CLI's view flags)."""
    rules: tuple[CheckInfo, ...] = ()
    """Every check of the policy set evaluated (and, in pull-request mode, the pull
    request's own checks), sorted by id: those that found nothing too (SARIF rules,
    JUnit cases). Empty for `validate`, which runs no check."""
    organisation: OrganisationReport | None = None
    """The organisation register, judged once for the repository (`check`, `matrix`);
    None for runs that judge no control (`validate`, `status`, `remind`)."""
    repository_path: str = ""
    """The run's root relative to the top of the git work tree (POSIX, ending with `/`;
    `gitfacts.repository_path`): the prefix that makes a path of the report (relative to
    the root) the repository's, as SARIF locations and GitHub annotations name files. ""
    at the top, outside git, or when no such format was asked for (the CLI sets it)."""

    def in_repository(self, path: str) -> str:
        """`path` (relative to the run's root) as the repository names it: from the top
        of the work tree (`repository_path` before it, `..` resolved); "" or an absolute
        path (a file outside the repository) as it is."""
        if not path or not self.repository_path or path.startswith("/") or path[1:3] == ":/":
            return path
        return posixpath.normpath(self.repository_path + path)


class Outcome(StrEnum):
    """The result of one Rego test."""

    PASS = "pass"
    FAIL = "fail"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class TestResult:
    """One Rego test (or, with an empty `name`, a file that could not run)."""

    __test__ = False  # not a pytest class

    file: str
    """Path of the `*_test.rego` file."""
    package: str
    """Rego package of the test, e.g. `checks.scoring_test`."""
    name: str
    """Rule name, e.g. `test_threat_without_assumption_denied`; "" for a file failure."""
    line: int
    """1-based line of the rule (of the package line for a file failure)."""
    outcome: Outcome
    """pass, fail (false or undefined) or error (the engine failed or crashed)."""
    message: str = ""
    """Why it failed or erred; "" when it passed."""


@dataclass(frozen=True, slots=True)
class Technique:
    """One ATLAS technique or sub-technique, active or retired."""

    id: str
    """The technique id, e.g. `AML.T0051` or `AML.T0051.001`."""
    name: str
    """Its current name (for a retired one: its last name)."""
    parent: str | None
    """The parent technique id of a sub-technique; None for a top-level technique."""
    tactics: tuple[str, ...]
    """The tactic ids it serves (a sub-technique's are its parent's); may be empty when
    the source did not say (retired ids)."""
    maturity: str
    """`feasible`, `demonstrated` or `realized`; empty when the source did not say."""
    first_release: str
    """The first ATLAS release that contained it (`<=X.Y.Z`: already in the first one
    the catalog tracks)."""
    retired: bool = False
    """True when it is no longer in the current release."""
    retired_in: str | None = None
    """The first release without it, for a retired technique."""
    replaced_by: str | None = None
    """The id that replaced it, when the release notes name one."""
    former_names: tuple[str, ...] = ()
    """Names it had in earlier releases, oldest first."""


@dataclass(frozen=True, slots=True)
class CatalogDiff:
    """What changed from one ATLAS catalog to another (technique ids only)."""

    added: tuple[str, ...]
    """Ids active in the new catalog and not active in the old one, sorted."""
    retired: tuple[str, ...]
    """Ids active in the old catalog and not active in the new one, sorted."""
    renamed: tuple[tuple[str, str, str], ...]
    """(id, old name, new name) for ids active in both whose name changed, sorted."""

    @property
    def empty(self) -> bool:
        """True when nothing changed."""
        return not (self.added or self.retired or self.renamed)


# --- the report of each command ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StatusReport:
    """`policyengine status`: the review verdict of every model of a run."""

    run: RunResult
    """The models with their review verdicts (review rules only), sorted by path."""


@dataclass(frozen=True, slots=True)
class OwnerGroup:
    """The models one owner has to review."""

    owner: str
    """`metadata.owner`, or `(no owner)`."""
    models: tuple[ModelReport, ...]
    """Most urgent first: never reviewed, then by due date, then by path."""
    contacts: tuple[str, ...] = ()
    """How to reach the owner (the config's `owners`): e-mail addresses and `@handles`."""

    @property
    def emails(self) -> tuple[str, ...]:
        """The contacts that are e-mail addresses (not `@handles`)."""
        return tuple(c for c in self.contacts if not c.startswith("@"))


@dataclass(frozen=True, slots=True)
class RemindReport:
    """`policyengine remind`: the reviews to do, grouped by owner."""

    run: RunResult
    """Every model looked at, with its review verdict."""
    within: int
    """The window in days: a review due within it is listed even when still current."""
    groups: tuple[OwnerGroup, ...]
    """The models to remind of, by owner (owners sorted, `(no owner)` last)."""
    contacts_configured: bool = False
    """Whether the config names `owners`: then an owner without an entry is reached by
    nobody, which the report says (`unreachable`)."""

    @property
    def count(self) -> int:
        """How many models are listed."""
        return sum(len(g.models) for g in self.groups)

    @property
    def unreachable(self) -> tuple[OwnerGroup, ...]:
        """The groups whose owner has no contact although the config names `owners`."""
        if not self.contacts_configured:
            return ()
        return tuple(g for g in self.groups if not g.contacts)


@dataclass(frozen=True, slots=True)
class PolicyTestReport:
    """`policyengine test`: the result of every Rego unit test."""

    results: tuple[TestResult, ...]
    """Sorted by file, then line, then name."""
    show_passing: bool = False
    """List passing tests too (`--verbose`), not only failures and errors."""


@dataclass(frozen=True, slots=True)
class AtlasListing:
    """`policyengine atlas list`: active techniques of the catalog in use."""

    version: str
    """The ATLAS release of the catalog."""
    techniques: tuple[Technique, ...]
    """The techniques selected, sorted by id."""


@dataclass(frozen=True, slots=True)
class AtlasChange:
    """`policyengine atlas diff` (and the summary of `atlas import`)."""

    old_version: str
    """The ATLAS release compared from."""
    new_version: str
    """The ATLAS release compared to."""
    diff: CatalogDiff
    """Techniques added, retired and renamed."""


@dataclass(frozen=True, slots=True)
class MatrixCell:
    """One control for one model in the matrix: its status and what the status rests on."""

    status: ControlStatus
    """The control's status for the model."""
    checks: tuple[str, ...]
    """Ids of the checks mapped to the control that ran, sorted."""
    failed: tuple[str, ...]
    """Ids of those checks with a finding against the control, sorted."""
    findings: tuple[Finding, ...]
    """The findings against the control."""
    evidence: tuple[str, ...] = ()
    """JSON pointers into the model, or evidence paths, that support the status."""
    note: str = ""
    """Why the control is waived or not applicable, or other context."""
    not_run: tuple[str, ...] = ()
    """Ids of the checks mapped to the control that did not apply to the model, sorted."""
    judged: tuple[EvidencePointer, ...] = ()
    """The parts of the model the passing checks judged, located, each with the checks
    (`judged_by`): what the status rests on (`ControlResult.judged_evidence`)."""


@dataclass(frozen=True, slots=True)
class MatrixRow:
    """One control of a framework, with one cell per model of the matrix."""

    control: str
    """`framework/ID`, e.g. `nist-ai-rmf/MAP 5.1`."""
    id: str
    """The id as the framework writes it, e.g. `MAP 5.1`."""
    title: str
    """Our own short paraphrase of the control (never the standard's text)."""
    group: str
    """The category or clause the control belongs to."""
    judged_by: str
    """`checks`, `organisation` or `system` (the catalog's `judged_by`)."""
    cells: tuple[MatrixCell | None, ...]
    """One per model of the matrix, in its order; None where the model has no result for
    the control (the model is invalid, or does not declare the framework). An organisation
    control's cells are the register's one result, inherited."""
    organisation: MatrixCell | None = None
    """An organisation control's result for the repository (the register's), counted once
    in the totals; None for any other control."""


@dataclass(frozen=True, slots=True)
class MatrixFramework:
    """The part of the matrix for one framework."""

    framework: str
    """Framework id: `nist-ai-rmf`, `iso42001`, `atlas`."""
    name: str
    """The catalog's name of it, e.g. `ISO/IEC 42001:2023`."""
    rows: tuple[MatrixRow, ...]
    """One per control of the catalog, in catalog order."""
    totals: Mapping[ControlStatus, int]
    """Cells of each status over every model (an organisation control's result once),
    every status listed, in enum order."""
    model_totals: tuple[Mapping[ControlStatus, int], ...]
    """The same per model, in the matrix's model order."""
    unjudged: int = 0
    """Cells without a result (None)."""


@dataclass(frozen=True, slots=True)
class MatrixModel:
    """One column of the matrix: a threat-model file."""

    path: str
    """File path relative to the repository root."""
    model_id: str
    """`metadata.id`, or "" when the file did not load."""
    owner: str
    """`metadata.owner`, or ""."""
    valid: bool
    """False when the model has errors: its cells have no result."""
    risks: tuple[ThreatRisk, ...] = ()
    """Its threats' likelihood and impact, in file order."""

    @property
    def label(self) -> str:
        """How a column is headed: the model's id, else its path."""
        return self.model_id or self.path


@dataclass(frozen=True, slots=True)
class Matrix:
    """The control-coverage matrix: controls (rows) by models (columns), per framework."""

    models: tuple[MatrixModel, ...]
    """The columns, sorted by path."""
    frameworks: tuple[MatrixFramework, ...]
    """One per framework evaluated, in the run's framework order."""
    as_of: date
    """The date the rules used."""
    diagnostics: tuple[Diagnostic, ...] = ()
    """Problems of the run not tied to one model."""
    provenance: Provenance | None = None
    """Where the matrix comes from."""


@dataclass(frozen=True, slots=True)
class MatrixReport:
    """`policyengine matrix`: the matrix, and how the terminal view shows it."""

    matrix: Matrix
    """The matrix."""
    colour: bool = False
    """Colour the terminal view by status (the CLI says yes only on a terminal, without
    `NO_COLOR`); other formats ignore it."""


# --- the Statement of Applicability -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class EvidencePointer:
    """Where a verdict's evidence is: a file, the line in it and a JSON pointer into it."""

    file: str
    """Path relative to the repository root (a model, the register, a cited document)."""
    line: int = 0
    """1-based line of the pointed node; 0 for a whole file or when unknown."""
    pointer: str = ""
    """JSON pointer (RFC 6901) into the file; "" for a whole file."""
    what: str = ""
    """What it is: a finding (`TM-ATTEST-002: control ... has no evidence`), a cited
    document, a decision, a part of the model checks judged (`judged by TM-CTRL-002`);
    "" for evidence the result cites."""
    judged_by: tuple[str, ...] = ()
    """The passing checks that judged this part of the model, sorted; empty for anything
    else."""
    items: int = 0
    """How many items a judged whole list holds (`/threats`: every threat); 0 otherwise."""


@dataclass(frozen=True, slots=True)
class SoaDecision:
    """The organisation register's decision on one control, as the SoA shows it."""

    applicable: bool | None
    """Whether the control applies; None: not decided."""
    justification: str
    """Why it applies or not."""
    implementation: str | None
    """`implemented`, `partial`, `planned`, `not_implemented`; None: not decided."""
    owner: str
    """Who is accountable."""
    documents: tuple[str, ...]
    """The implementing documents: `ID title, version V (path or URL)` each."""
    where: EvidencePointer
    """The decision in the register."""


@dataclass(frozen=True, slots=True)
class SoaVerdict:
    """One model's result for one control: the checks' verdict and what it rests on."""

    model_path: str
    """The model file."""
    model_id: str
    """Its `metadata.id`."""
    status: ControlStatus | None
    """The control's status for the model; None when the model has no result for it
    (invalid, or it does not declare ISO/IEC 42001)."""
    checks: tuple[str, ...] = ()
    """The checks mapped to the control that ran, sorted."""
    failed: tuple[str, ...] = ()
    """Those with a finding against the control."""
    evidence: tuple[EvidencePointer, ...] = ()
    """The findings, the cited evidence and the parts of the model the passing checks
    judged, located."""
    note: str = ""
    """Why the control does not apply to the model (the engine's or the model's reason),
    why it is waived, or other context."""
    not_run: tuple[str, ...] = ()
    """The checks mapped to the control that did not apply to the model, sorted."""


@dataclass(frozen=True, slots=True)
class SoaRow:
    """One ISO/IEC 42001 Annex A control in the Statement of Applicability."""

    control: str
    """`iso42001/A.2.2`."""
    id: str
    """`A.2.2`."""
    title: str
    """Our paraphrase of the control (never the standard's text)."""
    judged_by: str
    """`checks`, `organisation` or `system` (the catalog's)."""
    decision: SoaDecision | None
    """The register's decision; None when it has none."""
    status: ControlStatus | None = None
    """An organisation control's result for the repository (judged once from the
    register); None for the others, which each model's verdict judges."""
    evidence: tuple[EvidencePointer, ...] = ()
    """An organisation control's findings and evidence, located."""
    verdicts: tuple[SoaVerdict, ...] = ()
    """Per model (path order), the checks' verdict; empty for an organisation control."""
    contradicted_by: tuple[str, ...] = ()
    """When the decision says the control does not apply: the models (paths, in path
    order) whose verdict shows it applies (TM-REG-007); empty otherwise."""


@dataclass(frozen=True, slots=True)
class Soa:
    """The ISO/IEC 42001 Statement of Applicability of a repository on a date."""

    rows: tuple[SoaRow, ...]
    """Every Annex A control of the catalog, in catalog order."""
    models: tuple[MatrixModel, ...]
    """The models judged, by path."""
    as_of: date
    """The date the rules used."""
    register: str = ""
    """The register file ("" when none was read)."""
    organisation: str = ""
    """The organisation's name from the register."""
    provenance: Provenance | None = None
    """Where it comes from."""
    diagnostics: tuple[Diagnostic, ...] = ()
    """Problems of the run and of the register."""


@dataclass(frozen=True, slots=True)
class SoaReport:
    """`policyengine soa`: the Statement of Applicability."""

    soa: Soa
    """The statement."""


class CodeKind(StrEnum):
    """What `discover` found in code or a dependency manifest (`CodeFinding.kind`)."""

    MODEL = "model"
    """A model named in code: an API model name, a Hugging Face id, a local checkpoint."""
    MODEL_CLIENT = "model_client"
    """A client of a model API or server (OpenAI, Anthropic, Bedrock, vLLM, Ollama, ...)."""
    AGENT_FRAMEWORK = "agent_framework"
    """An agent framework the code imports (LangChain, LangGraph, CrewAI, ...)."""
    AGENT_TOOL = "agent_tool"
    """A tool an agent can call (`@tool`, `Tool(...)`, `FunctionTool`, an MCP tool, ...)."""
    MCP_SERVER = "mcp_server"
    """An MCP server the code defines."""
    MCP_CLIENT = "mcp_client"
    """An MCP server the code connects to as a client."""
    VECTOR_STORE = "vector_store"
    """A retrieval store (pgvector, Chroma, Pinecone, Weaviate, Qdrant, OpenSearch, FAISS)."""
    EMBEDDING_MODEL = "embedding_model"
    """An embedding model named in code."""
    TRAINING = "training"
    """A training or fine-tuning entry point (a trainer, a fine-tuning job)."""
    LIBRARY = "library"
    """An ML library in a dependency manifest, with its version when pinned."""


@dataclass(frozen=True, slots=True)
class CodeFinding:
    """One AI asset found in a file by `discover`: what, where and the text that shows it."""

    kind: CodeKind
    """What was found."""
    name: str
    """Its name: the model name, tool name, store or library (`gpt-4o`, `lookup_order`)."""
    file: str
    """Path of the file, relative to the repository root (POSIX separators)."""
    line: int
    """1-based line of the evidence."""
    evidence: str
    """The source line that shows it, stripped (at most 200 characters)."""
    version: str = ""
    """The version when the code or manifest pins one; "" otherwise."""
    provider: str = ""
    """Who serves it (`openai`, `anthropic`, `bedrock`, `huggingface`, `langchain`, ...)."""
    asset_type: str = ""
    """The threat-model asset type it drafts (`base_model`, `agent_tool`, ...); "" when
    it drafts no asset of its own (an agent framework)."""


@dataclass(frozen=True, slots=True)
class DiscoveryReport:
    """`policyengine discover`: the findings in a code tree and the draft threat model."""

    findings: tuple[CodeFinding, ...]
    """Every finding, sorted by file, line, kind and name."""
    draft: Mapping[str, object]
    """A version 1 threat model drafted from the findings (valid against the schema)."""
    diagnostics: tuple[Diagnostic, ...] = ()
    """Files skipped or not parsed (warnings), sorted by file and line."""
    files: int = 0
    """How many Python files and manifests were read."""


@dataclass(frozen=True, slots=True)
class CodeScan:
    """The code a `check --code` run compares its threat models with: what `discover`
    finds under the code paths, read once a run (once a side in a pull request)."""

    paths: tuple[str, ...]
    """The code paths, relative to the repository root (POSIX), as given."""
    files: tuple[str, ...]
    """Every Python file and manifest read, relative to the root, sorted."""
    findings: tuple[CodeFinding, ...]
    """The AI assets found (`discovery.analyse`), sorted by file, line, kind and name."""
    diagnostics: tuple[Diagnostic, ...] = ()
    """Files skipped or not parsed (warnings)."""


@dataclass(frozen=True, slots=True)
class CheckListing:
    """`policyengine checks`: every check a run evaluates, and the pull request's own."""

    checks: tuple[CheckInfo, ...]
    """Sorted by id."""


@dataclass(frozen=True, slots=True)
class CheckExplanation:
    """`policyengine explain ID`: one check, for a reader."""

    check: CheckInfo
    """The check."""


# --- evidence packs ----------------------------------------------------------------------


def risk_band(likelihood: int, impact: int) -> str:
    """The band of a threat's risk (likelihood x impact, each 1-5): `critical` from 15,
    `high` from 10, `medium` from 5, else `low`; `unscored` when either is not 1-5. The
    bands of every likelihood-by-impact heat map (the matrix's HTML, evidence packs)."""
    if not (1 <= likelihood <= 5 and 1 <= impact <= 5):
        return "unscored"
    score = likelihood * impact
    if score >= 15:
        return "critical"
    if score >= 10:
        return "high"
    if score >= 5:
        return "medium"
    return "low"


@dataclass(frozen=True, slots=True)
class ReviewChange:
    """One commit that changed a model's `review` section (its review history in git)."""

    commit: str
    """Full hex commit id."""
    author: str
    """Author name."""
    date: str
    """Author date, `YYYY-MM-DD`."""
    subject: str
    """The commit message's first line."""
    path: str
    """The model's path in that commit (it may have been renamed since)."""
    changed: tuple[str, ...]
    """What changed in `review`, one entry per field: `last_reviewed: 2026-07-01 ->
    2026-10-02`, `review added`."""
    reason: str
    """Why: the model's own `review.history` entry for the new `last_reviewed` (reason and
    note), else the commit subject."""


@dataclass(frozen=True, slots=True)
class Commitment:
    """A decision a person signed for on a model: a waiver, a risk acceptance or an
    attestation, with who approved it and until when it holds."""

    kind: str
    """`waiver`, `acceptance` or `attestation`."""
    subject: str
    """What it is about: a control key (`nist-ai-rmf/MEASURE 2.11`) or a threat id."""
    approver: str
    """`approved_by` (waiver, acceptance) or `by` (attestation); "" when not given."""
    granted: str
    """The date it was given (`YYYY-MM-DD`), "" when not given."""
    expires: str
    """The last day it is in force (`YYYY-MM-DD`, inclusive: it lapses the day after): a
    waiver's or acceptance's `expires`, an attestation's date plus the model's review
    cadence; "" when not known."""
    in_force: bool
    """True when it holds on the as-of date: granted on or before it, and it expires on or
    after it."""
    detail: str = ""
    """The reason, rationale or evidence file it rests on."""
    not_yet: bool = False
    """True when it is granted (dated) after the as-of date: on that date nobody has given
    it yet, so it is not in force (`in_force` is False)."""


@dataclass(frozen=True, slots=True)
class ModelEvidence:
    """What an evidence pack shows of one threat model besides its check results."""

    path: str
    """The model's path relative to the repository root (POSIX)."""
    committed: bytes | None
    """The file as committed at the pack's commit; None when it is not committed."""
    data: Mapping[str, object]
    """The model as loaded (the working tree; the same as `committed` unless the pack
    was made with `--allow-dirty`); empty when it did not load."""
    review_history: tuple[ReviewChange, ...] = ()
    """Every commit that changed `review`, newest first."""
    history_note: str = ""
    """Why the review history is missing or partial (not committed, shallow clone), or ""."""
    commitments: tuple[Commitment, ...] = ()
    """Its waivers, acceptances and attestations, in file order."""
    lines: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    """(line, column) in the model file of each JSON pointer its control results cite."""


@dataclass(frozen=True, slots=True)
class PackDocument:
    """A file of the repository copied into an evidence pack as it stood at the commit."""

    path: str
    """Its path relative to the repository root (POSIX)."""
    content: bytes | None
    """Its bytes at the commit; None when it is not committed there."""
    cited_by: tuple[str, ...]
    """Who cites it: model paths (or `register`)."""


@dataclass(frozen=True, slots=True)
class RegisterEvidence:
    """The organisation register as an evidence pack shows it: the file as committed."""

    path: str
    """The register file, relative to the repository root (POSIX)."""
    committed: bytes | None
    """Its bytes at the pack's commit; None when it is not committed."""
    data: Mapping[str, object]
    """The committed file as loaded; empty when it is not committed or does not load."""
    expires: Mapping[str, str] = field(default_factory=dict)
    """Document id -> the last day it is in force (`YYYY-MM-DD`, inclusive: approval plus
    review period, the day its review is due; it has expired from the day after), for the
    documents whose dates say and that are approved on or before the as-of date."""
    not_in_force: Mapping[str, str] = field(default_factory=dict)
    """Document id -> why it is not in force on the as-of date (`expired`, or `not yet
    approved` when its approval is dated after it), for the documents that are not."""
    lines: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    """JSON pointer -> (line, column) in the committed file, for each pointer into the
    register the organisation controls cite as evidence."""


@dataclass(frozen=True, slots=True)
class PackSources:
    """Everything an evidence pack is made from: the check run, the matrix, what git says
    of each model, and the documents the models cite."""

    run: RunResult
    """The check run of the models (sorted by path)."""
    matrix: Matrix
    """The control-coverage matrix of that run."""
    models: tuple[ModelEvidence, ...]
    """One per model of the run, in its order."""
    documents: tuple[PackDocument, ...]
    """Evidence files the models cite, sorted by path."""
    techniques: Mapping[str, str]
    """ATLAS technique id -> name, for every id the models name."""
    engine: Mapping[str, str]
    """The engine that evaluated: `name`, and `package` and `version` where known."""
    commit: str
    """The repository commit the pack is of (full hex)."""
    dirty_models: tuple[str, ...] = ()
    """Model files whose working copy differs from `commit` (a pack made with
    `--allow-dirty`); empty for a clean tree."""
    dirty_documents: tuple[str, ...] = ()
    """Files the models or the register cite (not themselves in `dirty_models`) whose
    working copy differs from `commit`: changed, staged, untracked or ignored (a pack made
    with `--allow-dirty`; the check judged the working copies); empty for a clean tree."""
    scope: tuple[str, ...] = ()
    """The paths asked for (`PATH...`), else the config's `models` globs."""
    register: RegisterEvidence | None = None
    """The organisation register, when the repository has one."""
    soa: Soa | None = None
    """The ISO/IEC 42001 Statement of Applicability of the run (`soa.build_soa`), when
    ISO/IEC 42001 was evaluated."""


@dataclass(frozen=True, slots=True)
class PackCheck:
    """`policyengine evidence verify`: a pack's files against its manifest."""

    folder: str
    """The pack's folder as given."""
    changed: tuple[str, ...] = ()
    """Files whose SHA-256 or size differs from the manifest's, sorted."""
    missing: tuple[str, ...] = ()
    """Files the manifest lists that are not there, sorted."""
    extra: tuple[str, ...] = ()
    """Files there that the manifest does not list, sorted."""
    files: int = 0
    """How many files the manifest lists."""
    manifest_sha256: str = ""
    """SHA-256 of `manifest.json` as read: what an auditor compares with the digest the
    pack's maker handed over."""
    signature: str = "absent"
    """`valid`, `invalid`, `absent` (no `manifest.sig`), `unchecked` (a signature, no
    key given) or `missing` (a key given, no signature)."""
    commit: str = ""
    """The commit the manifest names."""
    as_of: str = ""
    """The as-of date the manifest names."""

    @property
    def clean(self) -> bool:
        """No file changed, missing or extra, and no signature that failed or is missing."""
        bad_signature = self.signature in ("invalid", "missing")
        return not (self.changed or self.missing or self.extra or bad_signature)


Report = (
    RunResult
    | StatusReport
    | RemindReport
    | PolicyTestReport
    | AtlasListing
    | AtlasChange
    | MatrixReport
    | DiscoveryReport
    | CheckListing
    | CheckExplanation
    | SoaReport
)
"""What a command hands to a formatter: `RunResult` for `validate` and `check`."""


_REVIEW_SEVERITY = {
    ReviewStatus.UNKNOWN: Severity.HIGH,
    ReviewStatus.OVERDUE: Severity.HIGH,
    ReviewStatus.REVIEW_REQUIRED: Severity.HIGH,
    ReviewStatus.NEVER_REVIEWED: Severity.HIGH,
}


def review_severity(status: ReviewStatus) -> Severity | None:
    """How bad a review verdict is, for `--fail-on` in `status` and `remind`.

    `high` for `unknown`, `overdue`, `review_required` and `never_reviewed`: the severity
    of the check TM-REVIEW-001 that `check` reports for them. None for `current` and `due_soon`,
    which that check passes.
    """
    return _REVIEW_SEVERITY.get(status)


OVER_BUDGET = "budget"
"""The code of a model's error diagnostic for an evaluation that went over its budget
(`budget.Budget`): the model was not judged, and the run exits 2."""


def budget_errors(run: RunResult) -> tuple[Diagnostic, ...]:
    """The errors of the models whose evaluation went over its budget (`OVER_BUDGET`), in
    the order of the models, then those of the run (a pull request's base models)."""
    return tuple(
        d
        for d in (*(d for m in run.models for d in m.diagnostics), *run.diagnostics)
        if d.code == OVER_BUDGET
    )


def _broken(run: RunResult) -> bool:
    return any(d.level is Level.ERROR for d in run.diagnostics)


def exit_status(report: Report, fail_on: Severity = Severity.LOW) -> int:
    """The exit status of the command that made `report`: 0 nothing to act on, 1 otherwise.

    - `validate`/`check`: 1 when an invalid model or a finding at or above `fail_on`, or a
      run-level error diagnostic; in pull-request mode, only what the pull request made
      new or worse counts (`PullRequestDelta.all_findings`, `ModelDelta.errors`).
    - `status`: 1 when a model's verdict is at or above `fail_on` (`review_severity`:
      unknown, overdue, review_required and never_reviewed are high), or a run-level error
      diagnostic.
    - `remind`: the same, a listed review (due within the window) being at least low; so
      at the default `low`, 1 when any review is listed.
    - `test`: 1 when any Rego test failed or errored.
    - `atlas list`/`atlas diff`, `checks`, `explain`: always 0.
    - `discover`: 0 (a file it could not read or parse is a warning), 1 on an error.
    - `matrix`: 1 when a model is invalid (its column has no result) or a run-level error
      diagnostic; the gaps a complete matrix shows never fail it (that is `check`'s job).
    - `soa`: the same, an error in the organisation register counting as a run-level one.

    Exit status 2 (the tool could not do its job) is the CLI's answer to an exception,
    and comes from here for one case only: a run in which a model's evaluation went over
    its budget (`budget_errors`; `check` reports the other models).
    """
    match report:
        case RunResult():
            return 2 if budget_errors(report) else _run_status(report, fail_on)
        case StatusReport(run=run):
            return _review_status(run, fail_on, listed=())
        case RemindReport(run=run, groups=groups):
            return _review_status(run, fail_on, listed=[m for g in groups for m in g.models])
        case PolicyTestReport():
            return 0 if all(r.outcome is Outcome.PASS for r in report.results) else 1
        case AtlasListing() | AtlasChange() | CheckListing() | CheckExplanation():
            return 0
        case MatrixReport(matrix=matrix):
            return _matrix_status(matrix)
        case SoaReport(soa=soa):
            broken = any(d.level is Level.ERROR for d in soa.diagnostics)
            return 1 if broken or not all(m.valid for m in soa.models) else 0
        case DiscoveryReport():
            return 1 if any(d.level is Level.ERROR for d in report.diagnostics) else 0
        case _:
            assert_never(report)


def _review_status(run: RunResult, fail_on: Severity, listed: Sequence[ModelReport]) -> int:
    """`status` and `remind`: a verdict at or above `fail_on`; a model in `listed` (a
    reminder) counts as at least low."""
    if _broken(run):
        return 1
    reminded = {m.path for m in listed}
    for model in run.models:
        severity = review_severity(model.review.status) if model.review is not None else None
        if severity is None and model.path in reminded:
            severity = Severity.LOW
        if severity is not None and severity.rank >= fail_on.rank:
            return 1
    return 0


def _run_status(run: RunResult, fail_on: Severity) -> int:
    """A pull request is judged on what it made new or worse (`PullRequestDelta`): the
    findings and errors the base already had never fail it."""
    if _broken(run):
        return 1
    if run.delta is not None:
        if any(m.errors for m in run.delta.models):
            return 1
        return int(any(f.severity.rank >= fail_on.rank for f in run.delta.all_findings()))
    organisation = run.organisation
    if organisation is not None and not organisation.valid:
        return 1
    org_checks = organisation.checks if organisation is not None else ()
    for check in org_checks:
        if check.findings and check.severity.rank >= fail_on.rank:
            return 1
    for model in run.models:
        if not model.valid:
            return 1
        for check in model.checks:
            if check.findings and check.severity.rank >= fail_on.rank:
                return 1
    return 0


def _matrix_status(matrix: Matrix) -> int:
    broken = any(d.level is Level.ERROR for d in matrix.diagnostics)
    return 1 if broken or not all(m.valid for m in matrix.models) else 0


PULL_REQUEST_SOURCE = "pull request"
"""`CheckInfo.source` of the pull request's own checks (PR-*): findings about what the
pull request did, which no waiver in a model excuses."""


def excusing_waivers(model: ModelReport | None, delta: ModelDelta | None = None) -> dict[str, str]:
    """Control key -> reason of each waiver that excuses `model`'s check findings in the
    reports (a waived annotation, a SARIF suppression, a JUnit finding marked waived): the model's
    unexpired waivers (its controls with status `waived`). In pull-request mode (`delta`,
    the model's delta) only the waivers the base had too: a waiver the pull request adds
    is its own claim until a reviewer accepts it (its PR-SCOPE-003 finding), so a model
    the pull request adds has none. A waiver never changes the exit status."""
    if model is None or (delta is not None and delta.change == "added"):
        return {}
    new = (
        {key for key, _, now in delta.control_changes if now == ControlStatus.WAIVED.value}
        if delta is not None
        else set()
    )
    return {
        c.control_id: c.note
        for c in model.controls
        if c.status is ControlStatus.WAIVED and c.control_id not in new
    }


def waiver_reason(f: Finding, waivers: Mapping[str, str]) -> str | None:
    """Why `f` is waived: the reasons of the `waivers` (`excusing_waivers`) of every control
    it counts against, joined ("no reason given" when they give none); None when it counts
    against no control or one that is not waived."""
    if not f.controls or any(c not in waivers for c in f.controls):
        return None
    return "; ".join(dict.fromkeys(waivers[c] for c in f.controls if waivers[c])) or (
        "no reason given"
    )


def _by_fields(cls: type) -> None:
    """Make `cls` (a frozen dataclass whose fields are all arguments of its constructor)
    pickle as `(cls, field values)`: smaller than the slots' state by name, and read back
    by its constructor, not by `__setstate__` setting each slot through
    `object.__setattr__` (3x slower to pickle and unpickle)."""
    names = tuple(f.name for f in fields(cls))
    if not all(f.init for f in fields(cls)):
        raise TypeError(f"{cls.__name__}: a field that is not a constructor argument")
    get = attrgetter(*names)

    def reduce(self: Any) -> tuple[type, tuple[Any, ...]]:
        values = get(self)
        return cls, (values,) if len(names) == 1 else values

    setattr(cls, "__reduce__", reduce)  # noqa: B010 (mypy: no assigning to a method)


for _cls in [c for c in list(globals().values()) if is_dataclass(c) and isinstance(c, type)]:
    if _cls.__module__ == __name__:
        _by_fields(_cls)
del _cls
