package atlas.runtime

import data.lib.result
import data.lib.techniques

# METADATA
# title: A runtime surface has the ATLAS techniques that apply to it considered
# description: >-
#   The serving stack and ML libraries are a supply chain of their own, and the machine that
#   runs a model or an agent can be taken over. Each family that applies on a runtime surface
#   must appear in a threat (the family, a sub-technique or a sibling) or be ruled out in
#   compliance.not_applicable with a reason.
#   Which families apply is decided in Python (policyengine.applicability, from
#   policies/catalog/atlas-applicability.csv) and given as facts.atlas.asks: one finding
#   per family no threat considers, per surface, naming the techniques it covers there.
# custom:
#   id: TM-ATLAS-011
#   severity: high
#   judges: ["surfaces[layer=runtime]"]
#   absent: no ATLAS technique applies to a runtime surface of this model
#   controls:
#     atlas: ["AML.T0010", "AML.T0011", "AML.T0053"]
#     nist-ai-rmf: ["MAP 4.1"]
#   message: "no threat considers {family} ({name}) on runtime surface {surface}; it covers {techniques}"
#   rationale: >-
#     The serving stack, ML libraries and the machine that runs the model are a supply chain
#     and an attack surface of their own.
#   hint: >-
#     Add a threat on the surface that names the family (or one of the techniques the
#     message lists) in its atlas list, scored and mitigated like the others.
#   rule_out: >-
#     List each technique that cannot reach this system in compliance.not_applicable
#     (technique and reason); the reason is reviewed like a threat.
deny contains result.each("TM-ATLAS-011", found) if {
	found := [result.item_control(
		["surfaces", ask.surface],
		{"family": ask.family, "name": ask.name, "surface": ["surfaces", ask.surface, "id"], "techniques": ask.techniques},
		concat("/", ["atlas", ask.family]),
	) |
		some ask in techniques.missing_on("runtime")
	]
	count(found) > 0
}

not_applicable contains "TM-ATLAS-011" if techniques.asked_on("runtime") == 0
