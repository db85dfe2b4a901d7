"""The virtual-trial result as table rows: per arm and output, baseline and follow-up means with 95 % CI, and the
published mean the spec carries for the same week and arm."""

from __future__ import annotations

from typing import Any

from hpgtwin.web.plots import TRIAL_OUTPUTS, arm_label

OUTPUT_LABELS = dict(TRIAL_OUTPUTS)


def _stat(stats: Any) -> dict[str, float] | None:
    """Mean and 95 % CI of one summary, or None when the output was not simulated."""
    if not isinstance(stats, dict) or not isinstance(stats.get("mean"), (int, float)):
        return None
    low, high = (stats.get("ci95") or [None, None])[:2]
    return {"mean": float(stats["mean"]), "low": low, "high": high}


def _published(published: list[dict[str, Any]], arm: str, week: str, output: str) -> float | None:
    """The published mean for this arm (or any arm, when the value names none), week and output."""
    for value in published:
        if str(value.get("arm", arm)) != arm or str(value.get("week")) != week:
            continue
        reported = value.get(output)
        if isinstance(reported, dict) and isinstance(reported.get("mean"), (int, float)):
            return float(reported["mean"])
    return None


def trial_rows(result: dict[str, Any], published: list[dict[str, Any]] | None = None
               ) -> tuple[list[str], list[dict[str, Any]]]:
    """The report weeks and one row per (arm, output) that was simulated."""
    arms = result.get("arms") or {"": result}
    weeks = [str(w) for w in result.get("report_weeks") or []]
    rows = []
    for name, arm in arms.items():
        arm_weeks = {str(w): stats for w, stats in (arm.get("weeks") or {}).items()}
        for output, label in OUTPUT_LABELS.items():
            baseline = _stat((arm.get("baseline") or {}).get(output))
            if baseline is None:
                continue
            rows.append({
                "arm": arm_label(name, arm), "n": arm.get("n", result.get("n")), "output": output, "label": label,
                "baseline": baseline,
                "weeks": {w: _stat((arm_weeks.get(w) or {}).get(output)) for w in weeks},
                "published": {w: _published(published or [], name, w, output) for w in weeks},
            })
    return weeks, rows
