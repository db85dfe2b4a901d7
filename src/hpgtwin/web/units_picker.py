"""Which units the lab form offers for each analyte: the canonical unit, then the usual report units for it."""

from __future__ import annotations

from functools import cache

# Units lab reports use for a quantity whose canonical unit is the key (assumption: the usual US/EU/UK report
# spellings, clinical.md section 4); an entry is offered only when hpgtwin.units can convert it for the analyte.
REPORT_UNITS: dict[str, tuple[str, ...]] = {
    "ng/dL": ("nmol/L", "ng/mL", "pmol/L"),
    "pg/mL": ("pmol/L", "ng/L", "ng/dL"),
    "ng/mL": ("ug/L", "pmol/L", "ng/dL"),
    "IU/L": ("mIU/mL", "mIU/L"),
    "mIU/L": ("uIU/mL", "mIU/mL", "IU/L"),
    "g/dL": ("g/L",),
    "%": ("L/L",),
    "kg": ("lb",),
    "cm": ("in", "m"),
}

# The analytes the quick lab panel shows (the ones the seed documents monitor).
PANEL: tuple[str, ...] = ("testosterone_total", "estradiol", "lh", "fsh", "shbg", "albumin", "prolactin")


@cache
def unit_choices(analyte_key: str) -> tuple[str, ...]:
    """Units offered for one analyte, its canonical unit first."""
    from hpgtwin.labs.catalogue import CATALOGUE
    from hpgtwin.units import convertible

    analyte = CATALOGUE[analyte_key]
    canonical = analyte.canonical_unit
    if analyte.category == "semen" and canonical == "%":
        return (canonical,)
    extra = [*REPORT_UNITS.get(canonical, ()), *analyte.confusable_units]
    others = [u for u in dict.fromkeys(extra)
              if u not in (canonical, "1") and convertible(u, canonical, molar_mass_g_mol=analyte.molar_mass_g_mol)]
    return (canonical, *others)


def analyte_options() -> list[dict[str, object]]:
    """Every catalogue analyte (semen fields excepted: they have their own form), panel analytes first."""
    from hpgtwin.labs.catalogue import CATALOGUE

    keys = [k for k in PANEL if k in CATALOGUE] + sorted(
        k for k, a in CATALOGUE.items() if k not in PANEL and a.category != "semen"
    )
    return [{"key": k, "name": CATALOGUE[k].name, "units": list(unit_choices(k))} for k in keys]
