"""Solver kernels (numba) appended to each generated model module: Rodas4, ETD2, steady state, dosing loop.

This file is a template: codegen copies its source below the generated ``rhs``/``jac``/``outputs`` functions of
one model (dropping the stub import), so numba compiles and caches one self-contained module per model.
Methods: Rodas4 (Hairer & Wanner 1996, *Solving ODEs II*, sec. IV.7, coefficients of rodas.f METH=1), a
stiffly accurate L-stable Rosenbrock method of order 4(3) using the analytic Jacobian, with the model's linear
drug subsystem advanced exactly by block matrix exponentials (Parlett's recurrence or Pade scaling and
squaring); ETD2 (Cox & Matthews 2002, J Comput Phys 176:430, ETD2RK) with the Jacobian diagonal as the exactly
integrated linear part.
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
    NNZ,
    NONLIN_STATES,
    dose_scales,
    jac,
    jac_diag,
    jac_sparse,
    linear_blocks,
    lu_sparse,
    outputs,
    rhs,
    solve_sparse,
)

# Status codes returned by the integrators.
OK = 0
TOO_MANY_STEPS = 1
STEP_UNDERFLOW = 2
NOT_FINITE = 3
SINGULAR = 4

# Fixed-step schedule after a dose (assumption, checked by the fast-vs-adaptive error test).
RAMP_FIRST = 1.0 / 64.0
RAMP_GROWTH = 1.5

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
def _ratio_pow(x: float, k: float, n: float) -> float:
    """(x/k)**n: multiplications for slopes 1-2, square roots for quarter-integer slopes below 8, else pow."""
    r = x / k
    if n == 1.0:
        return r
    if n == 2.0:
        return r * r
    q4 = n * 4.0
    if 0.0 < q4 < 32.0 and q4 == math.floor(q4):
        return _quarter_pow(r, int(q4))
    return r**n


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
def _exp_divided_difference(a: float, b: float) -> float:
    """(e^a - e^b)/(a - b), by e^max * expm1(d)/d (d = min - max): no cancellation, e^a at a == b."""
    hi = max(a, b)
    d = min(a, b) - hi
    return math.exp(hi) * (math.expm1(d) / d if d != 0.0 else 1.0)


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
        for j in range(m):
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
            value = h * amat[offset + i * m + j] * _exp_divided_difference(tii, tjj)
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
    for bb in range(n_blocks):
        b = blocks[bb]
        s0 = LIN_PTR[b]
        m = LIN_PTR[b + 1] - s0
        if LIN_LOWER[b] == 0 or not expm_lower(amat, LIN_MAT_PTR[b], m, h, w):
            expm_block(amat, LIN_MAT_PTR[b], m, h, w)
        for r in range(m):
            acc = 0.0
            for c in range(m):
                acc += w[0, r, c] * y_old[LIN_STATES[s0 + c]]
            y_new[LIN_STATES[s0 + r]] = acc


@njit(cache=True, error_model="numpy")
def rodas4_segment(
    y: np.ndarray, p: np.ndarray, t: float, t_end: float, h: float, rtol: float, atol: float, max_steps: int,
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
            rhs(t, y, p, f0)
            jac_sparse(t, y, p, jv)
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
        rhs(t, ytmp, p, dy)
        for i in range(n):
            k2[i] = dy[i] + hc21 * k1[i]
        solve_sparse(e, k2)
        for i in range(n):
            ytmp[i] = y[i] + A31 * k1[i] + A32 * k2[i]
        rhs(t, ytmp, p, dy)
        for i in range(n):
            k3[i] = dy[i] + hc31 * k1[i] + hc32 * k2[i]
        solve_sparse(e, k3)
        for i in range(n):
            ytmp[i] = y[i] + A41 * k1[i] + A42 * k2[i] + A43 * k3[i]
        rhs(t, ytmp, p, dy)
        for i in range(n):
            k4[i] = dy[i] + hc41 * k1[i] + hc42 * k2[i] + hc43 * k3[i]
        solve_sparse(e, k4)
        for i in range(n):
            ytmp[i] = y[i] + A51 * k1[i] + A52 * k2[i] + A53 * k3[i] + A54 * k4[i]
        rhs(t, ytmp, p, dy)
        for i in range(n):
            k5[i] = dy[i] + hc51 * k1[i] + hc52 * k2[i] + hc53 * k3[i] + hc54 * k4[i]
        solve_sparse(e, k5)
        for i in range(n):
            ytmp[i] += k5[i]
        rhs(t, ytmp, p, dy)
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
def _phi12(z: float) -> tuple[float, float]:
    """phi1(z) = (e^z - 1)/z and phi2(z) = (e^z - 1 - z)/z^2, by series near 0."""
    if abs(z) < 1e-3:
        return 1.0 + z / 2.0 + z * z / 6.0 + z * z * z / 24.0, 0.5 + z / 6.0 + z * z / 24.0 + z * z * z / 120.0
    ez = math.exp(z)
    return (ez - 1.0) / z, (ez - 1.0 - z) / (z * z)


@njit(cache=True, error_model="numpy")
def etd2_segment(y: np.ndarray, p: np.ndarray, t: float, t_end: float, h_max: float, work: np.ndarray) -> int:
    """Advance ``y`` in place by equal ETD2 steps of at most ``h_max``; states are kept non-negative."""
    n = y.shape[0]
    span = t_end - t
    if span <= 0.0:
        return OK
    steps = int(math.ceil(span / h_max - 1e-9))
    h = span / steps
    f0 = work[0]
    f1 = work[1]
    d = work[2]
    a = work[3]
    c2 = work[4]
    for _ in range(steps):
        rhs(t, y, p, f0)
        jac_diag(t, y, p, d)
        for i in range(n):
            phi1, phi2 = _phi12(d[i] * h)
            c2[i] = h * phi2
            v = y[i] + h * phi1 * f0[i]
            a[i] = v if v > 0.0 else 0.0
        rhs(t + h, a, p, f1)
        for i in range(n):
            v = a[i] + c2[i] * (f1[i] - f0[i] - d[i] * (a[i] - y[i]))
            y[i] = v if v > 0.0 else 0.0
        t += h
    for i in range(n):
        if not math.isfinite(y[i]):
            return NOT_FINITE
    return OK


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


@njit(cache=True, error_model="numpy")
def _etd4_coefficients(z: float, h: float, out: np.ndarray) -> None:
    """ETDRK4 weights of one state for L*h = z: e^(z/2), h/2 phi1(z/2), e^z and the three final weights."""
    e_half, p1_half, _p2, _p3 = _phi123(z * 0.5)
    e_full, p1, p2, p3 = _phi123_from(z, e_half * e_half)
    out[0] = e_half
    out[1] = 0.5 * h * p1_half
    out[2] = e_full
    out[3] = h * (p1 - 3.0 * p2 + 4.0 * p3)
    out[4] = h * 2.0 * (p2 - 2.0 * p3)
    out[5] = h * (4.0 * p3 - p2)


@njit(cache=True, error_model="numpy")
def etdrk4_segment(
    y: np.ndarray, p: np.ndarray, t: float, t_end: float, h_max: float, work: np.ndarray, ramp: bool,
    ramp_cache: np.ndarray, ramp_d: np.ndarray,
) -> int:
    """Advance ``y`` in place by ETDRK4 steps (Cox & Matthews 2002) of at most ``h_max``; keeps y >= 0.

    The linear part L is the Jacobian diagonal at the start of the segment (one dose or sample interval), held
    fixed so the exponentials are computed once per step size, not per step; N(u) = f(u) - L*u. With ``ramp``
    (a dose was just given) steps start at h_max * RAMP_FIRST and grow by RAMP_GROWTH, to resolve absorption;
    the weights of these ramp steps are kept in ``ramp_cache`` (level, weight, state) and recomputed for a state
    only when its L differs from ``ramp_d`` (most L entries are constant clearances), since a ramp follows every dose.
    """
    n = y.shape[0]
    if t_end - t <= 0.0:
        return OK
    d = work[0]
    fu = work[1]
    fa = work[2]
    fb = work[3]
    fc = work[4]
    a = work[5]
    b = work[6]
    c = work[7]
    eh2 = work[8]
    q2 = work[9]
    dprev = work[10]
    ez = work[11]
    w1 = work[12]
    w2 = work[13]
    w3 = work[14]
    hprev = work[15, 0]
    h = h_max * RAMP_FIRST if ramp else h_max
    equal_steps = False
    level = 0
    coef = np.empty(6)
    jac_diag(t, y, p, d)
    while t < t_end:
        if not ramp and not equal_steps:
            remaining = t_end - t
            h = remaining / math.ceil(remaining / h_max - 1e-9)
            equal_steps = True
        last = t + h > t_end - 1e-9 * h_max
        h_level = h
        if last and abs(t_end - t - h) > 1e-9 * h_max:
            h = t_end - t
        rhs(t, y, p, fu)
        cached = ramp and level < ramp_cache.shape[0] and not (last and h != h_level)
        for i in range(n):
            if cached:
                if ramp_d[i] != d[i]:
                    hh = h_max * RAMP_FIRST
                    for lv in range(ramp_cache.shape[0]):
                        _etd4_coefficients(d[i] * hh, hh, coef)
                        for m in range(6):
                            ramp_cache[lv, m, i] = coef[m]
                        hh = hh * RAMP_GROWTH
                    ramp_d[i] = d[i]
                eh2[i] = ramp_cache[level, 0, i]
                q2[i] = ramp_cache[level, 1, i]
                ez[i] = ramp_cache[level, 2, i]
                w1[i] = ramp_cache[level, 3, i]
                w2[i] = ramp_cache[level, 4, i]
                w3[i] = ramp_cache[level, 5, i]
                dprev[i] = np.nan
            elif d[i] != dprev[i] or h != hprev:
                e_half, p1_half, _p2, _p3 = _phi123(d[i] * h * 0.5)
                eh2[i] = e_half
                q2[i] = 0.5 * h * p1_half
                e_full, p1, p2, p3 = _phi123_from(d[i] * h, e_half * e_half)
                ez[i] = e_full
                w1[i] = h * (p1 - 3.0 * p2 + 4.0 * p3)
                w2[i] = h * 2.0 * (p2 - 2.0 * p3)
                w3[i] = h * (4.0 * p3 - p2)
                dprev[i] = d[i]
            v = y[i] + q2[i] * fu[i]
            a[i] = v if v > 0.0 else 0.0
        hprev = h
        work[15, 0] = h
        rhs(t + 0.5 * h, a, p, fa)
        for i in range(n):
            v = eh2[i] * y[i] + q2[i] * (fa[i] - d[i] * a[i])
            b[i] = v if v > 0.0 else 0.0
        rhs(t + 0.5 * h, b, p, fb)
        for i in range(n):
            nu = fu[i] - d[i] * y[i]
            nb = fb[i] - d[i] * b[i]
            v = eh2[i] * a[i] + q2[i] * (2.0 * nb - nu)
            c[i] = v if v > 0.0 else 0.0
        rhs(t + h, c, p, fc)
        for i in range(n):
            nu = fu[i] - d[i] * y[i]
            na = fa[i] - d[i] * a[i]
            nb = fb[i] - d[i] * b[i]
            nc = fc[i] - d[i] * c[i]
            v = ez[i] * y[i] + w1[i] * nu + w2[i] * (na + nb) + w3[i] * nc
            y[i] = v if v > 0.0 else 0.0
        t = t_end if last else t + h
        if ramp:
            level += 1
            h = min(h * RAMP_GROWTH, h_max)
            if h >= h_max:
                ramp = False
    for i in range(n):
        if not math.isfinite(y[i]):
            return NOT_FINITE
    return OK


@njit(cache=True, error_model="numpy")
def run_patient(
    y0: np.ndarray, p: np.ndarray, t_sample: np.ndarray, ev_t: np.ndarray, ev_target: np.ndarray,
    ev_amount: np.ndarray, target_state: np.ndarray, method: int, rtol: float, atol: float, h: float,
    max_steps: int, out_states: np.ndarray, counters: np.ndarray,
) -> int:
    """Integrate one man through sample times and bolus doses (samples are taken before a dose at the same time).

    method 0 = Rodas4 (``h`` is the first step); 1 = ETD2, 2 = ETDRK4 (``h`` is the fixed maximal step).
    """
    n = y0.shape[0]
    y = y0.copy()
    scales = np.empty(max(target_state.shape[0], 1))
    dose_scales(p, scales)
    work = np.empty((16, n))
    work[10, :] = np.nan
    work[15, :] = np.nan
    levels = 0
    hh = h * RAMP_FIRST
    while hh < h:
        levels += 1
        hh = hh * RAMP_GROWTH
    ramp_cache = np.empty((max(levels, 1), 6, n))
    ramp_d = np.full(n, np.nan)
    ns = t_sample.shape[0]
    ne = ev_t.shape[0]
    t = t_sample[0]
    i = 0
    k = 0
    while k < ne and ev_t[k] < t:
        k += 1
    h_next = h
    ymax = np.zeros(n)
    while True:
        while i < ns and t_sample[i] <= t:
            for j in range(n):
                out_states[i, j] = y[j]
            i += 1
        if i >= ns:
            break
        dosed = False
        while k < ne and ev_t[k] <= t:
            st = target_state[ev_target[k]]
            y[st] += ev_amount[k] * scales[ev_target[k]]
            ymax[st] = max(ymax[st], abs(y[st]))
            k += 1
            dosed = True
        t_next = t_sample[i]
        if k < ne and ev_t[k] < t_next:
            t_next = ev_t[k]
        if method == 0:
            if dosed:
                h_next = min(h_next, h)
            status, h_next = rodas4_segment(y, p, t, t_next, h_next, rtol, atol, max_steps, counters, ymax)
        elif method == 1:
            status = etd2_segment(y, p, t, t_next, h, work)
        else:
            status = etdrk4_segment(y, p, t, t_next, h, work, dosed, ramp_cache, ramp_d)
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
    ev_amount: np.ndarray, target_state: np.ndarray, method: int, rtol: float, atol: float, h: float,
    max_steps: int, out_states: np.ndarray, status: np.ndarray, counters: np.ndarray,
) -> None:
    """:func:`run_patient` for every row of ``y0``/``p`` in parallel (same dose schedule for all)."""
    for b in prange(y0.shape[0]):
        status[b] = run_patient(
            y0[b], p[b], t_sample, ev_t, ev_target, ev_amount, target_state, method, rtol, atol, h, max_steps,
            out_states[b], counters[b],
        )


@njit(cache=True, error_model="numpy")
def newton_steady_state(y: np.ndarray, p: np.ndarray, atol: float, tol: float, iterations: int) -> bool:
    """Newton on f(y) = 0 with the dense analytic Jacobian; True when the scaled residual is below ``tol``."""
    n = y.shape[0]
    jm = np.empty((n, n))
    piv = np.empty(n, dtype=np.int64)
    f = np.empty(n)
    for _ in range(iterations + 1):
        rhs(0.0, y, p, f)
        size = 0.0
        for i in range(n):
            if not math.isfinite(f[i]):
                return False
            size = max(size, abs(f[i]) / (abs(y[i]) + atol))
        if size < tol:
            return True
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
    if newton_steady_state(y, p, atol, tol, 12):
        ok = True
        for i in range(y.shape[0]):
            if y[i] < -atol:
                ok = False
        if ok:
            return OK
    for i in range(y.shape[0]):
        y[i] = guess[i]
    status, _ = rodas4_segment(y, p, 0.0, t_relax, 0.1, rtol, atol, 200000, counters, np.zeros(y.shape[0]))
    if status != OK:
        return status
    if newton_steady_state(y, p, atol, tol, 30):
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
