"""``python -m benchmarks [--quick] [--only single,batch,trial]``: run the benchmarks, print a table of ratios,
write ``benchmarks/results/latest.json``."""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path
from typing import Any

from benchmarks import batch, single, trial
from benchmarks.common import environment

RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"
# Full sizes follow the issues (10,000-man 26-week trial); --quick shrinks them for a smoke run.
SIZES = {
    "full": {
        "single": {"repeats": 5},
        "batch": {"n": 10_000, "n_distinct": 500, "n_reference": 100, "n_roadrunner": 50},
        "trial": {"n": 10_000, "weeks": 26.0},
    },
    "quick": {
        "single": {"repeats": 2},
        "batch": {"n": 500, "n_distinct": 100, "n_reference": 20, "n_roadrunner": 10},
        "trial": {"n": 500, "weeks": 26.0},
    },
}


def _fmt(value: Any, digits: int = 3) -> str:
    """A number for the table (or the text as is)."""
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int | float):
        if not math.isfinite(value):
            return str(value)
        return f"{value:.{digits}g}"
    return str(value)


def table_rows(results: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(what, ours, reference, ratio) rows of the summary table."""
    rows: list[tuple[str, str, str, str]] = []
    s = results.get("single")
    if s:
        rows.append(
            (
                "single man 180 d, adaptive (ms)",
                _fmt(1e3 * s["ours_integrate_s"]),
                f"scipy LSODA {_fmt(1e3 * s['scipy_lsoda_s'])} ms",
                _fmt(s["speedup_vs_scipy_lsoda"]) + "x",
            )
        )
        rr = s.get("roadrunner_s")
        rows.append(
            (
                "single man vs roadrunner (ms)",
                _fmt(1e3 * s["ours_integrate_s"]),
                f"roadrunner {_fmt(1e3 * rr)} ms"
                if rr
                else f"roadrunner {s['roadrunner'].split(':')[0]} (see JSON)",
                _fmt(s.get("speedup_vs_roadrunner")) + "x" if rr else "-",
            )
        )
        rows.append(
            (
                "single man max rel. error",
                _fmt(s["ours_max_rel_error"]),
                f"scipy {_fmt(s['scipy_lsoda_max_rel_error'])}",
                "-",
            )
        )
    b = results.get("batch")
    if b:
        rr_rate = b.get("roadrunner_patients_per_s")
        rows.append(
            (
                "fast batch (patients/s)",
                _fmt(b["fast_patients_per_s"]),
                f"roadrunner loop {_fmt(rr_rate)} /s"
                if rr_rate
                else f"roadrunner {b['roadrunner'].split(':')[0]} (see JSON)",
                (_fmt(b["fast_vs_roadrunner_throughput"]) + "x (target 50x)") if rr_rate else "-",
            )
        )
        rows.append(
            ("fast batch max rel. error", _fmt(b["fast_max_rel_error"]), "tight Rodas4", "target 0.005")
        )
    t = results.get("trial")
    if t:
        rows.append((f"{t['n']}-man {t['weeks']:g}-week trial (s)", _fmt(t["local_s"]), "target 10 s", "-"))
        for w in (1, 2):
            if f"dask_{w}_workers_s" in t:
                rows.append(
                    (
                        f"  Dask {w} worker(s) (s)",
                        _fmt(t[f"dask_{w}_workers_s"]),
                        f"same numbers: {t.get(f'dask_{w}_workers_same_numbers')} "
                        f"(max rel. diff {_fmt(t.get(f'dask_{w}_workers_max_rel_diff_vs_local'))})",
                        "-",
                    )
                )
        if "dask_scaling_2_vs_1_workers" in t:
            rows.append(("  Dask 2 vs 1 workers", "-", "-", _fmt(t["dask_scaling_2_vs_1_workers"]) + "x"))
    return rows


def print_table(results: dict[str, Any]) -> None:
    """The summary table (rich if available)."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title="hpgtwin benchmarks (ratios measured in the same run)")
    for column in ("benchmark", "ours", "reference", "ratio"):
        table.add_column(column)
    for row in table_rows(results):
        table.add_row(*row)
    Console(width=160).print(table)


def main(argv: list[str] | None = None) -> int:
    """Run the selected benchmarks, print the table, write the JSON."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke run)")
    parser.add_argument("--only", default="single,batch,trial", help="comma-separated subset")
    parser.add_argument("--out", type=Path, default=RESULTS, help="JSON output file")
    args = parser.parse_args(argv)
    sizes = SIZES["quick" if args.quick else "full"]
    runners = {"single": single.run, "batch": batch.run, "trial": trial.run}
    results: dict[str, Any] = {}
    if args.out.exists():  # a partial run (--only) updates its parts and keeps the others
        results = json.loads(args.out.read_text())
    results.update({"environment": environment(), "mode": "quick" if args.quick else "full"})
    for name in [n.strip() for n in args.only.split(",") if n.strip()]:
        start = time.perf_counter()
        try:
            results[name] = runners[name](**sizes[name])
        except Exception as exc:  # noqa: BLE001 - a failing benchmark is reported, the others still run
            results[name] = {"error": f"{type(exc).__name__}: {exc}"}
        results[name]["benchmark_wall_s"] = time.perf_counter() - start
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print_table({k: v for k, v in results.items() if isinstance(v, dict) and "error" not in v})
    for name, value in results.items():
        if isinstance(value, dict) and "error" in value:
            print(f"{name}: {value['error']}")
    print(f"results: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
