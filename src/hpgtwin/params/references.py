"""The references behind this installation: model physiology, calibration targets, drug PK, clinical rules.

``format_citations()`` backs ``hpgtwin.citation()``. It reads the shipped data tables (no code of other layers is
imported: the clinical rule table is read as a file) and lists each distinct source once.
"""

from __future__ import annotations

import re
from importlib import resources

import yaml

from hpgtwin.params import load_covariate_effects, load_model_parameters, read_yaml

# The model's own primary references (research/models.md section 7), cited in full.
MODEL_REFERENCES: tuple[str, ...] = (
    "Pitteloud N, Dwyer AA, DeCruz S, et al. Inhibition of luteinizing hormone secretion by testosterone in men "
    "requires aromatization for its pituitary but not its hypothalamic effects. J Clin Endocrinol Metab "
    "2008;93:784-791.",
    "Keenan DM, Takahashi PY, Liu PY, et al. An ensemble model of the male gonadal axis: illustrative application "
    "in aging men. Endocrinology 2006;147:2817-2828.",
    "Keenan DM, Veldhuis JD. A biomathematical model of time-delayed feedback in the human male "
    "hypothalamic-pituitary-Leydig cell axis. Am J Physiol 1998;275:E157-E176.",
    "Vermeulen A, Verdonck L, Kaufman JM. A critical evaluation of simple methods for the estimation of free "
    "testosterone in serum. J Clin Endocrinol Metab 1999;84:3666-3672.",
    "Coviello AD, Matsumoto AM, Bremner WJ, et al. Low-dose human chorionic gonadotropin maintains intratesticular "
    "testosterone in normal men with testosterone-induced gonadotropin suppression. J Clin Endocrinol Metab "
    "2005;90:2595-2602.",
    "Heller CG, Clermont Y. Kinetics of the germinal epithelium in man. Recent Prog Horm Res 1964;20:545-575.",
    "Schneider G, Kirschner MA, Berkowitz R, Ertel NH. Increased estrogen production in obese men. J Clin "
    "Endocrinol Metab 1979;48:633-638.",
)


def calibration_sources() -> list[str]:
    """Sources of the calibration set (params/calibration_targets.yaml)."""
    return [str(t["source"]) for t in read_yaml("calibration_targets.yaml")]


def drug_sources() -> list[str]:
    """Distinct sources of the drug PK table (params/drugs.yaml)."""
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if "source" in node and "evidence" in node:
                found.append(str(node["source"]))
            for v in node.values():
                walk(v)

    walk(read_yaml("drugs.yaml"))
    return found


def rule_sources() -> list[str]:
    """Full citations of the clinical rule table, read as data (empty if it is not installed)."""
    try:
        text = resources.files("hpgtwin.clinic").joinpath("data/rules.yaml").read_text(encoding="utf-8")
    except (FileNotFoundError, ModuleNotFoundError):
        return []
    raw = yaml.safe_load(text) or {}
    return [str(r.get("citation", r.get("short", ""))) for r in (raw.get("references") or {}).values()]


def parameter_sources() -> list[str]:
    """Sources named in the physiology parameter table and the covariate effects."""
    out = [e.source for e in load_model_parameters()] + [str(e["source"]) for e in load_covariate_effects()]
    return [s for s in out if re.search(r"(19|20)\d\d", s)]


def _unique(items: list[str]) -> list[str]:
    """Order-preserving de-duplication ignoring case and surrounding space."""
    seen, out = set(), []
    for item in items:
        key = item.strip().lower()
        if key and key not in seen:
            seen.add(key)
            out.append(item.strip())
    return out


def format_citations() -> str:
    """Plain-text reference list: model, calibration data, parameter sources, drug PK, clinical rules."""
    sections = [
        ("Model structure", list(MODEL_REFERENCES)),
        ("Calibration data (params/calibration_targets.yaml)", calibration_sources()),
        ("Physiology parameter sources (params/model_parameters.yaml)", parameter_sources()),
        ("Drug pharmacokinetics (params/drugs.yaml)", drug_sources()),
        ("Clinical rules", rule_sources()),
    ]
    lines = ["hpgtwin uses the following sources.", ""]
    for title, items in sections:
        items = _unique(items)
        if not items:
            continue
        lines.append(f"{title}:")
        lines += [f"  - {item}" for item in items]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


__all__ = ["MODEL_REFERENCES", "format_citations"]
