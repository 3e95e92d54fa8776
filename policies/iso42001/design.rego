package iso42001.design

import data.lib.result

# METADATA
# description: TM-ISO-040 applies to every model.
not_applicable := set()

# METADATA
# title: The design is documented as assets on attack surfaces
# description: >-
#   Design and development are documented when the model inventories the system's assets
#   and every asset sits on at least one attack surface: an asset on no surface was left out
#   of the threat analysis.
# custom:
#   id: TM-ISO-040
#   severity: medium
#   judges: ["assets", "surfaces"]
#   controls: {iso42001: ["A.6.2.3"]}
#   message:
#     empty: "model lists no {part}"
#     off_surface: "asset {asset} is on no attack surface"
#   rationale: >-
#     An asset on no attack surface was left out of the threat analysis.
#   hint: >-
#     Put every asset on at least one surface (its assets list), and inventory the system's
#     assets if none are listed.
#   rule_out: >-
#     Waive the control in compliance.waivers (control, reason, approved_by, expires) while
#     the fix is scheduled, or list the control in compliance.not_applicable with a reason
#     when it cannot apply to this system.
deny contains finding if {
	some part in ["assets", "surfaces"]
	count(object.get(input.model, part, [])) == 0
	finding := result.finding("TM-ISO-040", [part], {"message": "empty", "part": part})
}

deny contains result.each("TM-ISO-040", found) if {
	# One pass over the surfaces, then a lookup per asset (was: every surface per asset).
	on_surface := [id | some surface in input.model.surfaces; some id in surface.assets]
	found := [result.item(["assets", i], {"message": "off_surface", "asset": ["assets", i, "id"]}) |
		some i
		asset := input.model.assets[i]
		not asset.id in on_surface
	]
	count(found) > 0
}
