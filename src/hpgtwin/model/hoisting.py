"""Parameter-only subexpressions hoisted out of the RHS and Jacobian, and Hill calls rewritten on ratios.

Both the lane code (fast method) and the scalar hoisted functions of the adaptive solver use this: every
subexpression of parameters only (volumes, reciprocals of Hill constants, Hill values at reference levels) is
computed once per man into ``q`` instead of at every call, and ``hill_act(x, k, n)`` becomes ``hillr_act(x/k, n)``
with 1/k from ``q``.
"""

from __future__ import annotations

import sympy as sp

from hpgtwin.model.declaration import Model
from hpgtwin.model.printing import NumbaPrinter

_HILL = ("hill_act", "hill_inh")


class hillr_act(sp.Function):  # noqa: N801 - printed as the kernel helper of that name
    """x**n/(1 + x**n) of the ratio x = c/k (c clamped at 0)."""

    nargs = 2


class hillr_inh(sp.Function):  # noqa: N801
    """1/(1 + x**n) of the ratio x = c/k (c clamped at 0)."""

    nargs = 2


class dhillr_act(sp.Function):  # noqa: N801
    """n x**(n-1)/(1 + x**n)**2 of the ratio x = c/k: d hill_act/dc = dhillr_act(c/k, n) / k."""

    nargs = 2


class Hoister:
    """Replaces parameter-only subexpressions by symbols q_k (deduplicated, in dependency order)."""

    @classmethod
    def for_model(cls, model: Model) -> Hoister:
        """A hoister whose static symbols are the model's parameters (renamed p_*)."""
        return cls({sp.Symbol(f"p_{prm.name}", real=True) for prm in model.parameters})

    def __init__(self, static: set[sp.Symbol]) -> None:
        self.static = set(static)
        self.table: dict[sp.Expr, sp.Symbol] = {}
        self.order: list[tuple[sp.Symbol, sp.Expr]] = []

    def is_static(self, e: sp.Expr) -> bool:
        """True for expressions of parameters (and hoisted symbols) only."""
        return bool(e.free_symbols) and e.free_symbols <= self.static

    def symbol(self, e: sp.Expr) -> sp.Expr:
        """The q symbol of a parameter-only expression (a lone symbol stays itself)."""
        if e.is_Symbol or e.is_Number:
            return e
        if e not in self.table:
            q = sp.Symbol(f"q_{len(self.order)}", real=True)
            self.table[e] = q
            self.order.append((q, e))
            self.static.add(q)
        return self.table[e]

    def __call__(self, e: sp.Expr) -> sp.Expr:
        """``e`` with its parameter-only parts hoisted and Hill calls rewritten on ratios."""
        if e.is_Atom:
            return e
        if self.is_static(e):
            return self.symbol(e)
        name = type(e).__name__
        if name in _HILL:
            x, k, n = e.args
            ratio = self(x) * self.symbol(1 / k) if self.is_static(k) else self(x) / self(k)
            slope = n if (n.is_Number or self.is_static(n)) else self(n)
            return (hillr_act if name == "hill_act" else hillr_inh)(ratio, self.symbol(slope))
        if name == "dhill_act_dx" and self.is_static(e.args[1]) and (e.args[2].is_Number or self.is_static(e.args[2])):
            x, k, n = e.args
            inv_k = self.symbol(1 / k)
            return dhillr_act(self(x) * inv_k, self.symbol(n)) * inv_k
        if e.is_Add or e.is_Mul:
            fixed = [a for a in e.args if a.is_Number or self.is_static(a)]
            rest = [a for a in e.args if not (a.is_Number or self.is_static(a))]
            if any(not a.is_Number for a in fixed) and rest:
                return e.func(self.symbol(e.func(*fixed)), *[self(a) for a in rest])
            return e.func(*[self(a) for a in e.args])
        return e.func(*[self(a) for a in e.args])


class RatioHillPrinter(NumbaPrinter):
    """Prints ratio-Hill calls as kernel helpers; ``suffix`` _q (quarter grid) or _p (pow)."""

    def __init__(self, settings: dict, suffix: str) -> None:
        super().__init__(settings)
        self.suffix = suffix

    def _print_Function(self, expr: sp.Function) -> str:
        name = type(expr).__name__
        if name == "dhillr_act":
            ratio, slope = expr.args
            return f"dhillr_act_s({self._print(ratio)}, {self._print(sp.Float(slope) if slope.is_Number else slope)})"
        if name in ("hillr_act", "hillr_inh"):
            ratio, slope = expr.args
            if slope.is_Number and float(slope) in (1.0, 2.0):
                return f"{name}_{int(slope)}({self._print(ratio)})"
            return f"{name}{self.suffix}({self._print(ratio)}, {self._print(sp.Float(slope) if slope.is_Number else slope)})"
        return super()._print_Function(expr)


def hoist_statements(
    hoist: Hoister, temps: list[tuple[sp.Symbol, sp.Expr]], reduced: list[sp.Expr]
) -> tuple[list[tuple[sp.Symbol, sp.Expr]], list[sp.Expr]]:
    """Temporaries that depend on states (parameter-only ones folded into ``hoist``) and the rewritten targets."""
    static: dict[sp.Symbol, sp.Expr] = {}
    dynamic: list[tuple[sp.Symbol, sp.Expr]] = []
    for sym, value in temps:
        value = value.xreplace(static)
        if hoist.is_static(value):
            static[sym] = hoist.symbol(value)
        else:
            dynamic.append((sym, hoist(value)))
    return dynamic, [hoist(e.xreplace(static)) for e in reduced]


def array_elements(model: Model, hoist: Hoister, lane: str = "") -> dict[sp.Symbol, sp.Symbol]:
    """Renamed states, parameters and hoisted symbols -> elements ``y[i<lane>]``, ``p[j<lane>]``, ``q[k<lane>]``."""
    table: dict[sp.Symbol, sp.Symbol] = {}
    for i, s in enumerate(model.states):
        table[sp.Symbol(f"s_{s.name}", real=True)] = sp.Symbol(f"y[{i}{lane}]", real=True)
    for j, prm in enumerate(model.parameters):
        table[sp.Symbol(f"p_{prm.name}", real=True)] = sp.Symbol(f"p[{j}{lane}]", real=True)
    for k, (q, _) in enumerate(hoist.order):
        table[q] = sp.Symbol(f"q[{k}{lane}]", real=True)
    return table
