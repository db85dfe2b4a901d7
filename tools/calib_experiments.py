"""Virtual experiments that reproduce each entry of params/calibration_targets.yaml with the twin.

Each experiment: a typical man matching the cohort (age, BMI, fixed overrides, and per-cohort "nuisance"
parameters fitted to the cohort's reported baseline), a regimen, a duration, and the observables compared
with the published numbers. Residuals are ln(model / observed) / ln(1.2), so |r| <= 1 is the 20% tolerance
of the calibration brief. Used by tools/calibrate.py (fit, docs/validation.md) and tests/reference.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from hpgtwin.model import MODEL
from hpgtwin.model.declaration import ParameterSet
from hpgtwin.model.individual import covariate_multipliers
from hpgtwin.pk import parse_regimen
from hpgtwin.pk.closed_form import concentration
from hpgtwin.simulate import simulate

ROOT = Path(__file__).resolve().parents[1]
TARGETS_FILE = ROOT / "src" / "hpgtwin" / "params" / "calibration_targets.yaml"
COHORTS_FILE = ROOT / "src" / "hpgtwin" / "params" / "calibration_cohorts.yaml"
LN_TOL = math.log(1.2)  # tolerance of the calibration brief: fold changes within 20%
PMOL_PER_PG_E2 = 3.671  # E2 1 pg/mL = 3.671 pmol/L (research/models.md conventions)
T_NG_DL_PER_NMOL_L = 28.842

# Reference man (assumption; defines the secretion maxima): research/models.md 5.1 mid-range values.
REFERENCE_MAN = {
    "testosterone_ng_dl": 20.0 * T_NG_DL_PER_NMOL_L,
    "estradiol_pg_ml": 25.0,
    "lh_iu_l": 4.5,
    "fsh_iu_l": 4.5,
    "inhibin_b_pg_ml": 180.0,
    "sperm_concentration_million_ml": 60.0,
}

# Virtual ketoconazole (Pitteloud 2008): steroidogenesis and aromatisation blocked.
KETOCONAZOLE = {"leydig_capacity": 1e-4, "adrenal_t_nmol_l_h": 0.0, "aromatase_genotype_factor": 1e-4}
# E2 immunoassay floor of Leder 2004 (research/models.md 3.1: measured floors about 15-17 pg/mL): both arms read
# 17 pg/mL on treatment although twice-weekly dosing gives a 3.5-fold lower anastrozole exposure, the signature
# of a floor. Not applied to Shah 2021 (its on-treatment 15.9 pg/mL at about half of baseline would mean a true E2
# near 5 pg/mL under such a floor) nor to Mauras 2000 (sensitive assay).
# Observation model: measured = sqrt(E2^2 + floor^2) (smooth; reads the floor when true E2 is far below it).
E2_IMMUNOASSAY_FLOOR_PG_ML = 15.0
E2_PATCH_PG_ML_H = 24.8  # 37.5 ug/day patch: 37.5e6 pg/day / 24 h / 63 L (E2 MCR 58 L/h / k 0.924/h)


@dataclass(frozen=True)
class Man:
    """A typical man of a cohort: covariates, fixed parameter overrides, per-cohort fitted parameters."""

    age_years: float | None = None
    bmi_kg_m2: float | None = None
    conditions: tuple[str, ...] = ()
    fixed: dict[str, float] = field(default_factory=dict)
    nuisance: tuple[str, ...] = ()


@dataclass(frozen=True)
class Observation:
    """One published number: target id, observable name, observed value, what it is and its weight."""

    target: str
    name: str
    observed: float
    kind: str  # "fc" fold change, "abs" absolute, "time" weeks, "baseline" cohort baseline (nuisance)
    note: str = ""
    weight: float = 1.0
    fitted: bool = True  # False: reported only (e.g. PK numbers the physiology fit cannot move)


@dataclass(frozen=True)
class Experiment:
    """A regimen given to a man for some days, and the observables it produces."""

    key: str
    man: Man
    regimen: str | None
    days: float
    observe: Callable[[dict[str, np.ndarray], dict[str, np.ndarray]], dict[str, np.ndarray]]
    observations: tuple[Observation, ...]


def fc(series: np.ndarray, day: int | slice) -> np.ndarray:
    """Fold change vs day 0 at one day (or the mean over a slice of days), per patient."""
    value = series[:, day] if isinstance(day, int) else series[:, day].mean(axis=1)
    return value / series[:, 0]


def first_crossing_weeks(series: np.ndarray, threshold: float, start: int, below: bool) -> np.ndarray:
    """Weeks from day ``start`` until the series first falls below (or rises above) ``threshold``."""
    out = np.empty(series.shape[0])
    for i, row in enumerate(series):
        seg = row[start:]
        hit = np.flatnonzero(seg <= threshold) if below else np.flatnonzero(seg >= threshold)
        if hit.size == 0:
            out[i] = seg.size / 7.0 * 2.0  # never crossed: twice the horizon (a large, finite miss)
            continue
        k = int(hit[0])
        if k == 0:
            out[i] = 0.5  # already past the threshold: floor of half a week keeps the log residual finite
            continue
        a, b = seg[k - 1], seg[k]
        frac = (threshold - a) / (b - a) if b != a else 1.0
        out[i] = (k - 1 + frac) / 7.0
    return out


# --- observables of each experiment (o: outputs of the regimen run; b: extra runs) ---------------------------


def immunoassay_e2(e2: np.ndarray) -> np.ndarray:
    """Serum E2 as an immunoassay with a floor reads it (E2_IMMUNOASSAY_FLOOR_PG_ML)."""
    return np.sqrt(e2**2 + E2_IMMUNOASSAY_FLOOR_PG_ML**2)


def _shah(o, b):
    T, E2, LH, FSH = o["testosterone_ng_dl"], o["estradiol_pg_ml"], o["lh_iu_l"], o["fsh_iu_l"]
    sc, tmc, ratio = o["sperm_concentration_million_ml"], o["total_motile_count_million"], o["t_e2_ratio"]
    return {
        "baseline_testosterone_ng_dl": T[:, 0], "baseline_estradiol_pg_ml": E2[:, 0], "baseline_lh_iu_l": LH[:, 0],
        "baseline_sperm_concentration_million_ml": sc[:, 0], "baseline_fsh_iu_l": FSH[:, 0],
        "testosterone_fc_week4": fc(T, 28), "testosterone_fc_week13": fc(T, 91), "testosterone_fc_week22": fc(T, 154),
        "estradiol_fc_week22": fc(E2, 154), "t_e2_ratio_fc_week22": fc(ratio, 154), "lh_fc_week22": fc(LH, 154),
        "fsh_fc_week22": fc(FSH, 154), "sperm_concentration_fc_week22": fc(sc, 154),
        "total_motile_count_fc_week22": fc(tmc, 154),
        "testosterone_drift_week22_vs_week4": T[:, 154] / T[:, 28],
    }


WEEK12 = slice(78, 85)  # mean of week 12 (days 78-84): both Leder arms are compared over a whole dosing cycle


def _leder(o, b):
    T, E2, LH = o["testosterone_ng_dl"], immunoassay_e2(o["estradiol_pg_ml"]), o["lh_iu_l"]
    bio = o["bioavailable_testosterone_ng_dl"]
    return {
        "baseline_testosterone_ng_dl": T[:, 0], "baseline_estradiol_pg_ml": E2[:, 0], "baseline_lh_iu_l": LH[:, 0],
        "testosterone_fc_week12": fc(T, WEEK12), "bioavailable_testosterone_fc_week12": fc(bio, WEEK12),
        "estradiol_fc_week12": fc(E2, WEEK12), "lh_fc_week12": fc(LH, WEEK12),
    }


def _day10_e2(o, b):
    return {"estradiol_fc_day10": fc(o["estradiol_pg_ml"], 10)}


def _tsjoen(o, b):
    return {
        "estradiol_fc_day28": fc(o["estradiol_pg_ml"], 28), "lh_fc_day28": fc(o["lh_iu_l"], 28),
        "testosterone_fc_day28": fc(o["testosterone_ng_dl"], 28),
        "gnrh_bolus_peak_lh_fc_day28": fc(o["lh_gnrh_bolus_peak_iu_l"], 28),
    }


def _veldhuis(o, b):
    return {
        "estradiol_fc_day10": fc(o["estradiol_pg_ml"], 10), "lh_fc_day10": fc(o["lh_iu_l"], 10),
        "testosterone_fc_day10": fc(o["testosterone_ng_dl"], 10),
    }


HELO_REGIMEN = "clomiphene 25 mg daily"


def dosing_interval_mean(regimen: str, drug: str, moiety: str, day: int) -> float:
    """Mean plasma concentration over the 24 h before ``day`` (closed-form PK of the drug library).

    The daily model samples fall at dosing times (troughs); Helo 2017 does not report the sampling time, and
    the library's clomiphene clearances are derived from those medians as average steady-state levels.
    """
    t_h = np.linspace((day - 1) * 24.0, day * 24.0, 97)
    events = parse_regimen(regimen).dose_events(day + 1)
    return float(concentration(drug, events, t_h, moiety=moiety).mean())


def _helo(o, b):
    T, E2, LH = o["testosterone_ng_dl"], o["estradiol_pg_ml"], o["lh_iu_l"]
    n = T.shape[0]
    return {
        "baseline_testosterone_ng_dl": T[:, 0], "baseline_estradiol_pg_ml": E2[:, 0], "baseline_lh_iu_l": LH[:, 0],
        "testosterone_fc_week26": fc(T, 182), "estradiol_fc_week26": fc(E2, 182), "lh_fc_week26": fc(LH, 182),
        "enclomiphene_ng_ml_week26": np.full(n, dosing_interval_mean(HELO_REGIMEN, "clomiphene", "enclomiphene", 182)),
        "zuclomiphene_ng_ml_week26": np.full(n, dosing_interval_mean(HELO_REGIMEN, "clomiphene", "zuclomiphene", 182)),
        "enclomiphene_trough_ng_ml_week26": o["enclomiphene_ng_ml"][:, 182],
    }


def _tamoxifen(o, b):
    LH, FSH, E2 = o["lh_iu_l"], o["fsh_iu_l"], o["estradiol_pg_ml"]
    return {
        "baseline_lh_iu_l": LH[:, 0], "baseline_estradiol_pg_ml": E2[:, 0], "baseline_fsh_iu_l": FSH[:, 0],
        "fsh_fc_week17": fc(FSH, 119), "lh_fc_week26": fc(LH, 182), "estradiol_fc_week26": fc(E2, 182),
        "sperm_concentration_fc_week26": fc(o["sperm_concentration_million_ml"], 182),
    }


def _nankin(o, b):
    T, E2, LH = o["testosterone_ng_dl"], o["estradiol_pg_ml"], o["lh_iu_l"]
    return {
        "testosterone_peak_fc_days1_7": T[:, 1:8].max(axis=1) / T[:, 0],
        "testosterone_peak_day": 1.0 + np.argmax(T[:, 1:8], axis=1),
        "estradiol_peak_fc_days2_7": E2[:, 2:8].max(axis=1) / E2[:, 0],
        "testosterone_fc_day14": fc(T, 14),
        "lh_fc_day7": fc(LH, 7),
    }


TE_WEEKS_ON = 52
# Handelsman 2005 time recovery from the end of treatment, "the date of the first missed hormone treatment", 1 week
# after the last weekly TE injection (day 7 * (TE_WEEKS_ON - 1)), as the virtual cohort's stopped_at_week does.
TE_END_DAY = 7 * TE_WEEKS_ON


def _handelsman(o, b):
    sc = o["sperm_concentration_million_ml"]
    base = sc[:, 0]
    out = {"suppression_half_weeks": np.array([first_crossing_weeks(sc[i : i + 1], 0.5 * base[i], 0, True)[0]
                                               for i in range(sc.shape[0])])}
    for thr in (10, 5, 3, 1):
        out[f"suppression_to_{thr}_weeks"] = first_crossing_weeks(sc, thr, 0, True)
    for thr in (3, 5, 10, 20):
        out[f"recovery_to_{thr}_weeks"] = first_crossing_weeks(sc, thr, TE_END_DAY, False)
    out["recovery_plateau_fc"] = sc[:, -1] / base
    return out


def _coviello(o, b):
    return {"intratesticular_t_fc_week3": fc(o["intratesticular_t_nmol_l"], 21)}


def _schneider(o, b):
    lean = b["lean"]
    return {
        "estradiol_fc_obese_vs_lean": o["estradiol_pg_ml"][:, 0] / lean["estradiol_pg_ml"][:, 0],
        "testosterone_fc_obese_vs_lean": o["testosterone_ng_dl"][:, 0] / lean["testosterone_ng_dl"][:, 0],
        "free_testosterone_fc_obese_vs_lean": o["free_testosterone_pg_ml"][:, 0]
        / lean["free_testosterone_pg_ml"][:, 0],
    }


def _pitteloud(o, b):
    castrate, e2 = b["castrate"], b["castrate_e2_patch"]
    ihh, ihh_e2 = b["ihh_pump"], b["ihh_pump_e2_patch"]
    f0, a0 = castrate["gnrh_pulses_per_day"][:, 0], castrate["lh_pulse_amplitude_iu_l"][:, 0]
    return {
        "frequency_fc_t_addback": o["gnrh_pulses_per_day"][:, 3] / f0,
        "amplitude_fc_t_addback": o["lh_pulse_amplitude_iu_l"][:, 3] / a0,
        "frequency_fc_e2_addback": e2["gnrh_pulses_per_day"][:, 0] / f0,
        "amplitude_fc_e2_addback": e2["lh_pulse_amplitude_iu_l"][:, 0] / a0,
        "lh_fc_e2_fixed_gnrh": ihh_e2["lh_iu_l"][:, 3] / ihh["lh_iu_l"][:, 3],
    }


def _reference(o, b):
    return {f"reference_{k}": o[k][:, 0] for k in REFERENCE_MAN}


def ob(target: str, name: str, observed: float, kind: str = "fc", note: str = "", weight: float = 1.0,
      fitted: bool = True) -> Observation:
    """Shorthand for an Observation."""
    return Observation(target, name, observed, kind, note, weight, fitted)


SHAH, LEDER_D, LEDER_TW = "shah_2021_anastrozole_bmi25", "leder_2004_anastrozole_daily", "leder_2004_anastrozole_twice_weekly"
NUIS3 = ("gnrh_drive_scale", "leydig_capacity", "aromatase_genotype_factor")
BASE_W = 3.0  # cohort baselines are matched tightly (they define the typical man), not traded against effects

EXPERIMENTS: tuple[Experiment, ...] = (
    Experiment("reference", Man(age_years=30, bmi_kg_m2=23), None, 1, _reference, tuple(
        ob("reference_man", f"reference_{k}", v, "abs", "reference man (assumption, research/models.md 5.1)",
           weight=BASE_W)
        for k, v in REFERENCE_MAN.items())),
    Experiment("shah", Man(34, 28.7, nuisance=NUIS3 + ("germline_capacity",),
                           fixed={"semen_volume_ml": 12.6 / 7.8 / 0.55}),
               "anastrozole 1 mg daily", 154, _shah, (
        ob(SHAH, "baseline_testosterone_ng_dl", 270.6, "baseline", weight=BASE_W),
        ob(SHAH, "baseline_estradiol_pg_ml", 32.0, "baseline", weight=BASE_W),
        ob(SHAH, "baseline_lh_iu_l", 3.4, "baseline", weight=BASE_W),
        ob(SHAH, "baseline_sperm_concentration_million_ml", 7.8, "baseline", weight=BASE_W),
        ob(SHAH, "baseline_fsh_iu_l", 4.8, "abs"),
        ob(SHAH, "testosterone_fc_week4", 480.4 / 270.6), ob(SHAH, "testosterone_fc_week13", 460.7 / 270.6),
        ob(SHAH, "testosterone_fc_week22", 412.0 / 270.6), ob(SHAH, "estradiol_fc_week22", 15.9 / 32),
        ob(SHAH, "t_e2_ratio_fc_week22", 26.5 / 9), ob(SHAH, "lh_fc_week22", 5.4 / 3.4),
        ob(SHAH, "fsh_fc_week22", 7.6 / 4.8), ob(SHAH, "sperm_concentration_fc_week22", 14.2 / 7.8),
        ob(SHAH, "total_motile_count_fc_week22", 17.7 / 12.6),
        ob(SHAH, "testosterone_drift_week22_vs_week4", 412.0 / 480.4, note="shape: T peaks near month 1, drifts down"))),
    Experiment("leder_daily", Man(68, nuisance=NUIS3), "anastrozole 1 mg daily", 84, _leder, (
        ob(LEDER_D, "baseline_testosterone_ng_dl", 343, "baseline", weight=BASE_W),
        ob(LEDER_D, "baseline_estradiol_pg_ml", 26, "baseline", weight=BASE_W),
        ob(LEDER_D, "baseline_lh_iu_l", 5.1, "baseline", weight=BASE_W),
        ob(LEDER_D, "testosterone_fc_week12", 572 / 343), ob(LEDER_D, "bioavailable_testosterone_fc_week12", 207 / 99),
        ob(LEDER_D, "estradiol_fc_week12", 17 / 26), ob(LEDER_D, "lh_fc_week12", 7.9 / 5.1))),
    Experiment("leder_twice_weekly", Man(68, nuisance=("gnrh_drive_scale", "aromatase_genotype_factor")),
               "anastrozole 1 mg twice weekly", 84, _leder, (
        ob(LEDER_TW, "baseline_testosterone_ng_dl", 397, "baseline", weight=BASE_W),
        ob(LEDER_TW, "baseline_estradiol_pg_ml", 27, "baseline", weight=BASE_W),
        ob(LEDER_TW, "testosterone_fc_week12", 520 / 397),
        ob(LEDER_TW, "bioavailable_testosterone_fc_week12", 178 / 115),
        ob(LEDER_TW, "estradiol_fc_week12", 17 / 27))),
    Experiment("mauras_0.5mg", Man(16, 21), "anastrozole 0.5 mg daily", 10, _day10_e2, (
        ob("mauras_2000_anastrozole_dose", "estradiol_fc_day10", 0.5, note="0.5 mg daily"),)),
    Experiment("mauras_1mg", Man(16, 21), "anastrozole 1 mg daily", 10, _day10_e2, (
        ob("mauras_2000_anastrozole_dose", "estradiol_fc_day10", 0.5, note="1 mg daily"),)),
    Experiment("tsjoen", Man(25, 23), "letrozole 2.5 mg daily", 28, _tsjoen, tuple(
        ob("tsjoen_2005_letrozole_young", n, v) for n, v in (
            ("estradiol_fc_day28", 0.54), ("lh_fc_day28", 4.39), ("testosterone_fc_day28", 2.46),
            ("gnrh_bolus_peak_lh_fc_day28", 2.52)))),
    Experiment("veldhuis_young", Man(25, 23), "anastrozole 10 mg daily", 10, _veldhuis, (
        ob("veldhuis_2005_anastrozole_lh", "estradiol_fc_day10", 0.5, note="young men; 10 mg/d x 10 d assumed"),
        ob("veldhuis_2005_anastrozole_lh", "lh_fc_day10", 2.1, note="young men"))),
    Experiment("veldhuis_older", Man(65, 27), "anastrozole 10 mg daily", 10, _veldhuis, (
        ob("veldhuis_2005_anastrozole_lh", "estradiol_fc_day10", 0.5, note="older men"),
        ob("veldhuis_2005_anastrozole_lh", "lh_fc_day10", 2.1, note="older men"))),
    Experiment("helo", Man(nuisance=NUIS3), HELO_REGIMEN, 182, _helo, (
        ob("helo_2017_clomiphene", "baseline_testosterone_ng_dl", 205, "baseline", weight=BASE_W),
        ob("helo_2017_clomiphene", "baseline_estradiol_pg_ml", 17, "baseline", weight=BASE_W),
        ob("helo_2017_clomiphene", "baseline_lh_iu_l", 4.0, "baseline", weight=BASE_W),
        ob("helo_2017_clomiphene", "testosterone_fc_week26", 488 / 205),
        ob("helo_2017_clomiphene", "estradiol_fc_week26", 34 / 17),
        ob("helo_2017_clomiphene", "lh_fc_week26", 6.1 / 4.0),
        ob("helo_2017_clomiphene", "enclomiphene_ng_ml_week26", 2.2, "abs", "PK (drug library), 24-h mean",
           fitted=False),
        ob("helo_2017_clomiphene", "zuclomiphene_ng_ml_week26", 44.0, "abs", "PK (drug library), 24-h mean",
           fitted=False))),
    Experiment("tamoxifen", Man(nuisance=NUIS3),
               "tamoxifen 10 mg daily", 182, _tamoxifen, (
        ob("tamoxifen_10mg_oligospermia", "baseline_lh_iu_l", 1.7, "baseline", weight=BASE_W),
        ob("tamoxifen_10mg_oligospermia", "baseline_estradiol_pg_ml", 185 / PMOL_PER_PG_E2, "baseline", weight=BASE_W),
        ob("tamoxifen_10mg_oligospermia", "baseline_fsh_iu_l", 4.9, "abs"),
        ob("tamoxifen_10mg_oligospermia", "fsh_fc_week17", 7.7 / 4.9),
        ob("tamoxifen_10mg_oligospermia", "lh_fc_week26", 4.1 / 1.7),
        ob("tamoxifen_10mg_oligospermia", "estradiol_fc_week26", 631 / 185),
        ob("tamoxifen_10mg_oligospermia", "sperm_concentration_fc_week26", 1.0, note="sperm unchanged"))),
    Experiment("nankin", Man(40, 27, fixed={"leydig_capacity": 0.4}), "testosterone cypionate 200 mg once", 16,
               _nankin, (
        ob("nankin_1987_cypionate_pk", "testosterone_peak_fc_days1_7", 3.0, note="hypogonadal man: Leydig 0.4 (assumption)"),
        ob("nankin_1987_cypionate_pk", "estradiol_peak_fc_days2_7", 3.0))),
    Experiment("handelsman", Man(30, 23), "testosterone enanthate 200 mg weekly for 52 weeks then none for 40 weeks",
               644, _handelsman, tuple(
        ob("handelsman_2005_te_sperm_kinetics", n, v, "time") for n, v in (
            ("suppression_half_weeks", 5.5), ("suppression_to_10_weeks", 6.8), ("suppression_to_5_weeks", 8.7),
            ("suppression_to_3_weeks", 10.0), ("suppression_to_1_weeks", 13.0), ("recovery_to_3_weeks", 9.0),
            ("recovery_to_5_weeks", 9.9), ("recovery_to_10_weeks", 11.5), ("recovery_to_20_weeks", 13.6))
    ) + (ob("handelsman_2005_te_sperm_kinetics", "recovery_plateau_fc", 0.85, note="plateau ~85% of own baseline"),)),
    Experiment("coviello_te", Man(30, 23), "testosterone enanthate 200 mg weekly", 21, _coviello, (
        ob("coviello_2005_hcg_itt", "intratesticular_t_fc_week3", 0.06, note="TE 200 mg/wk alone"),)),
    Experiment("coviello_hcg125", Man(30, 23), "testosterone enanthate 200 mg weekly + hcg 125 IU every other day", 21,
               _coviello, (ob("coviello_2005_hcg_itt", "intratesticular_t_fc_week3", 1.0, note="+ hCG 125 IU eod"),)),
    Experiment("coviello_hcg500", Man(30, 23), "testosterone enanthate 200 mg weekly + hcg 500 IU every other day", 21,
               _coviello, (ob("coviello_2005_hcg_itt", "intratesticular_t_fc_week3", 1.0, note="+ hCG 500 IU eod"),)),
    Experiment("pitteloud", Man(30, 23, fixed=KETOCONAZOLE), "testosterone enanthate 125 mg once", 3, _pitteloud, (
        ob("pitteloud_2008_feedback_sites", "frequency_fc_t_addback", 6.7 / 13.3),
        ob("pitteloud_2008_feedback_sites", "amplitude_fc_t_addback", 12.1 / 6.9),
        ob("pitteloud_2008_feedback_sites", "frequency_fc_e2_addback", 8.6 / 11.4),
        ob("pitteloud_2008_feedback_sites", "amplitude_fc_e2_addback", 1.0, note="no amplitude change"),
        ob("pitteloud_2008_feedback_sites", "lh_fc_e2_fixed_gnrh", 12.0 / 14.7, note="IHH on fixed GnRH"))),
    Experiment("schneider", Man(35, 45), None, 1, _schneider, (
        ob("schneider_1979_obesity", "estradiol_fc_obese_vs_lean", 2.0, note="BMI 45 vs 23 (assumed BMIs)"),
        ob("schneider_1979_obesity", "testosterone_fc_obese_vs_lean", 348 / 519),
        ob("schneider_1979_obesity", "free_testosterone_fc_obese_vs_lean", 1.0, note="free T normal"))),
)

# Extra runs some experiments need: name -> (man changes, regimen, days).
EXTRA_RUNS: dict[str, dict[str, tuple[dict[str, float], Man | None, str | None, float]]] = {
    "schneider": {"lean": ({}, Man(35, 23), None, 1)},
    "pitteloud": {
        "castrate": ({}, None, None, 1),
        "castrate_e2_patch": ({"e2_infusion_pg_ml_h": E2_PATCH_PG_ML_H}, None, None, 1),
        "ihh_pump": ({"gnrh_drive_scale": 0.0}, None, "gonadorelin 10 ug every 2 hours", 3),
        "ihh_pump_e2_patch": ({"gnrh_drive_scale": 0.0, "e2_infusion_pg_ml_h": E2_PATCH_PG_ML_H}, None,
                              "gonadorelin 10 ug every 2 hours", 3),
    },
}


def man_parameters(man: Man, population: ParameterSet, nuisance: dict[str, np.ndarray] | None = None) -> ParameterSet:
    """Parameters of a cohort's typical man for each row of ``population`` (covariates, fixed, nuisance)."""
    mult = covariate_multipliers(man.age_years, man.bmi_kg_m2, man.conditions)
    p = population.with_values(**{k: population[k] * f for k, f in mult.items()})
    if man.fixed:
        p = p.with_values(**man.fixed)
    if nuisance:
        p = p.with_values(**nuisance)
    return p


def run_experiment(exp: Experiment, population: ParameterSet, nuisance: dict[str, np.ndarray] | None = None,
                   method: str = "fast") -> dict[str, np.ndarray]:
    """Simulate one experiment for every row of ``population``; returns observable -> values per row."""
    params = man_parameters(exp.man, population, nuisance)
    traj = simulate(exp.regimen, parameters=params, days=exp.days, method=method)
    extra = {}
    for name, (changes, other_man, regimen, days) in EXTRA_RUNS.get(exp.key, {}).items():
        p = man_parameters(other_man, population) if other_man is not None else params
        if changes:
            p = p.with_values(**changes)
        extra[name] = simulate(regimen, parameters=p, days=days, method=method).outputs
    return exp.observe(traj.outputs, extra)


def residual(model: np.ndarray, obs: Observation) -> np.ndarray:
    """ln(model/observed)/ln(1.2), weighted; |r| <= 1 is within tolerance (unweighted)."""
    model = np.maximum(np.asarray(model, dtype=float), 1e-9)
    return obs.weight * np.log(model / obs.observed) / LN_TOL


def load_cohorts() -> dict[str, dict[str, float]]:
    """Fitted per-cohort baseline parameters written by tools/calibrate.py (empty before the first fit)."""
    if not COHORTS_FILE.exists():
        return {}
    raw = yaml.safe_load(COHORTS_FILE.read_text(encoding="utf-8")) or {}
    return {k: {p: float(v) for p, v in d.items()} for k, d in (raw.get("cohorts") or {}).items()}


def evaluate_all(method: str = "adaptive", population: ParameterSet | None = None) -> list[dict]:
    """Every observation with its model value under the shipped parameters and fitted cohort baselines."""
    population = population or MODEL.default_parameters()
    cohorts = load_cohorts()
    rows = []
    for exp in EXPERIMENTS:
        nuisance = {k: np.array([v]) for k, v in cohorts.get(exp.key, {}).items() if k in exp.man.nuisance}
        values = run_experiment(exp, population, nuisance or None, method=method)
        for obs in exp.observations:
            model = float(values[obs.name][0])
            rows.append({"experiment": exp.key, "target": obs.target, "name": obs.name, "kind": obs.kind,
                         "observed": obs.observed, "model": model, "note": obs.note, "fitted": obs.fitted,
                         "error": float(np.log(max(model, 1e-9) / obs.observed) / LN_TOL)})
    return rows


def experiment(key: str) -> Experiment:
    """The experiment called ``key``."""
    return next(e for e in EXPERIMENTS if e.key == key)


def observe(key: str, method: str = "adaptive") -> dict[str, float]:
    """Observables of one experiment for the shipped parameters and its fitted cohort baseline."""
    exp = experiment(key)
    cohort = load_cohorts().get(key, {})
    nuisance = {k: np.array([v]) for k, v in cohort.items() if k in exp.man.nuisance}
    values = run_experiment(exp, MODEL.default_parameters(), nuisance or None, method=method)
    return {k: float(v[0]) for k, v in values.items()}
