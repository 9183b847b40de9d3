"""The district roll-up: the sum over offices of every cell of tables 二, 三 and 四, as a `ReportData`.

The sum has the shape of one office's data, so it can be laid out as the official tables (the review page,
the district total sheet of 年报汇总.xlsx) and written as a data file (`build --rollup 汇总.yaml`) from
which the district starts its own combined report. Only offices whose data passed its checks are summed.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .model import Cell, Number, Paragraph, ReportData, SubPart
from .problems import Location

ROLLUP_OFFICE = "全区汇总"
SHARED_FACTS = ("地区", "年度", "公开网站", "网址")
TO_REWRITE = "【待改写】"


def sum_reports(reports: Sequence[ReportData], office: str = ROLLUP_OFFICE) -> ReportData:
    """Cell by cell sum of `reports` (all of one template; totals computed). Facts that every office shares
    (地区, 年度, 公开网站, 网址) are kept; the text parts are left empty."""
    if not reports:
        raise ValueError("no report to sum")
    spec = reports[0].spec
    total = ReportData(path=Path(f"{office}.yaml"), source=office, spec=spec)
    for key in spec.cell_keys():
        value: Number = sum((r.value(*key) for r in reports), 0)
        total.cells[key] = Cell(value, None)
    for fact in SHARED_FACTS:
        values = {r.facts.get(fact) for r in reports}
        if len(values) == 1 and None not in values:
            total.facts[fact] = values.pop() or ""
    total.facts["机关"] = office
    return total


def cell_values(report: ReportData) -> tuple[Number, ...]:
    """The report's table cells in the order of a roll-up's cells (`sum_reports`): what `add_values` adds."""
    cells = report.cells
    values = tuple(cells[key].value for key in report.spec.cell_keys())
    if None in values:  # never for a report handed on by a reader: said as ReportData.value says it
        for key in report.spec.cell_keys():
            report.value(*key)
    return values  # type: ignore[return-value]  # no None left


def add_values(total: ReportData, values: Sequence[Number], facts: dict[str, str]) -> None:
    """`add_report` for an office whose cells were taken by `cell_values` (in another process)."""
    if len(values) != len(total.cells):
        raise ValueError("cell values of another template")
    for cell, value in zip(total.cells.values(), values, strict=True):
        cell.value = (cell.value or 0) + value
    for fact in SHARED_FACTS:
        if fact in total.facts and facts.get(fact) != total.facts[fact]:
            del total.facts[fact]


def add_report(total: ReportData, report: ReportData) -> None:
    """Add one more office (of the same template) to a roll-up made by `sum_reports`, cell by cell; a shared
    fact on which this office differs is dropped."""
    for key, cell in total.cells.items():
        cell.value = (cell.value or 0) + report.value(*key)
    for fact in SHARED_FACTS:
        if fact in total.facts and report.facts.get(fact) != total.facts[fact]:
            del total.facts[fact]


def with_placeholder_texts(total: ReportData, offices: Sequence[str]) -> ReportData:
    """The roll-up with every required text part holding a short 【待改写】 note, so that the data file
    written from it reads cleanly and `check` keeps reminding until the district has written its text."""
    where = Location(total.source)
    summed = f"{TO_REWRITE}以下数字是{'、'.join(offices)}共 {len(offices)} 个机关的数据之和，请按本机关的实际情况撰写。"
    for part in total.spec.parts:
        if part.kind == "paragraphs":
            if part.required:
                total.paragraphs[part.context] = [Paragraph(f"{TO_REWRITE}请填写{part.key}。", where)]
        elif part.kind == "sections":
            for section in part.sections:
                total.paragraphs[section.context] = [Paragraph(f"{TO_REWRITE}请填写{section.key}。", where)]
        else:
            total.paragraphs[part.context] = [Paragraph(summed, where)]
            total.subparts[part.context] = [
                SubPart(f"（{numeral}）{name}情况", where, [Paragraph(f"{TO_REWRITE}请填写{name}情况。", where)])
                for numeral, (name, _) in zip("一二三四五六七八九十", part.aspects, strict=False)
            ]
    return total
