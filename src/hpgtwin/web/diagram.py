"""Data for the HPG-axis diagram: this man's values at each node and where each drug acts (from the drug library)."""

from __future__ import annotations

from typing import Any

from hpgtwin.labs.medications import modelled_medications

# Diagram node where a drug's action (``action`` of each moiety in params/drugs.yaml) takes hold, and how the
# diagram words it. This is layout, not pharmacology: the action itself comes from the drug library.
ACTION_SITES: dict[str, tuple[str, str]] = {
    "aromatase_inhibitor": ("aromatase", "blocks aromatase: less T becomes E2"),
    "estrogen_receptor_antagonist": ("hypothalamus", "blocks E2 feedback at the hypothalamus and pituitary"),
    "estrogen_receptor_partial_agonist": ("hypothalamus", "partial E2 agonist at the hypothalamus"),
    "gnrh_receptor_agonist": ("pituitary", "stimulates the pituitary like GnRH"),
    "lh_receptor_agonist": ("leydig", "acts like LH on Leydig cells"),
    "fsh_receptor_agonist": ("sertoli", "acts like FSH on Sertoli cells"),
    "androgen": ("feedback", "adds T from outside: feedback shuts down LH and FSH, and intratesticular T falls"),
}

# Node values shown on the diagram: (node, analyte key in the intake ``labs`` list, label).
NODE_VALUES: tuple[tuple[str, str, str], ...] = (
    ("pituitary", "lh", "LH"),
    ("pituitary", "fsh", "FSH"),
    ("leydig", "testosterone_total", "T"),
    ("sertoli", "inhibin_b", "Inhibin B"),
    ("aromatase", "estradiol", "E2"),
)


def _latest_values(assessment: dict[str, Any] | None, record: dict[str, Any]) -> dict[str, tuple[float, str]]:
    """Latest canonical value and unit per analyte, from the assessment when present, else the stored record."""
    found: dict[str, tuple[str, float, str]] = {}
    labs = (assessment or {}).get("labs") or record.get("labs", [])
    for lab in labs:
        key = lab.get("analyte")
        value = lab.get("canonical_value", lab.get("value"))
        unit = lab.get("canonical_unit", lab.get("unit"))
        when = lab.get("date") or ""
        if key and isinstance(value, (int, float)) and (key not in found or when >= found[key][0]):
            found[key] = (when, float(value), str(unit))
    return {k: (v, u) for k, (_, v, u) in found.items()}


def drug_actions(regimens: list[str]) -> list[dict[str, str]]:
    """Each drug in the given regimen texts with its action and diagram site (unknown drugs are skipped)."""
    from hpgtwin.pk import DRUGS, parse_regimen

    out: list[dict[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for text in regimens:
        try:
            drugs = sorted(parse_regimen(text).drugs)
        except Exception:  # noqa: BLE001 - a bad stored text must not break the picture
            continue
        for key in drugs:
            drug = DRUGS.get(key)
            for moiety in drug.moieties if drug else ():
                site = ACTION_SITES.get(moiety.action)
                if site and (key, moiety.action) not in seen:
                    seen.add((key, moiety.action))
                    out.append({"drug": drug.name, "action": moiety.action, "site": site[0], "text": site[1]})
    return out


def diagram_context(record: dict[str, Any], assessment: dict[str, Any] | None) -> dict[str, Any]:
    """Everything the SVG template needs: values per node, the T/E2 ratio, and drug markers per site."""
    values = _latest_values(assessment, record)
    nodes: dict[str, list[str]] = {}
    for node, key, label in NODE_VALUES:
        if key in values:
            value, unit = values[key]
            nodes.setdefault(node, []).append(f"{label} {value:.3g} {unit}")
    derived = (assessment or {}).get("derived") or {}
    ratio = derived.get("t_e2_ratio")
    if isinstance(ratio, dict):
        ratio = ratio.get("value")
    current = [r["regimen"] for r in record.get("regimens", []) if not r.get("end_date")]
    current += modelled_medications(record.get("medications") or [])
    actions = drug_actions(list(dict.fromkeys(current)))
    by_site: dict[str, list[dict[str, str]]] = {}
    for action in actions:
        by_site.setdefault(action["site"], []).append(action)
    return {"nodes": nodes, "t_e2_ratio": ratio if isinstance(ratio, (int, float)) else None,
            "drugs_by_site": by_site, "actions": actions, "all_sites": ACTION_SITES}
