package atlas.retrieval

import data.lib.result
import data.lib.techniques

# METADATA
# title: A retrieval surface has the ATLAS techniques that apply to it considered
# description: >-
#   Text retrieved into the context of a generative model is attacker-reachable input: it can
#   carry injected instructions, poison the index or leak what it holds. Each family that
#   applies on a retrieval surface must appear in a threat (the family, a sub-technique or a
#   sibling) or be ruled out in compliance.not_applicable with a reason.
#   Which families apply is decided in Python (policyengine.applicability, from
#   policies/catalog/atlas-applicability.csv) and given as facts.atlas.asks: one finding
#   per family no threat considers, per surface, naming the techniques it covers there.
# custom:
#   id: TM-ATLAS-003
#   severity: high
#   judges: ["surfaces[layer=retrieval]"]
#   absent: no ATLAS technique applies to a retrieval surface of this model
#   controls:
#     atlas: ["AML.T0051", "AML.T0057", "AML.T0070"]
#     nist-ai-rmf: ["MAP 4.1"]
#   message: "no threat considers {family} ({name}) on retrieval surface {surface}; it covers {techniques}"
#   rationale: >-
#     Whatever a retriever puts into the context is input an attacker may have written, and
#     an index can leak what it holds.
#   hint: >-
#     Add a threat on the surface that names the family (or one of the techniques the
#     message lists) in its atlas list, scored and mitigated like the others.
#   rule_out: >-
#     List each technique that cannot reach this system in compliance.not_applicable
#     (technique and reason); the reason is reviewed like a threat.
deny contains result.each("TM-ATLAS-003", found) if {
	found := [result.item_control(
		["surfaces", ask.surface],
		{"family": ask.family, "name": ask.name, "surface": ["surfaces", ask.surface, "id"], "techniques": ask.techniques},
		concat("/", ["atlas", ask.family]),
	) |
		some ask in techniques.missing_on("retrieval")
	]
	count(found) > 0
}

not_applicable contains "TM-ATLAS-003" if techniques.asked_on("retrieval") == 0
