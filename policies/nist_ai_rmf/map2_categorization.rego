package nist_ai_rmf.map2_categorization

# MAP 2 and MAP 3: the system is categorised (tasks), its limits and its human oversight stated.

import data.lib.model
import data.lib.result

# METADATA
# description: The checks apply to every model.
not_applicable := set()

# Read by reference: object.get(input.model, ...) would copy the whole model on regopy.
default _system := {}

_system := input.model.system

# METADATA
# title: The AI tasks of the system are listed
# description: Generation, retrieval, classification or tool use each bring their own risks.
# custom:
#   id: TM-CTX-003
#   severity: medium
#   judges: ["system"]
#   message: "system lists no ai_tasks"
#   controls: {nist-ai-rmf: ["MAP 2.1"]}
#   rationale: >-
#     Generation, retrieval, classification and tool use each bring their own risks, and
#     decide which techniques apply.
#   hint: >-
#     List the system's AI tasks in system.ai_tasks.
#   rule_out: >-
#     Waive the control in compliance.waivers (control, reason, approved_by, expires) while
#     the fix is scheduled, or list the control in compliance.not_applicable with a reason
#     when it cannot apply to this system.
deny contains finding if {
	not model.stated(_system, "ai_tasks")
	finding := result.finding("TM-CTX-003", ["system", "ai_tasks"], {})
}

# METADATA
# title: Human oversight of the system's outputs is described
# description: Who reviews or can override what the system does, and when.
# custom:
#   id: TM-CTX-004
#   severity: high
#   judges: ["system"]
#   message: "system does not describe its human_oversight"
#   controls: {nist-ai-rmf: ["MAP 2.2", "MAP 3.5"], iso42001: ["6.1.4", "8.4", "A.9.2"]}
#   rationale: >-
#     Whether a person reviews or can override the system changes the impact of every
#     threat.
#   hint: >-
#     Describe in system.human_oversight who reviews or can override the system's outputs,
#     and when.
#   rule_out: >-
#     Waive the control in compliance.waivers (control, reason, approved_by, expires) while
#     the fix is scheduled, or list the control in compliance.not_applicable with a reason
#     when it cannot apply to this system.
deny contains finding if {
	not model.stated(_system, "human_oversight")
	finding := result.finding("TM-CTX-004", ["system", "human_oversight"], {})
}

# METADATA
# title: Out-of-scope uses are listed
# description: Stating what the system must not be used for bounds its application scope and knowledge limits.
# custom:
#   id: TM-CTX-005
#   severity: medium
#   judges: ["system"]
#   message: "system lists no out_of_scope_uses"
#   controls: {nist-ai-rmf: ["MAP 2.2", "MAP 3.3"]}
#   rationale: >-
#     Stating what the system must not be used for bounds the risks it has to answer for.
#   hint: >-
#     List the uses the system is not meant for in system.out_of_scope_uses.
#   rule_out: >-
#     Waive the control in compliance.waivers (control, reason, approved_by, expires) while
#     the fix is scheduled, or list the control in compliance.not_applicable with a reason
#     when it cannot apply to this system.
deny contains finding if {
	not model.stated(_system, "out_of_scope_uses")
	finding := result.finding("TM-CTX-005", ["system", "out_of_scope_uses"], {})
}

# The parts of the model only an agent has: agent tools and agentic surfaces (their ids).
_agent_parts := array.concat(_agent_tools, _agentic_surfaces)

# Bound by a reference, not inside a call: regopy leaves `some i` unbound in object.get's
# arguments and the comprehension empty.
_agent_tools := [["assets", i, "id"] |
	some i
	asset := input.model.assets[i]
	object.get(asset, "type", "") == "agent_tool"
]

_agentic_surfaces := [["surfaces", i, "id"] |
	some i
	surface := input.model.surfaces[i]
	object.get(surface, "layer", "") == "agentic"
]

# METADATA
# title: The AI tasks agree with the agent the model describes
# description: >-
#   system.ai_tasks decide which ATLAS techniques apply (facts.atlas.kinds, from
#   policyengine.applicability): tasks that make the system only predictive (detection,
#   classification, scoring, ...) take every LLM and agent technique out of scope. A model
#   that also has an agent tool or an agentic surface describes an agent, which generates
#   its tool calls: the tasks contradict it.
# custom:
#   id: TM-CTX-006
#   severity: high
#   judges: ["system"]
#   message: "system.ai_tasks name only predictive tasks, but {agent} (one of {count} agent tools and agentic surfaces) belongs to an agent: the LLM and agent techniques do not apply while the tasks say so"
#   controls: {nist-ai-rmf: ["MAP 2.1"]}
#   rationale: >-
#     The tasks decide which techniques a model must consider; tasks that leave out what an
#     agent does leave its prompt-injection and tool-abuse techniques unasked.
#   hint: >-
#     List the system's generative and tool-use tasks in system.ai_tasks (generation,
#     tool_use, ...), beside the predictive ones.
#   rule_out: >-
#     Waive the control in compliance.waivers (control, reason, approved_by, expires) while
#     the fix is scheduled, or list the control in compliance.not_applicable with a reason
#     when it cannot apply to this system.
deny contains finding if {
	not "generative" in input.facts.atlas.kinds
	parts := _agent_parts
	count(parts) > 0
	finding := result.finding("TM-CTX-006", ["system", "ai_tasks"], {"agent": parts[0], "count": count(parts)})
}
