package lib.result

# Checks report in `deny`, a set. regopy (the embedded engine) builds a set in time that
# grows with the square of its size (200 finding objects: ~225 ms, the same findings in an
# array: ~4 ms), so a check that can report once per threat, asset or control builds its
# findings in an array comprehension and reports them as one element made by `each`.
# `lib.result` is the only place that knows the shapes; the engine expands each batch into
# one finding per item.

# METADATA
# description: The one shape of a single deny result, so that every check builds it the same way.
deny(rule_id, msg, path) := {"rule_id": rule_id, "msg": msg, "path": path}

# METADATA
# description: A single deny result that counts against one control of the check only.
deny_control(rule_id, msg, path, control) := {"rule_id": rule_id, "msg": msg, "path": path, "control": control}

# METADATA
# description: Many deny results of one check as one element; items are made by `at` or `at_control`.
each(rule_id, items) := {"rule_id": rule_id, "each": items}

# METADATA
# description: One item of `each`, a message and the JSON path of the part of the model at fault.
at(msg, path) := {"msg": msg, "path": path}

# METADATA
# description: One item of `each` that counts against one control of the check only.
at_control(msg, path, control) := {"msg": msg, "path": path, "control": control}
