package nist_ai_rmf.measure2_redteam

# MEASURE 1.3, 2.1 and 2.7: red-team exercises are independent, scoped, recent and cover every layer.

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

# METADATA
# title: At least one red-team exercise is independent
# description: People other than the system's own developers have attacked it.
# custom:
#   id: TM-REDTEAM-001
#   severity: high
#   message: "no red-team exercise is marked independent"
#   controls: {nist-ai-rmf: ["MEASURE 1.3"]}
deny contains finding if {
	count([rt | some rt in _exercises; object.get(rt, "independent", false) == true]) == 0
	finding := result.finding("TM-REDTEAM-001", ["red_team"], {})
}

# METADATA
# title: A red-team exercise took place within the last 365 days
# description: Security and resilience are evaluated at least yearly.
# custom:
#   id: TM-REDTEAM-002
#   severity: high
#   message: "no red-team exercise within the last 365 days"
#   controls: {nist-ai-rmf: ["MEASURE 2.7"], iso42001: ["9.1", "A.6.2.4"]}
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
#   message: "surface {surface} (layer {layer}) is in no red-team scope within the last 365 days"
#   controls: {nist-ai-rmf: ["MEASURE 2.7"]}
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
# title: Every red-team exercise states who performed it and its scope
# description: A test without a recorded scope and performer cannot be repeated or weighed.
# custom:
#   id: TM-REDTEAM-004
#   severity: medium
#   message:
#     no_performer: "red-team exercise {exercise} does not state performed_by"
#     no_scope: "red-team exercise {exercise} names no surface in its scope"
#   controls: {nist-ai-rmf: ["MEASURE 2.1"]}
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
