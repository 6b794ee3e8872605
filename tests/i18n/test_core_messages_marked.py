"""Every message the core raises to a worker is marked for translation (``palermo.messages.N_``).

The check reads the source (``ast``): wherever a module builds a :class:`~palermo.errors.PalermoError` (any
subclass, found by name across the package) or a :class:`~palermo.errors.Problem`, the message it passes
must be an ``N_(...)`` call, or a value whose every possible origin in that function is one (a variable
assigned ``N_(...)``, a conditional of two marked messages, a message re-raised from another error, several
marked messages ``joined``, a library's text passed on ``verbatim``). A
plain literal or an f-string there is English forever on the web: this test names its file and line.
Only the CLI (``cli/``: English by design) and migrations are left out, and the modules listed in
:data:`PENDING` with the reason they are not marked yet; a module leaves that list once marked (the last
test fails on an entry that has nothing left to mark).
"""

from __future__ import annotations

import ast
from pathlib import Path

import palermo
from palermo import errors

PACKAGE = Path(palermo.__file__).parent
NOT_WEB = ("cli/", "db/migrations/")
# Not marked yet, each with why; every entry must still hold an unmarked message (see the last test).
PENDING: dict[str, str] = {}
# Calls whose result is a marked message: joined parts, a foreign text said as it is, or words translated on
# the spot with a catalogue (identification's ``_``/``ngettext``, bound to the reader's language).
MARKERS = {"Message", "joined", "verbatim", "_", "gettext", "ngettext"}


def _error_classes() -> set[str]:
    """The names of PalermoError's subclasses defined anywhere in the package, and Problem."""
    names = {"PalermoError", "Problem"} | {c.__name__ for c in _subclasses(errors.PalermoError)}
    changed = True
    trees = [ast.parse(p.read_text(encoding="utf-8")) for p in PACKAGE.rglob("*.py")]
    while changed:  # subclasses of subclasses, defined in other modules
        changed = False
        for tree in trees:
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and node.name not in names and any(
                        isinstance(b, ast.Name) and b.id in names for b in node.bases):
                    names.add(node.name)
                    changed = True
    return names


def _subclasses(cls: type) -> set[type]:
    return {cls} | {s for c in cls.__subclasses__() for s in _subclasses(c)}


def _functions() -> dict[str, list[ast.FunctionDef]]:
    """Every function of the package by name, to follow a message returned by a helper (``why_not_file``)."""
    found: dict[str, list[ast.FunctionDef]] = {}
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef):
                found.setdefault(node.name, []).append(node)
    return found


FUNCTIONS: dict[str, list[ast.FunctionDef]] = {}


def _returns_marked(name: str, seen: frozenset[str]) -> bool:
    """A helper's every return is a marked message or None (all functions of that name in the package)."""
    if not FUNCTIONS:
        FUNCTIONS.update(_functions())
    defs = FUNCTIONS.get(name)
    if not defs:
        return False
    for func in defs:
        assigned = _assignments(func)
        for node in ast.walk(func):
            if isinstance(node, ast.Return) and node.value is not None and not (
                    isinstance(node.value, ast.Constant) and node.value.value is None):
                if not _is_marked(node.value, assigned, seen | {name}):
                    return False
    return True


def _is_marked(node: ast.expr, assigned: dict[str, list[ast.expr]], seen: frozenset[str] = frozenset()) -> bool:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "N_":
        return True
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return _is_marked(node.func.value, assigned, seen)  # _("… {n} …").format(n=n): translated, then filled
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id not in MARKERS:
        return node.func.id in seen or _returns_marked(node.func.id, seen)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in MARKERS:
        return True
    if isinstance(node, ast.Constant) and node.value is None:
        return True  # no message (a helper's "allowed")
    if isinstance(node, ast.IfExp):
        return _is_marked(node.body, assigned, seen) and _is_marked(node.orelse, assigned, seen)
    if isinstance(node, ast.Attribute) and node.attr in ("message", "reason", "text"):
        return True  # another error's (or problem's) message passed on: marked where that one was made
    if isinstance(node, ast.Name):
        if node.id in seen:
            return True
        origins = assigned.get(node.id)
        if origins is None:  # a parameter or a module constant: checked where it is defined
            return True
        return all(_is_marked(o, assigned, seen | {node.id}) for o in origins)
    return False


def _assignments(func: ast.AST) -> dict[str, list[ast.expr]]:
    found: dict[str, list[ast.expr]] = {}
    for node in ast.walk(func):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found.setdefault(target.id, []).append(node.value)
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)) and isinstance(node.target, ast.Name) and node.value:
            found.setdefault(node.target.id, []).append(node.value if isinstance(node, ast.AnnAssign) else node)  # type: ignore[arg-type]
    return found


def unmarked_messages(pending: bool = True) -> list[str]:
    """``file:line Class(message)`` of every unmarked message (``pending=False``: the pending modules' too)."""
    names = _error_classes()
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel.startswith(NOT_WEB) or (pending and rel.startswith(tuple(PENDING))):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        scopes = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))] + [tree]
        checked: set[int] = set()
        for scope in scopes:
            assigned = _assignments(scope) if scope is not tree else {}
            for node in ast.walk(scope):
                if not isinstance(node, ast.Call) or id(node) in checked:
                    continue
                checked.add(id(node))
                name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
                if name not in names:
                    continue
                message = node.args[0] if node.args else next(
                    (k.value for k in node.keywords if k.arg in ("message", "reason")), None)
                if message is not None and not _is_marked(message, assigned):
                    found.append(f"{rel}:{node.lineno} {name}({ast.unparse(message)[:70]})")
    return found


def test_every_core_message_is_marked_for_translation() -> None:
    unmarked = unmarked_messages()
    assert not unmarked, f"{len(unmarked)} messages not marked with N_ (palermo.messages):\n" + "\n".join(unmarked)


def test_every_pending_module_still_has_something_to_mark() -> None:
    left = unmarked_messages(pending=False)
    done = [prefix for prefix in PENDING if not any(u.startswith(prefix) for u in left)]
    assert not done, f"nothing left to mark in {done}: remove them from PENDING"


def test_the_check_sees_an_unmarked_message(tmp_path: Path) -> None:
    """The check itself: a plain literal and an f-string are caught, N_ and its variables are not."""
    source = '''
def f(x):
    msg = N_("marked {x}", x=x)
    raise ValidationError(msg, [Problem(N_("fine"))])
def g(x):
    raise NotFound(f"unmarked {x}")
def h(x):
    problems = [Problem("unmarked too", field="x")]
'''
    tree = ast.parse(source)
    bad = []
    for scope in [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]:
        assigned = _assignments(scope)
        for node in ast.walk(scope):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in {"ValidationError", "NotFound", "Problem"}:
                if not _is_marked(node.args[0], assigned):
                    bad.append(scope.name)
    assert bad == ["g", "h"]
