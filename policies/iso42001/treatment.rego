package iso42001.treatment

import data.lib.model
import data.lib.result

# METADATA
# title: Planned controls have a due date
# description: >-
#   A risk treatment plan is being implemented when a control not yet in place has a date
#   by which it will be.
# custom:
#   id: TM-ISO-060
#   severity: medium
#   controls: {iso42001: ["8.3"]}
deny contains finding if {
	some i, control in input.model.controls
	object.get(control, "status", "planned") == "planned"
	not model.stated(control, "due")
	msg := sprintf("planned control %s has no due date", [control.id])
	finding := result.deny("TM-ISO-060", msg, ["controls", i, "due"])
}

# METADATA
# title: Verified controls carry evidence that exists
# description: >-
#   A control marked verified claims a verification result; that result is evidence in the
#   repository. Every verified control names at least one evidence file, and each exists.
# custom:
#   id: TM-ISO-061
#   severity: high
#   controls: {iso42001: ["8.3", "A.6.2.4"]}
deny contains finding if {
	some i, control in input.model.controls
	control.status == "verified"
	count(object.get(control, "evidence", [])) == 0
	msg := sprintf("verified control %s names no evidence", [control.id])
	finding := result.deny("TM-ISO-061", msg, ["controls", i, "evidence"])
}

deny contains finding if {
	some i, control in input.model.controls
	control.status == "verified"
	some j, path in control.evidence
	not input.facts.evidence[path] == true
	msg := sprintf("evidence %s of verified control %s does not exist", [path, control.id])
	finding := result.deny("TM-ISO-061", msg, ["controls", i, "evidence", j])
}

# METADATA
# title: The system and each control have an accountable owner
# description: >-
#   Roles and responsibilities for the AI system are assigned when the threat model names
#   the accountable team (metadata.owner) and every control names its owner.
# custom:
#   id: TM-ISO-062
#   severity: medium
#   controls: {iso42001: ["A.3.2", "8.3"]}
deny contains finding if {
	not model.stated(input.model, ["metadata", "owner"])
	finding := result.deny("TM-ISO-062", "metadata.owner names no accountable owner", ["metadata", "owner"])
}

deny contains finding if {
	some i, control in input.model.controls
	not model.stated(control, "owner")
	msg := sprintf("control %s has no owner", [control.id])
	finding := result.deny("TM-ISO-062", msg, ["controls", i, "owner"])
}

not_applicable contains "TM-ISO-060" if {
	not _has_planned_control
}

_has_planned_control if {
	some control in input.model.controls
	object.get(control, "status", "planned") == "planned"
}

not_applicable contains "TM-ISO-061" if {
	not _has_verified_control
}

_has_verified_control if {
	some control in input.model.controls
	control.status == "verified"
}
