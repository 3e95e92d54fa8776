package nist_ai_rmf.measure3_review

# MEASURE 3.1 and ISO 8.2: risks are re-assessed on schedule and after significant change.

import data.lib.result

# METADATA
# description: The review checks apply to every model.
not_applicable := set()

# METADATA
# title: The threat model review is current
# description: The review verdict (calendar, change, ATLAS and red-team rules) is current or due soon.
# custom:
#   id: TM-REVIEW-001
#   severity: high
#   judges: ["review"]
#   message:
#     overdue: "the threat model review is overdue"
#     review_required: "the threat model needs a review: the system, ATLAS or a red team changed since the last one"
#     never_reviewed: "the threat model has never been reviewed"
#     unknown: "the threat model review status is unknown: the git history could not be read (fetch it whole: actions/checkout fetch-depth: 0)"
#     other: "the threat model review status is {status}"
#   controls: {nist-ai-rmf: ["MEASURE 3.1"], iso42001: ["8.2"]}
#   rationale: >-
#     A threat model is only worth its last review: the calendar, changes to the system, new
#     ATLAS techniques and red-team findings all call for one.
#   hint: >-
#     Review the threat model (see the review verdict's reasons) and set
#     review.last_reviewed to the review's date; for an unknown verdict, run with the full
#     git history.
#   rule_out: >-
#     Not by a waiver of its own: a review is the fix. A shallow clone can pass
#     --allow-unknown-history on the command line, never in the config.
deny contains finding if {
	not _status in {"current", "due_soon"}
	finding := result.finding("TM-REVIEW-001", ["review"], {"message": _message(_status), "status": _status})
}

# Read by reference: object.get(input.facts, ...) would copy the facts on regopy.
default _status := "never_reviewed"

_status := input.facts.review.status

# The message of each status; any other status (a newer one) is named in a sentence of its own.
_message(status) := status if status in {"overdue", "review_required", "never_reviewed", "unknown"}

default _message(_) := "other"

# METADATA
# title: The review cadence is no longer than the organisation's ceiling
# description: >-
#   The method asks for a review at least quarterly; the organisation sets the longest
#   cadence (review.max_cadence in .policyengine.yaml). A longer review.cadence falls due
#   at the ceiling instead, and is a finding.
# custom:
#   id: TM-REVIEW-002
#   severity: medium
#   judges: ["review"]
#   message: "review.cadence is {cadence}, longer than the ceiling of {max}: the review falls due at the ceiling"
#   controls: {nist-ai-rmf: ["MEASURE 3.1"], iso42001: ["8.2"]}
#   rationale: >-
#     The organisation sets the longest time a threat model may go unreviewed.
#   hint: >-
#     Shorten review.cadence to the ceiling (review.max_cadence in .policyengine.yaml) or
#     less.
#   rule_out: >-
#     Waive the control in compliance.waivers (control, reason, approved_by, expires) while
#     the fix is scheduled, or list the control in compliance.not_applicable with a reason
#     when it cannot apply to this system.
deny contains finding if {
	input.facts.review.cadence_exceeds == true
	params := {"cadence": input.facts.review.cadence, "max": input.facts.review.max_cadence}
	finding := result.finding("TM-REVIEW-002", ["review", "cadence"], params)
}
