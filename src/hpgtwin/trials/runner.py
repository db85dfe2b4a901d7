"""Run a virtual trial: fit the matching rule on a pilot pool, map chunks locally or over Dask, aggregate.

``workers=N`` starts a ``dask.distributed.LocalCluster`` with N single-threaded worker processes;
``scheduler="tcp://host:8786"`` uses an existing cluster. Chunks are fixed by the spec (size and seeds), so every
executor returns the same numbers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, nullcontext

import numpy as np

from hpgtwin.errors import CohortSpecError
from hpgtwin.trials.chunks import SEED_PILOT, ChunkResult, ChunkTask, baseline_observables, rng_for, run_chunk
from hpgtwin.trials.matching import Acceptor, fit_acceptor, match_report
from hpgtwin.trials.observables import DEFAULT_OUTPUTS, DERIVED
from hpgtwin.trials.population import VirtualPopulation
from hpgtwin.trials.result import ArmResult, TrialResult
from hpgtwin.trials.spec import CohortSpec, Population

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


def fit_matching(spec: CohortSpec, population: Population, group: int) -> Acceptor | None:
    """Fit the acceptance/weighting rule of one population on a pilot pool (None when nothing is matched)."""
    quantities = tuple(population.baseline)
    if spec.matching.method == "none" or not quantities:
        return None
    vp = VirtualPopulation(population)
    pilot = vp.sample(spec.matching.pilot, rng_for(spec.seed, group, SEED_PILOT), inflation=spec.matching.pool_inflation)
    _, ok, obs = baseline_observables(pilot, quantities)
    return fit_acceptor(quantities, population.baseline, obs[ok], pilot.log_prior_ratio[ok],
                        method=spec.matching.method, clip_quantile=spec.matching.clip_quantile)


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
    for g, (pop, arms) in enumerate(population_groups(spec)):
        acceptor = fit_matching(spec, pop, g)
        for c, start in enumerate(range(0, spec.n, size)):
            tasks.append(ChunkTask(spec, pop, arms, g, c, min(size, spec.n - start), start, acceptor, outputs))
    return tasks


def _local(tasks: list[ChunkTask]) -> Iterator[ChunkResult]:
    for task in tasks:
        yield run_chunk(task)


def _dask_client(workers: int | None, scheduler: str | None) -> AbstractContextManager:
    from dask.distributed import Client, LocalCluster

    if scheduler:
        return Client(scheduler, timeout="30s")
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                           env={"NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"})
    client = Client(cluster)
    client._hpgtwin_cluster = cluster  # closed with the client below
    return client


def _dask(tasks: list[ChunkTask], client, tick: Callable[[], None]) -> list[ChunkResult]:
    from dask.distributed import as_completed

    futures = client.map(run_chunk, tasks, pure=False)
    for _ in as_completed(futures):
        tick()
    return client.gather(futures)


def _progress(enabled: bool, total: int) -> AbstractContextManager:
    if not enabled or total < PROGRESS_MIN_CHUNKS:
        return nullcontext(None)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("virtual trial"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), transient=True)


def run_trial(
    spec: CohortSpec,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = False,
    chunk_size: int | None = None,
) -> TrialResult:
    """Run a virtual trial (locally, on a new LocalCluster with ``workers``, or on the cluster at ``scheduler``)."""
    started = time.perf_counter()
    tasks = plan_chunks(spec, chunk_size)
    results: list[ChunkResult]
    with _progress(progress, len(tasks)) as bar:
        job = bar.add_task("chunks", total=len(tasks)) if bar is not None else None

        def tick() -> None:
            if bar is not None:
                bar.advance(job)

        if workers or scheduler:
            with _dask_client(workers, scheduler) as client:
                try:
                    results = _dask(tasks, client, tick)
                finally:
                    cluster = getattr(client, "_hpgtwin_cluster", None)
                    if cluster is not None:
                        cluster.close()
            executor = f"dask scheduler {scheduler}" if scheduler else f"dask LocalCluster ({workers} workers)"
        else:
            results = []
            for r in _local(tasks):
                results.append(r)
                tick()
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
