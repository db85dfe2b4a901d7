"""hpgtwin benchmarks: speed as ratios against reference tools measured in the same process (``python -m benchmarks``).

Not timed tests: the numbers depend on the machine. Each figure is reported next to its reference (scipy LSODA on
the same generated right-hand side, libRoadRunner on our exported SBML) measured in the same run, so the ratio
is what to compare across machines. Results: ``benchmarks/results/latest.json``.
"""
