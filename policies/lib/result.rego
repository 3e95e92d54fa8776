package lib.result

# The one place that knows the shapes of a deny result.
#
# A finding carries no text: its check id, `path` (the part of the model at fault, an array
# of keys and indices into input.model) and `params`, an object whose values are pointers
# into the model (arrays of keys and indices, like `path`), numbers, or plain words the
# policy itself wrote (an enum value, a field name: no quote, backslash or control
# character). policyengine renders the message from the check's `custom.message` template,
# filling each `{name}` with params.name, a pointer resolved to the model's own value. So
# no model text passes through an engine's output, where regopy cannot carry it faithfully
# (it does not escape quotes), and both engines give the same findings for any text.
#
# regopy (the embedded engine) builds a set in time that grows with the square of its size
# (200 finding objects: ~225 ms, the same findings in an array: ~4 ms), so a check that can
# report once per threat, asset or control builds its findings in an array comprehension and
# reports them as one element made by `each`; the engine expands each batch into one
# finding per item.

# METADATA
# description: One finding of a check; params fill the placeholders of its custom.message.
finding(rule_id, path, params) := {"rule_id": rule_id, "path": path, "params": params}

# METADATA
# description: One finding that counts against one control of the check only.
finding_control(rule_id, path, params, control) := {
	"rule_id": rule_id, "path": path, "params": params,
	"control": control,
}

# METADATA
# description: Many findings of one check as one element; items are made by `item` or `item_control`.
each(rule_id, items) := {"rule_id": rule_id, "each": items}

# METADATA
# description: One item of `each`, the path of the part of the model at fault and the message params.
item(path, params) := {"path": path, "params": params}

# METADATA
# description: One item of `each` that counts against one control of the check only.
item_control(path, params, control) := {"path": path, "params": params, "control": control}

# METADATA
# description: >-
#   One item of `each` that counts against some of the check's controls only (a subset of
#   its custom.controls, checked by policyengine).
item_controls(path, params, controls) := {"path": path, "params": params, "controls": controls}

# Legacy shapes, for a team check that declares no custom.message and writes its own text.
# Its message is shown as the policy wrote it; a message holding a quote, a backslash or a
# control character is an engine error on both engines (regopy cannot carry such text).

# METADATA
# description: Legacy - a finding with its own message text (checks without custom.message).
deny(rule_id, msg, path) := {"rule_id": rule_id, "msg": msg, "path": path}

# METADATA
# description: Legacy - a finding with its own message text that counts against one control only.
deny_control(rule_id, msg, path, control) := {"rule_id": rule_id, "msg": msg, "path": path, "control": control}

# METADATA
# description: Legacy - one item of `each` with its own message text.
at(msg, path) := {"msg": msg, "path": path}

# METADATA
# description: Legacy - one item of `each` with its own message text, against one control only.
at_control(msg, path, control) := {"msg": msg, "path": path, "control": control}
