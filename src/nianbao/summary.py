"""The summary of a multi-office run, for the district office: one row per office, on the terminal and as a
spreadsheet (年报汇总.xlsx in the output folder) with a second sheet listing every problem."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from math import isinf, isnan
from typing import IO, Any, NamedTuple

from .batch import SUMMARY_FILE, OfficeOutcome, Status
from .form_layout import get_column_letter
from .model import Number
from .source import SharedNames

SUMMARY_SHEET = "汇总"
PROBLEMS_SHEET = "问题清单"
TOTAL_LABEL = "合计"
_STATUS_STYLE = {Status.BUILT: "green", Status.PASSED: "green", Status.SKIPPED: "yellow", Status.FAILED: "bold red"}


class Tally:
    """What the summary needs of all the offices, gathered in one pass over them (the outcomes may be read
    back from disk one at a time, batch.OutcomeStore): the figure columns (the union over offices, in
    template order), how many offices of each status, the column totals, and the first offices that need
    attention (up to `keep`; the others are only counted)."""

    def __init__(self, outcomes: Iterable[OfficeOutcome] = (), keep: int = 0) -> None:
        self.count = 0
        self.statuses = dict.fromkeys(Status, 0)
        self.sums: dict[str, Number] = {}  # first seen first: the template order
        self.errors = self.warnings = 0
        self.attention: list[OfficeOutcome] = []
        self.more_attention = 0
        self.keep = keep
        self.names = SharedNames()  # how the workbook and the review page name the files
        for outcome in outcomes:
            self.add(outcome)

    def add(self, outcome: OfficeOutcome) -> None:
        """Count one more office (the review counts them as it stores them, without a pass of its own)."""
        self.count += 1
        self.statuses[outcome.status] += 1
        self.names.add(outcome.path)
        for label, value in outcome.figures.items():
            self.sums[label] = self.sums.get(label, 0) + value
        self.errors += outcome.errors
        self.warnings += outcome.warnings
        if self.keep and needs_attention(outcome):
            if len(self.attention) < self.keep:
                self.attention.append(outcome)
            else:
                self.more_attention += 1

    @property
    def labels(self) -> list[str]:
        return list(self.sums)

    @property
    def header(self) -> list[str]:
        return ["机关", "状态", *self.sums, "错误", "警告"]

    def status_text(self) -> str:
        """E.g. `已生成 11，有错误 2`."""
        return "，".join(f"{status.value} {n}" for status, n in self.statuses.items() if n)

    def total_row(self) -> list[str | Number | None]:
        return [f"{TOTAL_LABEL}（{self.count}）", self.status_text(), *self.sums.values(), self.errors, self.warnings]


def figure_labels(outcomes: Iterable[OfficeOutcome]) -> list[str]:
    """The figure columns, in template order (the union over offices, first seen first)."""
    labels: dict[str, None] = {}
    for outcome in outcomes:
        labels.update(dict.fromkeys(outcome.figures))
    return list(labels)


def summary_header(outcomes: Iterable[OfficeOutcome]) -> list[str]:
    return ["机关", "状态", *figure_labels(outcomes), "错误", "警告"]


def _office_row(outcome: OfficeOutcome, labels: list[str]) -> list[str | Number | None]:
    figures: list[str | Number | None] = [outcome.figures.get(label) for label in labels]
    return [outcome.office, outcome.status.value, *figures, outcome.errors, outcome.warnings]


def status_counts(outcomes: Iterable[OfficeOutcome]) -> str:
    """E.g. `已生成 11，有错误 2`."""
    return Tally(outcomes).status_text()


# A terminal table longer than this shows only the offices that need attention, then the totals: the
# full list is in the spreadsheet (build) or was printed office by office as the run went (check).
TERMINAL_ROWS = 40


def needs_attention(outcome: OfficeOutcome) -> bool:
    return outcome.status not in (Status.BUILT, Status.PASSED) or bool(outcome.problems) or bool(outcome.note)


def print_summary(outcomes: Sequence[OfficeOutcome], title: str = "生成汇总", file: IO[str] | None = None,
                  full_list: str = SUMMARY_FILE, tally: Tally | None = None) -> None:
    """The summary as a table on the terminal (plain box drawing when the output is not a terminal).

    Up to TERMINAL_ROWS offices: one row each. More: the offices with errors, warnings or not built (at most
    TERMINAL_ROWS of them), then the totals over all offices, and where the full list is (`full_list`)."""
    if tally is None or tally.keep < TERMINAL_ROWS:
        tally = Tally(outcomes, keep=TERMINAL_ROWS)
    shown: Sequence[OfficeOutcome] = outcomes
    note = ""
    if tally.count > TERMINAL_ROWS:
        # Only the rows shown are kept (the outcomes may be read back from disk one by one).
        shown = tally.attention
        hidden = tally.count - len(shown)
        more = tally.more_attention
        note = (f"；只列出需要注意的 {len(shown)} 个机关" + (f"（另有 {more} 个需要注意的未列出）" if more else "")
                + f"，其余 {hidden} 个见{full_list}")
    labels = tally.labels
    heading = f"政府信息公开工作年度报告 {title}"
    caption = f"共 {tally.count} 个机关：{tally.status_text()}{note}"
    rows: list[list[str]] = []
    styles: list[str] = []
    for outcome in shown:
        rows.append(["" if v is None else str(v) for v in _office_row(outcome, labels)])
        styles.append(_STATUS_STYLE[outcome.status])
    total = ["" if v is None else str(v) for v in tally.total_row()]
    total[1] = ""  # the caption says it
    out = sys.stdout if file is None else file
    plain = plain_table(heading, caption, tally.header, rows, total, out)
    if plain is not None:
        out.write(plain)
        out.flush()
        return
    _rich_table(heading, caption, tally.header, rows, styles, total, file)


def _rich_table(heading: str, caption: str, header: list[str], rows: list[list[str]], styles: list[str],
                total: list[str], file: IO[str] | None) -> None:
    """The table drawn by rich: on a terminal (colours, its width), or where plain_table cannot draw it."""
    from rich.console import Console
    from rich.table import Table

    console = Console(file=file, highlight=False, soft_wrap=False)
    if not console.is_terminal:
        console.width = PIPE_WIDTH  # a log has no width; never truncate a column there
    table = Table(title=heading, caption=caption)
    for index, label in enumerate(header):
        table.add_column(label, justify="left" if index < 2 else "right", no_wrap=True)
    for position, (cells, style) in enumerate(zip(rows, styles, strict=True)):
        table.add_row(cells[0], f"[{style}]{cells[1]}[/{style}]", *cells[2:], end_section=position == len(rows) - 1)
    table.add_row(*total)
    console.print(table)


class SummaryStyles(NamedTuple):
    """The style ids (cellXfs positions in styles.xml) of the summary workbook's frame that the rows use."""

    header: str
    bold: str
    failed: str
    skipped: str


def summary_widths(columns: int) -> list[int]:
    """Sheet 汇总's column widths, for a header of `columns` columns."""
    return [16, 10, *[8] * (columns - 5), 36, 44, 60]


PROBLEM_HEADER = ["机关", "位置", "类别", "问题", "修改办法"]
PROBLEM_WIDTHS = [16, 36, 6, 80, 60]


# The width of the table's output when it is not a terminal (a log, a pipe).
PIPE_WIDTH = 160
# Set, these make rich treat the output as a terminal (or a notebook): then rich draws the table.
_TERMINAL_HINTS = ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "JUPYTER_COLUMNS", "JUPYTER_LINES")
# Text that rich would read as markup or emoji codes, or change (control characters, line separators that
# str.splitlines breaks at): rich draws it.
_RICH_TEXT = re.compile(r"[\[:\x00-\x1f\x7f\x85\u2028\u2029]")
# A cell starting or ending with white space: rich trims it when aligning, so rich draws it.
_EDGE_SPACE = re.compile(r"^\s|\s$")
_WORD = re.compile(r"\s*\S+\s*")


def plain_table(heading: str, caption: str, header: list[str], rows: list[list[str]], total: list[str],
                out: IO[str]) -> str | None:
    """The summary table exactly as rich prints it (box HEAVY_HEAD, one space of padding, the heading and
    caption centred and wrapped to the table's width) where that is plain text: `out` is not a terminal (no
    colours; PIPE_WIDTH wide), takes UTF-8, and the table fits without shrinking a column. Else None, and
    rich draws it: importing and running rich's general layout costs a quarter of a second per run.
    Widths are rich's own (rich.cells), so a CJK name lines up the same way."""
    if sys.platform == "win32" or "ipykernel" in sys.modules or any(hint in os.environ for hint in _TERMINAL_HINTS):
        return None
    isatty = getattr(out, "isatty", None)
    try:
        if isatty is None or isatty():
            return None
    except ValueError:
        return None
    if not (getattr(out, "encoding", None) or "utf-8").lower().startswith("utf"):
        return None
    if hasattr(sys.stdin, "__module__") and sys.stdin.__module__.startswith("idlelib"):
        return None
    cells = [*header, *total, *(cell for row in rows for cell in row)]
    if any(_RICH_TEXT.search(text) for text in (heading, caption, *cells)) or any(
            _EDGE_SPACE.search(cell) for cell in cells):
        return None
    from rich.cells import cell_len

    all_rows = [header, *rows, total]
    widths = [max(cell_len(row[column]) for row in all_rows) + 2 for column in range(len(header))]
    table_width = sum(widths) + len(widths) + 1
    if table_width > PIPE_WIDTH:
        return None

    def line(cells: list[str], bar: str = "│") -> str:
        parts = []
        for column, (cell, width) in enumerate(zip(cells, widths, strict=True)):
            space = " " * (width - 2 - cell_len(cell))
            parts.append(f" {cell}{space} " if column < 2 else f" {space}{cell} ")
        return bar + bar.join(parts) + bar

    def rule(left: str, bar: str, cross: str, right: str) -> str:
        return left + cross.join(bar * width for width in widths) + right

    lines = _centred(heading, table_width)
    lines.append(rule("┏", "━", "┳", "┓"))
    lines.append(line(header, "┃"))
    lines.append(rule("┡", "━", "╇", "┩"))
    lines.extend(line(row) for row in rows)
    if rows:
        lines.append(rule("├", "─", "┼", "┤"))
    lines.append(line(total))
    lines.append(rule("└", "─", "┴", "┘"))
    lines.extend(_centred(caption, table_width))
    return "".join(f"{text}\n" for text in lines)


def _centred(text: str, width: int) -> list[str]:
    """`text` wrapped at `width` cells and each line centred, as rich's Text does it (justify="center",
    overflow="fold": at white space; a word longer than a line is cut where it reaches the width)."""
    from rich.cells import cell_len, chop_cells

    breaks: list[int] = []
    offset = 0
    for match in _WORD.finditer(text):
        start, word = match.start(), match.group()
        length = cell_len(word.rstrip())
        if width - offset >= length:
            offset += cell_len(word)
        elif length > width:
            pieces = chop_cells(word, width)
            for number, piece in enumerate(pieces):
                if start:
                    breaks.append(start)
                if number == len(pieces) - 1:
                    offset = cell_len(piece)
                else:
                    start += len(piece)
        elif offset and start:
            breaks.append(start)
            offset = cell_len(word)
    lines = []
    for begin, end in zip([0, *breaks], [*breaks, len(text)], strict=True):
        piece = text[begin:end].rstrip()
        left = (width - cell_len(piece)) // 2
        lines.append(" " * left + piece + " " * (width - left - cell_len(piece)))
    return lines



class SummaryBook:
    """The rows of the summary spreadsheet's sheets 汇总 (as on the terminal, plus the data and output files)
    and 问题清单 (every error and warning with its place and how to fix it), as SpreadsheetML (the same cells
    openpyxl's write-only sheet writes, without its per-cell writer), one row at a time: the sheets' XML is
    never whole in memory.

    The workbook around them (styles, sheet layout, the district total sheet) is the frame of summary_xlsx,
    whose style ids `styles` are: rows are only ever written into a frame's sheets, never without one.
    `tally`: the outcomes' Tally when the caller has it already (saves a pass over them).
    """

    def __init__(self, outcomes: Sequence[OfficeOutcome], styles: SummaryStyles, tally: Tally | None = None) -> None:
        self.outcomes = outcomes
        self.tally = tally if tally is not None else Tally(outcomes)  # the columns and totals, before the rows
        self.header = [*self.tally.header, "数据文件", "报告文件", "说明"]
        self.styles = styles

    def summary_rows(self, problems: Callable[[str], object]) -> Iterator[str]:
        """Sheet 汇总's rows; sheet 问题清单's rows are handed to `problems` in the same pass over the outcomes,
        so that they are read once (they may come from disk one at a time)."""
        width = len(self.header)
        letters = _column_letters(width)
        styles = self.styles
        status_styles = {Status.FAILED: styles.failed, Status.SKIPPED: styles.skipped}
        yield _row_xml(1, letters, self.header, styles.header)
        problems(self._problem_header())
        labels = self.tally.labels
        names = self.tally.names
        number = problem_number = 1
        for outcome in self.outcomes:
            number += 1
            target = outcome.target.name if outcome.target is not None else ""
            cells: list[Any] = [*_office_row(outcome, labels), names.name(outcome.path), target,
                                names.text(outcome.note)]
            status_style = status_styles.get(outcome.status)
            if status_style is None:
                yield _row_xml(number, letters, cells)
            else:
                yield _row_xml(number, letters, cells, styles={1: status_style})
            for row in self._problems_of(outcome, problem_number, names):
                problem_number += 1
                problems(row)
        yield _row_xml(number + 1, letters, self.tally.total_row(), styles.bold)

    def _problem_header(self) -> str:
        return _row_xml(1, _PROBLEM_LETTERS, PROBLEM_HEADER, self.styles.bold)

    @staticmethod
    def _problems_of(outcome: OfficeOutcome, last: int, names: SharedNames) -> Iterator[str]:
        """The rows of one office's problems, numbered on from row `last`, files named as `names` names them."""
        number = last
        if outcome.note and outcome.status is Status.FAILED:
            number += 1
            yield _row_xml(number, _PROBLEM_LETTERS, [outcome.office, names.name(outcome.path), "错误",
                                                      names.text(outcome.note), ""])
        for problem in outcome.problems:
            number += 1
            yield _row_xml(number, _PROBLEM_LETTERS, [outcome.office, names.place(problem.location),
                                                      problem.severity.value, names.text(problem.message),
                                                      names.text(problem.hint)])


def _column_letters(width: int) -> list[str]:
    return [get_column_letter(index) for index in range(1, width + 1)]


_PROBLEM_LETTERS = _column_letters(len(PROBLEM_HEADER))


def _row_xml(number: int, letters: list[str], values: Sequence[Any], style: str | None = None,
             styles: dict[int, str] | None = None) -> str:
    """One `<row>` as openpyxl's write-only sheet writes it: `style` for every cell, or `styles` by
    position; a cell without a value or style is left out.

    The same XML as a _cell_xml per cell (a test compares them), with the two commonest cells written
    directly: a text that needs no escaping and no check (the row's texts are searched once for anything
    to escape or refuse), and a whole number printed as it is (below 10**15, where `%.16g` prints the
    same digits)."""
    row = str(number)
    texts = [value for value in values if type(value) is str]
    plain = not texts or _ROW_SPECIAL.search("".join(texts)) is None
    same = f' s="{style}"' if style is not None else ""
    parts = [f'<row r="{row}">']
    for index, value in enumerate(values):
        if styles is None:
            cell_style, s = style, same
        else:
            cell_style = styles.get(index)
            s = f' s="{cell_style}"' if cell_style is not None else ""
        kind = type(value)
        if kind is str and plain and value and len(value) <= 32767 and not (value[0] == "=" and len(value) > 1) \
                and value not in _ERROR_CODES:
            space = ' xml:space="preserve"' if value != value.strip() else ""
            parts.append(f'<c r="{letters[index]}{row}"{s} t="inlineStr"><is><t{space}>{value}</t></is></c>')
        elif kind is int and -_EXACT < value < _EXACT:
            parts.append(f'<c r="{letters[index]}{row}"{s} t="n"><v>{value}</v></c>')
        elif value is None and cell_style is None:
            continue
        else:
            parts.append(_cell_xml(letters[index] + row, value, cell_style))
    parts.append("</row>")
    return "".join(parts)


_EXACT = 10**15
# What a text cell must escape or clean (_ILLEGAL_CHARACTERS, _escape): a row without any is written directly.
_ROW_SPECIAL = re.compile(r"[\000-\010\013\014\016-\037&<>\r]")


# openpyxl's (openpyxl.cell.cell), kept here so that writing a cell imports nothing (a test compares them).
_ILLEGAL_CHARACTERS = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
_ERROR_CODES = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A")


def _cell_xml(ref: str, value: Any, style: str | None) -> str:
    """One cell, with the types, checks and text openpyxl gives the value (Cell.value, lxml_write_cell)."""
    s = f' s="{style}"' if style is not None else ""
    if value is None:
        return f'<c r="{ref}"{s} t="n"/>'
    if isinstance(value, str):
        value = value[:32767]
        if _ILLEGAL_CHARACTERS.search(value):  # what openpyxl refuses is left out, as values.clean_text does
            value = _ILLEGAL_CHARACTERS.sub("", value)
        if len(value) > 1 and value.startswith("="):
            return f'<c r="{ref}"{s}><f>{_escape(value[1:])}</f><v/></c>'
        if value in _ERROR_CODES:
            return f'<c r="{ref}"{s} t="e"><v>{_escape(value)}</v></c>'
        if value == "":
            return f'<c r="{ref}"{s} t="inlineStr"/>'
        space = ' xml:space="preserve"' if value != value.strip() else ""
        return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{_escape(value)}</t></is></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float, Decimal)):
        text = "" if isnan(value) or isinf(value) else f"{float(value):.16g}"
        return f'<c r="{ref}"{s} t="n"><v>{text}</v></c>'
    raise ValueError(f"Cannot convert {value!r} to Excel")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
