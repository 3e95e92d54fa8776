package compliance.waivers

import data.lib.model
import data.lib.result

# METADATA
# title: Waivers have not expired
# description: >-
#   A waiver is a time-boxed decision not to meet a control. Once its expiry date has passed
#   it waives nothing, and the lapsed decision itself is a finding against the control it
#   named, until the waiver is renewed or removed.
# custom:
#   id: TM-WAIVER-001
#   severity: medium
#   judges: ["compliance.waivers"]
#   absent: no waiver in this model
#   controls: {iso42001: ["6.1.3"]}
#   message: "waiver of {control} expired on {expires}"
#   rationale: >-
#     A waiver is a time-boxed decision; once it expires it decides nothing.
#   hint: >-
#     Fix the control and remove the waiver, or renew it with a new expiry and approval.
#   rule_out: >-
#     Not by another waiver: renewing this one (a reviewer approves it) or removing it is
#     the fix.
deny contains result.each("TM-WAIVER-001", found) if {
	# One batch (lib.result says why). Waivers and their facts zipped by index: "some i;
	# w := waivers[i]" then facts[i] is a join regopy enumerates in full.
	waivers := input.model.compliance.waivers
	count(waivers) > 0 # numbers.range(0, -1) is [0, -1]
	found := [result.item_control(path, params, _counted_against(waiver.control)) |
		some i in numbers.range(0, count(waivers) - 1)
		count(input.facts.waivers) > i # past the end is an error on regopy, not undefined
		input.facts.waivers[i].expired
		waiver := waivers[i]
		path := ["compliance", "waivers", i, "expires"]

		# The finding counts against the waived control; the message reads the model.
		params := {"control": ["compliance", "waivers", i, "control"], "expires": path}
	]
	count(found) > 0
}

# METADATA
# title: Waivers are approved by one of the organisation's acceptors
# description: >-
#   When the organisation names who may accept risk (the register's risk_acceptors, else
#   risk.acceptors in the config), a waiver is its decision only when one of them approved
#   it: a waiver with no approver, or with someone else, waives nothing, and the lapsed
#   decision is a finding against the control it named. With no acceptors named, the
#   approver is not judged.
# custom:
#   id: TM-WAIVER-002
#   severity: medium
#   judges: ["compliance.waivers"]
#   absent: no waiver in this model
#   controls: {iso42001: ["6.1.3"]}
#   message:
#     no_approver: "the waiver of {control} names no approver; the risk criteria name who may approve one ({acceptors_from})"
#     unauthorized: "the waiver of {control} is approved by {approver}, who is not among the acceptors of the risk criteria ({acceptors_from})"
#   rationale: >-
#     A waiver accepts a gap in a control; only those the organisation authorises to accept
#     risk may do that, or anyone editing the file could.
#   hint: >-
#     Have one of the acceptors (the register's risk_acceptors, else risk.acceptors) approve
#     the waiver and name them in approved_by, or fix the control and remove the waiver.
#   rule_out: >-
#     Not by another waiver: an approval by an acceptor, or removing the waiver, is the fix.
deny contains result.each("TM-WAIVER-002", found) if {
	waivers := input.model.compliance.waivers
	count(waivers) > 0 # numbers.range(0, -1) is [0, -1]
	acceptors_from := object.get(input.facts, ["risk", "acceptors_from"], "risk.acceptors")
	found := [result.item_control(path, params, _counted_against(waiver.control)) |
		some i in numbers.range(0, count(waivers) - 1)
		count(input.facts.waivers) > i # past the end is an error on regopy, not undefined
		input.facts.waivers[i].authorized == false
		waiver := waivers[i]
		path := _approver_path(waiver, i)
		params := _approver_params(waiver, i, acceptors_from)
	]
	count(found) > 0
}

_approver_path(waiver, i) := ["compliance", "waivers", i, "approved_by"] if model.stated(waiver, "approved_by")

_approver_path(waiver, i) := ["compliance", "waivers", i] if not model.stated(waiver, "approved_by")

_approver_params(waiver, i, acceptors_from) := {
	"message": "unauthorized", "control": ["compliance", "waivers", i, "control"],
	"approver": ["compliance", "waivers", i, "approved_by"], "acceptors_from": acceptors_from,
} if model.stated(waiver, "approved_by")

_approver_params(waiver, i, acceptors_from) := {
	"message": "no_approver", "control": ["compliance", "waivers", i, "control"],
	"acceptors_from": acceptors_from,
} if not model.stated(waiver, "approved_by")

# METADATA
# title: Waivers run no longer than the organisation's risk criteria allow
# description: >-
#   A waiver is a risk decision, bounded like a risk acceptance: its expiry lies at most
#   risk.max_waiver_days (default 365) after the as-of date. A waiver has no grant date to
#   measure from, so the bound is counted from the as-of date: a waiver whose expiry is
#   further ahead waives nothing, and the decision is a finding against the control it
#   named, until its expiry is brought within the bound.
# custom:
#   id: TM-WAIVER-003
#   severity: medium
#   judges: ["compliance.waivers"]
#   absent: no waiver in this model
#   controls: {iso42001: ["6.1.3"]}
#   message: "the waiver of {control} runs until {expires}, {days} days after the as-of date, longer than the {max} days the risk criteria allow"
#   rationale: >-
#     A waiver that runs for years is no time-boxed decision: it waives the control for good
#     without anyone deciding again.
#   hint: >-
#     Set the waiver's expires within risk.max_waiver_days of today and renew it when it
#     lapses, or fix the control and remove the waiver.
#   rule_out: >-
#     Not by another waiver: a shorter expiry, or removing the waiver, is the fix.
deny contains result.each("TM-WAIVER-003", found) if {
	waivers := input.model.compliance.waivers
	count(waivers) > 0 # numbers.range(0, -1) is [0, -1]
	max := object.get(input.facts, ["risk", "max_waiver_days"], 365)
	found := [result.item_control(path, params, _counted_against(waiver.control)) |
		some i in numbers.range(0, count(waivers) - 1)
		count(input.facts.waivers) > i # past the end is an error on regopy, not undefined
		input.facts.waivers[i].too_long == true
		waiver := waivers[i]
		path := ["compliance", "waivers", i, "expires"]
		params := {
			"control": ["compliance", "waivers", i, "control"], "expires": path,
			"days": input.facts.waivers[i].days_left, "max": max,
		}
	]
	count(found) > 0
}

# The waived control, when it is written as the schema requires (a model that is not is
# never evaluated, but then no model text reaches the engine output); else the check's own.
_counted_against(control) := control if regex.match(`^(nist-ai-rmf|iso42001|atlas)/[A-Za-z0-9][A-Za-z0-9 ._-]*$`, control)

_counted_against(control) := "iso42001/6.1.3" if not regex.match(`^(nist-ai-rmf|iso42001|atlas)/[A-Za-z0-9][A-Za-z0-9 ._-]*$`, control)

not_applicable contains "TM-WAIVER-001" if count(object.get(input.model, ["compliance", "waivers"], [])) == 0

not_applicable contains "TM-WAIVER-002" if count(object.get(input.model, ["compliance", "waivers"], [])) == 0

not_applicable contains "TM-WAIVER-003" if count(object.get(input.model, ["compliance", "waivers"], [])) == 0
