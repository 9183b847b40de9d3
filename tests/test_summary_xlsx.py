"""The summary workbook's sheets 汇总 and 问题清单 are written as SpreadsheetML by summary.SummaryBook, not
by openpyxl's per-cell writer: read back, every cell (value and style), width and frozen pane is what the
openpyxl-written workbook held, for a district with built, failed and skipped offices, warnings and errors."""

from __future__ import annotations

import io
import os
import shutil
import zipfile
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import IllegalCharacterError

from nianbao import summary
from nianbao.batch import OfficeOutcome, Status
from nianbao.errors import FileTrouble
from nianbao.form_writer import workbook_bytes
from nianbao.problems import Location, Problem, Severity
from nianbao.review_page import add_total_sheet, write_district_outputs, write_summary_xlsx
from nianbao.runs import build_paths
from nianbao.summary import SUMMARY_FILE, SummaryBook, Tally

from .conftest import ROOT

DISTRICT = ROOT / "data" / "龙马潭区" / "2024"
COPYING = ROOT / "tests" / "fixtures" / "same-text" / "雷同街道.yaml"
UNBALANCED = ROOT / "tests" / "fixtures" / "broken-district" / "不平衡街道.yaml"


def openpyxl_summary(outcomes: Sequence[OfficeOutcome], tally: Tally | None = None) -> Any:
    """The summary workbook as openpyxl wrote it before SummaryBook (the reference)."""
    bold = Font(bold=True)
    fills = {Status.FAILED: PatternFill("solid", fgColor="FFE0E0"),
             Status.SKIPPED: PatternFill("solid", fgColor="FFF4CC")}
    book = Workbook(write_only=True)
    sheet = book.create_sheet("汇总")
    problems = book.create_sheet("问题清单")
    tally = tally or Tally(outcomes)
    header = [*tally.header, "数据文件", "报告文件", "说明"]
    for index, width in enumerate([16, 10, *[8] * (len(header) - 5), 36, 44, 60], start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "B2"
    sheet.append(styled(sheet, header, font=bold, alignment=Alignment(horizontal="center")))
    for index, width in enumerate([16, 36, 6, 80, 60], start=1):
        problems.column_dimensions[get_column_letter(index)].width = width
    problems.freeze_panes = "A2"
    problems.append(styled(problems, ["机关", "位置", "类别", "问题", "修改办法"], font=bold))
    for outcome in outcomes:
        target = outcome.target.name if outcome.target is not None else ""
        figures = [outcome.figures.get(label) for label in tally.labels]
        cells: list[Any] = [outcome.office, outcome.status.value, *figures, outcome.errors, outcome.warnings,
                            outcome.display, target, outcome.note]
        if outcome.status in fills:
            cells[1] = styled(sheet, [cells[1]], fill=fills[outcome.status])[0]
        sheet.append(cells)
        if outcome.note and outcome.status is Status.FAILED:
            problems.append([outcome.office, outcome.display, "错误", outcome.note, ""])
        for problem in outcome.problems:
            problems.append([outcome.office, str(problem.location), problem.severity.value, problem.message,
                             problem.hint])
    sheet.append(styled(sheet, tally.total_row(), font=bold))
    return book


def styled(sheet: Any, values: Sequence[Any], **style: Any) -> list[Any]:
    cells = []
    for value in values:
        cell = WriteOnlyCell(sheet, value=value)
        for name, setting in style.items():
            setattr(cell, name, setting)
        cells.append(cell)
    return cells


def assert_same_workbooks(written: bytes, reference: bytes) -> None:
    ours, theirs = load_workbook(io.BytesIO(written)), load_workbook(io.BytesIO(reference))
    assert ours.sheetnames == theirs.sheetnames
    for mine, old in zip(ours.worksheets, theirs.worksheets, strict=True):
        assert (mine.max_row, mine.max_column) == (old.max_row, old.max_column), mine.title
        assert mine.freeze_panes == old.freeze_panes
        assert {k: d.width for k, d in mine.column_dimensions.items()} == \
            {k: d.width for k, d in old.column_dimensions.items()}
        assert {str(r) for r in mine.merged_cells.ranges} == {str(r) for r in old.merged_cells.ranges}
        for row_mine, row_old in zip(mine.iter_rows(), old.iter_rows(), strict=True):
            for a, b in zip(row_mine, row_old, strict=True):
                where = (mine.title, a.coordinate)
                assert (a.value, a.data_type) == (b.value, b.data_type), where
                assert style_of(a) == style_of(b), where


def style_of(cell: Any) -> list[str]:
    # The style proxies do not compare with each other: compare what they hold.
    return [repr(getattr(cell, name)) for name in ("font", "fill", "alignment", "border", "protection")] + \
        [cell.number_format, cell.style]


def problem(severity: Severity, line: int, message: str, hint: str = "") -> Problem:
    return Problem(severity, Location("甲.yaml", line), message, hint)


TRICKY = [
    OfficeOutcome(Path("甲.yaml"), "甲.yaml", "甲 & <乙>", Status.BUILT, {"新收": 3, "金额": 1.25},
                  [problem(Severity.WARNING, 4, " 前后有空格 ", "改 \"它\" & 'x'")], Path("out/甲.docx")),
    OfficeOutcome(Path("乙.yaml"), "乙.yaml", "=SUM(A1)", Status.FAILED, {},
                  [problem(Severity.ERROR, 0, "表三不平衡", "核对"), problem(Severity.ERROR, 9, "#N/A")],
                  note="无法读入\r\n第二行"),
    OfficeOutcome(Path("丙.yaml"), "丙.yaml", "丙", Status.SKIPPED, {"新收": Decimal("2.50"), "上年": 10 ** 17},
                  note="已是最新"),
    OfficeOutcome(Path("丁.yaml"), "丁.yaml", "=", Status.PASSED, {"金额": 0.1 + 0.2}),
]


def test_summary_sheets_hold_what_openpyxl_wrote_for_tricky_values(tmp_path):
    write_summary_xlsx(TRICKY, tmp_path / SUMMARY_FILE)
    reference = io.BytesIO()
    openpyxl_summary(TRICKY).save(reference)
    assert_same_workbooks((tmp_path / SUMMARY_FILE).read_bytes(), reference.getvalue())


def test_a_character_a_worksheet_cannot_hold_is_refused_as_before():
    outcome = OfficeOutcome(Path("甲.yaml"), "甲.yaml", "甲\x07", Status.BUILT)
    summary = SummaryBook([outcome])
    saved = io.BytesIO()
    summary.book.save(saved)
    with pytest.raises(IllegalCharacterError):
        summary.fill(saved.getvalue())


def test_the_cell_checks_are_openpyxls():
    from openpyxl.cell import cell

    assert summary._ILLEGAL_CHARACTERS.pattern == cell.ILLEGAL_CHARACTERS_RE.pattern
    assert summary._ERROR_CODES == cell.ERROR_CODES


def test_district_summary_workbook_matches_the_openpyxl_written_one(tmp_path):
    folder = tmp_path / "2024"
    folder.mkdir()
    for path in [*DISTRICT.glob("*.yaml"), COPYING, UNBALANCED]:
        shutil.copy(path, folder / path.name)
    (folder / "坏文件.yaml").write_text("单位: [\n", encoding="utf-8")  # cannot be read: a failed office
    out = tmp_path / "out"
    here = os.getcwd()
    os.chdir(folder)
    try:
        result = build_paths(["."], out, jobs=1, write_summary=False)
        review = write_district_outputs(result, out)
    finally:
        os.chdir(here)
    outcomes = list(result.outcomes)
    assert {o.status for o in outcomes} >= {Status.BUILT, Status.FAILED}
    assert any(p.is_error for o in outcomes for p in o.problems)
    assert any(not p.is_error for o in outcomes for p in o.problems)  # the same-text warnings
    book = openpyxl_summary(outcomes, review.tally)
    assert review.total is not None
    add_total_sheet(book, review.total, review.included)
    assert_same_workbooks((out / SUMMARY_FILE).read_bytes(), workbook_bytes(book))


def test_the_summary_of_named_offices_is_saved_as_the_district_one_is(tmp_path):
    """write_summary_xlsx (build of several named files) saves through the same steps as the district run:
    fonts in the schema's order (openpyxl writes `name` first, which the OOXML validator rejects)."""
    write_summary_xlsx(TRICKY, tmp_path / SUMMARY_FILE)
    with zipfile.ZipFile(tmp_path / SUMMARY_FILE) as archive:
        styles = archive.read("xl/styles.xml")
    assert b"<font>" in styles or b"<font " in styles
    assert b"<font><name " not in styles and b"<font><name/>" not in styles


def _rewritten(saved: bytes, change) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(saved))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item)
            target.writestr(item.filename, change(content) if item.filename.startswith("xl/worksheets/") else content)
    return out.getvalue()


def test_the_rows_go_into_either_form_of_an_empty_sheet_and_a_third_is_said_in_chinese():
    def saved_book() -> tuple[SummaryBook, bytes]:
        summary = SummaryBook(TRICKY)
        saved = io.BytesIO()
        summary.book.save(saved)  # fill knows the sheets' members once the book is saved
        return summary, saved.getvalue()

    summary, saved = saved_book()
    expected = summary.fill(saved)
    assert len(load_workbook(io.BytesIO(expected))["汇总"]["A"]) > len(TRICKY)  # the rows are there
    summary, saved = saved_book()
    self_closed = _rewritten(saved, lambda c: c.replace(b"<sheetData></sheetData>", b"<sheetData/>"))
    assert b"<sheetData/>" in zipfile.ZipFile(io.BytesIO(self_closed)).read("xl/worksheets/sheet1.xml")
    assert_same_workbooks(summary.fill(self_closed), expected)
    summary, saved = saved_book()
    missing = _rewritten(saved, lambda c: c.replace(b"<sheetData></sheetData>", b""))
    with pytest.raises(FileTrouble) as trouble:
        summary.fill(missing)
    assert "汇总表没有写成" in trouble.value.message and "xl/worksheets/" in trouble.value.message
