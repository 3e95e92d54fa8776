package nist_ai_rmf.measure2_redteam

# MEASURE 1.3, 2.1 and 2.7: red-team exercises are independent, scoped, recent and cover every layer.

import data.lib.model
import data.lib.result

_exercises := object.get(input.model, "red_team", [])

# An exercise dated within the last 365 days (not in the future).
_recent(rt) if {
	age := object.get(input.facts, ["red_team", rt.id, "age_days"], -1)
	age >= 0
	age <= 365
}

_recent_layers := {layer |
	some rt in _exercises
	_recent(rt)
	some sid in object.get(rt, ["scope", "surfaces"], [])
	layer := model.surface_layer(input.model, sid)
}

# METADATA
# description: Scope needs an exercise; layer coverage needs a surface.
not_applicable contains "TM-REDTEAM-004" if count(_exercises) == 0

not_applicable contains "TM-REDTEAM-003" if count(object.get(input.model, "surfaces", [])) == 0

# METADATA
# title: At least one red-team exercise is independent
# description: People other than the system's own developers have attacked it.
# custom:
#   id: TM-REDTEAM-001
#   severity: high
#   controls: {nist-ai-rmf: ["MEASURE 1.3"]}
deny contains finding if {
	count([rt | some rt in _exercises; object.get(rt, "independent", false) == true]) == 0
	finding := result.deny("TM-REDTEAM-001", "no red-team exercise is marked independent", ["red_team"])
}

# METADATA
# title: A red-team exercise took place within the last 365 days
# description: Security and resilience are evaluated at least yearly.
# custom:
#   id: TM-REDTEAM-002
#   severity: high
#   controls: {nist-ai-rmf: ["MEASURE 2.7"], iso42001: ["9.1", "A.6.2.4"]}
deny contains finding if {
	count([rt | some rt in _exercises; _recent(rt)]) == 0
	finding := result.deny("TM-REDTEAM-002", "no red-team exercise within the last 365 days", ["red_team"])
}

# METADATA
# title: Red-team exercises within 365 days cover every layer with a surface
# description: Each layer the model has a surface for is in the scope of a recent exercise.
# custom:
#   id: TM-REDTEAM-003
#   severity: high
#   controls: {nist-ai-rmf: ["MEASURE 2.7"]}
deny contains finding if {
	some i, s in input.model.surfaces
	not s.layer in _recent_layers
	msg := sprintf("surface %s (layer %s) is in no red-team scope within the last 365 days", [s.id, s.layer])
	finding := result.deny("TM-REDTEAM-003", msg, ["surfaces", i])
}

# METADATA
# title: Every red-team exercise states who performed it and its scope
# description: A test without a recorded scope and performer cannot be repeated or weighed.
# custom:
#   id: TM-REDTEAM-004
#   severity: medium
#   controls: {nist-ai-rmf: ["MEASURE 2.1"]}
deny contains finding if {
	some i, rt in _exercises
	not model.stated(rt, "performed_by")
	finding := result.deny("TM-REDTEAM-004", sprintf("red-team exercise %s does not state performed_by", [rt.id]), ["red_team", i, "performed_by"])
}

deny contains finding if {
	some i, rt in _exercises
	count(object.get(rt, ["scope", "surfaces"], [])) == 0
	finding := result.deny("TM-REDTEAM-004", sprintf("red-team exercise %s names no surface in its scope", [rt.id]), ["red_team", i, "scope"])
}
