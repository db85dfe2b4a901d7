"""Scalar RHS and sparse Jacobian with parameter work hoisted, for the adaptive solver's inner loop.

``derived_parameters(p, q)`` computes, once per man, every parameter-only subexpression of the cse'd RHS and
Jacobian statements (:class:`hpgtwin.model.hoisting.Hoister`); ``rhs_derived(t, y, p, q, dy)`` and
``jac_sparse(t, y, p, q, out)`` then only do the state-dependent work (measured on the HPG model: RHS 340 ->
~200 ns per call). The plain ``rhs`` stays the reference for the API, SBML checks and scipy benchmarks.
"""

from __future__ import annotations

import sympy as sp

from hpgtwin.model.declaration import Model
from hpgtwin.model.hoisting import Hoister, RatioHillPrinter, array_elements, hoist_statements
from hpgtwin.model.printing import JIT, NumbaPrinter

Statements = tuple[list[tuple[sp.Symbol, sp.Expr]], list[str], list[sp.Expr]]  # (temps, lhs texts, reduced)


def hoisted_functions(model: Model, rhs: Statements, jac: Statements, jac_fill: list[int]) -> str:
    """Source of ``derived_parameters``, ``rhs_derived``, ``jac_sparse`` and ``N_DERIVED``.

    ``rhs``/``jac`` are the renamed (s_*, p_*, a_*, x_*) cse statements; ``jac_fill`` the positions of the
    sparse LU pattern that are not Jacobian entries (zeroed at each call).
    """
    hoist = Hoister.for_model(model)
    hoisted = [(*hoist_statements(hoist, temps, reduced), targets) for temps, targets, reduced in (rhs, jac)]
    index = array_elements(model, hoist)
    settings = {"fully_qualified_modules": True, "standard": "python3"}
    base = NumbaPrinter(settings)
    printer = RatioHillPrinter(settings, "_s")
    derived = [f"    q[{k}] = {base.doprint(e.xreplace(index))}" for k, (_, e) in enumerate(hoist.order)]
    sources = [f"@njit({JIT})\ndef derived_parameters(p, q):", *derived, "    return None", ""]
    for name, args, (dynamic, outputs, targets), zeros in (
        ("rhs_derived", "t, y, p, q, dy", hoisted[0], []),
        ("jac_sparse", "t, y, p, q, out", hoisted[1], [f"    out[{k}] = 0.0" for k in jac_fill]),
    ):
        body = list(zeros)
        body += [f"    {sym} = {printer.doprint(v.xreplace(index))}" for sym, v in dynamic]
        body += [f"    {lhs} = {printer.doprint(e.xreplace(index))}" for lhs, e in zip(targets, outputs, strict=True)]
        sources += [f"@njit({JIT})\ndef {name}({args}):", *body, "    return None", ""]
    sources.append(f"N_DERIVED = {max(len(hoist.order), 1)}")
    return "\n".join(sources)
