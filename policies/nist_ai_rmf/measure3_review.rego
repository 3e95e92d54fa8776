package nist_ai_rmf.measure3_review

# MEASURE 3.1 and ISO 8.2: risks are re-assessed on schedule and after significant change.

import data.lib.result

# METADATA
# description: The review check applies to every model.
not_applicable := set()

# METADATA
# title: The threat model review is current
# description: The review verdict (calendar, change, ATLAS and red-team rules) is current or due soon.
# custom:
#   id: TM-REVIEW-001
#   severity: high
#   controls: {nist-ai-rmf: ["MEASURE 3.1"], iso42001: ["8.2"]}
deny contains finding if {
	not _status in {"current", "due_soon"}
	finding := result.deny("TM-REVIEW-001", _sentence(_status), ["review"])
}

# Read by reference: object.get(input.facts, ...) would copy the facts on regopy.
default _status := "never_reviewed"

_status := input.facts.review.status

# Whole sentences: regopy 1.5.2 quotes a looked-up string inside sprintf().
_sentence(status) := object.get(
	{
		"overdue": "the threat model review is overdue",
		"review_required": "the threat model needs a review: the system, ATLAS or a red team changed since the last one",
		"never_reviewed": "the threat model has never been reviewed",
		"unknown": "the threat model review status is unknown: the git history could not be read (fetch it whole: actions/checkout fetch-depth: 0)",
	},
	status, sprintf("the threat model review status is %s", [status]),
)
