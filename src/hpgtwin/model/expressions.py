"""The small expression language of the declaration, parsed into sympy (Hill functions kept as named functions).

Allowed: + - * / **, parentheses, numbers, names of states/parameters/earlier assignments, and the functions
``exp, log, sqrt, hill_act(x, k, n) = x**n/(k**n + x**n), hill_inh(x, k, n) = 1/(1 + (x/k)**n)``.
Hill functions stay unevaluated so the numerics can clamp ``x >= 0`` and SBML can declare them once.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp
from sympy.core.numbers import NumberSymbol
from sympy.parsing.sympy_parser import parse_expr, standard_transformations

from hpgtwin.model.declaration import Model, ModelDeclarationError


class _HillDerivative(sp.Function):
    """Base for the partial derivatives of the Hill functions (printed as calls to numeric helpers)."""


class dhill_act_dx(_HillDerivative):  # noqa: N801 - printed verbatim as the numeric helper's name
    """d hill_act / dx."""


class dhill_act_dk(_HillDerivative):  # noqa: N801
    """d hill_act / dk."""


class dhill_act_dn(_HillDerivative):  # noqa: N801
    """d hill_act / dn."""


class hill_act(sp.Function):  # noqa: N801 - name of the language function
    """Activating Hill function x**n/(k**n + x**n) (0 for x <= 0)."""

    nargs = 3

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        """Partial derivative with respect to argument ``argindex``."""
        return (dhill_act_dx, dhill_act_dk, dhill_act_dn)[argindex - 1](*self.args)


class hill_inh(sp.Function):  # noqa: N801
    """Inhibiting Hill function 1/(1 + (x/k)**n) = 1 - hill_act(x, k, n)."""

    nargs = 3

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        """Partial derivative with respect to argument ``argindex`` (minus that of hill_act)."""
        return -(dhill_act_dx, dhill_act_dk, dhill_act_dn)[argindex - 1](*self.args)


FUNCTIONS: dict[str, object] = {
    "exp": sp.exp,
    "log": sp.log,
    "sqrt": sp.sqrt,
    "hill_act": hill_act,
    "hill_inh": hill_inh,
}
_ALLOWED_FUNCS = (sp.exp, sp.log, hill_act, hill_inh)


def hill_expanded(expr: sp.Expr) -> sp.Expr:
    """Replace Hill calls by their closed forms (for reference code and checks)."""
    expr = expr.replace(hill_act, lambda x, k, n: x**n / (k**n + x**n))
    return expr.replace(hill_inh, lambda x, k, n: 1 / (1 + (x / k) ** n))


def parse(text: str, symbols: dict[str, sp.Symbol], where: str) -> sp.Expr:
    """Parse one expression; every name must be a known symbol or an allowed function."""
    local = dict(symbols)
    local.update(FUNCTIONS)
    try:
        expr = parse_expr(text, local_dict=local, transformations=standard_transformations, evaluate=True)
    except Exception as exc:  # sympy raises many types for bad syntax
        raise ModelDeclarationError(f"{where}: cannot parse {text!r}: {exc}") from exc
    if not isinstance(expr, sp.Expr):
        raise ModelDeclarationError(f"{where}: {text!r} is not an arithmetic expression")
    known = set(symbols.values())
    unknown = [str(s) for s in expr.free_symbols if s not in known]
    if unknown:
        raise ModelDeclarationError(f"{where}: unknown names {sorted(unknown)} in {text!r}")
    for node in sp.preorder_traversal(expr):
        if not isinstance(node, (sp.Symbol, sp.Number, NumberSymbol, sp.Add, sp.Mul, sp.Pow, *_ALLOWED_FUNCS)):
            raise ModelDeclarationError(f"{where}: {type(node).__name__} is not allowed in {text!r}")
    return expr


@dataclass(frozen=True)
class SymbolicModel:
    """A model in sympy form: symbols, assignments (in order), rates and dose scales."""

    states: tuple[sp.Symbol, ...]
    parameters: tuple[sp.Symbol, ...]
    assignments: tuple[tuple[sp.Symbol, sp.Expr], ...]
    rates: tuple[sp.Expr, ...]
    dose_scales: tuple[sp.Expr, ...]

    def substitute(self, expr: sp.Expr) -> sp.Expr:
        """Inline every assignment so the expression depends on states and parameters only."""
        for sym, value in reversed(self.assignments):
            if sym in expr.free_symbols:
                expr = expr.subs(sym, value)
        return expr

    def inlined_assignments(self) -> dict[sp.Symbol, sp.Expr]:
        """Each assignment written in states and parameters only."""
        done: dict[sp.Symbol, sp.Expr] = {}
        for sym, value in self.assignments:
            done[sym] = value.xreplace(done)
        return done


def symbolic(model: Model) -> SymbolicModel:
    """Parse a whole declaration; rates and dose scales may use states, parameters and assignments."""
    states = tuple(sp.Symbol(s.name, real=True) for s in model.states)
    params = tuple(sp.Symbol(p.name, real=True) for p in model.parameters)
    table = {s.name: s for s in states + params}
    assignments: list[tuple[sp.Symbol, sp.Expr]] = []
    for a in model.assignments:
        expr = parse(a.expr, table, f"{model.name}: assignment {a.name}")
        sym = sp.Symbol(a.name, real=True)
        assignments.append((sym, expr))
        table[a.name] = sym
    by_state = {r.state: r for r in model.rates}
    rates = tuple(parse(by_state[s.name].expr, table, f"{model.name}: rate of {s.name}") for s in model.states)
    param_table = {p.name: p for p in params}
    dose = tuple(
        parse(d.amount_scale, param_table, f"{model.name}: dose scale of {d.drug}") for d in model.dose_targets
    )
    return SymbolicModel(states, params, tuple(assignments), rates, dose)
