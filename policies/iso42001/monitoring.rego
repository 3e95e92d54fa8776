package iso42001.monitoring

import data.lib.model
import data.lib.result

# METADATA
# title: Red-team findings are tracked to remediation
# description: >-
#   Evaluation results are analysed and acted upon when every red-team finding records the
#   state of its remediation and the ticket that tracks it (remediation.status and
#   remediation.ticket).
# custom:
#   id: TM-ISO-050
#   severity: medium
#   judges: ["red_team.findings"]
#   absent: no red-team finding in this model
#   controls: {iso42001: ["9.1"]}
#   message: "red-team finding {exercise}/{finding} does not record its remediation {field}"
#   rationale: >-
#     A red-team finding nobody tracks is found again at the next exercise.
#   hint: >-
#     Record remediation.status and remediation.ticket on each red-team finding.
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
		some field in ["status", "ticket"]
		not model.stated(object.get(rt_finding, "remediation", {}), field)
		params := {"exercise": ["red_team", i, "id"], "finding": ["red_team", i, "findings", j, "id"], "field": field}
	]
	count(found) > 0
}

not_applicable contains "TM-ISO-050" if {
	not _has_findings
}

_has_findings if {
	some exercise in input.model.red_team
	count(object.get(exercise, "findings", [])) > 0
}
