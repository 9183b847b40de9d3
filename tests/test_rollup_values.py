"""rollup.cell_values: the cells of a report in the roll-up's order, read with the cell keys made once per
template; a value never computed is said as ReportData.value says it."""

from __future__ import annotations

import pytest

from nianbao import rollup
from nianbao.district import defaults_for
from nianbao.load import load_report
from nianbao.model import ReportData
from nianbao.rollup import cell_values, sum_reports

from .conftest import ROOT

OFFICE = ROOT / "data" / "龙马潭区" / "2024" / "小市街道.yaml"


def _report() -> ReportData:
    report, problems = load_report(OFFICE, defaults=defaults_for(OFFICE))
    assert report is not None and not any(p.is_error for p in problems)
    return report


def test_cell_values_are_each_cell_in_the_order_of_a_roll_up() -> None:
    report = _report()
    expected = tuple(report.value(t.id, r.id, c.id) for t in report.spec.tables for r in t.rows for c in r.columns)
    assert cell_values(report) == expected
    assert list(sum_reports([report]).cells) == list(report.spec.cell_keys())
    assert report.spec.cell_keys() is report.spec.cell_keys()  # made once per template


def test_a_value_never_computed_is_the_same_error_as_reading_it() -> None:
    report = _report()
    key = list(report.spec.cell_keys())[5]
    report.cells[key].value = None
    with pytest.raises(Exception) as by_value:
        report.value(*key)
    with pytest.raises(type(by_value.value)) as by_cells:
        cell_values(report)
    assert str(by_cells.value) == str(by_value.value)


def test_the_cell_keys_are_kept_on_the_spec_never_stale_and_never_pickled() -> None:
    """No module-level cache keyed by id(spec) (it kept every Spec alive); a table replaced on the spec gets
    keys of its own."""
    import dataclasses
    import gc
    import pickle
    import weakref

    assert not hasattr(rollup, "_KEYS")
    report = _report()
    spec = report.spec
    keys = spec.cell_keys()
    assert pickle.loads(pickle.dumps(spec))._cells is None
    copy = pickle.loads(pickle.dumps(spec))
    report.spec = copy  # a district run with a template read again: rolled up, then let go
    values = cell_values(report)
    assert list(sum_reports([report]).cells) == list(keys) and copy.cell_keys() == keys
    report.spec = spec
    assert cell_values(report) == values
    gone = weakref.ref(copy)
    del copy
    gc.collect()
    assert gone() is None
    first = spec.tables[0]
    spec.tables[0] = dataclasses.replace(first, rows=first.rows[:1])
    try:
        assert spec.cell_keys() == tuple(k for k in keys if k[0] != first.id or k[1] == first.rows[0].id)
    finally:
        spec.tables[0] = first
    assert spec.cell_keys() == keys
