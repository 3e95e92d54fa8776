package nist_ai_rmf.measure2_redteam

# MEASURE 1.3, 2.1 and 2.7: red-team exercises are independent (not run by the model's own
# team), scoped, recent and cover every layer, and their results change the model (method
# step 5).

import data.lib.model
import data.lib.result

# Read by reference, with no helper that gets the model or the facts (regopy copies a
# function's arguments and what object.get reads, see lib.model); findings that grow with
# the surfaces or exercises come as result.each batches.
default _exercises := []

_exercises := input.model.red_team

# An exercise dated within the last 365 days (not in the future); no age fact: not recent.
_recent(rt) if {
	age := input.facts.red_team[rt.id].age_days
	age >= 0
	age <= 365
}

_recent_layers := {s.layer |
	some rt in _exercises
	_recent(rt)
	some sid in object.get(rt, ["scope", "surfaces"], [])
	some s in input.model.surfaces
	s.id == sid
}

# METADATA
# description: Scope needs an exercise; layer coverage needs a surface.
not_applicable contains "TM-REDTEAM-004" if count(_exercises) == 0

not_applicable contains "TM-REDTEAM-003" if not _has_surfaces

# count() of a missing list is undefined: the rule is then false.
_has_surfaces if count(input.model.surfaces) > 0

# An exercise marked independent: true, and the one among them performed by the team that
# owns the model (facts.red_team[ID].by_owner: names compared in Python), which is not.
_marked_independent(rt) if object.get(rt, "independent", false) == true

_by_owner(rt) if input.facts.red_team[rt.id].by_owner == true

_independent := [rt | some rt in _exercises; _marked_independent(rt); not _by_owner(rt)]

_marked := [rt | some rt in _exercises; _marked_independent(rt)]

# METADATA
# title: At least one red-team exercise is independent
# description: >-
#   People other than the system's own developers have attacked it: an exercise marked
#   independent that the team owning the model (metadata.owner) did not perform.
# custom:
#   id: TM-REDTEAM-001
#   severity: high
#   judges: ["red_team"]
#   message:
#     unmarked: "no red-team exercise is marked independent"
#     by_owner: "no red-team exercise is independent: every one marked independent was performed by the team that owns the model"
#   controls: {nist-ai-rmf: ["MEASURE 1.3"], iso42001: ["A.6.2.4"]}
#   decides: {nist-ai-rmf: ["MEASURE 1.3"]}
#   rationale: >-
#     The developers of a system miss the attacks they did not think of.
#   hint: >-
#     Have people outside the team that owns the system run an exercise and mark it
#     independent: true.
#   rule_out: >-
#     Waive the control in compliance.waivers (control, reason, approved_by, expires) while
#     the fix is scheduled, or list the control in compliance.not_applicable with a reason
#     when it cannot apply to this system.
deny contains finding if {
	count(_marked) == 0
	finding := result.finding("TM-REDTEAM-001", ["red_team"], {"message": "unmarked"})
}

deny contains finding if {
	count(_marked) > 0
	count(_independent) == 0
	finding := result.finding("TM-REDTEAM-001", ["red_team"], {"message": "by_owner"})
}

not_applicable contains "TM-REDTEAM-010" if count(_marked) == 0

# METADATA
# title: An exercise marked independent was not performed by the team that owns the model
# description: >-
#   An exercise is independent only when people other than the system's own team ran it:
#   one whose performed_by names the model's owner (metadata.owner; case, spaces, - and _
#   ignored) is not, whatever independent says.
# custom:
#   id: TM-REDTEAM-010
#   severity: high
#   judges: ["red_team[independent=true]"]
#   absent: no red-team exercise marked independent in this model
#   message: "red-team exercise {exercise} is marked independent but was performed by {performer}, the team that owns the model"
#   controls: {nist-ai-rmf: ["MEASURE 1.3"], iso42001: ["A.6.2.4"]}
#   rationale: >-
#     A team that attacks its own system tests the attacks it already thought of; marking
#     the exercise independent does not change who ran it.
#   hint: >-
#     Set independent: false on the exercise, and have people outside the team run the
#     next one; if another team ran it, name that team in performed_by.
#   rule_out: >-
#     Waive the control in compliance.waivers (control, reason, approved_by, expires) while
#     the fix is scheduled, or list the control in compliance.not_applicable with a reason
#     when it cannot apply to this system.
deny contains result.each("TM-REDTEAM-010", found) if {
	exercises := _exercises
	found := [result.item(["red_team", i, "performed_by"], {"exercise": ["red_team", i, "id"], "performer": ["red_team", i, "performed_by"]}) |
		some i
		rt := exercises[i]
		_marked_independent(rt)
		_by_owner(rt)
	]
	count(found) > 0
}

# METADATA
# title: A red-team exercise took place within the last 365 days
# description: Security and resilience are evaluated at least yearly.
# custom:
#   id: TM-REDTEAM-002
#   severity: high
#   judges: ["red_team"]
#   message: "no red-team exercise within the last 365 days"
#   controls: {nist-ai-rmf: ["MEASURE 2.7"], iso42001: ["9.1", "A.6.2.4"]}
#   decides: {nist-ai-rmf: ["MEASURE 2.7"]}
#   rationale: >-
#     Attacks and the system both change; a test older than a year says little about either
#     now.
#   hint: >-
#     Run a red-team exercise and record it in red_team with its date.
#   rule_out: >-
#     Waive the control in compliance.waivers (control, reason, approved_by, expires) while
#     the fix is scheduled, or list the control in compliance.not_applicable with a reason
#     when it cannot apply to this system.
deny contains finding if {
	count([rt | some rt in _exercises; _recent(rt)]) == 0
	finding := result.finding("TM-REDTEAM-002", ["red_team"], {})
}

# METADATA
# title: Red-team exercises within 365 days cover every layer with a surface
# description: Each layer the model has a surface for is in the scope of a recent exercise.
# custom:
#   id: TM-REDTEAM-003
#   severity: high
#   judges: ["surfaces"]
#   absent: no surface in this model
#   message: "surface {surface} (layer {layer}) is in no red-team scope within the last 365 days"
#   controls: {nist-ai-rmf: ["MEASURE 2.7"]}
#   rationale: >-
#     A layer nobody attacked is a layer whose controls are untested.
#   hint: >-
#     Include the surface in the scope of a red-team exercise within the last 365 days.
#   rule_out: >-
#     Waive the control in compliance.waivers (control, reason, approved_by, expires) while
#     the fix is scheduled, or list the control in compliance.not_applicable with a reason
#     when it cannot apply to this system.
deny contains result.each("TM-REDTEAM-003", found) if {
	surfaces := input.model.surfaces
	found := [result.item(["surfaces", i], {"surface": ["surfaces", i, "id"], "layer": ["surfaces", i, "layer"]}) |
		some i
		s := surfaces[i]
		not s.layer in _recent_layers
	]
	count(found) > 0
}

# METADATA
# title: Every red-team exercise states who performed it, its scope, tools, test sets and metrics
# description: >-
#   A test without a recorded performer, scope, tools, test sets and metrics cannot be
#   repeated or weighed: each exercise states performed_by, the surfaces in scope, and the
#   tools, test_sets and metrics it used.
# custom:
#   id: TM-REDTEAM-004
#   severity: medium
#   judges: ["red_team"]
#   absent: no red-team exercise in this model
#   message:
#     no_performer: "red-team exercise {exercise} does not state performed_by"
#     no_scope: "red-team exercise {exercise} names no surface in its scope"
#     no_method: "red-team exercise {exercise} does not state its {field}"
#     placeholder: "red-team exercise {exercise} states placeholder text among its {field}: '{text}'"
#   controls: {nist-ai-rmf: ["MEASURE 2.1"]}
#   rationale: >-
#     A test without a recorded performer, scope, tools, test sets and metrics cannot be
#     repeated, compared with the next one or weighed.
#   hint: >-
#     State performed_by, the surfaces in scope, and the exercise's tools, test_sets
#     (corpora, prompt sets) and metrics (for example attack success rate per technique).
#   rule_out: >-
#     Waive the control in compliance.waivers (control, reason, approved_by, expires) while
#     the fix is scheduled, or list the control in compliance.not_applicable with a reason
#     when it cannot apply to this system.
deny contains result.each("TM-REDTEAM-004", found) if {
	exercises := _exercises
	found := [result.item(["red_team", i, "performed_by"], {"message": "no_performer", "exercise": ["red_team", i, "id"]}) |
		some i
		rt := exercises[i]
		not model.stated(rt, "performed_by")
	]
	count(found) > 0
}

deny contains result.each("TM-REDTEAM-004", found) if {
	exercises := _exercises
	found := [result.item(["red_team", i, "scope"], {"message": "no_scope", "exercise": ["red_team", i, "id"]}) |
		some i
		rt := exercises[i]
		count(object.get(rt, ["scope", "surfaces"], [])) == 0
	]
	count(found) > 0
}

deny contains result.each("TM-REDTEAM-004", found) if {
	exercises := _exercises
	found := [result.item(["red_team", i, field], {"message": "no_method", "exercise": ["red_team", i, "id"], "field": field}) |
		some i
		rt := exercises[i]
		some field in ["tools", "test_sets", "metrics"]
		not model.stated(rt, field)
	]
	count(found) > 0
}

# A placeholder counts as absent: policyengine judges the text (policyengine/substance.py)
# and lists each hollow text a check reads in input.facts.placeholders, with that check.
deny contains result.each("TM-REDTEAM-004", found) if {
	found := [result.item(p.path, {"message": "placeholder", "exercise": p.owner, "field": p.field, "text": p.path}) |
		some p in _placeholders
		p.check == "TM-REDTEAM-004"
	]
	count(found) > 0
}

# Method step 5: a confirmed threat is tied to the red-team findings that confirmed it
# (input.facts.validation[i], in model.threats order: the findings it links, those whose
# remediation is not resolved, those with no remediation record, and whether a recent
# exercise scoped one of its techniques).
_confirmed := [i |
	threats := input.model.threats
	some i
	t := threats[i]
	object.get(t, ["validation", "status"], "untested") == "confirmed"
]

not_applicable contains "TM-REDTEAM-005" if count(_confirmed) == 0

not_applicable contains "TM-REDTEAM-006" if count(_confirmed) == 0

not_applicable contains "TM-REDTEAM-007" if count(input.facts.high_risk_indices) == 0

not_applicable contains "TM-REDTEAM-008" if count(_named) == 0

# The indices of the threats a red-team finding names (the threats it confirms).
_named := [i | some i; v := input.facts.validation[i]; count(v.named_by) > 0]

# METADATA
# title: A confirmed threat links the red-team finding that confirmed it, with a remediation record
# description: >-
#   A finding that confirms a threat starts remediation: the threat names the finding in
#   validation.findings, and the finding carries a remediation record with its status.
# custom:
#   id: TM-REDTEAM-005
#   severity: high
#   judges: ["threats.validation[status=confirmed]"]
#   absent: no threat confirmed by a red-team finding in this model
#   message:
#     no_link: "threat {threat} is confirmed but names no red-team finding in validation.findings"
#     no_remediation: "red-team finding {exercise}/{finding}, which confirms threat {threat}, has no remediation record with a status"
#   controls: {nist-ai-rmf: ["MEASURE 2.7"], iso42001: ["9.1"]}
#   rationale: >-
#     A confirmed threat is a known weakness; its remediation must be traceable from the
#     threat to the finding.
#   hint: >-
#     Name the red-team finding in the threat's validation.findings and give the finding a
#     remediation record with its status.
#   rule_out: >-
#     Waive the control in compliance.waivers (control, reason, approved_by, expires) while
#     the fix is scheduled, or list the control in compliance.not_applicable with a reason
#     when it cannot apply to this system.
deny contains result.each("TM-REDTEAM-005", found) if {
	validation := input.facts.validation
	found := [result.item(["threats", i, "validation"], {"message": "no_link", "threat": ["threats", i, "id"]}) |
		some i in _confirmed
		count(validation[i].links) == 0
	]
	count(found) > 0
}

deny contains result.each("TM-REDTEAM-005", found) if {
	validation := input.facts.validation
	found := [result.item(["red_team", e, "findings", f], params) |
		some i in _confirmed
		some link in validation[i].unrecorded
		e := link[0]
		f := link[1]
		params := {
			"message": "no_remediation", "threat": ["threats", i, "id"],
			"exercise": ["red_team", e, "id"], "finding": ["red_team", e, "findings", f, "id"],
		}
	]
	count(found) > 0
}

# METADATA
# title: A threat confirmed by a finding still in remediation is not scored down
# description: >-
#   While the remediation of a finding that confirmed a threat is not resolved, the threat
#   is not mitigated, and its likelihood is at least 3 unless validation.rationale says why.
# custom:
#   id: TM-REDTEAM-006
#   severity: high
#   judges: ["threats.validation[status=confirmed]"]
#   absent: no threat confirmed by a red-team finding in this model
#   message:
#     mitigated: "threat {threat} is marked mitigated while the remediation of red-team finding {exercise}/{finding} that confirmed it is {status}"
#     likelihood: "threat {threat} has likelihood {likelihood} while the remediation of red-team finding {exercise}/{finding} that confirmed it is {status}: score it 3 or more, or say why in validation.rationale"
#   controls: {nist-ai-rmf: ["MEASURE 2.7"], iso42001: ["6.1.2", "9.1"]}
#   rationale: >-
#     A threat a red team confirmed is not less likely until its remediation is done.
#   hint: >-
#     Keep the threat's likelihood at 3 or more and its status open or mitigating until the
#     remediation is resolved, or say why in validation.rationale.
#   rule_out: >-
#     Waive the control in compliance.waivers (control, reason, approved_by, expires) while
#     the fix is scheduled, or list the control in compliance.not_applicable with a reason
#     when it cannot apply to this system.
deny contains result.each("TM-REDTEAM-006", found) if {
	threats := input.model.threats
	validation := input.facts.validation
	found := [result.item(["threats", i, "status"], params) |
		some i in _confirmed
		object.get(threats[i], "status", "open") == "mitigated"
		some o in validation[i].open
		params := _open_params("mitigated", i, o)
	]
	count(found) > 0
}

deny contains result.each("TM-REDTEAM-006", found) if {
	threats := input.model.threats
	validation := input.facts.validation
	found := [result.item(["threats", i, "likelihood"], object.union(params, {"likelihood": ["threats", i, "likelihood"]})) |
		some i in _confirmed
		t := threats[i]
		is_number(object.get(t, "likelihood", 3))
		object.get(t, "likelihood", 3) < 3
		not model.stated(object.get(t, "validation", {}), "rationale")
		some o in validation[i].open
		params := _open_params("likelihood", i, o)
	]
	count(found) > 0
}

_open_params(message, i, o) := {
	"message": message, "threat": ["threats", i, "id"], "status": o.status,
	"exercise": ["red_team", o.exercise, "id"], "finding": ["red_team", o.exercise, "findings", o.finding, "id"],
}

# METADATA
# title: Untested threats at or above the risk threshold were in a recent red-team scope
# description: >-
#   A threat at or above the threshold that no exercise has confirmed or failed to
#   reproduce has at least one of its ATLAS techniques in the scope of an exercise of the
#   last 365 days, so that the next result can prove its score wrong.
# custom:
#   id: TM-REDTEAM-007
#   severity: medium
#   judges: ["threats"]
#   absent: no threat at or above the risk threshold in this model
#   message: "threat {threat} (risk {risk}) is untested and none of its ATLAS techniques was in a red-team scope within the last 365 days"
#   controls: {nist-ai-rmf: ["MEASURE 2.7"]}
#   rationale: >-
#     A high risk nobody has tested may be scored wrong; a recent exercise aimed at it can
#     prove that.
#   hint: >-
#     Put one of the threat's ATLAS techniques in the scope of a red-team exercise, or
#     record the validation result it already has.
#   rule_out: >-
#     Waive the control in compliance.waivers (control, reason, approved_by, expires) while
#     the fix is scheduled, or list the control in compliance.not_applicable with a reason
#     when it cannot apply to this system.
deny contains result.each("TM-REDTEAM-007", found) if {
	threats := input.model.threats
	risks := input.facts.threat_risks
	validation := input.facts.validation
	found := [result.item(["threats", i, "atlas"], {"threat": ["threats", i, "id"], "risk": risks[i]}) |
		some i in input.facts.high_risk_indices
		object.get(threats[i], ["validation", "status"], "untested") == "untested"
		not validation[i].in_recent_scope == true
	]
	count(found) > 0
}

# METADATA
# title: A threat a red-team finding confirms is recorded as confirmed
# description: >-
#   A red-team finding that names a threat in its threats confirms it (method step 5): the
#   threat's validation.status is confirmed, not untested or not_reproduced, so that the
#   model and the red-team record tell the same story.
# custom:
#   id: TM-REDTEAM-008
#   severity: high
#   judges: ["threats"]
#   absent: no threat named by a red-team finding in this model
#   message: "threat {threat} has validation.status {status} while red-team finding {exercise}/{finding} names it as confirmed"
#   controls: {nist-ai-rmf: ["MEASURE 2.7"], iso42001: ["9.1"]}
#   rationale: >-
#     A threat recorded as untested or not reproduced while the red team confirmed it
#     escapes the checks that hold a confirmed threat to its remediation (TM-REDTEAM-005,
#     TM-REDTEAM-006).
#   hint: >-
#     Set the threat's validation.status to confirmed and name the finding in
#     validation.findings; if the finding does not confirm the threat, remove the threat
#     from the finding's threats.
#   rule_out: >-
#     Waive the control in compliance.waivers (control, reason, approved_by, expires) while
#     the fix is scheduled, or list the control in compliance.not_applicable with a reason
#     when it cannot apply to this system.
deny contains result.each("TM-REDTEAM-008", found) if {
	threats := input.model.threats
	validation := input.facts.validation
	found := [result.item(_validation_path(threats[i], i), params) |
		some i in _named
		status := object.get(threats[i], ["validation", "status"], "untested")
		status != "confirmed"
		some link in validation[i].named_by
		params := {
			"threat": ["threats", i, "id"], "status": status,
			"exercise": ["red_team", link[0], "id"], "finding": ["red_team", link[0], "findings", link[1], "id"],
		}
	]
	count(found) > 0
}

_validation_path(threat, i) := ["threats", i, "validation", "status"] if threat.validation.status

_validation_path(threat, i) := ["threats", i] if not threat.validation.status

# A tested validation status (confirmed, not_reproduced) rests on a red-team result
# (facts.validation[i].basis, see policyengine.evaluate.tested_basis).
_not_reproduced := [i |
	threats := input.model.threats
	some i
	t := threats[i]
	object.get(t, ["validation", "status"], "untested") == "not_reproduced"
]

not_applicable contains "TM-REDTEAM-009" if {
	count(_confirmed) == 0
	count(_not_reproduced) == 0
}

# METADATA
# title: A tested validation status has a red-team result behind it
# description: >-
#   A threat whose validation.status is confirmed or not_reproduced cites a red-team finding
#   of the model in validation.findings or is named by one; for not_reproduced, an exercise
#   of the last 365 days with the threat's surface or one of its ATLAS techniques in scope
#   also counts. Otherwise the status says a test was run that the model does not record.
# custom:
#   id: TM-REDTEAM-009
#   severity: high
#   judges: ["threats.validation[status=confirmed|not_reproduced]"]
#   absent: no threat with a tested validation status in this model
#   message:
#     confirmed: "threat {threat} is confirmed with nothing behind it: no red-team finding cites or names it"
#     not_reproduced: "threat {threat} is not_reproduced with nothing behind it: no red-team finding cites or names it, and no red-team exercise of the last 365 days had its surface or ATLAS techniques in scope"
#   controls: {nist-ai-rmf: ["MEASURE 1.2", "MEASURE 2.7"], iso42001: ["9.1", "A.6.2.4"]}
#   rationale: >-
#     A tested status takes a threat out of the untested-risk checks (TM-EVAL-001,
#     TM-REDTEAM-007) and can justify its score; with no exercise or finding behind it, it
#     is a claim that a test was run.
#   hint: >-
#     Cite the red-team finding that gave the result in validation.findings, or record the
#     exercise whose scope covered the threat; otherwise set validation.status untested.
#   rule_out: >-
#     Waive the control in compliance.waivers (control, reason, approved_by, expires) while
#     the fix is scheduled, or list the control in compliance.not_applicable with a reason
#     when it cannot apply to this system.
deny contains result.each("TM-REDTEAM-009", found) if {
	validation := input.facts.validation
	found := [result.item(["threats", i, "validation", "status"], {"message": "confirmed", "threat": ["threats", i, "id"]}) |
		some i in _confirmed
		count(object.get(validation[i], "basis", [])) == 0
	]
	count(found) > 0
}

deny contains result.each("TM-REDTEAM-009", found) if {
	validation := input.facts.validation
	found := [result.item(["threats", i, "validation", "status"], {"message": "not_reproduced", "threat": ["threats", i, "id"]}) |
		some i in _not_reproduced
		count(object.get(validation[i], "basis", [])) == 0
	]
	count(found) > 0
}

# The hollow texts policyengine listed (policyengine/substance.py), read by reference: a
# built-in call on input.facts would copy them all (lib.model says why).
_placeholders := input.facts.placeholders

default _placeholders := []
