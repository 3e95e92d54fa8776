package atlas.training

import data.lib.result
import data.lib.techniques

# Techniques that a training or fine-tuning pipeline, or a dataset, puts in scope (controls.md).
_training_techniques := {
	"AML.T0020": "Poison Training Data",
	"AML.T0018": "Manipulate AI Model",
}

# Asset types that make training data part of the system.
_training_types := {"training_pipeline", "fine_tuning_pipeline", "dataset"}

# METADATA
# title: Training data has poisoning and model manipulation considered
# description: >-
#   A model trained or fine-tuned here can be poisoned through its data or manipulated
#   through the pipeline. Each technique (or a sub-technique) must appear in a threat, or be
#   ruled out with a reason, when the model lists a training or fine-tuning pipeline or a
#   dataset.
# custom:
#   id: TM-ATLAS-008
#   severity: high
#   controls:
#     atlas: ["AML.T0020", "AML.T0018"]
#     nist-ai-rmf: ["MAP 4.1"]
#   message: "model has a training or fine-tuning pipeline or a dataset but no threat considers {technique} ({name})"
deny contains finding if {
	count(_training_assets) > 0
	some tid, name in _training_techniques
	not tid in techniques.considered
	params := {"technique": tid, "name": name}
	finding := result.finding_control("TM-ATLAS-008", ["assets", _training_assets[0]], params, concat("/", ["atlas", tid]))
}

# METADATA
# title: A dataset open to writers has published poisoned datasets considered
# description: >-
#   When anyone can add to a dataset, an attacker can publish poisoned data into it.
#   AML.T0019 (or a sub-technique) must appear in a threat, or be ruled out with a reason,
#   for a dataset whose ingestion.access_controlled is not true.
# custom:
#   id: TM-ATLAS-009
#   severity: high
#   controls:
#     atlas: ["AML.T0019"]
#     nist-ai-rmf: ["MAP 4.1"]
#   message: "model has a dataset without access-controlled ingestion but no threat considers AML.T0019 (Publish Poisoned Datasets)"
deny contains finding if {
	count(_open_datasets) > 0
	not "AML.T0019" in techniques.considered
	finding := result.finding_control("TM-ATLAS-009", ["assets", _open_datasets[0]], {}, "atlas/AML.T0019")
}

not_applicable contains "TM-ATLAS-008" if count(_training_assets) == 0

not_applicable contains "TM-ATLAS-009" if count(_open_datasets) == 0

# The indices below are arrays in model order, so [0] is the first: regopy builds a
# set (partial rule) slower, and its min() orders numbers as text (10 < 2).
# Bind the asset first: regopy does not enumerate an unbound index inside `in`.
_training_assets := [i | some i; asset := input.model.assets[i]; asset.type in _training_types]

_open_datasets := [i |
	some i
	asset := input.model.assets[i]
	asset.type == "dataset"
	not asset.ingestion.access_controlled == true
]
