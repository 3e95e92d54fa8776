package atlas.agentic

import data.lib.result
import data.lib.techniques

# METADATA
# title: An agentic surface has the ATLAS techniques that apply to it considered
# description: >-
#   An agent that calls tools can be steered into calling them for the attacker: to send
#   data out, destroy it, run commands, or keep a poisoned memory. Each family that applies
#   on an agentic surface must appear in a threat (the family, a sub-technique or a sibling)
#   or be ruled out in compliance.not_applicable with a reason.
#   Which families apply is decided in Python (policyengine.applicability, from
#   policies/catalog/atlas-applicability.csv) and given as facts.atlas.asks: one finding
#   per family no threat considers, per surface, naming the techniques it covers there.
# custom:
#   id: TM-ATLAS-005
#   severity: high
#   judges: ["surfaces[layer=agentic]"]
#   absent: no ATLAS technique applies to an agentic surface of this model
#   controls:
#     atlas: ["AML.T0010", "AML.T0011", "AML.T0029", "AML.T0051", "AML.T0053", "AML.T0080", "AML.T0086", "AML.T0101"]
#     nist-ai-rmf: ["MAP 4.1"]
#   message: "no threat considers {family} ({name}) on agentic surface {surface}; it covers {techniques}"
#   rationale: >-
#     An agent that calls tools can be steered to call them for an attacker: to send data
#     out, destroy it or run commands.
#   hint: >-
#     Add a threat on the surface that names the family (or one of the techniques the
#     message lists) in its atlas list, scored and mitigated like the others.
#   rule_out: >-
#     List each technique that cannot reach this system in compliance.not_applicable
#     (technique and reason); the reason is reviewed like a threat.
deny contains result.each("TM-ATLAS-005", found) if {
	found := [result.item_control(
		["surfaces", ask.surface],
		{"family": ask.family, "name": ask.name, "surface": ["surfaces", ask.surface, "id"], "techniques": ask.techniques},
		concat("/", ["atlas", ask.family]),
	) |
		some ask in techniques.missing_on("agentic")
	]
	count(found) > 0
}

not_applicable contains "TM-ATLAS-005" if techniques.asked_on("agentic") == 0
