"""Check messages: a check's `custom.message` template, filled from a finding's params.

Policies return no text from the model (policies/README.md): a finding is a check id, a
path and `params`, whose values are pointers into the model (arrays of keys and indices),
numbers, or plain words the policy wrote. The message is rendered here, in Python, with the
model's own values, so a quote or a newline in a model can never change what an engine
answers, and both engines give the same text.

A template is text with `{name}` placeholders (`threat {threat} has no assumption`); `{{`
and `}}` stand for literal braces. A check that reports different sentences gives several
templates by name, and each finding names the one it uses in the param `message`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["PLAIN_TEXT", "SELECTOR", "Messages", "Template", "TemplateError", "is_plain"]

_PART_RE = re.compile(r"\{\{|\}\}|\{([a-z][a-z0-9_]*)\}|[{}]")

PLAIN_TEXT = "no quote, backslash or control character"
"""What a plain word is, for messages."""

SELECTOR = "message"
"""The param that names which of a check's templates a finding uses."""

_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_NOT_PLAIN_RE = re.compile(r'["\\\x00-\x1f\x7f]')


def is_plain(text: str) -> bool:
    """Whether `text` holds no `"`, no `\\` and no control character (U+0000-U+001F,
    U+007F): text that both engines carry unchanged (regopy does not escape the others)."""
    return _NOT_PLAIN_RE.search(text) is None


class TemplateError(ValueError):
    """A template that does not parse, or params that do not fill it (says which)."""


class Template:
    """A parsed message template: literal text and `{name}` placeholders."""

    def __init__(self, text: str) -> None:
        """Parse `text`; raises `TemplateError` on a stray brace or a bad placeholder name
        (names are lower case: letters, digits, `_`)."""
        self.text = text
        """The template as written."""
        parts: list[tuple[bool, str]] = []
        pos = 0
        for m in _PART_RE.finditer(text):
            if m.start() > pos:
                parts.append((False, text[pos : m.start()]))
            token = m.group(0)
            if token in ("{{", "}}"):
                parts.append((False, token[0]))
            elif m.group(1) is not None:
                parts.append((True, m.group(1)))
            else:
                raise TemplateError(
                    f"stray {token!r} at character {m.start() + 1} (write {token * 2} for a "
                    "brace, {name} for a placeholder, name in lower case)"
                )
            pos = m.end()
        if pos < len(text):
            parts.append((False, text[pos:]))
        self._parts = tuple(parts)

    @property
    def names(self) -> frozenset[str]:
        """The placeholder names the template uses."""
        return frozenset(text for is_name, text in self._parts if is_name)

    @property
    def order(self) -> tuple[str, ...]:
        """The placeholder names in the order they first appear: the order of
        `arguments` and of the numbers of `positional`."""
        return tuple(dict.fromkeys(text for is_name, text in self._parts if is_name))

    def positional(self) -> str:
        """The template with numbered placeholders (`threat {0} has no assumption`), the
        n-th name of `order` as `{n}` and a literal brace doubled: the form of a SARIF
        message string, whose arguments are `arguments`."""
        index = {name: i for i, name in enumerate(self.order)}
        return "".join(
            f"{{{index[text]}}}" if is_name else text.replace("{", "{{").replace("}", "}}")
            for is_name, text in self._parts
        )

    def arguments(self, params: Mapping[str, Any], model: Mapping[str, Any]) -> tuple[str, ...]:
        """The text of each placeholder of one finding, in `order`: what `render` puts in
        its place. Raises `TemplateError` as `render` does."""
        out = []
        for name in self.order:
            if name not in params:
                raise TemplateError(f"no param {name!r} for the placeholder {{{name}}}")
            out.append(_text(params[name], model, name))
        return tuple(out)

    def render(self, params: Mapping[str, Any], model: Mapping[str, Any]) -> str:
        """The message for one finding: each `{name}` replaced by `params[name]`.

        A param that is an array is a pointer into `model` and gives the value found there
        (text as is, a number or a boolean as JSON, a list or an object as compact JSON);
        a number gives itself; a string gives itself. Raises `TemplateError` when a
        placeholder has no param or a pointer leads nowhere.
        """
        out: list[str] = []
        for is_name, text in self._parts:
            if not is_name:
                out.append(text)
                continue
            if text not in params:
                raise TemplateError(f"no param {text!r} for the placeholder {{{text}}}")
            out.append(_text(params[text], model, text))
        return "".join(out)


def _text(value: object, model: Mapping[str, Any], name: str) -> str:
    if isinstance(value, list):
        return _scalar_text(_resolve(model, value, name))
    return _scalar_text(value)


def _scalar_text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _resolve(model: Mapping[str, Any], pointer: Sequence[object], name: str) -> object:
    here: object = model
    for key in pointer:
        if isinstance(here, Mapping) and isinstance(key, str) and key in here:
            here = here[key]
        elif (
            isinstance(here, list)
            and isinstance(key, int)
            and not isinstance(key, bool)
            and 0 <= key < len(here)
        ):
            here = here[key]
        else:
            shown = "".join(f"/{k}" for k in pointer)
            raise TemplateError(f"the param {name!r} points at {shown}, which the model lacks")
    return here


class Messages:
    """The templates of one check: one (`custom.message: text`) or several by name
    (`custom.message: {name: text, ..}`, chosen by each finding's `message` param)."""

    def __init__(self, value: object) -> None:
        """Parse a `custom.message` value; raises `TemplateError` when it is neither text nor
        a mapping of lower-case names to text, or a template does not parse."""
        if isinstance(value, str) and value.strip():
            self.templates: Mapping[str, Template] = {"": Template(value.strip())}
            """Name to template; the single template of a check has the name ""."""
        elif isinstance(value, dict) and value:
            templates: dict[str, Template] = {}
            for name, text in sorted(value.items(), key=lambda kv: str(kv[0])):
                if not isinstance(name, str) or not _NAME_RE.match(name):
                    raise TemplateError(f"{name!r} is not a message name (lower case, _, digits)")
                if not isinstance(text, str) or not text.strip():
                    raise TemplateError(f"message {name} is not text")
                try:
                    templates[name] = Template(text.strip())
                except TemplateError as exc:
                    raise TemplateError(f"message {name}: {exc}") from None
            self.templates = templates
        else:
            raise TemplateError("must be text, or a mapping of names to text")

    def render(self, params: Mapping[str, Any], model: Mapping[str, Any]) -> str:
        """The message of one finding (see `Template.render`); with several templates,
        `params["message"]` names the one to use. Raises `TemplateError`."""
        return self.chosen(params).render(params, model)

    def chosen_name(self, params: Mapping[str, Any]) -> str:
        """The name of the template one finding uses ("" for a single template). Raises
        `TemplateError` when `params["message"]` names none."""
        if "" in self.templates:
            return ""
        name = params.get(SELECTOR)
        template = self.templates.get(name) if isinstance(name, str) else None
        if template is None:
            known = ", ".join(self.templates)
            raise TemplateError(f"the param {SELECTOR!r} is {name!r}, not one of {known}")
        return str(name)

    def chosen(self, params: Mapping[str, Any]) -> Template:
        """The template one finding uses. Raises `TemplateError` as `chosen_name`."""
        return self.templates[self.chosen_name(params)]
