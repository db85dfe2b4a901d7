"""The per-patient Parquet table (issue 5, ``--out``): one row group per chunk, written in chunk order whatever
order the chunks finish in, so the file is byte-for-byte the same for a seed; a failed run leaves no file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from hpgtwin.trials.spec import validate_spec
from hpgtwin.trials.table import GroupRows, PatientTableWriter, group_table

SPEC = validate_spec({
    "name": "table cohort",
    "n": 7,
    "population": {"age_years": {"mean": 40, "sd": 8}},
    "arms": [{"name": "placebo", "regimen": "none"}, {"name": "ai", "regimen": "anastrozole 1 mg daily"}],
    "duration_weeks": 2,
    "report_weeks": [2],
    "report_days": [3],
    "responders": {"output": "testosterone_ng_dl", "threshold": 1.2},
})


def _rows(chunk: int, size: int) -> GroupRows:
    """Synthetic men (values are arbitrary numbers: this checks the layout, not the model)."""
    rng = np.random.default_rng(chunk)
    ids = np.arange(3 * chunk, 3 * chunk + size)
    values = {arm: {"testosterone_ng_dl": rng.uniform(300, 700, (size, 3)), "lh_iu_l": rng.uniform(2, 8, (size, 3))}
              for arm in ("placebo", "ai")}
    return GroupRows(ids, rng.uniform(30, 50, size), rng.uniform(20, 30, size), None, values)


CHUNKS = {(0, 0): _rows(0, 3), (0, 1): _rows(1, 3), (0, 2): _rows(2, 1)}


def _write(path: Path, keys: list[tuple[int, int]]) -> bytes:
    with PatientTableWriter(path, SPEC, list(CHUNKS), weighted=False) as writer:
        for key in keys:
            writer.add(key, CHUNKS[key])
    return path.read_bytes()


def test_chunks_arriving_out_of_order_give_the_same_bytes(tmp_path: Path) -> None:
    in_order = _write(tmp_path / "a.parquet", [(0, 0), (0, 1), (0, 2)])
    assert _write(tmp_path / "b.parquet", [(0, 2), (0, 0), (0, 1)]) == in_order
    assert _write(tmp_path / "c.parquet", [(0, 1), (0, 2), (0, 0)]) == in_order


def test_one_row_group_per_chunk_arm_after_arm(tmp_path: Path) -> None:
    _write(tmp_path / "men.parquet", [(0, 1), (0, 0), (0, 2)])
    f = pq.ParquetFile(tmp_path / "men.parquet")
    assert f.metadata.num_row_groups == 3
    assert [f.metadata.row_group(i).num_rows for i in range(3)] == [6, 6, 2]  # 2 arms x men of the chunk
    frame = f.read().to_pandas()
    assert frame["arm"].tolist()[:6] == ["placebo"] * 3 + ["ai"] * 3
    assert frame["patient_id"].tolist() == [0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5, 6, 6]
    assert list(frame.columns[:4]) == ["arm", "patient_id", "age_years", "bmi_kg_m2"]
    assert {"testosterone_ng_dl_baseline", "testosterone_ng_dl_week_2", "lh_iu_l_day_3", "responder"} <= set(frame)
    t = CHUNKS[(0, 0)].values["ai"]["testosterone_ng_dl"]
    assert frame["responder"].tolist()[3:6] == list(t[:, 1] >= 1.2 * t[:, 0])


def test_weighted_table_has_a_weight_column() -> None:
    rows = CHUNKS[(0, 0)]
    table = group_table(SPEC, GroupRows(rows.patient_id, rows.age_years, rows.bmi_kg_m2, np.full(3, 0.5), rows.values),
                        weighted=True)
    assert table.column("weight").to_pylist() == [0.5] * 6


def test_failed_or_incomplete_run_leaves_no_table(tmp_path: Path) -> None:
    path = tmp_path / "men.parquet"
    with pytest.raises(ZeroDivisionError), PatientTableWriter(path, SPEC, list(CHUNKS), weighted=False) as writer:
        writer.add((0, 0), CHUNKS[(0, 0)])
        raise ZeroDivisionError
    assert not path.exists()
    with pytest.raises(RuntimeError, match="incomplete"):
        _write(path, [(0, 0), (0, 2)])
    assert not path.exists()
