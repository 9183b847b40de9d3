"""The fill-in workbook (填报表) of one office: `nianbao form` writes it, a street clerk fills it in Excel,
WPS 表格 or LibreOffice, and `nianbao import 表格.xlsx` reads it back (form_reader.py).

Sheets: 填报说明 (how to fill, and every check at a glance), 基本信息, 表二, 表三, 表四 (the official tables:
merged headers and official labels, locked; inputs unlocked, pale yellow, with data validation and a Chinese
prompt; totals are formulas), and 文字 (one wrapped cell per part or sub-head). Each balance rule has a live
status cell showing 通过, or 不平衡：… in red, so an imbalance shows while the clerk types. Everything is
pre-filled from the data file. Sheet protection has no password: it only keeps labels from being typed over.
"""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, cast

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from .batch import find_offices
from .errors import FileTrouble, NianbaoError
from .form_layout import (
    FACTS_HEADER,
    FACTS_SHEET,
    GUIDE_SHEET,
    PASSED,
    SUBPART_ROWS,
    TEXT_HEADER,
    TEXT_SHEET,
    UNBALANCED,
    Status,
    TableLayout,
    form_layout,
    ref,
    sum_args,
    total_formula,
)
from .load import load_report
from .model import CellKey, ReportData
from .problems import Problem
from .source import display_name
from .write import safe_file_name, write_atomic
from .zippack import PackedMember, pack_member, write_zip

FORM_NAME = "{机关}{年度}年报填报表.xlsx"
FONT = "宋体"
_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="E8E8E8")
_INPUT_FILL = PatternFill("solid", fgColor="FFF9E0")
_TOTAL_FILL = PatternFill("solid", fgColor="E6F0FA")
_RED_FILL = PatternFill("solid", fgColor="FFD9D9")
_GREEN_FILL = PatternFill("solid", fgColor="DDF2DD")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
_TOP_LEFT = Alignment(horizontal="left", vertical="top", wrap_text=True)
_UNLOCKED = Protection(locked=False)


def form_path(report: ReportData, out_dir: Path) -> Path:
    return out_dir / safe_file_name(FORM_NAME.format(机关=report.office, 年度=report.year))


def form_bytes(report: ReportData) -> bytes:
    """The workbook of one office, pre-filled from its data (totals must be computed: check.compute_totals)."""
    book = Workbook()
    guide = book.active
    assert guide is not None
    guide.title = GUIDE_SHEET
    layout = form_layout(report.spec)
    facts_status = _facts_sheet(book.create_sheet(FACTS_SHEET), report)
    statuses: list[tuple[str, str]] = [(FACTS_SHEET, facts_status)]
    for table in layout.tables:
        sheet = book.create_sheet(table.sheet)
        write_table(sheet, table, report, editable=True)
        statuses.append((table.sheet, f"B{table.status_row}"))
    _text_sheet(book.create_sheet(TEXT_SHEET), report)
    _guide_sheet(guide, report, statuses)
    return workbook_bytes(book)


_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_FONT_ORDER = ["b", "i", "strike", "condense", "extend", "outline", "shadow", "u", "vertAlign", "sz", "color",
               "name", "family", "charset", "scheme"]


def workbook_bytes(book: Workbook) -> bytes:
    """The saved workbook, with the children of each font in the order of the OOXML schema (openpyxl writes
    `name` first, which the Open XML SDK's validator, and openxml-audit with it, report as a schema error)."""
    buffer = io.BytesIO()
    book.save(buffer)
    # Read in place (no copy of the saved workbook: a summary of thousands of offices is megabytes).
    return _tidy_font_order(buffer, buffer.getbuffer())


def tidy_font_order(data: bytes) -> bytes:
    return _tidy_font_order(io.BytesIO(data), memoryview(data))


def _tidy_font_order(file: IO[bytes], data: memoryview) -> bytes:
    from lxml import etree

    source = zipfile.ZipFile(file)
    styles = etree.fromstring(source.read("xl/styles.xml"))
    rank = {f"{_MAIN_NS}{name}": index for index, name in enumerate(_FONT_ORDER)}
    for font in styles.iter(f"{_MAIN_NS}font"):
        children = sorted(font, key=lambda child: rank.get(child.tag, len(rank)))
        font[:] = children
    members = []
    for item in source.infolist():
        if item.filename == "xl/styles.xml":
            content = etree.tostring(styles, xml_declaration=True, encoding="UTF-8", standalone=True)
            members.append(pack_member(item.filename, content))
        else:
            # The other members as they were compressed: a summary of thousands of offices is not
            # inflated and deflated again (nor held inflated in memory) only to reorder the fonts.
            members.append(_packed_as_is(data, item) or pack_member(item.filename, source.read(item)))
    return write_zip(members)


_LOCAL_HEADER = struct.Struct("<4s22x2H")  # signature, then the name and extra field lengths


def _packed_as_is(archive: memoryview, item: zipfile.ZipInfo) -> PackedMember | None:
    """A deflated member's compressed bytes, taken from `archive` without inflating them (None when the
    member is not simply deflated, or its local header is not where the directory says)."""
    if item.compress_type != zipfile.ZIP_DEFLATED or item.flag_bits & 0x1:  # not deflated, or encrypted
        return None
    start = item.header_offset
    signature, name_length, extra_length = _LOCAL_HEADER.unpack_from(archive, start)
    if signature != b"PK\003\004":
        return None
    begin = start + _LOCAL_HEADER.size + name_length + extra_length
    deflated = archive[begin : begin + item.compress_size]  # a view, not a copy: write_zip joins it as it is
    if len(deflated) != item.compress_size:
        return None
    return PackedMember(item.filename, item.CRC, item.file_size, cast(bytes, deflated))


def streamed_copy(book: Workbook, sheet: Worksheet, index: int) -> None:
    """Add `sheet` (an ordinary worksheet made with `book` as its parent but not in it) to the write-only
    `book` at `index`, cell by cell with the same values and styles, and with its merged ranges, conditional
    formats, data validations, column widths and row heights.

    So a small laid-out sheet (write_table) joins a streamed workbook without the workbook being saved,
    read back and saved again."""
    target = book.create_sheet(sheet.title, index)
    for name in ("merged_cells", "conditional_formatting", "data_validations", "sheet_properties", "page_setup",
                 "protection", "views"):
        setattr(target, name, getattr(sheet, name))
    target.column_dimensions.update(sheet.column_dimensions)
    target.row_dimensions.update(sheet.row_dimensions)
    rows: dict[int, dict[int, Any]] = {}
    for (row, column), cell in sheet._cells.items():
        rows.setdefault(row, {})[column] = cell
    for row in range(1, max([*rows, *sheet.row_dimensions, 0]) + 1):
        cells = rows.get(row, {})
        values: list[Any] = [None] * max(cells, default=0)
        for column, cell in cells.items():
            if cell.value is None and not cell.has_style:
                continue
            copied = WriteOnlyCell(target, value=cell.value)
            copied._style = cell._style
            values[column - 1] = copied
        target.append(values)


# --- the official tables ---------------------------------------------------------------------------------


def write_table(sheet: Worksheet, table: TableLayout, report: ReportData, editable: bool) -> None:
    """Lay out one official table with `report`'s numbers, its total formulas and its status cells.

    `editable`: inputs unlocked with data validation (the fill-in form); otherwise plain numbers (a total)."""
    _ensure_styles(sheet.parent)
    width = max(table.width, 2)
    _merge(sheet, table.title_row, 1, 1, width)
    sheet.cell(table.title_row, 1, table.title).style = "nb标题"
    sheet.row_dimensions[table.title_row].height = 26
    sheet.cell(table.status_row, 1, "本表核对").style = "nb粗体"
    _merge(sheet, table.status_row, 2, 1, width - 1)
    for label in table.labels:
        _merge(sheet, label.row, label.column, *label.span)
        sheet.cell(label.row, label.column, label.text)
        _box(sheet, label.row, label.column, *label.span, style="nb表头" if label.header else "nb行名")
    places = {i.key: i.ref for i in table.inputs}
    counts = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=False,
                            showErrorMessage=True, showInputMessage=True, errorTitle="只能填非负整数",
                            error="件数只能填 0 或正整数（不写“件”字，不用全角数字）；没有的填 0。",
                            promptTitle="填写件数", prompt="填非负整数，没有的填 0")
    amounts = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=False,
                             showErrorMessage=True, showInputMessage=True, errorTitle="只能填非负数",
                             error="金额以万元为单位，只能填 0 或正数，可以有小数；没有的填 0。",
                             promptTitle="填写金额", prompt="单位：万元，可以有小数，没有的填 0")
    for item in table.inputs:
        _merge(sheet, item.row, item.column, 1, item.span)
        cell = sheet.cell(item.row, item.column)
        value = report.value(*item.key)
        formula = total_formula(item, places, report)
        cell.value = formula if formula else value
        _box(sheet, item.row, item.column, 1, item.span, style="nb总计" if formula else "nb输入")
        if editable and not formula:
            (amounts if item.kind == "amount" else counts).add(cell.coordinate)
    if editable:
        for validation in (counts, amounts):
            if validation.sqref:
                sheet.add_data_validation(validation)
    for status in table.statuses:
        _merge(sheet, status.row, status.column, 1, status.span)
        sheet.cell(status.row, status.column, _status_formula(status, places))
        _box(sheet, status.row, status.column, 1, status.span, style="nb核对")
    sheet.cell(table.status_row, 2, _overall_formula(table)).style = "nb粗体"
    _status_colours(sheet, [f"B{table.status_row}"] + _blocks([(s.row, s.column) for s in table.statuses]))
    _table_widths(sheet, table)
    if editable:
        _protect(sheet)


def _status_formula(status: Status, places: dict[CellKey, str]) -> str:
    left = f"SUM({sum_args([places[k] for k in status.left])})" if status.left else places[status.total]
    right = f"SUM({sum_args([places[k] for k in status.parts])})"
    return f'=IF({left}={right},"{PASSED}","{UNBALANCED}："&{left}&"≠"&{right})'


def _blocks(cells: Iterable[tuple[int, int]]) -> list[str]:
    """Cells (row, column) as few rectangular ranges: runs along a row, then equal runs stacked."""
    by_row: dict[int, list[int]] = {}
    for row, column in cells:
        by_row.setdefault(row, []).append(column)
    runs: list[tuple[int, int, int]] = []  # row, first column, last column
    for row in sorted(by_row):
        columns = sorted(set(by_row[row]))
        start = prev = columns[0]
        for column in columns[1:]:
            if column != prev + 1:
                runs.append((row, start, prev))
                start = column
            prev = column
        runs.append((row, start, prev))
    rects: list[list[int]] = []  # top, bottom, first, last
    for row, first, last in runs:
        match = next((r for r in rects if r[1] == row - 1 and r[2] == first and r[3] == last), None)
        if match is not None:
            match[1] = row
        else:
            rects.append([row, row, first, last])
    result: list[str] = []
    for top, bottom, left, right in rects:
        corner, far = ref(top, left), ref(bottom, right)
        result.append(corner if corner == far else f"{corner}:{far}")
    return result


def _overall_formula(table: TableLayout) -> str:
    inputs = _blocks((i.row, i.column) for i in table.inputs)
    blank = "+".join(f"COUNTBLANK({b})" for b in inputs)
    count = "+".join(f"COUNT({b})" for b in inputs)
    expected = len(table.inputs)
    statuses = _blocks((s.row, s.column) for s in table.statuses)
    bad = "+".join(f'COUNTIF({b},"{UNBALANCED}*")' for b in statuses) or "0"
    return (
        f'=IF({blank}>0,"未填写："&({blank})&" 格为空（没有的请填 0）",'
        f'IF({count}<{expected},"有 "&({expected}-({count}))&" 格不是数字（只填阿拉伯数字）",'
        f'IF({bad}>0,"{UNBALANCED}："&({bad})&" 处，见本表红色单元格","{PASSED}")))'
    )


def _status_colours(sheet: Worksheet, ranges: Iterable[str]) -> None:
    for cells in ranges:
        first = cells.split(":")[0]
        sheet.conditional_formatting.add(
            cells, FormulaRule(formula=[f'{first}="{PASSED}"'], font=Font(color="1A7F1A", bold=True),
                               fill=_GREEN_FILL))
        sheet.conditional_formatting.add(
            cells, FormulaRule(formula=[f'AND({first}<>"",{first}<>"{PASSED}")'],
                               font=Font(color="C00000", bold=True), fill=_RED_FILL))


def _table_widths(sheet: Worksheet, table: TableLayout) -> None:
    if table.table_id == "表三":
        widths = {1: 7, 2: 11, 3: 30}
        for column in range(4, table.width + 1):
            widths[column] = 9
        widths[table.width] = 22
    elif table.table_id == "表二":
        widths = {1: 18, 2: 14, 3: 14, 4: 14}
    else:
        widths = {c: 8 for c in range(1, table.width + 1)}
    for column, width in widths.items():
        current = sheet.column_dimensions[get_column_letter(column)].width or 0
        sheet.column_dimensions[get_column_letter(column)].width = max(width, current)
    for label in table.labels:
        if not label.header and label.span == (1, 1) and len(label.text) > 14:
            lines = -(-len(label.text) // 14)
            sheet.row_dimensions[label.row].height = max(15.0, 13.0 * lines)
    if table.table_id == "表三":
        sheet.row_dimensions[table.status_row + 2].height = 30


def _merge(sheet: Worksheet, row: int, column: int, rows: int, columns: int) -> None:
    if rows > 1 or columns > 1:
        sheet.merge_cells(start_row=row, start_column=column, end_row=row + rows - 1,
                          end_column=column + columns - 1)


def _box(sheet: Worksheet, row: int, column: int, rows: int, columns: int, style: str) -> None:
    """Give every cell of a (merged) range the named style, so its borders show all round."""
    for r in range(row, row + rows):
        for c in range(column, column + columns):
            sheet.cell(r, c).style = style


_NAMED_STYLES = {
    "nb标题": dict(font=Font(name=FONT, size=14, bold=True), alignment=Alignment(horizontal="center", vertical="center")),
    "nb粗体": dict(font=Font(name=FONT, bold=True), alignment=_LEFT),
    "nb表头": dict(font=Font(name=FONT, size=10, bold=True), alignment=_CENTER, border=_BORDER, fill=_HEADER_FILL),
    "nb行名": dict(font=Font(name=FONT, size=10), alignment=_LEFT, border=_BORDER),
    "nb输入": dict(font=Font(name=FONT, size=10), alignment=_CENTER, border=_BORDER, fill=_INPUT_FILL,
                 protection=_UNLOCKED),
    "nb总计": dict(font=Font(name=FONT, size=10, bold=True), alignment=_CENTER, border=_BORDER, fill=_TOTAL_FILL),
    "nb核对": dict(font=Font(name=FONT, size=9), alignment=_CENTER, border=_BORDER),
}


def _ensure_styles(book: Workbook) -> None:
    """Named styles, registered once per workbook: one assignment per cell instead of four attributes
    (openpyxl hashes every style attribute set, which made a workbook take a quarter of a second)."""
    for name, attributes in _NAMED_STYLES.items():
        if name not in book.named_styles:
            book.add_named_style(NamedStyle(name=name, **attributes))  # type: ignore[arg-type]


def _protect(sheet: Worksheet) -> None:
    """Labels and formulas locked (no password: it only stops typing over them); columns may be resized.
    Printed landscape on A4, one page wide."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.protection.sheet = True
    sheet.protection.formatColumns = False
    sheet.protection.formatRows = False


# --- facts, text, guide ----------------------------------------------------------------------------------


def _facts_sheet(sheet: Worksheet, report: ReportData) -> str:
    _header_row(sheet, FACTS_HEADER)
    required: list[str] = []
    for row, fact in enumerate(report.spec.facts, start=2):
        label = sheet.cell(row, 1, fact.key)
        label.font = Font(name=FONT, bold=fact.required)
        label.alignment = _LEFT
        value = _text_cell(sheet, row, 2, report.facts.get(fact.key, ""))
        value.font = Font(name=FONT)
        sheet.row_dimensions[row].height = 32 if len(str(value.value)) > 28 else 18
        value.number_format = "@"  # a postcode or telephone number stays text
        value.protection = _UNLOCKED
        value.fill = _INPUT_FILL
        value.alignment = _LEFT
        hint = fact.hint + ("（必填）" if fact.required else "（可不填）")
        if fact.choices:
            hint += "；可选：" + "、".join(fact.choices)
            choice = DataValidation(type="list", formula1='"' + ",".join(fact.choices) + '"', allow_blank=True,
                                    showErrorMessage=True, showInputMessage=True, errorTitle="请从列表中选择",
                                    error="只能选：" + "、".join(fact.choices) + "；也可以留空，按名称推断",
                                    promptTitle=f"选择{fact.key}", prompt="从列表中选择，或留空")
            choice.add(value.coordinate)
            sheet.add_data_validation(choice)
        sheet.cell(row, 3, hint).alignment = _LEFT
        sheet.cell(row, 3).font = Font(name=FONT, size=10)
        for column in (1, 2, 3):
            sheet.cell(row, column).border = _BORDER
        if fact.required:
            required.append(value.coordinate)
    status_row = len(report.spec.facts) + 3
    sheet.cell(status_row, 1, "本表核对").font = Font(name=FONT, bold=True)
    blanks = "+".join(f'(LEN(TRIM({c}))=0)' for c in required) or "0"
    status = sheet.cell(status_row, 2, f'=IF({blanks}=0,"{PASSED}","未填写："&({blanks})&" 个必填项为空")')
    status.font = Font(name=FONT, bold=True)
    _status_colours(sheet, [status.coordinate])
    for letter, width in zip("ABC", (14, 44, 56), strict=True):
        sheet.column_dimensions[letter].width = width
    _protect(sheet)
    return status.coordinate


def _text_rows(report: ReportData) -> list[tuple[str, str, str, bool, str]]:
    """(part, sub-head, text, sub-head editable, hint) for each row of the 文字 sheet."""
    rows: list[tuple[str, str, str, bool, str]] = []
    for part in report.spec.parts:
        if part.kind == "paragraphs":
            hint = "可不填：不填时用模板中的标准开头" if not part.required else "必填"
            rows.append((part.key, "", _joined(report.paragraphs.get(part.context, [])), False, hint))
        elif part.kind == "sections":
            for section in part.sections:
                rows.append((part.key, section.key, _joined(report.paragraphs.get(section.context, [])), False,
                             "必填"))
        else:
            rows.append((part.key, part.intro, _joined(report.paragraphs.get(part.context, [])), False,
                         "开头的概述，可不填"))
            subparts = report.subparts.get(part.context, [])
            for sub in subparts:
                rows.append((part.key, sub.title, _joined(sub.paragraphs), True, "小标题以（一）（二）……开头"))
            for _ in range(max(SUBPART_ROWS - len(subparts), 2)):
                rows.append((part.key, "", "", True, "需要时在此增加小标题和内容，不用的行留空"))
    return rows


def _joined(paragraphs: Sequence[object]) -> str:
    return "\n".join(getattr(p, "text", "") for p in paragraphs)


def _text_sheet(sheet: Worksheet, report: ReportData) -> None:
    _header_row(sheet, TEXT_HEADER)
    for row, (part, title, text, editable_title, hint) in enumerate(_text_rows(report), start=2):
        sheet.cell(row, 1, part).alignment = _TOP_LEFT
        head = _text_cell(sheet, row, 2, title)
        head.alignment = _TOP_LEFT
        if editable_title:
            head.protection = _UNLOCKED
            head.fill = _INPUT_FILL
        body = _text_cell(sheet, row, 3, text)
        body.alignment = _TOP_LEFT
        body.protection = _UNLOCKED
        body.fill = _INPUT_FILL
        body.number_format = "@"
        sheet.cell(row, 4, hint).alignment = _TOP_LEFT
        for column in (1, 2, 3, 4):
            sheet.cell(row, column).border = _BORDER
            sheet.cell(row, column).font = Font(name=FONT, size=10)
        sheet.row_dimensions[row].height = _text_height(text)
    for letter, width in zip("ABCD", (28, 28, 90, 26), strict=True):
        sheet.column_dimensions[letter].width = width
    _protect(sheet)


def _text_cell(sheet: Worksheet, row: int, column: int, text: str) -> Any:
    """A cell holding text exactly: a text starting with “=” stays text, never becomes a formula."""
    cell = sheet.cell(row, column, text)
    if text.startswith("="):
        cell.data_type = "s"
    return cell


def _text_height(text: str) -> float:
    """Row height (points) that shows the text in column C (about 44 characters a line), within Excel's 409."""
    lines = sum(max(1, -(-len(p) // 44)) for p in text.split("\n")) if text else 1
    return float(min(409, max(20, 14 * lines + 4)))


def _header_row(sheet: Worksheet, labels: Sequence[str]) -> None:
    for column, label in enumerate(labels, start=1):
        cell = sheet.cell(1, column, label)
        cell.font = Font(name=FONT, bold=True)
        cell.fill = _HEADER_FILL
        cell.border = _BORDER
        cell.alignment = _CENTER
    sheet.freeze_panes = "A2"


def _guide_sheet(sheet: Worksheet, report: ReportData, statuses: list[tuple[str, str]]) -> None:
    title = f"{report.facts.get('地区', '')}{report.office}{report.year}年政府信息公开工作年度报告 填报表"
    lines = [
        "填写方法：",
        "1. 在“基本信息”“表二”“表三”“表四”“文字”各表中，只填浅黄色的格；灰色的官方栏目名称和浅蓝色的总计已锁定。",
        "2. 件数只填阿拉伯数字（非负整数），没有的填 0，不要留空；表二“行政事业性收费”以万元为单位，可以有小数。",
        "3. “总计”一栏和（七）总计由公式自动计算；各表的核对格实时显示“通过”，或红色的“不平衡：…”。",
        "4. 文字在“文字”表中填写，每段一行（单元格内换行：Excel/WPS 按 Alt+Enter）。",
        "5. 不要增删行列、不要改动栏目名称；填好后交回，由区政务公开办用 nianbao import 读入。",
    ]
    sheet.cell(1, 1, title).font = Font(name=FONT, size=14, bold=True)
    for row, line in enumerate(lines, start=3):
        sheet.cell(row, 1, line).alignment = Alignment(wrap_text=False)
    top = len(lines) + 4
    sheet.cell(top, 1, "各表核对情况").font = Font(name=FONT, bold=True)
    cells = []
    for offset, (name, cell_ref) in enumerate(statuses, start=1):
        sheet.cell(top + offset, 1, name)
        status = sheet.cell(top + offset, 2, f"='{name}'!{cell_ref}")
        status.font = Font(name=FONT, bold=True)
        cells.append(status.coordinate)
    _status_colours(sheet, cells)
    sheet.cell(top + len(statuses) + 2, 1, f"模板：{report.spec.folder.name}")
    sheet.column_dimensions["A"].width = 14
    sheet.column_dimensions["B"].width = 60
    _protect(sheet)


# --- many offices ----------------------------------------------------------------------------------------


@dataclass
class FormOutcome:
    """One office's form: the workbook written, or the problems that kept it from being written."""

    display: str
    target: Path | None = None
    problems: list[Problem] = field(default_factory=list)
    note: str = ""


def write_form(report: ReportData, out_dir: Path | str, force: bool = False) -> Path:
    """Write one office's workbook; an existing workbook (perhaps already filled in) is kept unless `force`."""
    target = form_path(report, Path(out_dir))
    if target.exists() and not force:
        raise FileTrouble(f"{display_name(target)} 已存在（可能已有人填写），为免覆盖未写入；确认要替换，请加 --force")
    write_atomic(target, form_bytes(report))
    return target


def form_outcome(report: ReportData | None, problems: list[Problem], display: str, out_dir: Path,
                 force: bool) -> FormOutcome:
    """Write the form of an office whose data could be read; problems in reading keep it from being written
    (a form built from misread data would lose what the clerk wrote)."""
    outcome = FormOutcome(display, problems=problems)
    if report is None or any(p.is_error for p in problems):
        outcome.note = f"{display} 有错误，未生成填报表"
        return outcome
    try:
        outcome.target = write_form(report, out_dir, force=force)
    except NianbaoError as exc:
        outcome.note = exc.format()
    return outcome


def make_forms(paths: Iterable[Path | str], out_dir: Path | str = "out", force: bool = False,
               template: Path | str | None = None) -> list[FormOutcome]:
    """`nianbao form`: one workbook per office named by `paths` (files, or folders read non-recursively,
    with their shared defaults), pre-filled from its data."""

    offices, _ = find_offices(paths)
    outcomes = []
    for office in offices:
        try:
            report, problems = load_report(office.path, defaults=office.defaults, template=template)
        except NianbaoError as exc:
            outcomes.append(FormOutcome(display_name(office.path), note=exc.format()))
            continue
        display = report.source if report is not None else display_name(office.path)
        outcomes.append(form_outcome(report, problems, display, Path(out_dir), force))
    return outcomes
