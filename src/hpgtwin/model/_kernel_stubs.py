"""Placeholders for the model-specific functions that codegen writes above the solver kernels.

The kernel template imports these names so it is valid, lint-clean Python; in the generated module the import
line is removed and the real numba functions generated from the declaration take their place.
"""

from __future__ import annotations

import numpy as np


def rhs(t: float, y: np.ndarray, p: np.ndarray, dy: np.ndarray) -> None:
    """d(y)/dt into ``dy`` (generated)."""
    raise NotImplementedError


def jac(t: float, y: np.ndarray, p: np.ndarray, out: np.ndarray) -> None:
    """Analytic Jacobian d(rhs)/dy into ``out`` (generated)."""
    raise NotImplementedError


def jac_diag(t: float, y: np.ndarray, p: np.ndarray, out: np.ndarray) -> None:
    """Diagonal of the Jacobian into ``out`` (generated)."""
    raise NotImplementedError


def outputs(y: np.ndarray, p: np.ndarray, out: np.ndarray) -> None:
    """The declared outputs into ``out`` (generated)."""
    raise NotImplementedError


def dose_scales(p: np.ndarray, out: np.ndarray) -> None:
    """Amount-to-state factor of every dose target into ``out`` (generated)."""
    raise NotImplementedError


def jac_sparse(t: float, y: np.ndarray, p: np.ndarray, q: np.ndarray, out: np.ndarray) -> None:
    """Jacobian nonzeros (on the LU pattern, fill-in zeroed) into ``out``; ``q`` from derived_parameters."""
    raise NotImplementedError


def derived_parameters(p: np.ndarray, q: np.ndarray) -> None:
    """The parameter-only subexpressions of the RHS and Jacobian into ``q`` (generated)."""
    raise NotImplementedError


def rhs_derived(t: float, y: np.ndarray, p: np.ndarray, q: np.ndarray, dy: np.ndarray) -> None:
    """d(y)/dt into ``dy`` with ``q`` from derived_parameters (generated; same values as ``rhs``)."""
    raise NotImplementedError


def lu_sparse(v: np.ndarray) -> bool:
    """In-place sparse LU without pivoting on the generated pattern; False at a zero pivot (generated)."""
    raise NotImplementedError


def solve_sparse(v: np.ndarray, b: np.ndarray) -> None:
    """Solve in place with the factor from :func:`lu_sparse` (generated)."""
    raise NotImplementedError


NNZ = 1
N_DERIVED = 1
DIAG_IDX = np.zeros(1, dtype=np.int64)


def derived_lanes(p: np.ndarray, q: np.ndarray) -> None:
    """Parameter-only subexpressions of the RHS per man: p (params, lanes) -> q (derived, lanes) (generated)."""
    raise NotImplementedError


def rhs_lanes_q(
    t: float, y: np.ndarray, p: np.ndarray, q: np.ndarray, dy: np.ndarray, w: np.ndarray, need: np.ndarray
) -> None:
    """d(y)/dt for men in lanes: y, dy (states, lanes), p, q (params/derived, lanes), w scratch; quarter slopes."""
    raise NotImplementedError


def rhs_lanes_p(
    t: float, y: np.ndarray, p: np.ndarray, q: np.ndarray, dy: np.ndarray, w: np.ndarray, need: np.ndarray
) -> None:
    """:func:`rhs_lanes_q` for any Hill slopes (pow) (generated)."""
    raise NotImplementedError


LANE_WORK = 1
LANE_DERIVED = 1
LANE_QUARTER_OK = True
SLOPE_PARAMS = np.zeros(0, dtype=np.int64)
INFLUENCE_PTR = np.zeros(2, dtype=np.int64)
INFLUENCE_IDX = np.zeros(0, dtype=np.int64)
LANE_STATEMENTS = 1
STATEMENT_STATES_PTR = np.zeros(2, dtype=np.int64)
STATEMENT_STATES_IDX = np.zeros(0, dtype=np.int64)


def linear_blocks(p: np.ndarray, out: np.ndarray) -> None:
    """Dense matrices A(p) of the linear subsystem's blocks, row-major at LIN_MAT_PTR (generated)."""
    raise NotImplementedError


LIN_STATES = np.zeros(0, dtype=np.int64)
LIN_PTR = np.zeros(1, dtype=np.int64)
LIN_MAT_PTR = np.zeros(1, dtype=np.int64)
LIN_MAT_SIZE = 1
LIN_MAX_BLOCK = 1
NONLIN_STATES = np.zeros(0, dtype=np.int64)
LIN_LOWER = np.zeros(0, dtype=np.int64)
