package atlas.retrieval

import data.lib.model
import data.lib.result

# The techniques the model considers, computed once for every check below.
_considered := model.considered(input.model, input.facts)

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
deny contains finding if {
	some tid, name in _retrieval_techniques
	not tid in _considered
	msg := sprintf("model has a retrieval surface but no threat considers %s (%s)", [tid, name])
	finding := result.deny_control("TM-ATLAS-003", msg, ["surfaces", _first(_retrieval_surfaces)], concat("/", ["atlas", tid]))
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
deny contains finding if {
	not "AML.T0066" in _considered
	msg := "model has an ingestion path without review before publishing but no threat considers AML.T0066 (Retrieval Content Crafting)"
	finding := result.deny_control("TM-ATLAS-004", msg, _first_unreviewed_path, "atlas/AML.T0066")
}

not_applicable contains "TM-ATLAS-003" if count(_retrieval_surfaces) == 0

not_applicable contains "TM-ATLAS-004" if count(_unreviewed_paths) == 0

_retrieval_surfaces contains i if {
	some i, surface in input.model.surfaces
	surface.layer == "retrieval"
}

# [asset index, ingestion path index] of every path not reviewed before publishing.
_unreviewed_paths contains [i, j] if {
	some i, asset in input.model.assets
	some j, ingestion in asset.ingestion_paths
	not ingestion.reviewed_before_publish == true
}

_first_unreviewed_path := ["assets", i, "ingestion_paths", j] if {
	i := _first({pair[0] | some pair in _unreviewed_paths})
	j := _first({pair[1] | some pair in _unreviewed_paths; pair[0] == i})
}

# The smallest index in a set. Not min(): regopy 1.5.2 orders numbers in a set as text (10 < 2).
_first(indices) := i if {
	some i in indices
	every j in indices {
		i <= j
	}
}
