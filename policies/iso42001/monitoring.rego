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
#   controls: {iso42001: ["9.1"]}
deny contains finding if {
	some i, exercise in input.model.red_team
	some j, rt_finding in exercise.findings
	some field in ["status", "ticket"]
	not model.stated(object.get(rt_finding, "remediation", {}), field)
	msg := sprintf("red-team finding %s/%s does not record its remediation %s", [exercise.id, rt_finding.id, field])
	finding := result.deny("TM-ISO-050", msg, ["red_team", i, "findings", j, "remediation", field])
}

not_applicable contains "TM-ISO-050" if {
	not _has_findings
}

_has_findings if {
	some exercise in input.model.red_team
	count(object.get(exercise, "findings", [])) > 0
}
