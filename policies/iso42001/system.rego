package iso42001.system

import data.lib.model
import data.lib.result

# METADATA
# title: The system description and intended purpose are documented
# description: >-
#   The requirements and specification of an AI system start from what it is and what it
#   is for; use according to intended purpose cannot be checked against an unstated
#   purpose. system.description and system.intended_purpose must both be stated.
# custom:
#   id: TM-ISO-001
#   severity: high
#   judges: ["system"]
#   controls: {iso42001: ["A.6.2.2", "A.9.4"]}
#   message: "system.{field} is not stated"
#   rationale: >-
#     An AI system's requirements start from what it is and what it is for.
#   hint: >-
#     Fill in system.description and system.intended_purpose.
#   rule_out: >-
#     Waive the control in compliance.waivers (control, reason, approved_by, expires) while
#     the fix is scheduled, or list the control in compliance.not_applicable with a reason
#     when it cannot apply to this system.
deny contains finding if {
	some field in ["description", "intended_purpose"]
	not model.stated(_system, field)
	finding := result.finding("TM-ISO-001", ["system", field], {"field": field})
}

# The system section, or none: given to model.stated instead of the whole model, which a
# function call would copy.
_system := input.model.system

default _system := {}

# METADATA
# title: Input/output surfaces document their interfaces
# description: >-
#   Technical documentation for the people who use, operate or assess the system says who
#   can reach it and how, and what they are told. Every input_output surface lists at least
#   one interface, and each interface states who can use it, its access (for example
#   authenticated) and user_information: what its users are told about the system.
# custom:
#   id: TM-ISO-004
#   severity: medium
#   judges: ["surfaces[layer=input_output]"]
#   absent: no input_output surface in this model
#   controls: {iso42001: ["A.6.2.7", "A.8.2"]}
#   message:
#     no_interface: "input_output surface {surface} documents no interface"
#     unstated: "interface {interface} of surface {surface} does not state {field}"
#   rationale: >-
#     People who use, operate or assess the system need to know who can reach it and how,
#     and its users need to be told what they deal with.
#   hint: >-
#     List each interface of the input_output surface with who can use it, how they
#     authenticate and, in user_information, what they are told (that it is an AI system,
#     its purpose and limits, where to report a problem).
#   rule_out: >-
#     Waive the control in compliance.waivers (control, reason, approved_by, expires) while
#     the fix is scheduled, or list the control in compliance.not_applicable with a reason
#     when it cannot apply to this system.
deny contains result.each("TM-ISO-004", found) if {
	no_interface := [result.item(["surfaces", i, "interfaces"], {"message": "no_interface", "surface": ["surfaces", i, "id"]}) |
		some i in _io_surfaces
		surface := input.model.surfaces[i]
		count(object.get(surface, "interfaces", [])) == 0
	]
	unstated := [result.item(["surfaces", i, "interfaces", j, field], params) |
		some i in _io_surfaces
		surface := input.model.surfaces[i]
		some j
		interface := surface.interfaces[j]
		some field in ["who", "access", "user_information"]
		not model.stated(interface, field)
		params := {"message": "unstated", "interface": _interface_name(interface, i, j), "surface": ["surfaces", i, "id"], "field": field}
	]
	found := array.concat(no_interface, unstated)
	count(found) > 0
}

not_applicable contains "TM-ISO-004" if {
	count(_io_surfaces) == 0
}

# The indices of the input_output surfaces, found once. Findings come in a
# lib.result.each batch (lib.result says why).
# An interface is named by its id, or by its index when it has none.
_interface_name(interface, i, j) := ["surfaces", i, "interfaces", j, "id"] if interface.id

_interface_name(interface, _, j) := j if not interface.id

_io_surfaces := [i | some i; surface := input.model.surfaces[i]; surface.layer == "input_output"]

# METADATA
# title: A public interface is not behind an inference API that says it is not public
# description: >-
#   An interface with access public on a surface whose inference API says exposure
#   authenticated or internal: the model says two things about who can reach the system.
#   The ATLAS completeness checks read the inference API's exposure, so the public way in
#   goes without the inference-API techniques it brings.
# custom:
#   id: TM-ISO-005
#   severity: high
#   judges: ["surfaces.interfaces[access=public]"]
#   absent: no public interface in this model
#   controls: {iso42001: ["A.6.2.7"]}
#   message: "interface {interface} of surface {surface} is public, while inference API {asset} on that surface says exposure {exposure}"
#   rationale: >-
#     Who can reach a system decides which attacks are in scope; a model that says both
#     public and authenticated has its threats and checks judged on the narrower one.
#   hint: >-
#     Set the inference API's exposure to public (and consider the inference-API
#     techniques it brings), or the interface's access to what it really is.
#   rule_out: >-
#     Waive the control in compliance.waivers (control, reason, approved_by, expires) while
#     the fix is scheduled, or list the control in compliance.not_applicable with a reason
#     when it cannot apply to this system.
deny contains result.each("TM-ISO-005", found) if {
	surfaces := input.model.surfaces
	found := [result.item(["surfaces", i, "interfaces", j, "access"], params) |
		some pair in _public_interfaces
		i := pair[0]
		j := pair[1]
		some k
		aid := surfaces[i].assets[k]
		some exposure in ["authenticated", "internal"]
		aid in _apis_exposed[exposure]
		params := {
			"interface": _interface_name(surfaces[i].interfaces[j], i, j), "surface": ["surfaces", i, "id"],
			"asset": ["surfaces", i, "assets", k], "exposure": exposure,
		}
	]
	count(found) > 0
}

not_applicable contains "TM-ISO-005" if count(_public_interfaces) == 0

# [surface index, interface index] of each interface with access public.
_public_interfaces := [[i, j] |
	some i
	surface := input.model.surfaces[i]
	some j
	surface.interfaces[j].access == "public"
]

# The ids of the inference APIs by their exposure (sets: a repeated id is a reference error,
# never an engine conflict).
_apis_exposed := {"authenticated": _apis_with("authenticated"), "internal": _apis_with("internal")}

_apis_with(exposure) := {a.id |
	some a in input.model.assets
	a.type == "inference_api"
	a.exposure == exposure
}
