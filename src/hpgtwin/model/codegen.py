"""Generate numba code from a model declaration: RHS, analytic Jacobian (sympy), outputs, dose scales, solvers.

The generated module (declaration-specific functions + the kernel template of :mod:`hpgtwin.model.kernels`) is
written once per model structure to a cache directory and imported from there, so numba's ``cache=True`` keeps
the machine code across processes; sympy runs only when the declaration's structure changes.
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import os
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import numba
import numpy as np
import sympy as sp

from hpgtwin.model import kernels as _kernels_template
from hpgtwin.model import kernels_lanes as _lanes_template
from hpgtwin.model.codegen_hoisted import hoisted_functions
from hpgtwin.model.codegen_lanes import lane_functions
from hpgtwin.model.declaration import Model
from hpgtwin.model.expressions import SymbolicModel, symbolic
from hpgtwin.model.printing import HELPERS
from hpgtwin.model.printing import JIT as _JIT
from hpgtwin.model.printing import NumbaPrinter as _Printer

CODEGEN_VERSION = "7"
_TEMPLATES = (_kernels_template, _lanes_template)
_DROP = "# codegen: drop this"
SERIAL_BELOW = 32  # batches smaller than this run on one thread (thread start-up dominates; measured)
_lock = threading.Lock()
_compiled: dict[str, CompiledModel] = {}


def cache_dir() -> Path:
    """Where generated modules and numba caches live (``HPGTWIN_CACHE_DIR`` or ~/.cache/hpgtwin)."""
    env = os.environ.get("HPGTWIN_CACHE_DIR")
    base = Path(env) if env else Path.home() / ".cache" / "hpgtwin"
    try:
        base.mkdir(parents=True, exist_ok=True)
        probe = base / ".write-probe"
        probe.write_text("")
        probe.unlink()
    except OSError:
        base = Path(tempfile.gettempdir()) / "hpgtwin-cache"
        base.mkdir(parents=True, exist_ok=True)
    return base / "codegen"


def _local_names(model: Model) -> dict[sp.Symbol, sp.Symbol]:
    """Model symbols -> collision-free local variable names (s_*, p_*, a_*)."""
    table: dict[sp.Symbol, sp.Symbol] = {}
    for s in model.states:
        table[sp.Symbol(s.name, real=True)] = sp.Symbol(f"s_{s.name}", real=True)
    for p in model.parameters:
        table[sp.Symbol(p.name, real=True)] = sp.Symbol(f"p_{p.name}", real=True)
    for a in model.assignments:
        table[sp.Symbol(a.name, real=True)] = sp.Symbol(f"a_{a.name}", real=True)
    return table


def _unpack(model: Model, used: set[str]) -> list[str]:
    """Lines that load the used states and parameters into locals."""
    lines = [f"    s_{s.name} = y[{i}]" for i, s in enumerate(model.states) if f"s_{s.name}" in used]
    lines += [f"    p_{p.name} = p[{j}]" for j, p in enumerate(model.parameters) if f"p_{p.name}" in used]
    return lines


def _needed_assignments(sm: SymbolicModel, exprs: list[sp.Expr]) -> list[int]:
    """Indices of the assignments that ``exprs`` depend on (transitively), in declaration order."""
    need: set[sp.Symbol] = set().union(*(e.free_symbols for e in exprs)) if exprs else set()
    keep: list[int] = []
    for idx in range(len(sm.assignments) - 1, -1, -1):
        sym, value = sm.assignments[idx]
        if sym in need:
            keep.append(idx)
            need |= value.free_symbols
    return sorted(keep)


def _statements(
    model: Model, sm: SymbolicModel, targets: list[tuple[str, sp.Expr]], inline_assignments: bool
) -> tuple[list[tuple[sp.Symbol, sp.Expr]], list[sp.Expr], set[str]]:
    """Assignments and cse temporaries (in order), the reduced target expressions and the names they use."""
    rename = _local_names(model)
    exprs = [e for _, e in targets]
    if inline_assignments:
        exprs = [sm.substitute(e) for e in exprs]
        pre: list[tuple[sp.Symbol, sp.Expr]] = []
    else:
        pre = [sm.assignments[i] for i in _needed_assignments(sm, exprs)]
    exprs = [e.xreplace(rename) for e in exprs]
    pre = [(rename[s], v.xreplace(rename)) for s, v in pre]
    replacements, reduced = sp.cse(exprs, symbols=sp.numbered_symbols("x_"), optimizations="basic")
    temps = pre + list(replacements)
    used: set[str] = set()
    for _, v in temps:
        used |= {str(s) for s in v.free_symbols}
    for e in reduced:
        used |= {str(s) for s in e.free_symbols}
    return temps, list(reduced), used


def _function(
    name: str, args: str, model: Model, sm: SymbolicModel, targets: list[tuple[str, sp.Expr]], printer: _Printer,
    inline_assignments: bool, prelude: str = "",
) -> str:
    """Source of one njit function that evaluates ``targets`` (lhs text, expression) with cse."""
    temps, reduced, used = _statements(model, sm, targets, inline_assignments)
    body: list[str] = [f"    {prelude}"] if prelude else []
    body += _unpack(model, used)
    body += [f"    {s} = {printer.doprint(v)}" for s, v in temps]
    body += [f"    {lhs} = {printer.doprint(e)}" for (lhs, _), e in zip(targets, reduced, strict=True)]
    return "\n".join([f"@njit({_JIT})\ndef {name}({args}):", *body, "    return None", ""])


def sparse_pattern(n: int, entries: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Nonzero positions of I - c*J after LU without pivoting (Jacobian pattern + diagonal + fill-in)."""
    filled = [[False] * n for _ in range(n)]
    for i, j in entries:
        filled[i][j] = True
    for i in range(n):
        filled[i][i] = True
    for k in range(n):
        rows = [i for i in range(k + 1, n) if filled[i][k]]
        cols = [j for j in range(k + 1, n) if filled[k][j]]
        for i in rows:
            for j in cols:
                filled[i][j] = True
    return [(i, j) for i in range(n) for j in range(n) if filled[i][j]]


def _sparse_lu_source(n: int, pattern: list[tuple[int, int]]) -> str:
    """Straight-line sparse LU (no pivoting) and triangular solves on a fixed pattern (as in KPP).

    The factor keeps the reciprocal of each pivot on the diagonal, so a solve multiplies instead of dividing.
    """
    pos = {ij: k for k, ij in enumerate(pattern)}
    lu = [f"@njit({_JIT})", "def lu_sparse(v):"]
    for k in range(n):
        kk = pos[(k, k)]
        rows = [i for i in range(k + 1, n) if (i, k) in pos]
        cols = [j for j in range(k + 1, n) if (k, j) in pos]
        lu.append(f"    if v[{kk}] == 0.0:\n        return False")
        lu.append(f"    inv = 1.0 / v[{kk}]")
        lu.append(f"    v[{kk}] = inv")
        for i in rows:
            ik = pos[(i, k)]
            lu.append(f"    v[{ik}] *= inv")
            for j in cols:
                lu.append(f"    v[{pos[(i, j)]}] -= v[{ik}] * v[{pos[(k, j)]}]")
    lu.append("    return True")
    sv = [f"@njit({_JIT})", "def solve_sparse(v, b):"]
    for i in range(n):
        terms = [f"v[{pos[(i, k)]}] * b[{k}]" for k in range(i) if (i, k) in pos]
        if terms:
            sv.append(f"    b[{i}] -= " + " + ".join(terms))
    for i in range(n - 1, -1, -1):
        terms = [f"v[{pos[(i, j)]}] * b[{j}]" for j in range(i + 1, n) if (i, j) in pos]
        if terms:
            sv.append(f"    b[{i}] = (b[{i}] - (" + " + ".join(terms) + f")) * v[{pos[(i, i)]}]")
        else:
            sv.append(f"    b[{i}] = b[{i}] * v[{pos[(i, i)]}]")
    sv.append("    return None")
    diag = ", ".join(str(pos[(i, i)]) for i in range(n))
    return "\n".join([*lu, "", *sv, "", f"NNZ = {len(pattern)}", f"DIAG_IDX = np.array([{diag}], dtype=np.int64)", ""])


def generate_source(model: Model) -> str:
    """Full source of the generated module of ``model`` (declaration functions + kernel template)."""
    sm = symbolic(model)
    printer = _Printer({"fully_qualified_modules": True, "standard": "python3"})
    n = len(model.states)
    rhs_targets = [(f"dy[{i}]", r) for i, r in enumerate(sm.rates)]
    inlined = [sm.substitute(r) for r in sm.rates]
    jac_targets: list[tuple[str, sp.Expr]] = []
    diag_targets: list[tuple[str, sp.Expr]] = []
    for i, rate in enumerate(inlined):
        present = rate.free_symbols
        for j, s in enumerate(sm.states):
            if s in present:
                d = sp.diff(rate, s)
                if d != 0:
                    jac_targets.append((f"out[{i}, {j}]", d))
                    if i == j:
                        diag_targets.append((f"out[{i}]", d))
    pattern = sparse_pattern(n, [_ij(lhs) for lhs, _ in jac_targets])
    influence_ptr, influence_idx = _influence(n, [_ij(lhs) for lhs, _ in jac_targets])
    pos = {ij: k for k, ij in enumerate(pattern)}
    sparse_targets = [(f"out[{pos[_ij(lhs)]}]", e) for lhs, e in jac_targets]
    table = {s.name: s for s in (*sm.states, *sm.parameters)} | {s.name: s for s, _ in sm.assignments}
    out_targets = [(f"out[{k}]", table[name]) for k, name in enumerate(model.outputs)]
    dose_targets = [(f"out[{k}]", e) for k, e in enumerate(sm.dose_scales)]
    temps, reduced, _ = _statements(model, sm, rhs_targets, inline_assignments=False)
    jac_temps, jac_reduced, _ = _statements(model, sm, sparse_targets, inline_assignments=True)
    jac_statements = (jac_temps, [lhs for lhs, _ in sparse_targets], jac_reduced)
    filled = {pos[_ij(lhs)] for lhs, _ in jac_targets}
    jac_fill = [k for k in range(len(pattern)) if k not in filled]
    slope_params = _slope_parameters(model, sm)
    parts = [
        f'"""Generated by hpgtwin.model.codegen v{CODEGEN_VERSION} for model {model.name!r}; do not edit."""',
        "import math",
        "import numpy as np",
        "from numba import njit, prange",
        "",
        _function("rhs", "t, y, p, dy", model, sm, rhs_targets, printer, inline_assignments=False),
        _function("jac", "t, y, p, out", model, sm, jac_targets, printer, True, prelude="out[:, :] = 0.0"),
        hoisted_functions(model, (temps, [lhs for lhs, _ in rhs_targets], reduced), jac_statements, jac_fill),
        _sparse_lu_source(n, pattern),
        _function("jac_diag", "t, y, p, out", model, sm, diag_targets, printer, True, prelude="out[:] = 0.0"),
        _function("outputs", "y, p, out", model, sm, out_targets, printer, inline_assignments=False),
        _function("dose_scales", "p, out", model, sm, dose_targets, printer, inline_assignments=False),
        f"N_STATES = {n}",
        lane_functions(model, temps, [lhs for lhs, _ in rhs_targets], reduced),
        f"SLOPE_PARAMS = np.array({slope_params!r}, dtype=np.int64)",
        f"INFLUENCE_PTR = np.array({influence_ptr!r}, dtype=np.int64)",
        f"INFLUENCE_IDX = np.array({influence_idx!r}, dtype=np.int64)",
        _linear_source(model, sm, inlined, printer),
    ]
    return "\n".join(parts) + "\n" + "\n".join(_template_body(t) for t in _TEMPLATES) + "\n"


def _template_body(module: ModuleType) -> str:
    """Source of a kernel template without its ``# codegen: drop this`` imports and ``__future__`` line."""
    lines = inspect.getsource(module).splitlines()
    kept: list[str] = [f"# ---- kernel template ({module.__name__}) ----"]
    dropping = False
    for line in lines:
        if _DROP in line:
            dropping = line.rstrip().endswith("(") or "(" in line and ")" not in line
            continue
        if dropping:
            dropping = not line.startswith(")")
            continue
        if not line.startswith("from __future__ import"):
            kept.append(line)
    return "\n".join(kept)


def _influence(n: int, entries: list[tuple[int, int]]) -> tuple[list[int], list[int]]:
    """CSR lists of the states each state acts on (structural Jacobian column -> rows, diagonal excluded)."""
    rows: list[list[int]] = [[] for _ in range(n)]
    for i, j in entries:
        if i != j:
            rows[j].append(i)
    ptr = [0]
    idx: list[int] = []
    for j in range(n):
        idx += sorted(set(rows[j]))
        ptr.append(len(idx))
    return ptr, idx


def _slope_parameters(model: Model, sm: SymbolicModel) -> list[int]:
    """Indices of the parameters used as Hill slopes in the rates (checked on the quarter grid per batch)."""
    index = {sp.Symbol(p.name, real=True): j for j, p in enumerate(model.parameters)}
    found: set[int] = set()
    for e in [v for _, v in sm.assignments] + list(sm.rates):
        for call in e.atoms(sp.Function):
            if type(call).__name__ in HELPERS and call.args[2] in index:
                found.add(index[call.args[2]])
    return sorted(found)


def linear_subsystem(states: tuple[sp.Symbol, ...], rates: list[sp.Expr]) -> list[int]:
    """States whose rates are linear, homogeneous, constant-coefficient and use only states of the same set.

    Such a subsystem (here the drugs' depots, compartments and release chains) evolves as y' = A(p) y
    independently of the rest, so it can be advanced exactly by exp(A h) over any step.
    """
    state_set = set(states)
    candidates: dict[int, set[int]] = {}
    for i, rate in enumerate(rates):
        deps = [j for j, s in enumerate(states) if s in rate.free_symbols]
        coefficients = [sp.diff(rate, states[j]) for j in deps]
        if any(c.free_symbols & state_set for c in coefficients):
            continue
        offset = sp.expand(rate - sum(c * states[j] for c, j in zip(coefficients, deps, strict=True)))
        if offset != 0:
            continue
        candidates[i] = {j for j, c in zip(deps, coefficients, strict=True) if c != 0}
    changed = True
    while changed:
        changed = False
        for i in list(candidates):
            if not candidates[i] <= candidates.keys():
                del candidates[i]
                changed = True
    return sorted(candidates)


def linear_components(states: tuple[sp.Symbol, ...], rates: list[sp.Expr], members: list[int]) -> list[list[int]]:
    """Weakly connected components of the linear subsystem's coupling graph (each one advanced on its own)."""
    parent = {i: i for i in members}

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for i in members:
        for j in members:
            if j != i and states[j] in rates[i].free_symbols:
                parent[root(i)] = root(j)
    groups: dict[int, list[int]] = {}
    for i in members:
        groups.setdefault(root(i), []).append(i)
    return sorted((_feed_order(states, rates, g) for g in groups.values()), key=min)


def _feed_order(states: tuple[sp.Symbol, ...], rates: list[sp.Expr], block: list[int]) -> list[int]:
    """The block's states with every state after those that feed it (A lower triangular), if the flow is acyclic.

    Kahn's algorithm, ties broken by declaration order; a block with a cycle keeps declaration order.
    """
    feeds = {i: {j for j in block if j != i and states[j] in rates[i].free_symbols} for i in block}
    order: list[int] = []
    while len(order) < len(block):
        ready = [i for i in block if i not in order and feeds[i] <= set(order)]
        if not ready:
            return sorted(block)
        order.append(ready[0])
    return order


def _linear_source(model: Model, sm: SymbolicModel, inlined: list[sp.Expr], printer: _Printer) -> str:
    """Index tables of the exactly integrated linear subsystem and ``linear_blocks(p, out)`` (dense A per block).

    LIN_STATES lists the blocks' states (block b at LIN_PTR[b]:LIN_PTR[b+1]), A of block b is row-major at
    LIN_MAT_PTR[b], LIN_LOWER[b] = 1 when that A is lower triangular, NONLIN_STATES are all the other states.
    """
    members = linear_subsystem(sm.states, inlined)
    blocks = linear_components(sm.states, inlined, members)
    order = [i for block in blocks for i in block]
    ptr, mat_ptr, targets = [0], [0], []
    for block in blocks:
        ptr.append(ptr[-1] + len(block))
        base = mat_ptr[-1]
        for r, i in enumerate(block):
            for c, j in enumerate(block):
                d = sp.diff(inlined[i], sm.states[j])
                if d != 0:
                    targets.append((f"out[{base + r * len(block) + c}]", d))
        mat_ptr.append(base + len(block) ** 2)
    others = [i for i in range(len(sm.states)) if i not in set(members)]
    lower = [
        int(all(sm.states[block[c]] not in inlined[block[r]].free_symbols
                for r in range(len(block)) for c in range(r + 1, len(block))))
        for block in blocks
    ]

    def table(values: list[int]) -> str:
        return f"np.array([{', '.join(map(str, values))}], dtype=np.int64)"

    return "\n".join([
        _function("linear_blocks", "p, out", model, sm, targets, printer, True, prelude="out[:] = 0.0"),
        f"LIN_STATES = {table(order)}",
        f"LIN_PTR = {table(ptr)}",
        f"LIN_MAT_PTR = {table(mat_ptr)}",
        f"LIN_MAT_SIZE = {max(mat_ptr[-1], 1)}",
        f"LIN_MAX_BLOCK = {max((len(b) for b in blocks), default=1)}",
        f"NONLIN_STATES = {table(others)}",
        f"LIN_LOWER = {table(lower)}",
        "",
    ])


def _ij(lhs: str) -> tuple[int, int]:
    """(row, column) from a dense target like ``out[3, 5]``."""
    i, j = lhs[lhs.index("[") + 1 : -1].split(",")
    return int(i), int(j)


@dataclass(frozen=True)
class CompiledModel:
    """The generated numerical functions of one model (numba dispatchers from the generated module)."""

    model: Model
    module: ModuleType
    path: Path

    @property
    def n_states(self) -> int:
        """Number of states."""
        return len(self.model.states)

    def rhs(self, y: np.ndarray, p: np.ndarray, t: float = 0.0) -> np.ndarray:
        """Vectorised right-hand side: y (n_pat, n_states), p (n_pat, n_params) -> dy/dt per hour."""
        y2, p2 = _as_batch(y, p)
        dy = np.empty_like(y2)
        self.module.rhs_batch(float(t), y2, p2, dy)
        return dy if np.ndim(y) == 2 else dy[0]

    def jacobian(self, y: np.ndarray, p: np.ndarray, t: float = 0.0) -> np.ndarray:
        """Analytic Jacobian d(dy/dt)/dy: (n_pat, n_states, n_states) or (n_states, n_states)."""
        y2, p2 = _as_batch(y, p)
        out = np.empty((y2.shape[0], y2.shape[1], y2.shape[1]))
        self.module.jac_batch(float(t), y2, p2, out)
        return out if np.ndim(y) == 2 else out[0]

    def outputs(self, states: np.ndarray, p: np.ndarray) -> np.ndarray:
        """Outputs for states (n_pat, n_t, n_states) -> (n_pat, n_t, n_outputs)."""
        out = np.empty((states.shape[0], states.shape[1], len(self.model.outputs)))
        kernel = self.module.outputs_batch if states.shape[0] >= SERIAL_BELOW else self.module.outputs_serial
        kernel(np.ascontiguousarray(states), np.ascontiguousarray(p), out)
        return out

    def dose_scales(self, p: np.ndarray) -> np.ndarray:
        """Amount-to-state factor of every dose target for one parameter vector."""
        out = np.empty(max(len(self.model.dose_targets), 1))
        self.module.dose_scales(np.ascontiguousarray(p, dtype=float), out)
        return out[: len(self.model.dose_targets)]


def _as_batch(y: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Broadcast single vectors to (1, n) C-contiguous float arrays."""
    y2 = np.ascontiguousarray(np.atleast_2d(np.asarray(y, dtype=float)))
    p2 = np.ascontiguousarray(np.atleast_2d(np.asarray(p, dtype=float)))
    if p2.shape[0] == 1 and y2.shape[0] > 1:
        p2 = np.ascontiguousarray(np.repeat(p2, y2.shape[0], axis=0))
    return y2, p2


def model_key(model: Model) -> str:
    """Hash of everything that determines the generated code."""
    templates = [inspect.getsource(t) for t in _TEMPLATES]
    text = "\n".join([CODEGEN_VERSION, numba.__version__, sp.__version__, model.structure_key(), *templates])
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def compile_model(model: Model) -> CompiledModel:
    """Generate (or reuse from the disk cache) and import the numba module of ``model``; once per process."""
    key = model_key(model)
    with _lock:
        if key in _compiled:
            return _compiled[key]
        directory = cache_dir()
        directory.mkdir(parents=True, exist_ok=True)
        safe = "".join(c if c.isalnum() else "_" for c in model.name)[:40]
        path = directory / f"hpgtwin_gen_{safe}_{key}.py"
        if not path.exists():
            source = generate_source(model)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(source)
            os.replace(tmp, path)
        name = f"hpgtwin_generated_{safe}_{key}"
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        compiled = CompiledModel(model, module, path)
        _compiled[key] = compiled
        return compiled
