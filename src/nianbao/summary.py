"""The summary of a multi-office run, for the district office: one row per office, on the terminal and as a
spreadsheet (年报汇总.xlsx in the output folder) with a second sheet listing every problem."""

from __future__ import annotations

import io
from collections.abc import Sequence
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


def figure_labels(outcomes: Sequence[OfficeOutcome]) -> list[str]:
    """The figure columns, in template order (the union over offices, first seen first)."""
    labels: dict[str, None] = {}
    for outcome in outcomes:
        labels.update(dict.fromkeys(outcome.figures))
    return list(labels)


def summary_header(outcomes: Sequence[OfficeOutcome]) -> list[str]:
    return ["机关", "状态", *figure_labels(outcomes), "错误", "警告"]


def _office_row(outcome: OfficeOutcome, labels: list[str]) -> list[str | Number | None]:
    figures: list[str | Number | None] = [outcome.figures.get(label) for label in labels]
    return [outcome.office, outcome.status.value, *figures, outcome.errors, outcome.warnings]


def _total_row(outcomes: Sequence[OfficeOutcome], labels: list[str]) -> list[str | Number | None]:
    totals: list[str | Number | None] = [sum((o.figures.get(label, 0) for o in outcomes), 0) for label in labels]
    return [f"{TOTAL_LABEL}（{len(outcomes)}）", status_counts(outcomes), *totals,
            sum(o.errors for o in outcomes), sum(o.warnings for o in outcomes)]


def status_counts(outcomes: Sequence[OfficeOutcome]) -> str:
    """E.g. `已生成 11，有错误 2`."""
    counts = {status: sum(o.status is status for o in outcomes) for status in Status}
    return "，".join(f"{status.value} {n}" for status, n in counts.items() if n)


# A terminal table longer than this shows only the offices that need attention, then the totals: the
# full list is in the spreadsheet (build) or was printed office by office as the run went (check).
TERMINAL_ROWS = 40


def needs_attention(outcome: OfficeOutcome) -> bool:
    return outcome.status not in (Status.BUILT, Status.PASSED) or bool(outcome.problems) or bool(outcome.note)


def print_summary(outcomes: Sequence[OfficeOutcome], title: str = "生成汇总", file: IO[str] | None = None,
                  full_list: str = SUMMARY_FILE) -> None:
    """The summary as a table on the terminal (plain box drawing when the output is not a terminal).

    Up to TERMINAL_ROWS offices: one row each. More: the offices with errors, warnings or not built (at most
    TERMINAL_ROWS of them), then the totals over all offices, and where the full list is (`full_list`)."""
    from rich.console import Console
    from rich.table import Table

    console = Console(file=file, highlight=False, soft_wrap=False)
    if not console.is_terminal:
        console.width = 160  # a log has no width; never truncate a column there
    shown: Sequence[OfficeOutcome] = outcomes
    note = ""
    if len(outcomes) > TERMINAL_ROWS:
        # Only the rows shown are kept (the outcomes may be read back from disk one by one: batch.OutcomeStore).
        attention: list[OfficeOutcome] = []
        more = 0
        for outcome in outcomes:
            if needs_attention(outcome):
                if len(attention) < TERMINAL_ROWS:
                    attention.append(outcome)
                else:
                    more += 1
        shown = attention
        hidden = len(outcomes) - len(shown)
        note = (f"；只列出需要注意的 {len(shown)} 个机关" + (f"（另有 {more} 个需要注意的未列出）" if more else "")
                + f"，其余 {hidden} 个见{full_list}")
    header = summary_header(outcomes)
    labels = figure_labels(outcomes)
    table = Table(title=f"政府信息公开工作年度报告 {title}",
                  caption=f"共 {len(outcomes)} 个机关：{status_counts(outcomes)}{note}")
    for index, label in enumerate(header):
        table.add_column(label, justify="left" if index < 2 else "right", no_wrap=True)
    for position, outcome in enumerate(shown):
        cells = ["" if v is None else str(v) for v in _office_row(outcome, labels)]
        style = _STATUS_STYLE[outcome.status]
        cells[1] = f"[{style}]{cells[1]}[/{style}]"
        table.add_row(*cells, end_section=position == len(shown) - 1)
    total = ["" if v is None else str(v) for v in _total_row(outcomes, labels)]
    total[1] = ""  # the caption says it
    table.add_row(*total)
    console.print(table)


def write_summary_xlsx(outcomes: Sequence[OfficeOutcome], path: Path) -> None:
    """Write the summary spreadsheet atomically (summary_workbook)."""
    buffer = io.BytesIO()
    summary_workbook(outcomes).save(buffer)
    write_atomic(path, buffer.getvalue())


def summary_workbook(outcomes: Sequence[OfficeOutcome]) -> Any:
    """The summary spreadsheet, not yet saved: sheet 汇总 (as on the terminal, plus the data and output
    files) and sheet 问题清单 (every error and warning with its place and how to fix it).

    The workbook is in openpyxl's streaming (write-only) mode, so its memory does not grow with the number
    of offices; a caller may add sheets before saving it (review_page adds the district total).
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
    header = [*summary_header(outcomes), "数据文件", "报告文件", "说明"]
    widths = [16, 10, *[8] * (len(header) - 5), 36, 44, 60]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "B2"
    sheet.append(_styled(sheet, header, font=bold, alignment=Alignment(horizontal="center")))
    labels = figure_labels(outcomes)
    for outcome in outcomes:
        target = outcome.target.name if outcome.target is not None else ""
        cells: list[Any] = [*_office_row(outcome, labels), outcome.display, target, outcome.note]
        fill = fills.get(outcome.status)
        if fill is not None:
            cells[1] = _styled(sheet, [cells[1]], fill=fill)[0]
        sheet.append(cells)
    sheet.append(_styled(sheet, _total_row(outcomes, labels), font=bold))

    problems = book.create_sheet(PROBLEMS_SHEET)
    for index, width in enumerate([16, 36, 6, 80, 60], start=1):
        problems.column_dimensions[get_column_letter(index)].width = width
    problems.freeze_panes = "A2"
    problems.append(_styled(problems, ["机关", "位置", "类别", "问题", "修改办法"], font=bold))
    for outcome in outcomes:
        if outcome.note and outcome.status is Status.FAILED:
            problems.append([outcome.office, outcome.display, "错误", outcome.note, ""])
        for problem in outcome.problems:
            problems.append([outcome.office, str(problem.location), problem.severity.value, problem.message,
                             problem.hint])
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
