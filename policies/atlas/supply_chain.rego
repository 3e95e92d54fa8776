package atlas.supply_chain

import data.lib.model
import data.lib.result

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
deny contains finding if {
	# regopy 1.5.2 does not fail a body on min() of an empty set: guard first.
	count(_external_models) > 0
	not model.technique_considered(input.model, "AML.T0010.003")
	msg := "model has a third-party or open-weights model but no threat considers AML.T0010.003 (AI Supply Chain Compromise: Model)"
	finding := result.deny_control("TM-ATLAS-010", msg, min(_external_models), "atlas/AML.T0010.003")
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
deny contains finding if {
	# regopy 1.5.2 does not fail a body on min() of an empty set: guard first.
	count(_software_supply) > 0
	not model.technique_considered(input.model, "AML.T0010.001")
	msg := "model has a runtime surface or an ML library but no threat considers AML.T0010.001 (AI Supply Chain Compromise: AI Software)"
	finding := result.deny_control("TM-ATLAS-011", msg, min(_software_supply), "atlas/AML.T0010.001")
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
deny contains finding if {
	# regopy 1.5.2 does not fail a body on min() of an empty set: guard first.
	count(_loaded_weights) > 0
	not model.technique_considered(input.model, "AML.T0011.000")
	msg := "model has an open-weights model loaded from files but no threat considers AML.T0011.000 (User Execution: Unsafe AI Artifacts)"
	finding := result.deny_control("TM-ATLAS-012", msg, min(_loaded_weights), "atlas/AML.T0011.000")
}

not_applicable contains "TM-ATLAS-010" if count(_external_models) == 0

not_applicable contains "TM-ATLAS-011" if count(_software_supply) == 0

not_applicable contains "TM-ATLAS-012" if count(_loaded_weights) == 0

_external_models contains ["assets", i] if {
	some i, asset in input.model.assets
	asset.type in _model_types
	asset.supplier in {"third_party", "open_weights"}
}

_software_supply contains ["surfaces", i] if {
	some i, surface in input.model.surfaces
	surface.layer == "runtime"
}

_software_supply contains ["assets", i] if {
	some i, asset in input.model.assets
	asset.type == "ml_library"
}

_loaded_weights contains ["assets", i] if {
	some i, asset in input.model.assets
	asset.type in _model_types
	asset.supplier == "open_weights"
	object.get(asset, "loaded_from_files", true) == true
}
