"""Pull-request mode: evaluate the base and the head, and report what the change did.

`check --base REF` evaluates the models at REF and in the working tree (or `--head REF`)
and reports: models added, removed or renamed; threats added, removed or rescored (a
likelihood or impact lowered with neither a new or reworded assumption nor a new validation or
red-team reference is a finding); controls that changed status (a regression from
`satisfied` is a finding at the failing check's severity); the change rule between base
and head, so that a pull request that changes a review-trigger field without a new
`review.last_reviewed` fails; and what the pull request does to its own scope and gate.

A pull request is untrusted: the config, the policy folders and the ATLAS catalog that
judge both sides are the base's (`base_config`, `run_pull_request`), unless the caller
chooses the head's (`--policies-from head`). A change to any of them, a deleted model, a
model whose frameworks shrink, or a waiver or `not_applicable` entry added is a finding;
so is what weakens a model without failing a check: a threat removed without a successor
that says why, a surface, control or red-team record removed, a control moved back, a
risk tolerance raised, a risk acceptance added or extended.
A model is its `metadata.id`: a head model is compared with the base model of its id,
wherever git's renames (`-M`) put either file; a file whose id changed is a finding.

The rules are the base ref's tip; the delta is the pull request's own, counted from the
merge base of base and head (`RefReader.merge_base`), as GitHub's diff is: what the base
did after the branch was made is neither new, fixed nor a change of scope or policy.
"""

from __future__ import annotations

import contextlib
import fnmatch
import functools
import os
import tempfile
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Any

from .catalog import control_order
from .codefacts import UNCOVERED, WHAT, code_refs, code_scope, covers, finding_category
from .config import (
    CONFIG_NAME,
    FRAMEWORKS,
    Config,
    RiskCriteria,
    load_config,
    setting_keys,
    settings,
)
from .engine import Engine
from .errors import ConfigError, GitError, InvalidDocument, PolicyError
from .evaluate import RECENT_DAYS, TESTED, evidence_paths, tested_basis, threat_risk
from .gitfacts import RefReader, TreeChange, diff_models, reading_ahead
from .loader import (
    Candidate,
    Document,
    find_models,
    load_candidate,
    load_document,
    parsed_once,
)
from .modeldiff import last_reviewed_of, review_day
from .pipeline import (
    Catalogs,
    RunOptions,
    check_rules,
    in_process_engine,
    policy_dirs,
    provenance,
    read_catalogs,
    run_check,
    scan_code,
)
from .policyset import PolicySet, load_policy_set
from .references import repository_path
from .register import Decision, Register, RegisterDocument, parse_register
from .results import (
    CheckInfo,
    ControlStatus,
    Diagnostic,
    Finding,
    Level,
    ModelDelta,
    ModelReport,
    OrganisationReport,
    PullRequestDelta,
    RepoFinding,
    ReviewRule,
    ReviewStatus,
    RunResult,
    Severity,
    budget_errors,
)
from .review import parse_day
from .substance import in_substance, placeholder

REVIEW_CHECK_ID = "PR-REVIEW-001"
"""The id of the finding for a trigger change without a new review."""

BACKDATED_CHECK_ID = "PR-REVIEW-002"
"""A `review.last_reviewed` moved to an earlier day, or a past review's record rewritten."""

REVIEW_STATUS_CHECK_ID = "TM-REVIEW-001"
"""The check that fails on a review verdict; a trigger change makes it fail too."""

REGRESSION_CHECK_ID = "PR-REGRESSION-001"
"""The id of the finding for a control that was satisfied at the base and is not now."""

REMOVED_CHECK_ID = "PR-SCOPE-001"
"""A model the pull request deleted, moved out of the config's `models` or made no model."""

ID_CHECK_ID = "PR-SCOPE-008"
"""A model file whose `metadata.id` the pull request changed (in place or as it moved)."""

FRAMEWORKS_CHECK_ID = "PR-SCOPE-002"
"""A model whose `system.frameworks` no longer includes a framework it had at the base."""

WAIVER_CHECK_ID = "PR-SCOPE-003"
"""A waiver the pull request added, extended, gave another approver or another reason."""

NOT_APPLICABLE_CHECK_ID = "PR-SCOPE-004"
"""A `compliance.not_applicable` entry the pull request added, or whose reason it rewrote."""

SCORE_CHECK_ID = "PR-SCORE-001"
"""A threat's likelihood or impact lowered with no new or reworded assumption, no new validation."""

THREAT_REMOVED_CHECK_ID = "PR-SCOPE-005"
"""A threat the pull request removed without a threat it added or re-assumed that covers it."""

SURFACE_REMOVED_CHECK_ID = "PR-SCOPE-006"
"""An attack surface the pull request removed."""

CONTROL_CHECK_ID = "PR-CONTROL-001"
"""A control the pull request removed or moved back (verified -> implemented -> planned)."""

UNLINKED_CHECK_ID = "PR-CONTROL-002"
"""A threat that no longer names a control it named at the base, while the control remains."""

FORWARD_CHECK_ID = "PR-CONTROL-003"
"""A control the pull request moved forward (planned -> implemented -> verified) with no new
evidence of the base's behind it."""

RED_TEAM_CHECK_ID = "PR-REDTEAM-001"
"""A red-team exercise, or a finding of one, that the pull request removed."""

VALIDATION_CHECK_ID = "PR-REDTEAM-002"
"""The pull request moves a threat's `validation.status` away from `confirmed`."""

SEVERITY_CHECK_ID = "PR-REDTEAM-003"
"""The pull request lowers the severity of a red-team finding."""

REMEDIATION_CHECK_ID = "PR-REDTEAM-004"
"""The pull request closes the remediation of a red-team finding."""

UNNAMED_CHECK_ID = "PR-REDTEAM-005"
"""A red-team finding that no longer names a threat it named at the base."""
RED_TEAM_CLAIM_CHECK_ID = "PR-REDTEAM-006"
"""A red-team exercise, or a finding of one, that the pull request added: its own claim."""

RED_TEAM_DATE_CHECK_ID = "PR-REDTEAM-007"
"""The pull request changes the date of a red-team exercise."""

DUE_CHECK_ID = "PR-REDTEAM-008"
"""The pull request pushes a red-team finding's remediation `due` later (or drops it)."""

UNTESTED_CLAIM_CHECK_ID = "PR-REDTEAM-009"
"""A threat moved to a tested `validation.status` with nothing behind it."""

RED_TEAM_REWRITE_CHECK_ID = "PR-REDTEAM-010"
"""The pull request rewrites what an exercise (or a finding of it) recorded of itself."""

CLAIMED_REVIEW_CHECK_ID = "PR-REVIEW-003"
"""A review the pull request claims (`last_reviewed` moved forward) for its own trigger change."""

ATTESTATION_CHECK_ID = "PR-ATTEST-001"
"""An attestation the pull request added, gave another `by`, or dated later."""

TOLERANCE_CHECK_ID = "PR-RISK-001"
"""`system.risk_tolerance` raised: a higher treatment threshold."""

ACCEPTANCE_CHECK_ID = "PR-RISK-002"
"""A risk acceptance the pull request added to a threat, or whose expiry it extended."""

ACCEPTANCE_REWRITE_CHECK_ID = "PR-RISK-004"
"""The pull request rewrites who accepted a risk, when, or why."""

TRANSFER_CHECK_ID = "PR-RISK-003"
"""A threat the pull request transferred, or whose transfer it moved to someone else."""

APPLICABILITY_CHECK_ID = "PR-SCOPE-007"
"""Controls the pull request made not applicable through what the model says it is."""

OWNER_CHECK_ID = "PR-OWNER-001"
"""The pull request changes, removes or blanks a model's `metadata.owner`."""

CONFIG_CHECK_ID = "PR-POLICY-001"
"""The pull request changes the repository config."""

POLICY_CHECK_ID = "PR-POLICY-002"
"""The pull request changes a policy folder the config (or `--policy`) names."""

CATALOG_CHECK_ID = "PR-POLICY-003"
"""The pull request changes the repository's ATLAS catalog."""

REGISTER_CHECK_ID = "PR-POLICY-004"
"""The pull request changes the organisation register (its decisions, documents or acceptors)."""

DOCUMENT_CHECK_ID = "PR-POLICY-005"
"""A register document the pull request changes while the register keeps its old approval."""

EVIDENCE_CHECK_ID = "PR-EVID-001"
"""A file a model cited as evidence at the base that the pull request changes or deletes."""

CODE_CHECK_ID = "PR-CODE-001"
"""The pull request adds code that uses an AI asset the threat model does not declare."""

UNANALYSED_CHECK_ID = "PR-CODE-002"
"""The pull request adds or changes code that the drift check could not analyse."""

CODE_SCOPE_CHECK_ID = "PR-CODE-003"
"""The pull request changes what code a model is compared with (x-code-paths, x-code-refs)."""

UNDECLARED_CHECK_ID = "TM-CODE-001"
"""The check that reports an AI asset in the code that the threat model does not declare."""

_BY_REVIEWER = (
    "It cannot be waived: the pull request's reviewers decide, and a change to the base "
    "(merging a review first) makes it go away."
)

PR_CHECKS: Mapping[str, CheckInfo] = {
    c.id: c
    for c in (
        CheckInfo(
            REVIEW_CHECK_ID,
            "A change to a review-trigger field comes with a new review",
            "critical",
            ("iso42001/8.2", "nist-ai-rmf/MEASURE 3.1"),
            "pull request",
            rationale="A new model, training input, agent tool or retrieval source changes "
            "what can go wrong; the threat model is only worth its last review.",
            hint="Review the threat model for the change (threats, scores, controls of the "
            "new element) and set review.last_reviewed to the review's date in the same "
            "pull request.",
            rule_out="Not by a waiver: the review is the fix. A trigger field that changed "
            "without changing the system (a rename) still needs a reviewer to say so by "
            "setting review.last_reviewed.",
        ),
        CheckInfo(
            BACKDATED_CHECK_ID,
            "The review record only moves forward",
            "high",
            ("iso42001/8.2", "nist-ai-rmf/MEASURE 3.1"),
            "pull request",
            description="A pull request that sets review.last_reviewed to a day before the "
            "one at the base (no review: a trigger change still needs one, PR-REVIEW-001), "
            "changes reviewed_by while last_reviewed stays, or removes or rewrites a "
            "review.history entry of the base (in substance). Appending an entry is none.",
            rationale="The review date, its reviewers and the history are the record that "
            "the threat model was looked at, when, by whom and why; moving the date back or "
            "editing a past review rewrites that record, and a date earlier than the change "
            "it is meant to cover cannot have covered it.",
            hint="Restore the base's review record; after a new review, set "
            "review.last_reviewed and reviewed_by to it and append it to review.history.",
            rule_out=_BY_REVIEWER,
        ),
        CheckInfo(
            REGRESSION_CHECK_ID,
            "A control satisfied at the base still is",
            "varies",
            (),
            "pull request",
            description="Its severity is the worst of the control's findings (medium when "
            "it has none).",
            rationale="A pull request should not lose compliance that the base had; when "
            "a new finding explains the regression it is shown with that finding instead.",
            hint="Fix the findings now counted against the control (shown in the message), "
            "or restore what the pull request removed.",
            rule_out="Waive the control in compliance.waivers with an approver and an "
            "expiry (itself a PR-SCOPE-003 finding for a reviewer).",
        ),
        CheckInfo(
            REMOVED_CHECK_ID,
            "Threat models stay in the run",
            "high",
            (),
            "pull request",
            rationale="Deleting a model, moving it outside the config's models globs or "
            "changing its kind stops every check on a system without anyone deciding so.",
            hint="Keep the file where the models globs select it, with kind: ThreatModel; "
            "if the system is retired, have the model's owner approve the deletion.",
            rule_out=_BY_REVIEWER,
        ),
        CheckInfo(
            ID_CHECK_ID,
            "A model keeps its metadata.id",
            "high",
            (),
            "pull request",
            description="A model file whose metadata.id differs from the one its base "
            "version had (at the same path, or where git's rename detection found it); "
            "the message names old -> new and what is compared with the base's model of "
            "the old id. A pull request pairs models by metadata.id first: a head model "
            "with the id of a base model is compared with it wherever either file is and "
            "whatever git paired by content; then a file whose id changed is compared with "
            "its own base version if no model took that by id, and otherwise is new. A "
            "split reads the same way: the part keeping the id is compared with the base's "
            "model, a part with a new id is new (and this finding when its file was the "
            "original's).",
            rationale="A model is its metadata.id, not its path: its review history, the "
            "evidence that must name it and the pull request's comparisons follow the id. "
            "Changing it turns a known model into a new one, or lets a weakened copy take "
            "the identity while the original's file leaves under another id.",
            hint="Keep the model's metadata.id. To split a model, keep the original's file "
            "and id for the part that stays and put the new part in a new file with an id "
            "of its own.",
            rule_out=_BY_REVIEWER,
        ),
        CheckInfo(
            FRAMEWORKS_CHECK_ID,
            "A model keeps the frameworks it declared",
            "high",
            (),
            "pull request",
            rationale="Dropping a framework from system.frameworks silently drops all its "
            "checks for the model.",
            hint="Restore the framework in system.frameworks, or get the approval of the "
            "model's owner and the compliance team for narrowing the scope.",
            rule_out=_BY_REVIEWER,
        ),
        CheckInfo(
            WAIVER_CHECK_ID,
            "Waivers added, extended or rewritten are approved",
            "varies",
            (),
            "pull request",
            description="Its severity is the worst finding of the waived control, at least "
            "high, so that the default fail_on: high stops a pull request that waives a "
            "control until a reviewer accepts it. The waiver excuses nothing in the "
            "reports of the pull request that adds it, its own finding least of all. A "
            "waiver whose reason changed in substance is rewritten (old -> new).",
            rationale="A waiver hides a control's findings from its status; adding one, "
            "moving its expiry, naming another approver or giving it another reason is a "
            "risk decision, not an edit, and a pull request is untrusted until reviewed.",
            hint="Fix the control's findings instead, or have the person named in "
            "approved_by approve the pull request.",
            rule_out=_BY_REVIEWER,
        ),
        CheckInfo(
            NOT_APPLICABLE_CHECK_ID,
            "Scope exclusions added or rewritten are approved",
            "varies",
            (),
            "pull request",
            description="A compliance.not_applicable entry the base lacks, or one whose "
            "reason changed in substance (old -> new). Its severity is the worst finding of "
            "the excluded control, at least high.",
            rationale="A compliance.not_applicable entry stops a control or technique "
            "from counting for the model; that is a scope decision.",
            hint="Remove the entry and fix what fails, or have a reviewer confirm the "
            "reason given in the entry.",
            rule_out=_BY_REVIEWER,
        ),
        CheckInfo(
            SCORE_CHECK_ID,
            "A risk score lowered by the pull request says why",
            "high",
            ("iso42001/6.1.2", "nist-ai-rmf/MAP 5.1"),
            "pull request",
            description="A threat kept by the pull request (or renamed: a new id for a "
            "threat it removed, on the same surface with techniques covering the same ATLAS "
            "families, or with the same title) whose likelihood or impact "
            "is lower than at the base, while it states no assumption its base self did not "
            "(one added or reworded in substance, case, punctuation and spacing aside; one "
            "removed is no reason) and it gained no "
            "red-team reference (validation.findings, a red-team finding naming it) and "
            "no validation status that changed to confirmed or not_reproduced.",
            rationale="A score is only as good as the assumptions behind it (MAP 5.1): "
            "lowering it without saying what changed, or without a test that shows it, "
            "hides a risk from treatment, the threshold and the red-team schedule.",
            hint="In the same pull request, change the threat's assumptions to state what "
            "makes it less likely or less severe now, or link the red-team finding or "
            "validation that supports the new score; otherwise keep the old score.",
            rule_out=_BY_REVIEWER,
        ),
        CheckInfo(
            THREAT_REMOVED_CHECK_ID,
            "A threat removed by the pull request says why",
            "high",
            (),
            "pull request",
            description="A threat of the base that the head lacks (by id, and not renamed "
            "as PR-SCORE-001 reads a rename), unless each of its ATLAS techniques (by "
            "technique family) is named by a threat the pull request added with assumptions "
            "of its own (not the removed threat's, in substance) or a kept threat it gave a "
            "new or reworded assumption (one removed says nothing): the threat was merged "
            "into or replaced by one whose assumptions say why, the reason PR-SCORE-001 "
            "accepts for a lower score.",
            rationale="Deleting a threat takes it out of treatment, the risk register and "
            "ATLAS completeness at once; a deletion is caught by the completeness checks "
            "only when it happens to leave a technique family uncovered.",
            hint="Keep the threat and lower its score with the reason in its assumptions, "
            "mark how it is treated (status, acceptance), or replace it by a threat that "
            "names its techniques and whose assumptions say what changed.",
            rule_out=_BY_REVIEWER,
        ),
        CheckInfo(
            SURFACE_REMOVED_CHECK_ID,
            "An attack surface removed by the pull request is approved",
            "high",
            (),
            "pull request",
            description="A surface of the base (by id) that the head lacks; the message says "
            "when no surface of its layer is left.",
            rationale="The ATLAS completeness checks ask their questions per surface: a "
            "surface removed takes every technique asked of it out of the run.",
            hint="Keep the surface while the system still has that attack surface; have a "
            "reviewer confirm a surface the system no longer exposes.",
            rule_out=_BY_REVIEWER,
        ),
        CheckInfo(
            CONTROL_CHECK_ID,
            "A control is not removed or moved back by the pull request it judges",
            "high",
            (),
            "pull request",
            description="A control of the base (by id) that the head lacks, or whose status "
            "goes back (verified -> implemented -> planned); the message names the threats "
            "it mitigated at the base.",
            rationale="A threat counts as treated by the controls it names; removing one, or "
            "calling a verified control only planned, weakens the treatment of every threat "
            "that relies on it, though the threats' own checks may still pass.",
            hint="Keep the control (with its real status), or have a reviewer confirm that "
            "the threats it mitigated are treated otherwise.",
            rule_out=_BY_REVIEWER,
        ),
        CheckInfo(
            UNLINKED_CHECK_ID,
            "A threat keeps the controls that treat it, or a reviewer agrees",
            "high",
            (),
            "pull request",
            description="A threat at the base and the head (by id, or renamed as "
            "PR-SCORE-001 reads a rename) that no longer names, in mitigations, a control "
            "it named at the base, while the model still has that control: unlinked, or "
            "swapped for another. The message names the threat, the controls and "
            "mitigations old -> new. A control deleted is PR-CONTROL-001.",
            rationale="A threat counts as treated by the controls it names: unlinking the "
            "one that works (or swapping in one that does not address the threat) rewrites "
            "the treatment of a risk without touching its score or the control, and no "
            "check on either side notices an orphan control.",
            hint="Keep the control in the threat's mitigations, or have a reviewer confirm "
            "that the controls it names now treat it.",
            rule_out=_BY_REVIEWER,
        ),
        CheckInfo(
            FORWARD_CHECK_ID,
            "A control moved forward rests on evidence the base already had",
            "high",
            (),
            "pull request",
            description="A control of the base (by id) whose status the pull request moves "
            "forward (planned -> implemented or verified, implemented -> verified) while "
            "it cites no evidence it did not cite at the base that the base already had: "
            "none at all, only the base's evidence of the control, or only files the pull "
            "request added or changed. The message names old -> new and the evidence.",
            rationale="A control in place treats the threats that name it (a planned one "
            "only in part), so moving it forward clears treatment findings; the new status "
            "is the pull request's claim, like a tested validation status, until evidence "
            "that was not written for it shows the control in place.",
            hint="Cite the evidence of the new status (a runbook, a test or verification "
            "result) landed on the base first in a pull request of its own, or have the "
            "control's owner and a reviewer read the evidence written here and approve the "
            "pull request.",
            rule_out=_BY_REVIEWER,
        ),
        CheckInfo(
            RED_TEAM_CHECK_ID,
            "Red-team exercises and their findings stay on record",
            "high",
            (),
            "pull request",
            description="A red-team exercise (by id) of the base that the head lacks, or a "
            "finding (by id) of an exercise both have.",
            rationale="A red-team record is evidence: what was tested, what was found, which "
            "threats it confirmed. Deleting it hides a confirmed exploit and the scope that "
            "was tested.",
            hint="Keep the exercise and its findings; record a fix in the finding's "
            "remediation instead of deleting it.",
            rule_out=_BY_REVIEWER,
        ),
        CheckInfo(
            VALIDATION_CHECK_ID,
            "A threat a red team confirmed stays confirmed",
            "high",
            (),
            "pull request",
            description="A threat (by id, or renamed as PR-SCORE-001 reads a rename) whose "
            "validation.status is confirmed at the base and anything else (not_reproduced, "
            "untested, none) at the head; the message names old -> new and the red-team "
            "findings that confirmed it.",
            rationale="A confirmed threat is a known weakness with a remediation running; "
            "calling it not reproduced lowers the pressure on its score and remediation "
            "(TM-REDTEAM-005, TM-REDTEAM-006) without a new test behind it.",
            hint="Keep validation.status confirmed; when a new exercise failed to reproduce "
            "the threat, record that exercise and have a reviewer confirm the change.",
            rule_out=_BY_REVIEWER,
        ),
        CheckInfo(
            SEVERITY_CHECK_ID,
            "A red-team finding keeps the severity the red team gave it",
            "high",
            (),
            "pull request",
            description="A red-team finding (by exercise and finding id) whose severity is "
            "lower at the head than at the base (critical > high > medium > low > info), or "
            "removed; the message names old -> new.",
            rationale="The severity is the red team's judgement, recorded as evidence; "
            "lowering it afterwards rewrites what was found.",
            hint="Keep the severity; record a fix in the finding's remediation instead.",
            rule_out=_BY_REVIEWER,
        ),
        CheckInfo(
            REMEDIATION_CHECK_ID,
            "A red-team finding's remediation is closed with a reviewer",
            "high",
            (),
            "pull request",
            description="A red-team finding whose remediation.status is open or in_progress "
            "(or that had no status) at the base and resolved, accepted or wont_fix at the "
            "head; the message names old -> new and the ticket.",
            rationale="Closing a remediation ends the rule that keeps a confirmed threat's "
            "score up (TM-REDTEAM-006): it is a risk decision that someone who can check "
            "the fix (the ticket, a retest) makes, not an edit.",
            hint="Have a reviewer check the fix (the ticket, a retest) before merging, or "
            "keep the remediation open.",
            rule_out=_BY_REVIEWER,
        ),
        CheckInfo(
            UNNAMED_CHECK_ID,
            "A red-team finding keeps naming the threats it found affected",
            "high",
            (),
            "pull request",
            description="A red-team finding (by exercise and finding id) at the base and the "
            "head whose threats no longer include a threat it named at the base: under the "
            "threat's new id after a rename (as PR-SCORE-001 reads one), or at all when the "
            "threat was removed. The message names the finding and the threat.",
            rationale="Which threats a red team found exploitable is its result: dropping a "
            "threat from the list unlinks the confirmation (TM-REDTEAM-006 and -008 no "
            "longer see it) without a new test.",
            hint="Keep the threat in the finding's threats (under its new id after a "
            "rename); record a retest as a new exercise, and a fix in the remediation.",
            rule_out=_BY_REVIEWER,
        ),
        CheckInfo(
            RED_TEAM_CLAIM_CHECK_ID,
            "Red-team records the pull request adds are checked by a reviewer",
            "high",
            (),
            "pull request",
            description="A red-team exercise (by id) the head has and the base lacks, a "
            "finding (by id) added to an exercise both have, or a threat added to the threats "
            "of a finding both have. A record the pull request adds "
            "(or re-dates, PR-REDTEAM-007) excuses nothing in the same pull request: it is "
            "no reason for a lower score (PR-SCORE-001) and no basis for a tested "
            "validation.status (PR-REDTEAM-009).",
            rationale="A red-team record is evidence only when the red team wrote it; "
            "written in a pull request with the change it would justify, it is the pull "
            "request's claim, like a waiver, until someone checks it against the report.",
            hint="Have a reviewer check the exercise against its report (who ran it, its "
            "scope and results), or land the red-team record in a pull request of its own "
            "before the change that relies on it.",
            rule_out=_BY_REVIEWER,
        ),
        CheckInfo(
            RED_TEAM_DATE_CHECK_ID,
            "A red-team exercise keeps its date",
            "high",
            (),
            "pull request",
            description="A red-team exercise (by id) whose date differs between base and "
            "head; the message names old -> new and whether it moved forward or back.",
            rationale="An exercise's date decides whether it is recent (TM-REDTEAM-002, "
            "-003, -007) and what it can have tested; moving it forward makes an old "
            "exercise count for another year without a new test.",
            hint="Restore the exercise's date; record a new exercise (with its own id and "
            "report) for a new test.",
            rule_out=_BY_REVIEWER,
        ),
        CheckInfo(
            DUE_CHECK_ID,
            "A red-team finding's remediation deadline is not pushed out by the pull request",
            "varies",
            (),
            "pull request",
            description="A red-team finding whose remediation.due is later at the head than "
            "at the base (or removed) while the remediation is still open. High when the "
            "finding is high or critical, or the remediation was overdue at the base on "
            "the as-of date; medium otherwise. The message names old -> new.",
            rationale="The due date keeps a known weakness on a deadline (TM-ISO-050); "
            "moving it later silences an overdue remediation without fixing anything, "
            "as extending a waiver or an acceptance would (PR-SCOPE-003, PR-RISK-002).",
            hint="Keep the due date and fix the finding, or have whoever owns the "
            "remediation (the ticket) approve the new date in the pull request.",
            rule_out=_BY_REVIEWER,
        ),
        CheckInfo(
            UNTESTED_CLAIM_CHECK_ID,
            "A threat moved to a tested validation status has a test behind it",
            "high",
            ("nist-ai-rmf/MEASURE 2.7", "iso42001/9.1"),
            "pull request",
            description="A threat whose validation.status was untested (or unset) at the "
            "base and is confirmed or not_reproduced at the head, with no basis that the "
            "base already had: no red-team finding cited in validation.findings or naming "
            "it, and no exercise of the last 365 days with its surface or one of its "
            "ATLAS techniques in scope (records the pull request added or re-dated do not "
            "count). Such a status is no reason for a lower score (PR-SCORE-001).",
            rationale="A tested status takes a threat out of the untested-risk checks "
            "(TM-EVAL-001, TM-REDTEAM-007); with no exercise behind it, it is a claim "
            "that a test was run.",
            hint="Cite the red-team finding, or the exercise whose scope covered the "
            "threat, that gave the result; otherwise keep validation.status untested.",
            rule_out=_BY_REVIEWER,
        ),
        CheckInfo(
            RED_TEAM_REWRITE_CHECK_ID,
            "A red-team exercise's record is not rewritten by the pull request",
            "high",
            (),
            "pull request",
            description="A red-team exercise both sides have whose performed_by, independent, "
            "scope (surfaces, atlas, assumptions), tools, test_sets, metrics or report differ "
            "in substance, or a finding both have whose title, atlas or remediation.ticket "
            "does; the message names old -> new. The rewritten record is no basis for a "
            "tested validation.status (PR-REDTEAM-009) or a lower score (PR-SCORE-001).",
            rationale="An exercise's scope, performer, independence and report say what was "
            "tested and by whom; widened or re-attributed afterwards, an old exercise vouches "
            "for surfaces it never probed (a not_reproduced basis, MEASURE 1.3) without a "
            "new test.",
            hint="Restore the exercise as the red team recorded it; record a new test as a "
            "new exercise (its own id, date and report), or have the red team confirm the "
            "correction against its report.",
            rule_out=_BY_REVIEWER,
        ),
        CheckInfo(
            CLAIMED_REVIEW_CHECK_ID,
            "A review claimed for the pull request's own trigger change is confirmed",
            "high",
            ("iso42001/8.2", "nist-ai-rmf/MEASURE 3.1"),
            "pull request",
            description="A pull request that changes a review-trigger field and moves "
            "review.last_reviewed forward in the same change: it clears PR-REVIEW-001 with "
            "a review it dates itself. The message names the triggers, the new date and "
            "reviewed_by, for the reviewer to confirm.",
            rationale="Setting last_reviewed is how a reviewer says the model was looked "
            "at; written by the author of the change it covers, it is the pull request's "
            "claim, like a waiver, until a reviewer agrees.",
            hint="Have someone named in review.reviewed_by (not the author) review the "
            "model for the triggers listed and approve the pull request; a maintainer "
            "then merges it past this finding.",
            rule_out="Not by a waiver: the pull request's reviewers decide. The review "
            "cannot land before the change it covers, so a maintainer merges the pull "
            "request past this finding once the reviewer named agrees.",
        ),
        CheckInfo(
            ATTESTATION_CHECK_ID,
            "Attestations added or re-dated are approved",
            "high",
            (),
            "pull request",
            description="A compliance.attestations entry of a control the base did not "
            "attest, one naming someone else in by (case and spacing aside), or one whose "
            "date the pull request moved later; the message names old -> new and the "
            "evidence file.",
            rationale="An attestation names who vouches for a control and when; written "
            "in a pull request it turns the control attested (and a stale attestation "
            "current) on the pull request's word, like a waiver, until the person named "
            "agrees.",
            hint="Have the person or body named in by approve the pull request, with the "
            "evidence they attested; otherwise keep the base's attestation.",
            rule_out=_BY_REVIEWER,
        ),
        CheckInfo(
            TOLERANCE_CHECK_ID,
            "A model's risk tolerance is not raised by the pull request it judges",
            "high",
            (),
            "pull request",
            description="system.risk_tolerance changed so that the treatment threshold of the "
            "judging config's risk criteria rises (low 8 -> high 15 by default); the message "
            "names the threats that no longer need treatment.",
            rationale="The tolerance decides which threats must be treated: raising it "
            "takes threats out of treatment without changing a single score.",
            hint="Keep the tolerance; a change of the system's risk appetite needs the "
            "approval of its owner and of whoever sets the organisation's risk criteria.",
            rule_out=_BY_REVIEWER,
        ),
        CheckInfo(
            ACCEPTANCE_CHECK_ID,
            "Risk acceptances added or extended are approved",
            "high",
            (),
            "pull request",
            description="A threat's acceptance that the base did not have, or whose expires "
            "the pull request moved later.",
            rationale="An acceptance names who accepted a risk; written in a pull request it "
            "is the pull request's claim (TM-TREAT-003 can check the name, not the "
            "approval) until the person named approves it.",
            hint="Have the person named in acceptance.approved_by approve the pull request, "
            "or treat the threat instead.",
            rule_out=_BY_REVIEWER,
        ),
        CheckInfo(
            ACCEPTANCE_REWRITE_CHECK_ID,
            "Risk acceptances are not rewritten by the pull request",
            "high",
            ("iso42001/6.1.3",),
            "pull request",
            description="A threat's acceptance that the base had, whose approved_by, date or "
            "rationale the pull request changes in substance (recasing, spacing or "
            "punctuation is no change); the message names old -> new. An acceptance whose "
            "expires moves later is PR-RISK-002, which asks for the same approval.",
            rationale="An acceptance is a named person's decision, on a date, for a stated "
            "reason: naming another approver, re-dating it or rewriting its reason in a pull "
            "request makes a different decision in that person's name (the same as a "
            "waiver's approver, PR-SCOPE-003).",
            hint="Have the person named in acceptance.approved_by approve the pull request "
            "(the acceptance is theirs again), or restore the acceptance the base recorded.",
            rule_out=_BY_REVIEWER,
        ),
        CheckInfo(
            TRANSFER_CHECK_ID,
            "Risk transfers added or moved are approved",
            "high",
            (),
            "pull request",
            description="A threat whose status the pull request sets to transferred (a new "
            "threat included), or a transferred threat whose transferred_to it changes in "
            "substance.",
            rationale="A transfer treats a threat as fully as a control does, and TM-TREAT-001 "
            "takes a transferred threat as treated; written in a pull request it is the pull "
            "request's claim, like an acceptance (PR-RISK-002), until the risk's owner and "
            "whoever is said to carry it agree.",
            hint="Have the threat's owner approve the pull request with the contract or "
            "policy that carries the risk, or treat the threat instead.",
            rule_out=_BY_REVIEWER,
        ),
        CheckInfo(
            APPLICABILITY_CHECK_ID,
            "Controls are not made not applicable by relabelling the system",
            "high",
            (),
            "pull request",
            description="Controls or ATLAS techniques applicable at the base that are "
            "not_applicable at the head although the pull request added no "
            "compliance.not_applicable entry for them (that is PR-SCOPE-004): what the "
            "applicability reads changed (system.ai_tasks, a surface's layer, the assets). "
            "The message names the controls and the change.",
            rationale="Saying the system does something else (ai_tasks), or moving a surface "
            "to another layer, takes every technique of the old kind out of the run at once, "
            "and out of the ATLAS review rule for good: a scope decision like a "
            "not_applicable entry, without its stated reason.",
            hint="Restore what the system says it is, or have a reviewer confirm that the "
            "system really changed (and record the review).",
            rule_out=_BY_REVIEWER,
        ),
        CheckInfo(
            OWNER_CHECK_ID,
            "A model's owner is changed with the owners' knowledge",
            "varies",
            ("iso42001/A.3.2",),
            "pull request",
            description="metadata.owner changed (in substance: recasing or punctuation is no "
            "change), removed or set to a placeholder; the message names old -> new. Medium "
            "for a new owner; high when the owner is removed or a placeholder, or when the "
            "judging config names owners and the new owner has no contact there (remind "
            "would reach no one).",
            rationale="The owner is who is accountable for the system's risks and who "
            "remind asks for its reviews: handing a model to someone else, or to no one, "
            "is an accountability decision that both owners should see, not an edit.",
            hint="Have the old and the new owner approve the pull request, and name the new "
            "owner's contacts under owners in the config (in a pull request of its own).",
            rule_out=_BY_REVIEWER,
        ),
        CheckInfo(
            CONFIG_CHECK_ID,
            "The repository config is not changed by the pull request it judges",
            "high",
            (),
            "pull request",
            description="Names every setting that changed (each key of the config's "
            "schema is compared). Low when only evidence_dir or owners change.",
            rationale="The config chooses the models, frameworks, gate and policies; the "
            "base's config judges a pull request, so a change to it takes effect only "
            "once merged.",
            hint="Change the config in a pull request of its own, approved by the policy owners.",
            rule_out=_BY_REVIEWER,
        ),
        CheckInfo(
            POLICY_CHECK_ID,
            "The policy folders are not changed by the pull request they judge",
            "high",
            (),
            "pull request",
            rationale="The team's checks decide what passes; the base's copies judge a "
            "pull request, so a change to them takes effect only once merged.",
            hint="Change the policies in a pull request of their own, approved by the "
            "policy owners.",
            rule_out=_BY_REVIEWER,
        ),
        CheckInfo(
            DOCUMENT_CHECK_ID,
            "A register document is changed with a new approval",
            "high",
            (),
            "pull request",
            description="A document of the organisation register (its path, at the merge "
            "base) that the pull request changes, deletes or moves while the register keeps "
            "the document's version and approved date: the message names the file, the "
            "document and the controls whose decisions cite it.",
            rationale="The register records who approved which version of a policy; the "
            "controls that cite it read as attested by that approval. Rewriting the file "
            "under the same version replaces an approved policy with an unapproved one, "
            "and every model's statement of applicability keeps citing the approval.",
            hint="Give the document a new version and approved date (and approver) in the "
            "register in the same pull request, approved by the policy owners, or restore "
            "the file.",
            rule_out=_BY_REVIEWER,
        ),
        CheckInfo(
            EVIDENCE_CHECK_ID,
            "Evidence a model relied on is not rewritten by the pull request",
            "high",
            (),
            "pull request",
            description="A file that a model cited at the base and still cites (a control's "
            "evidence, an asset's SBOM, a red-team exercise's report, an attestation's "
            "evidence; however the path is spelled) that the pull request changes, deletes "
            "or moves; the message names the file and what cites it (controls, exercises, "
            "attested controls). Also evidence swapped for the pull request's own: an "
            "implemented or verified control, or an attestation (same control and "
            "attester), that no longer cites a file it cited at the base and cites instead "
            "one the pull request added or changed; the message names old -> new.",
            rationale="Evidence is what a verified control, an exercise or an attestation "
            "rests on; rewriting it in the pull request it judges changes the basis of "
            "those claims without a change a reviewer would see in the model. Repointing "
            "the claim to a file the pull request wrote (the old one deleted or left "
            "behind) is the same rewrite: an attestation then vouches, in its attester's "
            "name, for a text they never saw.",
            hint="Keep the evidence as it was and add new evidence beside it (a new file "
            "cited by the model), or have a reviewer compare the new content with what it "
            "attests.",
            rule_out=_BY_REVIEWER,
        ),
        CheckInfo(
            CODE_CHECK_ID,
            "Code added by the pull request uses only AI assets the threat model declares",
            "critical",
            ("iso42001/A.4.2", "nist-ai-rmf/MAP 4.1"),
            "pull request",
            description="Runs with check --code (or code in the config): a new TM-CODE-001 "
            "finding (an agent tool, model, data source or training entry point in the code "
            "that no asset declares) is treated like a change that needs a review.",
            rationale="A new tool, model or data source changes what can go wrong as much as "
            "a new asset in the model does; code that gains one without the threat model "
            "is how shadow AI starts.",
            hint="Declare the asset in the threat model (type and name as in the code, or "
            "its code name in x-code-refs), add its threats, review the model and set "
            "review.last_reviewed in the same pull request.",
            rule_out="Not by a waiver: declaring the asset is the fix. Code that belongs to "
            "another system's model is kept apart with metadata.x-code-paths.",
        ),
        CheckInfo(
            UNANALYSED_CHECK_ID,
            "Code the pull request adds or changes can be analysed",
            "high",
            ("iso42001/A.4.2", "nist-ai-rmf/MAP 4.1"),
            "pull request",
            description="Runs with check --code (or code in the config): a code file the "
            "pull request added, changed or renamed that the analysis skipped (larger than "
            "its limit, not in its encoding, a syntax the analyser cannot parse, a symlink "
            "out of the repository, past the file limit).",
            rationale="PR-CODE-001 can only vouch for code it has read: a skipped file would "
            "let a new tool, model or data source in unseen, so it fails closed.",
            hint="Make the file readable (split it, UTF-8 or a PEP 263 coding line, syntax "
            "of the Python that runs policyengine), or keep it out of the code folders.",
            rule_out=_BY_REVIEWER,
        ),
        CheckInfo(
            CODE_SCOPE_CHECK_ID,
            "The code a model is compared with is not re-scoped by the pull request",
            "high",
            ("iso42001/A.4.2", "nist-ai-rmf/MAP 4.1"),
            "pull request",
            description="A model's metadata.x-code-paths added or changed (narrowed, moved), "
            "or an asset's x-code-refs added or changed (an `x-code-refs: []` opt-out "
            "included). Removing either only widens what the drift checks compare, and is no "
            "finding. The message names old -> new.",
            rationale="x-code-paths says which code belongs to the model and x-code-refs "
            "which names in the code an asset declares: rewriting them in the pull request "
            "that adds the code decides what TM-CODE-001 and PR-CODE-001 see, a scope "
            "decision like a not_applicable entry (PR-SCOPE-004).",
            hint="Change the code links in a pull request of their own, or have a reviewer "
            "confirm that the code really moved or that the names really are the asset's.",
            rule_out=_BY_REVIEWER,
        ),
        CheckInfo(
            CATALOG_CHECK_ID,
            "The ATLAS catalog is not changed by the pull request it judges",
            "high",
            (),
            "pull request",
            rationale="Retiring or renaming a technique in the catalog changes which "
            "threats are valid and which surfaces are complete.",
            hint="Import the new ATLAS release (policyengine atlas import) in a pull "
            "request of its own, approved by the policy owners.",
            rule_out=_BY_REVIEWER,
        ),
        CheckInfo(
            REGISTER_CHECK_ID,
            "The organisation register is not changed without the policy owners",
            "high",
            (),
            "pull request",
            description="Names the controls whose applicability or implementation status "
            "changed, a changed risk_acceptors and the changed documents. Low when only "
            "justifications, owners or the organisation's name change.",
            rationale="Every model inherits the register: declaring a control not "
            "applicable or implemented there, approving a document again or naming who may "
            "accept risk changes the verdict of every model at once.",
            hint="Change the register in a pull request of its own, approved by the policy "
            "owners (the decisions' owners and the document approvers).",
            rule_out=_BY_REVIEWER,
        ),
    )
}
"""The pull request's own checks (not Rego): what they are, why, how to fix them."""


def _code_reviews(findings: Sequence[Finding]) -> list[Finding]:
    """`findings` with each new TM-CODE-001 finding (an AI asset in the code that the model
    does not declare) carried by a PR-CODE-001 finding (critical): like a review trigger,
    a new tool, model or data source fails the pull request whatever its `--fail-on`."""
    out = []
    for f in findings:
        if f.check_id != UNDECLARED_CHECK_ID:
            out.append(f)
            continue
        out.append(
            Finding(
                check_id=CODE_CHECK_ID,
                severity=Severity.CRITICAL,
                message=f"the pull request adds code that the threat model does not cover: "
                f"{f.message}; declare the asset, add its threats and review the model "
                "(set review.last_reviewed) in the same pull request",
                pointer=f.pointer,
                line=f.line,
                column=f.column,
                controls=f.controls,
                same_cause=(f,),
            )
        )
    return out


def _hinted(f: Finding) -> Finding:
    """`f` with the hint of its pull-request check."""
    info = PR_CHECKS.get(f.check_id)
    return replace(f, hint=info.hint) if info is not None and not f.hint else f


POLICIES_FROM = ("base", "head")
"""Which side's config, policy folders and ATLAS catalog judge a pull request."""

_YAML = (".yaml", ".yml")

Locate = Callable[[Sequence[str | int]], tuple[int, int]]
"""(line, column) of a path into the head's model; (0, 0) when unknown."""


def _nowhere(_: Sequence[str | int]) -> tuple[int, int]:
    return 0, 0


def _threats(model: Mapping[str, Any]) -> dict[str, int]:
    return {str(t.get("id")): threat_risk(t) for t in model.get("threats") or []}


def _last_reviewed(model: Mapping[str, Any]) -> object:
    return (model.get("review") or {}).get("last_reviewed")


def _review_move(old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[bool, bool]:
    """(forward, back): whether the pull request set `review.last_reviewed` to a later
    day than the base's (or to a day where the base had none that reads as one), and
    whether it set it to an earlier one. Only a move forward is a new review."""
    was, now = (review_day(last_reviewed_of(m)) for m in (old, new))
    if now is None:
        return False, False
    return was is None or now > was, was is not None and now < was


def _regressions(
    base: ModelReport, head: ModelReport
) -> tuple[list[tuple[str, str, str]], list[Finding]]:
    """(control key, base status, head status) of every control whose status changed, and
    a PR-REGRESSION-001 finding for each that was satisfied at the base and fails now."""
    before = {c.control_id: c for c in base.controls}
    changes, findings = [], []
    for ctl in head.controls:
        old = before.get(ctl.control_id)
        if old is None or old.status is ctl.status:
            continue
        changes.append((ctl.control_id, old.status.value, ctl.status.value))
        if old.status is ControlStatus.SATISFIED and ctl.status in (
            ControlStatus.PARTIAL,
            ControlStatus.NOT_SATISFIED,
        ):
            severity = max(
                (f.severity for f in ctl.findings), key=lambda s: s.rank, default=Severity.MEDIUM
            )
            first = ctl.findings[0] if ctl.findings else None
            findings.append(
                Finding(
                    check_id=REGRESSION_CHECK_ID,
                    severity=severity,
                    message=(
                        f"{ctl.control_id} was satisfied at the base and is "
                        f"{ctl.status.value} now"
                        + (f": {first.check_id} {first.message}" if first else "")
                    ),
                    pointer=first.pointer if first else "",
                    line=first.line if first else 0,
                    column=first.column if first else 0,
                    controls=(ctl.control_id,),
                )
            )
    return changes, findings


def _review_owed_before(head: ModelReport) -> bool:
    """Whether the head's change rule asks for a review. The base is judged without its
    history (`_side`), so its change rule did not run: when the pull request changed no
    trigger field, what that rule finds at the head was already owed at the base."""
    reasons = head.review.reasons if head.review is not None else ()
    return any(
        r.rule is ReviewRule.CHANGE and r.status is ReviewStatus.REVIEW_REQUIRED for r in reasons
    )


def _split(
    base: ModelReport | None, head: ModelReport, *, review_owed: bool = False
) -> tuple[list[Finding], list[Finding]]:
    """(new, existing): the head's check findings the base lacks, and those it has, by
    `Finding.key` counted with repeats (two equal findings at the base cover two). With
    `review_owed`, the review check's finding is one the base had (`_review_owed_before`)."""
    seen: Counter[str] = Counter()
    if base is not None:
        seen.update(f.key for c in base.checks for f in c.findings)
    new, existing = [], []
    for check in head.checks:
        for f in check.findings:
            if review_owed and f.check_id == REVIEW_STATUS_CHECK_ID:
                existing.append(f)
            elif f.key and seen[f.key] > 0:
                seen[f.key] -= 1
                existing.append(f)
            else:
                new.append(f)
    return new, existing


def _split_errors(
    base: ModelReport | None, head: ModelReport
) -> tuple[tuple[Diagnostic, ...], tuple[Diagnostic, ...]]:
    """(new, existing) error diagnostics of the head, by code and message."""
    seen = Counter(
        (d.code, d.message) for d in (base.diagnostics if base else ()) if d.level is Level.ERROR
    )
    new, existing = [], []
    for d in head.diagnostics:
        if d.level is not Level.ERROR:
            continue
        if seen[(d.code, d.message)] > 0:
            seen[(d.code, d.message)] -= 1
            existing.append(d)
        else:
            new.append(d)
    return tuple(new), tuple(existing)


def _one_per_cause(
    new: list[Finding],
    existing: list[Finding],
    regressions: list[Finding],
    review: Finding | None,
    head: ModelReport,
) -> list[Finding]:
    """The gate's findings, each cause once: the review trigger (PR-REVIEW-001) carries
    the review check's new finding (TM-REVIEW-001) with it; a control that regressed from
    satisfied is listed on the new findings that count against it (`regresses`). A
    regression whose findings the base all had (a review the base's change rule could not
    see) is none of the pull request's doing; one that nothing found explains stays a
    finding of its own (PR-REGRESSION-001)."""
    gate = list(new)
    if review is not None:
        same = tuple(f for f in gate if f.check_id == REVIEW_STATUS_CHECK_ID)
        gate = [replace(review, same_cause=same)]
        gate += [f for f in new if f.check_id != REVIEW_STATUS_CHECK_ID]
    regressed: dict[int, list[str]] = {}
    unexplained = []
    owned = {f.key for f in existing if f.key}
    for r in regressions:
        control = r.controls[0]
        causes = [
            i
            for i, f in enumerate(gate)
            if control in f.controls or any(control in g.controls for g in f.same_cause)
        ]
        for i in causes:
            regressed.setdefault(i, []).append(control)
        found = next((c.findings for c in head.controls if c.control_id == control), ())
        if not causes and not (found and all(f.key in owned for f in found)):
            unexplained.append(r)
    gate = [
        replace(f, regresses=tuple(sorted(regressed[i], key=control_order)))
        if i in regressed
        else f
        for i, f in enumerate(gate)
    ]
    return gate + unexplained


# --- scope reductions inside a model ----------------------------------------------------


def _frameworks_of(model: Mapping[str, Any]) -> set[str]:
    """The frameworks a model is evaluated for (none declared: all; ATLAS always)."""
    declared = (model.get("system") or {}).get("frameworks")
    if not declared:
        return set(FRAMEWORKS)
    return {fw for fw in FRAMEWORKS if fw == "atlas" or fw in declared}


def _scoped(model: Mapping[str, Any], key: str) -> dict[str, list[tuple[int, Mapping[str, Any]]]]:
    """`compliance.<key>` entries by what they scope (control, else technique), every
    entry: the engine honours each, so a second entry for one control counts too."""
    out: dict[str, list[tuple[int, Mapping[str, Any]]]] = {}
    for i, entry in enumerate((model.get("compliance") or {}).get(key) or []):
        if isinstance(entry, Mapping):
            name = entry.get("control") or entry.get("technique")
            if name:
                out.setdefault(str(name), []).append((i, entry))
    return out


def _latest(entries: Sequence[tuple[int, Mapping[str, Any]]]) -> object:
    """The latest `expires` among waivers (as written; the first that is not text, if any)."""
    expiries = [e.get("expires") for _, e in entries]
    odd = [x for x in expiries if not isinstance(x, str)]
    return odd[0] if odd else max(str(x) for x in expiries)


def _approver(entry: Mapping[str, Any]) -> str:
    """Who approved a waiver, as a reader compares names (case and spacing aside);
    `no one` when it names nobody."""
    return " ".join(str(entry.get("approved_by") or "").casefold().split()) or "no one"


def _written_approver(entry: Mapping[str, Any]) -> str:
    """Who approved a waiver, as written (`no one` when it names nobody)."""
    return " ".join(str(entry.get("approved_by") or "").split()) or "no one"


def _approved(entry: Mapping[str, Any], base: Sequence[tuple[int, Mapping[str, Any]]]) -> bool:
    """Whether a base waiver of the same control covers `entry`: the same approver, for
    as long or longer. A changed approver is a changed waiver (the one it names has not
    agreed to it), whatever the expiry."""
    expires = entry.get("expires")
    return any(
        _approver(e) == _approver(entry)
        and isinstance(e.get("expires"), str)
        and str(expires) <= str(e.get("expires"))
        for _, e in base
    )


def _silenced(head: ModelReport, name: str) -> Severity:
    """The worst severity among the head's findings against control `name`; at least
    high. The base judges a pull request, and a waiver or `not_applicable` entry in it is
    the pull request's own claim: under the default `fail_on: high` it must fail until a
    reviewer accepts it, also for a control that passes today (the waiver outlives that)."""
    worst = Severity.HIGH
    for ctl in head.controls:
        if ctl.control_id == name:
            for f in ctl.findings:
                worst = f.severity if f.severity.rank > worst.rank else worst
    return worst


def _scope_findings(
    old: Mapping[str, Any], new: Mapping[str, Any], head: ModelReport, locate: Locate
) -> list[Finding]:
    """Frameworks dropped, waivers and `not_applicable` entries added between base and head."""
    findings = []
    dropped = sorted(_frameworks_of(old) - _frameworks_of(new))
    if dropped:
        line, column = locate(["system", "frameworks"])
        findings.append(
            Finding(
                check_id=FRAMEWORKS_CHECK_ID,
                severity=Severity.HIGH,
                message=(
                    f"model {head.model_id} no longer declares {', '.join(dropped)} in "
                    "system.frameworks: the checks of "
                    + ("that framework" if len(dropped) == 1 else "those frameworks")
                    + " stop running on it; dropping a framework needs the approval of "
                    "the model's owner and the compliance team"
                ),
                pointer="/system/frameworks",
                line=line,
                column=column,
                controls=(),
            )
        )
    before, after = _scoped(old, "waivers"), _scoped(new, "waivers")
    for name, i, entry in sorted((n, i, e) for n, entries in after.items() for i, e in entries):
        expires, was = entry.get("expires"), _latest(before[name]) if name in before else None
        if name in before and not (isinstance(expires, str) and isinstance(was, str)):
            continue
        if name not in before:
            what = f"waives {name} (until {expires})"
        elif str(expires) > str(was):
            what = f"extends the waiver of {name} from {was} to {expires}"
        elif _approved(entry, before[name]):
            continue
        else:  # the same term, but someone else answers for it: a waiver of its own
            approvers = sorted({_written_approver(e) for _, e in before[name]})
            what = (
                f"waives {name} (until {expires}) approved by {_written_approver(entry)}, "
                f"where the base's waiver was approved by {' and '.join(approvers)}"
            )
        line, column = locate(["compliance", "waivers", i])
        findings.append(
            Finding(
                check_id=WAIVER_CHECK_ID,
                severity=_silenced(head, name),
                message=f"the pull request {what}: a waiver hides the control's findings "
                "from its status and needs the approval of whoever it names",
                pointer=f"/compliance/waivers/{i}",
                line=line,
                column=column,
                controls=(name,) if "/" in name else (),
            )
        )
    before, after = _scoped(old, "not_applicable"), _scoped(new, "not_applicable")
    for name, i in sorted((n, i) for n, entries in after.items() for i, _ in entries):
        if name in before:
            continue
        line, column = locate(["compliance", "not_applicable", i])
        findings.append(
            Finding(
                check_id=NOT_APPLICABLE_CHECK_ID,
                severity=_silenced(head, name),
                message=f"the pull request declares {name} not applicable: its checks stop "
                "counting for this model; a scope decision needs a reviewer",
                pointer=f"/compliance/not_applicable/{i}",
                line=line,
                column=column,
                controls=(name,) if "/" in name else (),
            )
        )
    return findings


def _reason_of(entry: Mapping[str, Any]) -> str:
    """A waiver's or `not_applicable` entry's `reason`, as written (`(none)` when absent)."""
    reason = entry.get("reason")
    return "(none)" if reason is None else str(reason)


def _reworded(
    entry: Mapping[str, Any],
    base: Sequence[tuple[int, Mapping[str, Any]]],
    head: Sequence[tuple[int, Mapping[str, Any]]],
) -> str | None:
    """The reasons of `base` (entries of one control at the base; quoted, `or` between
    them) that no entry of `head` (that control's at the head) still gives, when `entry`
    gives none of `base`'s: a reason rewritten. None when `entry` gives one of them, or
    when all of them still stand (an entry added beside the base's rewrites nothing).
    Compared in substance (`in_substance`: recasing, spacing or punctuation is no change)."""
    reasons = [_reason_of(e) for _, e in base]
    if in_substance(_reason_of(entry)) in {in_substance(r) for r in reasons}:
        return None
    given = {in_substance(_reason_of(e)) for _, e in head}
    lost = [r for r in dict.fromkeys(reasons) if in_substance(r) not in given]
    return " or ".join(f'"{r}"' for r in lost) if lost else None


def _rewritten_reasons(
    old: Mapping[str, Any], new: Mapping[str, Any], head: ModelReport, locate: Locate
) -> list[Finding]:
    """PR-SCOPE-003: each waiver of a control the base waived whose `reason` replaces the
    base's waivers' reasons for it (those of the same approver, else all: `_reworded`),
    unless `_scope_findings` reports the waiver already (a later expiry, another approver);
    PR-SCOPE-004: likewise each `compliance.not_applicable` entry of a control or technique
    the base ruled out. The decision is the approver's (the reviewer's) for the reason it
    gives: another reason is another decision in their name, as for an acceptance
    (PR-RISK-004)."""
    if old.get("compliance") == new.get("compliance"):
        return []  # the usual case, at the cost of one comparison
    findings = []
    before, after = _scoped(old, "waivers"), _scoped(new, "waivers")
    for name, i, entry in sorted((n, i, e) for n, entries in after.items() for i, e in entries):
        if name not in before:
            continue  # PR-SCOPE-003 reports a new waiver
        expires, was = entry.get("expires"), _latest(before[name])
        if isinstance(expires, str) and isinstance(was, str):
            if str(expires) > str(was) or not _approved(entry, before[name]):
                continue  # PR-SCOPE-003 reports it: extended, or approved by someone else
        same = [(j, e) for j, e in before[name] if _approver(e) == _approver(entry)]
        old_reason = _reworded(entry, same or before[name], after[name])
        if old_reason is None:
            continue
        findings.append(
            _reason_finding(
                WAIVER_CHECK_ID,
                ("waivers", i, name),
                head,
                f"the pull request rewrites the reason of the waiver of {name} "
                f"(approved by {_written_approver(entry)}, until {expires}): {old_reason} -> "
                f'"{_reason_of(entry)}": a waiver is its approver\'s decision for the reason '
                "it gives, and another reason needs their approval again",
                locate,
            )
        )
    before, after = _scoped(old, "not_applicable"), _scoped(new, "not_applicable")
    for name, i, entry in sorted((n, i, e) for n, entries in after.items() for i, e in entries):
        if name not in before:
            continue  # PR-SCOPE-004 reports a new entry
        old_reason = _reworded(entry, before[name], after[name])
        if old_reason is None:
            continue
        findings.append(
            _reason_finding(
                NOT_APPLICABLE_CHECK_ID,
                ("not_applicable", i, name),
                head,
                f"the pull request rewrites why {name} is not applicable: "
                f'{old_reason} -> "{_reason_of(entry)}": a scope decision rests on its '
                "reason, and a new reason needs a reviewer",
                locate,
            )
        )
    return findings


def _reason_finding(
    check_id: str, entry: tuple[str, int, str], head: ModelReport, message: str, locate: Locate
) -> Finding:
    """The finding of a rewritten reason: `entry` is (the `compliance` section, the
    entry's index, the control or technique it scopes), located at its `reason`, at the
    severity of what it silences (`_silenced`)."""
    section, i, name = entry
    line, column = locate(["compliance", section, i, "reason"])
    return Finding(
        check_id=check_id,
        severity=_silenced(head, name),
        message=message,
        pointer=f"/compliance/{section}/{i}/reason",
        line=line,
        column=column,
        controls=(name,) if "/" in name else (),
    )


# --- scores lowered without a reason -----------------------------------------------------

_SCORES = ("likelihood", "impact")


def _threats_by_id(model: Mapping[str, Any]) -> dict[str, tuple[int, Mapping[str, Any]]]:
    """The model's threats by id, with their index (the first of a repeated id)."""
    out: dict[str, tuple[int, Mapping[str, Any]]] = {}
    for i, threat in enumerate(model.get("threats") or []):
        if isinstance(threat, Mapping) and threat.get("id") is not None:
            out.setdefault(str(threat["id"]), (i, threat))
    return out


def _substance(text: str) -> str:
    """`text` as a reader weighs it (`substance.in_substance`), so `pinned  by hash.` and
    `Pinned by hash` are one assumption."""
    return in_substance(text)


def _assumptions_of(threat: Mapping[str, Any]) -> list[str]:
    """The threat's assumptions in substance (`_substance`), sorted, without blanks or
    repeats: reordering, respacing or repeating them changes nothing."""
    found = threat.get("assumptions")
    if not isinstance(found, list):
        return []
    return sorted({s for a in found if (s := _substance(str(a)))})


def _signature(threat: Mapping[str, Any]) -> tuple[str, tuple[str, ...]]:
    """What a threat is about, whatever its id: its surface and ATLAS techniques."""
    atlas = threat.get("atlas")
    techniques = sorted({str(t) for t in atlas}) if isinstance(atlas, list) else []
    return str(threat.get("surface") or ""), tuple(techniques)


def _title(threat: Mapping[str, Any]) -> str:
    """The threat's title in substance (`_substance`); "" when it has none."""
    title = threat.get("title")
    return _substance(title) if isinstance(title, str) else ""


def _same_threat(kind: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """Whether `new` is `old` under another id, by one of the `_MATCHES` (tried in
    turn): the same surface and techniques; the same surface and techniques covering
    every ATLAS family `old` named (a technique widened to its parent, a sub-technique
    swapped, one added); the same title in substance."""
    if kind == "techniques":
        return _signature(old) == _signature(new) and _signature(old) != ("", ())
    if kind == "families":
        families = _families(old)
        return (
            bool(families)
            and bool(old.get("surface"))
            and old.get("surface") == new.get("surface")
            and families <= _families(new)
        )
    return bool(_title(old)) and _title(old) == _title(new)


_MATCHES = ("techniques", "families", "title")
"""How a removed threat is paired with an added one (`_same_threat`), strictest first."""


def _renamed_threats(
    before: Mapping[str, tuple[int, Mapping[str, Any]]],
    after: Mapping[str, tuple[int, Mapping[str, Any]]],
) -> dict[str, str]:
    """New id -> old id of each threat the pull request renamed: a threat it removed and
    one it added that is the same threat (`_same_threat`: the same surface and
    techniques, then the same surface and ATLAS families, then the same title), paired
    in file order, the strictest match first. A new id resets no comparison: the
    pull request's checks on a threat (its score, validation, controls, acceptance,
    transfer, the red-team findings naming it) follow it through the rename."""
    removed = [
        (tid, threat)
        for tid, (_, threat) in sorted(before.items(), key=lambda kv: kv[1][0])
        if tid not in after
    ]
    added = [
        (tid, threat)
        for tid, (_, threat) in sorted(after.items(), key=lambda kv: kv[1][0])
        if tid not in before
    ]
    out: dict[str, str] = {}
    for kind in _MATCHES:
        for tid, threat in added:
            if tid in out:
                continue
            taken = set(out.values())
            for old_id, old_threat in removed:
                if old_id not in taken and _same_threat(kind, old_threat, threat):
                    out[tid] = old_id
                    break
    return out


def _threat_pairs(
    old: Mapping[str, Any], new: Mapping[str, Any]
) -> list[tuple[str, str, int, Mapping[str, Any], Mapping[str, Any]]]:
    """(base id, head id, head index, base threat, head threat) of each threat at the
    base and the head alike: by id, or renamed (`_renamed_threats`); in head order."""
    before, after = _threats_by_id(old), _threats_by_id(new)
    renamed = _renamed_threats(before, after)
    out = []
    for tid, (i, threat) in sorted(after.items(), key=lambda kv: kv[1][0]):
        was_id = renamed.get(tid, tid)
        if was_id in before:
            out.append((was_id, tid, i, before[was_id][1], threat))
    return out


def _shown(was_id: str, tid: str) -> str:
    """A threat as a message names it: `T-012 (renamed from T-001)` after a rename."""
    return tid if was_id == tid else f"{tid} (renamed from {was_id})"


def _validation_of(threat: Mapping[str, Any]) -> tuple[str, set[str]]:
    """(status, red-team references) of the threat's `validation`."""
    validation = threat.get("validation")
    if not isinstance(validation, Mapping):
        return "", set()
    refs = validation.get("findings")
    return str(validation.get("status") or ""), (
        {str(r) for r in refs} if isinstance(refs, list) else set()
    )


def _red_team_naming(model: Mapping[str, Any]) -> dict[str, set[str]]:
    """Threat id -> `EXERCISE/FINDING` of each red-team finding that names it."""
    out: dict[str, set[str]] = {}
    for exercise in model.get("red_team") or []:
        if not isinstance(exercise, Mapping):
            continue
        for finding in exercise.get("findings") or []:
            if not isinstance(finding, Mapping):
                continue
            for tid in finding.get("threats") or []:
                ref = f"{exercise.get('id')}/{finding.get('id')}"
                out.setdefault(str(tid), set()).add(ref)
    return out


def _reassumed(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """Whether the threat `new` (at the head) states an assumption that `old` (its base
    self) did not, in substance (`_assumptions_of`): one added or reworded. An assumption
    removed is none: a premise taken away says nothing about why the threat is less
    likely or less severe now (it may be the very premise that made it likely)."""
    return bool(set(_assumptions_of(new)) - set(_assumptions_of(old)))


def _dropped_premises(old: Mapping[str, Any], new: Mapping[str, Any]) -> str:
    """For a PR-SCORE-001 message: the assumptions of `old` that `new` lacks (in
    substance), as written at the base, saying that removing them is no reason; ""
    when none was removed."""
    kept = set(_assumptions_of(new))
    found = old.get("assumptions")
    gone: dict[str, str] = {}
    for a in found if isinstance(found, list) else []:
        if (said := _substance(str(a))) and said not in kept:
            gone.setdefault(said, str(a))
    if not gone:
        return ""
    shown = "; ".join(f'"{a}"' for a in gone.values())
    return f" (removing an assumption is no reason: {shown})"


def _has_reason(
    ids: tuple[str, str],
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    naming: tuple[dict[str, set[str]], dict[str, set[str]]],
    basis: Callable[[Mapping[str, Any]], bool] = lambda _: True,
) -> bool:
    """Whether the pull request gives a reason for a threat's lower score (`ids`: its id at
    the base and at the head): an assumption added or reworded in substance
    (`_reassumed`; one removed is none); a red-team reference the base did not have in
    `validation.findings`, to a finding that names the threat at the base and the head (a
    finding the pull request makes name it is its claim, `_newly_naming`); or a validation
    status that changed to a tested one (`confirmed`, `not_reproduced`) with a basis."""
    if _reassumed(old, new):
        return True
    (was, old_refs), (now, new_refs) = _validation_of(old), _validation_of(new)
    about = naming[1].get(ids[1], set())  # only a finding that names the threat is about it
    if (new_refs - old_refs) & about & naming[0].get(ids[0], set()):
        return True
    return now != was and now in TESTED and basis(new)


def _lowered_scores(
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    locate: Locate,
    *,
    as_of: date | None = None,
    claimed: frozenset[str] = frozenset(),
) -> list[Finding]:
    """A PR-SCORE-001 finding for each threat, at the base and the head alike (by id, or
    renamed: `_renamed_threats`), whose likelihood or impact the pull request lowered
    without a reason (`_has_reason`). A new threat, a raised score or a score that was not
    a number at the base is none."""
    before, after = _threats_by_id(old), _threats_by_id(new)
    renamed = _renamed_threats(before, after)
    naming = (
        _red_team_naming(old),
        {tid: refs - claimed for tid, refs in _red_team_naming(new).items()},
    )

    newly = _newly_naming(old, new, renamed)

    def basis(threat: Mapping[str, Any]) -> bool:
        """A tested status counts with a basis the pull request did not write itself."""
        own = claimed | newly.get(str(threat.get("id")), frozenset())
        return as_of is not None and bool(tested_basis(threat, new, as_of, claimed=own))

    findings = []
    for tid, (i, threat) in after.items():
        was_id = renamed.get(tid, tid)
        if was_id not in before:
            continue
        base_threat = before[was_id][1]
        lowered = [
            (name, base_threat.get(name), threat.get(name))
            for name in _SCORES
            if isinstance(base_threat.get(name), int)
            and isinstance(threat.get(name), int)
            and threat[name] < base_threat[name]
        ]
        if not lowered or _has_reason((was_id, tid), base_threat, threat, naming, basis):
            continue
        line, column = locate(["threats", i, lowered[0][0]])
        scores = " and ".join(f"{name} lowered {was} -> {now}" for name, was, now in lowered)
        shown = tid if was_id == tid else f"{tid} (renamed from {was_id})"
        findings.append(
            Finding(
                check_id=SCORE_CHECK_ID,
                severity=Severity.HIGH,
                message=f"threat {shown} {scores} without a changed assumption or new validation"
                + _dropped_premises(base_threat, threat),
                pointer=f"/threats/{i}/{lowered[0][0]}",
                line=line,
                column=column,
                controls=("iso42001/6.1.2", "nist-ai-rmf/MAP 5.1"),
            )
        )
    return findings


# --- weakening: what the pull request removed or loosened ---------------------------------

_CONTROL_RANK = {"planned": 0, "implemented": 1, "verified": 2}


def _listed(model: Mapping[str, Any], key: str) -> dict[str, tuple[int, Mapping[str, Any]]]:
    """The entries of the list `key` of a model by id, with their index (first of a repeat)."""
    out: dict[str, tuple[int, Mapping[str, Any]]] = {}
    for i, entry in enumerate(model.get(key) or []):
        if isinstance(entry, Mapping) and entry.get("id") is not None:
            out.setdefault(str(entry["id"]), (i, entry))
    return out


def _families(threat: Mapping[str, Any]) -> set[str]:
    """The ATLAS technique families a threat names (`AML.T0051.001` -> `AML.T0051`)."""
    found = threat.get("atlas")
    names = found if isinstance(found, list) else [found] if isinstance(found, str) else []
    return {".".join(str(n).split(".")[:2]) for n in names if n}


def _weakening(kind: str, message: str, path: Sequence[str | int], locate: Locate) -> Finding:
    line, column = locate(path)
    return Finding(
        check_id=kind,
        severity=Severity.HIGH,
        message=message,
        pointer="/" + "/".join(str(p) for p in path),
        line=line,
        column=column,
        controls=(),
    )


def _removed_threats(
    old: Mapping[str, Any], new: Mapping[str, Any], locate: Locate
) -> list[Finding]:
    """PR-SCOPE-005: each threat of the base the head lacks, unless every ATLAS technique
    family it names is named by a successor whose assumptions say why: a threat the pull
    request added whose assumptions differ in substance from the removed one's (a copy of
    its assumptions says nothing), or a kept threat given a new or reworded assumption
    (`_reassumed`, the reason PR-SCORE-001 accepts: the threat was merged or replaced; an
    assumption removed says nothing). A threat given a new
    id that is the same threat (`_renamed_threats`) is that threat renamed, as PR-SCORE-001
    reads it, not removed."""
    before, after = _threats_by_id(old), _threats_by_id(new)
    renamed = _renamed_threats(before, after)
    reworded: set[str] = set()  # families of kept threats given a new assumption
    added: list[tuple[set[str], list[str]]] = []  # (families, assumptions) of new threats
    for tid, (_, threat) in after.items():
        prior = before.get(renamed.get(tid, tid))
        if prior is None:
            added.append((_families(threat), _assumptions_of(threat)))
        elif _reassumed(prior[1], threat):
            reworded |= _families(threat)
    findings = []
    for tid, (_, threat) in before.items():
        if tid in after or tid in renamed.values():
            continue
        families, assumptions = _families(threat), _assumptions_of(threat)
        explaining = set(reworded)
        for named, said in added:
            if said and said != assumptions:
                explaining |= named
        if families and families <= explaining:
            continue
        uncovered = sorted(families - explaining)
        why = (
            f"no threat the pull request added or re-assumed names {', '.join(uncovered)}"
            if uncovered
            else "it names no ATLAS technique a successor could cover"
        )
        findings.append(
            _weakening(
                THREAT_REMOVED_CHECK_ID,
                f"threat {tid} (risk {threat_risk(threat)}) was removed without a reason: "
                f"{why}; its treatment, risk entry and ATLAS coverage go with it",
                ["threats"],
                locate,
            )
        )
    return findings


def _removed_surfaces(
    old: Mapping[str, Any], new: Mapping[str, Any], locate: Locate
) -> list[Finding]:
    """PR-SCOPE-006: each surface of the base (by id) the head lacks."""
    before, after = _listed(old, "surfaces"), _listed(new, "surfaces")
    layers = {str(s.get("layer")) for _, s in after.values()}
    findings = []
    for sid, (_, surface) in before.items():
        if sid in after:
            continue
        layer = str(surface.get("layer"))
        gone = "" if layer in layers else f"; the model has no {layer} surface left"
        findings.append(
            _weakening(
                SURFACE_REMOVED_CHECK_ID,
                f"surface {sid} ({layer}) was removed: the ATLAS techniques asked of it are "
                f"no longer asked{gone}",
                ["surfaces"],
                locate,
            )
        )
    return findings


def _weakened_controls(
    old: Mapping[str, Any], new: Mapping[str, Any], locate: Locate
) -> list[Finding]:
    """PR-CONTROL-001: each control of the base the head lacks or whose status goes back."""
    before, after = _listed(old, "controls"), _listed(new, "controls")
    mitigated: dict[str, list[str]] = {}
    for tid, (_, threat) in _listed(old, "threats").items():
        for cid in threat.get("mitigations") or []:
            mitigated.setdefault(str(cid), []).append(tid)
    findings = []
    for cid, (_, control) in before.items():
        was = str(control.get("status"))
        threats = mitigated.get(cid, [])
        names = f"; it mitigated {', '.join(threats)} at the base" if threats else ""
        if cid not in after:
            findings.append(
                _weakening(
                    CONTROL_CHECK_ID,
                    f"control {cid} ({was}) was removed{names}",
                    ["controls"],
                    locate,
                )
            )
            continue
        i, now_control = after[cid]
        now = str(now_control.get("status"))
        if (
            was in _CONTROL_RANK
            and now in _CONTROL_RANK
            and _CONTROL_RANK[now] < _CONTROL_RANK[was]
        ):
            findings.append(
                _weakening(
                    CONTROL_CHECK_ID,
                    f"control {cid} moved back from {was} to {now}{names}",
                    ["controls", i, "status"],
                    locate,
                )
            )
    return findings


def _advanced_controls(
    old: Mapping[str, Any], new: Mapping[str, Any], written: Collection[str], locate: Locate
) -> list[Finding]:
    """PR-CONTROL-003: each control of the base whose status goes forward (planned ->
    implemented -> verified) with no new basis: no file among its evidence that it did not
    cite at the base and that the pull request did not write (`written`: added or
    changed). Evidence landed on the base first is a basis; the control's old evidence or
    the pull request's own text is not."""
    before = _listed(old, "controls")
    findings = []
    for cid, (i, control) in _listed(new, "controls").items():
        if cid not in before:
            continue
        was, now = str(before[cid][1].get("status")), str(control.get("status"))
        if was not in _CONTROL_RANK or now not in _CONTROL_RANK:
            continue
        if _CONTROL_RANK[now] <= _CONTROL_RANK[was]:
            continue  # the same, or back: PR-CONTROL-001
        cited = _evidence_of(before[cid][1], "evidence")
        evidence = _evidence_of(control, "evidence")
        fresh = [f for f in evidence if f not in cited]
        if any(f not in written for f in fresh):
            continue
        if not evidence:
            why = "with no evidence: nothing shows it"
        elif fresh:
            why = (
                f"on evidence the pull request wrote ({', '.join(fresh)}): the status is its "
                "claim until a reviewer reads it"
            )
        else:
            why = (
                f"on the evidence it cited at the base ({', '.join(evidence)}): a new status "
                "needs new evidence"
            )
        findings.append(
            _weakening(
                FORWARD_CHECK_ID,
                f"control {cid} moved forward from {was} to {now} {why}",
                ["controls", i, "status"],
                locate,
            )
        )
    return findings


# --- links: which controls treat a threat, which red-team findings name it ------------------


def _mitigations(threat: Mapping[str, Any]) -> list[str]:
    found = threat.get("mitigations")
    return [str(c) for c in found] if isinstance(found, list) else []


def _unlinked_controls(
    old: Mapping[str, Any], new: Mapping[str, Any], locate: Locate
) -> list[Finding]:
    """PR-CONTROL-002: each threat at the base and the head alike (by id, or renamed:
    `_threat_pairs`) that no longer names a control it named at the base, while the head
    still has that control (a control removed is PR-CONTROL-001): the control was unlinked
    or swapped for another. Names the threat, the controls and `mitigations` old -> new."""
    controls = _listed(new, "controls")
    findings = []
    for was_id, tid, i, threat, now_threat in _threat_pairs(old, new):
        was, now = _mitigations(threat), _mitigations(now_threat)
        lost = [c for c in dict.fromkeys(was) if c not in now and c in controls]
        if not lost:
            continue
        shown = ", ".join(f"{c} ({controls[c][1].get('status')})" for c in lost)
        findings.append(
            _weakening(
                UNLINKED_CHECK_ID,
                f"threat {_shown(was_id, tid)} (risk {threat_risk(now_threat)}) no longer "
                f"names control{'' if len(lost) == 1 else 's'} {shown}, which the model "
                f"keeps: mitigations {_show_list(was)} -> {_show_list(now)}; its treatment "
                "rests on other controls now",
                ["threats", i, "mitigations"],
                locate,
            )
        )
    return findings


def _unnamed_by_red_team(
    old: Mapping[str, Any], new: Mapping[str, Any], locate: Locate
) -> list[Finding]:
    """PR-REDTEAM-005: each red-team finding (by exercise and finding id) at the base and
    the head alike that no longer names a threat it named at the base: under the threat's
    head id after a rename (`_renamed_threats`), or at all once the threat is removed. The
    threats a red team found affected are its result, like the severity (PR-REDTEAM-003)."""
    renamed = _renamed_threats(_threats_by_id(old), _threats_by_id(new))
    now_id = {was: tid for tid, was in renamed.items()}
    head_threats, base_threats = _threats_by_id(new), _threats_by_id(old)
    after = _red_team_findings(new)
    findings = []
    for key, (_, finding) in _red_team_findings(old).items():
        if key not in after:
            continue  # PR-REDTEAM-001
        (e, f), now_finding = after[key]
        named = {str(t) for t in now_finding.get("threats") or []}
        for was in dict.fromkeys(str(t) for t in finding.get("threats") or []):
            tid = now_id.get(was, was)
            if tid in named:
                continue
            if tid != was:
                which = f"{was} (now {tid})"
            elif tid in head_threats or was not in base_threats:
                which = was
            else:
                which = f"{was} (removed by the pull request)"
            findings.append(
                _weakening(
                    UNNAMED_CHECK_ID,
                    f"red-team finding {'/'.join(key)} no longer names threat {which}: "
                    "the threats a red team found affected are its result, rewritten "
                    "here, not retested",
                    ["red_team", e, "findings", f, "threats"],
                    locate,
                )
            )
    return findings


def _cited(path: str) -> str:
    """The repository path a citation names (`references.repository_path`: `./docs/x.md`
    is `docs/x.md`, as git names the file), or the citation as written when it names none
    inside the repository (a validation error, and no file a pull request can touch)."""
    normal = repository_path(path)
    return path if normal is None else normal


def _citations(model: Mapping[str, Any]) -> dict[str, list[tuple[str, list[str | int]]]]:
    """Evidence path (`_cited`: however the model spells it) -> (what cites it, where) for
    every file the model names as evidence (`evaluate.evidence_paths`): a control, an
    asset's SBOM, an exercise's report, an attestation (named by the framework control it
    attests)."""
    out: dict[str, list[tuple[str, list[str | int]]]] = {}

    def add(path: object, what: str, where: list[str | int]) -> None:
        if isinstance(path, str) and path:
            out.setdefault(_cited(path), []).append((what, where))

    for cid, (i, control) in _listed(model, "controls").items():
        for path in control.get("evidence") or []:
            add(path, f"control {cid} ({control.get('status')})", ["controls", i, "evidence"])
    for aid, (i, asset) in _listed(model, "assets").items():
        add(asset.get("sbom"), f"the SBOM of asset {aid}", ["assets", i, "sbom"])
    for eid, (i, exercise) in _listed(model, "red_team").items():
        add(exercise.get("report"), f"red-team exercise {eid}", ["red_team", i, "report"])
    compliance = model.get("compliance")
    attestations = compliance.get("attestations") if isinstance(compliance, Mapping) else None
    for i, entry in enumerate(attestations if isinstance(attestations, list) else []):
        if isinstance(entry, Mapping):
            where: list[str | int] = ["compliance", "attestations", i]
            add(entry.get("evidence"), f"the attestation of {entry.get('control')}", where)
    return out


def _changed_evidence(
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    touched: Mapping[str, TreeChange],
    locate: Locate,
) -> list[Finding]:
    """PR-EVID-001: each file the model cited at the base and still cites that the pull
    request changed, deleted or moved (`touched`: by the path at the merge base), naming
    what cites it at the head. A file the model newly cites is new evidence, not changed."""
    if not touched:
        return []
    before, after = _citations(old), _citations(new)
    findings = []
    for path in sorted(before.keys() & after.keys()):
        change = touched.get(path)
        if change is None or change.status == "A":
            continue
        how = {"D": "deletes", "R": f"moves (to {change.new})"}.get(change.status, "changes")
        citing = after[path]
        findings.append(
            _weakening(
                EVIDENCE_CHECK_ID,
                f"the pull request {how} {path}, the evidence of "
                f"{', '.join(what for what, _ in citing)}: what they rest on is rewritten "
                "in the pull request they are judged by",
                citing[0][1],
                locate,
            )
        )
    return findings


_CLAIMED_STATUS = frozenset({"implemented", "verified"})
"""Control statuses that claim the control is in place, on its evidence."""


def _evidence_of(entry: Mapping[str, Any], key: str) -> list[str]:
    """The files (`_cited`) an entry cites under `key`: a list (a control's `evidence`) or
    one path (an attestation's)."""
    found = entry.get(key)
    values = found if isinstance(found, list) else [found]
    return list(dict.fromkeys(_cited(v) for v in values if isinstance(v, str) and v))


def _swap(
    was: Sequence[str], now: Sequence[str], touched: Mapping[str, TreeChange]
) -> tuple[str, str]:
    """`old` and `new` as a message shows them: the files the entry dropped (`(deleted by
    the pull request)` after one it deletes) and the files it now cites that the pull
    request wrote."""
    gone = [
        f + (" (deleted by the pull request)" if (c := touched.get(f)) and c.status == "D" else "")
        for f in was
    ]
    return ", ".join(gone), ", ".join(now)


def _replaced_evidence(
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    touched: Mapping[str, TreeChange],
    written: Collection[str],
    locate: Locate,
) -> list[Finding]:
    """PR-EVID-001: evidence replaced rather than rewritten in place. Each control of the
    base that is `implemented` or `verified` at the head and each attestation of the base
    (the same control and attester) whose evidence the pull request swapped: a file the
    base cited there is no longer cited, and a file it cites instead is one the pull
    request wrote (`written`: added, or changed in content). The claim rests on the pull
    request's own text now, like a rewritten file, though the old one is no longer cited.
    New evidence beside the old (every file of the base still cited) is none."""
    if not written:
        return []
    findings = []
    before = _listed(old, "controls")
    for cid, (i, control) in _listed(new, "controls").items():
        if cid not in before or control.get("status") not in _CLAIMED_STATUS:
            continue
        was = _evidence_of(before[cid][1], "evidence")
        now = _evidence_of(control, "evidence")
        dropped = [f for f in was if f not in now]
        fresh = [f for f in now if f not in was and f in written]
        if not dropped or not fresh:
            continue
        gone, instead = _swap(dropped, fresh, touched)
        findings.append(
            _weakening(
                EVIDENCE_CHECK_ID,
                f"control {cid} ({control.get('status')}) now rests on {instead}, written by "
                f"the pull request, instead of {gone}: evidence {_show_list(was)} -> "
                f"{_show_list(now)}; what it rests on is rewritten in the pull request it is "
                "judged by",
                ["controls", i, "evidence"],
                locate,
            )
        )
    base: dict[tuple[str, str], list[str]] = {}
    for _, entry in _attestations(old):
        key = (str(entry.get("control")), _attester(entry))
        base.setdefault(key, []).extend(_evidence_of(entry, "evidence"))
    swapped: dict[tuple[str, str, str], list[tuple[int, Mapping[str, Any]]]] = {}
    for i, entry in _attestations(new):
        was = base.get((str(entry.get("control")), _attester(entry)), [])
        now = _evidence_of(entry, "evidence")
        if was and now and now[0] not in was and now[0] in written:  # new or re-attributed:
            gone, _ = _swap(was, now, touched)  # PR-ATTEST-001's
            swapped.setdefault((gone, now[0], _written_attester(entry)), []).append((i, entry))
    for (gone, instead, by), entries in swapped.items():
        controls = [str(e.get("control")) for _, e in entries]
        attestations = "the attestation" + ("s" if len(controls) > 1 else "")
        findings.append(
            _weakening(
                EVIDENCE_CHECK_ID,
                f"{attestations} of {', '.join(controls)} by {by} now rest"
                f"{'' if len(controls) > 1 else 's'} on {instead}, written by the pull "
                f"request, instead of {gone}: what {by} vouched for is replaced in the "
                "pull request it is judged by",
                ["compliance", "attestations", entries[0][0], "evidence"],
                locate,
            )
        )
    return findings


def _removed_red_team(
    old: Mapping[str, Any], new: Mapping[str, Any], locate: Locate
) -> list[Finding]:
    """PR-REDTEAM-001: each red-team exercise of the base the head lacks, and each finding
    of an exercise both have that the head lacks."""
    before, after = _listed(old, "red_team"), _listed(new, "red_team")
    findings = []
    for eid, (_, exercise) in before.items():
        if eid not in after:
            found = len(_listed(exercise, "findings"))
            findings.append(
                _weakening(
                    RED_TEAM_CHECK_ID,
                    f"red-team exercise {eid} ({exercise.get('date')}, "
                    f"{found} finding{'' if found == 1 else 's'}) was removed: what it tested "
                    "and found is no longer on record",
                    ["red_team"],
                    locate,
                )
            )
            continue
        i, kept = after[eid]
        now = _listed(kept, "findings")
        for fid, (_, finding) in _listed(exercise, "findings").items():
            if fid not in now:
                threats = ", ".join(str(t) for t in finding.get("threats") or [])
                names = f" (it named {threats})" if threats else ""
                findings.append(
                    _weakening(
                        RED_TEAM_CHECK_ID,
                        f"red-team finding {eid}/{fid} was removed{names}: record its fix "
                        "in its remediation instead",
                        ["red_team", i, "findings"],
                        locate,
                    )
                )
    return findings


_SEVERITY_RANK = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}
_CLOSED = frozenset({"resolved", "accepted", "wont_fix"})


def _validation_status(threat: Mapping[str, Any]) -> str:
    validation = threat.get("validation")
    status = validation.get("status") if isinstance(validation, Mapping) else None
    return str(status) if status is not None else "(none)"


def _red_team_findings(
    model: Mapping[str, Any],
) -> dict[tuple[str, str], tuple[tuple[int, int], Mapping[str, Any]]]:
    """The red-team findings of a model by (exercise id, finding id), with their indices."""
    out: dict[tuple[str, str], tuple[tuple[int, int], Mapping[str, Any]]] = {}
    for eid, (e, exercise) in _listed(model, "red_team").items():
        for fid, (f, finding) in _listed(exercise, "findings").items():
            out.setdefault((eid, fid), ((e, f), finding))
    return out


def _remediation_status(finding: Mapping[str, Any]) -> str:
    remediation = finding.get("remediation")
    status = remediation.get("status") if isinstance(remediation, Mapping) else None
    return str(status) if status is not None else "(none)"


def _rewritten_red_team(
    old: Mapping[str, Any], new: Mapping[str, Any], locate: Locate
) -> list[Finding]:
    """PR-REDTEAM-002/003/004: what the red team recorded, rewritten by the pull request:
    a threat's validation moved away from `confirmed` (by id, or through a rename:
    `_threat_pairs`), a finding's severity lowered, a finding's remediation closed. Each
    names old -> new."""
    findings = []
    for was_id, tid, i, threat, now_threat in _threat_pairs(old, new):
        if _validation_status(threat) != "confirmed":
            continue
        now = _validation_status(now_threat)
        if now == "confirmed":
            continue
        cited = (threat.get("validation") or {}).get("findings") or []
        names = f" by {', '.join(str(c) for c in cited)}" if cited else ""
        findings.append(
            _weakening(
                VALIDATION_CHECK_ID,
                f"threat {_shown(was_id, tid)}: validation.status moved from confirmed"
                f"{names} to {now}: "
                "a red-team result is rewritten, not retested",
                ["threats", i, "validation"],
                locate,
            )
        )
    after = _red_team_findings(new)
    for key, (_, finding) in _red_team_findings(old).items():
        if key not in after:
            continue  # PR-REDTEAM-001
        (e, f), now_finding = after[key]
        name = "/".join(key)
        was, now = str(finding.get("severity")), str(now_finding.get("severity"))
        if was in _SEVERITY_RANK and _SEVERITY_RANK[was] > _SEVERITY_RANK.get(now, -1):
            shown = now if now_finding.get("severity") is not None else "(none)"
            findings.append(
                _weakening(
                    SEVERITY_CHECK_ID,
                    f"red-team finding {name}: severity lowered from {was} to {shown}",
                    ["red_team", e, "findings", f, "severity"],
                    locate,
                )
            )
        was, now = _remediation_status(finding), _remediation_status(now_finding)
        if was not in _CLOSED and now in _CLOSED:
            ticket = (now_finding.get("remediation") or {}).get("ticket")
            of = f" (ticket {ticket})" if ticket else ""
            findings.append(
                _weakening(
                    REMEDIATION_CHECK_ID,
                    f"red-team finding {name}: remediation moved from {was} to {now}{of}: "
                    "a reviewer checks the fix",
                    ["red_team", e, "findings", f, "remediation"],
                    locate,
                )
            )
    return findings


_EXERCISE_FACTS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("performed_by",), "text"),
    (("independent",), "flag"),
    (("scope", "surfaces"), "ids"),
    (("scope", "atlas"), "ids"),
    (("scope", "assumptions"), "texts"),
    (("tools",), "texts"),
    (("test_sets",), "texts"),
    (("metrics",), "texts"),
    (("report",), "path"),
)
"""What a red-team exercise records of itself, by path and how it is compared
(`_fact_key`): all but its id, its date (PR-REDTEAM-007) and its findings."""

_FINDING_FACTS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("title",), "text"),
    (("atlas",), "ids"),
    (("remediation", "ticket"), "ticket"),
)
"""What a red-team finding records that no other PR-REDTEAM check compares: its severity
(-003), remediation status (-004), threats (-005, -006) and due date (-008) are theirs. A
ticket the base did not have is the fix being tracked, not a rewrite (kind `ticket`)."""


def _fact_at(record: Mapping[str, Any], path: Sequence[str]) -> object:
    """The value at `path` in `record`; None when a part of it is missing."""
    value: object = record
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def _fact_key(value: object, kind: str) -> object:
    """`value` as a reader compares it: text in substance (`in_substance`), a list as the
    set of its items (order aside), an id as written, a path as the file it names
    (`./a/../b.md` is `b.md`), a flag as itself."""
    if value is None:
        return None
    if isinstance(value, list):
        item = "text" if kind == "texts" else "id"
        return frozenset(_fact_key(v, item) for v in value)
    if isinstance(value, bool) or kind == "flag":
        return value
    if kind == "path":
        return os.path.normpath(str(value).strip()).replace(os.sep, "/")
    if kind in ("text", "texts", "ticket"):
        return in_substance(str(value))
    return str(value).strip()


def _fact_shown(value: object, kind: str) -> str:
    """`value` as a message names it: text quoted, a list in brackets, a flag in YAML."""
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return _show_list(value)
    return f'"{value}"' if kind == "text" else str(value)


def _changed_facts(
    was: Mapping[str, Any],
    now: Mapping[str, Any],
    facts: Sequence[tuple[tuple[str, ...], str]],
) -> list[tuple[tuple[str, ...], str]]:
    """(path, `old -> new`) of each of `facts` that differs between a record of the base
    and the same record at the head."""
    out = []
    for path, kind in facts:
        old, new = _fact_at(was, path), _fact_at(now, path)
        if kind == "ticket" and old is None:
            continue
        if _fact_key(old, kind) != _fact_key(new, kind):
            out.append(
                (path, f"{'.'.join(path)} {_fact_shown(old, kind)} -> {_fact_shown(new, kind)}")
            )
    return out


def _present(record: Mapping[str, Any], path: Sequence[str]) -> list[str | int]:
    """The longest start of `path` that `record` has, to locate a fact it lacks."""
    out: list[str | int] = []
    value: object = record
    for key in path:
        if not isinstance(value, Mapping) or key not in value:
            break
        out.append(key)
        value = value[key]
    return out


def _red_team_rewrites(
    old: Mapping[str, Any], new: Mapping[str, Any]
) -> list[tuple[str, list[str | int], list[str], list[str]]]:
    """Each red-team record both sides have whose own facts (`_EXERCISE_FACTS`,
    `_FINDING_FACTS`) the pull request changed: (name, where at the head, `old -> new` of
    each change, the references it makes no basis: an exercise with all its findings, or
    one `EXERCISE/FINDING`)."""
    if old.get("red_team") == new.get("red_team"):
        return []  # the usual case, at the cost of one comparison
    before = _listed(old, "red_team")
    out = []
    for eid, (e, exercise) in _listed(new, "red_team").items():
        prior = before.get(eid)
        if prior is None:
            continue  # PR-REDTEAM-006
        changed = _changed_facts(prior[1], exercise, _EXERCISE_FACTS)
        if changed:
            where: list[str | int] = ["red_team", e, *_present(exercise, changed[0][0])]
            refs = [eid, *(f"{eid}/{fid}" for fid in _listed(exercise, "findings"))]
            out.append((f"red-team exercise {eid}", where, [c for _, c in changed], refs))
        had = _listed(prior[1], "findings")
        for fid, (f, finding) in _listed(exercise, "findings").items():
            if fid not in had:
                continue  # PR-REDTEAM-006
            changed = _changed_facts(had[fid][1], finding, _FINDING_FACTS)
            if changed:
                at: list[str | int] = ["red_team", e, "findings", f]
                at += _present(finding, changed[0][0])
                ref = f"{eid}/{fid}"
                out.append((f"red-team finding {ref}", at, [c for _, c in changed], [ref]))
    return out


def _rewritten_records(old: Mapping[str, Any], new: Mapping[str, Any]) -> frozenset[str]:
    """The red-team records whose own facts the pull request rewrote (`_red_team_rewrites`):
    like a record it added or re-dated (`_claimed_records`), no basis for anything else in
    the same pull request."""
    return frozenset(ref for *_, refs in _red_team_rewrites(old, new) for ref in refs)


def _rewritten_exercises(
    old: Mapping[str, Any], new: Mapping[str, Any], locate: Locate
) -> list[Finding]:
    """PR-REDTEAM-010: each red-team exercise, and each finding of one, that both sides
    have and whose own record the pull request rewrote (`_red_team_rewrites`), old -> new."""
    return [
        _weakening(
            RED_TEAM_REWRITE_CHECK_ID,
            f"{name} rewritten by the pull request: {'; '.join(changes)}: what a red team "
            "tested, found and by whom is its record, rewritten here, not retested, and no "
            "basis for a tested status in this pull request",
            where,
            locate,
        )
        for name, where, changes, _ in _red_team_rewrites(old, new)
    ]


def _tolerance(model: Mapping[str, Any]) -> str | None:
    value = (model.get("system") or {}).get("risk_tolerance")
    return value if isinstance(value, str) else None


def _raised_tolerance(
    old: Mapping[str, Any], new: Mapping[str, Any], risk: RiskCriteria, locate: Locate
) -> list[Finding]:
    """PR-RISK-001: `system.risk_tolerance` changed so that the treatment threshold (of the
    judging config's criteria) rises; names the threats no longer above it."""
    was, now = _tolerance(old), _tolerance(new)
    low, high = risk.thresholds.of(was), risk.thresholds.of(now)
    if high <= low:
        return []
    freed = sorted(
        (tid, threat_risk(t))
        for tid, (_, t) in _listed(new, "threats").items()
        if low <= threat_risk(t) < high
    )
    spared = (
        "; threats it no longer requires to be treated: "
        + ", ".join(f"{tid} (risk {r})" for tid, r in freed)
        if freed
        else ""
    )
    return [
        _weakening(
            TOLERANCE_CHECK_ID,
            f"system.risk_tolerance raised {was or '(none)'} -> {now}: the treatment "
            f"threshold goes {low} -> {high}{spared}",
            ["system", "risk_tolerance"],
            locate,
        )
    ]


def _added_acceptances(
    old: Mapping[str, Any], new: Mapping[str, Any], locate: Locate
) -> list[Finding]:
    """PR-RISK-002: each threat acceptance the base did not have, or whose `expires` the
    pull request moved later (dates compared as `YYYY-MM-DD` text)."""
    before = _listed(old, "threats")
    renamed = _renamed_threats(before, _listed(new, "threats"))
    findings = []
    for tid, (i, threat) in _listed(new, "threats").items():
        acceptance = threat.get("acceptance")
        if not isinstance(acceptance, Mapping):
            continue
        was_id = renamed.get(tid, tid)
        prior = before[was_id][1].get("acceptance") if was_id in before else None
        expires, who = acceptance.get("expires"), acceptance.get("approved_by")
        if isinstance(prior, Mapping):
            was = prior.get("expires")
            if not (isinstance(expires, str) and isinstance(was, str) and expires > was):
                continue
            what = f"extends the acceptance of threat {tid} from {was} to {expires}"
        else:
            what = f"accepts the risk of threat {tid} (until {expires}, by {who})"
        findings.append(
            _weakening(
                ACCEPTANCE_CHECK_ID,
                f"the pull request {what}: an acceptance needs the approval of whoever it names",
                ["threats", i, "acceptance"],
                locate,
            )
        )
    return findings


_ACCEPTANCE_FIELDS = ("approved_by", "date", "rationale")
"""What an acceptance records of the decision, besides how long it lasts (`expires`)."""


def _rewritten_acceptances(
    old: Mapping[str, Any], new: Mapping[str, Any], locate: Locate
) -> list[Finding]:
    """PR-RISK-004: each acceptance the base had whose `approved_by`, `date` or `rationale`
    the pull request changed in substance (`in_substance`), unless its `expires` moved
    later (PR-RISK-002 reports that one, asking for the same approval)."""
    before = _listed(old, "threats")
    findings = []
    for tid, (i, threat) in _listed(new, "threats").items():
        acceptance = threat.get("acceptance")
        prior = before[tid][1].get("acceptance") if tid in before else None
        if not isinstance(acceptance, Mapping) or not isinstance(prior, Mapping):
            continue
        expires, was = acceptance.get("expires"), prior.get("expires")
        if isinstance(expires, str) and isinstance(was, str) and expires > was:
            continue
        changed = [
            key
            for key in _ACCEPTANCE_FIELDS
            if in_substance(_show(prior.get(key))) != in_substance(_show(acceptance.get(key)))
        ]
        if not changed:
            continue
        what = "; ".join(
            f"{key} from {_show(prior.get(key))} to {_show(acceptance.get(key))}" for key in changed
        )
        at: list[str | int] = ["threats", i, "acceptance", changed[0]]
        findings.append(
            _weakening(
                ACCEPTANCE_REWRITE_CHECK_ID,
                f"the pull request rewrites the acceptance of threat {tid}: {what}; an "
                "acceptance is its approver's decision and needs their approval again",
                at if changed[0] in acceptance else at[:-1],
                locate,
            )
        )
    return findings


def _transfers(old: Mapping[str, Any], new: Mapping[str, Any], locate: Locate) -> list[Finding]:
    """PR-RISK-003: each threat the pull request moved to `status: transferred` (a new
    threat included), and each transferred threat whose `transferred_to` changed in
    substance (`in_substance`)."""
    before = _listed(old, "threats")
    renamed = _renamed_threats(before, _listed(new, "threats"))
    findings = []
    for tid, (i, threat) in _listed(new, "threats").items():
        if threat.get("status") != "transferred":
            continue
        was_id = renamed.get(tid, tid)
        prior = before[was_id][1] if was_id in before else None
        to = threat.get("transferred_to")
        carrier = str(to) if to is not None else "no one named (no transferred_to)"
        if prior is not None and prior.get("status") == "transferred":
            was = prior.get("transferred_to")
            if in_substance(str(was or "")) == in_substance(str(to or "")):
                continue
            what = f"moves the risk of threat {tid} from {was} to {carrier}"
        else:
            was_status = "new" if prior is None else str(prior.get("status") or "open")
            what = (
                f"transfers the risk of threat {tid} (risk {threat_risk(threat)}, was "
                f"{was_status}) to {carrier}"
            )
        findings.append(
            _weakening(
                TRANSFER_CHECK_ID,
                f"the pull request {what}: a transfer treats the threat and needs the "
                "approval of its owner and of whoever carries it",
                ["threats", i, "status"],
                locate,
            )
        )
    return findings


# --- claims: records the pull request writes in its own hands -----------------------------


def _claimed_records(old: Mapping[str, Any], new: Mapping[str, Any]) -> frozenset[str]:
    """The red-team records the pull request wrote itself: the id of each exercise it
    added or re-dated with the `EXERCISE/FINDING` of each of its findings, and each finding
    it added to an exercise both sides have. None of them is a reason or a basis for
    anything else in the same pull request (PR-SCORE-001, PR-REDTEAM-009)."""
    before = _listed(old, "red_team")
    out: set[str] = set()
    for eid, (_, exercise) in _listed(new, "red_team").items():
        fids = _listed(exercise, "findings")
        prior = before.get(eid)
        if prior is None or str(prior[1].get("date")) != str(exercise.get("date")):
            out.add(eid)
            out.update(f"{eid}/{fid}" for fid in fids)
            continue
        was = _listed(prior[1], "findings")
        out.update(f"{eid}/{fid}" for fid in fids if fid not in was)
    return frozenset(out)


def _newly_naming(
    old: Mapping[str, Any], new: Mapping[str, Any], renamed: Mapping[str, str]
) -> dict[str, frozenset[str]]:
    """Threat id (at the head) -> the `EXERCISE/FINDING` of each red-team finding whose
    `threats` name it at the head but did not name it (under its base id, `renamed`) at
    the base: the pull request's edit of a red-team record, a claim like a finding it adds."""
    before, after = _red_team_naming(old), _red_team_naming(new)
    out = {}
    for tid, refs in after.items():
        gained = refs - before.get(renamed.get(tid, tid), set())
        if gained:
            out[tid] = frozenset(gained)
    return out


def _findings_count(exercise: Mapping[str, Any]) -> str:
    found = len(_listed(exercise, "findings"))
    return f"{found} finding{'' if found == 1 else 's'}"


def _red_team_claims(
    old: Mapping[str, Any], new: Mapping[str, Any], locate: Locate
) -> list[Finding]:
    """PR-REDTEAM-006: each red-team exercise the pull request added, and each finding it
    added to an exercise both sides have; PR-REDTEAM-007: each exercise whose date it
    changed (old -> new, forward or back). A renamed threat (`_renamed_threats`) named
    under its new id is no new name."""
    before = _listed(old, "red_team")
    renamed = _renamed_threats(_threats_by_id(old), _threats_by_id(new))
    findings = []
    for eid, (e, exercise) in _listed(new, "red_team").items():
        prior = before.get(eid)
        if prior is None:
            by = exercise.get("performed_by") or "no one named"
            report = exercise.get("report")
            against = f" against its report {report}" if report else ""
            findings.append(
                _weakening(
                    RED_TEAM_CLAIM_CHECK_ID,
                    f"the pull request adds red-team exercise {eid} ({exercise.get('date')}, "
                    f"by {by}, {_findings_count(exercise)}): a red-team record written with "
                    f"the change is its claim until a reviewer checks it{against}",
                    ["red_team", e],
                    locate,
                )
            )
            continue
        was, now = prior[1].get("date"), exercise.get("date")
        if str(was) != str(now):
            day_was, day_now = parse_day(was), parse_day(now)
            moved = (
                "forward"
                if day_was is not None and day_now is not None and day_now > day_was
                else "back"
                if day_was is not None and day_now is not None
                else "changed"
            )
            findings.append(
                _weakening(
                    RED_TEAM_DATE_CHECK_ID,
                    f"red-team exercise {eid}: date "
                    + (f"moved {moved}" if moved != "changed" else "changed")
                    + f" from {was} to {now}: the date decides whether the exercise is "
                    "recent, and a re-dated exercise is no new test",
                    ["red_team", e, "date"],
                    locate,
                )
            )
        had = _listed(prior[1], "findings")
        for fid, (f, finding) in _listed(exercise, "findings").items():
            if fid in had:
                was_named = {str(t) for t in had[fid][1].get("threats") or []}
                gained = [
                    str(t)
                    for t in finding.get("threats") or []
                    if renamed.get(str(t), str(t)) not in was_named
                ]
                if gained:
                    named = ", ".join(sorted(was_named)) or "no threat"
                    findings.append(
                        _weakening(
                            RED_TEAM_CLAIM_CHECK_ID,
                            f"the pull request makes red-team finding {eid}/{fid} name "
                            f"{', '.join(dict.fromkeys(gained))} (it named {named} at the "
                            "base): a red-team record rewritten with the change is its claim "
                            "until a reviewer checks it against the report",
                            ["red_team", e, "findings", f, "threats"],
                            locate,
                        )
                    )
                continue
            threats = ", ".join(str(t) for t in finding.get("threats") or [])
            names = f", naming {threats}" if threats else ""
            findings.append(
                _weakening(
                    RED_TEAM_CLAIM_CHECK_ID,
                    f"the pull request adds red-team finding {eid}/{fid} (severity "
                    f"{finding.get('severity') or '(none)'}{names}) to the exercise of {now}: "
                    "a red-team record written with the change is its claim until a "
                    "reviewer checks it against the report",
                    ["red_team", e, "findings", f],
                    locate,
                )
            )
    return findings


def _postponed_remediations(
    old: Mapping[str, Any], new: Mapping[str, Any], as_of: date | None, locate: Locate
) -> list[Finding]:
    """PR-REDTEAM-008: each red-team finding, open on both sides, whose `remediation.due`
    the pull request moved later or dropped. High when the finding is high or critical (on
    either side) or the remediation was overdue at the base on `as_of`; medium otherwise."""
    after = _red_team_findings(new)
    findings = []
    for key, (_, finding) in _red_team_findings(old).items():
        if key not in after:
            continue  # PR-REDTEAM-001
        (e, f), now_finding = after[key]
        if _remediation_status(finding) in _CLOSED or _remediation_status(now_finding) in _CLOSED:
            continue  # closed at the base, or closed now: PR-REDTEAM-004
        was_rem, now_rem = finding.get("remediation"), now_finding.get("remediation")
        was_due = parse_day(was_rem.get("due")) if isinstance(was_rem, Mapping) else None
        now_due = parse_day(now_rem.get("due")) if isinstance(now_rem, Mapping) else None
        if was_due is None or (now_due is not None and now_due <= was_due):
            continue
        overdue = as_of is not None and was_due < as_of
        rank = max(
            _SEVERITY_RANK.get(str(finding.get("severity")), -1),
            _SEVERITY_RANK.get(str(now_finding.get("severity")), -1),
        )
        severity = Severity.HIGH if overdue or rank >= _SEVERITY_RANK["high"] else Severity.MEDIUM
        ticket = now_rem.get("ticket") if isinstance(now_rem, Mapping) else None
        of = f" (ticket {ticket})" if ticket else ""
        late = f", overdue on {as_of.isoformat()} at the base" if overdue and as_of else ""
        moved = f"moved from {was_due.isoformat()} to " + (
            now_due.isoformat() if now_due is not None else "(none)"
        )
        line, column = locate(["red_team", e, "findings", f, "remediation"])
        findings.append(
            Finding(
                check_id=DUE_CHECK_ID,
                severity=severity,
                message=f"red-team finding {'/'.join(key)} ({finding.get('severity')}): "
                f"remediation due {moved}{late}{of}: a deadline pushed out silences the "
                "finding without fixing it and needs the approval of whoever owns the fix",
                pointer=f"/red_team/{e}/findings/{f}/remediation",
                line=line,
                column=column,
                controls=(),
            )
        )
    return findings


def _untested_claims(
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    as_of: date | None,
    claimed: frozenset[str],
    locate: Locate,
) -> list[Finding]:
    """PR-REDTEAM-009: each threat (by id, or renamed) whose `validation.status` the pull
    request moved from untested (or none) to a tested one with no basis the base had
    (`evaluate.tested_basis` without the `claimed` records)."""
    before, after = _threats_by_id(old), _threats_by_id(new)
    renamed = _renamed_threats(before, after)
    newly = _newly_naming(old, new, renamed)
    findings = []
    for tid, (i, threat) in after.items():
        was_id = renamed.get(tid, tid)
        if was_id not in before:
            continue
        was, now = _validation_status(before[was_id][1]), _validation_status(threat)
        if now not in TESTED or was in TESTED:
            continue
        skip = claimed | newly.get(tid, frozenset())
        if as_of is not None and tested_basis(threat, new, as_of, claimed=skip):
            continue
        own = tested_basis(threat, new, as_of) if as_of is not None and skip else []
        only = f" (only records this pull request wrote: {', '.join(own)})" if own else ""
        surface = threat.get("surface") or "(none)"
        scoped = (
            ""
            if now == "confirmed"
            else f", and no exercise of the last {RECENT_DAYS} days had its surface "
            f"({surface}) or ATLAS techniques in scope"
        )
        findings.append(
            _weakening(
                UNTESTED_CLAIM_CHECK_ID,
                f"threat {tid}: validation.status moved from {was} to {now} with nothing "
                f"behind it: no red-team finding cites or names it{scoped}{only}",
                ["threats", i, "validation"],
                locate,
            )
        )
    return findings


def _code_links(old: Mapping[str, Any], new: Mapping[str, Any], locate: Locate) -> list[Finding]:
    """PR-CODE-003: `metadata.x-code-paths` set or changed, and each asset's `x-code-refs`
    set or changed (a new asset's included), compared as the drift check reads them.
    Removing either is no finding: the model is then compared with more code, not less."""
    findings = []
    was, now = code_scope(old), code_scope(new)
    if now is not None and was != now:
        before = "all the code compared (no x-code-paths)" if was is None else _show_list(list(was))
        findings.append(
            _weakening(
                CODE_SCOPE_CHECK_ID,
                f"the pull request changes metadata.x-code-paths from {before} to "
                f"{_show_list(list(now))}: the code this model is compared with changes with it, "
                "and code outside it is judged by no model's drift check",
                ["metadata", "x-code-paths"],
                locate,
            )
        )
    assets = _listed(old, "assets")
    for aid, (i, asset) in _listed(new, "assets").items():
        refs = asset.get("x-code-refs")
        if not isinstance(refs, list):
            continue
        prior = assets[aid][1].get("x-code-refs") if aid in assets else None
        if isinstance(prior, list) and code_refs(prior) == code_refs(refs):
            continue
        shown = _show_list(prior) if isinstance(prior, list) else "none"
        findings.append(
            _weakening(
                CODE_SCOPE_CHECK_ID,
                f"the pull request changes x-code-refs of asset {aid} ({asset.get('type')}) "
                f"from {shown} to {_show_list(refs)}: the names in the code it declares "
                "change what the drift check reports",
                ["assets", i, "x-code-refs"],
                locate,
            )
        )
    return findings


def _attestations(model: Mapping[str, Any]) -> list[tuple[int, Mapping[str, Any]]]:
    found = (model.get("compliance") or {}).get("attestations")
    entries = found if isinstance(found, list) else []
    return [(i, a) for i, a in enumerate(entries) if isinstance(a, Mapping)]


def _attester(entry: Mapping[str, Any]) -> str:
    """Who vouches for an attestation, as a reader compares names (case and spacing aside)."""
    return " ".join(str(entry.get("by") or "").casefold().split()) or "no one"


def _written_attester(entry: Mapping[str, Any]) -> str:
    return " ".join(str(entry.get("by") or "").split()) or "no one"


def _claimed_attestations(
    old: Mapping[str, Any], new: Mapping[str, Any], locate: Locate
) -> list[Finding]:
    """PR-ATTEST-001: each `compliance.attestations` entry of the head for a control the
    base did not attest, naming someone the base's attestations of that control do not
    (`by`, in substance), or dated later than the latest of theirs by the same attester."""
    before: dict[str, list[Mapping[str, Any]]] = {}
    for _, entry in _attestations(old):
        before.setdefault(str(entry.get("control")), []).append(entry)
    findings = []
    for i, entry in _attestations(new):
        control = str(entry.get("control"))
        prior = before.get(control, [])
        same = [p for p in prior if _attester(p) == _attester(entry)]
        evidence = entry.get("evidence") or "(none)"
        if not prior:
            what = (
                f"attests {control} (by {_written_attester(entry)}, dated "
                f"{entry.get('date')}, evidence {evidence})"
            )
        elif not same:
            was = " and ".join(sorted({_written_attester(p) for p in prior}))
            what = f"attests {control} by {_written_attester(entry)}, where the base's "
            what += f"attestation was by {was}"
        else:
            days = [d for p in same if (d := parse_day(p.get("date"))) is not None]
            now = parse_day(entry.get("date"))
            if not days or now is None or now <= max(days):
                continue
            kept = any(p.get("evidence") == entry.get("evidence") for p in same)
            what = (
                f"moves the attestation of {control} forward from {max(days).isoformat()} "
                f"to {now.isoformat()}"
                + (f" with the same evidence {evidence}" if kept else f" (evidence {evidence})")
            )
        line, column = locate(["compliance", "attestations", i])
        findings.append(
            Finding(
                check_id=ATTESTATION_CHECK_ID,
                severity=Severity.HIGH,
                message=f"the pull request {what}: an attestation vouches for the control "
                "and needs the approval of whoever it names",
                pointer=f"/compliance/attestations/{i}",
                line=line,
                column=column,
                controls=(control,) if "/" in control else (),
            )
        )
    return findings


def _show_list(value: object) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return "(none)" if value is None else str(value)


def _applicability_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """What changed in what the applicability reads of a model: `system.ai_tasks`, the
    layers of the surfaces both have, surfaces and assets removed (`applicability`)."""
    found = []
    was = (old.get("system") or {}).get("ai_tasks")
    now = (new.get("system") or {}).get("ai_tasks")
    if was != now:
        found.append(f"system.ai_tasks {_show_list(was)} -> {_show_list(now)}")
    before, after = _listed(old, "surfaces"), _listed(new, "surfaces")
    for sid in sorted(before.keys() & after.keys()):
        layer_was, layer_now = before[sid][1].get("layer"), after[sid][1].get("layer")
        if layer_was != layer_now:
            found.append(f"surface {sid} layer {layer_was} -> {layer_now}")
    gone = sorted(before.keys() - after.keys())
    if gone:
        found.append("surfaces removed: " + ", ".join(gone))
    assets = sorted(_listed(old, "assets").keys() - _listed(new, "assets").keys())
    if assets:
        found.append("assets removed: " + ", ".join(assets))
    return found


def _only_surfaces_removed(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """Whether removed surfaces are all that changed in what the applicability reads (then
    PR-SCOPE-007 has the cause of PR-SCOPE-006, and goes with it)."""
    changes = _applicability_changes(old, new)
    return bool(changes) and all(c.startswith("surfaces removed: ") for c in changes)


def _relabelled(
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    controls: Sequence[tuple[str, str, str]],
    locate: Locate,
) -> list[Finding]:
    """PR-SCOPE-007: the controls the pull request made `not_applicable` without a
    `compliance.not_applicable` entry naming them (PR-SCOPE-004 reports those), with what
    it changed in what the applicability reads. One finding per model."""
    ruled = _scoped(new, "not_applicable")
    gone = sorted(
        (key for key, was, now in controls if now == "not_applicable" and was != now),
        key=control_order,
    )
    gone = [c for c in gone if c not in ruled and c.split("/", 1)[-1] not in ruled]
    if not gone:
        return []
    changes = _applicability_changes(old, new)
    why = "; ".join(changes) if changes else "what the model says about its assets changed"
    path: list[str | int] = (
        ["system", "ai_tasks"] if changes and changes[0].startswith("system.") else ["system"]
    )
    line, column = locate(path)
    return [
        Finding(
            check_id=APPLICABILITY_CHECK_ID,
            severity=Severity.HIGH,
            message=f"the pull request makes {len(gone)} control"
            + ("" if len(gone) == 1 else "s")
            + f" not applicable without a not_applicable entry ({why}): "
            + ", ".join(gone)
            + "; their checks stop counting for this model, a scope decision that needs a "
            "reviewer",
            pointer="/" + "/".join(str(p) for p in path),
            line=line,
            column=column,
            controls=tuple(gone),
        )
    ]


def _owner_of(model: Mapping[str, Any]) -> str:
    value = (model.get("metadata") or {}).get("owner")
    return value.strip() if isinstance(value, str) else ""


def _owner_change(
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    owners: Mapping[str, Sequence[str]],
    locate: Locate,
) -> list[Finding]:
    """PR-OWNER-001: `metadata.owner` changed in substance, removed or set to a
    placeholder. High for an owner removed or a placeholder, and for a new owner that the
    judging config's `owners` (when it names any) has no contact for; medium otherwise."""
    was, now = _owner_of(old), _owner_of(new)
    if in_substance(was) == in_substance(now):
        return []
    shown_was = was or "(none)"
    if not now:
        what, why = "removes the owner", "the model has no accountable owner"
        severity = Severity.HIGH
    elif placeholder(now):
        what, why = "sets the owner to a placeholder", "the model has no accountable owner"
        severity = Severity.HIGH
    elif owners and not owners.get(now):
        what = "hands the model to another owner"
        why = (
            f"the config's owners has no contact for {now}, so review reminders would reach no one"
        )
        severity = Severity.HIGH
    else:
        what, why = "hands the model to another owner", "accountability changes hands"
        severity = Severity.MEDIUM
    path: list[str | int] = (
        ["metadata", "owner"] if "owner" in (new.get("metadata") or {}) else ["metadata"]
    )
    line, column = locate(path)
    return [
        Finding(
            check_id=OWNER_CHECK_ID,
            severity=severity,
            message=f"the pull request {what}: metadata.owner {shown_was} -> {now or '(none)'}; "
            f"{why}, a change both owners should approve",
            pointer="/" + "/".join(str(p) for p in path),
            line=line,
            column=column,
            controls=("iso42001/A.3.2",),
        )
    ]


def _earlier_life_review(head: ModelReport, where: tuple[int, int]) -> list[Finding]:
    """PR-REVIEW-001 for a model the pull request adds that was here before: the change
    rule followed its `metadata.id` back to a file deleted earlier (or in the same
    commit: a move git did not see) and found trigger changes since the review it
    carries. A model new to the repository has no such history, and no finding."""
    verdict = head.review
    owed = [
        r.message
        for r in (verdict.reasons if verdict is not None else ())
        if r.rule is ReviewRule.CHANGE and r.status is ReviewStatus.REVIEW_REQUIRED
    ]
    if not owed:
        return []
    return [
        Finding(
            check_id=REVIEW_CHECK_ID,
            severity=Severity.CRITICAL,
            message=(
                f"model {head.model_id} was in the repository before (its history continues "
                "from the file that had its metadata.id), and its review does not cover "
                "this change: " + "; ".join(owed) + ". Review the model and set "
                "review.last_reviewed in the same pull request"
            ),
            pointer="/review/last_reviewed",
            line=where[0],
            column=where[1],
            controls=("iso42001/8.2", "nist-ai-rmf/MEASURE 3.1"),
        )
    ]


def _claimed_review(
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    triggers: Sequence[str],
    where: tuple[int, int],
) -> Finding:
    """PR-REVIEW-003: the pull request changes review-trigger fields and moves
    `review.last_reviewed` forward itself: the review that clears PR-REVIEW-001 is its own
    claim, named with its triggers and `reviewed_by` for a reviewer to confirm."""
    who = (new.get("review") or {}).get("reviewed_by")
    names = ", ".join(str(w) for w in who) if isinstance(who, list) else str(who) if who else ""
    by = f" by {names}" if names else " (no reviewed_by)"
    return Finding(
        check_id=CLAIMED_REVIEW_CHECK_ID,
        severity=Severity.HIGH,
        message=f"the pull request claims a review{by} of its own change: "
        f"review.last_reviewed {_last_reviewed(old)} -> {_last_reviewed(new)} for "
        + "; ".join(triggers)
        + ": a reviewer confirms that the model was reviewed for it",
        pointer="/review/last_reviewed",
        line=where[0],
        column=where[1],
        controls=("iso42001/8.2", "nist-ai-rmf/MEASURE 3.1"),
    )


def _names(value: object) -> frozenset[str]:
    """`reviewed_by` (or a history entry's `by`): a name or a list of names, compared in
    substance, order aside."""
    names = value if isinstance(value, list) else [] if value is None else [value]
    return frozenset(in_substance(str(n)) for n in names)


def _past_review(entry: object) -> tuple[object, ...]:
    """A `review.history` entry as a reader compares it: its date and reason as written,
    its note in substance and who took part (`_names`)."""
    if not isinstance(entry, Mapping):
        return (_show(entry),)
    return (
        _show(entry.get("date")),
        _show(entry.get("reason")),
        in_substance(str(entry.get("note") or "")),
        _names(entry.get("by")),
    )


def _history(model: Mapping[str, Any]) -> list[object]:
    """The model's `review.history` entries as written (none when it has no list)."""
    review = model.get("review")
    entries = review.get("history") if isinstance(review, Mapping) else None
    return list(entries) if isinstance(entries, list) else []


def _unmatched(entries: Sequence[object], others: Sequence[object]) -> list[int]:
    """The index of each of `entries` (`review.history`) that `others` lack, compared as
    `_past_review` reads them, a repeated entry as often as it is repeated."""
    left = Counter(_past_review(e) for e in others)
    out = []
    for i, entry in enumerate(entries):
        key = _past_review(entry)
        if left[key] > 0:
            left[key] -= 1
        else:
            out.append(i)
    return out


def _day_of(entry: object) -> str | None:
    """The `date` of a `review.history` entry as written; None when it has none."""
    day = entry.get("date") if isinstance(entry, Mapping) else None
    return None if day is None else _show(day)


def _rewritten_reviews(
    old: Mapping[str, Any], new: Mapping[str, Any], locate: Locate
) -> list[Finding]:
    """PR-REVIEW-002 for past reviews rewritten: `review.reviewed_by` changed in substance
    while `review.last_reviewed` stays (the same review, other reviewers), and each
    `review.history` entry of the base the head lacks (`_past_review`): rewritten when the
    head has an entry of its date that the base lacks (shown old -> new), else removed.
    New entries appended, and a reordered history, are none."""
    if old.get("review") == new.get("review"):
        return []  # the usual case, at the cost of one comparison
    findings = []

    def add(message: str, path: list[str | int]) -> None:
        line, column = locate(path)
        findings.append(
            Finding(
                check_id=BACKDATED_CHECK_ID,
                severity=Severity.HIGH,
                message=message + ": the record of a review already made is not edited; a "
                "new review is a new review.last_reviewed and a new history entry",
                pointer="/" + "/".join(str(p) for p in path),
                line=line,
                column=column,
                controls=("iso42001/8.2", "nist-ai-rmf/MEASURE 3.1"),
            )
        )

    was_review, now_review = old.get("review"), new.get("review")
    was_by = was_review.get("reviewed_by") if isinstance(was_review, Mapping) else None
    now_by = now_review.get("reviewed_by") if isinstance(now_review, Mapping) else None
    day = last_reviewed_of(old)
    if day is not None and day == last_reviewed_of(new) and _names(was_by) != _names(now_by):
        add(
            f"the pull request rewrites who reviewed the model on {day}: "
            f"review.reviewed_by {_show(was_by)} -> {_show(now_by)}",
            ["review", "reviewed_by"] if now_by is not None else ["review"],
        )
    base, head = _history(old), _history(new)
    lost, free = _unmatched(base, head), _unmatched(head, base)
    for j in lost:
        day_of = _day_of(base[j])
        same_day = [i for i in free if day_of is not None and _day_of(head[i]) == day_of]
        if same_day:
            free.remove(same_day[0])
            add(
                f"the pull request rewrites the review of {day_of} in review.history: "
                f"{_show(base[j])} -> {_show(head[same_day[0]])}",
                ["review", "history", same_day[0]],
            )
        else:
            add(
                f"the pull request removes a past review from review.history: {_show(base[j])}",
                ["review", "history"] if head else ["review"],
            )
    return findings


def _removed_finding(report: ModelReport, reason: str) -> Finding:
    return Finding(
        check_id=REMOVED_CHECK_ID,
        severity=Severity.HIGH,
        message=(
            f"model {report.model_id} ({report.path}) {reason} in this pull request: its "
            "checks and review rules no longer run; removing a threat model needs the "
            "approval of its owner"
        ),
        pointer="",
        line=0,
        column=0,
        controls=(),
    )


def model_delta(
    path: str,
    base: tuple[ModelReport, Mapping[str, Any]] | None,
    head: tuple[ModelReport, Mapping[str, Any]] | None,
    where: tuple[int, int] = (0, 0),
    *,
    renamed_from: str = "",
    removal: str = "",
    locate: Locate = _nowhere,
    risk: RiskCriteria | None = None,
    owners: Mapping[str, Sequence[str]] | None = None,
    touched: Mapping[str, TreeChange] | None = None,
    as_of: date | None = None,
    written: Collection[str] = (),
) -> ModelDelta:
    """The delta of one model; `base`/`head` are (report, loaded model) or None if absent.

    `where` is the (line, column) of `review.last_reviewed` in the head, for the finding;
    `locate` finds other places in the head's model. `renamed_from` is the base's path of
    a model the pull request moved. `removal` says how the pull request removed a model
    absent from the head ("was deleted"); "" for a model the pull request did not touch
    (the base moved on), which is reported without a finding. `risk` is the judging
    config's risk criteria (the defaults when None), for a raised risk tolerance;
    `owners` its `owners` (who `remind` reaches), for a model handed to another owner.
    `touched` is each file the pull request changed, by its path at the merge base, for
    the evidence it rewrote; `written` each file at the head whose text it wrote (added, or
    changed in content), for the evidence it swapped for its own.
    `as_of` is the run's day, for an overdue remediation and the red-team window behind
    a tested validation status (None: no exercise counts as recent).
    """
    risk = risk if risk is not None else RiskCriteria()
    if base is None and head is not None:
        new_findings, _ = _split(None, head[0])
        earlier = _earlier_life_review(head[0], where)
        return ModelDelta(
            path,
            head[0].model_id,
            "added",
            threats_added=tuple(sorted(_threats(head[1]))),
            findings=tuple(_hinted(f) for f in (*earlier, *_code_reviews(new_findings))),
            errors=_split_errors(None, head[0])[0],
        )
    if head is None and base is not None:
        return ModelDelta(
            path,
            base[0].model_id,
            "removed",
            threats_removed=tuple(sorted(_threats(base[1]))),
            findings=(_hinted(_removed_finding(base[0], removal)),) if removal else (),
        )
    assert base is not None and head is not None
    (base_report, old), (head_report, new) = base, head
    old_threats, new_threats = _threats(old), _threats(new)
    rescored = tuple(
        (tid, old_threats[tid], new_threats[tid])
        for tid in sorted(old_threats.keys() & new_threats.keys())
        if old_threats[tid] != new_threats[tid]
    )
    controls, regressions = _regressions(base_report, head_report)
    errors, existing_errors = _split_errors(base_report, head_report)
    triggers = diff_models(old, new)
    descriptions = tuple(c.describe() for c in triggers)
    review = None
    forward, back = _review_move(old, new)
    needs_review = bool(triggers) and not forward
    new_findings, existing = _split(
        base_report, head_report, review_owed=not triggers and _review_owed_before(head_report)
    )
    now = f"now {_last_reviewed(new)}"
    if back:
        now += f", moved back from {_last_reviewed(old)}: an earlier date is no review"
    if needs_review:
        review = Finding(
            check_id=REVIEW_CHECK_ID,
            severity=Severity.CRITICAL,
            message=(
                "this change needs a review of the threat model: "
                + "; ".join(descriptions)
                + f". Review the model and set review.last_reviewed ({now})"
                " in the same pull request"
            ),
            pointer="/review/last_reviewed",
            line=where[0],
            column=where[1],
            controls=("iso42001/8.2", "nist-ai-rmf/MEASURE 3.1"),
        )
    findings = _one_per_cause(
        _code_reviews(new_findings), existing, regressions, review, head_report
    )
    if back:
        findings.append(
            Finding(
                check_id=BACKDATED_CHECK_ID,
                severity=Severity.HIGH,
                message=f"the pull request moves review.last_reviewed back from "
                f"{_last_reviewed(old)} to {_last_reviewed(new)}: the review record only "
                "moves forward, and an earlier date is no review",
                pointer="/review/last_reviewed",
                line=where[0],
                column=where[1],
                controls=("iso42001/8.2", "nist-ai-rmf/MEASURE 3.1"),
            )
        )
    if triggers and forward:
        findings.append(_claimed_review(old, new, descriptions, where))
    findings.extend(_rewritten_reviews(old, new, locate))
    claimed = _claimed_records(old, new) | _rewritten_records(old, new)
    findings.extend(_scope_findings(old, new, head_report, locate))
    findings.extend(_rewritten_reasons(old, new, head_report, locate))
    findings.extend(_lowered_scores(old, new, locate, as_of=as_of, claimed=claimed))
    findings.extend(_removed_threats(old, new, locate))
    surfaces = _removed_surfaces(old, new, locate)
    relabelled = _relabelled(old, new, controls, locate)
    if surfaces and relabelled and _only_surfaces_removed(old, new):
        # One cause: the surface removed made the controls not applicable.
        surfaces[0] = replace(surfaces[0], same_cause=(_hinted(relabelled[0]),))
        relabelled = []
    findings.extend(surfaces)
    findings.extend(_weakened_controls(old, new, locate))
    findings.extend(_advanced_controls(old, new, written, locate))
    findings.extend(_unlinked_controls(old, new, locate))
    findings.extend(_unnamed_by_red_team(old, new, locate))
    findings.extend(_changed_evidence(old, new, touched or {}, locate))
    findings.extend(_replaced_evidence(old, new, touched or {}, written, locate))
    findings.extend(_removed_red_team(old, new, locate))
    findings.extend(_rewritten_red_team(old, new, locate))
    findings.extend(_rewritten_exercises(old, new, locate))
    findings.extend(_raised_tolerance(old, new, risk, locate))
    findings.extend(_added_acceptances(old, new, locate))
    findings.extend(_transfers(old, new, locate))
    findings.extend(relabelled)
    findings.extend(_owner_change(old, new, owners or {}, locate))
    findings.extend(_red_team_claims(old, new, locate))
    findings.extend(_postponed_remediations(old, new, as_of, locate))
    findings.extend(_untested_claims(old, new, as_of, claimed, locate))
    findings.extend(_claimed_attestations(old, new, locate))
    findings.extend(_code_links(old, new, locate))
    findings.extend(_rewritten_acceptances(old, new, locate))
    # `old != new` covers every threat, score and trigger difference; a model the same on
    # both sides whose controls moved is only affected (an evidence file it cites changed).
    changed = old != new or bool(renamed_from)
    return ModelDelta(
        path=path,
        model_id=head_report.model_id,
        change="changed" if changed else "affected" if controls else "unchanged",
        renamed_from=renamed_from,
        threats_added=tuple(sorted(new_threats.keys() - old_threats.keys())),
        threats_removed=tuple(sorted(old_threats.keys() - new_threats.keys())),
        threats_rescored=rescored,
        control_changes=tuple(controls),
        trigger_changes=descriptions,
        findings=tuple(_hinted(f) for f in findings),
        existing=tuple(existing),
        errors=errors,
        existing_errors=existing_errors,
    )


# --- the judge: config, policy folders and ATLAS catalog --------------------------------


def base_config(root: Path, base: str, config_name: str = CONFIG_NAME) -> Config:
    """The config that judges a pull request: `config_name` (relative to `root`) as it is
    at `base`, its paths resolved under `root`; the defaults when the base has none.

    Raises ConfigError (naming `base:config_name`, the key and its line) when the base's
    config is invalid, GitError for an unknown ref or no repository.
    """
    with RefReader(root) as reader:
        text = reader.file_at(base, config_name)
    name = Path(f"{base}:{config_name}")
    if text is None:
        return replace(load_config(root, name, text=""), path=None)
    return load_config(root, name, text=text)


def _other_config(
    reader: RefReader, ref: str | None, config_name: str, *, working_tree: bool
) -> Config | str:
    """The config at `ref` (the working tree's when `working_tree`), or why it does not load."""
    root = reader.root
    try:
        if not working_tree and ref is not None:
            text = reader.file_at(ref, config_name)
            name = Path(f"{ref}:{config_name}")
            if text is None:
                return replace(load_config(root, name, text=""), path=None)
            return load_config(root, name, text=text)
        file = root / config_name
        return load_config(root, file if file.is_file() else None)
    except ConfigError as exc:
        return f"it does not load: {str(exc).splitlines()[0]}"


def _rel(path: Path, root: Path) -> str:
    """`path` relative to `root` (POSIX) without following symlinks; absolute outside it."""
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(root).as_posix()
    except ValueError:
        return absolute.as_posix()


def _in_repo(path: Path, root: Path) -> str | None:
    """`path` relative to `root`, or None when it is outside (given by the CI's author)."""
    rel = _rel(path, root)
    return None if rel.startswith("/") else rel


def _config_differences(old: Config, new: Config) -> list[str]:
    """`key: old -> new` for each setting that differs: every key of the config's schema
    (`config.setting_keys`), so a setting added to the schema is compared too."""
    a, b = settings(old), settings(new)
    return [f"{k}: {_show(a[k])} -> {_show(b[k])}" for k in setting_keys() if a[k] != b[k]]


_LOW_SETTINGS = ("evidence_dir", "owners")
"""Settings that change where packs go and whom reminders reach, not what passes."""


def _register_finding(
    reader: RefReader, base: str, head_root: Path, path: str
) -> RepoFinding | None:
    """A PR-POLICY-004 finding naming what the pull request changed in the organisation
    register at `path`: high for a decision, `risk_acceptors` or a document, low for
    wording alone (justifications, owners, the organisation's name); None when nothing
    that is read changed (a comment, the layout)."""
    old_text = reader.file_at(base, path)
    file = head_root / path
    new_text = file.read_text(encoding="utf-8", errors="replace") if file.is_file() else None
    differences, wording = _register_differences(path, old_text, new_text)
    if not differences and not wording:
        return None
    shown = "; ".join(differences) if differences else "justifications, owners or wording"
    return _repo_finding(
        REGISTER_CHECK_ID,
        path,
        Severity.HIGH if differences else Severity.LOW,
        f"the pull request changes the organisation register ({shown}); every model "
        "inherits its decisions: a change to them needs the approval of the policy owners",
    )


def _changed_documents(
    reader: RefReader,
    ref: str,
    head_root: Path,
    registers: Iterable[str],
    changes: Sequence[TreeChange],
) -> list[RepoFinding]:
    """PR-POLICY-005: each document of a register (as at `ref`, the merge base) whose file
    the pull request changed, deleted or moved (`changes`) while the head's register keeps
    the document's `version` and `approved` date. Git holds each version of the file, so
    the gate compares them and the register needs no digest of its own: a new version is
    recorded by a new `version` and `approved` (itself PR-POLICY-004). A register that is
    gone or does not load at either side is PR-POLICY-004's alone."""
    moved = {c.old: c for c in changes if c.old is not None and c.status != "A"}
    out = []
    for path in sorted(set(registers)):
        old_text = reader.file_at(ref, path)
        file = head_root / path
        if old_text is None or not file.is_file() or not moved:
            continue
        old = parse_register(old_text, path)
        new = parse_register(file.read_text(encoding="utf-8", errors="replace"), path)
        if old is None or new is None:
            continue
        for document in old.documents:
            named = _cited(document.path)  # as git names it, however the register spells it
            change = moved.get(named) if document.path else None
            now = new.document(document.id)
            if change is None or (
                now is not None
                and (now.version, now.approved) != (document.version, document.approved)
            ):
                continue
            how = {"D": "deletes", "R": "moves"}.get(change.status, "changes")
            to = f" to {change.new}" if change.status == "R" else ""
            cited = sorted(
                {d.control for d in new.decisions if document.id in d.documents},
                key=control_order,
            )
            rests = f"; {', '.join(cited)} rest on it" if cited else ""
            out.append(
                _repo_finding(
                    DOCUMENT_CHECK_ID,
                    named,
                    Severity.HIGH,
                    f"the pull request {how} {named}{to}, the register's document "
                    f"{document.id} (version {document.version}, approved {document.approved}"
                    f" by {document.approver}), and the register still records that "
                    f"approval{rests}: a new text needs a new version and approval",
                )
            )
    return out


def _register_differences(
    path: str, old_text: str | None, new_text: str | None
) -> tuple[list[str], bool]:
    """What changed between two versions of the register that decides anything (control
    decisions, risk acceptors, documents), and whether anything else read changed."""
    if old_text is None or new_text is None:
        return ["added" if old_text is None else "deleted"], False
    old, new = parse_register(old_text, path), parse_register(new_text, path)
    if old is None or new is None:
        if old is None and new is None:
            return [], old_text != new_text
        return ["it does not load at the head" if new is None else "it loads again"], False
    out = []
    if old.risk_acceptors != new.risk_acceptors:
        out.append(f"risk_acceptors: {_acceptors(old)} -> {_acceptors(new)}")
    decided = sorted({d.control for d in (*old.decisions, *new.decisions)}, key=control_order)
    changed = []
    for key in decided:
        a, b = old.decision(key), new.decision(key)
        if _decided(a) != _decided(b):
            changed.append(f"{key} {_decided(a)} -> {_decided(b)}")
        elif a is not None and b is not None and a.documents != b.documents:
            changed.append(
                f"{key} documents {_show(list(a.documents))} -> {_show(list(b.documents))}"
            )
    if changed:
        out.append("decisions changed: " + ", ".join(changed))
    ids = sorted({d.id for d in (*old.documents, *new.documents)})
    documents = [i for i in ids if _document(old.document(i)) != _document(new.document(i))]
    if documents:
        out.append("documents changed: " + ", ".join(documents))
    wording = old.organisation != new.organisation or any(
        _wording(old.decision(key)) != _wording(new.decision(key)) for key in decided
    )
    return out, wording


def _acceptors(register: Register) -> str:
    acceptors = register.risk_acceptors
    return "(the config's)" if acceptors is None else _show(list(acceptors))


def _decided(decision: Decision | None) -> str:
    """A decision as it judges: applicability and implementation status."""
    if decision is None:
        return "(no decision)"
    if decision.applicable is None:
        return "undecided"
    if decision.applicable is False:
        return "not applicable"
    return f"applicable, {decision.status or 'no status'}"


def _wording(decision: Decision | None) -> tuple[str, str] | None:
    return None if decision is None else (decision.justification, decision.owner)


def _document(document: RegisterDocument | None) -> RegisterDocument | None:
    """`document` without its place in the file."""
    return None if document is None else replace(document, line=0, column=0, pointer="")


def _show(value: object) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_show(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return "(none)" if value is None else str(value)


def _touches(change: TreeChange, target: str) -> bool:
    return any(p is not None and _under(p, target) for p in (change.old, change.new))


def _touched(changes: Sequence[TreeChange], target: str) -> list[str]:
    """`path status` for each change at or under `target` (`R` shows both paths)."""
    words = {"A": "added", "M": "modified", "D": "deleted", "R": "renamed", "T": "modified"}
    out = []
    for c in changes:
        if not _touches(c, target):
            continue
        shown = f"{c.old} -> {c.new}" if c.status == "R" else str(c.new or c.old)
        out.append(f"{shown} {words.get(c.status, c.status)}")
    return out


def _repo_finding(check_id: str, path: str, severity: Severity, message: str) -> RepoFinding:
    return RepoFinding(path, _hinted(Finding(check_id, severity, message, "", 0, 0, ())))


@dataclass(frozen=True)
class _Judge:
    """What judges both sides of a pull request, and what the pull request did to it."""

    config: Config
    """The config the runs use: its policy folders and ATLAS catalog are the copies that
    judge (absolute paths), so that worker processes read the same ones."""
    extra_policy_dirs: tuple[Path, ...]
    """The `--policy` folders that judge (copies, for those inside the repository)."""
    findings: tuple[RepoFinding, ...]
    """Changes to the config, the policy folders or the catalog."""


def _judge(
    reader: RefReader,
    options: RunOptions,
    changes: Sequence[TreeChange],
    *,
    base: str,
    since: str | None,
    head: str | None,
    head_root: Path,
    dest: Path,
    policies_from: str,
    config_name: str,
) -> _Judge:
    """The config, policy folders and catalog that judge, exported from the base unless
    `policies_from` is `head`, and a finding for each of them the pull request changed
    (`changes`: since the merge base `since`, None when it is the base's tip)."""
    config = options.config
    root = config.root
    trusted = policies_from == "base"
    config_touched = any(_touches(c, config_name) for c in changes)
    # The head's config matters only when the pull request changed it (else it is the
    # merge base's); the config as the pull request found it is the merge base's: the
    # judge's stands for it when the pull request did not touch it, or when the head's
    # judges and the base has not moved on since the branch was made.
    head_side: Config | str = config
    if trusted and config_touched:
        head_side = _other_config(reader, head, config_name, working_tree=head is None)
    before: Config | str = config
    if config_touched and (since is not None or not trusted):
        before = _other_config(reader, since or base, config_name, working_tree=False)
    judged_by = (
        "the base's version judged this run"
        if trusted
        else "the head's version judged this run (--policies-from head)"
    )
    findings = []
    if config_touched:
        if isinstance(head_side, str):
            differences = [head_side]
        elif isinstance(before, str):
            differences = [f"at the merge base {before}"]
        else:
            differences = _config_differences(before, head_side)
        if differences:
            low = all(d.split(":")[0] in _LOW_SETTINGS for d in differences)
            findings.append(
                _repo_finding(
                    CONFIG_CHECK_ID,
                    config_name,
                    Severity.LOW if low else Severity.HIGH,
                    f"the pull request changes the config ({'; '.join(differences)}); "
                    f"{judged_by}: a change to what judges pull requests needs the approval "
                    "of the policy owners",
                )
            )
    registers = {config.register} | (set() if isinstance(before, str) else {before.register})
    for register in sorted(registers):
        if any(_touches(c, register) for c in changes):
            finding = _register_finding(reader, since or base, head_root, register)
            if finding is not None:
                findings.append(finding)
    findings.extend(_changed_documents(reader, since or base, head_root, registers, changes))
    inside = [
        rel
        for p in (*config.policies, *options.extra_policy_dirs)
        if (rel := _in_repo(p, root)) is not None
    ]
    base_folders = (
        []
        if isinstance(before, str)
        else [rel for p in before.policies if (rel := _in_repo(p, root)) is not None]
    )
    for folder in sorted(set(inside) | set(base_folders)):
        touched = [t for t in _touched(changes, folder) if t.split(" ")[0].endswith(".rego")]
        if touched:
            findings.append(
                _repo_finding(
                    POLICY_CHECK_ID,
                    folder,
                    Severity.HIGH,
                    f"the pull request changes the policy folder {folder} "
                    f"({', '.join(touched)}); {judged_by}: a change to what judges pull "
                    "requests needs the approval of the policy owners",
                )
            )
    catalog = config.atlas_catalog
    touched = _touched(changes, catalog)
    if touched:
        findings.append(
            _repo_finding(
                CATALOG_CHECK_ID,
                catalog,
                Severity.HIGH,
                f"the pull request changes the ATLAS catalog {catalog}; {judged_by}: a "
                "change to what judges pull requests needs the approval of the policy owners",
            )
        )
    if not trusted:
        catalog_file = head_root / catalog
        return _Judge(
            replace(config, atlas_catalog=str(catalog_file)),
            options.extra_policy_dirs,
            tuple(sorted(findings, key=lambda r: (r.path, r.finding.check_id))),
        )
    # The base's policy folders and catalog, copied out of git: the working tree is the
    # pull request's, so nothing it holds (a symlink included) decides what judges it.
    files = reader.tree_files(base, [*inside, catalog])
    exported = reader.export(base, dest, files)

    def mapped(p: Path) -> Path:
        rel = _in_repo(p, root)
        if rel is None:
            return p
        if not (exported / rel).is_dir():
            raise PolicyError(
                f"{rel}: policy folder does not exist at {base} (a pull request is judged "
                "by the base's policies; --policies-from head uses the head's)"
            )
        return exported / rel

    return _Judge(
        replace(
            config,
            policies=tuple(mapped(p) for p in config.policies),
            atlas_catalog=str(exported / catalog),
        ),
        tuple(mapped(p) for p in options.extra_policy_dirs),
        tuple(sorted(findings, key=lambda r: (r.path, r.finding.check_id))),
    )


# --- the two sides ---------------------------------------------------------------------


def _relative(paths: Sequence[Path], root: Path) -> list[str]:
    out = []
    for p in paths:
        try:
            out.append(p.resolve().relative_to(root.resolve()).as_posix())
        except ValueError:
            out.append(p.as_posix())
    return out


def _side(
    paths: list[str] | None,
    root: Path,
    options: RunOptions,
    judged_by: tuple[Engine, PolicySet, Callable[[], Catalogs]],
    wanted: list[str],
) -> tuple[RunResult, dict[str, Document]]:
    """Run one side: the models at `paths` (changed-only mode), else those under `wanted`
    or the config's globs, as a normal run would find them."""
    config = replace(options.config, root=root)
    if root != options.config.root:
        # An exported tree has no history: on that side the change rule is the pull
        # request's own diff (PR-REVIEW-001), not a gap in the history.
        config = replace(config, review=replace(config.review, allow_unknown_history=True))
    chosen = paths if paths is not None else wanted
    targets = [root / p for p in chosen if (root / p).exists()]
    if (paths is not None or chosen) and not targets:
        return RunResult(models=(), as_of=options.as_of), {}
    engine, policy_set, catalogs = judged_by
    run = run_check(
        targets,
        replace(options, config=config),
        engine,
        policy_set,
        code_missing_ok=root != options.config.root,
        catalogs=catalogs(),
    )
    docs = {}
    for m in run.models:
        try:
            docs[m.path] = load_document(root / m.path, root)
        except InvalidDocument:
            continue  # reported in the run already; nothing to compare
    return run, docs


def _glob_match(parts: Sequence[str], pattern: Sequence[str]) -> bool:
    """Whether path segments match glob segments as `Path.glob` does (`**`: any folders)."""
    if not pattern:
        return not parts
    if pattern[0] == "**":
        return any(_glob_match(parts[i:], pattern[1:]) for i in range(len(parts) + 1))
    return (
        bool(parts)
        and fnmatch.fnmatchcase(parts[0], pattern[0])
        and _glob_match(parts[1:], pattern[1:])
    )


def _hidden(parts: Sequence[str]) -> bool:
    return any(p.startswith(".") for p in parts)


def found_by(name: str, wanted: Sequence[str], globs: Sequence[str]) -> bool:
    """Whether `loader.find_models` under `wanted` (else `globs`, else the root) lists the
    file `name` (relative to the root, POSIX), decided from the name alone: listing costs
    a walk of the whole tree (~0.4 s over 1,000 models) for the few files a pull request
    changes. A YAML file walked under a folder is listed unless it is the config or under
    a hidden folder; a file a glob names, unless a folder above it is hidden."""
    parts = name.split("/")
    if not name.endswith(_YAML):
        return False
    walkable = parts[-1] != CONFIG_NAME
    if wanted:
        for w in wanted:
            below = [] if w in (".", "") else w.split("/")
            if name == w or (_under(name, w) and walkable and not _hidden(parts[len(below) : -1])):
                return True
        return False
    if not globs:
        return walkable and not _hidden(parts[:-1])
    for glob in globs:
        pattern = PurePosixPath(glob).parts
        for k in range(1, len(parts) + 1):
            if not _glob_match(parts[:k], pattern) or _hidden(parts[: k - 1]):
                continue
            if k < len(parts):  # a folder: walked
                if walkable and not _hidden(parts[k:-1]):
                    return True
            elif pattern[-1] != "**" and walkable:  # `**` names folders only
                return True
    return False


def _selected(root: Path, names: Iterable[str], wanted: list[str], config: Config) -> list[str]:
    """Those of `names` a normal run would check: listed under `wanted` (else the
    config's `models` globs) and threat models (or files that mention one and fail to
    load)."""
    globs = () if wanted else config.models
    return sorted(
        n
        for n in set(names)
        if found_by(n, wanted, globs)
        and (root / n).is_file()
        and load_candidate(Candidate(root / n, n, False)) is not None
    )


def _citing(
    root: Path,
    wanted: list[str],
    config: Config,
    changes: Sequence[TreeChange],
    models: Collection[str] = (),
) -> list[str]:
    """The models under `root` a normal run would check (`wanted`, else the config's
    `models` globs) that cite as evidence (`evaluate.evidence_paths`: a control's
    evidence, an SBOM, a red-team report, an attestation) a file the pull request
    changed, deleted or moved away (`changes`). Only a model whose text names such a file
    is parsed. A changed threat model (`models`: the changed models the run checks, by
    their new and old paths) is no evidence of another (`references.not_evidence`): a
    pull request that changes models alone reads no other model. A citation is matched
    by the path it names (`_cited`), however it is spelled (`./docs/x.md`); the text is
    searched for the file's name, which every spelling holds, or for a backslash (a
    double-quoted YAML escape can spell any name)."""
    gone = {c.old for c in changes if c.old is not None and c.status != "A"} - set(models)
    if not gone:
        return []
    names = {PurePosixPath(g).name for g in gone} | {"\\"}
    listing = find_models(
        [root / w for w in wanted],
        root,
        () if wanted else config.models,
        not_models=(root / config.register,),
    )
    out = []
    for candidate in listing.candidates:
        try:
            text = candidate.path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if not any(n in text for n in names):
            continue
        doc = load_candidate(candidate)
        if isinstance(doc, Document) and isinstance(doc.data, dict):
            if gone & {_cited(p) for p in evidence_paths(doc.data)}:
                out.append(candidate.shown)
    return sorted(out)


def _needed_files(reader: RefReader, ref: str, models: Sequence[str]) -> list[str]:
    """The model files and the evidence files they name at `ref`: all a base side reads."""
    needed = set(models)
    for path in models:
        try:
            model = reader.model_at(ref, path)
        except GitError:
            continue  # not valid YAML at the base: it is reported, not evaluated
        if isinstance(model, dict):
            cited = evidence_paths(model)
            needed.update(cited)
            needed.update(_cited(p) for p in cited)  # the file itself, for `./docs/x.md`
    return sorted(needed)


def _register_files(reader: RefReader, ref: str, path: str) -> list[str]:
    """The organisation register at `path` (relative to the root) and the document files
    it cites, as they are at `ref`; none when it did not exist there. A register that does
    not parse at `ref` is exported alone (its errors are the base's)."""
    text = reader.file_at(ref, path)
    if text is None:
        return []
    register = parse_register(text, path)
    documents = register.documents if register is not None else ()
    return [path, *(_cited(d.path) for d in documents if d.path)]


def _under(path: str, prefix: str) -> bool:
    return prefix in (".", "") or path == prefix or path.startswith(prefix.rstrip("/") + "/")


def _data(doc: Document | None) -> Mapping[str, Any]:
    return doc.data if doc is not None and isinstance(doc.data, dict) else {}


def _removal(change: TreeChange | None) -> str:
    """How the pull request removed a model from the run; "" when it did not touch it."""
    if change is None or change.status == "A":
        return ""
    if change.status == "D":
        return "was deleted"
    if change.status == "R":
        return f"was moved to {change.new}, where the run does not select it as a threat model"
    return "is no longer a threat model the run selects (its content changed)"


def _written(
    reader: RefReader,
    ref: str,
    head_root: Path,
    changes: Sequence[TreeChange],
    docs: Mapping[str, Document],
) -> frozenset[str]:
    """The files at the head whose text the pull request wrote: added or changed, or moved
    with a change (read for the files the head's models `docs` cite: a move alone is the
    same document, by a new name)."""
    out = {c.new for c in changes if c.new is not None and c.status != "R"}
    moves = [c for c in changes if c.status == "R" and c.new is not None and c.old is not None]
    if moves:
        cited = {p for d in docs.values() for p in _citations(_data(d))}
        for c in moves:
            if c.new not in cited or c.old is None or c.new is None:
                continue
            try:
                now = (head_root / c.new).read_bytes().decode("utf-8", errors="replace")
            except OSError:
                now = None
            if now is None or now != reader.file_at(ref, c.old):
                out.add(c.new)
    return frozenset(out)


def run_pull_request(
    paths: Sequence[Path],
    options: RunOptions,
    *,
    base: str,
    head: str | None = None,
    changed_only: bool = False,
    policies_from: str = "base",
    config_name: str = CONFIG_NAME,
) -> RunResult:
    """Evaluate base and head; the head's run, with the delta attached.

    `options.config` is the config that judges: the base's (`base_config`) when
    `policies_from` is `base`, and then the policy folders and the ATLAS catalog are read
    from `base` too; `head` uses the head's. `config_name` is the config file relative to
    the root. With `changed_only`, only the models the pull request added, changed,
    renamed or deleted (from the merge base to the head) that the run would select are
    evaluated on either side. Raises GitError for an unknown ref.
    """
    if policies_from not in POLICIES_FROM:
        raise ValueError(f"policies_from must be one of {POLICIES_FROM}, not {policies_from!r}")
    root = options.config.root
    wanted = _relative(paths, root)
    with (
        RefReader(root) as reader,
        parsed_once(),
        contextlib.ExitStack() as later,
        tempfile.TemporaryDirectory(prefix="policyengine-pr-") as tmp,
    ):
        # The rules are the base's tip (the current policy); the delta is the pull
        # request's own: since the merge base, as GitHub's diff shows it, so what the base
        # did after the branch was made is neither new, fixed nor a change of scope here.
        base_sha, since, changes = reader.pull_request_changes(base, head)
        renamed = {c.new: c.old for c in changes if c.status == "R" and c.new and c.old}
        by_old = {c.old: c for c in changes if c.old is not None}
        head_root = root if head is None else reader.export(head, Path(tmp) / "head")
        judge = _judge(
            reader,
            options,
            changes,
            base=base,
            since=None if since == base_sha else since,
            head=head,
            head_root=head_root,
            dest=Path(tmp) / "judge",
            policies_from=policies_from,
            config_name=config_name,
        )
        options = replace(options, config=judge.config, extra_policy_dirs=judge.extra_policy_dirs)
        head_paths: list[str] | None = None
        base_paths: list[str] | None = None
        needed: list[str] | None = None
        code = options.code_paths()
        if changed_only and any(_touches(c, p) for c in changes for p in code):
            # The code the models are compared with changed: any model may have drifted.
            changed_only = False
        # The merge base's register and its documents: its findings are judged once per
        # repository on both sides, so the base side must read its own to tell new ones.
        register = _register_files(reader, since, judge.config.register) if changed_only else []
        if changed_only and any(
            _touches(c, p) for c in changes for p in (judge.config.register, *register)
        ):
            # The register every model inherits (or a document it cites) changed: it is
            # judged over the frameworks of every model, and any model's controls may have
            # changed with it.
            changed_only = False
        if changed_only:
            head_paths = _selected(
                head_root, (c.new for c in changes if c.new), wanted, judge.config
            )
            # A model whose evidence the pull request changed or deleted is changed too.
            moved = {c.old for c in changes if c.new in head_paths and c.old is not None}
            citing = _citing(head_root, wanted, judge.config, changes, {*head_paths, *moved})
            head_paths = sorted({*head_paths, *citing})
            if head is None:  # the change rule reads their history: git starts on it now
                later.enter_context(reading_ahead(root, head_paths))
            olds = {c.old for c in changes if c.old and c.status != "A"}
            olds |= {renamed[h] for h in head_paths if h in renamed}
            olds |= {c for c in citing if c not in renamed}
            needed = _needed_files(reader, since, sorted(o for o in olds if o.endswith(_YAML)))
            needed += reader.tree_files(since, list(code))
            needed += register
        base_root = reader.export(since, Path(tmp) / "base", needed)
        if changed_only:
            base_paths = _selected(base_root, olds, wanted, judge.config)
            if not head_paths and not base_paths:
                delta = PullRequestDelta(
                    base,
                    head or "working tree",
                    (),
                    judge.findings,
                    base_commit=base_sha,
                    merge_base=since,
                )
                # No model to evaluate, but the report still says what judged it.
                policies = load_policy_set(policy_dirs(options.config, options.extra_policy_dirs))
                atlas, _, controls = read_catalogs(options.config)
                made = provenance(
                    options.config,
                    options.as_of,
                    policy_set=policies,
                    atlas=atlas,
                    controls=controls,
                )
                return RunResult(
                    models=(),
                    as_of=options.as_of,
                    delta=delta,
                    provenance=made,
                    rules=_with_pr_checks(check_rules(policies)),
                )
        # One engine for both sides: the policy set is compiled (or loaded into OPA) once.
        # It evaluates in this process: a side with many models is checked in worker
        # processes of its own (`run_check`, `options.workers`), a small one stays here.
        # The catalogs too are read once (when a side runs): the judge's ATLAS catalog is
        # an absolute path, the same for both.
        engine = in_process_engine(options.engine)
        try:
            policy_set = load_policy_set(policy_dirs(options.config, options.extra_policy_dirs))
            catalogs = functools.cache(functools.partial(read_catalogs, options.config))
            judged_by = (engine, policy_set, catalogs)
            base_run, base_docs = _side(base_paths, base_root, options, judged_by, wanted)
            head_run, head_docs = _side(head_paths, head_root, options, judged_by, wanted)
        finally:
            engine.close()
        written = _written(reader, since, head_root, changes, head_docs)
        # With --changed-only and no code changed, only some models ran: PR-CODE-003
        # reports their re-scoping; the files themselves are unchanged.
        outside = (
            _uncovered_code(head_root, head_docs, base_docs, changes, code)
            if head_paths is None
            else []
        )
    base_reports = {m.path: m for m in base_run.models}
    head_reports = {m.path: m for m in head_run.models}
    pairs = _model_pairs(base_reports, head_reports, renamed)
    ids = _changed_ids(base_reports, head_reports, renamed)
    deltas = []
    paired: set[str] = set()
    # A threat model on both sides is no evidence of another (`references.not_evidence`):
    # changing it rewrites nothing a citing model rests on (`_citing` agrees).
    evidence_touched = {
        p: c for p, c in by_old.items() if not (p in base_reports and c.new in head_reports)
    }
    for path in sorted(head_reports):
        old_path = pairs.get(path, path)
        b = None
        if path in pairs:
            paired.add(old_path)
            b = (base_reports[old_path], _data(base_docs.get(old_path)))
        doc = head_docs.get(path)
        where = doc.locate(["review", "last_reviewed"]) if doc is not None else (0, 0)
        deltas.append(
            model_delta(
                path,
                b,
                (head_reports[path], _data(doc)),
                where,
                renamed_from=old_path if b is not None and old_path != path else "",
                locate=doc.locate if doc is not None else _nowhere,
                risk=options.config.risk,
                owners=options.config.owners,
                touched=evidence_touched,
                as_of=options.as_of,
                written=written,
            )
        )
    deltas = [
        _with_id_change(d, ids[d.path], pairs, base_reports, head_docs) if d.path in ids else d
        for d in deltas
    ]
    for path in sorted(base_reports.keys() - paired):
        b = (base_reports[path], _data(base_docs.get(path)))
        removal = _removal(by_old.get(path))
        if path in head_reports:  # its file is compared with another base model, by id
            removal = f"was given the metadata.id {head_reports[path].model_id}"
        deltas.append(model_delta(path, b, None, removal=removal))
    deltas.sort(key=lambda d: d.path)
    new, existing = _organisation_delta(base_run.organisation, head_run.organisation)
    # Code no model covers is judged here (PR-CODE-001), for what the pull request changed.
    judged = [d for d in head_run.diagnostics if d.code != UNCOVERED]
    unread = _unanalysed_code(judged, changes, code)
    delta = PullRequestDelta(
        base,
        head or "working tree",
        tuple(deltas),
        (*judge.findings, *unread, *outside, *new),
        existing,
        base_commit=base_sha,
        merge_base=since,
    )
    rules = head_run.rules or check_rules(policy_set)  # the head's run has them, unless empty
    # A base model not judged (over budget) leaves the head's findings nothing to be
    # compared with: the run did not do its job, and says so (exit 2) as for the head.
    over = {d.file for d in budget_errors(head_run)}
    unjudged = tuple(
        replace(d, message=f"at the base: {d.message}")
        for d in budget_errors(base_run)
        if d.file not in over
    )
    return replace(
        head_run,
        delta=delta,
        rules=_with_pr_checks(rules),
        diagnostics=(*judged, *unjudged),
    )


def _unanalysed_code(
    diagnostics: Sequence[Diagnostic], changes: Sequence[TreeChange], code: Sequence[str]
) -> list[RepoFinding]:
    """A PR-CODE-002 finding for each code file (under `code`) the pull request added,
    changed or renamed that the head's code scan skipped or could not parse: its warning
    in `diagnostics` names the file. The drift check fails closed on code it did not read."""
    if not code:
        return []
    changed = {c.new for c in changes if c.new is not None and c.status != "D"}
    out = []
    for d in diagnostics:
        if d.file not in changed or not any(_under(d.file, p) for p in code):
            continue
        out.append(
            _repo_finding(
                UNANALYSED_CHECK_ID,
                d.file,
                Severity.HIGH,
                f"the pull request changes {d.file}, which the code analysis did not read "
                f"({d.message}): the drift check cannot vouch for it",
            )
        )
    return sorted(out, key=lambda r: (r.path, r.finding.message))


def _uncovered_code(
    head_root: Path,
    head: Mapping[str, Document],
    base: Mapping[str, Document],
    changes: Sequence[TreeChange],
    code: Sequence[str],
) -> list[RepoFinding]:
    """A PR-CODE-001 finding (critical) for each AI asset (not an ML library: TM-CODE-004)
    in code under `code` that no model of the head covers (every model has
    `metadata.x-code-paths`, and none lists the file), in a file the pull request added or
    changed, or that some model of the base covered: no model's drift check judges it, so
    TM-CODE-001 cannot report it. Only the files in question are read again."""
    if not code:
        return []
    heads = [_data(d) for d in head.values()]
    if any(code_scope(m) is None for m in heads):
        return []  # a model without x-code-paths is compared with all the code
    bases = [_data(d) for d in base.values()]
    changed = {
        c.new
        for c in changes
        if c.new is not None and c.status != "D" and any(_under(c.new, p) for p in code)
    }
    scopes_moved = sorted({code_scope(m) or () for m in heads}) != sorted(
        {code_scope(m) or () for m in bases}
    )
    scan = scan_code(head_root, list(code), missing_ok=True) if scopes_moved or changed else None
    if scan is None:
        return []
    out = []
    for f in scan.findings:
        category = finding_category(f.kind)
        if category in (None, "library") or any(covers(m, f.file) for m in heads):
            continue
        if f.file not in changed and not any(covers(m, f.file) for m in bases):
            continue  # outside every model at the base already: not this pull request's
        out.append(
            _repo_finding(
                CODE_CHECK_ID,
                f.file,
                Severity.CRITICAL,
                f"{WHAT[category]} `{f.name}` at {f.file}:{f.line} is in no threat model's "
                "metadata.x-code-paths, so no model's drift check judges it (possible shadow "
                f"AI; the code reads: {f.evidence}); declare it in the model whose "
                "x-code-paths should cover this file, add its threats and review the model",
            )
        )
    return sorted(out, key=lambda r: (r.path, r.finding.message))


def _model_pairs(
    base: Mapping[str, ModelReport], head: Mapping[str, ModelReport], renamed: Mapping[str, str]
) -> dict[str, str]:
    """Head path -> base path of each model of the head that the pull request kept, moved
    or changed, to compare it with. A model is its `metadata.id`, not its path, and the
    id wins over git's rename pairing (`renamed`: new path -> old path, by content): a
    head model is paired with the base model of its id, at the same path, under git's
    rename or anywhere else (a move git did not see, or a weakened copy given the id
    while git pairs the original's file with a decoy). A file whose id changed
    (`_changed_ids`) is then paired with its own base version (same path, then git's
    rename) if no head model took it by id; else it is new. Each base model is paired
    once; ids are compared only when not empty."""
    pairs: dict[str, str] = {}
    taken: set[str] = set()

    def pair(new: str, old: str | None) -> None:
        if old is not None and old in base and old not in taken and new not in pairs:
            pairs[new] = old
            taken.add(old)

    def same_id(new: str, old: str | None) -> bool:
        ident = head[new].model_id
        return old is not None and old in base and bool(ident) and base[old].model_id == ident

    by_id: dict[str, list[str]] = {}
    for path in sorted(base):
        if base[path].model_id:
            by_id.setdefault(base[path].model_id, []).append(path)
    heads = sorted(head)
    for path in heads:
        if same_id(path, path):
            pair(path, path)
    for path in heads:
        if same_id(path, renamed.get(path)):
            pair(path, renamed.get(path))
    for path in heads:
        for old in by_id.get(head[path].model_id, []):
            pair(path, old)
    for path in heads:
        pair(path, path)
    for path in heads:
        pair(path, renamed.get(path))
    return pairs


def _changed_ids(
    base: Mapping[str, ModelReport], head: Mapping[str, ModelReport], renamed: Mapping[str, str]
) -> dict[str, tuple[str, str]]:
    """Head path -> (base path, base id) of each model file whose `metadata.id` the pull
    request changed: the file's own base version (git's rename source, else the same
    path) had another id. A file with no id on either side (it did not load) is none."""
    out = {}
    for path, report in head.items():
        old = renamed.get(path, path)
        was = base[old].model_id if old in base else ""
        if was and report.model_id and was != report.model_id:
            out[path] = (old, was)
    return out


def _with_id_change(
    delta: ModelDelta,
    change: tuple[str, str],
    pairs: Mapping[str, str],
    base: Mapping[str, ModelReport],
    head_docs: Mapping[str, Document],
) -> ModelDelta:
    """`delta`, of a head model whose file had the id `change[1]` at the base (at
    `change[0]`, `_changed_ids`), with its PR-SCOPE-008 finding: old -> new id, located at
    `metadata.id`, and what `pairs` (`_model_pairs`) compares with the base's model of
    the old id (`base`) and with this file."""
    path, (old_path, was) = delta.path, change
    moved = f" (the file was {old_path})" if old_path != path else ""
    heir = next((new for new, old in pairs.items() if old == old_path and new != path), None)
    fate = [f"{heir} has the id {was} now and is compared with the base's {was}"] if heir else []
    if path not in pairs:
        fate.append("this file is judged as a new model")
    elif pairs[path] == old_path:
        fate.append(
            f"no model has the id {was} now, and this file is compared with its base version"
        )
    else:
        fate.append(f"this file is compared with the base's {base[pairs[path]].model_id}")
    doc = head_docs.get(path)
    found = _weakening(
        ID_CHECK_ID,
        f"metadata.id {was} -> {delta.model_id}{moved}: a model is its id, which its review "
        f"history and evidence follow; {', and '.join(fate)}",
        ["metadata", "id"],
        doc.locate if doc is not None else _nowhere,
    )
    return replace(delta, findings=(*delta.findings, _hinted(found)))


def _organisation_delta(
    base: OrganisationReport | None, head: OrganisationReport | None
) -> tuple[tuple[RepoFinding, ...], tuple[RepoFinding, ...]]:
    """The head's organisation register findings split into those the base did not have
    (by `Finding.key`: judged) and those it had (counted, not judged)."""
    if head is None:
        return (), ()
    had = {f.key for c in base.checks for f in c.findings} if base is not None else set()
    found = [RepoFinding(head.path, f) for c in head.checks for f in c.findings]
    return (
        tuple(r for r in found if r.finding.key not in had),
        tuple(r for r in found if r.finding.key in had),
    )


def _with_pr_checks(rules: Sequence[CheckInfo]) -> tuple[CheckInfo, ...]:
    """`rules` and the pull request's own checks (`PR_CHECKS`), sorted by id."""
    return tuple(sorted((*rules, *PR_CHECKS.values()), key=lambda r: r.id))
