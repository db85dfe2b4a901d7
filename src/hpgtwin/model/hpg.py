"""The male HPG axis as a pulse-averaged ODE model (time in hours): ``MODEL``, declared once.

Structure (research/models.md section 1.3; MODEL.md):

- Hypothalamus: GnRH pulse frequency falls with free T (non-aromatised) and with E2 acting through the
  estrogen receptor (Pitteloud 2008). SERMs compete with E2 at that receptor: enclomiphene and tamoxifen as
  antagonists, zuclomiphene as a partial agonist; the receptor state is expressed as an E2-equivalent.
- Pituitary: LH and FSH secretion saturate in the GnRH stimulus (endogenous frequency plus pulse-averaged
  gonadorelin); E2 lowers LH per stimulus (amplitude) through the hypothalamic signal and directly through the
  gonadotrope ER (serum E2 only; LH falls under fixed GnRH with E2 add-back, Pitteloud 2008); inhibin B and E2
  lower FSH. Slower pulses give larger pulses (amplitude = secretion per pulse), as after T add-back.
- Testis: Leydig T secretion saturable in LH + hCG, restrained by E2 made in the testis (aromatase activity x
  intratesticular T) and by serum E2 (estrogen-mediated 17,20-lyase inhibition, the E2 part of hCG-induced
  desensitization; adipose E2 acts only through the serum, so obese men keep a normal free T, Schneider 1979)
  and by slow desensitization; intratesticular T (ITT) follows Leydig output (about 60x serum T) and
  collapses under exogenous T (Coviello 2005); Sertoli inhibin B from FSH and germ cells; spermatogenesis as
  a 16-stage Erlang transit chain (about 64-74 d; stages 1-8 are lost as the summed support of FSH and ITT
  fails, stages 9-16 need ITT; enough stages that sperm reappear only after most of the cycle, Misell 2006),
  fed by a spermatogonial reserve that is depleted slowly when that support fails and regrows over months,
  plus a 2-stage epididymal transit, giving sperm concentration and total motile count.
- Aromatase: testicular (from Leydig T), peripheral/adipose (Michaelis-Menten in non-SHBG-bound T) and adrenal
  (androstenedione route) E2, scaled by fat mass, a CYP19A1 genotype factor and AI inhibition (Emax/IC50 on
  plasma concentration).
- Binding: Vermeulen 1999 free and bioavailable T from SHBG and albumin; E2 binds the SHBG sites left free by
  T and albumin (Sodergard 1982); only non-SHBG-bound T and E2 are cleared. E2 raises hepatic SHBG production,
  which adapts over weeks (slower than serum SHBG turnover), so total T drifts after an E2 change.
- Brain aromatase: blocked by anastrozole as in the periphery, by letrozole with its own (CNS) maximal effect.
- Drugs: one absorption depot per drug and moiety and one central compartment per moiety, from
  ``hpgtwin.pk.drugs.DRUGS`` (default route); exogenous testosterone reaches serum T through a two-stage
  transit release chain with the library's mean absorption time (ester peak on days 2-5, Nankin 1987).

Parameter values live in ``params/model_parameters.yaml`` (physiology) and ``params/drugs.yaml`` (PK).
"""

from __future__ import annotations

from dataclasses import replace

from hpgtwin.model.declaration import Assignment, DoseTarget, Model, Parameter, Rate, State
from hpgtwin.params import load_model_parameters
from hpgtwin.pk.drugs import DRUGS, Drug, Moiety, PKValue, Route

N_GERM_STAGES = 16  # must equal parameter germ_stage_count; stages 1..8 FSH-dependent, 9..16 ITT-dependent
# Germ stages whose mean sets the germ-cell share of inhibin B: spermatocytes to early spermatids, the second to the
# fifth eighth of the chain (stages 3-5 of 8, 5-10 of 16); their number must equal inhb_germ_stage_count.
INHB_GERM_STAGES = tuple(range(N_GERM_STAGES // 4 + 1, 5 * N_GERM_STAGES // 8 + 1))
N_EPIDIDYMAL_STAGES = 2
T_RELEASE_STAGES = 2  # must equal parameter t_release_stages (transit release of exogenous T into serum)
TESTOSTERONE_MOIETY = "testosterone"

# Gonadorelin calibration point (assumption): a pump giving 10 ug every 2 h replaces an endogenous GnRH pulse
# every 2 h (physiological replacement 5-20 ug SC every 90-120 min, research/models.md 2.8).
GONADORELIN_REFERENCE_DOSE_MG = 0.010
GONADORELIN_REFERENCE_INTERVAL_H = 2.0


def _physiology_parameters() -> list[Parameter]:
    """The physiology parameter table as declaration Parameters (gonadorelin potency derived from PK)."""
    out = []
    for e in load_model_parameters():
        if e.name == "gonadorelin_potency_per_ng_ml" and "gonadorelin" in DRUGS:
            e = replace(e, value=_gonadorelin_potency(e))
        out.append(e)
    return out


def _gonadorelin_potency(entry) -> float:
    """GnRH stimulus units per ng/mL so that the reference pump equals endogenous pulses at the same interval."""
    drug = DRUGS["gonadorelin"]
    moiety = drug.moiety
    mean_ng_ml = (
        GONADORELIN_REFERENCE_DOSE_MG
        * drug.F
        * float(moiety.fraction.value)
        / (float(moiety.CL_l_per_h.value) * GONADORELIN_REFERENCE_INTERVAL_H)
        * moiety.concentration_scale(drug.dose_unit)
    )
    reference_frequency = next(
        p.value for p in load_model_parameters() if p.name == "gnrh_frequency_reference_per_h"
    )
    stimulus = (1.0 / GONADORELIN_REFERENCE_INTERVAL_H) / reference_frequency
    return min(max(stimulus / mean_ng_ml, entry.lower), entry.upper)


def _pk_parameter(name: str, v: PKValue, description: str, lower_f: float = 0.2, upper_f: float = 5.0) -> Parameter:
    """A declaration Parameter from one drug-library number (bounds a factor around it)."""
    value = float(v.value)
    lower, upper = (value, value) if v.unit == "g/mol" else (value * lower_f, value * upper_f)
    if v.unit == "1" and upper > 1.0:
        upper = max(1.0, value)
    return Parameter(
        name, value, v.unit, min(lower, value), max(upper, value), v.source, "params/drugs.yaml",
        v.evidence if v.evidence in ("publication", "derived", "assumption", "fitted") else "assumption",
        description,
    )


def _moiety_prefix(drug: Drug, moiety: Moiety) -> str:
    """Name stem for a (drug, moiety) pair: the drug key, plus the moiety when they differ."""
    return drug.key if moiety.key == drug.key else f"{drug.key}_{moiety.key}"


class _Builder:
    """Collects states, parameters, assignments, rates and dose targets in declaration order."""

    def __init__(self) -> None:
        self.states: list[State] = []
        self.parameters: list[Parameter] = []
        self.assignments: list[Assignment] = []
        self.rates: dict[str, str] = {}
        self.dose_targets: list[DoseTarget] = []
        self._param_names: set[str] = set()

    def state(self, name: str, unit: str, description: str, rate: str, initial: float | None = None) -> None:
        """Declare a state and its rate law."""
        self.states.append(State(name, unit, description, initial))
        self.rates[name] = rate

    def param(self, p: Parameter) -> None:
        """Declare a parameter once."""
        if p.name not in self._param_names:
            self._param_names.add(p.name)
            self.parameters.append(p)

    def assign(self, name: str, expr: str, unit: str, description: str) -> None:
        """Declare an assignment (evaluated in order)."""
        self.assignments.append(Assignment(name, expr, unit, description))


def _add_pk(b: _Builder) -> dict[str, str]:
    """PK compartments of every drug; returns {concentration output name: expression name} and T input."""
    centrals: dict[str, list[str]] = {}  # moiety key -> absorption flux expressions into its central compartment
    moieties: dict[str, Moiety] = {}
    moiety_dose_unit: dict[str, str] = {}
    t_release: list[str] = []
    for drug in DRUGS.values():
        for route in drug.routes.values():
            _add_route(b, drug, route, centrals, moieties, moiety_dose_unit, t_release)
    outputs: dict[str, str] = {}
    for key, m in moieties.items():
        b.param(_pk_parameter(f"{key}_cl_l_per_h", m.CL_l_per_h, f"clearance of {key}"))
        b.param(_pk_parameter(f"{key}_v_l", m.V_l, f"volume of distribution of {key}"))
        scale = m.concentration_scale(moiety_dose_unit[key])
        b.param(Parameter(f"{key}_conc_scale", scale, f"{m.concentration_unit} per (dose unit/L)", scale, scale,
                          "unit conversion (hpgtwin.pk.drugs.Moiety.concentration_scale)", "-", "derived",
                          f"converts {key} amount/volume to {m.concentration_unit}"))
        central = f"{key}_central"
        inflow = " + ".join(centrals.get(key, [])) or "0"
        unit = "IU" if moiety_dose_unit[key] == "IU" else "mg"
        desc = f"{key} in plasma (central compartment)"
        if key == TESTOSTERONE_MOIETY:
            desc = "exogenous testosterone tracer (linear PK of the drug library; the physiology uses serum T)"
        b.state(central, unit, desc, f"{inflow} - {key}_cl_l_per_h / {key}_v_l * {central}", 0.0)
        b.assign(m.output, f"{central} / {key}_v_l * {key}_conc_scale", m.concentration_unit,
                 f"plasma concentration of {key}")
        outputs[m.output] = m.output
    release = "(" + " + ".join(t_release) + ") * t_nmol_per_mg / t_volume_l" if t_release else "0"
    b.assign("exogenous_t_input_nmol_l_h", release, "nmol/L/h",
             "release of exogenous testosterone from its depots into serum")
    return outputs


def _add_route(b: _Builder, drug: Drug, route: Route, centrals: dict[str, list[str]],
               moieties: dict[str, Moiety], moiety_dose_unit: dict[str, str], t_release: list[str]) -> None:
    """Bioavailability, absorption depot and dose targets of one route of one drug.

    The default route keeps the plain names (``hcg_F``, ``hcg_ka_per_h``) and doses keyed by the drug; another
    route gets its own parameters and depots (``hcg_im_F``) and doses keyed ``drug@route`` (``DoseEvents.dose_key``).
    """
    default = route.name == drug.default_route
    prefix = drug.key if default else f"{drug.key}_{route.name}"
    dose_key = drug.key if default else f"{drug.key}@{route.name}"
    b.param(_pk_parameter(f"{prefix}_F", route.F, f"bioavailability of {drug.name} ({route.name})", 0.2, 1.0))
    if not route.is_bolus:
        b.param(_pk_parameter(f"{prefix}_ka_per_h", route.ka_per_h, f"absorption rate of {drug.name} ({route.name})"))
    for m in drug.moieties:
        stem = _moiety_prefix(drug, m)
        if default:
            b.param(_pk_parameter(f"{stem}_fraction", m.fraction, f"share of a {drug.name} dose that is {m.key}",
                                  0.5, 1.0))
        moieties.setdefault(m.key, m)
        moiety_dose_unit.setdefault(m.key, drug.dose_unit)
        scale = f"{stem}_fraction * {prefix}_F"
        if route.is_bolus:
            b.dose_targets.append(DoseTarget(dose_key, f"{m.key}_central", scale))
            continue
        route_stem = stem if default else f"{stem}_{route.name}"
        depot = f"{route_stem}_depot"
        unit = "IU" if drug.dose_unit == "IU" else "mg"
        b.state(depot, unit, f"{m.key} in the {route.name} absorption depot of {drug.name}",
                f"-{prefix}_ka_per_h * {depot}", 0.0)
        b.dose_targets.append(DoseTarget(dose_key, depot, scale))
        centrals.setdefault(m.key, []).append(f"{prefix}_ka_per_h * {depot}")
        if m.key == TESTOSTERONE_MOIETY:
            t_release.append(_add_t_release_chain(b, drug, route_stem, scale, prefix, dose_key))


def _add_t_release_chain(b: _Builder, drug: Drug, stem: str, scale: str, prefix: str, dose_key: str) -> str:
    """Erlang transit release of an exogenous T dose into serum T; returns the release flux (mg/h).

    The drug library's first-order depot (mean absorption time 1/ka) feeds the PK tracer; serum T is fed by a
    chain of ``T_RELEASE_STAGES`` compartments with the same mean absorption time, so an IM ester's release
    peaks at 1/(2 ka) (2.3 d for the cypionate's ka 0.009/h: Nankin 1987 peak on days 2-5; 3.3 d for the
    enanthate's 0.00625/h) instead of at the injection.
    """
    rate = f"t_release_stages * {prefix}_ka_per_h"
    for i in range(1, T_RELEASE_STAGES + 1):
        inflow = "0" if i == 1 else f"{rate} * {stem}_release_{i - 1}"
        b.state(f"{stem}_release_{i}", "mg", f"{drug.name} in stage {i} of its serum-T release chain",
                f"{inflow} - {rate} * {stem}_release_{i}", 0.0)
    b.dose_targets.append(DoseTarget(dose_key, f"{stem}_release_1", scale))
    return f"{rate} * {stem}_release_{T_RELEASE_STAGES}"


def _conc(b: _Builder, output: str) -> str:
    """The drug concentration assignment name, or 0 when that drug is not in the library."""
    return output if any(a.name == output for a in b.assignments) else "0"


def _add_physiology(b: _Builder) -> None:
    """Binding, feedback, pituitary, testis, aromatase, Sertoli and spermatogenesis."""
    ana, let = _conc(b, "anastrozole_ng_ml"), _conc(b, "letrozole_ng_ml")
    enc, zuc, tam = _conc(b, "enclomiphene_ng_ml"), _conc(b, "zuclomiphene_ng_ml"), _conc(b, "tamoxifen_ng_ml")
    hcg, gnrh, rfsh = _conc(b, "hcg_iu_l"), _conc(b, "gonadorelin_ng_ml"), _conc(b, "fsh_drug_iu_l")
    a = b.assign
    # Vermeulen 1999: free T from total T, SHBG and albumin (numerically stable root of the quadratic).
    a("albumin_binding_factor", "1 + k_alb_t_l_per_mol * albumin_mol_l", "1", "1 + K_alb [albumin] (Vermeulen)")
    a("binding_half_b", "(albumin_binding_factor + k_shbg_t_l_per_nmol * (shbg_nmol_l - t_nmol_l)) / 2", "1",
      "half the linear coefficient of the Vermeulen quadratic")
    a("free_t_nmol_l", "t_nmol_l / (binding_half_b + sqrt(binding_half_b**2 + albumin_binding_factor * "
      "k_shbg_t_l_per_nmol * t_nmol_l))", "nmol/L", "free testosterone (Vermeulen 1999)")
    a("albumin_bound_t_nmol_l", "(albumin_binding_factor - 1) * free_t_nmol_l", "nmol/L", "albumin-bound T")
    a("bioavailable_t_nmol_l", "free_t_nmol_l + albumin_bound_t_nmol_l", "nmol/L", "free + albumin-bound T")
    a("shbg_bound_t_nmol_l", "t_nmol_l - bioavailable_t_nmol_l", "nmol/L", "SHBG-bound T")
    # Sodergard 1982: E2 binds SHBG (sites left free by T) and albumin; only non-SHBG-bound E2 is cleared.
    a("e2_albumin_binding_factor", "1 + k_alb_e2_l_per_mol * albumin_mol_l", "1", "1 + K_alb(E2) [albumin]")
    a("e2_non_shbg_fraction", "e2_albumin_binding_factor / (e2_albumin_binding_factor + k_shbg_e2_l_per_nmol * "
      "(shbg_nmol_l - shbg_bound_t_nmol_l))", "1", "share of serum E2 not bound to SHBG (free + albumin-bound)")
    a("bioavailable_e2_pg_ml", "estradiol_pg_ml * e2_non_shbg_fraction", "pg/mL", "non-SHBG-bound serum E2")
    a("testosterone_ng_dl", "t_nmol_l * t_ng_dl_per_nmol_l", "ng/dL", "serum total testosterone")
    a("free_testosterone_pg_ml", "free_t_nmol_l * t_pg_ml_per_nmol_l", "pg/mL", "serum free testosterone")
    a("bioavailable_testosterone_ng_dl", "bioavailable_t_nmol_l * t_ng_dl_per_nmol_l", "ng/dL",
      "serum bioavailable (non-SHBG-bound) testosterone")
    a("aromatase_activity", f"aromatase_genotype_factor * (1 - anastrozole_imax * hill_act({ana}, "
      f"anastrozole_ic50_ng_ml, ai_hill)) * (1 - letrozole_imax * hill_act({let}, letrozole_ic50_ng_ml, ai_hill))",
      "1", "whole-body aromatase activity (genotype, AI inhibition)")
    a("brain_aromatase_activity", f"aromatase_genotype_factor * (1 - anastrozole_imax * hill_act({ana}, "
      f"anastrozole_ic50_ng_ml, ai_hill)) * (1 - letrozole_brain_imax * hill_act({let}, letrozole_ic50_ng_ml, "
      "ai_hill))", "1", "hypothalamic aromatase activity (letrozole crosses the blood-brain barrier)")
    # Hypothalamic E2 signal: serum E2 plus E2 made locally from T by brain aromatase (blocked by AIs).
    a("brain_e2_pg_ml", "brain_aromatase_e2_pg_ml * free_testosterone_pg_ml / free_t_reference_pg_ml * "
      "brain_aromatase_activity", "pg/mL", "E2 made in the hypothalamus from free T, as a serum-E2 equivalent")
    a("e2_feedback_signal_pg_ml", "estradiol_pg_ml + brain_e2_pg_ml", "pg/mL", "E2 seen by the hypothalamic ER")
    # Estrogen receptor at hypothalamus/pituitary: competitive binding, partial agonism -> E2-equivalent.
    a("er_agonist_load", f"e2_feedback_signal_pg_ml / er_kd_e2_pg_ml + zuclomiphene_intrinsic_activity * {zuc} / "
      f"er_kd_zuclomiphene_ng_ml + tamoxifen_intrinsic_activity * {tam} / er_kd_tamoxifen_ng_ml", "1",
      "agonist-weighted ER occupancy load")
    a("er_total_load", f"1 + e2_feedback_signal_pg_ml / er_kd_e2_pg_ml + {enc} / er_kd_enclomiphene_ng_ml + {zuc} / "
      f"er_kd_zuclomiphene_ng_ml + {tam} / er_kd_tamoxifen_ng_ml", "1", "1 + sum of ER occupancy loads")
    a("hepatic_serm_load", f"{zuc} / er_kd_zuclomiphene_ng_ml + {tam} / er_kd_tamoxifen_ng_ml", "1",
      "estrogenic SERM occupancy in the liver (raises SHBG)")
    a("shbg_e2_factor", "(1 + shbg_e2_emax * hill_act(estradiol_pg_ml, shbg_e2_k_pg_ml, 1)) / "
      "(1 + shbg_e2_emax * hill_act(shbg_e2_reference_pg_ml, shbg_e2_k_pg_ml, 1))", "1",
      "hepatic SHBG production driven by E2, relative to the reference man's E2")
    a("hepatic_shbg_drive_target", "shbg_e2_factor * (1 + shbg_serm_emax * hepatic_serm_load / "
      "(1 + hepatic_serm_load))", "1", "hepatic SHBG production that the current E2 and SERMs would settle at")
    a("shbg_target_nmol_l", "shbg_reference_nmol_l * shbg_production_scale * hepatic_shbg_drive", "nmol/L",
      "SHBG set point (covariates, and the adapted hepatic E2 and SERM effect)")
    a("e2_equivalent_pg_ml", "er_kd_e2_pg_ml * er_agonist_load / (er_total_load - er_agonist_load)", "pg/mL",
      "serum E2 that would give the same ER activation without SERMs")
    # Gonadotrope ER: serum E2 only (no hypothalamic aromatisation), with the same SERM competition.
    a("pituitary_er_agonist_load", f"estradiol_pg_ml / er_kd_e2_pg_ml + zuclomiphene_intrinsic_activity * {zuc} / "
      f"er_kd_zuclomiphene_ng_ml + tamoxifen_intrinsic_activity * {tam} / er_kd_tamoxifen_ng_ml", "1",
      "agonist-weighted ER occupancy load at the gonadotrope")
    a("pituitary_er_total_load", f"1 + estradiol_pg_ml / er_kd_e2_pg_ml + {enc} / er_kd_enclomiphene_ng_ml + {zuc} / "
      f"er_kd_zuclomiphene_ng_ml + {tam} / er_kd_tamoxifen_ng_ml", "1", "1 + sum of gonadotrope ER occupancy loads")
    a("pituitary_e2_equivalent_pg_ml", "er_kd_e2_pg_ml * pituitary_er_agonist_load / (pituitary_er_total_load - "
      "pituitary_er_agonist_load)", "pg/mL", "serum E2 equivalent of the gonadotrope ER activation")
    # Hypothalamus.
    a("gnrh_frequency_per_h", "gnrh_frequency_max_per_h * gnrh_drive_scale * "
      "hill_inh(e2_equivalent_pg_ml, e2_frequency_ic50_pg_ml, e2_frequency_hill) * "
      "hill_inh(free_testosterone_pg_ml, t_frequency_ic50_pg_ml, t_frequency_hill)", "1/h",
      "GnRH (and LH) pulse frequency")
    a("gnrh_pulses_per_day", "gnrh_frequency_per_h * hours_per_day", "1/day", "GnRH pulses per day")
    a("gnrh_stimulus", f"gnrh_frequency_per_h / gnrh_frequency_reference_per_h + {gnrh} * "
      "gonadorelin_potency_per_ng_ml", "1", "pulse-averaged GnRH stimulus (1 = reference frequency)")
    # Pituitary.
    a("e2_lh_amplitude_factor", "hill_inh(e2_equivalent_pg_ml, e2_amplitude_ic50_pg_ml, e2_amplitude_hill) * "
      "hill_inh(pituitary_e2_equivalent_pg_ml, e2_pituitary_ic50_pg_ml, 1)",
      "1", "E2 restraint of LH per GnRH stimulus (hypothalamic-pituitary and direct gonadotrope action)")
    a("lh_secretion_iu_l_h", "lh_secretion_max_iu_l_h * pituitary_capacity * e2_lh_amplitude_factor * "
      "hill_act(gnrh_stimulus, lh_gnrh_ec50, 1)", "IU/L/h", "pituitary LH secretion")
    a("lh_pulse_amplitude_iu_l", "lh_secretion_max_iu_l_h * pituitary_capacity * e2_lh_amplitude_factor / "
      "(gnrh_frequency_reference_per_h * (lh_gnrh_ec50 + gnrh_stimulus))", "IU/L",
      "LH released per GnRH pulse (secretion / frequency)")
    a("lh_gnrh_bolus_peak_iu_l", "lh_iu_l + lh_secretion_max_iu_l_h * pituitary_capacity * e2_lh_amplitude_factor * "
      "gnrh_bolus_response_h", "IU/L", "peak LH after a maximal GnRH bolus (pituitary responsiveness test)")
    a("fsh_secretion_iu_l_h", "fsh_secretion_max_iu_l_h * pituitary_capacity * "
      "hill_act(gnrh_stimulus, fsh_gnrh_ec50, 1) * hill_inh(inhibin_b_pg_ml, inhb_fsh_ic50_pg_ml, inhb_fsh_hill) "
      "* hill_inh(e2_equivalent_pg_ml, e2_fsh_ic50_pg_ml, 1)", "IU/L/h", "pituitary FSH secretion")
    a("fsh_iu_l", f"fsh_endogenous_iu_l + {rfsh}", "IU/L", "serum FSH as measured (endogenous + recombinant)")
    # Testis: Leydig cells, intratesticular T.
    a("leydig_drive_iu_l", f"lh_iu_l + hcg_lh_equivalence * {hcg}", "IU/L", "LH-equivalent drive of Leydig cells")
    # E2 restrains Leydig steroidogenesis: E2 made in the testis (Leydig-cell aromatase acting on intratesticular T)
    # and serum E2 reaching the interstitium; adipose E2 acts only through the serum (Schneider 1979: free T normal).
    a("testicular_aromatisation_nmol_l", "aromatase_activity * intratesticular_t_nmol_l", "nmol/L",
      "intratesticular T weighted by aromatase activity: index of the E2 made inside the testis")
    a("leydig_estrogen_load", "testicular_aromatisation_nmol_l / leydig_e2_itt_ic50_nmol_l + bioavailable_e2_pg_ml / "
      "leydig_e2_ic50_pg_ml", "1", "estrogen acting on Leydig cells: made in the testis plus delivered by serum")
    a("leydig_t_secretion_nmol_l_h", "t_secretion_max_nmol_l_h * leydig_capacity * "
      "hill_act(leydig_drive_iu_l, leydig_lh_ec50_iu_l, leydig_hill) / (1 + leydig_estrogen_load) / "
      "(1 + leydig_desensitization_strength * leydig_desensitization)", "nmol/L/h",
      "testicular testosterone secretion (serum-concentration rate; testicular and serum E2 restrain it)")
    a("t_clearance_nmol_l_h", "t_clearance_bio_l_h * bioavailable_t_nmol_l / t_volume_l", "nmol/L/h",
      "metabolic clearance of non-SHBG-bound testosterone")
    # Aromatase and E2.
    a("e2_production_pg_ml_h", "aromatase_activity * (e2_testis_yield_pg_ml_per_nmol_l * "
      "leydig_t_secretion_nmol_l_h + adipose_aromatase_scale * (e2_peripheral_vmax_pg_ml_h * "
      "bioavailable_t_nmol_l / (aromatase_km_nmol_l + bioavailable_t_nmol_l) + e2_adrenal_pg_ml_h)) + "
      "e2_infusion_pg_ml_h", "pg/mL/h", "E2 production: testicular + peripheral + adrenal-androgen route")
    a("t_e2_ratio", "testosterone_ng_dl / estradiol_pg_ml", "1", "T (ng/dL) / E2 (pg/mL)")
    # Sertoli cells and spermatogenesis.
    a("germ_transit_per_h", "germ_stage_count / (spermatogenesis_duration_d * hours_per_day)", "1/h",
      "stage-to-stage transit rate of the germ-cell chain")
    a("epididymal_transit_per_h", f"{N_EPIDIDYMAL_STAGES} / (epididymal_transit_d * hours_per_day)", "1/h",
      "stage-to-stage rate of epididymal transit")
    # ITT is the main driver of the whole chain; FSH and ITT support early stages additively, so either one
    # suffices (hCG alone maintains spermatogenesis in hypogonadotropic men; FSH alone partly restores it).
    a("germ_early_support", "fsh_iu_l / germ_fsh_k_iu_l + intratesticular_t_nmol_l / germ_itt_rescue_k_nmol_l", "1",
      "support of early germ cells by FSH and intratesticular T, each relative to its half-support level")
    a("germ_support_failure", "hill_inh(germ_early_support, 1, germ_fsh_hill)", "1",
      "failure of the FSH + ITT support of early germ cells (0 supported, 1 unsupported)")
    a("germ_loss_early_per_h", "germ_loss_fsh_max_per_h * germ_support_failure",
      "1/h", "loss of early germ cells (spermatogonia, spermatocytes) as FSH and ITT support fail")
    a("germ_loss_late_per_h", "germ_loss_itt_max_per_h * hill_inh(intratesticular_t_nmol_l, germ_itt_k_nmol_l, "
      "germ_itt_hill)", "1/h", "loss of androgen-dependent germ cells (spermatids)")
    inhb_germ = " + ".join(f"germ_{i}" for i in INHB_GERM_STAGES)
    a("inhibin_b_target_pg_ml", "inhb_max_pg_ml * sertoli_capacity * (1 - inhb_germ_weight + inhb_germ_weight * "
      f"({inhb_germ}) / inhb_germ_stage_count) * hill_act(fsh_iu_l, inhb_fsh_ec50_iu_l, 1)", "pg/mL",
      "inhibin B that Sertoli cells would sustain now")
    a("sperm_concentration_million_ml", f"sperm_output_scale_million_ml * epididymis_{N_EPIDIDYMAL_STAGES}",
      "million/mL", "sperm concentration in the ejaculate")
    a("total_motile_count_million", "sperm_concentration_million_ml * semen_volume_ml * motile_fraction",
      "million", "total motile sperm count per ejaculate")


def _add_states(b: _Builder) -> None:
    """Hormone, Leydig, Sertoli and germ-cell states with their rate laws."""
    s = b.state
    s("t_nmol_l", "nmol/L", "serum total testosterone",
      "leydig_t_secretion_nmol_l_h + adrenal_t_nmol_l_h + exogenous_t_input_nmol_l_h - t_clearance_nmol_l_h")
    s("estradiol_pg_ml", "pg/mL", "serum total estradiol",
      "e2_production_pg_ml_h - e2_clearance_per_h * bioavailable_e2_pg_ml / e2_non_shbg_fraction_reference")
    # Hepatic SHBG production adapts to estrogen over weeks, slower than serum SHBG turns over (SHBG keeps rising
    # for months on oral estrogen); on an aromatase inhibitor total T then drifts down as SHBG falls.
    s("hepatic_shbg_drive", "1", "hepatic SHBG production relative to the reference man's (adapted estrogen effect)",
      "(hepatic_shbg_drive_target - hepatic_shbg_drive) / (shbg_adaptation_d * hours_per_day)")
    s("shbg_nmol_l", "nmol/L", "serum SHBG",
      "shbg_turnover_per_h * (shbg_target_nmol_l - shbg_nmol_l)")
    s("lh_iu_l", "IU/L", "serum LH", "lh_secretion_iu_l_h - lh_clearance_per_h * lh_iu_l")
    s("fsh_endogenous_iu_l", "IU/L", "serum endogenous FSH", "fsh_secretion_iu_l_h - fsh_clearance_per_h * fsh_endogenous_iu_l")
    s("leydig_desensitization", "1", "slow LH/hCG-receptor desensitization of Leydig cells (follows receptor "
      "occupancy, which saturates: 1 in the reference man)",
      "leydig_desensitization_rate_per_h * (hill_act(leydig_drive_iu_l, leydig_lh_ec50_iu_l, leydig_hill) / "
      "hill_act(leydig_drive_reference_iu_l, leydig_lh_ec50_iu_l, leydig_hill) - leydig_desensitization)")
    s("intratesticular_t_nmol_l", "nmol/L", "intratesticular testosterone",
      "itt_rate_per_h * (itt_gain_h * leydig_t_secretion_nmol_l_h + t_nmol_l - intratesticular_t_nmol_l)")
    s("inhibin_b_pg_ml", "pg/mL", "serum inhibin B", "inhb_turnover_per_h * (inhibin_b_target_pg_ml - inhibin_b_pg_ml)")
    # Spermatogonial reserve (A spermatogonia feeding the chain): depleted slowly while FSH + ITT support fails,
    # regrown over months when it returns, so sperm output after a long suppression first comes back at a lower
    # level and then climbs slowly towards baseline (Handelsman 2005 plateau; WHO 1996 return to baseline).
    s("spermatogonia", "1", "spermatogonial reserve feeding the germ-cell chain (1 in a fully supported testis)",
      "(1 - spermatogonia - spermatogonia_depletion * germ_support_failure * spermatogonia) / "
      "(spermatogonia_recovery_d * hours_per_day)")
    half = N_GERM_STAGES // 2
    for i in range(1, N_GERM_STAGES + 1):
        inflow = "germline_capacity * spermatogonia" if i == 1 else f"germ_{i - 1}"
        loss = "germ_loss_early_per_h" if i <= half else "germ_loss_late_per_h"
        s(f"germ_{i}", "1", f"germ cells in stage {i} of {N_GERM_STAGES} (relative to a loss-free reference)",
          f"germ_transit_per_h * ({inflow} - germ_{i}) - {loss} * germ_{i}")
    for i in range(1, N_EPIDIDYMAL_STAGES + 1):
        inflow = f"germ_{N_GERM_STAGES}" if i == 1 else f"epididymis_{i - 1}"
        s(f"epididymis_{i}", "1", f"sperm in epididymal stage {i} (relative output)",
          f"epididymal_transit_per_h * ({inflow} - epididymis_{i})")


OUTPUTS_PHYSIOLOGY: tuple[str, ...] = (
    "testosterone_ng_dl",
    "free_testosterone_pg_ml",
    "bioavailable_testosterone_ng_dl",
    "estradiol_pg_ml",
    "lh_iu_l",
    "fsh_iu_l",
    "shbg_nmol_l",
    "inhibin_b_pg_ml",
    "intratesticular_t_nmol_l",
    "sperm_concentration_million_ml",
    "total_motile_count_million",
    "t_e2_ratio",
    "gnrh_pulses_per_day",
    "lh_pulse_amplitude_iu_l",
    "lh_gnrh_bolus_peak_iu_l",
)

CLINICAL_OUTPUTS: tuple[str, ...] = tuple(
    name for name in OUTPUTS_PHYSIOLOGY
    if name not in {"bioavailable_testosterone_ng_dl", "t_e2_ratio", "gnrh_pulses_per_day",
                    "lh_pulse_amplitude_iu_l", "lh_gnrh_bolus_peak_iu_l"}
)
"""The daily outputs every simulation reports (issue 4 contract), before the drug concentrations."""


def build_model() -> Model:
    """Assemble the declaration from the parameter table and the drug library."""
    b = _Builder()
    for p in _physiology_parameters():
        b.param(p)
    drug_outputs = _add_pk(b)
    if "enclomiphene_ng_ml" in drug_outputs and "zuclomiphene_ng_ml" in drug_outputs:
        b.assign("clomiphene_ng_ml", "enclomiphene_ng_ml + zuclomiphene_ng_ml", "ng/mL",
                 "plasma clomiphene (both isomers)")
        drug_outputs["clomiphene_ng_ml"] = "clomiphene_ng_ml"
    _add_states(b)
    _add_physiology(b)
    states = sorted(b.states, key=lambda st: not st.name.endswith(("_depot", "_central")))
    table = {p.name: p.value for p in b.parameters}
    for name, count, what in (("germ_stage_count", N_GERM_STAGES, "declared germ stages"),
                              ("inhb_germ_stage_count", len(INHB_GERM_STAGES), "germ stages inhibin B averages"),
                              ("t_release_stages", T_RELEASE_STAGES, "declared T release stages")):
        if table[name] != count:
            raise ValueError(f"{name} must equal the number of {what}")
    return Model(
        name="hpgtwin_male_hpg",
        states=tuple(states),
        parameters=tuple(b.parameters),
        assignments=tuple(b.assignments),
        rates=tuple(Rate(st.name, b.rates[st.name]) for st in states),
        dose_targets=tuple(b.dose_targets),
        outputs=OUTPUTS_PHYSIOLOGY + tuple(drug_outputs),
        time_unit="hour",
    )


MODEL: Model = build_model()
