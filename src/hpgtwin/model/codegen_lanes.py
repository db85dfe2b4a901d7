"""Lane (structure-of-arrays) code for the fast method: the RHS for a block of men, parameter work hoisted.

Generated from the same cse'd statements as the scalar ``rhs``. Two transformations make it cheap:
every statement is its own loop over the lanes (LLVM vectorises each; one loop around the whole body is not
vectorised, too many possibly aliasing rows), and every subexpression that depends on parameters only
(volumes, reciprocals of Hill constants, transit rates) is computed once per man by ``derived_lanes`` into rows
of ``q`` instead of at every RHS call. Hill functions become ``hillr_*(x/k, n)`` with 1/k taken from ``q``;
``_q`` variants use square roots for quarter-grid slopes (vectorisable), ``_p`` variants use pow.
"""

from __future__ import annotations

import sympy as sp

from hpgtwin.model.declaration import Model
from hpgtwin.model.hoisting import (
    Hoister,
    RatioHillPrinter,
    array_elements,
    hillr_act,
    hillr_inh,
    hoist_statements,
)
from hpgtwin.model.printing import JIT, NumbaPrinter


def _on_grid(slope: sp.Expr) -> bool:
    """A literal slope on the quarter grid below 8 (parameters are checked per batch at run time)."""
    if not slope.is_Number:
        return True
    q = float(slope) * 4.0
    return q == int(q) and 0.0 < q < 32.0


def lane_functions(
    model: Model, temps: list[tuple[sp.Symbol, sp.Expr]], targets: list[str], reduced: list[sp.Expr]
) -> str:
    """Source of ``derived_lanes(p, q)``, ``rhs_lanes_q``/``rhs_lanes_p(t, y, p, q, dy, w, need)`` and sizes.

    ``temps``/``reduced`` are the renamed (s_*, p_*, a_*, x_*) statements of the scalar rhs; ``targets`` its
    left-hand sides (``dy[i]``).
    """
    hoist = Hoister.for_model(model)
    dynamic, outputs = hoist_statements(hoist, temps, reduced)
    lane = array_elements(model, hoist, ", b")
    for k, (sym, _) in enumerate(dynamic):
        lane[sym] = sp.Symbol(f"w[{k}, b]", real=True)
    settings = {"fully_qualified_modules": True, "standard": "python3"}
    derived = ["    nb = p.shape[1]"]
    base = NumbaPrinter(settings)
    for k, (_, e) in enumerate(hoist.order):
        derived += ["    for b in range(nb):", f"        q[{k}, b] = {base.doprint(e.xreplace(lane))}"]
    sources = [f"@njit({JIT})\ndef derived_lanes(p, q):", *derived, "    return None", ""]
    gridded = True
    for e in [v for _, v in dynamic] + outputs:
        for call in e.atoms(hillr_act, hillr_inh):
            gridded &= _on_grid(call.args[1])
    consumers = _consumers(targets, dynamic, outputs)
    for suffix in ("_q", "_p"):
        printer = RatioHillPrinter(settings, suffix)
        body = ["    nb = y.shape[1]"]
        statements = [(f"w[{k}, b]", v) for k, (_, v) in enumerate(dynamic)]
        statements += [(f"{lhs[:-1]}, b]", e) for lhs, e in zip(targets, outputs, strict=True)]
        for k, (lhs, e) in enumerate(statements):
            body += [f"    if need[{k}]:", "        for b in range(nb):", f"            {lhs} = {printer.doprint(e.xreplace(lane))}"]
        sources += [f"@njit({JIT})\ndef rhs_lanes{suffix}(t, y, p, q, dy, w, need):", *body, "    return None", ""]
    ptr, idx = [0], []
    for states in consumers:
        idx += sorted(states)
        ptr.append(len(idx))
    sources += [
        f"LANE_WORK = {max(len(dynamic), 1)}",
        f"LANE_DERIVED = {max(len(hoist.order), 1)}",
        f"LANE_QUARTER_OK = {gridded}",
        f"LANE_STATEMENTS = {len(consumers)}",
        f"STATEMENT_STATES_PTR = np.array({ptr!r}, dtype=np.int64)",
        f"STATEMENT_STATES_IDX = np.array({idx!r}, dtype=np.int64)",
    ]
    return "\n".join(sources)


def _consumers(
    targets: list[str], dynamic: list[tuple[sp.Symbol, sp.Expr]], outputs: list[sp.Expr]
) -> list[set[int]]:
    """Per lane statement (temporaries, then derivatives): the states whose derivative needs it.

    A statement whose states are all inactive (exactly zero, e.g. an absent drug) is skipped at run time.
    """
    position = {sym: k for k, (sym, _) in enumerate(dynamic)}
    uses: list[set[int]] = [set() for _ in dynamic]
    for k, (_, v) in enumerate(dynamic):
        uses[k] = {position[s] for s in v.free_symbols if s in position}
    result: list[set[int]] = [set() for _ in dynamic]
    own: list[set[int]] = []
    for lhs, e in zip(targets, outputs, strict=True):
        state = int(lhs[lhs.index("[") + 1 : lhs.index("]")])
        own.append({state})
        for s in e.free_symbols:
            if s in position:
                result[position[s]].add(state)
    for k in range(len(dynamic) - 1, -1, -1):
        for j in uses[k]:
            result[j] |= result[k]
    return result + own
