package atlas.model_layer

import data.lib.result
import data.lib.techniques

# METADATA
# title: A model surface has the ATLAS techniques that apply to it considered
# description: >-
#   Weights, training data and models from suppliers can be poisoned, manipulated, stolen or
#   arrive compromised. Each family that applies on a model surface must appear in a threat
#   (the family, a sub-technique or a sibling) or be ruled out in compliance.not_applicable
#   with a reason.
#   Which families apply is decided in Python (policyengine.applicability, from
#   policies/catalog/atlas-applicability.csv) and given as facts.atlas.asks: one finding
#   per family no threat considers, per surface, naming the techniques it covers there.
# custom:
#   id: TM-ATLAS-008
#   severity: high
#   judges: ["surfaces[layer=model]"]
#   absent: no ATLAS technique applies to a model surface of this model
#   controls:
#     atlas: ["AML.T0010", "AML.T0011", "AML.T0018", "AML.T0020"]
#     nist-ai-rmf: ["MAP 4.1"]
#   message: "no threat considers {family} ({name}) on model surface {surface}; it covers {techniques}"
#   rationale: >-
#     Weights, training data and supplied models can be poisoned, manipulated, stolen or
#     arrive compromised.
#   hint: >-
#     Add a threat on the surface that names the family (or one of the techniques the
#     message lists) in its atlas list, scored and mitigated like the others.
#   rule_out: >-
#     List each technique that cannot reach this system in compliance.not_applicable
#     (technique and reason); the reason is reviewed like a threat.
deny contains result.each("TM-ATLAS-008", found) if {
	found := [result.item_control(
		["surfaces", ask.surface],
		{"family": ask.family, "name": ask.name, "surface": ["surfaces", ask.surface, "id"], "techniques": ask.techniques},
		concat("/", ["atlas", ask.family]),
	) |
		some ask in techniques.missing_on("model")
	]
	count(found) > 0
}

not_applicable contains "TM-ATLAS-008" if techniques.asked_on("model") == 0
