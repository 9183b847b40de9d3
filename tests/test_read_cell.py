"""values.read_cell: a number cell's text read once for its verdict and the number it surely means, so
the loader no longer works out `certain_number` twice for a cell written wrongly."""

from __future__ import annotations

from decimal import Decimal

import pytest

from nianbao import values
from nianbao.load import load_report
from nianbao.problems import Location
from nianbao.values import certain_number, number_problem, read_cell

from .conftest import ROOT

OFFICE = ROOT / "data" / "龙马潭区" / "2024" / "安宁街道.yaml"
TEXTS = ["0", " 12 ", "１２", "12件", "1,234", "-3", "1.5", "1e3", "十二", "无", "'7'", "“8”", "", "  ",
         "9999999999", "１２３４５６７８９０", "0.092", "12万元", "abc", "1 000"]


@pytest.mark.parametrize("kind", ["count", "amount"])
@pytest.mark.parametrize("text", TEXTS)
def test_read_cell_is_number_problem_with_its_number(text: str, kind: str) -> None:
    where = Location("x.yaml", 3)
    value, problem = read_cell(text, where, "表三「一」行「总计」栏", kind)
    assert problem == number_problem(text, where, "表三「一」行「总计」栏", kind)
    if problem is None:
        assert value == values.read_number(text, kind)
    else:
        assert value == (certain_number(text, kind) if text.strip() else None)
    assert value is None or isinstance(value, Decimal if kind == "amount" else int)


def test_a_wrong_cell_is_worked_out_once(tmp_path, monkeypatch) -> None:
    text = OFFICE.read_text(encoding="utf-8")
    line = "  一、本年新收政府信息公开申请数量: [0, 0, 0, 0, 0, 0, 0]"
    assert line in text
    data = tmp_path / OFFICE.name
    data.write_text(text.replace(line, line.replace("[0,", "[１２件,")), encoding="utf-8")
    calls: list[str] = []
    original = values.certain_number

    def counted(value: str, kind: str):
        calls.append(value)
        return original(value, kind)

    monkeypatch.setattr(values, "certain_number", counted)
    import nianbao.load

    monkeypatch.setattr(nianbao.load, "certain_number", counted, raising=False)  # where it was called again
    report, problems = load_report(data)
    assert report is not None
    assert calls == ["１２件"]
    assert any("１２件" in p.message for p in problems)
    key = next(k for k in report.cells if k[0] == "表三" and report.cells[k].value == 12)
    assert key not in report.invalid_cells


@pytest.mark.parametrize(("text", "kind", "expected"), [("0.092", "amount", Decimal("0.092")), ("12", "count", 12)])
def test_a_valid_number_is_read_once(monkeypatch, text: str, kind: str, expected: object) -> None:
    """A valid cell's number serves both the bound check and the value: read_number runs once per cell."""
    calls: list[str] = []
    original = values.read_number

    def counted(text: str, kind: str):  # type: ignore[no-untyped-def]
        calls.append(text)
        return original(text, kind)

    monkeypatch.setattr(values, "read_number", counted)
    assert read_cell(text, Location("a.yaml", 1), "单元格", kind) == (expected, None)
    assert calls == [text]
