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
#   judges: ["controls[status=planned]"]
#   absent: no planned control in this model
#   controls: {iso42001: ["8.3"]}
#   message: "planned control {control} has no due date"
#   rationale: >-
#     A planned control without a date is a plan that is not being implemented.
#   hint: >-
#     Give the planned control a due date.
#   rule_out: >-
#     Waive the control in compliance.waivers (control, reason, approved_by, expires) while
#     the fix is scheduled, or list the control in compliance.not_applicable with a reason
#     when it cannot apply to this system.
deny contains result.each("TM-ISO-060", found) if {
	found := [result.item(["controls", i, "due"], {"control": ["controls", i, "id"]}) |
		some i in _planned
		control := input.model.controls[i]
		not model.stated(control, "due")
	]
	count(found) > 0
}

# METADATA
# title: Verified controls carry evidence that exists
# description: >-
#   A control marked verified claims a verification result; that result is evidence in the
#   repository. Every verified control names at least one evidence file, and each exists.
# custom:
#   id: TM-ISO-061
#   severity: high
#   judges: ["controls[status=verified]"]
#   absent: no verified control in this model
#   controls: {iso42001: ["8.3", "A.6.2.4"]}
#   message:
#     no_evidence: "verified control {control} names no evidence"
#     missing: "evidence {evidence} of verified control {control} does not exist, is empty or is placeholder text"
#   rationale: >-
#     A control marked verified claims a result; the result is evidence someone can read.
#   hint: >-
#     Name the verification evidence on the control and commit the file at that path, or set
#     the control back to implemented.
#   rule_out: >-
#     Waive the control in compliance.waivers (control, reason, approved_by, expires) while
#     the fix is scheduled, or list the control in compliance.not_applicable with a reason
#     when it cannot apply to this system.
deny contains result.each("TM-ISO-061", found) if {
	no_evidence := [result.item(["controls", i, "evidence"], {"message": "no_evidence", "control": ["controls", i, "id"]}) |
		some i in _verified
		control := input.model.controls[i]
		count(object.get(control, "evidence", [])) == 0
	]
	missing := [result.item(path, {"message": "missing", "evidence": path, "control": ["controls", i, "id"]}) |
		some i in _verified
		control := input.model.controls[i]
		some j
		file := control.evidence[j]
		not input.facts.evidence[file] == true
		path := ["controls", i, "evidence", j]
	]
	found := array.concat(no_evidence, missing)
	count(found) > 0
}

# METADATA
# title: The system and each control have an accountable owner
# description: >-
#   Roles and responsibilities for the AI system are assigned when the threat model names
#   the accountable team (metadata.owner) and every control names its owner.
# custom:
#   id: TM-ISO-062
#   severity: medium
#   judges: ["metadata", "controls"]
#   controls: {iso42001: ["A.3.2", "8.3"]}
#   guard: {iso42001: ["8.3"]}
#   message:
#     system: "metadata.owner names no accountable owner"
#     control: "control {control} has no owner"
#   rationale: >-
#     A risk nobody owns is a risk nobody treats.
#   hint: >-
#     Name the accountable team in metadata.owner and an owner on every control.
#   rule_out: >-
#     Waive the control in compliance.waivers (control, reason, approved_by, expires) while
#     the fix is scheduled, or list the control in compliance.not_applicable with a reason
#     when it cannot apply to this system.
deny contains finding if {
	not model.stated(input.model, ["metadata", "owner"])
	finding := result.finding("TM-ISO-062", ["metadata", "owner"], {"message": "system"})
}

deny contains result.each("TM-ISO-062", found) if {
	found := [result.item(["controls", i, "owner"], {"message": "control", "control": ["controls", i, "id"]}) |
		some i
		control := input.model.controls[i]
		not model.stated(control, "owner")
	]
	count(found) > 0
}

not_applicable contains "TM-ISO-060" if {
	count(_planned) == 0
}

not_applicable contains "TM-ISO-061" if {
	count(_verified) == 0
}

# The indices of the planned and of the verified controls, each found once for its check
# and its applicability. Findings come in lib.result.each batches (lib.result says why).
_planned := [i |
	some i
	control := input.model.controls[i]
	object.get(control, "status", "planned") == "planned"
]

_verified := [i | some i; control := input.model.controls[i]; control.status == "verified"]
