package compliance.waivers

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

# The waived control, when it is written as the schema requires (a model that is not is
# never evaluated, but then no model text reaches the engine output); else the check's own.
_counted_against(control) := control if regex.match(`^(nist-ai-rmf|iso42001|atlas)/[A-Za-z0-9][A-Za-z0-9 ._-]*$`, control)

_counted_against(control) := "iso42001/6.1.3" if not regex.match(`^(nist-ai-rmf|iso42001|atlas)/[A-Za-z0-9][A-Za-z0-9 ._-]*$`, control)

not_applicable contains "TM-WAIVER-001" if count(object.get(input.model, ["compliance", "waivers"], [])) == 0
