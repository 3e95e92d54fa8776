"""Build a git repository with a realistic, deterministic history from `examples/`.

`python scripts/make_example_history.py DEST` creates DEST as a new repository whose
commits (fixed authors and dates, 2026-02 to 2026-11) bring in the three example threat
models, their evidence and the team check the way a team would have: initial versions,
red-team results, quarterly and change reviews, a prose-only edit, and as the last commit
an agent tool added to the support assistant without a new `review.last_reviewed`. So in
DEST, `policyengine check --base HEAD~1` fails with a review_required finding and
`policyengine status` reports the support assistant as review_required.

The working tree of DEST ends equal to `examples/` plus that last change (one asset and
one surface entry in `models/support-assistant.yaml`, and its metadata version 1.7.0).
Earlier versions of each model are derived from the files in `examples/` by exact text
substitutions; a substitution that no longer matches raises `HistoryError` naming it.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

try:
    import git
except ImportError:  # the README's first command installs the package without the test extra
    sys.exit(
        "make_example_history.py needs GitPython: "
        ".venv/bin/pip install -e '.[test]' (the test extra), then run it again"
    )

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
"""The example repository the history is built from."""

SUPPORT = "models/support-assistant.yaml"
CODING = "models/coding-agent.yaml"
PARTNER = "models/partner-classifier.yaml"

Edit = Callable[[str], str]
"""A function from the later text of a file to its earlier text."""


class HistoryError(Exception):
    """`examples/` no longer matches what the history expects, or DEST is not usable."""


@dataclass(frozen=True)
class _Author:
    name: str
    email: str
    tz: str


_PRIYA = _Author("Priya Raman", "priya.raman@example.com", "+01:00")
_DANA = _Author("Dana Whitfield", "dana.whitfield@example.com", "+02:00")
_LUIS = _Author("Luis Ortega", "luis.ortega@example.com", "+02:00")
_MEI = _Author("Mei Tanaka", "mei.tanaka@example.com", "+01:00")


@dataclass(frozen=True)
class _Commit:
    when: str
    """Local date and time, `YYYY-MM-DDTHH:MM:SS`; the author's offset is added."""
    author: _Author
    message: str
    paths: tuple[str, ...] = ()
    """Files taken from `examples/` as they are now (or as a later edit reverts them)."""
    edits: tuple[tuple[str, Edit], ...] = ()
    """Per file, the edit that turns this commit's version back into the previous one."""


# --- text edits: each maps the later version of a file to the earlier one ---------------


def _sub(new: str, old: str, count: int = 1) -> Edit:
    """Replace `new` (which must occur exactly `count` times) by `old`."""

    def edit(text: str) -> str:
        found = text.count(new)
        if found != count:
            raise HistoryError(f"expected {count} occurrence(s) of {new!r}, found {found}")
        return text.replace(new, old)

    return edit


def _cut(start: str, end: str, keep: str = "") -> Edit:
    """Replace the text from `start` (included) up to `end` (excluded) by `keep`."""

    def edit(text: str) -> str:
        i = text.find(start)
        j = text.find(end, i + len(start)) if i >= 0 else -1
        if i < 0 or j < 0 or text.count(start) != 1:
            raise HistoryError(f"cannot find one block from {start!r} to {end!r}")
        return text[:i] + keep + text[j:]

    return edit


def _cut_to_end(start: str, keep: str) -> Edit:
    """Replace the text from `start` (which must occur once) to the end of the file by `keep`."""

    def edit(text: str) -> str:
        if text.count(start) != 1:
            raise HistoryError(f"cannot find one block from {start!r} to the end")
        return text[: text.index(start)] + keep

    return edit


def _drop_lines(pattern: str, expect: int) -> Edit:
    """Remove the `expect` lines that match the regular expression `pattern`."""
    rx = re.compile(pattern)

    def edit(text: str) -> str:
        lines = text.splitlines(keepends=True)
        kept = [line for line in lines if not rx.search(line)]
        if len(lines) - len(kept) != expect:
            raise HistoryError(
                f"expected {expect} line(s) matching {pattern!r}, found {len(lines) - len(kept)}"
            )
        return "".join(kept)

    return edit


def _chain(*edits: Edit) -> Edit:
    def edit(text: str) -> str:
        for e in edits:
            text = e(text)
        return text

    return edit


# --- the last change, applied on top of examples/ --------------------------------------

_VOUCHER_TOOL = """\
  - id: voucher-tool
    type: agent_tool
    name: goodwill voucher API
    actions: [issue_voucher]
    permissions: write
    blast_radius: Issue goodwill vouchers of up to 50 EUR per order to the signed-in customer.
    human_approval: above 20 EUR
"""


def _add_voucher_tool(text: str) -> str:
    """The last commit: a new agent tool, without a new `review.last_reviewed`."""
    text = _sub("  - id: serving-stack\n", _VOUCHER_TOOL + "  - id: serving-stack\n")(text)
    text = _sub("    assets: [order-tool]\n", "    assets: [order-tool, voucher-tool]\n")(text)
    return _sub("  version: 1.6.0\n", "  version: 1.7.0\n")(text)


# --- the history, oldest first ----------------------------------------------------------

_SUPPORT_DOCS = tuple(
    f"docs/controls/{n}.md"
    for n in (
        "untrusted-context",
        "agent-note-screening",
        "order-tool-scoping",
        "dataset-change-review",
        "dependency-pinning",
        "system-prompt-hygiene",
        "cms-publishing",
        "tool-egress",
        "model-upgrade-gate",
    )
) + (
    "docs/design/support-assistant-business-case.md",
    "docs/design/support-assistant-requirements.md",
    "docs/design/ft-data-preparation.md",
    "sbom/serving.cdx.json",
)

_ORG_DOCS = tuple(
    f"docs/governance/{n}.md"
    for n in (
        "ai-policy",
        "ai-strategy",
        "roles-and-responsibilities",
        "raising-concerns",
        "incident-communication",
        "responsible-development",
        "evaluation-methodology",
        "impact-assessment-process",
        "customer-commitments",
    )
)

_HISTORY: tuple[_Commit, ...] = (
    _Commit(
        "2026-02-16T09:30:00",
        _PRIYA,
        "Set up the AI threat-model repository: policyengine config, team check, AI policy",
        paths=(".policyengine.yaml", "policies/team/owners.rego", "policies/team/owners_test.rego")
        + _ORG_DOCS,
    ),
    _Commit(
        "2026-02-24T14:05:00",
        _MEI,
        "Add the threat model of the partner fraud classifier",
        paths=(
            PARTNER,
            "docs/controls/api-gateway-quotas.md",
            "docs/controls/score-drift-review.md",
            "docs/controls/partner-drop-checks.md",
            "docs/controls/model-mirror.md",
            "sbom/partner-classifier.cdx.json",
        ),
    ),
    _Commit(
        "2026-03-31T16:40:00",
        _MEI,
        "Accept the membership-inference risk (T-208) until the end of September",
        edits=(
            (
                PARTNER,
                _chain(
                    _cut(
                        "    status: accepted\n    acceptance:\n",
                        "\ncontrols:",
                        "    status: open\n",
                    ),
                    _sub("  version: 1.1.0\n", "  version: 1.0.0\n"),
                ),
            ),
        ),
    ),
    _Commit(
        "2026-04-01T10:15:00",
        _DANA,
        "Add the threat model of the support assistant",
        paths=(SUPPORT, *_SUPPORT_DOCS),
    ),
    _Commit(
        "2026-04-15T11:00:00",
        _LUIS,
        "Add the threat model of the coding agent",
        paths=(
            CODING,
            "docs/controls/agent-pr-review.md",
            "docs/controls/secret-scanning.md",
            "docs/controls/agent-sandbox.md",
            "sbom/coding-agent.cdx.json",
        ),
    ),
    _Commit(
        "2026-04-24T17:20:00",
        _LUIS,
        "Record our own red-team run RT-2026-04 against the coding agent",
        edits=(
            (
                CODING,
                _chain(
                    _cut("red_team:\n", "\nreview:", "red_team: []\n"),
                    _sub("{status: confirmed, findings: [RT-2026-04/F-1]}", "{status: untested}"),
                    _sub("{status: confirmed, findings: [RT-2026-04/F-2]}", "{status: untested}"),
                ),
            ),
        ),
    ),
    _Commit(
        "2026-06-10T15:45:00",
        _LUIS,
        "Coding agent: add the repository tool and convention memory; review the model",
        edits=(
            (
                CODING,
                _chain(
                    _cut("  - id: repo-tool\n", "  - id: serving-libs\n"),
                    _sub(
                        "    assets: [shell-tool, repo-tool, memory-store]\n",
                        "    assets: [shell-tool]\n",
                    ),
                    _cut("  - id: T-105\n", "  - id: T-106\n"),
                    _cut("  - id: C-105\n", "  - id: C-106\n"),
                    _sub("  last_reviewed: 2026-06-10\n", "  last_reviewed: 2026-04-15\n"),
                    _drop_lines(r"\{date: 2026-06-10, reason: change", 1),
                    _cut_to_end("  # Confirmed at the June review", "  attestations: []\n"),
                    _sub("  version: 0.9.0\n", "  version: 0.8.0\n"),
                ),
            ),
        ),
    ),
    _Commit(
        "2026-06-25T13:10:00",
        _MEI,
        "Partner classifier: results of the external red team RT-2026-06",
        edits=(
            (
                PARTNER,
                _chain(
                    _cut("red_team:\n", "\nreview:", "red_team: []\n"),
                    _sub("{status: confirmed, findings: [RT-2026-06/F-1]}", "{status: untested}"),
                    _sub("  last_reviewed: 2026-06-25\n", "  last_reviewed: 2026-02-24\n"),
                    _drop_lines(r"\{date: 2026-06-25, reason: red_team", 1),
                    _sub("  version: 2.0.0\n", "  version: 1.1.0\n"),
                ),
            ),
        ),
    ),
    _Commit(
        "2026-07-01T09:00:00",
        _DANA,
        "Quarterly review of the support assistant",
        edits=(
            (
                SUPPORT,
                _chain(
                    _sub("  last_reviewed: 2026-07-01\n", "  last_reviewed: 2026-04-01\n"),
                    _drop_lines(r"\{date: 2026-07-01, reason: quarterly\}", 1),
                    _sub("      date: 2026-07-01\n", "      date: 2026-04-01\n"),
                    _sub("  version: 1.4.0\n", "  version: 1.3.0\n"),
                ),
            ),
        ),
    ),
    _Commit(
        "2026-08-20T10:30:00",
        _MEI,
        "Partner classifier: fine-tuned on the Q2 partner drop; review, attestations, waiver",
        paths=("docs/governance/partner-classifier-impact-assessment.md",),
        edits=(
            (
                PARTNER,
                _chain(
                    _sub('    version: "2026.08.1"\n', '    version: "2026.06.1"\n'),
                    _sub('    version: "2026-Q2"\n', '    version: "2026-Q1"\n'),
                    _sub('    version: "2026-07"\n', '    version: "2026-04"\n'),
                    _sub("  last_reviewed: 2026-08-20\n", "  last_reviewed: 2026-06-25\n"),
                    _drop_lines(r"\{date: 2026-08-20, reason: change", 1),
                    _cut_to_end("  attestations:\n", "  attestations: []\n  waivers: []\n"),
                    _sub("  version: 2.1.0\n", "  version: 2.0.0\n"),
                ),
            ),
        ),
    ),
    _Commit(
        "2026-09-16T18:05:00",
        _DANA,
        "Support assistant: red-team exercise RT-2026-09 results and validated threats",
        paths=("evidence/red-team/RT-2026-09.md",),
        edits=(
            (
                SUPPORT,
                _chain(
                    _cut("red_team:\n", "\nreview:", "red_team: []\n"),
                    _sub(
                        "    validation:\n      status: confirmed\n"
                        "      findings: [RT-2026-09/F-3]\n",
                        "    validation: {status: untested}\n",
                    ),
                    _sub("{status: confirmed, findings: [RT-2026-09/F-3]}", "{status: untested}"),
                    _sub("{status: confirmed, findings: [RT-2026-09/F-4]}", "{status: untested}"),
                    _sub("{status: not_reproduced}", "{status: untested}", count=3),
                    _sub(
                        "[docs/controls/order-tool-scoping.md, evidence/red-team/RT-2026-09.md]",
                        "[docs/controls/order-tool-scoping.md]",
                    ),
                    _sub(
                        "    status: verified\n    owner: ai-platform-team\n"
                        "    evidence: [docs/controls/system-prompt-hygiene.md, "
                        "evidence/red-team/RT-2026-09.md]\n",
                        "    status: implemented\n    owner: ai-platform-team\n"
                        "    evidence: [docs/controls/system-prompt-hygiene.md]\n",
                    ),
                    _sub("  version: 1.5.0\n", "  version: 1.4.0\n"),
                ),
            ),
        ),
    ),
    _Commit(
        "2026-10-02T16:30:00",
        _DANA,
        "Support assistant: order tool can change the address; quarterly review and attestations",
        paths=(
            "evidence/reviews/2026-10-02-support-assistant.md",
            "evidence/monitoring/support-assistant-2026-q3.md",
            "docs/design/support-assistant-release-plan.md",
            "docs/controls/event-logging.md",
            "docs/governance/resources-support-assistant.md",
            "docs/governance/impact-assessment-support-assistant.md",
            "docs/governance/user-information-support-assistant.md",
            "docs/governance/privacy-assessment-support-assistant.md",
        ),
        edits=(
            (
                SUPPORT,
                _chain(
                    _sub(
                        "    actions: [read_order, cancel_order, change_address]\n",
                        "    actions: [read_order, cancel_order]\n",
                    ),
                    _sub(
                        "    human_approval: above 500 EUR and for any change of"
                        " delivery country\n",
                        "    human_approval: above 500 EUR\n",
                    ),
                    _sub("  last_reviewed: 2026-10-02\n", "  last_reviewed: 2026-07-01\n"),
                    _drop_lines(r"\{date: 2026-10-02, reason: change", 1),
                    _cut(
                        "  # Controls that only organisation",
                        "\n  waivers:\n",
                        "  attestations: []",
                    ),
                    _sub(
                        "      date: 2026-10-02\n      expires: 2027-01-31\n",
                        "      date: 2026-07-01\n      expires: 2026-09-30\n",
                    ),
                    _sub("  version: 1.6.0\n", "  version: 1.5.0\n"),
                ),
            ),
        ),
    ),
    _Commit(
        "2026-10-16T11:20:00",
        _DANA,
        "Attach the October evaluation report and the 2026 environmental impact estimate",
        paths=(
            "evidence/evaluations/support-assistant-2026-10.md",
            "docs/governance/environmental-impact-2026.md",
        ),
        edits=(
            (SUPPORT, _drop_lines(r"date: 2026-10-1[45]\}", 7)),
            (PARTNER, _drop_lines(r"date: 2026-10-15\}", 1)),
        ),
    ),
    _Commit(
        "2026-11-09T10:00:00",
        _PRIYA,
        "Describe the three systems and their known gaps in the README",
        paths=("README.md",),
    ),
    _Commit(
        "2026-11-18T14:50:00",
        _DANA,
        "Support assistant: clearer wording of the description and of T-007 (no change to "
        "the system)",
        edits=(
            (
                SUPPORT,
                _chain(
                    _sub(
                        "    title: False help-center entry ranks above the real refund policy\n",
                        "    title: Fake help-center article outranks the real refund policy\n",
                    ),
                    _sub(
                        "    knowledge base and the customer's own order history, and can act on "
                        "orders.\n",
                        "    knowledge base and the order history of the customer, and acts on "
                        "orders.\n",
                    ),
                ),
            ),
        ),
    ),
)

# --- the organisation register: the models lose their organisation attestations -------

_SUPPORT_BEFORE_REGISTER = (
    "  # Controls that only organisation documents can meet; re-confirmed at each qua"
    "rterly review.\n"
    "  attestations:\n"
    "    - {control: nist-ai-rmf/MAP 1.2, evidence: docs/governance/roles-and-respons"
    "ibilities.md, by: AI governance board, date: 2026-10-02}\n"
    "    - {control: nist-ai-rmf/MAP 1.3, evidence: docs/governance/ai-strategy.md, b"
    "y: AI governance board, date: 2026-10-02}\n"
    "    - {control: nist-ai-rmf/MAP 1.4, evidence: docs/design/support-assistant-bus"
    "iness-case.md, by: head of support, date: 2026-10-02}\n"
    "    - {control: nist-ai-rmf/MAP 1.6, evidence: docs/design/support-assistant-req"
    "uirements.md, by: ai-platform-team, date: 2026-10-02}\n"
    "    - {control: nist-ai-rmf/MAP 2.3, evidence: docs/governance/evaluation-method"
    "ology.md, by: security architecture, date: 2026-10-02}\n"
    "    - {control: nist-ai-rmf/MAP 3.1, evidence: docs/design/support-assistant-bus"
    "iness-case.md, by: head of support, date: 2026-10-02}\n"
    "    - {control: nist-ai-rmf/MAP 3.2, evidence: docs/design/support-assistant-bus"
    "iness-case.md, by: head of support, date: 2026-10-02}\n"
    "    - {control: nist-ai-rmf/MAP 3.4, evidence: docs/governance/resources-support"
    "-assistant.md, by: ai-platform-team, date: 2026-10-02}\n"
    "    - {control: nist-ai-rmf/MAP 5.2, evidence: docs/governance/raising-concerns."
    "md, by: AI governance board, date: 2026-10-02}\n"
    "    - {control: nist-ai-rmf/MEASURE 2.3, evidence: evidence/evaluations/support-"
    "assistant-2026-10.md, by: ai-platform-team, date: 2026-10-14}\n"
    "    - {control: nist-ai-rmf/MEASURE 2.5, evidence: evidence/evaluations/support-"
    "assistant-2026-10.md, by: ai-platform-team, date: 2026-10-14}\n"
    "    - {control: nist-ai-rmf/MEASURE 2.6, evidence: evidence/evaluations/support-"
    "assistant-2026-10.md, by: ai-platform-team, date: 2026-10-14}\n"
    "    - {control: nist-ai-rmf/MEASURE 2.8, evidence: docs/governance/user-informat"
    "ion-support-assistant.md, by: AI governance board, date: 2026-10-02}\n"
    "    - {control: nist-ai-rmf/MEASURE 2.9, evidence: evidence/evaluations/support-"
    "assistant-2026-10.md, by: ai-platform-team, date: 2026-10-14}\n"
    "    - {control: nist-ai-rmf/MEASURE 2.12, evidence: docs/governance/environmenta"
    "l-impact-2026.md, by: AI governance board, date: 2026-10-15}\n"
    "    - {control: nist-ai-rmf/MEASURE 2.13, evidence: docs/governance/evaluation-m"
    "ethodology.md, by: security architecture, date: 2026-10-02}\n"
    "    - {control: nist-ai-rmf/MEASURE 3.2, evidence: docs/governance/evaluation-me"
    "thodology.md, by: security architecture, date: 2026-10-02}\n"
    "    - {control: nist-ai-rmf/MEASURE 3.3, evidence: docs/governance/raising-conce"
    "rns.md, by: AI governance board, date: 2026-10-02}\n"
    "    - {control: nist-ai-rmf/MEASURE 4.1, evidence: evidence/evaluations/support-"
    "assistant-2026-10.md, by: ai-platform-team, date: 2026-10-14}\n"
    "    - {control: nist-ai-rmf/MEASURE 4.2, evidence: evidence/evaluations/support-"
    "assistant-2026-10.md, by: ai-platform-team, date: 2026-10-14}\n"
    "    - {control: nist-ai-rmf/MEASURE 4.3, evidence: evidence/monitoring/support-a"
    "ssistant-2026-q3.md, by: ai-platform-team, date: 2026-10-02}\n"
    "    - {control: iso42001/6.1.4, evidence: docs/governance/impact-assessment-proc"
    "ess.md, by: AI governance board, date: 2026-10-02}\n"
    "    - {control: iso42001/8.4, evidence: docs/governance/impact-assessment-suppor"
    "t-assistant.md, by: AI governance board, date: 2026-10-02}\n"
    "    - {control: iso42001/A.2.2, evidence: docs/governance/ai-policy.md, by: AI g"
    "overnance board, date: 2026-10-02}\n"
    "    - {control: iso42001/A.2.3, evidence: docs/governance/ai-policy.md, by: AI g"
    "overnance board, date: 2026-10-02}\n"
    "    - {control: iso42001/A.2.4, evidence: docs/governance/ai-policy.md, by: AI g"
    "overnance board, date: 2026-10-02}\n"
    "    - {control: iso42001/A.3.3, evidence: docs/governance/raising-concerns.md, b"
    "y: AI governance board, date: 2026-10-02}\n"
    "    - {control: iso42001/A.4.6, evidence: docs/governance/resources-support-assi"
    "stant.md, by: ai-platform-team, date: 2026-10-02}\n"
    "    - {control: iso42001/A.5.2, evidence: docs/governance/impact-assessment-proc"
    "ess.md, by: AI governance board, date: 2026-10-02}\n"
    "    - {control: iso42001/A.5.3, evidence: docs/governance/impact-assessment-supp"
    "ort-assistant.md, by: AI governance board, date: 2026-10-02}\n"
    "    - {control: iso42001/A.5.4, evidence: docs/governance/impact-assessment-supp"
    "ort-assistant.md, by: AI governance board, date: 2026-10-02}\n"
    "    - {control: iso42001/A.5.5, evidence: docs/governance/impact-assessment-supp"
    "ort-assistant.md, by: AI governance board, date: 2026-10-02}\n"
    "    - {control: iso42001/A.6.1.2, evidence: docs/governance/ai-strategy.md, by: "
    "AI governance board, date: 2026-10-02}\n"
    "    - {control: iso42001/A.6.1.3, evidence: docs/governance/responsible-developm"
    "ent.md, by: AI governance board, date: 2026-10-02}\n"
    "    - {control: iso42001/A.6.2.5, evidence: docs/design/support-assistant-releas"
    "e-plan.md, by: ai-platform-team, date: 2026-10-02}\n"
    "    - {control: iso42001/A.6.2.7, evidence: docs/design/support-assistant-requir"
    "ements.md, by: ai-platform-team, date: 2026-10-02}\n"
    "    - {control: iso42001/A.6.2.8, evidence: docs/controls/event-logging.md, by: "
    "platform-security, date: 2026-10-02}\n"
    "    - {control: iso42001/A.7.2, evidence: docs/controls/dataset-change-review.md"
    ", by: ml-engineering, date: 2026-10-02}\n"
    "    - {control: iso42001/A.7.4, evidence: docs/design/ft-data-preparation.md, by"
    ": ml-engineering, date: 2026-10-02}\n"
    "    - {control: iso42001/A.7.6, evidence: docs/design/ft-data-preparation.md, by"
    ": ml-engineering, date: 2026-10-02}\n"
    "    - {control: iso42001/A.8.2, evidence: docs/governance/user-information-suppo"
    "rt-assistant.md, by: AI governance board, date: 2026-10-02}\n"
    "    - {control: iso42001/A.8.3, evidence: docs/governance/incident-communication"
    ".md, by: AI governance board, date: 2026-10-02}\n"
    "    - {control: iso42001/A.8.4, evidence: docs/governance/incident-communication"
    ".md, by: AI governance board, date: 2026-10-02}\n"
    "    - {control: iso42001/A.8.5, evidence: docs/governance/customer-commitments.m"
    "d, by: legal and privacy, date: 2026-10-02}\n"
    "    - {control: iso42001/A.9.3, evidence: docs/governance/ai-strategy.md, by: AI"
    " governance board, date: 2026-10-02}\n"
    "    - {control: iso42001/A.10.4, evidence: docs/governance/customer-commitments."
    "md, by: legal and privacy, date: 2026-10-02}\n"
)
_SUPPORT_WITH_REGISTER = (
    "  # Evidence about this system only (each file names support-assistant); the org"
    "anisation's\n"
    "  # controls are decided once in governance/register.yaml. Re-confirmed at each "
    "review.\n"
    "  attestations:\n"
    "    - {control: nist-ai-rmf/MAP 1.4, evidence: docs/design/support-assistant-bus"
    "iness-case.md, by: head of support, date: 2026-10-02}\n"
    "    - {control: nist-ai-rmf/MAP 1.6, evidence: docs/design/support-assistant-req"
    "uirements.md, by: ai-platform-team, date: 2026-10-02}\n"
    "    - {control: nist-ai-rmf/MAP 3.1, evidence: docs/design/support-assistant-bus"
    "iness-case.md, by: head of support, date: 2026-10-02}\n"
    "    - {control: nist-ai-rmf/MAP 3.2, evidence: docs/design/support-assistant-bus"
    "iness-case.md, by: head of support, date: 2026-10-02}\n"
    "    - {control: nist-ai-rmf/MEASURE 2.3, evidence: evidence/evaluations/support-"
    "assistant-2026-10.md, by: ai-platform-team, date: 2026-10-14}\n"
    "    - {control: nist-ai-rmf/MEASURE 2.5, evidence: evidence/evaluations/support-"
    "assistant-2026-10.md, by: ai-platform-team, date: 2026-10-14}\n"
    "    - {control: nist-ai-rmf/MEASURE 2.6, evidence: evidence/evaluations/support-"
    "assistant-2026-10.md, by: ai-platform-team, date: 2026-10-14}\n"
    "    - {control: nist-ai-rmf/MEASURE 2.9, evidence: evidence/evaluations/support-"
    "assistant-2026-10.md, by: ai-platform-team, date: 2026-10-14}\n"
    "    - {control: nist-ai-rmf/MEASURE 2.10, evidence: docs/governance/privacy-asse"
    "ssment-support-assistant.md, by: legal and privacy, date: 2026-10-02}\n"
    "    - {control: nist-ai-rmf/MEASURE 4.3, evidence: evidence/monitoring/support-a"
    "ssistant-2026-q3.md, by: ai-platform-team, date: 2026-10-02}\n"
    "    - {control: iso42001/6.1.4, evidence: docs/governance/impact-assessment-supp"
    "ort-assistant.md, by: AI governance board, date: 2026-10-02}\n"
    "    - {control: iso42001/8.4, evidence: docs/governance/impact-assessment-suppor"
    "t-assistant.md, by: AI governance board, date: 2026-10-02}\n"
    "    - {control: iso42001/A.5.3, evidence: docs/governance/impact-assessment-supp"
    "ort-assistant.md, by: AI governance board, date: 2026-10-02}\n"
    "    - {control: iso42001/A.5.4, evidence: docs/governance/impact-assessment-supp"
    "ort-assistant.md, by: AI governance board, date: 2026-10-02}\n"
    "    - {control: iso42001/A.5.5, evidence: docs/governance/impact-assessment-supp"
    "ort-assistant.md, by: AI governance board, date: 2026-10-02}\n"
    "    - {control: iso42001/A.6.2.5, evidence: docs/design/support-assistant-releas"
    "e-plan.md, by: ai-platform-team, date: 2026-10-02}\n"
)

_CODING_BEFORE_REGISTER = (
    "  not_applicable:\n"
    "    - {control: iso42001/A.7.6, reason: The agent uses the open-weights model as"
    " released; no training data is prepared.}\n"
    "  # Confirmed at the June review; not re-confirmed since.\n"
    "  attestations:\n"
    "    - {control: nist-ai-rmf/MAP 1.2, evidence: docs/governance/roles-and-respons"
    "ibilities.md, by: AI governance board, date: 2026-06-10}\n"
    "    - {control: nist-ai-rmf/MEASURE 3.3, evidence: docs/governance/raising-conce"
    "rns.md, by: AI governance board, date: 2026-06-10}\n"
    "    - {control: iso42001/A.2.2, evidence: docs/governance/ai-policy.md, by: AI g"
    "overnance board, date: 2026-06-10}\n"
    "    - {control: iso42001/A.2.3, evidence: docs/governance/ai-policy.md, by: AI g"
    "overnance board, date: 2026-06-10}\n"
    "    - {control: iso42001/A.2.4, evidence: docs/governance/ai-policy.md, by: AI g"
    "overnance board, date: 2026-06-10}\n"
    "    - {control: iso42001/A.3.3, evidence: docs/governance/raising-concerns.md, b"
    "y: AI governance board, date: 2026-06-10}\n"
)
_CODING_WITH_REGISTER = (
    "  # No system evidence yet: no impact assessment, evaluation report or release p"
    "lan is\n"
    "  # cited. The organisation's controls are decided once in governance/register.y"
    "aml.\n"
    "  attestations: []\n"
)

_PARTNER_BEFORE_REGISTER = (
    "    - {control: nist-ai-rmf/MAP 1.2, evidence: docs/governance/roles-and-respons"
    "ibilities.md, by: AI governance board, date: 2026-08-20}\n"
    "    - {control: nist-ai-rmf/MEASURE 3.3, evidence: docs/governance/raising-conce"
    "rns.md, by: AI governance board, date: 2026-08-20}\n"
    "    - {control: iso42001/A.2.2, evidence: docs/governance/ai-policy.md, by: AI g"
    "overnance board, date: 2026-08-20}\n"
    "    - {control: iso42001/A.2.3, evidence: docs/governance/ai-policy.md, by: AI g"
    "overnance board, date: 2026-08-20}\n"
    "    - {control: iso42001/A.2.4, evidence: docs/governance/ai-policy.md, by: AI g"
    "overnance board, date: 2026-08-20}\n"
    "    - {control: iso42001/A.3.3, evidence: docs/governance/raising-concerns.md, b"
    "y: AI governance board, date: 2026-08-20}\n"
    "    - {control: nist-ai-rmf/MEASURE 2.12, evidence: docs/governance/environmenta"
    "l-impact-2026.md, by: AI governance board, date: 2026-10-15}\n"
    "    - {control: iso42001/A.5.4, evidence: docs/governance/partner-classifier-imp"
    "act-assessment.md, by: AI governance board, date: 2026-08-20}\n"
    "    - {control: iso42001/A.8.3, evidence: docs/governance/incident-communication"
    ".md, by: AI governance board, date: 2026-08-20}\n"
    "    - {control: iso42001/A.8.4, evidence: docs/governance/incident-communication"
    ".md, by: AI governance board, date: 2026-08-20}\n"
)
_PARTNER_WITH_REGISTER = (
    "    - {control: iso42001/A.5.4, evidence: docs/governance/partner-classifier-imp"
    "act-assessment.md, by: AI governance board, date: 2026-08-20}\n"
)

_HISTORY = (
    *_HISTORY,
    _Commit(
        "2026-11-20T09:30:00",
        _PRIYA,
        "Decide the organisation's controls once, in governance/register.yaml",
        paths=(
            "governance/register.yaml",
            "docs/governance/competences.md",
            "docs/governance/ai-risk-acceptance.md",
        ),
        edits=(
            (SUPPORT, _sub(_SUPPORT_WITH_REGISTER, _SUPPORT_BEFORE_REGISTER)),
            (CODING, _sub(_CODING_WITH_REGISTER, _CODING_BEFORE_REGISTER)),
            (PARTNER, _sub(_PARTNER_WITH_REGISTER, _PARTNER_BEFORE_REGISTER)),
        ),
    ),
)

_LAST = _Commit(
    "2026-11-24T16:05:00",
    _DANA,
    "Let the support assistant issue goodwill vouchers",
)


def _example_files(source: Path) -> list[str]:
    """Every file under `source`, as POSIX paths relative to it, sorted."""
    found: list[str] = []
    for root, dirs, files in os.walk(source):
        dirs[:] = sorted(d for d in dirs if d not in {"__pycache__", ".git"})
        found.extend((Path(root) / name).relative_to(source).as_posix() for name in files)
    return sorted(found)


def _versions(source: Path) -> list[dict[str, str]]:
    """For each commit of `_HISTORY`, the text of every file it adds or changes."""
    current = {rel: (source / rel).read_text(encoding="utf-8") for rel in _example_files(source)}
    assigned = {p for c in _HISTORY for p in c.paths}
    unassigned = sorted(set(current) - assigned)
    missing = sorted(assigned - set(current))
    if missing:
        raise HistoryError(f"files the history expects are missing from {source}: {missing}")
    # Files added to examples/ later than this script are committed with the README.
    readme = next(i for i, c in enumerate(_HISTORY) if "README.md" in c.paths)
    # Walk back from the newest commit: the state before commit k is the state after it with
    # commit k's edits reverted.
    states: list[dict[str, str]] = [{} for _ in _HISTORY]
    text = dict(current)
    for k in range(len(_HISTORY) - 1, -1, -1):
        commit = _HISTORY[k]
        paths = list(commit.paths) + (unassigned if k == readme else [])
        changed = {rel for rel, _ in commit.edits} | set(paths)
        states[k] = {rel: text[rel] for rel in sorted(changed)}
        for rel, edit in commit.edits:
            try:
                text[rel] = edit(text[rel])
            except HistoryError as exc:
                raise HistoryError(f"{rel}, reverting {commit.message!r}: {exc}") from None
    return states


def _write(dest: Path, files: dict[str, str]) -> None:
    for rel, content in files.items():
        path = dest / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")


def _commit(repo: git.Repo, commit: _Commit, files: Sequence[str]) -> None:
    repo.index.add(list(files))
    actor = git.Actor(commit.author.name, commit.author.email)
    stamp = datetime.fromisoformat(f"{commit.when}{commit.author.tz}")
    repo.index.commit(
        commit.message,
        author=actor,
        committer=actor,
        author_date=stamp,
        commit_date=stamp,
    )


def build_history(dest: Path, source: Path = EXAMPLES) -> None:
    """Create a git repository at `dest` with the example history built from `source`.

    `dest` must not exist or be an empty folder. Same `source`, same commit ids.
    Raises `HistoryError` when `source` does not match the expected history or `dest`
    is not empty.
    """
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise HistoryError(f"{dest} exists and is not an empty folder")
    states = _versions(source)
    dest.mkdir(parents=True, exist_ok=True)
    repo = git.Repo.init(dest, initial_branch="main")
    with repo.config_writer() as cfg:
        cfg.set_value("core", "autocrlf", "false")
    for commit, files in zip(_HISTORY, states, strict=True):
        _write(dest, files)
        _commit(repo, commit, sorted(files))
    support = (dest / SUPPORT).read_text(encoding="utf-8")
    _write(dest, {SUPPORT: _add_voucher_tool(support)})
    _commit(repo, _LAST, [SUPPORT])
    repo.close()


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: `make_example_history.py DEST`; 0 on success, 2 on a usage error."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1 or args[0].startswith("-"):
        sys.stderr.write("usage: make_example_history.py DEST\n")
        return 2
    dest = Path(args[0])
    try:
        build_history(dest)
    except HistoryError as exc:
        sys.stderr.write(f"make_example_history: error: {exc}\n")
        return 2
    sys.stderr.write(
        f"{dest}: {len(_HISTORY) + 1} commits; HEAD adds agent tool voucher-tool to "
        "support-assistant without a new review.last_reviewed\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
