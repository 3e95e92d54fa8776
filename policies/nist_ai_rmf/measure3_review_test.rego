package nist_ai_rmf.measure3_review_test

import data.lib.testdata
import data.nist_ai_rmf.measure3_review

# regopy 1.5.2 garbles a function whose body uses "with": each test binds facts itself.

test_overdue_review_denied if {
	f := testdata.patched(testdata.facts, ["review", "status"], "overdue")
	measure3_review.deny == {{"rule_id": "TM-REVIEW-001", "path": ["review"], "params": {"message": "overdue", "status": "overdue"}}} with input.facts as f
}

test_review_required_denied if {
	f := testdata.patched(testdata.facts, ["review", "status"], "review_required")
	measure3_review.deny == {{"rule_id": "TM-REVIEW-001", "path": ["review"], "params": {"message": "review_required", "status": "review_required"}}} with input.facts as f
}

test_never_reviewed_denied if {
	f := testdata.patched(testdata.facts, ["review", "status"], "never_reviewed")
	measure3_review.deny == {{"rule_id": "TM-REVIEW-001", "path": ["review"], "params": {"message": "never_reviewed", "status": "never_reviewed"}}} with input.facts as f
}

test_unknown_review_denied if {
	f := testdata.patched(testdata.facts, ["review", "status"], "unknown")
	measure3_review.deny == {{"rule_id": "TM-REVIEW-001", "path": ["review"], "params": {"message": "unknown", "status": "unknown"}}} with input.facts as f
}

test_current_review_passes if {
	f := testdata.facts
	count(measure3_review.deny) == 0 with input.facts as f
}

test_due_soon_review_passes if {
	f := testdata.patched(testdata.facts, ["review", "status"], "due_soon")
	count(measure3_review.deny) == 0 with input.facts as f
}

test_review_check_always_applies if {
	f := testdata.facts
	not "TM-REVIEW-001" in measure3_review.not_applicable with input.facts as f
}

test_cadence_over_the_ceiling_denied if {
	f := testdata.patched(testdata.facts, ["review"], {"status": "current", "cadence_days": 92, "cadence_exceeds": true, "cadence": "annual", "max_cadence": "quarterly"})
	measure3_review.deny == {{"rule_id": "TM-REVIEW-002", "path": ["review", "cadence"], "params": {"cadence": "annual", "max": "quarterly"}}} with input.facts as f
}

test_cadence_within_the_ceiling_passes if {
	f := testdata.facts
	count({x | some x in measure3_review.deny; x.rule_id == "TM-REVIEW-002"}) == 0 with input.facts as f
}

test_cadence_check_always_applies if {
	m := testdata.model
	not "TM-REVIEW-002" in measure3_review.not_applicable with input.model as m
}
