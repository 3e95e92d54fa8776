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
#   controls: {iso42001: ["6.1.3"]}
deny contains result.each("TM-WAIVER-001", found) if {
	# One batch (lib.result says why). Waivers and their facts zipped by index: "some i;
	# w := waivers[i]" then facts[i] is a join regopy enumerates in full.
	waivers := input.model.compliance.waivers
	count(waivers) > 0 # numbers.range(0, -1) is [0, -1]
	found := [result.at_control(msg, ["compliance", "waivers", i, "expires"], waiver.control) |
		some i in numbers.range(0, count(waivers) - 1)
		count(input.facts.waivers) > i # past the end is an error on regopy, not undefined
		input.facts.waivers[i].expired
		waiver := waivers[i]
		msg := sprintf("waiver of %s expired on %s", [waiver.control, waiver.expires])
	]
	count(found) > 0
}

not_applicable contains "TM-WAIVER-001" if count(object.get(input.model, ["compliance", "waivers"], [])) == 0
