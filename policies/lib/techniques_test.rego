package lib.techniques_test

import data.lib.techniques
import data.lib.testdata

test_considered_holds_mentioned_and_ruled_out if {
	m := testdata.model
	f := testdata.facts
	c := techniques.considered with input.model as m with input.facts as f
	"AML.T0051.001" in c
	"AML.T0051" in c
	"AML.T0010.003" in c
	not "AML.T0053" in c
}

test_ruled_out_needs_a_reason if {
	m := testdata.patched(testdata.model, ["compliance", "not_applicable", 0, "reason"], " ")
	f := testdata.facts
	c := techniques.considered with input.model as m with input.facts as f
	not "AML.T0010.003" in c
	"AML.T0051" in c
}

test_considered_without_mentioned_or_compliance if {
	m := object.remove(testdata.model, ["compliance"])
	f := object.remove(testdata.facts, ["atlas"])
	c := techniques.considered with input.model as m with input.facts as f
	count(c) == 0
}

test_considered_without_mentioned_keeps_ruled_out if {
	m := testdata.model
	f := object.remove(testdata.facts, ["atlas"])
	c := techniques.considered with input.model as m with input.facts as f
	c == ["AML.T0010.003"]
}
