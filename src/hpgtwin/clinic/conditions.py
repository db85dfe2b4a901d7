"""A small, safe evaluator for rule conditions written as data (no ``eval`` of arbitrary Python).

Conditions are Python-like expressions over named facts and thresholds, e.g.
``testosterone_ng_dl < testosterone_low_ng_dl and lh_iu_l <= lh_upper_iu_l`` or ``'obesity' in conditions``.
They are parsed once with :mod:`ast`, checked against a whitelist of node types and names, and interpreted
by this module. Logic is three-valued: a fact that was not measured is ``None`` (unknown), a comparison with an
unknown operand is unknown, and a rule fires only when its condition is ``True`` — so a missing lab never
silently fires or silences a rule; the ``missing(...)`` and ``known(...)`` functions test for it explicitly.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from hpgtwin.errors import InputError


class RuleDefinitionError(InputError):
    """A rule table entry that cannot be parsed or names something that does not exist."""


_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], bool]] = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}
_ARITHMETIC: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}
_FUNCTIONS = ("known", "missing", "holds", "count")
_ALLOWED_NODES = (
    ast.Expression,
    ast.BoolOp,
    ast.And,
    ast.Or,
    ast.UnaryOp,
    ast.Not,
    ast.USub,
    ast.BinOp,
    ast.Compare,
    ast.Name,
    ast.Load,
    ast.Constant,
    ast.Tuple,
    ast.List,
    ast.Call,
    *_COMPARE,
    *_ARITHMETIC,
)


@dataclass(frozen=True)
class Condition:
    """A parsed, validated condition; ``names`` are the facts, thresholds and definitions it reads."""

    text: str
    tree: ast.Expression
    names: frozenset[str]

    def evaluate(self, env: Mapping[str, Any]) -> bool | None:
        """True, False, or None (unknown because a needed fact is missing)."""
        return _Interpreter(env).visit(self.tree.body)


def parse_condition(text: str, *, known_names: set[str] | frozenset[str], where: str) -> Condition:
    """Parse and validate a condition; ``where`` names the rule for the error message."""
    try:
        tree = ast.parse(str(text).strip(), mode="eval")
    except SyntaxError as exc:
        raise RuleDefinitionError(f"{where}: condition is not a valid expression: {text!r} ({exc.msg})") from None
    names: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            raise RuleDefinitionError(f"{where}: {type(node).__name__} is not allowed in a condition: {text!r}")
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in _FUNCTIONS or node.keywords:
                raise RuleDefinitionError(f"{where}: only {', '.join(_FUNCTIONS)}(name) calls are allowed: {text!r}")
            if len(node.args) != 1 or not isinstance(node.args[0], ast.Name):
                raise RuleDefinitionError(f"{where}: {node.func.id}() takes one fact name: {text!r}")
        elif isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Constant) and not isinstance(node.value, int | float | str | bool | None):
            raise RuleDefinitionError(f"{where}: constant {node.value!r} is not allowed: {text!r}")
    names -= set(_FUNCTIONS)
    unknown = sorted(names - set(known_names))
    if unknown:
        raise RuleDefinitionError(f"{where}: unknown name(s) {', '.join(unknown)} in condition {text!r}")
    return Condition(text=str(text), tree=tree, names=frozenset(names))


class _Interpreter:
    """Walks a validated tree with three-valued logic (None = unknown)."""

    def __init__(self, env: Mapping[str, Any]) -> None:
        self.env = env

    def visit(self, node: ast.AST) -> Any:
        """Value of one node."""
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return self.env.get(node.id)
        if isinstance(node, ast.Tuple | ast.List):
            return tuple(self.visit(elt) for elt in node.elts)
        if isinstance(node, ast.BoolOp):
            return self._bool_op(node)
        if isinstance(node, ast.UnaryOp):
            value = self.visit(node.operand)
            if value is None:
                return None
            return (not value) if isinstance(node.op, ast.Not) else -value
        if isinstance(node, ast.BinOp):
            left, right = self.visit(node.left), self.visit(node.right)
            if left is None or right is None:
                return None
            return _ARITHMETIC[type(node.op)](left, right)
        if isinstance(node, ast.Compare):
            return self._compare(node)
        if isinstance(node, ast.Call):
            return self._call(node)
        raise RuleDefinitionError(f"cannot evaluate {type(node).__name__}")  # unreachable after validation

    def _bool_op(self, node: ast.BoolOp) -> bool | None:
        values = [self.visit(v) for v in node.values]
        if isinstance(node.op, ast.And):
            if any(v is not None and not v for v in values):
                return False
            return None if any(v is None for v in values) else True
        if any(v is not None and bool(v) for v in values):
            return True
        return None if any(v is None for v in values) else False

    def _compare(self, node: ast.Compare) -> bool | None:
        left = self.visit(node.left)
        result: bool | None = True
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = self.visit(comparator)
            membership = isinstance(op, ast.In | ast.NotIn)
            if right is None or (left is None and not membership):
                result = None
            elif not _COMPARE[type(op)](left, right):
                return False
            left = right
        return result

    def _call(self, node: ast.Call) -> Any:
        assert isinstance(node.func, ast.Name) and isinstance(node.args[0], ast.Name)
        value = self.env.get(node.args[0].id)
        if node.func.id == "known":
            return value is not None
        if node.func.id == "missing":
            return value is None
        if node.func.id == "holds":
            return value is True
        return None if value is None else len(value)
