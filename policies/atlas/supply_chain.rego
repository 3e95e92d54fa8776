package atlas.supply_chain

import data.lib.result
import data.lib.techniques

# Asset types that are models.
_model_types := {"base_model", "fine_tuned_model", "embedding_model"}

# METADATA
# title: A third-party or open-weights model has model supply-chain compromise considered
# description: >-
#   A model built elsewhere arrives with whatever was done to it upstream.
#   AML.T0010.003 (or a sub-technique) must appear in a threat, or be ruled out with a
#   reason, when a model asset has supplier third_party or open_weights.
# custom:
#   id: TM-ATLAS-010
#   severity: high
#   controls:
#     atlas: ["AML.T0010.003"]
#     nist-ai-rmf: ["MAP 4.1"]
#   message: "model has a third-party or open-weights model but no threat considers AML.T0010.003 (AI Supply Chain Compromise: Model)"
deny contains finding if {
	count(_external_models) > 0
	not "AML.T0010.003" in techniques.considered
	finding := result.finding_control("TM-ATLAS-010", ["assets", _external_models[0]], {}, "atlas/AML.T0010.003")
}

# METADATA
# title: A runtime surface or ML library has AI software supply-chain compromise considered
# description: >-
#   The serving stack and ML libraries in the dependency graph are a supply chain of their
#   own. AML.T0010.001 (or a sub-technique) must appear in a threat, or be ruled out with a
#   reason, when the model has a runtime surface or an ml_library asset.
# custom:
#   id: TM-ATLAS-011
#   severity: high
#   controls:
#     atlas: ["AML.T0010.001"]
#     nist-ai-rmf: ["MAP 4.1"]
#   message: "model has a runtime surface or an ML library but no threat considers AML.T0010.001 (AI Supply Chain Compromise: AI Software)"
deny contains finding if {
	not "AML.T0010.001" in techniques.considered
	finding := result.finding_control("TM-ATLAS-011", _software_supply_path, {}, "atlas/AML.T0010.001")
}

# METADATA
# title: An open-weights model loaded from files has unsafe AI artifacts considered
# description: >-
#   Loading model files can execute code embedded in them. AML.T0011.000 (or a
#   sub-technique) must appear in a threat, or be ruled out with a reason, for a model asset
#   with supplier open_weights, unless it says loaded_from_files: false (used through a
#   provider's API, no files loaded).
# custom:
#   id: TM-ATLAS-012
#   severity: high
#   controls:
#     atlas: ["AML.T0011.000"]
#     nist-ai-rmf: ["MAP 4.1"]
#   message: "model has an open-weights model loaded from files but no threat considers AML.T0011.000 (User Execution: Unsafe AI Artifacts)"
deny contains finding if {
	count(_loaded_weights) > 0
	not "AML.T0011.000" in techniques.considered
	finding := result.finding_control("TM-ATLAS-012", ["assets", _loaded_weights[0]], {}, "atlas/AML.T0011.000")
}

not_applicable contains "TM-ATLAS-010" if count(_external_models) == 0

not_applicable contains "TM-ATLAS-011" if count(_runtime_surfaces) + count(_ml_libraries) == 0

not_applicable contains "TM-ATLAS-012" if count(_loaded_weights) == 0

# The indices below are arrays in model order, so [0] is the first: regopy builds a
# set (partial rule) slower, and its min() orders numbers as text (10 < 2).
_external_models := [i |
	some i
	asset := input.model.assets[i]
	asset.supplier in _external_suppliers
	asset.type in _model_types
]

_external_suppliers := {"third_party", "open_weights"}

_runtime_surfaces := [i | some i; input.model.surfaces[i].layer == "runtime"]

_ml_libraries := [i | some i; input.model.assets[i].type == "ml_library"]

# Points at the first runtime surface, or else at the first ML library.
_software_supply_path := ["surfaces", _runtime_surfaces[0]] if count(_runtime_surfaces) > 0

_software_supply_path := ["assets", _ml_libraries[0]] if {
	count(_runtime_surfaces) == 0
	count(_ml_libraries) > 0
}

_loaded_weights := [i |
	some i
	asset := input.model.assets[i]
	asset.supplier == "open_weights"
	asset.type in _model_types
	object.get(asset, "loaded_from_files", true) == true
]
