package atlas.retrieval

import data.lib.result
import data.lib.techniques

# Techniques that every model with a retrieval surface must consider (controls.md).
_retrieval_techniques := {
	"AML.T0051.001": "LLM Prompt Injection: Indirect",
	"AML.T0070": "RAG Poisoning",
	"AML.T0071": "False RAG Entry Injection",
}

# METADATA
# title: A retrieval surface has its RAG techniques considered
# description: >-
#   Text retrieved into the context is attacker-reachable input: it can carry indirect
#   prompt injection, poison the index or plant false entries. Each technique (or a
#   sub-technique) must appear in a threat, or be ruled out with a reason.
# custom:
#   id: TM-ATLAS-003
#   severity: high
#   controls:
#     atlas: ["AML.T0051.001", "AML.T0070", "AML.T0071"]
#     nist-ai-rmf: ["MAP 4.1"]
#   message: "model has a retrieval surface but no threat considers {technique} ({name})"
deny contains finding if {
	count(_retrieval_surfaces) > 0
	some tid, name in _retrieval_techniques
	not tid in techniques.considered
	params := {"technique": tid, "name": name}
	finding := result.finding_control("TM-ATLAS-003", ["surfaces", _retrieval_surfaces[0]], params, concat("/", ["atlas", tid]))
}

# METADATA
# title: An unreviewed ingestion path has retrieval content crafting considered
# description: >-
#   When documents reach the index without review, whoever can write to the source can
#   craft content that ranks for chosen queries. AML.T0066 (or a sub-technique) must appear
#   in a threat, or be ruled out with a reason. An ingestion path that does not say
#   reviewed_before_publish: true counts as unreviewed.
# custom:
#   id: TM-ATLAS-004
#   severity: high
#   controls:
#     atlas: ["AML.T0066"]
#     nist-ai-rmf: ["MAP 4.1"]
#   message: "model has an ingestion path without review before publishing but no threat considers AML.T0066 (Retrieval Content Crafting)"
deny contains finding if {
	count(_unreviewed_paths) > 0
	not "AML.T0066" in techniques.considered
	finding := result.finding_control("TM-ATLAS-004", _unreviewed_paths[0], {}, "atlas/AML.T0066")
}

not_applicable contains "TM-ATLAS-003" if count(_retrieval_surfaces) == 0

not_applicable contains "TM-ATLAS-004" if count(_unreviewed_paths) == 0

# The indices below are arrays in model order, so [0] is the first: regopy builds a
# set (partial rule) slower, and its min() orders numbers as text (10 < 2).
_retrieval_surfaces := [i | some i; input.model.surfaces[i].layer == "retrieval"]

# The path of every ingestion path not reviewed before publishing, by asset then path.
_unreviewed_paths := [["assets", i, "ingestion_paths", j] |
	some i, j
	ingestion := input.model.assets[i].ingestion_paths[j]
	not ingestion.reviewed_before_publish == true
]
