package nist_ai_rmf.map4_third_party

# MAP 4: third-party and open-weights components are known, procured and covered by controls.

import data.lib.model
import data.lib.result

_external(a) if object.get(a, "supplier", "") in {"third_party", "open_weights"}

_external(a) if a.type == "third_party_service"

_has_external if {
	some a in object.get(input.model, "assets", [])
	_external(a)
}

# METADATA
# description: Both checks need a third-party or open-weights asset.
not_applicable contains id if {
	not _has_external
	some id in {"TM-SUPPLY-001", "TM-SUPPLY-002"}
}

# METADATA
# title: Third-party and open-weights assets name their supplier and passed procurement review
# description: An external AI component nobody reviewed before use is shadow AI.
# custom:
#   id: TM-SUPPLY-001
#   severity: high
#   controls: {nist-ai-rmf: ["MAP 4.1"], iso42001: ["A.10.2", "A.10.3"]}
deny contains finding if {
	some i, a in input.model.assets
	_external(a)
	some problem in _procurement_problems(a)
	finding := result.deny("TM-SUPPLY-001", sprintf("asset %s %s", [a.id, problem.msg]), ["assets", i, problem.field])
}

_procurement_problems(a) := {p | some p in _all_procurement_problems; _has_problem(a, p.field, p.msg)}

_all_procurement_problems := [
	{"field": "supplier", "msg": "states no supplier"},
	{"field": "procurement_reviewed", "msg": "is shadow AI: procurement_reviewed is false"},
	{"field": "procurement_reviewed", "msg": "records no procurement review"},
]

_has_problem(a, "supplier", _) if not model.stated(a, "supplier")

_has_problem(a, "procurement_reviewed", "is shadow AI: procurement_reviewed is false") if {
	object.get(a, "procurement_reviewed", null) == false
}

_has_problem(a, "procurement_reviewed", "records no procurement review") if {
	not object.get(a, "procurement_reviewed", null) in {true, false}
}

# METADATA
# title: Every third-party or open-weights asset is covered by a mitigated threat
# description: An external component needs at least one threat on its surface with a mitigation naming a control.
# custom:
#   id: TM-SUPPLY-002
#   severity: medium
#   controls: {nist-ai-rmf: ["MAP 4.2"]}
deny contains finding if {
	some i, a in input.model.assets
	_external(a)
	not _covered(a.id)
	msg := sprintf("third-party asset %s has no threat with a mitigating control", [a.id])
	finding := result.deny("TM-SUPPLY-002", msg, ["assets", i])
}

_covered(asset_id) if {
	some s in input.model.surfaces
	asset_id in object.get(s, "assets", [])
	s.id in _mitigated_surfaces
}

# The surface of each threat with a mitigation naming a declared control, in one pass over
# the threats (a comprehension, see lib.model), repeats kept: a short array is cheaper than a set.
_mitigated_surfaces := [t.surface |
	some t in input.model.threats
	some cid in t.mitigations
	cid in _control_ids
]

_control_ids := {c.id | some c in input.model.controls}
