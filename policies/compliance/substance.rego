package compliance.substance

# Statements that say nothing: placeholder text (x, -, TBD, TODO, n/a, lorem, tba, ?) and,
# where a sentence is expected, text of fewer than three words. policyengine judges the text
# (policyengine/substance.py) and lists each hollow field in input.facts.placeholders with
# the check that reports it: text analysis on arbitrary model text is what the embedded
# engine cannot do faithfully, and this way both engines report the same fields.
# The checks are guards (custom.guard): a hollow text fails their controls, but substantive
# text is no evidence by itself that a control is met; the checks that judge the content
# say that.

import data.lib.result

# METADATA
# title: The system's purpose, context, users and owner are stated in substance
# description: >-
#   A purpose, a deployment context or an oversight description that reads "x" or "TBD" lets
#   every check that asks whether it is stated pass while it says nothing.
# custom:
#   id: TM-TEXT-001
#   severity: high
#   guard: true
#   judges: ["metadata", "system"]
#   controls: {nist-ai-rmf: ["MAP 1.1", "MAP 3.5"], iso42001: ["A.6.2.2", "A.9.2", "A.9.4"]}
#   message: "{field} {owner} is {kind}: '{text}'"
#   rationale: >-
#     A purpose, context or owner that reads like a placeholder lets every check that asks
#     whether it is stated pass on nothing.
#   hint: >-
#     Replace the placeholder with what the system is for, where it runs, who uses it and
#     who owns it.
#   rule_out: >-
#     Waive the control in compliance.waivers (control, reason, approved_by, expires) while
#     the fix is scheduled, or list the control in compliance.not_applicable with a reason
#     when it cannot apply to this system.
deny contains result.each("TM-TEXT-001", found) if {
	found := [_item(p.path, {"field": p.field, "owner": p.owner, "kind": p.kind, "text": p.path}, p.controls) |
		some p in _placeholders
		p.check == "TM-TEXT-001"
	]
	count(found) > 0
}

# METADATA
# title: Threats have real titles and assumptions
# description: >-
#   A score cannot be challenged when the assumption behind it is "x": each assumption is a
#   sentence, each threat's title names it, and a validation note or rationale (why a
#   threat is not measured, why its likelihood is low while a fix is pending) is a sentence.
# custom:
#   id: TM-TEXT-002
#   severity: high
#   guard: true
#   judges: ["threats"]
#   controls: {nist-ai-rmf: ["MAP 5.1", "MEASURE 1.1"], iso42001: ["6.1.2"]}
#   message: "{field} {owner} is {kind}: '{text}'"
#   rationale: >-
#     A score cannot be challenged when its assumption or its threat's title says nothing.
#   hint: >-
#     Write each assumption as a sentence that explains the score, and give the threat a
#     title that names it.
#   rule_out: >-
#     Waive the control in compliance.waivers (control, reason, approved_by, expires) while
#     the fix is scheduled, or list the control in compliance.not_applicable with a reason
#     when it cannot apply to this system.
deny contains result.each("TM-TEXT-002", found) if {
	found := [_item(p.path, {"field": p.field, "owner": p.owner, "kind": p.kind, "text": p.path}, p.controls) |
		some p in _placeholders
		p.check == "TM-TEXT-002"
	]
	count(found) > 0
}

# METADATA
# title: Risk acceptances, waivers and exclusions are justified and approved by someone
# description: >-
#   Accepting a risk, waiving a control or ruling one out is a decision: it names who took
#   it and why. An approver "x" or a rationale "n/a" is no decision on record.
# custom:
#   id: TM-TEXT-003
#   severity: high
#   guard: true
#   judges: ["threats.acceptance", "compliance.waivers", "compliance.not_applicable"]
#   absent: no risk acceptance, waiver or exclusion in this model
#   controls: {iso42001: ["6.1.3"]}
#   message: "{field} {owner} is {kind}: '{text}'"
#   rationale: >-
#     Accepting a risk, waiving a control or ruling one out is a decision; a placeholder
#     records nobody and no reason.
#   hint: >-
#     Name the person or body who decided and write the reason in a sentence.
#   rule_out: >-
#     Not by a waiver: the text of a waiver or exclusion is what this check reads; fix it.
deny contains result.each("TM-TEXT-003", found) if {
	found := [_item(p.path, {"field": p.field, "owner": p.owner, "kind": p.kind, "text": p.path}, p.controls) |
		some p in _placeholders
		p.check == "TM-TEXT-003"
	]
	count(found) > 0
}

not_applicable contains "TM-TEXT-003" if {
	count([t | some t in object.get(input.model, "threats", []); t.acceptance]) == 0
	count(object.get(input.model, ["compliance", "waivers"], [])) == 0
	count(object.get(input.model, ["compliance", "not_applicable"], [])) == 0
}

# METADATA
# title: Controls and attestations name who is accountable
# description: >-
#   A control owned by "x", or an attestation by "-", has no one to answer for it.
# custom:
#   id: TM-TEXT-004
#   severity: medium
#   guard: true
#   judges: ["controls", "compliance.attestations"]
#   absent: no control or attestation in this model
#   controls: {iso42001: ["A.3.2"]}
#   message: "{field} {owner} is {kind}: '{text}'"
#   rationale: >-
#     A control or attestation owned by a placeholder has no one to answer for it.
#   hint: >-
#     Name the team, role or person accountable for the control or attestation.
#   rule_out: >-
#     Waive the control in compliance.waivers (control, reason, approved_by, expires) while
#     the fix is scheduled, or list the control in compliance.not_applicable with a reason
#     when it cannot apply to this system.
deny contains result.each("TM-TEXT-004", found) if {
	found := [_item(p.path, {"field": p.field, "owner": p.owner, "kind": p.kind, "text": p.path}, p.controls) |
		some p in _placeholders
		p.check == "TM-TEXT-004"
	]
	count(found) > 0
}

not_applicable contains "TM-TEXT-004" if {
	count(object.get(input.model, "controls", [])) == 0
	count(object.get(input.model, ["compliance", "attestations"], [])) == 0
}

# METADATA
# title: Red-team exercises name who performed them and what they found
# description: >-
#   Whether an exercise was independent, and what it can be trusted for, depends on who
#   performed it; "x" says neither. A finding titled "x" says nothing of what was found,
#   and a threat validated by it (TM-EVAL-001) rests on nothing.
# custom:
#   id: TM-TEXT-005
#   severity: medium
#   guard: true
#   judges: ["red_team"]
#   absent: no red-team exercise in this model
#   controls:
#     nist-ai-rmf: ["MEASURE 1.2", "MEASURE 1.3", "MEASURE 2.1", "MEASURE 2.7"]
#     iso42001: ["9.1", "A.6.2.4"]
#   message: "{field} {owner} is {kind}: '{text}'"
#   rationale: >-
#     Who performed an exercise decides whether it was independent and what it can be
#     trusted for.
#   hint: >-
#     Name the team or firm that performed the red-team exercise in performed_by, and give
#     each finding a title that says what was found.
#   rule_out: >-
#     Waive the control in compliance.waivers (control, reason, approved_by, expires) while
#     the fix is scheduled, or list the control in compliance.not_applicable with a reason
#     when it cannot apply to this system.
deny contains result.each("TM-TEXT-005", found) if {
	found := [_item(p.path, {"field": p.field, "owner": p.owner, "kind": p.kind, "text": p.path}, p.controls) |
		some p in _placeholders
		p.check == "TM-TEXT-005"
	]
	count(found) > 0
}

not_applicable contains "TM-TEXT-005" if count(object.get(input.model, "red_team", [])) == 0

# METADATA
# title: The system's tasks and out-of-scope uses are stated in substance
# description: >-
#   An AI task "x" or an out-of-scope use "-" lets the checks that ask whether the tasks and
#   the uses ruled out are listed (TM-CTX-003, TM-CTX-005) pass while the list says nothing.
# custom:
#   id: TM-TEXT-006
#   severity: medium
#   guard: true
#   judges: ["system"]
#   controls: {nist-ai-rmf: ["MAP 2.1", "MAP 2.2", "MAP 3.3"]}
#   message: "{field} {owner} is {kind}: '{text}'"
#   rationale: >-
#     The tasks and the uses ruled out categorise the system; a placeholder categorises nothing.
#   hint: >-
#     Name each AI task (classification, generation, retrieval, tool_use, ...) and each use
#     the system is not for.
#   rule_out: >-
#     Waive the control in compliance.waivers (control, reason, approved_by, expires) while
#     the fix is scheduled, or list the control in compliance.not_applicable with a reason
#     when it cannot apply to this system.
deny contains result.each("TM-TEXT-006", found) if {
	found := [_item(p.path, {"field": p.field, "owner": p.owner, "kind": p.kind, "text": p.path}, p.controls) |
		some p in _placeholders
		p.check == "TM-TEXT-006"
	]
	count(found) > 0
}

# METADATA
# title: Interfaces say in substance who uses them and what they are told
# description: >-
#   An interface used by "x", or whose users are told "TBD", documents nothing for the
#   people who use, operate or assess the system (TM-ISO-004 asks that both are stated).
# custom:
#   id: TM-TEXT-007
#   severity: medium
#   guard: true
#   judges: ["surfaces.interfaces"]
#   absent: no interface in this model
#   controls: {iso42001: ["A.6.2.7", "A.8.2"]}
#   message: "{field} {owner} is {kind}: '{text}'"
#   rationale: >-
#     What users are told about the system is information for them only when it says something.
#   hint: >-
#     Name who uses the interface, and write in user_information what they are told: that
#     it is an AI system, its purpose and limits, where to report a problem.
#   rule_out: >-
#     Waive the control in compliance.waivers (control, reason, approved_by, expires) while
#     the fix is scheduled, or list the control in compliance.not_applicable with a reason
#     when it cannot apply to this system.
deny contains result.each("TM-TEXT-007", found) if {
	found := [_item(p.path, {"field": p.field, "owner": p.owner, "kind": p.kind, "text": p.path}, p.controls) |
		some p in _placeholders
		p.check == "TM-TEXT-007"
	]
	count(found) > 0
}

not_applicable contains "TM-TEXT-007" if {
	count([i | some s in object.get(input.model, "surfaces", []); some i in object.get(s, "interfaces", [])]) == 0
}

# METADATA
# title: Assets are named, and ML libraries versioned, in substance
# description: >-
#   An inventory of assets named "x" documents no design (TM-ISO-040 counts the assets on
#   surfaces), and an ML library "x" at version "x" with a component "x" pins nothing
#   (TM-ISO-031) nor says where the system runs (TM-ISO-032).
# custom:
#   id: TM-TEXT-008
#   severity: medium
#   guard: true
#   judges: ["assets"]
#   absent: no asset in this model
#   controls: {iso42001: ["A.4.4", "A.4.5", "A.6.2.3"]}
#   message: "{field} {owner} is {kind}: '{text}'"
#   rationale: >-
#     An asset inventory is documentation only when each entry names a real thing, and an
#     ML library is pinned only by real names and versions.
#   hint: >-
#     Name each asset as its owners know it (the model, service or library), and give ML
#     libraries and their components the versions in use.
#   rule_out: >-
#     Waive the control in compliance.waivers (control, reason, approved_by, expires) while
#     the fix is scheduled, or list the control in compliance.not_applicable with a reason
#     when it cannot apply to this system.
deny contains result.each("TM-TEXT-008", found) if {
	found := [_item(p.path, {"field": p.field, "owner": p.owner, "kind": p.kind, "text": p.path}, p.controls) |
		some p in _placeholders
		p.check == "TM-TEXT-008"
	]
	count(found) > 0
}

not_applicable contains "TM-TEXT-008" if count(object.get(input.model, "assets", [])) == 0

# A hollow text fails the controls its field serves (p.controls, a subset of its check's
# custom.controls, which policyengine verifies), or all of its check's when none are named.
_item(path, params, controls) := result.item(path, params) if count(controls) == 0

_item(path, params, controls) := result.item_controls(path, params, controls) if count(controls) > 0

# The hollow texts Python listed (policyengine/substance.py), each as a batch item
# (lib.result says why); the text itself is shown by pointer, never carried by the engine.
_placeholders := input.facts.placeholders

default _placeholders := []
