"""One chunk of a virtual trial: draw and match its men, simulate every arm, keep only the report-day values.

A chunk depends only on (spec, population group, chunk index, matching rule), never on which process runs it, so
a trial gives the same numbers locally and on any Dask cluster, bit for bit: random streams are keyed by the
chunk, and the numba kernels loop over men without cross-man reductions, so thread counts do not matter. What a
worker brings itself (generated model code, parameter and variability tables) is checked against the client's
fingerprint before a chunk runs. Only report-day values leave the chunk, which bounds memory by the chunk size.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache

import numpy as np

from hpgtwin.errors import CohortSpecError, InputError
from hpgtwin.trials.matching import Acceptor
from hpgtwin.trials.observables import derived_constants, sample_outputs
from hpgtwin.trials.population import Candidates, VirtualPopulation
from hpgtwin.trials.spec import CohortSpec, Population
from hpgtwin.trials.variability import Proposal, load_variability

SEED_PILOT = 0
"""spawn_key slot of the pilot pool; chunks use 1, 2, ... ."""


def rng_for(seed: int, group: int, slot: int, *sub: int) -> np.random.Generator:
    """The random stream of one (population group, slot): independent of execution order and placement."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(group, slot, *sub))))


def _model():
    from hpgtwin.model import MODEL

    return MODEL


class WorkerMismatch(InputError):
    """A Dask worker whose model or parameter tables differ from the client's (its chunks would not reproduce)."""


@cache
def model_fingerprint() -> str:
    """Hash of all a chunk's numbers depend on besides its task, in this process.

    That is the generated model code (``model_key``: declaration structure, kernel templates, numba and sympy
    versions), the parameter table (values and bounds), the covariate effects, the variability table and the
    constants of the derived quantities. Floats enter by ``repr``, which round-trips exactly.
    """
    from hpgtwin.model.codegen import model_key
    from hpgtwin.params import load_covariate_effects

    model = _model()
    var = load_variability()
    parts = [
        model_key(model),
        repr([(p.name, p.value, p.lower, p.upper) for p in model.parameters]),
        repr(load_covariate_effects()),
        repr([(e.name, e.cv) for e in var.effects]) + var.correlation.tobytes().hex(),
        repr(sorted(derived_constants().items())),
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:20]


def check_fingerprint(expected: str) -> None:
    """Refuse to run a chunk in a process whose model differs from the one the trial was planned with."""
    here = model_fingerprint()
    if expected and expected != here:
        raise WorkerMismatch(
            f"this worker's hpgtwin model ({here}) differs from the client's ({expected}): install the same "
            "hpgtwin version and parameter tables on every Dask worker, and restart workers after changing them"
        )


def baseline_states(candidates: Candidates) -> tuple[np.ndarray, np.ndarray]:
    """Drug-free steady state of each man (n x n_states) and whether it was found (men without one are dropped).

    Newton starts from the first man's state (``hpgtwin.model.steady_state``), so few men need relaxation.
    """
    from hpgtwin.model.steady_state import baseline_states as steady_states

    return steady_states(_model(), candidates.parameters)


def baseline_outputs(candidates: Candidates, y0: np.ndarray, names: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Model and derived outputs at the baseline states, name -> (n_men, 1)."""
    from hpgtwin.model.codegen import compile_model

    model = _model()
    out = compile_model(model).outputs(y0[:, None, :], candidates.parameters.for_model(model).values)
    return sample_outputs({k: out[:, :, i] for i, k in enumerate(model.outputs)}, np.array([0]), names)


def baseline_observables(candidates: Candidates, names: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Baseline states, whether each was found, and the named quantities at baseline (n_men x len(names))."""
    y0, ok = baseline_states(candidates)
    values = baseline_outputs(candidates, np.where(ok[:, None], y0, 1.0), names)
    missing = [n for n in names if n not in values]
    if missing:
        raise CohortSpecError(f"cannot match baseline {missing}: the model does not provide them")
    obs = np.column_stack([values[n][:, 0] for n in names]) if names else np.zeros((len(ok), 0))
    return y0, ok, obs


def simulate_outputs(
    regimen: str | None, candidates: Candidates, y0: np.ndarray, days: int, day_index: np.ndarray,
    names: tuple[str, ...],
) -> dict[str, np.ndarray]:
    """Simulate men from their baseline states with the fast batch solver; outputs on the given days."""
    from hpgtwin.simulate import simulate

    traj = simulate(
        regimen, parameters=candidates.parameters, days=days, method="fast", initial_state=y0,
        sample_days=day_index,
    )
    position = np.searchsorted(traj.days, np.asarray(day_index, dtype=float))
    return sample_outputs(traj.outputs, position, names)


@dataclass(frozen=True)
class ChunkTask:
    """Everything a worker needs to run one chunk (picklable)."""

    spec: CohortSpec
    population: Population
    arms: tuple[str, ...]
    group: int
    chunk: int
    size: int
    first_id: int
    acceptor: Acceptor | None
    outputs: tuple[str, ...]
    proposal: Proposal | None = None
    fingerprint: str = ""


@dataclass(frozen=True)
class ChunkResult:
    """Report-day values of one chunk: covariates, weights and, per arm, output -> (men x report days)."""

    group: int
    chunk: int
    patient_id: np.ndarray
    age_years: np.ndarray
    bmi_kg_m2: np.ndarray
    weight: np.ndarray | None
    candidates: int
    values: dict[str, dict[str, np.ndarray]]


def report_day_index(spec: CohortSpec) -> np.ndarray:
    """Day indices sampled per man: 0 (baseline), then each report week, then each report day."""
    days = [0] + [round(w * 7) for w in spec.report_weeks] + [int(d) for d in spec.report_days]
    return np.array(days, dtype=int)


def draw_matched(
    task: ChunkTask, vp: VirtualPopulation, rng: np.random.Generator
) -> tuple[Candidates, np.ndarray, np.ndarray | None, int]:
    """Draw this chunk's men (accepted, or weighted), their baseline states, and how many candidates it took."""
    acc, matching = task.acceptor, task.spec.matching
    quantities = acc.quantities if acc is not None else ()
    inflation = matching.pool_inflation if quantities else 1.0
    kept: list[tuple[Candidates, np.ndarray, np.ndarray]] = []
    n_kept, n_tried = 0, 0
    limit = task.size * (matching.max_candidates_per_man if quantities else 2)
    yield_ = acc.expected_yield if (acc is not None and acc.method == "acceptance" and quantities) else 1.0
    batch = int(np.clip(np.ceil(1.2 * task.size / max(np.nan_to_num(yield_), 1e-6)), task.size, 20 * task.size))
    while n_kept < task.size:
        if n_tried >= limit:
            raise CohortSpecError(
                f"matching kept {n_kept} of {n_tried} candidates: the reported baseline is out of the model's "
                "reach (try matching.method: weighting, or check the baseline units)"
            )
        cand = vp.sample(batch, rng, inflation=inflation, proposal=task.proposal)
        y0, ok, obs = baseline_observables(cand, quantities)
        if acc is not None and quantities:
            if acc.method == "weighting":
                p = acc.weight(obs, cand.log_prior_ratio)
                keep = ok
            else:
                p = acc.acceptance_probability(obs, cand.log_prior_ratio)
                keep = ok & (rng.uniform(size=batch) < p)
        else:
            p, keep = np.ones(batch), ok
        rows = np.flatnonzero(keep)
        n_tried += batch
        if rows.size:
            kept.append((cand.take(rows), y0[rows], p[rows]))
            n_kept += rows.size
    men = Candidates.concat([k[0] for k in kept]).take(np.arange(task.size))
    y0 = np.vstack([k[1] for k in kept])[: task.size]
    weight = np.concatenate([k[2] for k in kept])[: task.size] if acc is not None and acc.method == "weighting" else None
    return men, y0, weight, n_tried


def run_chunk(task: ChunkTask) -> ChunkResult:
    """Run one chunk: draw/match men, simulate every arm of the group, return report-day values."""
    check_fingerprint(task.fingerprint)
    spec = task.spec
    vp = VirtualPopulation(task.population)
    rng = rng_for(spec.seed, task.group, task.chunk + 1)
    men, y0, weight, tried = draw_matched(task, vp, rng)
    day_index = report_day_index(spec)
    by_name = {a.name: a for a in spec.all_arms}
    values = {
        arm: simulate_outputs(by_name[arm].regimen_text, men, y0, spec.duration_days, day_index, task.outputs)
        for arm in task.arms
    }
    return ChunkResult(
        task.group,
        task.chunk,
        np.arange(task.first_id, task.first_id + task.size),
        men.age_years,
        men.bmi_kg_m2,
        weight,
        tried,
        values,
    )
