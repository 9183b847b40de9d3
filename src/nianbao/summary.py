"""The summary of a multi-office run, for the district office: one row per office, on the terminal and as a
spreadsheet (年报汇总.xlsx in the output folder) with a second sheet listing every problem."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, Any

from .batch import OfficeOutcome, Status
from .model import Number
from .write import write_atomic

SUMMARY_FILE = "年报汇总.xlsx"
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
        for outcome in outcomes:
            self.add(outcome)

    def add(self, outcome: OfficeOutcome) -> None:
        """Count one more office (the review counts them as it stores them, without a pass of its own)."""
        self.count += 1
        self.statuses[outcome.status] += 1
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
    from rich.console import Console
    from rich.table import Table

    console = Console(file=file, highlight=False, soft_wrap=False)
    if not console.is_terminal:
        console.width = 160  # a log has no width; never truncate a column there
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
    table = Table(title=f"政府信息公开工作年度报告 {title}",
                  caption=f"共 {tally.count} 个机关：{tally.status_text()}{note}")
    for index, label in enumerate(tally.header):
        table.add_column(label, justify="left" if index < 2 else "right", no_wrap=True)
    for position, outcome in enumerate(shown):
        cells = ["" if v is None else str(v) for v in _office_row(outcome, labels)]
        style = _STATUS_STYLE[outcome.status]
        cells[1] = f"[{style}]{cells[1]}[/{style}]"
        table.add_row(*cells, end_section=position == len(shown) - 1)
    total = ["" if v is None else str(v) for v in tally.total_row()]
    total[1] = ""  # the caption says it
    table.add_row(*total)
    console.print(table)


def write_summary_xlsx(outcomes: Sequence[OfficeOutcome], path: Path) -> None:
    """Write the summary spreadsheet atomically (summary_workbook)."""
    buffer = io.BytesIO()
    summary_workbook(outcomes).save(buffer)
    write_atomic(path, buffer.getvalue())


def summary_workbook(outcomes: Sequence[OfficeOutcome], tally: Tally | None = None) -> Any:
    """The summary spreadsheet, not yet saved: sheet 汇总 (as on the terminal, plus the data and output
    files) and sheet 问题清单 (every error and warning with its place and how to fix it).

    The workbook is in openpyxl's streaming (write-only) mode, so its memory does not grow with the number
    of offices; a caller may add sheets before saving it (review_page adds the district total). `tally`: the
    outcomes' Tally when the caller has it already (saves a pass over them).
    """
    # openpyxl only when a spreadsheet is written (a one-office build or check does not need it).
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    fills = {Status.FAILED: PatternFill("solid", fgColor="FFE0E0"),
             Status.SKIPPED: PatternFill("solid", fgColor="FFF4CC")}
    book = Workbook(write_only=True)
    sheet = book.create_sheet(SUMMARY_SHEET)
    problems = book.create_sheet(PROBLEMS_SHEET)
    if tally is None:
        tally = Tally(outcomes)  # the columns and the totals: one pass before the rows
    header = [*tally.header, "数据文件", "报告文件", "说明"]
    widths = [16, 10, *[8] * (len(header) - 5), 36, 44, 60]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "B2"
    sheet.append(_styled(sheet, header, font=bold, alignment=Alignment(horizontal="center")))
    for index, width in enumerate([16, 36, 6, 80, 60], start=1):
        problems.column_dimensions[get_column_letter(index)].width = width
    problems.freeze_panes = "A2"
    problems.append(_styled(problems, ["机关", "位置", "类别", "问题", "修改办法"], font=bold))
    labels = tally.labels
    # One more pass for the rows of both sheets (each streams to its own file).
    for outcome in outcomes:
        target = outcome.target.name if outcome.target is not None else ""
        cells: list[Any] = [*_office_row(outcome, labels), outcome.display, target, outcome.note]
        fill = fills.get(outcome.status)
        if fill is not None:
            cells[1] = _styled(sheet, [cells[1]], fill=fill)[0]
        sheet.append(cells)
        if outcome.note and outcome.status is Status.FAILED:
            problems.append([outcome.office, outcome.display, "错误", outcome.note, ""])
        for problem in outcome.problems:
            problems.append([outcome.office, str(problem.location), problem.severity.value, problem.message,
                             problem.hint])
    sheet.append(_styled(sheet, tally.total_row(), font=bold))
    return book


def _styled(sheet: Any, values: Sequence[Any], **style: Any) -> list[Any]:
    from openpyxl.cell import WriteOnlyCell

    cells = []
    for value in values:
        cell = WriteOnlyCell(sheet, value=value)
        for name, setting in style.items():
            setattr(cell, name, setting)
        cells.append(cell)
    return cells
