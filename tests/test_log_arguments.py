"""No log call of the services passes a chat id, a sender id or what a person wrote as it
is: those go through leads.log_privacy.pseudonym() (or are left out). An AST check, so the
error paths that the end-to-end log grep never reaches are covered too."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from leads.paths import REPO_ROOT

PACKAGES = ("bot", "actions", "admin", "leads")
PERSONAL = frozenset({"chat_id", "sender_id", "first_name", "contact", "phone", "email", "text"})
LEVELS = frozenset({"debug", "info", "warning", "error", "exception", "critical"})
SAFE_WRAPPERS = frozenset({"pseudonym", "len", "type"})


def _names(node: ast.AST) -> Iterator[str]:
    """The variable and attribute names a log argument shows, outside pseudonym(...)."""
    if isinstance(node, ast.Call):
        func = node.func
        called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        if called in SAFE_WRAPPERS:
            return
        for argument in [*node.args, *(k.value for k in node.keywords)]:
            yield from _names(argument)
    elif isinstance(node, ast.Name):
        yield node.id
    elif isinstance(node, ast.Attribute):
        yield node.attr
    else:
        for child in ast.iter_child_nodes(node):
            yield from _names(child)


def raw_personal_log_arguments() -> list[str]:
    found = []
    for package in PACKAGES:
        for path in sorted((REPO_ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr in LEVELS
                    and isinstance(node.func.value, ast.Name)
                    and node.func.value.id in {"log", "logger"}
                ):
                    continue
                shown = [a for a in node.args[:1] if isinstance(a, ast.JoinedStr)]
                shown += [*node.args[1:], *(k.value for k in node.keywords)]
                names = {name for argument in shown for name in _names(argument)} & PERSONAL
                if names:
                    where = Path(path).relative_to(REPO_ROOT)
                    found.append(f"{where}:{node.lineno} {sorted(names)}")
    return found


def test_no_log_call_passes_a_chat_id_a_sender_id_or_a_message_as_it_is():
    assert raw_personal_log_arguments() == []
