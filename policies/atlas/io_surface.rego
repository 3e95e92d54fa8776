package atlas.io_surface

import data.lib.result
import data.lib.techniques

# METADATA
# title: An input_output surface has the ATLAS techniques that apply to it considered
# description: >-
#   What a user or caller can send and receive puts techniques in scope: prompt-level ones
#   where a generative model answers, evasion and model extraction where a predictive one
#   decides, API-level ones where the inference API is open. Each family that applies on an
#   input_output surface must appear in a threat (the family, a sub-technique or a sibling)
#   or be ruled out in compliance.not_applicable with a reason.
#   Which families apply is decided in Python (policyengine.applicability, from
#   policies/catalog/atlas-applicability.csv) and given as facts.atlas.asks: one finding
#   per family no threat considers, per surface, naming the techniques it covers there.
# custom:
#   id: TM-ATLAS-001
#   severity: high
#   judges: ["surfaces[layer=input_output]"]
#   absent: no ATLAS technique applies to an input_output surface of this model
#   controls:
#     atlas: ["AML.T0018", "AML.T0024", "AML.T0029", "AML.T0040", "AML.T0051", "AML.T0054", "AML.T0056", "AML.T0057"]
#     nist-ai-rmf: ["MAP 4.1"]
#   message: "no threat considers {family} ({name}) on input_output surface {surface}; it covers {techniques}"
#   rationale: >-
#     What anyone can send to a model and read back is the first place an attacker tries:
#     injection, jailbreaks, evasion, extraction and API abuse.
#   hint: >-
#     Add a threat on the surface that names the family (or one of the techniques the
#     message lists) in its atlas list, scored and mitigated like the others.
#   rule_out: >-
#     List each technique that cannot reach this system in compliance.not_applicable
#     (technique and reason); the reason is reviewed like a threat.
deny contains result.each("TM-ATLAS-001", found) if {
	found := [result.item_control(
		["surfaces", ask.surface],
		{"family": ask.family, "name": ask.name, "surface": ["surfaces", ask.surface, "id"], "techniques": ask.techniques},
		concat("/", ["atlas", ask.family]),
	) |
		some ask in techniques.missing_on("input_output")
	]
	count(found) > 0
}

not_applicable contains "TM-ATLAS-001" if techniques.asked_on("input_output") == 0
