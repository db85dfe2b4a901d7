"""The per-patient table of a virtual trial: one row per (arm, man), written to Parquet one row group per chunk.

Rows come chunk by chunk in (population group, chunk) order, and within a chunk arm by arm, so the file has the
same content whatever executor ran the chunks and in whatever order they finished. Columns: ``arm``,
``patient_id``, ``age_years``, ``bmi_kg_m2``, ``weight`` (matching by weighting only), ``<output>_baseline``,
``<output>_week_<w>``, ``<output>_day_<d>``, and ``responder`` when the spec defines responders.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

import numpy as np

from hpgtwin.trials.analyses import column_of, responder_mask
from hpgtwin.trials.spec import CohortSpec, week_key

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.parquet as pq


def report_columns(spec: CohortSpec) -> list[str]:
    """Column suffixes of the report days: baseline, week_<w>..., day_<d>..."""
    return (["baseline"] + [f"week_{week_key(w)}" for w in spec.report_weeks]
            + [f"day_{week_key(d)}" for d in spec.report_days])


@dataclass(frozen=True)
class GroupRows:
    """The men of one chunk of one population group, and their report-day values in each arm of the group."""

    patient_id: np.ndarray
    age_years: np.ndarray
    bmi_kg_m2: np.ndarray
    weight: np.ndarray | None
    values: Mapping[str, Mapping[str, np.ndarray]]


def group_table(spec: CohortSpec, rows: GroupRows, *, weighted: bool) -> pa.Table:
    """The rows of one chunk (every arm of its group, arm after arm) as an Arrow table."""
    import pyarrow as pa

    suffixes = report_columns(spec)
    crit = spec.responders
    parts = []
    for arm, values in rows.values.items():
        n = rows.patient_id.size
        data: dict[str, pa.Array] = {
            "arm": pa.array([arm] * n, type=pa.string()),
            "patient_id": pa.array(rows.patient_id, type=pa.int64()),
            "age_years": pa.array(rows.age_years, type=pa.float64()),
            "bmi_kg_m2": pa.array(rows.bmi_kg_m2, type=pa.float64()),
        }
        if weighted:
            w = np.full(n, np.nan) if rows.weight is None else rows.weight
            data["weight"] = pa.array(w, type=pa.float64())
        for output, v in values.items():
            for j, suffix in enumerate(suffixes):
                data[f"{output}_{suffix}"] = pa.array(np.ascontiguousarray(v[:, j]), type=pa.float64())
        if crit is not None:
            data["responder"] = pa.array(responder_mask(crit, values, column_of(spec, crit.week)), type=pa.bool_())
        parts.append(pa.table(data))
    return pa.concat_tables(parts)


class PatientTableWriter:
    """Writes chunk tables to one Parquet file in a fixed chunk order, buffering chunks that arrive early.

    ``order`` lists the (group, chunk) keys in file order; ``add`` may be called in any order (as Dask chunks
    complete) and writes every chunk whose predecessors are all written. Memory held here is at most the chunks
    that finished ahead of a slower one.
    """

    def __init__(self, path: str | Path, spec: CohortSpec, order: list[tuple[int, int]], *, weighted: bool) -> None:
        self.path = Path(path)
        self.spec = spec
        self.order = list(order)
        self.weighted = weighted
        self._next = 0
        self._early: dict[tuple[int, int], GroupRows] = {}
        self._writer: pq.ParquetWriter | None = None

    def add(self, key: tuple[int, int], rows: GroupRows) -> None:
        """Accept the rows of chunk ``key``; write it and any buffered successors once it is next in order."""
        self._early[key] = rows
        while self._next < len(self.order) and self.order[self._next] in self._early:
            self._write(group_table(self.spec, self._early.pop(self.order[self._next]), weighted=self.weighted))
            self._next += 1

    def _write(self, table: pa.Table) -> None:
        import pyarrow.parquet as pq

        if self._writer is None:
            self._writer = pq.ParquetWriter(self.path, table.schema)
        self._writer.write_table(table, row_group_size=max(table.num_rows, 1))

    def close(self) -> None:
        """Finish the file; if chunks are missing, remove it and raise (it would not hold the whole trial)."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if self._next < len(self.order):
            self.path.unlink(missing_ok=True)
            raise RuntimeError(f"per-patient table incomplete: {len(self.order) - self._next} chunks not written")

    def __enter__(self) -> PatientTableWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc_type is None:
            self.close()
            return
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        self.path.unlink(missing_ok=True)  # a run that failed leaves no partial table behind
