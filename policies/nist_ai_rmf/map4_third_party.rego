package nist_ai_rmf.map4_third_party

# MAP 4: third-party and open-weights components are known, procured and covered by controls.

import data.lib.model
import data.lib.result

# Speed on regopy (see lib.model and lib.result): the few assets are read first, and the
# threats only on the surfaces that hold an external asset; findings come as result.each
# batches.

_external_suppliers := {"third_party", "open_weights"}

_external(a) if object.get(a, "supplier", "") in _external_suppliers

_external(a) if a.type == "third_party_service"

# The indices of the third-party and open-weights assets.
_external_indices := [i | some i; a := input.model.assets[i]; _external(a)]

# METADATA
# description: Both checks need a third-party or open-weights asset.
not_applicable contains id if {
	count(_external_indices) == 0
	some id in ["TM-SUPPLY-001", "TM-SUPPLY-002"]
}

# METADATA
# title: Third-party and open-weights assets name their supplier and passed procurement review
# description: An external AI component nobody reviewed before use is shadow AI.
# custom:
#   id: TM-SUPPLY-001
#   severity: high
#   judges: ["assets[supplier=third_party|open_weights]"]
#   absent: no third-party or open-weights asset in this model
#   message: "asset {asset} {problem}"
#   controls: {nist-ai-rmf: ["MAP 4.1"], iso42001: ["A.10.2", "A.10.3"]}
#   rationale: >-
#     An external AI component nobody reviewed before use is shadow AI.
#   hint: >-
#     Name the supplier and have the component pass procurement review
#     (procurement_reviewed: true).
#   rule_out: >-
#     Waive the control in compliance.waivers (control, reason, approved_by, expires) while
#     the fix is scheduled, or list the control in compliance.not_applicable with a reason
#     when it cannot apply to this system.
deny contains result.each("TM-SUPPLY-001", found) if {
	assets := input.model.assets
	found := [result.item(["assets", i, problem.field], {"asset": ["assets", i, "id"], "problem": problem.msg}) |
		some i in _external_indices
		a := assets[i]
		some problem in _all_procurement_problems
		_has_problem(a, problem.field, problem.msg)
	]
	count(found) > 0
}

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
#   judges: ["assets[supplier=third_party|open_weights]"]
#   absent: no third-party or open-weights asset in this model
#   message: "third-party asset {asset} has no threat with a mitigating control"
#   controls: {nist-ai-rmf: ["MAP 4.2"]}
#   rationale: >-
#     An external component needs at least one threat that names the control that guards it.
#   hint: >-
#     Add a threat on the asset's surface with a mitigation naming a control.
#   rule_out: >-
#     Waive the control in compliance.waivers (control, reason, approved_by, expires) while
#     the fix is scheduled, or list the control in compliance.not_applicable with a reason
#     when it cannot apply to this system.
deny contains result.each("TM-SUPPLY-002", found) if {
	assets := input.model.assets
	found := [result.item(["assets", i], {"asset": ["assets", i, "id"]}) |
		some i in _external_indices
		a := assets[i]
		not _covered(a.id)
	]
	count(found) > 0
}

_covered(asset_id) if {
	some s in input.model.surfaces
	asset_id in object.get(s, "assets", [])
	s.id in _mitigated_surfaces
}

_external_ids := {input.model.assets[i].id | some i in _external_indices}

# The surfaces that hold an external asset (few), keyed for a cheap lookup per threat.
_external_surfaces := {s.id: true |
	some s in input.model.surfaces
	some asset_id in object.get(s, "assets", [])
	asset_id in _external_ids
}

# Those of the surfaces above with a threat whose mitigation names a declared control: the
# other threats are skipped after one lookup, and the mitigations of a threat alone go to
# the helper (regopy copies a function's arguments).
_mitigated_surfaces := {t.surface |
	threats := input.model.threats
	some t in threats
	_external_surfaces[t.surface]
	_names_control(t.mitigations)
}

_declared := {c.id: true | some c in input.model.controls}

_names_control(mitigations) if {
	some cid in mitigations
	_declared[cid]
}
