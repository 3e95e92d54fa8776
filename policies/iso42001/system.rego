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
	not model.stated(input.model, ["system", field])
	msg := sprintf("system.%s is not stated", [field])
	finding := result.deny("TM-ISO-001", msg, ["system", field])
}

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
deny contains finding if {
	some i, surface in input.model.surfaces
	surface.layer == "input_output"
	count(object.get(surface, "interfaces", [])) == 0
	msg := sprintf("input_output surface %s documents no interface", [surface.id])
	finding := result.deny("TM-ISO-004", msg, ["surfaces", i, "interfaces"])
}

deny contains finding if {
	some i, surface in input.model.surfaces
	surface.layer == "input_output"
	some j, interface in surface.interfaces
	some field in ["who", "access"]
	not model.stated(interface, field)
	msg := sprintf("interface %v of surface %s does not state %s", [object.get(interface, "id", j), surface.id, field])
	finding := result.deny("TM-ISO-004", msg, ["surfaces", i, "interfaces", j, field])
}

not_applicable contains "TM-ISO-004" if {
	not _has_io_surface
}

_has_io_surface if {
	some surface in input.model.surfaces
	surface.layer == "input_output"
}
