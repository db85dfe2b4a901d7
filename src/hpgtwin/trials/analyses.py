"""What a virtual trial reports per arm (baseline and report-week statistics, sperm fractions, responders) and
across arms (a paired comparison with a reference arm; the power of a parallel RCT by simulation)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from scipy import stats as sps

from hpgtwin.trials.spec import SPERM_THRESHOLDS_MILLION_ML, CohortSpec, Compare, Power, Responders, week_key
from hpgtwin.trials.statistics import Z95, fraction_below, proportion_ci, roc_auc, summarize

SPERM = "sperm_concentration_million_ml"

ArmValues = Mapping[str, np.ndarray]
"""output -> (men x report days); column 0 is baseline, then report weeks, then report days."""


def column_of(spec: CohortSpec, week: float | None) -> int:
    """Column of a report week (None -> the last report week)."""
    week = spec.final_week if week is None else week
    return 1 + list(spec.report_weeks).index(week)


def _time_point(values: ArmValues, col: int, spec: CohortSpec, weights: np.ndarray | None) -> dict[str, object]:
    out: dict[str, object] = {name: summarize(v[:, col], weights) for name, v in values.items()}
    if SPERM in values:
        sperm = values[SPERM][:, col]
        out["azoospermic_fraction"] = fraction_below(sperm, spec.azoospermia_threshold_million_ml, weights)
        out["azoospermia_threshold_million_ml"] = spec.azoospermia_threshold_million_ml
        out["sperm_concentration_fraction_below"] = {
            f"{t:g}": fraction_below(sperm, t, weights) for t in SPERM_THRESHOLDS_MILLION_ML
        }
    return out


def arm_summary(spec: CohortSpec, values: ArmValues, weights: np.ndarray | None) -> dict[str, object]:
    """Baseline and per-report-week (and per-report-day) statistics of one arm."""
    n_weeks = len(spec.report_weeks)
    summary: dict[str, object] = {
        "baseline": _time_point(values, 0, spec, weights),
        "weeks": {week_key(w): _time_point(values, 1 + i, spec, weights) for i, w in enumerate(spec.report_weeks)},
    }
    if spec.report_days:
        summary["days"] = {
            week_key(d): _time_point(values, 1 + n_weeks + i, spec, weights) for i, d in enumerate(spec.report_days)
        }
    return summary


def responder_mask(crit: Responders, values: ArmValues, col: int) -> np.ndarray:
    """Which men respond: their ``output`` at the criterion's week versus baseline, by the rule."""
    x0, x1 = values[crit.output][:, 0], values[crit.output][:, col]
    if crit.rule == "fold_change_at_least":
        return x1 >= crit.threshold * x0
    if crit.rule == "change_at_least":
        return x1 - x0 >= crit.threshold
    if crit.rule == "value_at_least":
        return x1 >= crit.threshold
    return x1 < crit.threshold


def responders(spec: CohortSpec, crit: Responders, values: ArmValues, weights: np.ndarray | None) -> dict[str, object]:
    """Fraction of responders (Wilson 95% CI) and how well each baseline predictor separates them (ROC AUC)."""
    col = column_of(spec, crit.week)
    hit = responder_mask(crit, values, col)
    w = np.ones(hit.size) if weights is None else weights
    n_eff = float(w.sum() ** 2 / np.sum(w**2))
    frac = float(np.average(hit, weights=w))
    out: dict[str, object] = {
        "criterion": {"output": crit.output, "week": spec.final_week if crit.week is None else crit.week,
                      "rule": crit.rule, "threshold": crit.threshold},
        "fraction": frac,
        "count": int(hit.sum()),
        "n": int(hit.size),
        "ci95": proportion_ci(frac * n_eff, n_eff),
    }
    if crit.predictors:
        out["predictors"] = {
            p: {**roc_auc(values[p][:, 0], hit), "note": "AUC of the baseline value; < 0.5 means lower predicts response"}
            for p in crit.predictors
            if p in values
        }
    return out


def _on_scale(values: np.ndarray, scale: str) -> np.ndarray:
    return np.log(np.maximum(values, 1e-12)) if scale == "log" else values


def compare_arms(spec: CohortSpec, cmp: Compare, arms: Mapping[str, ArmValues], paired: Mapping[str, bool]) -> dict:
    """Each arm against the reference at one week: ratio of geometric means (log) or difference of means (linear).

    Arms that share the population are the same virtual men, so the comparison is paired (an in-silico
    crossover); otherwise Welch's unpaired interval is used.
    """
    col = column_of(spec, cmp.week)
    ref = arms[cmp.reference][cmp.output][:, col]
    result: dict[str, object] = {"reference": cmp.reference, "output": cmp.output,
                                 "week": spec.final_week if cmp.week is None else cmp.week, "scale": cmp.scale,
                                 "arms": {}}
    for name, vals in arms.items():
        if name == cmp.reference:
            continue
        x = vals[cmp.output][:, col]
        a, b = _on_scale(x, cmp.scale), _on_scale(ref, cmp.scale)
        if paired[name]:
            d = a - b
            est, se = float(d.mean()), float(d.std(ddof=1) / np.sqrt(d.size))
            better = float(np.mean(x > ref))
        else:
            est = float(a.mean() - b.mean())
            se = float(np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size))
            better = None
        lo, hi = est - Z95 * se, est + Z95 * se
        if cmp.scale == "log":
            entry = {"ratio_of_geometric_means": float(np.exp(est)), "ci95": [float(np.exp(lo)), float(np.exp(hi))]}
        else:
            entry = {"difference_of_means": est, "ci95": [lo, hi]}
        entry.update({"paired": paired[name], "fraction_of_men_higher": better})
        result["arms"][name] = entry
    return result


def _endpoint(p: Power, vals: ArmValues, col: int, rng: np.random.Generator, rows: np.ndarray) -> np.ndarray:
    x0, x1 = vals[p.output][rows, 0], vals[p.output][rows, col]
    if p.measurement_cv > 0:
        s = np.sqrt(np.log1p(p.measurement_cv**2))
        x0 = x0 * np.exp(rng.normal(-s * s / 2, s, x0.shape))
        x1 = x1 * np.exp(rng.normal(-s * s / 2, s, x1.shape))
    if p.endpoint == "log_fold_change":
        return np.log(np.maximum(x1, 1e-12) / np.maximum(x0, 1e-12))
    if p.endpoint == "change":
        return x1 - x0
    return x1


def power_analysis(spec: CohortSpec, p: Power, arms: Mapping[str, ArmValues], paired: bool) -> dict[str, object]:
    """Power of a two-arm parallel RCT: for each size, draw men from the arms, add measurement error, test."""
    col = column_of(spec, p.week)
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(spec.seed, spawn_key=(10_000,))))
    n_t = arms[p.treatment][p.output].shape[0]
    n_c = arms[p.control][p.output].shape[0]
    table = []
    for n in p.n_per_arm:
        if paired and 2 * n <= n_t:
            perm = np.argsort(rng.uniform(size=(p.replicates, n_t)), axis=1)
            rows_t, rows_c = perm[:, :n], perm[:, n : 2 * n]
        else:
            rows_t = rng.integers(0, n_t, (p.replicates, n))
            rows_c = rng.integers(0, n_c, (p.replicates, n))
        yt = _endpoint(p, arms[p.treatment], col, rng, rows_t)
        yc = _endpoint(p, arms[p.control], col, rng, rows_c)
        if p.test == "welch_t":
            pval = sps.ttest_ind(yt, yc, axis=1, equal_var=False).pvalue
        else:
            pval = sps.mannwhitneyu(yt, yc, axis=1, alternative="two-sided").pvalue
        hits = np.nan_to_num(pval, nan=1.0) < p.alpha
        power = float(hits.mean())
        table.append({"n_per_arm": n, "power": power, "ci95": proportion_ci(hits.sum(), p.replicates),
                      "mean_difference": float(np.mean(yt.mean(axis=1) - yc.mean(axis=1)))})
    reaching = [row["n_per_arm"] for row in table if row["power"] >= p.target_power]
    return {
        "treatment": p.treatment,
        "control": p.control,
        "output": p.output,
        "week": spec.final_week if p.week is None else p.week,
        "endpoint": p.endpoint,
        "test": p.test,
        "alpha": p.alpha,
        "measurement_cv": p.measurement_cv,
        "replicates": p.replicates,
        "target_power": p.target_power,
        "table": table,
        "smallest_n_per_arm_reaching_target": min(reaching) if reaching else None,
    }
