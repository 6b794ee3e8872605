"""The words of a Jinja2 template that a reader sees and that no ``_()`` wraps: literal text between tags,
the attributes a reader meets (title, aria-label, placeholder, alt, a button's value) and the string
arguments that macros show (a table box's label, a chart's caption, a list's noun)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from jinja2 import Environment, nodes

READ_ATTRS = ("title", "aria-label", "placeholder", "alt")
# Macro parameters whose value a reader sees (templates/_ui.html, _list.html).
SHOWN_PARAMS = {"label", "caption", "noun", "data_label"}
JINJA = re.compile(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", re.S)
WORD = re.compile(r"[^\W\d_]+")


class _Literal(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "pre"):
            self._skip += 1
        a = dict(attrs)
        for key in READ_ATTRS:
            self._check(a.get(key), f"{tag}[{key}]")
        if tag == "input" and a.get("type") in ("submit", "button", "reset"):
            self._check(a.get("value"), "input[value]")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "pre"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self._check(data, "text")

    def _check(self, value: str | None, where: str) -> None:
        text = (value or "").replace("\x00", " ")
        if WORD.search(text):
            self.found.append(f"{where}: {' '.join(text.split())}")


def _macro_params(env: Environment, templates: Path) -> dict[str, list[str]]:
    params: dict[str, list[str]] = {}
    for name in ("_ui.html", "_list.html"):
        for macro in env.parse((templates / name).read_text(encoding="utf-8")).find_all(nodes.Macro):
            params[macro.name] = [arg.name for arg in macro.args]
    return params


def _callee(node: nodes.Expr) -> str | None:
    if isinstance(node, nodes.Getattr):
        return node.attr
    if isinstance(node, nodes.Name):
        return node.name
    return None


def _shown_strings(node: nodes.Expr) -> list[str]:
    """String literals of an argument expression that are not inside ``_()`` ('Figures, ' ~ year)."""
    if isinstance(node, nodes.Call) and _callee(node.node) in ("_", "ngettext"):
        return []
    if isinstance(node, nodes.Const):
        return [node.value] if isinstance(node.value, str) and WORD.search(node.value) else []
    return [s for child in node.iter_child_nodes() if isinstance(child, nodes.Expr) for s in _shown_strings(child)]


def unwrapped(path: Path, templates: Path) -> list[str]:
    """Every reader-visible word of template ``path`` that is not wrapped for translation."""
    source = path.read_text(encoding="utf-8")
    env = Environment()
    parser = _Literal()
    # a Jinja expression counts as neither text nor word; a statement or comment separates texts
    parser.feed(JINJA.sub(lambda m: "\x00" if m.group(0).startswith("{{") else " ", source))
    parser.close()
    found = list(parser.found)
    params = _macro_params(env, templates)
    for call in env.parse(source).find_all(nodes.Call):
        names = params.get(_callee(call.node) or "")
        if names is None:
            continue
        shown = [a for i, a in enumerate(call.args) if i < len(names) and names[i] in SHOWN_PARAMS]
        shown += [kw.value for kw in call.kwargs if kw.key in SHOWN_PARAMS]
        found += [f"{_callee(call.node)}(…): {s}" for arg in shown for s in _shown_strings(arg)]
    return found
