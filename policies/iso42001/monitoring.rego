package iso42001.monitoring

import data.lib.model
import data.lib.result

# METADATA
# title: Red-team findings are tracked to remediation
# description: >-
#   Evaluation results are analysed and acted upon when every red-team finding records the
#   state of its remediation and the ticket that tracks it (remediation.status and
#   remediation.ticket), a remediation still open or in progress has a due date, and no
#   remediation is past its due date without being resolved, accepted or declined
#   (facts.red_team[ID].overdue). A confirmed exploit passes only while it is being fixed
#   on time; TM-REDTEAM-005 and TM-REDTEAM-006 keep its threat scored and untreated until then.
# custom:
#   id: TM-ISO-050
#   severity: medium
#   judges: ["red_team.findings"]
#   absent: no red-team finding in this model
#   controls: {iso42001: ["9.1"]}
#   message:
#     unrecorded: "red-team finding {exercise}/{finding} does not record its remediation {field}"
#     overdue: "red-team finding {exercise}/{finding} was due for remediation on {due} and is still {status}"
#   rationale: >-
#     A red-team finding nobody tracks is found again at the next exercise.
#   hint: >-
#     Record remediation.status, remediation.ticket and, until it is resolved,
#     remediation.due on each red-team finding; fix an overdue one, or record a new due
#     date with the reason in the ticket.
#   rule_out: >-
#     Waive the control in compliance.waivers (control, reason, approved_by, expires) while
#     the fix is scheduled, or list the control in compliance.not_applicable with a reason
#     when it cannot apply to this system.
deny contains result.each("TM-ISO-050", found) if {
	# One batch (lib.result says why); "some i; x := xs[i]": regopy does not compile
	# "some i, x in" inside a comprehension.
	found := [result.item(["red_team", i, "findings", j, "remediation", field], params) |
		some i
		exercise := input.model.red_team[i]
		some j
		rt_finding := exercise.findings[j]
		remediation := object.get(rt_finding, "remediation", {})
		some field in ["status", "ticket", "due"]
		not model.stated(remediation, field)
		_recorded_by_now(field, remediation)
		params := {"message": "unrecorded", "exercise": ["red_team", i, "id"], "finding": ["red_team", i, "findings", j, "id"], "field": field}
	]
	count(found) > 0
}

deny contains result.each("TM-ISO-050", found) if {
	found := [result.item(["red_team", i, "findings", j, "remediation", "due"], params) |
		some i
		exercise := input.model.red_team[i]
		some j in object.get(input.facts.red_team, [exercise.id, "overdue"], [])
		at := ["red_team", i, "findings", j]
		params := {
			"message": "overdue", "exercise": ["red_team", i, "id"], "finding": array.concat(at, ["id"]),
			"due": array.concat(at, ["remediation", "due"]), "status": array.concat(at, ["remediation", "status"]),
		}
	]
	count(found) > 0
}

# Status and ticket always; a due date while the remediation is still to be done.
_recorded_by_now(field, _) if field != "due"

_recorded_by_now("due", remediation) if remediation.status in {"open", "in_progress"}

not_applicable contains "TM-ISO-050" if {
	not _has_findings
}

_has_findings if {
	some exercise in input.model.red_team
	count(object.get(exercise, "findings", [])) > 0
}
