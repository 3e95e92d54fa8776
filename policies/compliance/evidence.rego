package compliance.evidence

# Evidence files the model cites beyond those other checks judge: the evidence of controls
# that are not (yet) verified, and red-team reports. Verified controls (TM-ISO-061), SBOMs
# (TM-ISO-031) and attestations (TM-ATTEST-*) are judged by their own checks.
# input.facts.evidence says, for each path, whether it is a file inside the repository that
# is not empty (policyengine.pipeline.evidence_filed); a path that leaves the repository is
# a validation error before any policy runs.

import data.lib.result

# METADATA
# title: Cited evidence files exist and are not empty
# description: >-
#   Evidence that does not exist, or a file with next to nothing in it, shows nothing: each
#   evidence path of a control and each red-team report is a file in the repository with
#   content.
# custom:
#   id: TM-EVID-001
#   severity: medium
#   judges: ["controls.evidence", "red_team.report"]
#   absent: no control evidence or red-team report is cited in this model
#   controls: {iso42001: ["8.3", "9.1"]}
#   message:
#     control: "evidence {evidence} of control {owner} does not exist or is empty"
#     report: "report {evidence} of red-team exercise {owner} does not exist or is empty"
#   rationale: >-
#     Evidence that is missing or empty shows nothing, however many controls cite it.
#   hint: >-
#     Commit the cited file with its content at that path, or correct the path in the
#     control or red-team exercise.
#   rule_out: >-
#     Waive the control in compliance.waivers (control, reason, approved_by, expires) while
#     the fix is scheduled, or list the control in compliance.not_applicable with a reason
#     when it cannot apply to this system.
deny contains result.each("TM-EVID-001", found) if {
	controls := [result.item_control(path, {"message": "control", "evidence": path, "owner": ["controls", i, "id"]}, "iso42001/8.3") |
		some i
		control := input.model.controls[i]
		object.get(control, "status", "") != "verified"
		some j
		file := control.evidence[j]
		not _filed(file)
		path := ["controls", i, "evidence", j]
	]
	reports := [result.item_control(path, {"message": "report", "evidence": path, "owner": ["red_team", i, "id"]}, "iso42001/9.1") |
		some i
		exercise := input.model.red_team[i]
		file := exercise.report
		not _filed(file)
		path := ["red_team", i, "report"]
	]
	found := array.concat(controls, reports)
	count(found) > 0
}

not_applicable contains "TM-EVID-001" if {
	count([1 | some c in object.get(input.model, "controls", []); some _ in object.get(c, "evidence", [])]) == 0
	count([1 | some e in object.get(input.model, "red_team", []); e.report]) == 0
}

_filed(file) if input.facts.evidence[file] == true
