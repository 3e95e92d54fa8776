package nist_ai_rmf.map1_context

# MAP 1: the context of the system is established (purpose, users, risk tolerance).

import data.lib.model
import data.lib.result

# METADATA
# description: Both checks apply to every model.
not_applicable := set()

# Read by reference: object.get(input.model, ...) would copy the whole model on regopy.
default _system := {}

_system := input.model.system

_risk_tolerances := {"low", "medium", "high"}

_context_fields := ["intended_purpose", "deployment_context", "users"]

# METADATA
# title: Intended purpose, deployment context and users are all stated
# description: Without purpose, setting and users no risk in the model can be judged in context.
# custom:
#   id: TM-CTX-001
#   severity: high
#   judges: ["system"]
#   message: "system does not state its {field}"
#   controls: {nist-ai-rmf: ["MAP 1.1"]}
#   rationale: >-
#     Risks can only be judged against what the system is for, where it runs and who uses
#     it.
#   hint: >-
#     Fill in system.intended_purpose, system.deployment_context and system.users.
#   rule_out: >-
#     Waive the control in compliance.waivers (control, reason, approved_by, expires) while
#     the fix is scheduled, or list the control in compliance.not_applicable with a reason
#     when it cannot apply to this system.
deny contains finding if {
	some field in _context_fields
	not model.stated(_system, field)
	finding := result.finding("TM-CTX-001", ["system", field], {"field": field})
}

# METADATA
# title: The risk tolerance is declared
# description: Scores mean little until the organisation says how much risk this system may carry.
# custom:
#   id: TM-CTX-002
#   severity: medium
#   judges: ["system"]
#   message: "system does not declare a risk tolerance of low, medium or high"
#   controls: {nist-ai-rmf: ["MAP 1.5"]}
#   rationale: >-
#     A score means little until the organisation says how much risk the system may carry.
#   hint: >-
#     Set system.risk_tolerance to low, medium or high, as agreed with the system's owner.
#   rule_out: >-
#     Waive the control in compliance.waivers (control, reason, approved_by, expires) while
#     the fix is scheduled, or list the control in compliance.not_applicable with a reason
#     when it cannot apply to this system.
deny contains finding if {
	not object.get(_system, "risk_tolerance", "") in _risk_tolerances
	finding := result.finding("TM-CTX-002", ["system", "risk_tolerance"], {})
}
