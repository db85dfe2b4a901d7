"""Solver kernels (numba) appended to each generated model module: Rodas4, steady state, dosing loop.

This file is a template: codegen copies its source below the generated ``rhs``/``jac``/``outputs`` functions of
one model (dropping the stub import), so numba compiles and caches one self-contained module per model.
Methods: Rodas4 (Hairer & Wanner 1996, *Solving ODEs II*, sec. IV.7, coefficients of rodas.f METH=1), a
stiffly accurate L-stable Rosenbrock method of order 4(3) using the analytic Jacobian, with the model's linear
drug subsystem advanced exactly by block matrix exponentials (Parlett's recurrence or Pade scaling and
squaring). The phi functions here serve the lockstep ETDRK4 of :mod:`hpgtwin.model.kernels_lanes` ("fast").
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from hpgtwin.model._kernel_stubs import (  # codegen: drop this import
    DIAG_IDX,
    LIN_LOWER,
    LIN_MAT_PTR,
    LIN_MAT_SIZE,
    LIN_MAX_BLOCK,
    LIN_PTR,
    LIN_STATES,
    N_DERIVED,
    NNZ,
    NONLIN_STATES,
    derived_parameters,
    dose_scales,
    jac,
    jac_sparse,
    linear_blocks,
    lu_sparse,
    outputs,
    rhs,
    rhs_derived,
    solve_sparse,
)

# Status codes returned by the integrators.
OK = 0
TOO_MANY_STEPS = 1
STEP_UNDERFLOW = 2
NOT_FINITE = 3
SINGULAR = 4


# Rodas4 coefficients (rodas.f, METH=1).
GAMMA = 0.25
A21 = 1.544
A31, A32 = 0.9466785280815826, 0.2557011698983284
A41, A42, A43 = 3.314825187068521, 2.896124015972201, 0.9986419139977817
A51, A52, A53, A54 = 1.221224509226641, 6.019134481288629, 12.53708332932087, -0.6878860361058950
C21 = -5.6688
C31, C32 = -2.430093356833875, -0.2063599157091915
C41, C42, C43 = -0.1073529058151375, -9.594562251023355, -20.47028614809616
C51, C52, C53, C54 = 7.496443313967647, -10.24680431464352, -33.99990352819905, 11.70890893206160
C61, C62, C63, C64, C65 = 8.083246795921522, -7.981132988064893, -31.52159432874371, 16.31930543123136, -6.058818238834054


@njit(cache=True, inline="always", error_model="numpy")
def _quarter_pow(r: float, q: int) -> float:
    """r**(q/4) for 0 <= q < 32 by two square roots and squarings (a fifth of the cost of pow; vectorisable)."""
    s = math.sqrt(math.sqrt(r))
    out = 1.0
    for bit in range(5):
        if (q >> bit) & 1:
            out *= s
        s *= s
    return out


@njit(cache=True, inline="always", error_model="numpy")
def _slope_pow(r: float, n: float) -> float:
    """r**n (r >= 0): multiplications for slopes 1-2, square roots for quarter-integer slopes below 8, else pow."""
    if n == 1.0:
        return r
    if n == 2.0:
        return r * r
    q4 = n * 4.0
    if 0.0 < q4 < 32.0 and q4 == math.floor(q4):
        return _quarter_pow(r, int(q4))
    return r**n


@njit(cache=True, inline="always", error_model="numpy")
def _ratio_pow(x: float, k: float, n: float) -> float:
    """(x/k)**n."""
    return _slope_pow(x / k, n)


@njit(cache=True, inline="always", error_model="numpy")
def hillr_act_s(x: float, n: float) -> float:
    """x**n/(1 + x**n) of a ratio x clamped at 0 (hoisted scalar code; any slope)."""
    u = _slope_pow(x if x > 0.0 else 0.0, n)
    return u / (1.0 + u)


@njit(cache=True, inline="always", error_model="numpy")
def hillr_inh_s(x: float, n: float) -> float:
    """1/(1 + x**n) of a ratio x clamped at 0 (hoisted scalar code; any slope)."""
    return 1.0 / (1.0 + _slope_pow(x if x > 0.0 else 0.0, n))


@njit(cache=True, inline="always", error_model="numpy")
def dhillr_act_s(x: float, n: float) -> float:
    """d/dx of hillr_act_s: n x**(n-1)/(1 + x**n)**2 (as dhill_act_dx at x <= 0)."""
    if x <= 0.0:
        return 1.0 if n == 1.0 else 0.0
    u = _slope_pow(x, n)
    return n * u / (x * (1.0 + u) ** 2)


@njit(cache=True, inline="always", error_model="numpy")
def hill_act(x: float, k: float, n: float) -> float:
    """x**n/(k**n + x**n), 0 for x <= 0."""
    if x <= 0.0:
        return 0.0
    u = _ratio_pow(x, k, n)
    return u / (1.0 + u)


@njit(cache=True, inline="always", error_model="numpy")
def hill_inh(x: float, k: float, n: float) -> float:
    """1/(1 + (x/k)**n), 1 for x <= 0."""
    if x <= 0.0:
        return 1.0
    return 1.0 / (1.0 + _ratio_pow(x, k, n))


@njit(cache=True, inline="always", error_model="numpy")
def dhill_act_dx(x: float, k: float, n: float) -> float:
    """Partial derivative of hill_act in x."""
    if x <= 0.0:
        return 1.0 / k if n == 1.0 else 0.0
    u = _ratio_pow(x, k, n)
    return n * u / (x * (1.0 + u) ** 2)


@njit(cache=True, inline="always", error_model="numpy")
def dhill_act_dk(x: float, k: float, n: float) -> float:
    """Partial derivative of hill_act in k."""
    if x <= 0.0:
        return 0.0
    u = _ratio_pow(x, k, n)
    return -n * u / (k * (1.0 + u) ** 2)


@njit(cache=True, inline="always", error_model="numpy")
def dhill_act_dn(x: float, k: float, n: float) -> float:
    """Partial derivative of hill_act in n."""
    if x <= 0.0:
        return 0.0
    u = _ratio_pow(x, k, n)
    return u * math.log(x / k) / (1.0 + u) ** 2


@njit(cache=True, error_model="numpy")
def lu_factor(a: np.ndarray, piv: np.ndarray) -> bool:
    """In-place LU with partial pivoting; False when singular."""
    n = a.shape[0]
    for k in range(n):
        m = k
        big = abs(a[k, k])
        for i in range(k + 1, n):
            v = abs(a[i, k])
            if v > big:
                big = v
                m = i
        if big == 0.0:
            return False
        piv[k] = m
        if m != k:
            for j in range(n):
                tmp = a[k, j]
                a[k, j] = a[m, j]
                a[m, j] = tmp
        inv = 1.0 / a[k, k]
        for i in range(k + 1, n):
            lik = a[i, k]
            if lik != 0.0:
                lik *= inv
                a[i, k] = lik
                for j in range(k + 1, n):
                    a[i, j] -= lik * a[k, j]
    return True


@njit(cache=True, error_model="numpy")
def lu_solve(a: np.ndarray, piv: np.ndarray, b: np.ndarray) -> None:
    """Solve in place with a factor from :func:`lu_factor`."""
    n = a.shape[0]
    for k in range(n):
        m = piv[k]
        if m != k:
            tmp = b[k]
            b[k] = b[m]
            b[m] = tmp
    for i in range(n):
        s = b[i]
        for j in range(i):
            s -= a[i, j] * b[j]
        b[i] = s
    for i in range(n - 1, -1, -1):
        s = b[i]
        for j in range(i + 1, n):
            s -= a[i, j] * b[j]
        b[i] = s / a[i, i]


# Diagonal (6,6) Pade approximant of exp: c_k = (12-k)! 6! / (12! k! (6-k)!) (Higham 2005, SIAM J Matrix Anal
# Appl 26:1179); with ||X||_1 <= PADE_THETA its truncation error is below 1e-16 (bound (6!)^2/(12! 13!) ||X||^13).
PADE_C = (1.0, 0.5, 5.0 / 44.0, 1.0 / 66.0, 1.0 / 792.0, 1.0 / 15840.0, 1.0 / 665280.0)
PADE_THETA = 0.5


@njit(cache=True, error_model="numpy")
def _matmul_small(a: np.ndarray, b: np.ndarray, out: np.ndarray, m: int) -> None:
    """out[:m, :m] = a[:m, :m] @ b[:m, :m] (out distinct from a and b)."""
    for i in range(m):
        for j in range(m):
            acc = 0.0
            for k in range(m):
                acc += a[i, k] * b[k, j]
            out[i, j] = acc


@njit(cache=True, error_model="numpy")
def expm_block(amat: np.ndarray, offset: int, m: int, h: float, w: np.ndarray) -> None:
    """w[0, :m, :m] = exp(h A) for the dense m x m block A at ``amat[offset:]`` (row-major).

    Scaling and squaring with the (6,6) Pade approximant: exact to rounding for any h, repeated eigenvalues
    included (the equal-rate stages of a transit chain). Work: w has shape (>= 7, >= m, >= m).
    """
    x = w[1]
    x2 = w[2]
    x4 = w[3]
    x6 = w[4]
    u = w[5]
    v = w[6]
    e = w[0]
    norm = 0.0
    for j in range(m):
        col = 0.0
        for i in range(m):
            col += abs(amat[offset + i * m + j])
        norm = max(norm, col * abs(h))
    squarings = 0
    scale = h
    while norm > PADE_THETA:
        norm *= 0.5
        scale *= 0.5
        squarings += 1
    for i in range(m):
        for j in range(m):
            x[i, j] = scale * amat[offset + i * m + j]
    _matmul_small(x, x, x2, m)
    _matmul_small(x2, x2, x4, m)
    _matmul_small(x4, x2, x6, m)
    for i in range(m):
        for j in range(m):
            eye = 1.0 if i == j else 0.0
            e[i, j] = PADE_C[1] * eye + PADE_C[3] * x2[i, j] + PADE_C[5] * x4[i, j]
            v[i, j] = PADE_C[0] * eye + PADE_C[2] * x2[i, j] + PADE_C[4] * x4[i, j] + PADE_C[6] * x6[i, j]
    _matmul_small(x, e, u, m)
    for i in range(m):
        for j in range(m):
            num = v[i, j] + u[i, j]
            x[i, j] = v[i, j] - u[i, j]
            e[i, j] = num
    # Solve (V - U) E = (V + U) by Gaussian elimination with partial pivoting (V - U is well conditioned).
    for k in range(m):
        piv = k
        big = abs(x[k, k])
        for i in range(k + 1, m):
            if abs(x[i, k]) > big:
                big = abs(x[i, k])
                piv = i
        if piv != k:
            for j in range(m):
                x[k, j], x[piv, j] = x[piv, j], x[k, j]
                e[k, j], e[piv, j] = e[piv, j], e[k, j]
        inv = 1.0 / x[k, k]
        for i in range(k + 1, m):
            f = x[i, k] * inv
            if f != 0.0:
                for j in range(k, m):
                    x[i, j] -= f * x[k, j]
                for j in range(m):
                    e[i, j] -= f * e[k, j]
    for k in range(m - 1, -1, -1):
        inv = 1.0 / x[k, k]
        for j in range(m):
            acc = e[k, j]
            for i in range(k + 1, m):
                acc -= x[k, i] * e[i, j]
            e[k, j] = acc * inv
    for _ in range(squarings):
        _matmul_small(e, e, u, m)
        for i in range(m):
            for j in range(m):
                e[i, j] = u[i, j]


@njit(cache=True, inline="always", error_model="numpy")
def _exp_divided_difference(a: float, b: float, ea: float, eb: float) -> float:
    """(e^a - e^b)/(a - b) given ea = e^a, eb = e^b, by e^max * expm1(d)/d (d = min - max): no cancellation,
    e^a at a == b."""
    if a >= b:
        d = b - a
        return ea * (math.expm1(d) / d if d != 0.0 else 1.0)
    d = a - b
    return eb * (math.expm1(d) / d if d != 0.0 else 1.0)


@njit(cache=True, error_model="numpy")
def expm_lower(amat: np.ndarray, offset: int, m: int, h: float, w: np.ndarray) -> bool:
    """w[0, :m, :m] = exp(h A) for a lower-triangular block by Parlett's recurrence; False if it cannot be trusted.

    F_ij = T_ij dd(T_ii, T_jj) + s_ij / (T_jj - T_ii), with T = hA, dd the divided difference of exp (exact for
    equal rates) and s_ij the sum over intermediate states (Parlett 1976; Higham 2008, *Functions of Matrices*,
    sec. 4.6). s_ij has no terms for a depot feeding a compartment or a 2-stage chain; when it has and the two
    rates are within 1% (cancellation, 0/0 for equal rates), False sends the block to the Pade route.
    """
    f = w[0]
    for i in range(m):
        for j in range(i + 1, m):
            f[i, j] = 0.0
        f[i, i] = math.exp(h * amat[offset + i * m + i])
    for d in range(1, m):
        for j in range(m - d):
            i = j + d
            tii = h * amat[offset + i * m + i]
            tjj = h * amat[offset + j * m + j]
            s = 0.0
            through = False
            for k in range(j + 1, i):
                left = h * amat[offset + i * m + k] * f[k, j]
                right = f[i, k] * h * amat[offset + k * m + j]
                through = through or left != 0.0 or right != 0.0
                s += left - right
            value = h * amat[offset + i * m + j] * _exp_divided_difference(tii, tjj, f[i, i], f[j, j])
            if through:
                gap = tjj - tii
                if abs(gap) <= 0.01 * (abs(tii) + abs(tjj)):
                    return False
                value += s / gap
            f[i, j] = value
    return True


@njit(cache=True, error_model="numpy")
def active_linear_blocks(y: np.ndarray, out: np.ndarray) -> int:
    """Indices of the linear blocks holding drug into ``out``; returns their count (an empty block stays empty)."""
    count = 0
    for b in range(LIN_PTR.shape[0] - 1):
        for r in range(LIN_PTR[b], LIN_PTR[b + 1]):
            if y[LIN_STATES[r]] != 0.0:
                out[count] = b
                count += 1
                break
    return count


@njit(cache=True, error_model="numpy")
def advance_linear(
    y_old: np.ndarray, y_new: np.ndarray, amat: np.ndarray, h: float, w: np.ndarray, blocks: np.ndarray,
    n_blocks: int,
) -> None:
    """Exact step of the linear subsystem: y_new[block] = exp(h A_block) y_old[block] for the listed blocks."""
    f = w[0]
    for bb in range(n_blocks):
        b = blocks[bb]
        s0 = LIN_PTR[b]
        m = LIN_PTR[b + 1] - s0
        if LIN_LOWER[b] == 0 or not expm_lower(amat, LIN_MAT_PTR[b], m, h, w):
            expm_block(amat, LIN_MAT_PTR[b], m, h, w)
        for r in range(m):
            acc = 0.0
            for c in range(m):
                acc += f[r, c] * y_old[LIN_STATES[s0 + c]]
            y_new[LIN_STATES[s0 + r]] = acc


@njit(cache=True, error_model="numpy")
def rodas4_segment(
    y: np.ndarray, p: np.ndarray, q: np.ndarray, t: float, t_end: float, h: float, rtol: float, atol: float, max_steps: int,
    counters: np.ndarray, ymax: np.ndarray,
) -> tuple[int, float]:
    """Advance ``y`` in place from t to t_end with adaptive Rodas4; returns (status, next step size).

    Error scale per state: atol + rtol * max(|y|, |y_new|, ymax); ymax is the largest post-dose content of a
    dosed state (0 for the others), so a draining depot is controlled relative to the dose it held, not to its
    remnant, while hormones keep a purely relative tolerance.

    The linear subsystem found by codegen (LIN_STATES: y' = A(p) y, fed by no other state; the drug depots,
    compartments and release chains) takes part in the stages as usual, but after an accepted step it is
    replaced by exp(hA) y, so its local error is zero and it adds nothing to the error norm (the RMS over all
    states, as before). The other states' stages see the Rosenbrock approximation of the drug states inside the
    step; the embedded estimate of their error includes that, so no non-autonomous treatment is needed (checked
    against a tight reference: tests/numerics/test_adaptive_linear.py; feeding them exact drug values at the
    stage times did not allow longer steps). Without this, absorption after each dose set the step size.
    """
    n = y.shape[0]
    amat = np.empty(LIN_MAT_SIZE)
    linear_blocks(p, amat)
    lw = np.empty((7, LIN_MAX_BLOCK, LIN_MAX_BLOCK))
    blocks = np.empty(LIN_PTR.shape[0], dtype=np.int64)
    n_blocks = active_linear_blocks(y, blocks)
    jv = np.empty(NNZ)
    e = np.empty(NNZ)
    f0 = np.empty(n)
    ytmp = np.empty(n)
    dy = np.empty(n)
    k1 = np.empty(n)
    k2 = np.empty(n)
    k3 = np.empty(n)
    k4 = np.empty(n)
    k5 = np.empty(n)
    k6 = np.empty(n)
    ynew = np.empty(n)
    span = t_end - t
    if span <= 0.0:
        return OK, h
    hmin = 1e-12 * max(1.0, abs(t_end))
    need_jac = True
    rejected = False
    while t < t_end:
        if counters[0] >= max_steps:
            return TOO_MANY_STEPS, h
        last = False
        h_prop = h
        if t + h >= t_end - 1e-12 * abs(t_end) or t + 1.05 * h >= t_end:
            h = t_end - t
            last = True
        if need_jac:
            rhs_derived(t, y, p, q, f0)
            jac_sparse(t, y, p, q, jv)
            counters[2] += 1
            need_jac = False
        fac = 1.0 / (h * GAMMA)
        for k in range(NNZ):
            e[k] = -jv[k]
        for i in range(n):
            e[DIAG_IDX[i]] += fac
        if not lu_sparse(e):
            return SINGULAR, h
        hc21 = C21 / h
        hc31 = C31 / h
        hc32 = C32 / h
        hc41 = C41 / h
        hc42 = C42 / h
        hc43 = C43 / h
        hc51 = C51 / h
        hc52 = C52 / h
        hc53 = C53 / h
        hc54 = C54 / h
        hc61 = C61 / h
        hc62 = C62 / h
        hc63 = C63 / h
        hc64 = C64 / h
        hc65 = C65 / h
        for i in range(n):
            k1[i] = f0[i]
        solve_sparse(e, k1)
        for i in range(n):
            ytmp[i] = y[i] + A21 * k1[i]
        rhs_derived(t, ytmp, p, q, dy)
        for i in range(n):
            k2[i] = dy[i] + hc21 * k1[i]
        solve_sparse(e, k2)
        for i in range(n):
            ytmp[i] = y[i] + A31 * k1[i] + A32 * k2[i]
        rhs_derived(t, ytmp, p, q, dy)
        for i in range(n):
            k3[i] = dy[i] + hc31 * k1[i] + hc32 * k2[i]
        solve_sparse(e, k3)
        for i in range(n):
            ytmp[i] = y[i] + A41 * k1[i] + A42 * k2[i] + A43 * k3[i]
        rhs_derived(t, ytmp, p, q, dy)
        for i in range(n):
            k4[i] = dy[i] + hc41 * k1[i] + hc42 * k2[i] + hc43 * k3[i]
        solve_sparse(e, k4)
        for i in range(n):
            ytmp[i] = y[i] + A51 * k1[i] + A52 * k2[i] + A53 * k3[i] + A54 * k4[i]
        rhs_derived(t, ytmp, p, q, dy)
        for i in range(n):
            k5[i] = dy[i] + hc51 * k1[i] + hc52 * k2[i] + hc53 * k3[i] + hc54 * k4[i]
        solve_sparse(e, k5)
        for i in range(n):
            ytmp[i] += k5[i]
        rhs_derived(t, ytmp, p, q, dy)
        for i in range(n):
            k6[i] = dy[i] + hc61 * k1[i] + hc62 * k2[i] + hc63 * k3[i] + hc64 * k4[i] + hc65 * k5[i]
        solve_sparse(e, k6)
        counters[1] += 6
        err = 0.0
        finite = True
        for i in range(n):
            ynew[i] = ytmp[i] + k6[i]
            if not math.isfinite(ynew[i]):
                finite = False
        for ii in range(NONLIN_STATES.shape[0]):
            i = NONLIN_STATES[ii]
            sc = atol + rtol * max(max(abs(y[i]), abs(ynew[i])), ymax[i])
            r = k6[i] / sc
            err += r * r
        err = math.sqrt(err / n) if finite else 1e10
        counters[0] += 1
        if err <= 1.0:
            advance_linear(y, ynew, amat, h, lw, blocks, n_blocks)
            for i in range(n):
                y[i] = ynew[i]
            t = t_end if last else t + h
            factor = 0.9 * max(err, 1e-10) ** -0.25
            factor = min(6.0, max(0.2, factor))
            if rejected:
                factor = min(1.0, factor)
            rejected = False
            h = h_prop if last else h * factor
            need_jac = True
        else:
            rejected = True
            counters[3] += 1
            h = h * max(0.2, 0.9 * err**-0.25)
            if h < hmin:
                return STEP_UNDERFLOW if finite else NOT_FINITE, h
    return OK, h


@njit(cache=True, inline="always", error_model="numpy")
def _phi123(z: float) -> tuple[float, float, float, float]:
    """e^z and phi1..phi3(z) (phi_k = sum z^m/(m+k)!), by series for |z| < 0.2 to avoid cancellation."""
    return _phi123_from(z, math.exp(z))


@njit(cache=True, inline="always", error_model="numpy")
def _phi123_from(z: float, ez: float) -> tuple[float, float, float, float]:
    """phi1..phi3(z) given e^z (so one exp serves a half step and a full step)."""
    if abs(z) < 0.2:
        z2 = z * z
        z3 = z2 * z
        z4 = z3 * z
        z5 = z4 * z
        p1 = 1.0 + z / 2.0 + z2 / 6.0 + z3 / 24.0 + z4 / 120.0 + z5 / 720.0
        p2 = 0.5 + z / 6.0 + z2 / 24.0 + z3 / 120.0 + z4 / 720.0 + z5 / 5040.0
        p3 = 1.0 / 6.0 + z / 24.0 + z2 / 120.0 + z3 / 720.0 + z4 / 5040.0 + z5 / 40320.0
        return ez, p1, p2, p3
    p1 = (ez - 1.0) / z
    p2 = (p1 - 1.0) / z
    p3 = (p2 - 0.5) / z
    return ez, p1, p2, p3


@njit(cache=True, inline="always", error_model="numpy")
def due(times: np.ndarray, start: int, t: float, strict: bool) -> int:
    """One past the last of ``times[start:]`` (sorted) that is at or before ``t`` (before, if ``strict``)."""
    end = start
    while end < times.shape[0] and (times[end] < t if strict else times[end] <= t):
        end += 1
    return end


@njit(cache=True, inline="always", error_model="numpy")
def segment_end(t_sample: np.ndarray, i: int, ev_t: np.ndarray, k: int) -> float:
    """Where the integration must stop next: the next sample or the next dose, whichever is first."""
    if k < ev_t.shape[0] and ev_t[k] < t_sample[i]:
        return ev_t[k]
    return t_sample[i]


@njit(cache=True, error_model="numpy")
def run_patient(
    y0: np.ndarray, p: np.ndarray, t_sample: np.ndarray, ev_t: np.ndarray, ev_target: np.ndarray,
    ev_amount: np.ndarray, target_state: np.ndarray, rtol: float, atol: float, h: float, max_steps: int,
    out_states: np.ndarray, counters: np.ndarray,
) -> int:
    """Integrate one man by adaptive Rodas4 through sample times and bolus doses (``h``: first and post-dose
    step; samples are taken before a dose at the same time)."""
    n = y0.shape[0]
    y = y0.copy()
    scales = np.empty(max(target_state.shape[0], 1))
    dose_scales(p, scales)
    q = np.empty(N_DERIVED)
    derived_parameters(p, q)
    ns = t_sample.shape[0]
    t = t_sample[0]
    i = 0
    k = due(ev_t, 0, t, True)
    h_next = h
    ymax = np.zeros(n)
    while True:
        i_end = due(t_sample, i, t, False)
        for ii in range(i, i_end):
            for j in range(n):
                out_states[ii, j] = y[j]
        i = i_end
        if i >= ns:
            break
        k_end = due(ev_t, k, t, False)
        for kk in range(k, k_end):
            st = target_state[ev_target[kk]]
            y[st] += ev_amount[kk] * scales[ev_target[kk]]
            ymax[st] = max(ymax[st], abs(y[st]))
        if k_end > k:
            h_next = min(h_next, h)
        k = k_end
        t_next = segment_end(t_sample, i, ev_t, k)
        status, h_next = rodas4_segment(y, p, q, t, t_next, h_next, rtol, atol, max_steps, counters, ymax)
        if status != OK:
            for ii in range(i, ns):
                for j in range(n):
                    out_states[ii, j] = np.nan
            return status
        t = t_next
    return OK


@njit(cache=True, parallel=True, error_model="numpy")
def run_batch(
    y0: np.ndarray, p: np.ndarray, t_sample: np.ndarray, ev_t: np.ndarray, ev_target: np.ndarray,
    ev_amount: np.ndarray, target_state: np.ndarray, rtol: float, atol: float, h: float, max_steps: int,
    out_states: np.ndarray, status: np.ndarray, counters: np.ndarray,
) -> None:
    """:func:`run_patient` for every row of ``y0``/``p`` in parallel (same dose schedule for all)."""
    for b in prange(y0.shape[0]):
        status[b] = run_patient(
            y0[b], p[b], t_sample, ev_t, ev_target, ev_amount, target_state, rtol, atol, h, max_steps,
            out_states[b], counters[b],
        )


@njit(cache=True, error_model="numpy")
def newton_steady_state(
    y: np.ndarray, p: np.ndarray, q: np.ndarray, atol: float, tol: float, iterations: int, sparse: bool
) -> bool:
    """Newton on f(y) = 0 with the analytic Jacobian; True when the scaled residual is below ``tol``.

    ``sparse``: the generated sparse LU without pivoting (about 100x cheaper than the dense LU; a zero pivot
    ends the attempt), else the dense LU with partial pivoting.
    """
    n = y.shape[0]
    jm = np.empty((n, n))
    jv = np.empty(NNZ)
    piv = np.empty(n, dtype=np.int64)
    f = np.empty(n)
    for _ in range(iterations + 1):
        rhs_derived(0.0, y, p, q, f)
        size = 0.0
        for i in range(n):
            if not math.isfinite(f[i]):
                return False
            size = max(size, abs(f[i]) / (abs(y[i]) + atol))
        if size < tol:
            return True
        if sparse:
            jac_sparse(0.0, y, p, q, jv)
            if not lu_sparse(jv):
                return False
            solve_sparse(jv, f)
        else:
            jac(0.0, y, p, jm)
            if not lu_factor(jm, piv):
                return False
            lu_solve(jm, piv, f)
        for i in range(n):
            y[i] -= f[i]
    return False


@njit(cache=True, error_model="numpy")
def steady_state_patient(
    y: np.ndarray, p: np.ndarray, t_relax: float, rtol: float, atol: float, tol: float, counters: np.ndarray,
) -> int:
    """Drug-free steady state in place: Newton from the guess; if that fails, relax by Rodas4, then Newton."""
    guess = y.copy()
    q = np.empty(N_DERIVED)
    derived_parameters(p, q)
    for sparse in (True, False):
        for i in range(y.shape[0]):
            y[i] = guess[i]
        if newton_steady_state(y, p, q, atol, tol, 12, sparse):
            ok = True
            for i in range(y.shape[0]):
                if y[i] < -atol:
                    ok = False
            if ok:
                return OK
    for i in range(y.shape[0]):
        y[i] = guess[i]
    status, _ = rodas4_segment(y, p, q, 0.0, t_relax, 0.1, rtol, atol, 200000, counters, np.zeros(y.shape[0]))
    if status != OK:
        return status
    if newton_steady_state(y, p, q, atol, tol, 30, False):
        return OK
    return SINGULAR


@njit(cache=True, parallel=True, error_model="numpy")
def steady_state_batch(
    y: np.ndarray, p: np.ndarray, t_relax: float, rtol: float, atol: float, tol: float, status: np.ndarray,
    counters: np.ndarray,
) -> None:
    """:func:`steady_state_patient` for every row in parallel."""
    for b in prange(y.shape[0]):
        status[b] = steady_state_patient(y[b], p[b], t_relax, rtol, atol, tol, counters[b])


@njit(cache=True, parallel=True, error_model="numpy")
def outputs_batch(states: np.ndarray, p: np.ndarray, out: np.ndarray) -> None:
    """Outputs of every patient at every sample: states (n_pat, n_t, n_states) -> out (n_pat, n_t, n_out)."""
    for b in prange(states.shape[0]):
        for i in range(states.shape[1]):
            outputs(states[b, i], p[b], out[b, i])


@njit(cache=True, error_model="numpy")
def outputs_serial(states: np.ndarray, p: np.ndarray, out: np.ndarray) -> None:
    """:func:`outputs_batch` on one thread (small batches: no thread start-up cost)."""
    for b in range(states.shape[0]):
        for i in range(states.shape[1]):
            outputs(states[b, i], p[b], out[b, i])


@njit(cache=True, parallel=True, error_model="numpy")
def rhs_batch(t: float, y: np.ndarray, p: np.ndarray, dy: np.ndarray) -> None:
    """Vectorised right-hand side: y, dy (n_pat, n_states), p (n_pat, n_params)."""
    for b in prange(y.shape[0]):
        rhs(t, y[b], p[b], dy[b])


@njit(cache=True, parallel=True, error_model="numpy")
def jac_batch(t: float, y: np.ndarray, p: np.ndarray, out: np.ndarray) -> None:
    """Vectorised analytic Jacobian: out (n_pat, n_states, n_states)."""
    for b in prange(y.shape[0]):
        jac(t, y[b], p[b], out[b])
