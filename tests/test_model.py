"""ReportData.sum_of, the one loop that sums cells (check's balance rules and text_rules use it), and
ReportData.value: the same numbers and the same error for a total read before it was computed."""

from __future__ import annotations

from decimal import Decimal

import pytest

from nianbao.load import load_report
from nianbao.model import Cell

from .conftest import ROOT

OFFICE = ROOT / "data" / "龙马潭区" / "2024" / "安宁街道.yaml"


def test_sum_of_is_the_sum_of_the_values() -> None:
    report, _ = load_report(OFFICE)
    assert report is not None
    keys = list(report.cells)[:40]
    assert report.sum_of(keys) == sum(report.value(*k) for k in keys)
    assert report.sum_of([]) == 0
    key = keys[0]
    report.cells[key] = Cell(Decimal("1.5"))
    assert report.sum_of([key, key]) == Decimal("3.0")


def test_a_total_not_computed_is_the_same_error_either_way() -> None:
    report, _ = load_report(OFFICE)
    assert report is not None
    key = next(iter(report.cells))
    report.cells[key] = Cell(None)
    message = f"{' '.join(key)}: total not computed (use load_report or read_report)"
    with pytest.raises(ValueError, match="total not computed") as by_sum:
        report.sum_of([key])
    with pytest.raises(ValueError, match="total not computed") as by_value:
        report.value(*key)
    assert str(by_sum.value) == str(by_value.value) == message
