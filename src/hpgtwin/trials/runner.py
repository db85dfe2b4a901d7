"""Run a virtual trial: fit the matching rule on a pilot pool, map chunks locally or over Dask, aggregate.

``workers=N`` starts a ``dask.distributed.LocalCluster`` with N single-threaded worker processes;
``scheduler="tcp://host:8786"`` uses an existing cluster. Chunks are fixed by the spec (size and seeds), so every
executor returns the same numbers. With ``out``, the per-patient table is streamed to Parquet as chunks complete
(one row group per chunk, in chunk order), so writing it needs memory for a chunk, not for the whole trial.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

import numpy as np

from hpgtwin.errors import CohortSpecError
from hpgtwin.trials.chunks import (
    SEED_PILOT,
    ChunkResult,
    ChunkTask,
    baseline_observables,
    model_fingerprint,
    rng_for,
    run_chunk,
)
from hpgtwin.trials.matching import Acceptor, fit_acceptor, match_report
from hpgtwin.trials.observables import DEFAULT_OUTPUTS, DERIVED
from hpgtwin.trials.population import VirtualPopulation
from hpgtwin.trials.result import ArmResult, TrialResult
from hpgtwin.trials.spec import CohortSpec, Population, validate_spec
from hpgtwin.trials.statistics import effective_sample_size
from hpgtwin.trials.table import GroupRows, PatientTableWriter
from hpgtwin.trials.variability import Proposal, Variability

MIN_YIELD_MARGIN = 3.0
"""The matching rule must expect to keep at least 3x the minimum yield the candidate budget allows."""

PROGRESS_MIN_CHUNKS = 2
"""A progress bar is shown only when a run has at least this many chunks."""


def reported_outputs(spec: CohortSpec) -> tuple[str, ...]:
    """Every quantity the trial keeps per man: the spec's outputs plus those its analyses and matching need."""
    names = list(spec.outputs or DEFAULT_OUTPUTS)
    extra: list[str] = []
    for arm in spec.all_arms:
        extra += list(spec.population_of(arm).baseline)
    for section in (spec.responders, spec.compare, spec.power):
        if section is not None:
            extra.append(section.output)
    if spec.responders is not None:
        extra += list(spec.responders.predictors)
    return tuple(dict.fromkeys(names + extra))


def population_groups(spec: CohortSpec) -> list[tuple[Population, tuple[str, ...]]]:
    """Arms grouped by population: arms of one group are simulated on the same virtual men."""
    groups: dict[str, tuple[Population, list[str]]] = {}
    for arm in spec.all_arms:
        pop = spec.population_of(arm)
        groups.setdefault(pop.model_dump_json(), (pop, []))[1].append(arm.name)
    return [(pop, tuple(names)) for pop, names in groups.values()]


PROPOSAL_WIDEN = 1.5
"""The adapted proposal's covariance is the matched pilot's, widened by this factor (in SD) for robustness."""

PROPOSAL_PRIOR_SHARE = 0.1
"""Share of the prior covariance added to the adapted proposal so it keeps some mass everywhere (defensive)."""


ADAPT_ROUNDS = 4
"""At most this many adaptive pilot rounds (each one pilot pool of baseline steady states)."""

ADAPT_MIN_ESS_SHARE = 0.05
"""Each adaptive step is tempered so that at least 5% of the pilot (Kish ESS) shapes the next proposal."""


def _tempered(log_weight: np.ndarray, min_ess: float) -> tuple[np.ndarray, float]:
    """Weights w^beta with the largest beta in (0, 1] whose effective sample size is at least min_ess."""
    lw = log_weight - np.max(log_weight)
    if effective_sample_size(np.exp(lw)) >= min_ess:
        return np.exp(lw), 1.0
    lo, hi = 0.0, 1.0
    for _ in range(30):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if effective_sample_size(np.exp(mid * lw)) >= min_ess else (lo, mid)
    return np.exp(lo * lw), lo


def adapt_proposal(var: Variability, eta: np.ndarray, w: np.ndarray) -> Proposal:
    """A Gaussian proposal for the random effects fitted to a weighted pilot (one cross-entropy step)."""
    w = w / w.sum()
    mean = w @ eta
    d = eta - mean
    cov = PROPOSAL_WIDEN**2 * (d * w[:, None]).T @ d + PROPOSAL_PRIOR_SHARE * var.covariance
    return Proposal(var.names, mean, cov + 1e-9 * np.eye(len(mean)))


def fit_matching(spec: CohortSpec, population: Population, group: int) -> tuple[Acceptor | None, Proposal | None]:
    """Fit the acceptance/weighting rule of one population on pilot pools (None when nothing is matched).

    A pilot from the (inflated) prior gives the moment tilt; the tilted pilot (tempered so enough men shape it)
    sets a Gaussian proposal for the random effects, and the next pilot is drawn from it (adaptive importance
    sampling, a few rounds), so that candidates fall where the reported cohort lies and few are rejected.
    """
    quantities = tuple(population.baseline)
    if spec.matching.method == "none" or not quantities:
        return None, None
    vp = VirtualPopulation(population)
    var = vp.varied
    m = spec.matching
    kwargs = {"method": m.method, "clip_quantile": m.clip_quantile, "tolerance": m.tolerance,
              "min_yield": MIN_YIELD_MARGIN / m.max_candidates_per_man}
    proposal = None
    for round_ in range(ADAPT_ROUNDS + 1):
        rng = rng_for(spec.seed, group, SEED_PILOT, round_)
        pilot = vp.sample(m.pilot, rng, inflation=m.pool_inflation, proposal=proposal)
        _, ok, obs = baseline_observables(pilot, quantities)
        obs, lpr, eta = obs[ok], pilot.log_prior_ratio[ok], pilot.eta[ok]
        exact = fit_acceptor(quantities, population.baseline, obs, lpr, **{**kwargs, "clip_quantile": 1.0})
        w, beta = _tempered(exact.log_weight(obs, lpr), max(len(var.names) + 2, ADAPT_MIN_ESS_SHARE * len(obs)))
        if round_ == ADAPT_ROUNDS or len(var.names) == 0 or (beta == 1.0 and round_ > 0):
            break
        proposal = adapt_proposal(var, eta, w)
    return fit_acceptor(quantities, population.baseline, obs, lpr, **kwargs), proposal


def check_outputs(names: tuple[str, ...]) -> None:
    """Every requested quantity must be a model output or a derived quantity."""
    from hpgtwin.model import MODEL

    known = set(MODEL.outputs) | set(DERIVED)
    unknown = [n for n in names if n not in known]
    if unknown:
        raise CohortSpecError(f"unknown output {unknown[0]!r}; available: {', '.join(sorted(known))}")


def plan_chunks(spec: CohortSpec, chunk_size: int | None = None) -> list[ChunkTask]:
    """The chunk tasks of a trial, in a fixed order (fitting each population's matching rule first)."""
    size = chunk_size or spec.chunk_size
    outputs = reported_outputs(spec)
    check_outputs(outputs)
    tasks = []
    fingerprint = model_fingerprint()
    for g, (pop, arms) in enumerate(population_groups(spec)):
        acceptor, proposal = fit_matching(spec, pop, g)
        for c, start in enumerate(range(0, spec.n, size)):
            tasks.append(ChunkTask(spec, pop, arms, g, c, min(size, spec.n - start), start, acceptor, outputs,
                                   proposal, fingerprint))
    return tasks


def _local(tasks: list[ChunkTask]) -> Iterator[ChunkResult]:
    for task in tasks:
        yield run_chunk(task)


def _dask_client(workers: int | None, scheduler: str | None) -> AbstractContextManager:
    from dask.distributed import Client, LocalCluster

    if scheduler:
        return Client(scheduler, timeout="10s")
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                           env={"NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"})
    client = Client(cluster)
    client._hpgtwin_cluster = cluster  # closed with the client below
    return client


def _dask(tasks: list[ChunkTask], client) -> Iterator[ChunkResult]:
    """Chunk results as the cluster finishes them (any order); each future is released once its result is here."""
    from dask.distributed import as_completed

    for future in as_completed(client.map(run_chunk, tasks, pure=False)):
        result = future.result()
        future.release()
        yield result


def _rows(result: ChunkResult) -> GroupRows:
    return GroupRows(result.patient_id, result.age_years, result.bmi_kg_m2, result.weight, result.values)


def _table_writer(out: str | Path | None, spec: CohortSpec, tasks: list[ChunkTask]) -> AbstractContextManager:
    if out is None:
        return nullcontext(None)
    weighted = any(t.acceptor is not None and t.acceptor.method == "weighting" for t in tasks)
    return PatientTableWriter(out, spec, [(t.group, t.chunk) for t in tasks], weighted=weighted)


def _progress(enabled: bool, total: int) -> AbstractContextManager:
    if not enabled or total < PROGRESS_MIN_CHUNKS:
        return nullcontext(None)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("virtual trial"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), transient=True)


def run_trial(
    spec: CohortSpec | dict | str | Path,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = False,
    chunk_size: int | None = None,
    out: str | Path | None = None,
) -> TrialResult:
    """Run a virtual trial (locally, on a new LocalCluster with ``workers``, or on the cluster at ``scheduler``).

    ``spec`` may be a CohortSpec, a mapping (validated) or a YAML path/text; bad specs raise CohortSpecError.
    ``out``: stream the per-patient table to this Parquet file while the chunks complete.
    """
    if isinstance(spec, dict):
        spec = validate_spec(spec)
    elif not isinstance(spec, CohortSpec):
        spec = CohortSpec.from_yaml(spec)
    started = time.perf_counter()
    tasks = plan_chunks(spec, chunk_size)
    results: list[ChunkResult] = []
    with _progress(progress, len(tasks)) as bar, _table_writer(out, spec, tasks) as table:
        job = bar.add_task("chunks", total=len(tasks)) if bar is not None else None

        def collect(chunks: Iterable[ChunkResult]) -> None:
            for r in chunks:
                results.append(r)
                if table is not None:
                    table.add((r.group, r.chunk), _rows(r))
                if bar is not None:
                    bar.advance(job)

        if workers or scheduler:
            with _dask_client(workers, scheduler) as client:
                try:
                    collect(_dask(tasks, client))
                finally:
                    cluster = getattr(client, "_hpgtwin_cluster", None)
                    if cluster is not None:
                        cluster.close()
            executor = f"dask scheduler {scheduler}" if scheduler else f"dask LocalCluster ({workers} workers)"
        else:
            collect(_local(tasks))
            executor = "local"
    return assemble(spec, tasks, results, run={"executor": executor, "chunks": len(tasks),
                                              "chunk_size": chunk_size or spec.chunk_size,
                                              "seconds": time.perf_counter() - started})


def _stack(parts: Iterable[np.ndarray]) -> np.ndarray:
    return np.concatenate(list(parts), axis=0)


def assemble(spec: CohortSpec, tasks: list[ChunkTask], results: list[ChunkResult], *, run: dict) -> TrialResult:
    """Aggregate chunk results (in chunk order) into per-arm values and the matching report of each population."""
    ordered = sorted(results, key=lambda r: (r.group, r.chunk))
    groups = population_groups(spec)
    arms: dict[str, ArmResult] = {}
    matching: dict[str, dict] = {}
    for g, (pop, names) in enumerate(groups):
        mine = [r for r in ordered if r.group == g]
        weights = None if mine[0].weight is None else _stack(r.weight for r in mine)
        values = {a: {k: _stack(r.values[a][k] for r in mine) for k in mine[0].values[a]} for a in names}
        acceptor = next(t.acceptor for t in tasks if t.group == g)
        if acceptor is not None:
            first = values[names[0]]
            report = match_report(
                acceptor.quantities, pop.baseline, {q: first[q][:, 0] for q in acceptor.quantities}, weights,
                method=acceptor.method, candidates=sum(r.candidates for r in mine),
                accepted=len(first[acceptor.quantities[0]]),
            )
            report["scaling_quantile"] = acceptor.clip_quantile
            report["pool_inflation"] = spec.matching.pool_inflation
            report["adaptive_proposal"] = next(t.proposal for t in tasks if t.group == g) is not None
        else:
            report = {"method": "none", "note": "no reported baseline to match" if spec.matching.method != "none"
                      else "matching switched off in the spec"}
        for a in names:
            arms[a] = ArmResult(
                name=a,
                group=g,
                patient_id=_stack(r.patient_id for r in mine),
                age_years=_stack(r.age_years for r in mine),
                bmi_kg_m2=_stack(r.bmi_kg_m2 for r in mine),
                weight=weights,
                values=values[a],
            )
            matching[a] = report
    return TrialResult(spec=spec, arms=arms, matching=matching, run=run)
