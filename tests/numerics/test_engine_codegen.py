"""Generated code: analytic Jacobian (dense, sparse, diagonal) vs finite differences, sparse LU vs numpy."""

from __future__ import annotations

import numpy as np
import pytest
from engine_toymodel import TOY

from hpgtwin.model.codegen import compile_model
from hpgtwin.model.steady_state import baseline_state


@pytest.fixture(scope="module")
def compiled():
    """The toy model compiled once for this module."""
    return compile_model(TOY)


def _perturbed_state(compiled, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """A state away from equilibrium, with drug on board, and the default parameters."""
    p = TOY.default_parameters().values[0]
    y = baseline_state(TOY, TOY.default_parameters(), compiled=compiled)[0]
    rng = np.random.default_rng(seed)
    y = y * np.exp(rng.normal(0.0, 0.3, y.size)) + rng.uniform(0.1, 2.0, y.size)
    return y, p


# Central-difference step: eps**(1/3) balances truncation (~h^2) against rounding (~eps/h) (Nocedal & Wright 2006,
# Numerical Optimization, sec. 8.1); smaller steps let rounding dominate small entries.
FD_STEP = float(np.cbrt(np.finfo(float).eps))


def _fd_jacobian(compiled, y: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Central finite differences of the generated RHS."""
    n = y.size
    jac = np.empty((n, n))
    for j in range(n):
        h = FD_STEP * max(1.0, abs(y[j]))
        up, down = y.copy(), y.copy()
        up[j] += h
        down[j] -= h
        jac[:, j] = (compiled.rhs(up, p) - compiled.rhs(down, p)) / (2 * h)
    return jac


def test_analytic_jacobian_matches_finite_differences(compiled) -> None:
    """Sympy's Jacobian equals central differences to 1e-6 relative (FD truncation ~1e-10, rounding ~1e-9)."""
    y, p = _perturbed_state(compiled)
    analytic = compiled.jacobian(y, p)
    numeric = _fd_jacobian(compiled, y, p)
    scale = np.maximum(np.abs(analytic), 1e-8 * np.max(np.abs(analytic)))
    assert np.max(np.abs(analytic - numeric) / scale) < 1e-6


def test_sparse_and_diagonal_jacobians_agree_with_dense(compiled) -> None:
    """The diagonal kernel equals the dense diagonal; the sparse LU of 10*I - J solves like numpy."""
    y, p = _perturbed_state(compiled, seed=5)
    dense = compiled.jacobian(y, p)
    diag = np.empty(y.size)
    compiled.module.jac_diag(0.0, y, p, diag)
    np.testing.assert_allclose(diag, np.diag(dense), rtol=1e-13, atol=0)
    values = np.empty(compiled.module.NNZ)
    q = np.empty(compiled.module.N_DERIVED)
    compiled.module.derived_parameters(p, q)
    compiled.module.jac_sparse(0.0, y, p, q, values)
    e = -values.copy()
    e[compiled.module.DIAG_IDX] += 10.0
    matrix = 10.0 * np.eye(y.size) - dense
    b = np.linspace(1.0, 2.0, y.size)
    x = b.copy()
    assert compiled.module.lu_sparse(e)
    compiled.module.solve_sparse(e, x)
    np.testing.assert_allclose(x, np.linalg.solve(matrix, b), rtol=1e-11)


def test_real_model_jacobian_matches_finite_differences() -> None:
    """The same check on the physiology's MODEL, every drug on board; 1e-4 (steep ER binding curves raise FD error)."""
    model_module = pytest.importorskip("hpgtwin.model")
    model = model_module.MODEL
    compiled = compile_model(model)
    params = model_module.individual_parameters().for_model(model)
    y = baseline_state(model, params, compiled=compiled)[0] * 1.05 + 0.5
    p = params.values[0]
    analytic = compiled.jacobian(y, p)
    numeric = _fd_jacobian(compiled, y, p)
    scale = np.maximum(np.abs(analytic), 1e-7 * np.max(np.abs(analytic)))
    assert np.max(np.abs(analytic - numeric) / scale) < 1e-4


def test_hill_helpers_are_clamped_and_consistent(compiled) -> None:
    """hill_act + hill_inh = 1, zero input gives (0, 1) without NaN, derivative matches differences."""
    m = compiled.module
    for x in (0.0, -1e-12, 0.3, 2.0, 50.0):
        assert m.hill_act(x, 2.0, 1.7) + m.hill_inh(x, 2.0, 1.7) == pytest.approx(1.0, abs=1e-15)
    assert m.hill_act(-1.0, 2.0, 0.5) == 0.0
    h = 1e-6
    fd = (m.hill_act(1.3 + h, 2.0, 1.7) - m.hill_act(1.3 - h, 2.0, 1.7)) / (2 * h)
    assert m.dhill_act_dx(1.3, 2.0, 1.7) == pytest.approx(fd, rel=1e-8)


@pytest.mark.parametrize("slope_shift", [0.0, 0.1])
def test_hoisted_rhs_and_sparse_jacobian_equal_the_plain_ones(slope_shift: float) -> None:
    """The adaptive solver's hoisted ``rhs_derived``/``jac_sparse`` equal ``rhs``/``jac`` on the physiology's
    MODEL, every drug on board, with Hill slopes on the quarter grid (square roots) and off it (pow).

    Tolerance 1e-12 relative (only the order of floating-point operations differs).
    """
    model_module = pytest.importorskip("hpgtwin.model")
    model = model_module.MODEL
    compiled = compile_model(model)
    m = compiled.module
    params = model_module.individual_parameters().for_model(model)
    p = params.values[0].copy()
    p[m.SLOPE_PARAMS] += slope_shift
    rng = np.random.default_rng(11)
    y = baseline_state(model, params, compiled=compiled)[0] * np.exp(rng.normal(0.0, 0.2, m.N_STATES))
    y += rng.uniform(0.1, 2.0, y.size)
    q = np.empty(m.N_DERIVED)
    m.derived_parameters(p, q)
    plain, hoisted = np.empty(y.size), np.empty(y.size)
    m.rhs(0.0, y, p, plain)
    m.rhs_derived(0.0, y, p, q, hoisted)
    scale = np.maximum(np.abs(plain), 1e-9 * np.max(np.abs(plain)))
    assert np.max(np.abs(hoisted - plain) / scale) < 1e-12
    dense = compiled.jacobian(y, p)
    values = np.empty(m.NNZ)
    m.jac_sparse(0.0, y, p, q, values)
    e = -values
    e[m.DIAG_IDX] += 10.0
    b = np.linspace(1.0, 2.0, y.size)
    x = b.copy()
    assert m.lu_sparse(e)
    m.solve_sparse(e, x)
    np.testing.assert_allclose(x, np.linalg.solve(10.0 * np.eye(y.size) - dense, b), rtol=1e-10)


def test_generated_kernels_are_strict_ieee(compiled) -> None:
    """No fastmath contraction or reassociation in the generated module: with them, a kernel compiled in-process
    and the same kernel loaded from numba's cache (a Dask worker) differed by about 6e-16 relative (measured
    2026-12-06 on the HPG model's batched Jacobian), which broke bit-identical local vs Dask trials on a cold cache."""
    source = compiled.path.read_text(encoding="utf-8")
    decorators = [line for line in source.splitlines() if line.lstrip().startswith("@njit")]
    assert decorators
    assert not [d for d in decorators if "contract" in d or "reassoc" in d or "fastmath=True" in d]
