"""The result of a virtual trial: per-arm values on report days, summaries, analyses, per-patient table."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hpgtwin import DISCLAIMER
from hpgtwin.trials.analyses import arm_summary, compare_arms, power_analysis, responders
from hpgtwin.trials.spec import SPERM_THRESHOLDS_MILLION_ML, CohortSpec, week_key
from hpgtwin.trials.statistics import Z95
from hpgtwin.trials.table import GroupRows, PatientTableWriter, group_table, report_columns


@dataclass(frozen=True)
class ArmResult:
    """One arm's men: ids, covariates, matching weights, and output -> (men x report days)."""

    name: str
    group: int
    patient_id: np.ndarray
    age_years: np.ndarray
    bmi_kg_m2: np.ndarray
    weight: np.ndarray | None
    values: dict[str, np.ndarray]


@dataclass(frozen=True)
class TrialResult:
    """A finished virtual trial; ``to_dict()`` is what ``hpgtwin trial --format json`` prints."""

    spec: CohortSpec
    arms: dict[str, ArmResult]
    matching: dict[str, dict]
    run: dict[str, Any]

    def columns(self) -> list[str]:
        """Column suffixes of the report days: baseline, week_<w>..., day_<d>..."""
        return report_columns(self.spec)

    def arm_dict(self, name: str) -> dict[str, Any]:
        """Summary of one arm: regimen, n, matching, baseline, weeks (and days), responders."""
        arm = self.arms[name]
        spec_arm = next(a for a in self.spec.all_arms if a.name == name)
        out: dict[str, Any] = {"regimen": spec_arm.regimen, "n": int(arm.patient_id.size),
                               "matching": self.matching[name]}
        out.update(arm_summary(self.spec, arm.values, arm.weight))
        if self.spec.responders is not None:
            out["responders"] = responders(self.spec, self.spec.responders, arm.values, arm.weight)
        return out

    def to_dict(self) -> dict[str, Any]:
        """The machine-readable result (issue 5): the first arm at the top level, every arm under ``arms``."""
        spec = self.spec
        arms = {name: self.arm_dict(name) for name in self.arms}
        first = arms[spec.all_arms[0].name]
        out: dict[str, Any] = {
            "name": spec.name,
            "source": spec.source,
            "n": spec.n,
            "seed": spec.seed,
            "regimen": first["regimen"],
            "duration_weeks": spec.duration_weeks,
            "report_weeks": [week_key(w) for w in spec.report_weeks],
            "matching": first["matching"],
            "baseline": first["baseline"],
            "weeks": first["weeks"],
        }
        for key in ("days", "responders"):
            if key in first:
                out[key] = first[key]
        out["arms"] = arms
        if spec.compare is not None:
            out["compare"] = compare_arms(spec, spec.compare, self._values(), self._paired_with(spec.compare.reference))
        if spec.power is not None:
            paired = self.arms[spec.power.treatment].group == self.arms[spec.power.control].group
            out["power"] = power_analysis(spec, spec.power, self._values(), paired)
        out["conventions"] = {
            "ci95": f"95% confidence interval of the mean, mean +/- {Z95:.2f} SD / sqrt(n) (n_eff with weights)",
            "range95": "2.5th-97.5th percentile of the virtual men",
            "azoospermia_threshold_million_ml": spec.azoospermia_threshold_million_ml,
            "sperm_concentration_thresholds_million_ml": list(SPERM_THRESHOLDS_MILLION_ML),
            "t_e2_ratio": "testosterone ng/dL / estradiol pg/mL",
            "t_lh_ratio": "testosterone ng/dL / LH IU/L",
            "week": "report week w is day 7 w of treatment; baseline is the drug-free steady state (day 0)",
        }
        out["run"] = self.run
        out["disclaimer"] = DISCLAIMER
        return out

    def _values(self) -> dict[str, dict[str, np.ndarray]]:
        return {name: arm.values for name, arm in self.arms.items()}

    def _paired_with(self, reference: str) -> dict[str, bool]:
        g = self.arms[reference].group
        return {name: arm.group == g for name, arm in self.arms.items()}

    def chunk_rows(self) -> Iterator[tuple[tuple[int, int], GroupRows]]:
        """The men chunk by chunk, (group, chunk) -> rows of every arm of the group, in the order of the run."""
        size = int(self.run.get("chunk_size") or self.spec.chunk_size)
        groups: dict[int, list[str]] = {}
        for name, arm in self.arms.items():
            groups.setdefault(arm.group, []).append(name)
        for g in sorted(groups):
            first = self.arms[groups[g][0]]
            for c, start in enumerate(range(0, first.patient_id.size, size)):
                rows = slice(start, start + size)
                yield (g, c), GroupRows(
                    first.patient_id[rows], first.age_years[rows], first.bmi_kg_m2[rows],
                    None if first.weight is None else first.weight[rows],
                    {a: {k: v[rows] for k, v in self.arms[a].values.items()} for a in groups[g]},
                )

    def _weighted(self) -> bool:
        return any(arm.weight is not None for arm in self.arms.values())

    def to_frame(self):
        """Per-patient table (pandas): one row per (arm, man), chunk by chunk; see :mod:`hpgtwin.trials.table`."""
        import pyarrow as pa

        tables = [group_table(self.spec, rows, weighted=self._weighted()) for _, rows in self.chunk_rows()]
        return pa.concat_tables(tables).to_pandas()

    def write_parquet(self, path: str | Path) -> Path:
        """Write the per-patient table to Parquet, one row group per chunk (the file ``run_trial(out=...)`` streams)."""
        keys_rows = list(self.chunk_rows())
        with PatientTableWriter(path, self.spec, [k for k, _ in keys_rows], weighted=self._weighted()) as writer:
            for key, rows in keys_rows:
                writer.add(key, rows)
        return Path(path)

    def to_text(self) -> str:
        """A short human-readable summary: per arm, the main outputs at baseline and at each report week."""
        d = self.to_dict()
        lines = [f"{d['name']}  (n = {d['n']}, seed {d['seed']}, {d['duration_weeks']:g} weeks)"]
        if d["source"]:
            lines.append(f"source: {d['source']}")
        shown = ("testosterone_ng_dl", "estradiol_pg_ml", "lh_iu_l", "fsh_iu_l", "sperm_concentration_million_ml")
        for name, arm in d["arms"].items():
            lines.append("")
            lines.append(f"arm {name}: {arm['regimen']}")
            m = arm["matching"]
            for q, e in (m.get("quantities") or {}).items():
                target = e["target_mean"] if e["target_mean"] is not None else e["target_median"]
                lines.append(f"  matched {q}: target {target:.4g}, virtual mean {e['achieved_mean']:.4g}")
            header = f"  {'':32s}{'baseline':>16s}" + "".join(f"{'week ' + w:>16s}" for w in arm["weeks"])
            lines.append(header)
            for q in shown:
                if q not in arm["baseline"]:
                    continue
                cells = [arm["baseline"][q]] + [arm["weeks"][w][q] for w in arm["weeks"]]
                lines.append(f"  {q:32s}" + "".join(f"{c['mean']:>9.4g} ±{c['sd']:<6.3g}" for c in cells))
            if arm["weeks"]:
                last = list(arm["weeks"].values())[-1]
                if "azoospermic_fraction" in last:
                    lines.append(f"  azoospermic (< {last['azoospermia_threshold_million_ml']:g} M/mL) at the last "
                                 f"report week: {last['azoospermic_fraction']:.1%}")
            if "responders" in arm:
                r = arm["responders"]
                lines.append(f"  responders ({r['criterion']['rule']} {r['criterion']['threshold']:g} of "
                             f"{r['criterion']['output']}): {r['fraction']:.1%} "
                             f"[{r['ci95'][0]:.1%}, {r['ci95'][1]:.1%}]")
                for p, auc in (r.get("predictors") or {}).items():
                    if auc["auc"] is not None:
                        lines.append(f"    AUC of baseline {p}: {auc['auc']:.3f} [{auc['ci95_low']:.3f}, {auc['ci95_high']:.3f}]")
        if "compare" in d:
            c = d["compare"]
            lines.append("")
            lines.append(f"compared with {c['reference']} ({c['output']}, week {c['week']:g}):")
            for name, e in c["arms"].items():
                key = "ratio_of_geometric_means" if c["scale"] == "log" else "difference_of_means"
                lines.append(f"  {name}: {key.replace('_', ' ')} {e[key]:.3g} [{e['ci95'][0]:.3g}, {e['ci95'][1]:.3g}]")
        if "power" in d:
            p = d["power"]
            lines.append("")
            lines.append(f"power ({p['treatment']} vs {p['control']}, {p['endpoint']} of {p['output']}, "
                         f"{p['test']}, alpha {p['alpha']}):")
            for row in p["table"]:
                lines.append(f"  n = {row['n_per_arm']:>5d} per arm: power {row['power']:.2f}")
            lines.append(f"  smallest n per arm with power >= {p['target_power']}: {p['smallest_n_per_arm_reaching_target']}")
        lines.append("")
        lines.append(f"run: {d['run']['executor']}, {d['run']['chunks']} chunks, {d['run']['seconds']:.1f} s")
        lines.append(DISCLAIMER)
        return "\n".join(lines)
