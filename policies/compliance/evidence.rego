package compliance.evidence

# Evidence files the model cites beyond those other checks judge: the evidence of controls
# that are not (yet) verified (TM-EVID-001), and red-team reports, which every exercise
# cites (TM-EVID-002), and what a filed SBOM says (TM-EVID-003); and an implemented control
# that cites none (TM-EVID-004). Verified controls' evidence (TM-ISO-061), whether an
# asset's SBOM is filed (TM-ISO-031) and attestations (TM-ATTEST-*) are judged by their
# own checks.
# input.facts.evidence says, for each path, whether it is a file inside the repository that
# is filed: not empty and not placeholder text (policyengine.pipeline.evidence_filed,
# policyengine.substance.placeholder_document); a path that leaves the repository is a
# validation error before any policy runs.

import data.lib.model
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

# METADATA
# title: A cited SBOM is CycloneDX or SPDX JSON that lists its components
# description: >-
#   An SBOM documents what a system runs only when it can be read and lists it: each filed
#   SBOM the model cites (an asset's sbom, or a control's evidence that is an SBOM) is
#   CycloneDX JSON (bomFormat CycloneDX, a components list) or SPDX JSON (spdxVersion, a
#   packages list), lists at least one component, and lists every component its asset
#   declares, by name and, when both give one, by version.
# custom:
#   id: TM-EVID-003
#   severity: medium
#   judges: ["assets.sbom"]
#   absent: no SBOM is cited in this model
#   controls: {iso42001: ["A.4.4", "8.3"]}
#   guard: {iso42001: ["8.3"]}
#   message:
#     unreadable: "SBOM {evidence} of {what} {owner} is not CycloneDX or SPDX JSON: {why}"
#     empty: "SBOM {evidence} of {what} {owner} lists no components"
#     missing: "SBOM {evidence} of asset {owner} does not list {component} {version}"
#     missing_name: "SBOM {evidence} of asset {owner} does not list {component}"
#   rationale: >-
#     A file that is not an SBOM, or one that lists nothing or not the components the model
#     declares, documents no library, however many assets and controls cite it.
#   hint: >-
#     Commit the SBOM your build generates (CycloneDX or SPDX JSON) at the cited path, with
#     every component the asset declares, or correct the components to what the system runs.
#   rule_out: >-
#     Waive the control in compliance.waivers (control, reason, approved_by, expires) while
#     the fix is scheduled, or list the control in compliance.not_applicable with a reason
#     when it cannot apply to this system.
deny contains result.each("TM-EVID-003", found) if {
	unreadable := [_sbom_item(cite, "unreadable", {"why": sbom.why}) |
		some cite in _sbom_cites
		sbom := input.facts.sbom[cite.file]
		sbom.format == ""
	]
	empty := [_sbom_item(cite, "empty", {}) |
		some cite in _sbom_cites
		sbom := input.facts.sbom[cite.file]
		sbom.format != ""
		count(sbom.components) == 0
	]
	found := array.concat(array.concat(unreadable, empty), _unlisted)
	count(found) > 0
}

not_applicable contains "TM-EVID-003" if count(_sbom_cites) == 0

# Each filed SBOM the model cites, with where it is cited and the control a problem with it
# counts against: an asset's SBOM documents its resources (ISO A.4.4, as TM-ISO-031), a
# control's evidence shows the control implemented (8.3, as TM-EVID-001). facts.sbom holds
# what each says (policyengine.evaluate.sbom_facts); one that is not filed is TM-ISO-031's,
# TM-EVID-001's or TM-ISO-061's finding, not this check's.
_sbom_cites := array.concat(
	[{"file": file, "path": ["assets", i, "sbom"], "what": "asset", "owner": ["assets", i, "id"], "control": "iso42001/A.4.4"} |
		some i
		file := input.model.assets[i].sbom
		_judged_sbom(file)
	],
	[{"file": file, "path": ["controls", i, "evidence", j], "what": "control", "owner": ["controls", i, "id"], "control": "iso42001/8.3"} |
		some i, j
		file := input.model.controls[i].evidence[j]
		_judged_sbom(file)
	],
)

_judged_sbom(file) if {
	input.facts.evidence[file] == true
	input.facts.sbom[file]
}

_sbom_item(cite, message, extra) := result.item_control(
	cite.path,
	object.union({"message": message, "evidence": cite.path, "what": cite.what, "owner": cite.owner}, extra),
	cite.control,
)

# The components an asset declares that its readable, non-empty SBOM does not list.
_unlisted := [result.item_control(["assets", i, "components", k], _unlisted_params(i, k, c), "iso42001/A.4.4") |
	some cite in _sbom_cites
	cite.what == "asset"
	sbom := input.facts.sbom[cite.file]
	sbom.format != ""
	count(sbom.components) > 0
	i := cite.path[1]
	some k
	c := input.model.assets[i].components[k]
	not _lists(sbom.components, c)
]

_unlisted_params(i, k, c) := {
	"message": "missing", "evidence": ["assets", i, "sbom"], "owner": ["assets", i, "id"],
	"component": ["assets", i, "components", k, "name"], "version": ["assets", i, "components", k, "version"],
} if model.stated(c, "version")

_unlisted_params(i, k, c) := {
	"message": "missing_name", "evidence": ["assets", i, "sbom"], "owner": ["assets", i, "id"],
	"component": ["assets", i, "components", k, "name"],
} if not model.stated(c, "version")

# The SBOM lists the component: by name (facts.sbom lists each declared spelling of a name
# it holds), and by version when the component states one and the SBOM gives any.
_lists(components, c) if {
	components[c.name]
	not model.stated(c, "version")
}

_lists(components, c) if {
	versions := components[c.name]
	count(versions) == 0
}

_lists(components, c) if {
	versions := components[c.name]
	trim_space(c.version) in versions
}

# METADATA
# title: Implemented controls cite evidence
# description: >-
#   A control marked implemented claims it is in place, and treats the threats that name it
#   (TM-TREAT-001); the claim is shown by evidence in the repository: a runbook, its
#   configuration, a test. Every implemented control cites at least one evidence file
#   (whether each is filed is TM-EVID-001's; a verified control is TM-ISO-061's).
# custom:
#   id: TM-EVID-004
#   severity: medium
#   guard: true
#   judges: ["controls[status=implemented]"]
#   absent: no implemented control in this model
#   controls: {iso42001: ["8.3"]}
#   message: "implemented control {control} cites no evidence"
#   rationale: >-
#     A control in place treats the threats that name it; with nothing cited, that
#     treatment rests on the model's word alone, and moving a planned control to
#     implemented would clear a treatment finding with one line.
#   hint: >-
#     Cite the evidence that the control runs (a runbook, its configuration, a test result)
#     in the control's evidence and commit it, or set the control back to planned with a
#     due date.
#   rule_out: >-
#     Waive the control in compliance.waivers (control, reason, approved_by, expires) while
#     the evidence is written, or list the control in compliance.not_applicable with a
#     reason when it cannot apply to this system.
deny contains result.each("TM-EVID-004", found) if {
	found := [result.item(["controls", i, "evidence"], {"control": ["controls", i, "id"]}) |
		some i in _implemented
		not _cites_evidence(input.model.controls[i])
	]
	count(found) > 0
}

not_applicable contains "TM-EVID-004" if count(_implemented) == 0

_implemented := [i | some i; control := input.model.controls[i]; control.status == "implemented"]

_cites_evidence(control) if count(object.get(control, "evidence", [])) > 0
