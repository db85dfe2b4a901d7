"""sympy -> numba source printing shared by the scalar and the lane code generators."""

from __future__ import annotations

import sympy as sp
from sympy.printing.pycode import PythonCodePrinter

HELPERS = ("hill_act", "hill_inh", "dhill_act_dx", "dhill_act_dk", "dhill_act_dn")
# numpy error model: x/0 gives inf/nan (the solvers check finiteness) instead of a branch per division.
# No fastmath: with contraction/reassociation LLVM's result depends on what it inlines, so a kernel compiled in
# this process and the same kernel loaded from numba's cache (e.g. by a Dask worker) differed in the last bits
# (measured 6e-16 relative), breaking bit-for-bit reproducibility; strict IEEE costs about 5% of single-man speed.
JIT = 'cache=True, error_model="numpy"'


class NumbaPrinter(PythonCodePrinter):
    """Python/numba printer: math.* functions, Hill helpers by name, floats at full precision."""

    def _print_Function(self, expr: sp.Function) -> str:
        name = type(expr).__name__
        if name in HELPERS:
            args = (repr(float(a)) if a.is_Number else self._print(a) for a in expr.args)
            return f"{name}({', '.join(args)})"
        return super()._print_Function(expr)

    def _print_Pow(self, expr: sp.Pow, rational: bool = False) -> str:
        base, exponent = expr.args
        if exponent == sp.Rational(1, 2):
            return f"math.sqrt({self._print(base)})"
        if exponent == -1:
            return f"(1.0/{self.parenthesize(base, 1000)})"
        if exponent.is_Integer and 2 <= int(exponent) <= 4:
            b = self.parenthesize(base, 1000)
            return "(" + "*".join([b] * int(exponent)) + ")"
        return super()._print_Pow(expr, rational=rational)
