"""Lockstep ETDRK4 for many men at once (the "fast" method): men in SIMD lanes, one dose schedule for all.

Codegen appends this template after :mod:`hpgtwin.model.kernels` (dropping the stub import). The state of a
block of men is a (states, lanes) array, so every operation of the step is a loop over lanes that LLVM
vectorises; the generated ``rhs_lanes`` evaluates the model the same way. The linear drug subsystem (codegen's
LIN_* blocks) is exact: its stage values are exp(hA/2) y and exp(hA) y, computed once per man and step size.
The other states take ETDRK4 (Cox & Matthews 2002, J Comput Phys 176:430) with the Jacobian diagonal as the
exactly integrated linear part L; after a dose the steps are h/4, h/4, h/2 (back on the h grid), then h, so
the exponential weights are reused. L is refreshed per man and state at each segment start only where the
diagonal drifted by more than ``L_DRIFT`` (ETD is exact for any fixed L; the choice only moves error between the
linear and nonlinear parts). States that are zero and unreachable (an absent drug) are skipped.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from hpgtwin.model._kernel_stubs import (  # codegen: drop this import
    INFLUENCE_IDX,
    INFLUENCE_PTR,
    LANE_DERIVED,
    LANE_STATEMENTS,
    LANE_WORK,
    LIN_LOWER,
    LIN_MAT_PTR,
    LIN_MAT_SIZE,
    LIN_MAX_BLOCK,
    LIN_PTR,
    LIN_STATES,
    STATEMENT_STATES_IDX,
    STATEMENT_STATES_PTR,
    derived_lanes,
    dose_scales,
    jac_diag,
    linear_blocks,
    rhs_lanes_p,
    rhs_lanes_q,
)
from hpgtwin.model.kernels import (  # codegen: drop this line
    _phi123_from,
    _quarter_pow,
    due,
    expm_block,
    expm_lower,
    segment_end,
)

# Steps after a dose, as h / 2**shift: h/4, h/4, h/2 (sum h: back on the grid). The drug states are exact, so
# this only eases the hormones into the new drug level (assumption; checked by the fast-vs-reference tests).
LADDER_SHIFT = np.array([2, 2, 1], dtype=np.int64)
N_SIZES = 3  # step sizes h / 2**shift for shift = N_SIZES-1 .. 0 (index k: size h_min * 2**k, k = N_SIZES-1 is h)
L_DRIFT = 0.02  # relative change of a diagonal entry that triggers new weights (assumption; checked by tests)
LANES = 128  # men per block: measured 1.6 ms/man (128) vs 1.9 (64), 2.3 (32), 2.8-3.6 (16) CPU per 182-day man; ~2 MB of weights and stages per block (L2)


@njit(cache=True, inline="always", error_model="numpy")
def hillr_act_q(x: float, n: float) -> float:
    """x**n/(1 + x**n) of a ratio x clamped at 0, quarter-grid slope n (square roots: vectorisable)."""
    u = _quarter_pow(x if x > 0.0 else 0.0, int(n * 4.0 + 0.5))
    return u / (1.0 + u)


@njit(cache=True, inline="always", error_model="numpy")
def hillr_act_p(x: float, n: float) -> float:
    """x**n/(1 + x**n) of a ratio x clamped at 0, any slope (pow)."""
    u = (x if x > 0.0 else 0.0) ** n
    return u / (1.0 + u)


@njit(cache=True, inline="always", error_model="numpy")
def hillr_act_1(x: float) -> float:
    """x**n/(1 + x**n) for n = 1."""
    u = x if x > 0.0 else 0.0
    return u / (1.0 + u)


@njit(cache=True, inline="always", error_model="numpy")
def hillr_act_2(x: float) -> float:
    """x**n/(1 + x**n) for n = 2."""
    u = x * x if x > 0.0 else 0.0
    return u / (1.0 + u)


@njit(cache=True, inline="always", error_model="numpy")
def hillr_inh_q(x: float, n: float) -> float:
    """1/(1 + x**n) of a ratio x clamped at 0, quarter-grid slope n (square roots: vectorisable)."""
    return 1.0 / (1.0 + _quarter_pow(x if x > 0.0 else 0.0, int(n * 4.0 + 0.5)))


@njit(cache=True, inline="always", error_model="numpy")
def hillr_inh_p(x: float, n: float) -> float:
    """1/(1 + x**n) of a ratio x clamped at 0, any slope (pow)."""
    return 1.0 / (1.0 + (x if x > 0.0 else 0.0) ** n)


@njit(cache=True, inline="always", error_model="numpy")
def hillr_inh_1(x: float) -> float:
    """1/(1 + x**n) for n = 1."""
    return 1.0 / (1.0 + (x if x > 0.0 else 0.0))


@njit(cache=True, inline="always", error_model="numpy")
def hillr_inh_2(x: float) -> float:
    """1/(1 + x**n) for n = 2."""
    return 1.0 / (1.0 + (x * x if x > 0.0 else 0.0))


@njit(cache=True, inline="always", error_model="numpy")
def rhs_lanes(
    t: float, y: np.ndarray, p: np.ndarray, q: np.ndarray, dy: np.ndarray, w: np.ndarray, quarter: bool,
    need: np.ndarray,
) -> None:
    """The generated lane RHS (statements with ``need`` only): square-root Hill powers on the quarter grid."""
    if quarter:
        rhs_lanes_q(t, y, p, q, dy, w, need)
    else:
        rhs_lanes_p(t, y, p, q, dy, w, need)


@njit(cache=True, error_model="numpy")
def _weights(d: float, h_min: float, out: np.ndarray) -> None:
    """ETDRK4 weights of one state for the N_SIZES step sizes h_min * 2**k: out[k, 0:6]; one exp for all."""
    e = math.exp(d * h_min * 0.5)
    size = h_min
    for k in range(N_SIZES):
        e_half = e
        e_full = e * e
        z = d * size
        _eh, p1_half, _p2h, _p3h = _phi123_from(0.5 * z, e_half)
        _ez, p1, p2, p3 = _phi123_from(z, e_full)
        out[k, 0] = e_half
        out[k, 1] = 0.5 * size * p1_half
        out[k, 2] = e_full
        out[k, 3] = size * (p1 - 3.0 * p2 + 4.0 * p3)
        out[k, 4] = size * 2.0 * (p2 - 2.0 * p3)
        out[k, 5] = size * (4.0 * p3 - p2)
        e = e_full
        size *= 2.0


@njit(cache=True, error_model="numpy")
def _refresh_linear_part(
    y: np.ndarray, p_rows: np.ndarray, d_ref: np.ndarray, table: np.ndarray, h_min: float, yl: np.ndarray,
    dl: np.ndarray, tmp: np.ndarray, force: bool, is_linear: np.ndarray,
) -> None:
    """Jacobian diagonal per man; new weights where it drifted beyond L_DRIFT (or everywhere if ``force``).

    The exactly integrated linear states (``is_linear``) take no ETD weights.
    """
    n, nb = y.shape
    for b in range(nb):
        for i in range(n):
            yl[i] = y[i, b]
        jac_diag(0.0, yl, p_rows[b], dl)
        for i in range(n):
            if is_linear[i]:
                continue
            old = d_ref[i, b]
            if force or abs(dl[i] - old) > L_DRIFT * abs(old) or (old == 0.0 and dl[i] != 0.0):
                d_ref[i, b] = dl[i]
                _weights(dl[i], h_min, tmp)
                for k in range(N_SIZES):
                    for m in range(6):
                        table[k, m, i, b] = tmp[k, m]


@njit(cache=True, error_model="numpy")
def _linear_propagators(amat: np.ndarray, size: float, e_half: np.ndarray, e_full: np.ndarray, lw: np.ndarray) -> None:
    """exp(size/2 A) and exp(size A) of every linear block of every lane, lane-major at LIN_MAT_PTR offsets."""
    nb = amat.shape[0]
    for b in range(nb):
        for blk in range(LIN_PTR.shape[0] - 1):
            m = LIN_PTR[blk + 1] - LIN_PTR[blk]
            off = LIN_MAT_PTR[blk]
            for which in range(2):
                hh = 0.5 * size if which == 0 else size
                target = e_half if which == 0 else e_full
                if LIN_LOWER[blk] == 0 or not expm_lower(amat[b], off, m, hh, lw):
                    expm_block(amat[b], off, m, hh, lw)
                for r in range(m):
                    for c in range(m):
                        target[off + r * m + c, b] = lw[0, r, c]


@njit(cache=True, error_model="numpy")  # no fastmath: see hpgtwin.model.printing.JIT
def _advance_blocks(
    e: np.ndarray, src: np.ndarray, dst: np.ndarray, blocks: np.ndarray, n_blocks: int, acc: np.ndarray
) -> None:
    """dst[block states] = E src[block states] for the listed linear blocks, every lane (exact drug PK)."""
    nb = src.shape[1]
    for bb in range(n_blocks):
        blk = blocks[bb]
        s0 = LIN_PTR[blk]
        m = LIN_PTR[blk + 1] - s0
        off = LIN_MAT_PTR[blk]
        for r in range(m):
            for b in range(nb):
                acc[b] = 0.0
            for c in range(m):
                col = LIN_STATES[s0 + c]
                row = off + r * m + c
                for b in range(nb):
                    acc[b] += e[row, b] * src[col, b]
            dst_state = LIN_STATES[s0 + r]
            for b in range(nb):
                dst[dst_state, b] = acc[b]


@njit(cache=True, error_model="numpy")
def _partial_weights(d_ref: np.ndarray, h: float, out: np.ndarray) -> None:
    """Weights of an off-ladder step h (a segment end that is not on the h grid)."""
    n, nb = d_ref.shape
    for i in range(n):
        for b in range(nb):
            z = d_ref[i, b] * h
            e_half = math.exp(0.5 * z)
            _eh, p1_half, _a, _b = _phi123_from(0.5 * z, e_half)
            _ez, p1, p2, p3 = _phi123_from(z, e_half * e_half)
            out[0, i, b] = e_half
            out[1, i, b] = 0.5 * h * p1_half
            out[2, i, b] = e_half * e_half
            out[3, i, b] = h * (p1 - 3.0 * p2 + 4.0 * p3)
            out[4, i, b] = h * 2.0 * (p2 - 2.0 * p3)
            out[5, i, b] = h * (4.0 * p3 - p2)


@njit(cache=True, error_model="numpy")
def _active_states(y: np.ndarray, f: np.ndarray, flag: np.ndarray, active: np.ndarray) -> int:
    """States that are non-zero, moving, or reachable from those through the Jacobian's structure.

    The others are exactly zero and stay so over the segment (an absent drug's compartments), so the step
    skips them; their stage rows stay zero. Returns how many indices were written to ``active``.
    """
    n, nb = y.shape
    count = 0
    for i in range(n):
        flag[i] = False
        for b in range(nb):
            if y[i, b] != 0.0 or f[i, b] != 0.0:
                flag[i] = True
                break
        if flag[i]:
            active[count] = i
            count += 1
    head = 0
    while head < count:
        j = active[head]
        head += 1
        for m in range(INFLUENCE_PTR[j], INFLUENCE_PTR[j + 1]):
            i = INFLUENCE_IDX[m]
            if not flag[i]:
                flag[i] = True
                active[count] = i
                count += 1
    return count


@njit(cache=True, error_model="numpy")  # no fastmath: see hpgtwin.model.printing.JIT
def _etdrk4_step(
    t: float, h: float, y: np.ndarray, p: np.ndarray, q: np.ndarray, d: np.ndarray, wt: np.ndarray,
    st: np.ndarray, w: np.ndarray, quarter: bool, active: np.ndarray, n_active: int, need: np.ndarray,
    e_half: np.ndarray, e_full: np.ndarray, blocks: np.ndarray, n_blocks: int, acc: np.ndarray,
) -> None:
    """One ETDRK4 step of every lane with weights ``wt`` (6, states, lanes) for the ``active`` nonlinear states;
    the listed linear blocks (drug PK) take their exact values at the stage times."""
    nb = y.shape[1]
    fu, fa, fb, fc, a, bb, c = st[0], st[1], st[2], st[3], st[4], st[5], st[6]
    _advance_blocks(e_half, y, a, blocks, n_blocks, acc)
    _advance_blocks(e_half, y, bb, blocks, n_blocks, acc)
    _advance_blocks(e_full, y, c, blocks, n_blocks, acc)
    rhs_lanes(t, y, p, q, fu, w, quarter, need)
    for ii in range(n_active):
        i = active[ii]
        for b in range(nb):
            v = y[i, b] + wt[1, i, b] * fu[i, b]
            a[i, b] = 0.0 if v < 0.0 else v
    rhs_lanes(t + 0.5 * h, a, p, q, fa, w, quarter, need)
    for ii in range(n_active):
        i = active[ii]
        for b in range(nb):
            v = wt[0, i, b] * y[i, b] + wt[1, i, b] * (fa[i, b] - d[i, b] * a[i, b])
            bb[i, b] = 0.0 if v < 0.0 else v
    rhs_lanes(t + 0.5 * h, bb, p, q, fb, w, quarter, need)
    for ii in range(n_active):
        i = active[ii]
        for b in range(nb):
            nu = fu[i, b] - d[i, b] * y[i, b]
            nb_ = fb[i, b] - d[i, b] * bb[i, b]
            v = wt[0, i, b] * a[i, b] + wt[1, i, b] * (2.0 * nb_ - nu)
            c[i, b] = 0.0 if v < 0.0 else v
    rhs_lanes(t + h, c, p, q, fc, w, quarter, need)
    for ii in range(n_active):
        i = active[ii]
        for b in range(nb):
            dd = d[i, b]
            nu = fu[i, b] - dd * y[i, b]
            na = fa[i, b] - dd * a[i, b]
            nb_ = fb[i, b] - dd * bb[i, b]
            nc = fc[i, b] - dd * c[i, b]
            v = wt[2, i, b] * y[i, b] + wt[3, i, b] * nu + wt[4, i, b] * (na + nb_) + wt[5, i, b] * nc
            y[i, b] = 0.0 if v < 0.0 else v
    for bb_ in range(n_blocks):
        blk = blocks[bb_]
        for r in range(LIN_PTR[blk], LIN_PTR[blk + 1]):
            j = LIN_STATES[r]
            for b in range(nb):
                y[j, b] = c[j, b]


@njit(cache=True, error_model="numpy")
def run_lanes(
    y0: np.ndarray, p: np.ndarray, t_sample: np.ndarray, ev_t: np.ndarray, ev_target: np.ndarray,
    ev_amount: np.ndarray, target_state: np.ndarray, h: float, quarter: bool, out_states: np.ndarray,
) -> None:
    """Integrate one block of men (rows of y0/p) in lockstep through samples and doses; out (men, t, states).

    Samples are taken before a dose at the same time. A man whose state stops being finite keeps NaN.
    """
    nb, n = y0.shape
    y = np.ascontiguousarray(y0.T)
    pl = np.ascontiguousarray(p.T)
    n_targets = max(target_state.shape[0], 1)
    scales = np.empty((nb, n_targets))
    for b in range(nb):
        dose_scales(p[b], scales[b])
    d_ref = np.zeros((n, nb))
    table = np.empty((N_SIZES, 6, n, nb))
    partial = np.empty((6, n, nb))
    st = np.zeros((7, n, nb))
    flag = np.zeros(n, dtype=np.bool_)
    need = np.ones(LANE_STATEMENTS, dtype=np.bool_)
    active = np.empty(n, dtype=np.int64)
    w = np.empty((LANE_WORK, nb))
    q = np.empty((LANE_DERIVED, nb))
    derived_lanes(pl, q)
    yl = np.empty(n)
    dl = np.empty(n)
    tmp = np.empty((N_SIZES, 6))
    h_min = h / 2.0 ** (N_SIZES - 1)
    n_ladder = LADDER_SHIFT.shape[0]
    is_linear = np.zeros(n, dtype=np.bool_)
    for r in range(LIN_STATES.shape[0]):
        is_linear[LIN_STATES[r]] = True
    amat = np.zeros((nb, max(LIN_MAT_SIZE, 1)))
    for b in range(nb):
        linear_blocks(p[b], amat[b])
    lw = np.empty((7, max(LIN_MAX_BLOCK, 1), max(LIN_MAX_BLOCK, 1)))
    n_sizes = N_SIZES
    e_half = np.zeros((n_sizes, max(LIN_MAT_SIZE, 1), nb))
    e_full = np.zeros((n_sizes, max(LIN_MAT_SIZE, 1), nb))
    for kk in range(n_sizes):
        _linear_propagators(amat, h_min * 2.0**kk, e_half[kk], e_full[kk], lw)
    p_half = np.zeros((max(LIN_MAT_SIZE, 1), nb))
    p_full = np.zeros((max(LIN_MAT_SIZE, 1), nb))
    blocks = np.empty(max(LIN_PTR.shape[0] - 1, 1), dtype=np.int64)
    acc = np.empty(nb)
    ns = t_sample.shape[0]
    t = t_sample[0]
    i = 0
    k = due(ev_t, 0, t, True)
    level = n_ladder
    first = True
    while True:
        i_end = due(t_sample, i, t, False)
        for ii in range(i, i_end):
            for b in range(nb):
                for j in range(n):
                    out_states[b, ii, j] = y[j, b]
        i = i_end
        if i >= ns:
            break
        k_end = due(ev_t, k, t, False)
        for kk in range(k, k_end):
            st_i = target_state[ev_target[kk]]
            for b in range(nb):
                y[st_i, b] += ev_amount[kk] * scales[b, ev_target[kk]]
            level = 0
        k = k_end
        t_end = segment_end(t_sample, i, ev_t, k)
        _refresh_linear_part(y, p, d_ref, table, h_min, yl, dl, tmp, first, is_linear)
        first = False
        need[:] = True
        rhs_lanes(t, y, pl, q, st[0], w, quarter, need)
        n_active = _active_states(y, st[0], flag, active)
        for j in range(n):
            if not flag[j]:
                for m in range(4, 7):
                    for b in range(nb):
                        st[m, j, b] = 0.0
        n_blocks = 0
        for blk in range(LIN_PTR.shape[0] - 1):
            for r in range(LIN_PTR[blk], LIN_PTR[blk + 1]):
                if flag[LIN_STATES[r]]:
                    blocks[n_blocks] = blk
                    n_blocks += 1
                    break
        kept = 0
        for ii in range(n_active):
            if not is_linear[active[ii]]:
                active[kept] = active[ii]
                kept += 1
        n_active = kept
        for j in range(n):
            if is_linear[j]:
                flag[j] = False
        for m in range(LANE_STATEMENTS):
            need[m] = False
            for r in range(STATEMENT_STATES_PTR[m], STATEMENT_STATES_PTR[m + 1]):
                if flag[STATEMENT_STATES_IDX[r]]:
                    need[m] = True
                    break
        while t < t_end - 1e-9 * h:
            shift = LADDER_SHIFT[level] if level < n_ladder else 0
            size = h / 2.0**shift
            if t + size > t_end + 1e-9 * h:
                size = t_end - t
                _partial_weights(d_ref, size, partial)
                _linear_propagators(amat, size, p_half, p_full, lw)
                _etdrk4_step(
                    t, size, y, pl, q, d_ref, partial, st, w, quarter, active, n_active, need, p_half, p_full,
                    blocks, n_blocks, acc,
                )
            else:
                kk = N_SIZES - 1 - shift
                _etdrk4_step(
                    t, size, y, pl, q, d_ref, table[kk], st, w, quarter, active, n_active, need, e_half[kk],
                    e_full[kk], blocks, n_blocks, acc,
                )
            t = t + size
            if level < n_ladder:
                level += 1
        t = t_end


@njit(cache=True, parallel=True, error_model="numpy")
def run_lanes_batch(
    y0: np.ndarray, p: np.ndarray, t_sample: np.ndarray, ev_t: np.ndarray, ev_target: np.ndarray,
    ev_amount: np.ndarray, target_state: np.ndarray, h: float, quarter: bool, lanes: int,
    out_states: np.ndarray,
) -> None:
    """:func:`run_lanes` over blocks of ``lanes`` men in parallel (same dose schedule for all)."""
    n_pat = y0.shape[0]
    n_blocks = (n_pat + lanes - 1) // lanes
    for blk in prange(n_blocks):
        lo = blk * lanes
        hi = min(lo + lanes, n_pat)
        run_lanes(y0[lo:hi], p[lo:hi], t_sample, ev_t, ev_target, ev_amount, target_state, h, quarter,
                  out_states[lo:hi])
