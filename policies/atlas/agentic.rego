package atlas.agentic

import data.lib.result
import data.lib.techniques

# Techniques that every model with an agentic surface must consider (controls.md).
_agentic_techniques := {
	"AML.T0053": "AI Agent Tool Invocation",
	"AML.T0086": "Exfiltration via AI Agent Tool Invocation",
}

# Permission levels that let a tool change or delete data.
_write_permissions := {"write", "read_write", "admin"}

# Asset types on which memory: true makes an agent with memory.
_memory_types := {"agent_tool", "base_model", "fine_tuned_model"}

# METADATA
# title: An agentic surface has its tool-invocation techniques considered
# description: >-
#   An agent that calls tools can be steered into calling them for the attacker, including
#   to send data out. Each technique (or a sub-technique) must appear in a threat, or be
#   ruled out with a reason.
# custom:
#   id: TM-ATLAS-005
#   severity: high
#   controls:
#     atlas: ["AML.T0053", "AML.T0086"]
#     nist-ai-rmf: ["MAP 4.1"]
#   message: "model has an agentic surface but no threat considers {technique} ({name})"
deny contains finding if {
	count(_agentic_surfaces) > 0
	some tid, name in _agentic_techniques
	not tid in techniques.considered
	params := {"technique": tid, "name": name}
	finding := result.finding_control("TM-ATLAS-005", ["surfaces", _agentic_surfaces[0]], params, concat("/", ["atlas", tid]))
}

# METADATA
# title: An agent tool with write permissions has data destruction considered
# description: >-
#   A tool that can write, change or delete lets a steered agent destroy data.
#   AML.T0101 (or a sub-technique) must appear in a threat, or be ruled out with a reason.
#   Permissions write, read_write and admin count as write permissions.
# custom:
#   id: TM-ATLAS-006
#   severity: high
#   controls:
#     atlas: ["AML.T0101"]
#     nist-ai-rmf: ["MAP 4.1"]
#   message: "model has an agent tool with write permissions but no threat considers AML.T0101 (Data Destruction via AI Agent Tool Invocation)"
deny contains finding if {
	count(_writing_tools) > 0
	not "AML.T0101" in techniques.considered
	finding := result.finding_control("TM-ATLAS-006", ["assets", _writing_tools[0], "permissions"], {}, "atlas/AML.T0101")
}

# METADATA
# title: An agent with memory has context poisoning considered
# description: >-
#   Memory that persists across sessions lets one poisoned interaction steer later ones.
#   AML.T0080 (or a sub-technique) must appear in a threat, or be ruled out with a reason,
#   when an agent tool or a model asset says memory: true.
# custom:
#   id: TM-ATLAS-007
#   severity: medium
#   controls:
#     atlas: ["AML.T0080"]
#     nist-ai-rmf: ["MAP 4.1"]
#   message: "model has an agent with memory but no threat considers AML.T0080 (AI Agent Context Poisoning)"
deny contains finding if {
	count(_memories) > 0
	not "AML.T0080" in techniques.considered
	finding := result.finding_control("TM-ATLAS-007", ["assets", _memories[0], "memory"], {}, "atlas/AML.T0080")
}

not_applicable contains "TM-ATLAS-005" if count(_agentic_surfaces) == 0

not_applicable contains "TM-ATLAS-006" if count(_writing_tools) == 0

not_applicable contains "TM-ATLAS-007" if count(_memories) == 0

# The indices below are arrays in model order, so [0] is the first: regopy builds a
# set (partial rule) slower, and its min() orders numbers as text (10 < 2).
_agentic_surfaces := [i | some i; input.model.surfaces[i].layer == "agentic"]

_writing_tools := [i |
	some i
	asset := input.model.assets[i]
	asset.type == "agent_tool"
	_writes(asset.permissions)
]

_writes(permissions) if permissions in _write_permissions

_writes(permissions) if {
	is_array(permissions)
	some permission in permissions
	permission in _write_permissions
}

_memories := [i |
	some i
	asset := input.model.assets[i]
	asset.memory == true
	asset.type in _memory_types
]
