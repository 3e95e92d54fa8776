package compliance.evidence

# Evidence files the model cites beyond those other checks judge: the evidence of controls
# that are not (yet) verified (TM-EVID-001), and red-team reports, which every exercise
# cites (TM-EVID-002). Verified
# controls (TM-ISO-061), SBOMs (TM-ISO-031) and attestations (TM-ATTEST-*) are judged by
# their own checks.
# input.facts.evidence says, for each path, whether it is a file inside the repository that
# is filed: not empty and not placeholder text (policyengine.pipeline.evidence_filed,
# policyengine.substance.placeholder_document); a path that leaves the repository is a
# validation error before any policy runs.

import data.lib.result

# METADATA
# title: Cited control evidence exists and is not empty or a placeholder
# description: >-
#   Evidence that does not exist, a file with next to nothing in it, or placeholder text
#   (TODO, TBD, lorem ipsum) shows nothing: each evidence path of a control is a file in the
#   repository with content.
# custom:
#   id: TM-EVID-001
#   severity: medium
#   judges: ["controls.evidence"]
#   absent: no control evidence is cited in this model
#   controls: {iso42001: ["8.3"]}
#   message:
#     control: "evidence {evidence} of control {owner} does not exist, is empty or is placeholder text"
#   rationale: >-
#     Evidence that is missing, empty or a placeholder shows nothing, however many controls
#     cite it.
#   hint: >-
#     Commit the cited file with its content at that path, or correct the path in the
#     control.
#   rule_out: >-
#     Waive the control in compliance.waivers (control, reason, approved_by, expires) while
#     the fix is scheduled, or list the control in compliance.not_applicable with a reason
#     when it cannot apply to this system.
deny contains result.each("TM-EVID-001", found) if {
	found := [result.item(path, {"message": "control", "evidence": path, "owner": ["controls", i, "id"]}) |
		some i
		control := input.model.controls[i]
		object.get(control, "status", "") != "verified"
		some j
		file := control.evidence[j]
		not _filed(file)
		path := ["controls", i, "evidence", j]
	]
	count(found) > 0
}

not_applicable contains "TM-EVID-001" if {
	count([1 | some c in object.get(input.model, "controls", []); some _ in object.get(c, "evidence", [])]) == 0
}

# METADATA
# title: Every red-team exercise has a filed report
# description: >-
#   A red-team exercise is shown by its report: each exercise cites one, and it is a file in
#   the repository with content, not placeholder text (TODO, TBD, lorem ipsum). An exercise
#   with no report, or whose report is missing or a placeholder, shows neither that it took
#   place nor what it found.
# custom:
#   id: TM-EVID-002
#   severity: medium
#   judges: ["red_team"]
#   absent: no red-team exercise in this model
#   controls: {iso42001: ["9.1"], nist-ai-rmf: ["MEASURE 1.3", "MEASURE 2.7"]}
#   message:
#     report: "report {evidence} of red-team exercise {owner} does not exist, is empty or is placeholder text"
#     unreported: "red-team exercise {owner} cites no report"
#   rationale: >-
#     An exercise with no report cannot be audited: its scope, method and results are
#     unknown, so it is no evidence of independent testing or of a recent exercise.
#   hint: >-
#     Commit the exercise's report and cite its path as the exercise's report, or correct
#     the path in the red-team exercise.
#   rule_out: >-
#     Waive the control in compliance.waivers (control, reason, approved_by, expires) while
#     the report is written.
deny contains result.each("TM-EVID-002", found) if {
	found := [result.item(path, {"message": "report", "evidence": path, "owner": ["red_team", i, "id"]}) |
		some i
		exercise := input.model.red_team[i]
		file := exercise.report
		not _filed(file)
		path := ["red_team", i, "report"]
	]
	count(found) > 0
}

# An exercise that cites no report at all: no evidence it took place.
deny contains result.each("TM-EVID-002", found) if {
	found := [result.item(["red_team", i], {"message": "unreported", "owner": ["red_team", i, "id"]}) |
		some i
		exercise := input.model.red_team[i]
		not _cites_report(exercise)
	]
	count(found) > 0
}

_cites_report(exercise) if exercise.report

not_applicable contains "TM-EVID-002" if count(object.get(input.model, "red_team", [])) == 0

_filed(file) if input.facts.evidence[file] == true
