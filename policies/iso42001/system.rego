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
#   controls: {iso42001: ["A.6.2.2", "A.9.4"]}
deny contains finding if {
	some field in ["description", "intended_purpose"]
	not model.stated(_system, field)
	msg := sprintf("system.%s is not stated", [field])
	finding := result.deny("TM-ISO-001", msg, ["system", field])
}

# The system section, or none: given to model.stated instead of the whole model, which a
# function call would copy.
_system := input.model.system

default _system := {}

# METADATA
# title: Input/output surfaces document their interfaces
# description: >-
#   Technical documentation for the people who use, operate or assess the system says who
#   can reach it and how. Every input_output surface lists at least one interface, and each
#   interface states who can use it and its access (for example authenticated).
# custom:
#   id: TM-ISO-004
#   severity: medium
#   controls: {iso42001: ["A.6.2.7", "A.8.2"]}
deny contains result.each("TM-ISO-004", found) if {
	no_interface := [result.at(msg, ["surfaces", i, "interfaces"]) |
		some i in _io_surfaces
		surface := input.model.surfaces[i]
		count(object.get(surface, "interfaces", [])) == 0
		msg := sprintf("input_output surface %s documents no interface", [surface.id])
	]
	unstated := [result.at(msg, ["surfaces", i, "interfaces", j, field]) |
		some i in _io_surfaces
		surface := input.model.surfaces[i]
		some j
		interface := surface.interfaces[j]
		some field in ["who", "access"]
		not model.stated(interface, field)
		msg := sprintf("interface %v of surface %s does not state %s", [object.get(interface, "id", j), surface.id, field])
	]
	found := array.concat(no_interface, unstated)
	count(found) > 0
}

not_applicable contains "TM-ISO-004" if {
	count(_io_surfaces) == 0
}

# The indices of the input_output surfaces, found once. Findings come in a
# lib.result.each batch (lib.result says why).
_io_surfaces := [i | some i; surface := input.model.surfaces[i]; surface.layer == "input_output"]
