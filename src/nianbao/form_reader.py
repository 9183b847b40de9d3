"""Read a filled-in workbook (填报表, written by form_writer.py) back into a `ReportData`.

Every label of the official tables must still be where the layout puts it: an altered label or a deleted
or inserted row is refused with the sheet!cell, what it should say and what it says, never read shifted.
Each number is read from its own cell; blanks, text and negative or fractional counts are errors naming
`工作表!单元格` and the official row and column. A total still holding its formula is left to be computed;
a number typed over it is read as given (and checked). Problems point at `表格.xlsx 表三!D7`.
"""

from __future__ import annotations

import io
import re
import zipfile
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from .errors import FileTrouble, os_error_text
from .form_layout import FACTS_SHEET, TEXT_SHEET, Input, form_layout
from .load import derive_facts
from .model import Cell, Number, Paragraph, ReportData, SubPart
from .problems import Location, Problem, error
from .source import MAX_TEXT_CHARS, display_name, read_bytes
from .spec import Spec, load_spec, normalize_label, resolve_template
from .totals import compute_totals
from .values import clean_text

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_UNPACKED_BYTES = 64 * 1024 * 1024  # a filled form inflates to well under 1 MB
MAX_PART_BYTES = 32 * 1024 * 1024  # one sheet: 32 MB of XML is some millions of characters of text
MAX_MEMBERS = 2000
MAX_TEXT_ROWS = 500
_REGENERATE = "请不要增删行列或改动栏目名称；可以用 nianbao form 重新生成填报表，把数字和文字抄回去"
_TEMPLATE_NOTE = re.compile(r"^模板：(.+)$")


def read_form(path: Path | str, template: Path | str | None = None) -> tuple[ReportData | None, list[Problem]]:
    """Read one workbook. Returns None (with the problems) when it is not a readable fill-in workbook."""
    path = Path(path)
    display = display_name(path)
    book = _open(path, display)
    try:
        return _read(book, path, display, template)
    finally:
        book.close()


def _read(book: Any, path: Path, display: str, template: Path | str | None) -> tuple[ReportData | None, list[Problem]]:
    problems: list[Problem] = []
    missing = [name for name in (FACTS_SHEET, "表二", "表三", "表四", TEXT_SHEET) if name not in book.sheetnames]
    if missing:
        problems.append(error(Location(display), f"不是 nianbao 的填报表，或工作表被删除、改名：缺少工作表「{'、'.join(missing)}」",
                              "用 nianbao form 生成的填报表填写，不要删除或改名工作表"))
        return None, problems
    spec = load_spec(resolve_template(template or _template_name(book), base=path.parent))
    report = ReportData(path=path, source=display, spec=spec, source_paths=[path])
    reader = _Reader(report, book, display, problems)
    reader.facts()
    reader.tables()
    reader.texts()
    compute_totals(report)  # totals still holding their formula, as load_report does for totals left out
    return report, problems


def _open(path: Path, display: str) -> Any:
    if not path.exists() and not path.is_symlink():
        raise FileTrouble("找不到这个填报表，请检查文件名和路径", display)
    # Bounded, and only from a regular file (a FIFO or /dev/zero would hang or fill the memory).
    raw = read_bytes(path, display, what="填报表", limit=MAX_FILE_BYTES)
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            # Declared sizes suffice: zipfile never inflates a member past its declared size (a zip that
            # understates one fails its CRC check as BadZipFile; tests/test_hostile_cli.py).
            members = archive.infolist()
            if (len(members) > MAX_MEMBERS or sum(m.file_size for m in members) > MAX_UNPACKED_BYTES
                    or any(m.file_size > MAX_PART_BYTES for m in members)):
                raise FileTrouble("文件解压后过大，不是正常的填报表", display)
        # Read-only: cells are streamed without their styles (4 times faster); each sheet is read once into a
        # Grid, bounded in rows and columns, so a sheet padded with a million rows costs nothing.
        return load_workbook(io.BytesIO(raw), data_only=False, read_only=True)
    except FileTrouble:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError) as exc:
        raise FileTrouble(
            f"不是有效的 .xlsx 文件（{type(exc).__name__}）；如果是 .xls 或 .et 文件，请在 Excel/WPS 中另存为 .xlsx",
            display,
        ) from None
    except OSError as exc:
        raise FileTrouble(f"无法读取：{os_error_text(exc, reading=True)}", display) from None


def _template_name(book: Any) -> str | None:
    sheet = book.worksheets[0]
    for row in sheet.iter_rows(min_col=1, max_col=1, max_row=60, values_only=True):
        match = _TEMPLATE_NOTE.match(str(row[0] or ""))
        if match:
            return match.group(1).strip()
    return None


class Grid:
    """The values of one sheet (formulas as their text), by 1-based (row, column)."""

    def __init__(self, sheet: Any, max_row: int = MAX_TEXT_ROWS, max_col: int = 40) -> None:
        self.values: dict[tuple[int, int], Any] = {}
        self.too_long: list[tuple[int, int, int]] = []  # (row, column, characters) of cells cut to MAX_TEXT_CHARS
        self.max_row = 0
        for r, row in enumerate(sheet.iter_rows(max_row=max_row, max_col=max_col, values_only=True), start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    if isinstance(value, str) and len(value) > MAX_TEXT_CHARS:
                        self.too_long.append((r, c, len(value)))
                        value = value[:MAX_TEXT_CHARS]
                    self.values[(r, c)] = value
                    self.max_row = r

    def value(self, row: int, column: int) -> Any:
        return self.values.get((row, column))

    def at(self, cell_ref: str) -> Any:
        letters = cell_ref.rstrip("0123456789")
        column = 0
        for char in letters:
            column = column * 26 + ord(char) - 64
        return self.value(int(cell_ref[len(letters):]), column)


class _Reader:
    def __init__(self, report: ReportData, book: Any, display: str, problems: list[Problem]) -> None:
        self.report = report
        self.spec: Spec = report.spec
        self.book = book
        self.display = display
        self.problems = problems

    def at(self, sheet: str, cell_ref: str) -> Location:
        return Location(f"{self.display} {sheet}!{cell_ref}")

    def grid(self, sheet: str, **bounds: int) -> Grid:
        """A sheet's values; a cell over MAX_TEXT_CHARS is an error naming it (and is read cut short)."""
        grid = Grid(self.book[sheet], **bounds)
        for row, column, length in grid.too_long:
            self.problems.append(error(self.at(sheet, f"{get_column_letter(column)}{row}"),
                                       f"单元格中的文字太长（{length} 个字符，上限 {MAX_TEXT_CHARS} 个）",
                                       "检查是否误粘贴了整份文档；年报每一部分通常只有几千字"))
        return grid

    # --- facts ------------------------------------------------------------------------------------------

    def facts(self) -> None:
        sheet = self.grid(FACTS_SHEET, max_row=200)
        by_label = {normalize_label(f.key): f for f in self.spec.facts}
        seen: set[str] = set()
        for row in range(2, min(sheet.max_row, 200) + 1):
            label = _text(sheet.value(row, 1))
            if not label or label == "本表核对":
                continue
            fact = by_label.get(normalize_label(label))
            where = self.at(FACTS_SHEET, f"A{row}")
            if fact is None:
                self.problems.append(error(where, f"「{label}」不是基本信息的项目名称", _REGENERATE))
                continue
            seen.add(fact.key)
            value_ref = f"B{row}"
            value = _fact_text(sheet.at(value_ref))
            if not value:
                if fact.required:
                    self.problems.append(error(self.at(FACTS_SHEET, value_ref), f"基本信息「{fact.key}」是空的",
                                               f"请填写{fact.key}" + (f"（{fact.hint}）" if fact.hint else "")))
                continue
            if fact.kind == "year" and not re.fullmatch(r"\d{4}", value):
                self.problems.append(error(self.at(FACTS_SHEET, value_ref),
                                           f"基本信息「年度」应为四位数字，实际为「{value}」", "如 2024"))
                continue
            if fact.choices and value not in fact.choices:
                self.problems.append(error(self.at(FACTS_SHEET, value_ref),
                                           f"基本信息「{fact.key}」只能是 {'、'.join(fact.choices)}，实际为「{value}」",
                                           "从所列的类型中选一个，或者留空（按名称推断）"))
                continue
            self.report.facts[fact.key] = value
            self.report.fact_locations[fact.key] = self.at(FACTS_SHEET, value_ref)
        for fact in self.spec.facts:
            if fact.key not in seen:
                self.problems.append(error(self.at(FACTS_SHEET, "A1"), f"基本信息缺少「{fact.key}」一行", _REGENERATE))
        derive_facts(self.report.facts, self.spec)

    # --- tables -----------------------------------------------------------------------------------------

    def tables(self) -> None:
        for table in form_layout(self.spec).tables:
            sheet = self.grid(table.sheet, max_row=table.last_row + 5)
            self.report.table_locations[table.table_id] = self.at(table.sheet, "A1")
            moved = False
            for label in table.labels:
                found = _text(sheet.value(label.row, label.column))
                if normalize_label(found) != normalize_label(label.text):
                    moved = True
                    self.problems.append(error(
                        self.at(table.sheet, label.ref),
                        f"{table.table_id}的这一格应为官方栏目「{label.text}」，实际为「{found or '空'}」："
                        "表格的栏目被改动，或有行、列被删除或插入，数字无法对应",
                        _REGENERATE,
                    ))
            for item in table.inputs:
                total = bool(item.parts)
                self.report.cells[item.key] = Cell(None if total else 0)
            if moved:
                continue  # never read numbers from a shifted table
            for item in table.inputs:
                self._number(sheet, table.sheet, item)

    def _number(self, sheet: Grid, sheet_name: str, item: Input) -> None:
        where = self.at(sheet_name, item.ref)
        raw = sheet.value(item.row, item.column)
        table, row, _ = item.key
        self.report.row_locations.setdefault((table, row), where)
        if item.parts and isinstance(raw, str) and raw.startswith("="):
            return  # the total formula: computed by the checker
        value, problem = _parse_number(raw, item)
        if problem:
            self.problems.append(error(where, f"{item.subject}{problem}", _number_hint(item)))
            self.report.invalid_cells.add(item.key)
            return
        assert value is not None
        self.report.cells[item.key] = Cell(value, where)

    # --- text parts ---------------------------------------------------------------------------------------

    def texts(self) -> None:
        sheet = self.grid(TEXT_SHEET)
        parts = {normalize_label(p.key): p for p in self.spec.parts}
        found_sections: set[str] = set()
        for row in range(2, min(sheet.max_row, MAX_TEXT_ROWS) + 1):
            label = _text(sheet.value(row, 1))
            title = _text(sheet.value(row, 2))
            text_ref = f"C{row}"
            paragraphs = self._paragraphs(sheet.value(row, 3), self.at(TEXT_SHEET, text_ref))
            if not label:
                if title or paragraphs:
                    self.problems.append(error(self.at(TEXT_SHEET, f"A{row}"), "这一行没有写属于哪一部分",
                                               _REGENERATE))
                continue
            part = parts.get(normalize_label(label))
            if part is None:
                self.problems.append(error(self.at(TEXT_SHEET, f"A{row}"), f"「{label}」不是报告的部分名称",
                                           _REGENERATE))
                continue
            self.report.part_locations.setdefault(part.key, self.at(TEXT_SHEET, f"A{row}"))
            if part.kind == "paragraphs":
                self.report.paragraphs[part.context] = paragraphs
                found_sections.add(part.key)
            elif part.kind == "sections":
                section = next((s for s in part.sections if normalize_label(s.key) == normalize_label(title)), None)
                if section is None:
                    self.problems.append(error(self.at(TEXT_SHEET, f"B{row}"),
                                               f"「{part.key}」中不认识小节「{title or '空'}」", _REGENERATE))
                    continue
                self.report.paragraphs[section.context] = paragraphs
                found_sections.add(section.key)
            elif part.intro and normalize_label(title) == normalize_label(part.intro):
                self.report.paragraphs[part.context] = paragraphs
                found_sections.add(part.intro)
            elif title or paragraphs:
                self._subpart(part.context, part.key, title, paragraphs, row)
        self._required_texts(found_sections)

    def _subpart(self, context: str, part_key: str, title: str, paragraphs: list[Paragraph], row: int) -> None:
        where = self.at(TEXT_SHEET, f"B{row}")
        if not re.match(r"^\([一二三四五六七八九十]+\)", normalize_label(title)):
            self.problems.append(error(where, f"「{part_key}」的小标题应以（一）（二）……开头，实际为「{title or '空'}」",
                                       "如“（一）主动公开政府信息情况”"))
            return
        if not paragraphs:
            self.problems.append(error(self.at(TEXT_SHEET, f"C{row}"), f"「{part_key}」的「{title}」是空的", "请填写"))
        self.report.subparts.setdefault(context, []).append(SubPart(title, where, paragraphs))

    def _required_texts(self, found: set[str]) -> None:
        where = self.at(TEXT_SHEET, "A1")
        for part in self.spec.parts:
            if part.kind == "paragraphs":
                if part.key not in found and part.required:
                    self.problems.append(error(where, f"「文字」表缺少「{part.key}」一行", _REGENERATE))
                elif part.required and not self.report.paragraphs.get(part.context):
                    location = self.report.part_locations.get(part.key, where)
                    self.problems.append(error(Location(location.file.replace("!A", "!C")),
                                               f"「{part.key}」是空的", "请填写这一部分的内容"))
                self.report.paragraphs.setdefault(part.context, [])
            elif part.kind == "sections":
                for section in part.sections:
                    if section.key not in found:
                        self.problems.append(error(where, f"「文字」表缺少「{part.key}」的「{section.key}」一行",
                                                   _REGENERATE))
                    elif not self.report.paragraphs.get(section.context):
                        self.problems.append(error(self.report.part_locations.get(part.key, where),
                                                   f"「{part.key}」的「{section.key}」是空的", "请填写"))
            else:
                self.report.paragraphs.setdefault(part.context, [])
                self.report.subparts.setdefault(part.context, [])

    def _paragraphs(self, value: Any, where: Location) -> list[Paragraph]:
        text = clean_text(_text(value, strip=False))
        return [Paragraph(line.strip(), where) for line in text.split("\n") if line.strip()]


def _text(value: Any, strip: bool = True) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    return text.strip() if strip else text


def _fact_text(value: Any) -> str:
    """A fact as text; a postcode typed as a number (646000) reads back as the same digits."""
    return clean_text(_text(value)).strip()


def _parse_number(raw: Any, item: Input) -> tuple[Number | None, str]:
    """The value of one input cell, or what is wrong with it (as the end of a sentence)."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, "是空的"
    if isinstance(raw, bool):
        return None, f"应为数字，实际为「{raw}」"
    value: Decimal
    if isinstance(raw, int | float):
        value = Decimal(repr(raw)) if isinstance(raw, float) else Decimal(raw)
    else:
        text = str(raw).strip()
        try:
            value = Decimal(text) if re.fullmatch(r"\d+(\.\d+)?", text) else Decimal("NaN")
        except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
            value = Decimal("NaN")
        if value.is_nan():
            return None, f"应为阿拉伯数字，实际为「{text}」"
    if value < 0:
        return None, f"不能是负数，实际为 {raw}"
    if item.kind == "amount":
        return value.normalize() if value != value.to_integral_value() else int(value), ""
    if value != value.to_integral_value():
        return None, f"件数应为整数，实际为 {raw}"
    return int(value), ""


def _number_hint(item: Input) -> str:
    if item.kind == "amount":
        return "填 0 或正数（单位：万元，可以有小数），没有的填 0"
    return "填 0 或正整数（只写阿拉伯数字，不写“件”字），没有的填 0"
