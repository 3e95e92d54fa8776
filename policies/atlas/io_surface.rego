package atlas.io_surface

import data.lib.result
import data.lib.techniques

# Techniques that every model with an input_output surface must consider (controls.md).
_io_techniques := {
	"AML.T0051": "LLM Prompt Injection",
	"AML.T0054": "LLM Jailbreak",
	"AML.T0056": "Extract LLM System Prompt",
	"AML.T0057": "LLM Data Leakage",
}

# Techniques that a public or unauthenticated inference API puts in scope (controls.md).
_api_techniques := {
	"AML.T0040": "AI Model Inference API Access",
	"AML.T0024": "Exfiltration via AI Inference API",
	"AML.T0029": "Denial of AI Service",
	"AML.T0034": "Cost Harvesting",
}

# METADATA
# title: An input_output surface has its prompt-level techniques considered
# description: >-
#   A model that takes free input and returns output can be injected, jailbroken, made to
#   reveal its system prompt or leak data. Each of these techniques (or a sub-technique)
#   must appear in a threat, or be ruled out in compliance.not_applicable with a reason.
# custom:
#   id: TM-ATLAS-001
#   severity: high
#   controls:
#     atlas: ["AML.T0051", "AML.T0054", "AML.T0056", "AML.T0057"]
#     nist-ai-rmf: ["MAP 4.1"]
#   message: "model has an input_output surface but no threat considers {technique} ({name})"
deny contains finding if {
	count(_io_surfaces) > 0
	some tid, name in _io_techniques
	not tid in techniques.considered
	params := {"technique": tid, "name": name}
	finding := result.finding_control("TM-ATLAS-001", ["surfaces", _io_surfaces[0]], params, concat("/", ["atlas", tid]))
}

# METADATA
# title: A public or unauthenticated inference API has its API-level techniques considered
# description: >-
#   Anyone who can reach an inference API can query it at will: to access the model,
#   exfiltrate through it, deny service or run up its cost. An inference API with
#   exposure public, or without authentication, needs these techniques in a threat or ruled
#   out with a reason.
# custom:
#   id: TM-ATLAS-002
#   severity: high
#   controls:
#     atlas: ["AML.T0040", "AML.T0024", "AML.T0029", "AML.T0034"]
#     nist-ai-rmf: ["MAP 4.1"]
#   message: "model has a public or unauthenticated inference API but no threat considers {technique} ({name})"
deny contains finding if {
	count(_open_apis) > 0
	some tid, name in _api_techniques
	not tid in techniques.considered
	params := {"technique": tid, "name": name}
	finding := result.finding_control("TM-ATLAS-002", ["assets", _open_apis[0]], params, concat("/", ["atlas", tid]))
}

not_applicable contains "TM-ATLAS-001" if count(_io_surfaces) == 0

not_applicable contains "TM-ATLAS-002" if count(_open_apis) == 0

# The indices below are arrays in model order, so [0] is the first: regopy builds a
# set (partial rule) slower, and its min() orders numbers as text (10 < 2).
_io_surfaces := [i | some i; input.model.surfaces[i].layer == "input_output"]

_open_apis := [i |
	some i
	asset := input.model.assets[i]
	asset.type == "inference_api"
	_open(asset)
]

_open(asset) if asset.exposure == "public"

_open(asset) if object.get(asset, "authentication", "none") in _no_authentication

_no_authentication := {"none", "", null}
