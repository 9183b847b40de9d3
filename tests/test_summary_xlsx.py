"""The summary workbook is written without openpyxl on a build: sheets 汇总 and 问题清单 as SpreadsheetML by
summary.SummaryBook, into a frame (styles, layout, the district total sheet) made once with openpyxl and kept
in the cache (summary_xlsx). Read back, every cell (value, type and style), width, merged range, frozen pane,
named style and conditional format is what the openpyxl-written workbook held, for a district with built,
failed and skipped offices, warnings and errors, and for the bundled district."""

from __future__ import annotations

import copy
import dataclasses
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
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

from nianbao import summary, summary_xlsx
from nianbao.batch import OfficeOutcome, Status
from nianbao.errors import FileTrouble
from nianbao.form_layout import stacked_layout
from nianbao.form_writer import streamed_copy, workbook_bytes, write_table
from nianbao.model import ReportData
from nianbao.problems import Location, Problem, Severity
from nianbao.review_page import TOTAL_SHEET, write_district_outputs, write_summary_xlsx
from nianbao.runs import build_paths
from nianbao.source import display_name
from nianbao.summary import SUMMARY_FILE, Tally

from .conftest import ROOT
from .debian import needs_debian

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


def add_total_sheet(book: Any, total: ReportData, included: Sequence[str]) -> None:
    """The district total sheet as openpyxl laid it out before the frame (the reference)."""
    from openpyxl.worksheet.worksheet import Worksheet

    sheet = Worksheet(book, TOTAL_SHEET)
    layout = stacked_layout(total.spec, TOTAL_SHEET)
    for table in layout.tables:
        write_table(sheet, table, total, editable=False)
    last = layout.tables[-1].last_row + 2
    sheet.cell(last, 1, f"以上为 {len(included)} 个机关（{'、'.join(included)}）的数据之和，有错误的机关不计入。")
    streamed_copy(book, sheet, 1)


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
    assert [repr(s) for s in ours._named_styles] == [repr(s) for s in theirs._named_styles]
    for mine, old in zip(ours.worksheets, theirs.worksheets, strict=True):
        assert (mine.max_row, mine.max_column) == (old.max_row, old.max_column), mine.title
        assert mine.freeze_panes == old.freeze_panes
        assert {k: d.width for k, d in mine.column_dimensions.items()} == \
            {k: d.width for k, d in old.column_dimensions.items()}
        assert {str(r) for r in mine.merged_cells.ranges} == {str(r) for r in old.merged_cells.ranges}
        assert {k: d.height for k, d in mine.row_dimensions.items()} == \
            {k: d.height for k, d in old.row_dimensions.items()}
        assert [(str(f.sqref), [repr(r) for r in f.rules]) for f in mine.conditional_formatting] == \
            [(str(f.sqref), [repr(r) for r in f.rules]) for f in old.conditional_formatting]
        for row_mine, row_old in zip(mine.iter_rows(), old.iter_rows(), strict=True):
            for a, b in zip(row_mine, row_old, strict=True):
                where = (mine.title, a.coordinate)
                assert (a.value, a.data_type) == (b.value, b.data_type), where
                assert style_of(a) == style_of(b), where


def style_of(cell: Any) -> list[str]:
    # The style proxies do not compare with each other: compare what they hold.
    return [repr(getattr(cell, name)) for name in ("font", "fill", "alignment", "border", "protection")] + \
        [cell.number_format, cell.style]


def main_workbook(outcomes: Sequence[OfficeOutcome], tally: Tally | None = None, total: ReportData | None = None,
                  included: Sequence[str] = ()) -> bytes:
    """The workbook as main wrote it before the frame was kept (the byte reference): an openpyxl write-only
    book with the two sheets' layout and styles and the total sheet laid out by openpyxl, saved with its fonts
    in schema order, then every member written again by zipfile into a seekable buffer, the rows of 汇总 and
    问题清单 (SummaryBook's SpreadsheetML) streamed into their members."""
    tally = tally if tally is not None else Tally(outcomes)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("汇总")
    problems = book.create_sheet("问题清单")
    for index, width in enumerate(summary.summary_widths(len(tally.header) + 3), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "B2"
    for index, width in enumerate(summary.PROBLEM_WIDTHS, start=1):
        problems.column_dimensions[get_column_letter(index)].width = width
    problems.freeze_panes = "A2"
    bold = Font(bold=True)
    ids = [styled(sheet, [None], **style)[0].style_id for style in (
        {"font": bold, "alignment": Alignment(horizontal="center")}, {"font": bold},
        {"fill": PatternFill("solid", fgColor="FFE0E0")}, {"fill": PatternFill("solid", fgColor="FFF4CC")})]
    if total is not None:
        add_total_sheet(book, total, included)
    saved = workbook_bytes(book)
    rows = summary.SummaryBook(outcomes, summary.SummaryStyles(*map(str, ids)), tally)
    problem_rows: list[str] = []
    summary_rows = list(rows.summary_rows(problem_rows.append))
    filled = {str(sheet.path).lstrip("/"): summary_rows, str(problems.path).lstrip("/"): problem_rows}
    source = zipfile.ZipFile(io.BytesIO(saved))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item)
            info = zipfile.ZipInfo(item.filename, item.date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            if item.filename not in filled:
                target.writestr(info, content)
                continue
            head, tail = content.split(b"<sheetData></sheetData>")
            with target.open(info, "w") as member:
                member.write(head + b"<sheetData>")
                for row in filled[item.filename]:
                    member.write(row.encode("utf-8"))
                member.write(b"</sheetData>" + tail)
    return out.getvalue()


def raw_members(data: bytes) -> list[tuple[Any, ...]]:
    """Each member as stored: name, flags, compression, date, attributes, versions, CRC, sizes, and its local
    header and compressed bytes as they are in the file (docProps/core.xml, whose time is the run's, by name)."""
    members = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for item in archive.infolist():
            start = item.header_offset
            name_length, extra_length = int.from_bytes(data[start + 26 : start + 28], "little"), \
                int.from_bytes(data[start + 28 : start + 30], "little")
            end = start + 30 + name_length + extra_length + item.compress_size
            stored = None if item.filename == "docProps/core.xml" else data[start:end]
            members.append((item.filename, item.flag_bits, item.compress_type, item.date_time, item.external_attr,
                            item.create_version, item.extract_version, item.create_system, stored))
    return members


def test_the_members_are_stored_byte_for_byte_as_main_wrote_them(tmp_path):
    write_summary_xlsx(TRICKY, tmp_path / SUMMARY_FILE)
    written = (tmp_path / SUMMARY_FILE).read_bytes()
    reference = main_workbook(TRICKY)
    assert raw_members(written) == raw_members(reference)
    assert all(flags == 0 for _, flags, *_ in raw_members(written))  # sizes in the headers, no data descriptors
    # Only core.xml's time differs: the files are the same length, and the same but for its member.
    assert len(written) == len(reference)


def test_the_district_workbook_is_stored_byte_for_byte_as_main_wrote_it(bundled_district):
    result, review, out = bundled_district
    assert review.total is not None
    reference = main_workbook(list(result.outcomes), review.tally, review.total, review.included)
    written = (out / SUMMARY_FILE).read_bytes()
    assert raw_members(written) == raw_members(reference)
    total = zipfile.ZipFile(io.BytesIO(written)).read("xl/worksheets/sheet2.xml")
    assert "以上为".encode() not in total and b"&#20197;&#19978;&#20026;" in total  # as openpyxl writes it


def summary_workbook_bytes(outcomes: Sequence[OfficeOutcome], tally: Tally | None = None,
                           total: ReportData | None = None, included: Sequence[str] = ()) -> bytes:
    """The workbook as write_summary_workbook writes it (the running function), read back."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / SUMMARY_FILE
        summary_xlsx.write_summary_workbook(path, outcomes, tally, total, included)
        return path.read_bytes()


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


def test_a_character_a_worksheet_cannot_hold_is_left_out_as_load_cleans_text():
    # Every character openpyxl refuses (a bell pasted from Word, a vertical tab, ...), in every text cell
    # of both sheets (a file name's byte that is not UTF-8 is U+FFFD already in its display name).
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    refused = "".join(chr(code) for code in range(32) if ILLEGAL_CHARACTERS_RE.match(chr(code)))
    assert len(refused) == 29
    problem = Problem(Severity.ERROR, Location("甲\x07.yaml", 3), f"说明{refused}有误", "提示\x0b")
    outcomes = [OfficeOutcome(Path("甲\x07.yaml"), f"甲{refused}.yaml", "甲\x07机关", Status.FAILED, note="说明\x1f",
                              problems=[problem]),
                OfficeOutcome(Path("乙\udcff.yaml"), display_name(Path("乙\udcff.yaml")), "乙", Status.BUILT)]
    book = load_workbook(io.BytesIO(summary_workbook_bytes(outcomes)))
    values = [value for sheet in book for row in sheet.iter_rows(values_only=True) for value in row
              if isinstance(value, str)]
    assert "甲机关" in values and "甲.yaml" in values and "说明" in values and "乙\ufffd.yaml" in values
    assert "说明有误" in values and "提示" in values
    assert not any(ILLEGAL_CHARACTERS_RE.search(value) for value in values)


def test_the_cell_checks_are_openpyxls():
    from openpyxl.cell import cell

    assert summary._ILLEGAL_CHARACTERS.pattern == cell.ILLEGAL_CHARACTERS_RE.pattern
    assert summary._ERROR_CODES == cell.ERROR_CODES


def test_district_summary_workbook_matches_the_openpyxl_written_one(tmp_path):
    result, review, out = district_run(tmp_path, [*DISTRICT.glob("*.yaml"), COPYING, UNBALANCED], broken=True)
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


def district_run(tmp_path: Path, files: Sequence[Path], broken: bool = False) -> tuple[Any, Any, Path]:
    folder = tmp_path / "2024"
    folder.mkdir()
    for path in files:
        shutil.copy(path, folder / path.name)
    if broken:
        (folder / "坏文件.yaml").write_text("单位: [\n", encoding="utf-8")
    out = tmp_path / "out"
    here = os.getcwd()
    os.chdir(folder)
    try:
        result = build_paths(["."], out, jobs=1, write_summary=False)
        review = write_district_outputs(result, out)
    finally:
        os.chdir(here)
    return result, review, out


def test_the_bundled_district_workbook_matches_the_openpyxl_written_one(tmp_path):
    result, review, out = district_run(tmp_path, sorted(DISTRICT.glob("*.yaml")))
    outcomes = list(result.outcomes)
    assert len(outcomes) == 13 and review.total is not None
    book = openpyxl_summary(outcomes, review.tally)
    add_total_sheet(book, review.total, review.included)
    assert_same_workbooks((out / SUMMARY_FILE).read_bytes(), workbook_bytes(book))


@pytest.fixture(scope="module")
def bundled_district(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any, Path]:
    return district_run(tmp_path_factory.mktemp("bundled-district"), sorted(DISTRICT.glob("*.yaml")))


def frames(folder: Path) -> list[Path]:
    return sorted(folder.glob("summary-frame-*.bin"))


@pytest.fixture
def own_cache(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("NIANBAO_CACHE_DIR", str(folder))
    return folder


def test_a_frame_is_made_once_then_read_from_the_cache_without_openpyxl(own_cache, monkeypatch):
    first = summary_workbook_bytes(TRICKY)
    assert len(frames(own_cache)) == 1

    def no_openpyxl(*args: Any) -> Any:
        raise AssertionError("the frame was made again")

    monkeypatch.setattr(summary_xlsx, "build_frame", no_openpyxl)
    again = summary_workbook_bytes(TRICKY)
    assert_same_workbooks(again, first)


def test_a_damaged_or_foreign_cache_entry_is_made_again(own_cache):
    expected = summary_workbook_bytes(TRICKY)
    (entry,) = frames(own_cache)
    good = entry.read_bytes()
    damaged = [
        good[: len(good) // 2],  # cut short
        good[:-10] + bytes(b ^ 0xFF for b in good[-10:]),  # bits flipped: the digest no longer matches
        b"",
        b"not a frame at all",
    ]
    for bad in damaged:
        entry.write_bytes(bad)
        assert_same_workbooks(summary_workbook_bytes(TRICKY), expected)
        assert entry.read_bytes() != bad  # made again and kept
    # A sound entry (its digest right) whose sheets have lost their places is not used either.
    meta, saved = summary_xlsx._unpack(good)
    meta["summary"] = "xl/worksheets/missing.xml"
    entry.write_bytes(summary_xlsx._pack(meta, saved))
    assert_same_workbooks(summary_workbook_bytes(TRICKY), expected)


def test_a_cache_folder_that_cannot_be_written_costs_only_the_frame(tmp_path, monkeypatch):
    blocker = tmp_path / "a file"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv("NIANBAO_CACHE_DIR", str(blocker / "cache"))
    reference = io.BytesIO()
    openpyxl_summary(TRICKY).save(reference)
    assert_same_workbooks(summary_workbook_bytes(TRICKY), reference.getvalue())


def test_a_changed_template_gets_a_new_frame(tmp_path, own_cache):
    result, review, out = district_run(tmp_path, sorted(DISTRICT.glob("*.yaml")))
    assert review.total is not None and len(frames(own_cache)) == 1
    spec = copy.deepcopy(review.total.spec)
    spec.tables[0].key = spec.tables[0].key + "（改）"  # the table's title, as a changed fields.yaml gives it
    changed = dataclasses.replace(review.total, spec=spec)
    written = summary_workbook_bytes(list(result.outcomes), review.tally, changed, review.included)
    assert len(frames(own_cache)) == 2
    sheet = load_workbook(io.BytesIO(written))[TOTAL_SHEET]
    assert sheet["A1"].value == spec.tables[0].key
    book = openpyxl_summary(list(result.outcomes), review.tally)
    add_total_sheet(book, changed, review.included)
    assert_same_workbooks(written, workbook_bytes(book))


def test_a_frame_whose_sheets_have_no_place_for_the_rows_is_refused():
    meta, saved = summary_xlsx.build_frame(9, None, None)
    frame = summary_xlsx.parse_frame(meta, saved)
    assert frame.total_member is None and frame.summary_member != frame.problems_member

    def rewritten(change: Any) -> bytes:
        source = zipfile.ZipFile(io.BytesIO(saved))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
            for item in source.infolist():
                content = source.read(item)
                target.writestr(item.filename, change(content) if item.filename == meta["summary"] else content)
        return out.getvalue()

    self_closed = rewritten(lambda c: c.replace(b"<sheetData></sheetData>", b"<sheetData/>"))
    assert b"<sheetData/>" in zipfile.ZipFile(io.BytesIO(self_closed)).read(meta["summary"])
    summary_xlsx.parse_frame(meta, self_closed)  # either empty form takes the rows
    with pytest.raises(ValueError):
        summary_xlsx.parse_frame(meta, rewritten(lambda c: c.replace(b"<sheetData></sheetData>", b"")))


def test_an_openpyxl_that_writes_its_sheets_otherwise_is_said_in_chinese(own_cache, monkeypatch):
    made = summary_xlsx.build_frame

    def other(*args: Any) -> Any:
        meta, saved = made(*args)
        meta["summary"] = "xl/worksheets/elsewhere.xml"
        return meta, saved

    monkeypatch.setattr(summary_xlsx, "build_frame", other)
    with pytest.raises(FileTrouble) as trouble:
        summary_workbook_bytes(TRICKY)
    assert trouble.value.message == (
        "openpyxl 生成的汇总表骨架中的 xl/worksheets/elsewhere.xml 不是 nianbao 预期的格式，汇总表没有写成；报告已生成。"
        "请安装 nianbao 要求的 openpyxl 版本（重新运行 pip install nianbao），或把这条信息反馈给维护者")
    assert not frames(own_cache)  # nothing unusable kept


def test_a_frame_description_openpyxl_cannot_fill_is_said_in_chinese_only(own_cache, monkeypatch):
    made = summary_xlsx.build_frame

    def other(*args: Any) -> Any:
        meta, saved = made(*args)
        meta["styles"] = ["bold", *meta["styles"][1:]]
        return meta, saved

    monkeypatch.setattr(summary_xlsx, "build_frame", other)
    with pytest.raises(FileTrouble) as trouble:
        summary_xlsx.write_summary_workbook(own_cache.parent / SUMMARY_FILE, TRICKY)
    message = trouble.value.message
    assert message.startswith("openpyxl 生成的汇总表骨架不是 nianbao 预期的格式，汇总表没有写成")
    assert not re.search(r"[a-z]{4,}", message.replace("openpyxl", "").replace("nianbao", "").replace("pip install", ""))


def test_the_workbook_is_written_in_pieces(tmp_path):
    many = [OfficeOutcome(Path(f"{n}.yaml"), f"{n}.yaml", f"示例{n}街道", Status.BUILT, {"新收": n},
                          [problem(Severity.WARNING, n, "问题" * 50, "改" * 50)]) for n in range(3000)]
    tally = Tally(many)
    frame = summary_xlsx.load_frame(len(tally.header) + 3, None)
    pieces = list(summary_xlsx.workbook_chunks(frame, summary.SummaryBook(many, frame.styles, tally)))
    assert len(pieces) > 3 and max(map(len, pieces)) < 4 * summary_xlsx._PIECE
    written = b"".join(pieces)
    assert load_workbook(io.BytesIO(written))["问题清单"].max_row == 3001


def test_the_column_letters_are_openpyxls():
    from nianbao.form_layout import get_column_letter as ours

    for column in [*range(1, 800), 18277, 18278]:
        assert ours(column) == get_column_letter(column)
    with pytest.raises(ValueError):
        ours(0)


def test_a_district_build_does_not_import_openpyxl_once_the_frame_is_kept(tmp_path, own_cache):
    folder = tmp_path / "2024"
    folder.mkdir()
    for path in DISTRICT.glob("*.yaml"):
        shutil.copy(path, folder / path.name)
    env = {**os.environ, "NIANBAO_CACHE_DIR": str(own_cache)}
    script = ("import sys, runpy; sys.argv = ['nianbao', *sys.argv[1:]]\n"
              "try:\n    runpy.run_module('nianbao', run_name='__main__')\n"
              "finally:\n    print('OPENPYXL' if 'openpyxl' in sys.modules else 'NO-OPENPYXL', file=sys.stderr)\n")
    for run, expected in ((1, "OPENPYXL"), (2, "NO-OPENPYXL")):
        done = subprocess.run([sys.executable, "-c", script, "build", str(folder), "-j", "1", "-o",
                               str(tmp_path / f"out{run}")], capture_output=True, text=True, env=env)
        assert done.returncode == 0, done.stderr
        assert done.stderr.strip().splitlines()[-1] == expected
        assert load_workbook(tmp_path / f"out{run}" / SUMMARY_FILE).sheetnames == ["汇总", TOTAL_SHEET, "问题清单"]


def reference_row(number: int, letters: list[str], values: Sequence[Any], style: str | None = None,
                  styles: dict[int, str] | None = None) -> str:
    """A row as one summary._cell_xml per cell (what _row_xml wrote before its direct paths)."""
    row = str(number)
    cells = []
    for index, value in enumerate(values):
        cell_style = style if styles is None else styles.get(index)
        if value is None and cell_style is None:
            continue
        cells.append(summary._cell_xml(letters[index] + row, value, cell_style))
    return f'<row r="{row}">{"".join(cells)}</row>'


ROW_VALUES: list[Any] = [
    "甲", "", " 前后 ", "=", "=SUM(A1)", "#N/A", "#n/a", "a & b", "<乙>", "x\r\ny", "\u3000全角空格", "a" * 40000,
    "a" * 32767 + "&", 0, -7, 10**15 - 1, 10**15, -(10**15), 10**17, True, False, 1.25, 0.1 + 0.2, float("nan"),
    Decimal("2.50"), None, Status.BUILT.value,
]


@pytest.mark.parametrize("style, styles", [(None, None), ("3", None), (None, {1: "5", 4: "6"})])
def test_rows_written_directly_are_the_cells_openpyxl_writes(style, styles):
    letters = summary._column_letters(len(ROW_VALUES))
    assert summary._row_xml(7, letters, ROW_VALUES, style, styles) == \
        reference_row(7, letters, ROW_VALUES, style, styles)
    for index in range(len(ROW_VALUES)):  # each value alone: a row without escaping takes the direct path
        alone = [None] * index + [ROW_VALUES[index]]
        assert summary._row_xml(2, letters, alone, style, styles) == reference_row(2, letters, alone, style, styles)


def test_a_row_with_a_character_a_worksheet_cannot_hold_is_cleaned():
    letters = summary._column_letters(3)
    assert summary._row_xml(2, letters, ["甲", "乙\x0b", 3]) == summary._row_xml(2, letters, ["甲", "乙", 3])
    assert summary._row_xml(2, letters, ["a" * 32767 + "\x0b"]) == reference_row(2, letters, ["a" * 32767 + "\x0b"])


@pytest.fixture(scope="module")
def bundled_summary(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("bundled-summary")
    _, review, out = district_run(work, [*sorted(DISTRICT.glob("*.yaml")), UNBALANCED])
    assert review.total is not None and review.excluded  # the unbalanced office is not in the total
    return out / SUMMARY_FILE


def test_the_summary_workbook_passes_the_open_xml_schema_check(bundled_summary):
    audit = pytest.importorskip("openxml_audit")
    result = audit.OpenXmlValidator().validate(bundled_summary)
    # Its only remarks are the semantic note on inline strings, which openpyxl's write-only sheets wrote too.
    assert [str(e) for e in result.errors if not str(e).startswith("[semantic]")] == []
    assert result.error_count == 0


@needs_debian("libreoffice-calc-nogui")
def test_libreoffice_opens_the_summary_workbook_and_recalculates_the_total_sheet(bundled_summary, tmp_path):
    from .test_form import recalculated

    written = load_workbook(bundled_summary)
    recalc = recalculated(bundled_summary, tmp_path)
    assert recalc.sheetnames == ["汇总", TOTAL_SHEET, "问题清单"]
    total = recalc[TOTAL_SHEET]
    statuses = [row[1].value for row in total.iter_rows(min_col=1, max_col=2) if row[0].value == "本表核对"]
    assert statuses and all(status == "通过" for status in statuses)  # the sums of balanced offices balance
    formulas = [(c.coordinate, c.value) for row in written[TOTAL_SHEET].iter_rows() for c in row
                if isinstance(c.value, str) and c.value.startswith("=SUM(")]
    assert formulas and all(isinstance(total[ref].value, int | float) for ref, _ in formulas)  # computed
    assert [c.value for c in recalc["汇总"]["A"]] == [c.value for c in written["汇总"]["A"]]
    assert recalc["问题清单"].max_row == written["问题清单"].max_row


def test_with_the_cache_switched_off_the_frame_is_made_each_time_and_kept_nowhere(tmp_path, monkeypatch):
    monkeypatch.setenv("NIANBAO_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("NIANBAO_CACHE", "0")
    made = []
    build = summary_xlsx.build_frame

    def counted(*args: Any) -> Any:
        made.append(args)
        return build(*args)

    monkeypatch.setattr(summary_xlsx, "build_frame", counted)
    first, second = summary_workbook_bytes(TRICKY), summary_workbook_bytes(TRICKY)
    assert len(made) == 2 and not (tmp_path / "cache").exists()
    assert_same_workbooks(first, second)


class CountedPasses(list):
    """Outcomes that count the passes over them (a district's may be read back from disk one at a time)."""

    passes = 0

    def __iter__(self):
        self.passes += 1
        return super().__iter__()


def test_the_outcomes_are_read_once_for_both_sheets_whether_the_problems_stay_in_memory_or_not(monkeypatch):
    expected = summary_workbook_bytes(TRICKY)
    for spill_at in (summary_xlsx._Deflated.SPILL_AT, 10):  # 10 bytes: the sheets go to temporary files
        monkeypatch.setattr(summary_xlsx._Deflated, "SPILL_AT", spill_at)
        outcomes = CountedPasses(TRICKY)
        tally = Tally(outcomes)
        outcomes.passes = 0
        written = summary_workbook_bytes(outcomes, tally)
        assert outcomes.passes == 1
        assert_same_workbooks(written, expected)


def test_a_frame_with_the_problems_sheet_first_still_reads_the_outcomes_once():
    tally = Tally(TRICKY)
    frame = summary_xlsx.load_frame(len(tally.header) + 3, None)
    expected = b"".join(summary_xlsx.workbook_chunks(frame, summary.SummaryBook(TRICKY, frame.styles, tally)))
    problems = next(m for m in frame.members if m[0] == frame.problems_member)
    frame.members = [problems, *(m for m in frame.members if m is not problems)]
    outcomes = CountedPasses(TRICKY)
    written = b"".join(summary_xlsx.workbook_chunks(frame, summary.SummaryBook(outcomes, frame.styles, tally)))
    assert outcomes.passes == 1
    assert_same_workbooks(written, expected)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_a_temporary_folder_that_cannot_take_the_rows_is_said_as_such(tmp_path, own_cache, monkeypatch, capsys):
    import errno
    import gc

    target = tmp_path / SUMMARY_FILE
    write_summary_xlsx(TRICKY, target)  # the frame kept: only the rows need the temporary folder below
    target.write_bytes(b"the old workbook")

    def full(*args: Any, **kwargs: Any) -> Any:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(tempfile, "TemporaryFile", full)
    monkeypatch.setattr(summary_xlsx._Deflated, "SPILL_AT", 10)  # the rows go to a temporary file at once
    with pytest.raises(FileTrouble) as trouble:
        write_summary_xlsx(TRICKY, target)
    assert trouble.value.message.startswith(f"汇总表无法写入临时文件夹 {tempfile.gettempdir()}：磁盘已满。")
    assert "TMPDIR" in trouble.value.message and str(target) not in trouble.value.message
    assert target.read_bytes() == b"the old workbook" and leftovers(tmp_path) == []
    gc.collect()
    assert capsys.readouterr().err == ""


def test_a_write_that_stops_closes_the_rows_spills_at_once_and_quietly(tmp_path, monkeypatch, capsys):
    """write_atomic stopping on its own error (a full disk at the output folder) leaves the pieces' generator
    unfinished: it is closed there and then (its spills closed, a close that fails is no news), not later by
    the garbage collector with "Exception ignored in: <generator …>" on stderr."""
    import gc

    closed: list[Any] = []
    close = tempfile.SpooledTemporaryFile.close

    def failing_close(self: Any) -> None:
        closed.append(self)
        raise OSError(28, "No space left on device")

    def stopping_write(path: Path, chunks: Any) -> None:
        next(iter(chunks))
        raise FileTrouble("无法写入：磁盘已满")

    monkeypatch.setattr(tempfile.SpooledTemporaryFile, "close", failing_close)
    monkeypatch.setattr(summary_xlsx, "write_atomic", stopping_write)
    with pytest.raises(FileTrouble):
        write_summary_xlsx(TRICKY, tmp_path / SUMMARY_FILE)
    assert len(closed) == 2  # both sheets' spills, before the error reached the caller
    for spill in closed:
        close(spill)  # really, now that the failing close is tested
    gc.collect()
    assert capsys.readouterr().err == ""


def test_a_row_that_cannot_be_made_leaves_the_old_workbook_as_it_was(tmp_path):
    target = tmp_path / SUMMARY_FILE
    write_summary_xlsx(TRICKY, target)
    before = target.read_bytes()
    refused = OfficeOutcome(Path("甲.yaml"), "甲.yaml", "甲", Status.BUILT, note=object())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="Cannot convert"):
        write_summary_xlsx([*TRICKY, refused], target)
    assert target.read_bytes() == before and leftovers(tmp_path) == []


@pytest.mark.parametrize("changed", ["nianbao/zippack.py", "lxml/__init__.py", "openpyxl/__init__.py"])
def test_the_frame_key_changes_with_the_code_and_libraries_that_shape_styles_xml(changed, monkeypatch):
    """form_writer.workbook_bytes tidies styles.xml with lxml and packs it with zippack: another lxml or
    zippack may write another frame, so either one makes a new key. The file is seen as modified through
    os.stat (installed files are never touched: site-packages may be read-only or shared)."""
    import importlib.util
    from types import SimpleNamespace

    package, module = changed.split("/")
    spec = importlib.util.find_spec(package)
    assert spec is not None and spec.origin is not None
    path = os.path.realpath(Path(spec.origin).parent / module)
    before = summary_xlsx.frame_key(9, None)
    real_stat = os.stat

    def newer(target, *args, **kwargs):
        stat = real_stat(target, *args, **kwargs)
        if os.path.realpath(target) != path:
            return stat
        return SimpleNamespace(st_size=stat.st_size, st_mtime_ns=stat.st_mtime_ns + 1_000_000_000)

    monkeypatch.setattr(os, "stat", newer)
    assert summary_xlsx.frame_key(9, None) != before
    monkeypatch.setattr(os, "stat", real_stat)
    assert summary_xlsx.frame_key(9, None) == before


@pytest.mark.skipif(sys.platform != "linux", reason="a file name of any bytes but / and NUL: Linux")
def test_a_district_whose_file_names_hold_control_characters_or_bytes_not_utf8(tmp_path):
    folder = tmp_path / "2024"
    folder.mkdir()
    sample = ROOT / "data" / "龙马潭区" / "2024"
    shutil.copy(sample / "_共同.yaml", folder)
    data = (sample / "安宁街道.yaml").read_bytes()
    (folder / "安宁\x07街道.yaml").write_bytes(data)
    not_utf8 = os.path.join(os.fsencode(folder), "双加".encode() + b"\xff" + "镇.yaml".encode())
    Path(os.fsdecode(not_utf8)).write_bytes((sample / "双加镇.yaml").read_bytes())
    # A process of its own, in UTF-8 mode: its standard streams pass such a name on (surrogateescape).
    result = subprocess.run([sys.executable, "-X", "utf8", "-m", "nianbao", "build", "2024", "-o", "out", "-j", "1"],
                            cwd=tmp_path, capture_output=True, check=False)
    output = (result.stdout + result.stderr).decode("utf-8", "replace")
    # The summary workbook and the review page are written, and so is every office's report: a name is
    # shown (and recorded in the report) with U+FFFD for the byte that is not UTF-8, the same everywhere.
    assert "程序内部" not in output and "Traceback" not in output, output
    assert "汇总表：out/" in output and "审阅页：out/index.html" in output
    assert result.returncode == 0 and "已生成：out/双加镇2024年" in output, output
    book = load_workbook(tmp_path / "out" / SUMMARY_FILE)
    files = [row[-3] for row in book[summary.SUMMARY_SHEET].iter_rows(min_row=2, values_only=True)]
    assert any(str(name).endswith("安宁街道.yaml") for name in files)
    assert any(str(name).endswith("双加\ufffd镇.yaml") for name in files)
    page = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert "双加镇" in page and "双加?镇" not in page  # its report's name has the office's name


def _old_frames(folder: Path, count: int) -> list[Path]:
    """`count` frame files as older runs left them, the first the oldest (a minute apart)."""
    folder.mkdir(parents=True, exist_ok=True)
    made = []
    for index in range(count):
        path = folder / f"summary-frame-{index:040x}.bin"
        path.write_bytes(b"an old frame")
        when = 1_700_000_000 + 60 * index
        os.utime(path, (when, when))
        made.append(path)
    return made


def test_old_frames_are_pruned_when_a_frame_is_written_keeping_the_newest(own_cache):
    old = _old_frames(own_cache, 12)
    foreign = [own_cache / "summary-frame-notours.bin", own_cache / "template-abc.bin", own_cache / "notes.txt"]
    for path in foreign:
        path.write_bytes(b"not a frame of ours")
    outside = own_cache.parent / "outside.bin"
    outside.write_bytes(b"someone else's")
    link = own_cache / f"summary-frame-{'a' * 40}.bin"
    link.symlink_to(outside)
    os.utime(link, (1, 1), follow_symlinks=False)
    folder_named_so = own_cache / f"summary-frame-{'b' * 40}.bin"
    folder_named_so.mkdir()
    stale = own_cache / f".summary-frame-{'c' * 40}.bin.k2j_8x1q.tmp"  # write_quietly's, of a killed run
    stale.write_bytes(b"half")
    os.utime(stale, (1, 1))
    fresh = own_cache / f".summary-frame-{'d' * 40}.bin.a8c2kk0w.tmp"  # another run writing now
    fresh.write_bytes(b"half")

    summary_workbook_bytes(TRICKY)  # makes a frame: the newest, kept
    (new,) = set(frames(own_cache)) - set(old) - {link, folder_named_so, *foreign}
    kept = sorted(path for path in old if path.exists())
    assert kept == old[-(summary_xlsx.KEEP_FRAMES - 1):]  # the newest 7 of the old, and the new one
    assert new.read_bytes().startswith(b"nianbao-summary-frame-1\n")
    assert all(path.read_bytes() == b"not a frame of ours" for path in foreign)
    assert link.is_symlink() and outside.read_bytes() == b"someone else's" and folder_named_so.is_dir()
    assert not stale.exists() and fresh.exists()
    # Reading a kept frame prunes nothing.
    summary_workbook_bytes(TRICKY)
    assert sorted(path for path in old if path.exists()) == kept and new.exists()


def test_pruning_races_with_another_run(own_cache, monkeypatch):
    old = _old_frames(own_cache, summary_xlsx.KEEP_FRAMES + 4)
    kept = old[-1]
    gone, replaced = old[0], old[1]
    real_lstat, real_unlink = os.lstat, os.unlink

    def lstat(path: Any, *args: Any, **kwargs: Any) -> Any:
        if os.fspath(path) == os.fspath(replaced):  # another run wrote this frame again since the listing
            replaced.write_bytes(b"a frame made again")
        return real_lstat(path, *args, **kwargs)

    def unlink(path: Any, *args: Any, **kwargs: Any) -> None:
        if os.fspath(path) == os.fspath(gone):  # another run pruned it first
            real_unlink(path)
        real_unlink(path, *args, **kwargs)

    monkeypatch.setattr(os, "lstat", lstat)
    monkeypatch.setattr(os, "unlink", unlink)
    removed = summary_xlsx.prune_frames(kept)
    assert removed == [old[3].name, old[2].name]  # beyond the newest 7 and the kept one: newest first
    assert not gone.exists() and replaced.read_bytes() == b"a frame made again"
    assert [path for path in old if path.exists()] == [replaced, *old[4:]]


def test_a_template_label_with_a_control_character_is_refused_where_the_template_is_read(tmp_path):
    # Refused by spec when fields.yaml is read (file, line, key, in Chinese), so neither the summary's
    # total sheet nor an office's form workbook (form_writer.write_table) meets openpyxl's IllegalCharacterError.
    from nianbao.errors import TemplateTrouble
    from nianbao.spec import load_spec

    folder = tmp_path / "own"
    shutil.copytree(ROOT / "templates" / "official-2021", folder)
    fields = folder / "fields.yaml"
    lines = fields.read_text(encoding="utf-8").splitlines(keepends=True)
    number = next(index for index, line in enumerate(lines) if "label: 商业企业" in line)
    lines[number] = lines[number].replace("label: 商业企业", 'label: "商业\\a企业"')
    fields.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(TemplateTrouble) as caught:
        load_spec(folder)
    message = caught.value.format()
    assert f"fields.yaml 第 {number + 1} 行的「label」含有控制字符" in message and "请删去这个字符" in message
    lines[number] = lines[number].replace('label: "商业\\a企业"', '"商业企业\\x1f": 商业企业')  # in a key
    fields.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(TemplateTrouble, match=f"第 {number + 1} 行的「商业企业\\\\x1f」含有控制字符"):
        load_spec(folder)


def test_a_file_name_byte_not_utf8_is_u_fffd_in_display_and_source_names(tmp_path, monkeypatch):
    from nianbao.provenance import relative_sources

    monkeypatch.chdir(tmp_path)
    name = os.fsdecode("双加".encode() + b"\xff" + "镇.yaml".encode())
    assert display_name(Path(name)) == "双加\ufffd镇.yaml"
    assert display_name(tmp_path / "sub" / name) == "sub/双加\ufffd镇.yaml"
    assert relative_sources([tmp_path / name], tmp_path / "out") == ("../双加\ufffd镇.yaml",)
    assert relative_sources([Path(name)], None) == ("双加\ufffd镇.yaml",)
    assert display_name(Path("安宁街道.yaml")) == "安宁街道.yaml"


def test_a_frame_read_from_the_cache_counts_as_newest_for_pruning(own_cache):
    summary_workbook_bytes(TRICKY)
    [used] = frames(own_cache)
    os.utime(used, ns=(1_600_000_000 * 10**9, 1_600_000_000 * 10**9))  # made long ago, before the old ones
    old = _old_frames(used.parent, summary_xlsx.KEEP_FRAMES)
    summary_workbook_bytes(TRICKY)  # read from the cache: used now
    assert used.stat().st_mtime > 1_700_000_000 + 60 * len(old)
    removed = summary_xlsx.prune_frames(old[-1])
    assert used.exists() and used.name not in removed and removed == [old[0].name]


def test_a_long_sheet_waits_in_a_temporary_file_not_in_memory():
    import random

    spill = summary_xlsx._Deflated()
    try:
        spill.write(random.Random(14).randbytes(200_000))  # deflates to about as much: a district's long sheet
        spill.finish(b"")
        # Held in memory up to 64 kB, then moved to the file: not growing with the number of offices.
        assert spill.file._rolled and spill.compress_size > 150_000
        assert b"".join(spill.pieces()) and spill.file.tell() == spill.compress_size
    finally:
        spill.close()
