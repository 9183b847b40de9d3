"""rollup.cell_values: the cells of a report in the roll-up's order, read with the cell keys made once per
template; a value never computed is said as ReportData.value says it."""

from __future__ import annotations

import pytest

from nianbao.district import defaults_for
from nianbao.load import load_report
from nianbao.model import ReportData
from nianbao.rollup import _cell_keys, cell_values, sum_reports

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
    assert list(sum_reports([report]).cells) == list(_cell_keys(report.spec))
    assert _cell_keys(report.spec) is _cell_keys(report.spec)  # made once per template


def test_a_value_never_computed_is_the_same_error_as_reading_it() -> None:
    report = _report()
    key = list(_cell_keys(report.spec))[5]
    report.cells[key].value = None
    with pytest.raises(Exception) as by_value:
        report.value(*key)
    with pytest.raises(type(by_value.value)) as by_cells:
        cell_values(report)
    assert str(by_cells.value) == str(by_value.value)
