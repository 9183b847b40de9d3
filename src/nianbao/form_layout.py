"""Where everything sits in the fill-in workbook (填报表): one layout shared by its writer and its reader.

Tables 二, 三 and 四 are laid out in the official shape (merged headers, official labels), derived from the
template's fields.yaml, so a second template gets its own workbook without a code change. The writer puts
labels, inputs, total formulas and status formulas at these places; the reader checks every label is still
where the layout says (an altered label or a deleted row is refused, never silently shifted) and reads the
inputs from the same places.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from .model import CellKey, ReportData
from .spec import Row, Spec, Table

GUIDE_SHEET = "填报说明"
FACTS_SHEET = "基本信息"
TEXT_SHEET = "文字"
TABLE_SHEETS = {"表二": "表二", "表三": "表三", "表四": "表四"}
PASSED = "通过"
UNBALANCED = "不平衡"
TEXT_HEADER = ("部分", "小标题", "内容（每段一行，单元格内换行用 Alt+Enter）", "说明")
FACTS_HEADER = ("项目", "内容", "说明")
SUBPART_ROWS = 8  # rows offered for the sub-heads of 一、总体情况 (more when the data has more)


def get_column_letter(column: int) -> str:
    """A spreadsheet column's letters (1 -> A, 27 -> AA), as openpyxl.utils.get_column_letter gives them
    (without importing openpyxl: the summary workbook of a build is written without it)."""
    if not 1 <= column <= 18278:
        raise ValueError(f"Invalid column index {column}")
    letters = ""
    while column:
        column, remainder = divmod(column - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def ref(row: int, column: int) -> str:
    return f"{get_column_letter(column)}{row}"


@dataclass(frozen=True)
class Label:
    row: int
    column: int
    text: str
    span: tuple[int, int] = (1, 1)  # rows, columns
    header: bool = True  # a column header (shaded) rather than a row label

    @property
    def ref(self) -> str:
        return ref(self.row, self.column)


@dataclass(frozen=True)
class Input:
    """One number of the table: where it is, which cell of the data it is, and how it is described."""

    row: int
    column: int
    key: CellKey
    subject: str  # e.g. 表三「一、本年新收政府信息公开申请数量」行「自然人」栏
    kind: str  # count or amount
    parts: tuple[CellKey, ...] = ()  # a total: the cells it adds up (written as a formula)
    span: int = 1  # columns

    @property
    def ref(self) -> str:
        return ref(self.row, self.column)


@dataclass(frozen=True)
class Status:
    """A live check: a formula showing 通过 or 不平衡：…"""

    row: int
    column: int
    total: CellKey
    parts: tuple[CellKey, ...]  # total == sum(parts); or, for a column rule, sum(total side) == sum(parts)
    left: tuple[CellKey, ...] = ()  # for an equation whose left side has several cells
    span: int = 1

    @property
    def ref(self) -> str:
        return ref(self.row, self.column)


@dataclass
class TableLayout:
    """One official table at `top` (its first header row) on `sheet`."""

    table_id: str
    sheet: str
    title: str
    title_row: int
    status_row: int  # the row of the sheet's overall status cell (column B)
    width: int
    labels: list[Label] = field(default_factory=list)
    inputs: list[Input] = field(default_factory=list)
    statuses: list[Status] = field(default_factory=list)
    last_row: int = 0


def table_layout(spec: Spec, table_id: str, sheet: str, top: int = 1) -> TableLayout:
    """The layout of one official table, title at row `top`, status line below it, the table from top+3."""
    table = spec.table(table_id)
    builders = {"表二": _table_two, "表三": _table_three, "表四": _table_four}
    layout = TableLayout(table_id, sheet, table.key, top, top + 1, 0)
    builders[table_id](table, layout, top + 3)
    return layout


def _subject(table: Table, row: Row, column_label: str) -> str:
    if len(row.columns) == 1:
        return f"{table.id}「{row.display}」"
    return f"{table.id}「{row.display}」行「{column_label}」栏"


def _table_two(table: Table, layout: TableLayout, top: int) -> None:
    width = 1 + max(len(g.columns) for g in table.groups)
    layout.width = width
    row_no = top
    for group in table.groups:
        layout.labels.append(Label(row_no, 1, group.label, (1, width)))
        row_no += 1
        layout.labels.append(Label(row_no, 1, "信息内容"))
        span = width - 1 if len(group.columns) == 1 else 1
        for index, column in enumerate(group.columns):
            layout.labels.append(Label(row_no, 2 + index, column.label, (1, span)))
        row_no += 1
        for row in (r for r in table.rows if r.group == group.id):
            layout.labels.append(Label(row_no, 1, row.label, header=False))
            for index, column in enumerate(row.columns):
                layout.inputs.append(
                    Input(row_no, 2 + index, (table.id, row.id, column.id), _subject(table, row, column.label),
                          column.kind, span=span)
                )
            row_no += 1
    layout.last_row = row_no - 1


def _table_three(table: Table, layout: TableLayout, top: int) -> None:
    depth = max(len(r.path) for r in table.rows)
    columns = table.columns
    counted = [c for c in columns if not c.computed]
    first = depth + 1  # first number column
    layout.width = depth + len(columns) + 1
    header_rows = 3
    corner = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
    layout.labels.append(Label(top, 1, corner, (header_rows, depth)))
    layout.labels.append(Label(top, first, "申请人情况", (1, len(columns))))
    layout.labels.append(Label(top + 1, first, counted[0].label, (2, 1)))
    layout.labels.append(Label(top + 1, first + 1, "法人或其他组织", (1, len(counted) - 1)))
    for index, column in enumerate(counted[1:], start=1):
        layout.labels.append(Label(top + 2, first + index, column.label))
    total_column = next(c for c in columns if c.computed)
    total_col_no = first + len(columns) - 1
    layout.labels.append(Label(top + 1, total_col_no, total_column.label, (2, 1)))
    check_col = total_col_no + 1
    layout.labels.append(Label(top, check_col, "本行核对（总计＝各栏之和）", (header_rows, 1)))

    data_top = top + header_rows
    rows = table.rows
    # Labels: a level is merged down over the consecutive rows that share it; a row's own label runs
    # across the remaining label columns.
    for level in range(depth):
        index = 0
        while index < len(rows):
            path = rows[index].path
            if len(path) <= level:
                index += 1
                continue
            end = index
            while (
                end + 1 < len(rows)
                and len(rows[end + 1].path) > level
                and rows[end + 1].path[: level + 1] == path[: level + 1]
            ):
                end += 1
            own = len(path) == level + 1
            across = depth - level if own else 1
            down = 1 if own else end - index + 1
            layout.labels.append(Label(data_top + index, level + 1, path[level], (down, across), header=False))
            index = end + 1 if not own else index + 1

    detail_rows = _rows_of_rule(table, "办理总计")
    for index, row in enumerate(rows):
        row_no = data_top + index
        for offset, column in enumerate(columns):
            key = (table.id, row.id, column.id)
            parts: tuple[CellKey, ...] = ()
            if column.computed:
                parts = tuple((table.id, row.id, c.id) for c in counted)
            elif row.computed:
                parts = tuple((table.id, r.id, column.id) for r in detail_rows)
            layout.inputs.append(
                Input(row_no, first + offset, key, _subject(table, row, column.label), column.kind, parts)
            )
        layout.statuses.append(
            Status(row_no, check_col, (table.id, row.id, total_column.id),
                   tuple((table.id, row.id, c.id) for c in counted))
        )
    last = data_top + len(rows) - 1
    by_id = {r.id: r for r in rows}
    checks = [
        ("核对：第一项＋第二项＝第三项（七）总计＋第四项", ("新收", "结转"), ("办理总计", "结转下年")),
        ("核对：（七）总计＝（一）至（六）各项之和", ("办理总计",), tuple(r.id for r in detail_rows)),
    ]
    for offset, (text, left, right) in enumerate(checks):
        row_no = last + 2 + offset
        layout.labels.append(Label(row_no, 1, text, (1, depth), header=False))
        for index, column in enumerate(columns):
            layout.statuses.append(
                Status(row_no, first + index, (table.id, by_id[left[0]].id, column.id),
                       tuple((table.id, r, column.id) for r in right),
                       left=tuple((table.id, r, column.id) for r in left))
            )
    layout.last_row = last + 1 + len(checks)


def _rows_of_rule(table: Table, total_row: str) -> list[Row]:
    """The detail rows a computed total row adds up: every row between 部分 (first after 结转) and the total."""
    ids = [r.id for r in table.rows]
    end = ids.index(total_row)
    start = next(i for i, r in enumerate(table.rows) if len(r.path) > 1)
    return table.rows[start:end]


def _table_four(table: Table, layout: TableLayout, top: int) -> None:
    columns = table.columns
    n = len(columns)
    layout.width = n * len(table.rows)
    col = 1
    heads: dict[str, int] = {}
    for row in table.rows:
        head = row.path[0]
        if head not in heads:
            count = sum(1 for r in table.rows if r.path[0] == head)
            layout.labels.append(Label(top, col, head, (1, n * count)))
            heads[head] = col
        if len(row.path) == 1:
            for index, column in enumerate(columns):
                layout.labels.append(Label(top + 1, col + index, column.label, (2, 1)))
        else:
            layout.labels.append(Label(top + 1, col, row.path[-1], (1, n)))
            for index, column in enumerate(columns):
                layout.labels.append(Label(top + 2, col + index, column.label))
        counted = [c for c in columns if not c.computed]
        for index, column in enumerate(columns):
            parts = tuple((table.id, row.id, c.id) for c in counted) if column.computed else ()
            layout.inputs.append(
                Input(top + 3, col + index, (table.id, row.id, column.id), _subject(table, row, column.label),
                      column.kind, parts)
            )
        total = next(c for c in columns if c.computed)
        layout.labels.append(Label(top + 4, col, "核对：总计＝前四栏之和", (1, n - 1), header=False))
        layout.statuses.append(
            Status(top + 4, col + n - 1, (table.id, row.id, total.id),
                   tuple((table.id, row.id, c.id) for c in counted))
        )
        col += n
    layout.last_row = top + 4


@dataclass
class FormLayout:
    """The whole workbook: the three table sheets (facts and text sheets are read by their labels)."""

    tables: list[TableLayout]

    def inputs(self) -> dict[CellKey, tuple[TableLayout, Input]]:
        return {i.key: (t, i) for t in self.tables for i in t.inputs}


def form_layout(spec: Spec) -> FormLayout:
    return FormLayout([table_layout(spec, t.id, TABLE_SHEETS.get(t.id, t.id)) for t in spec.tables])


def stacked_layout(spec: Spec, sheet: str) -> FormLayout:
    """Tables 二, 三 and 四 one below the other on one sheet (the district total of 年报汇总.xlsx)."""
    tables = []
    top = 1
    for table in spec.tables:
        layout = table_layout(spec, table.id, sheet, top)
        tables.append(layout)
        top = layout.last_row + 3
    return FormLayout(tables)


# --- formulas (shared by the fill-in form and the district total sheet) ---


def total_formula(item: Input, places: dict[CellKey, str], report: ReportData) -> str | None:
    """A total is a formula over its parts, unless the data gave a different number: then that number is kept
    (and its status cell shows the imbalance), so the workbook says exactly what the data says."""
    if not item.parts:
        return None
    cell = report.cells[item.key]
    parts_sum = sum((report.value(*k) for k in item.parts), 0)
    if cell.location is not None and cell.value != parts_sum:
        return None
    return f"=SUM({sum_args([places[k] for k in item.parts])})"


def sum_args(refs: Sequence[str]) -> str:
    """`D9:D29` for a run of cells in one column or row, else `D7,D8`."""
    cells = [_split(r) for r in refs]
    if len(cells) > 2:
        columns = {c for c, _ in cells}
        rows = [r for _, r in cells]
        if len(columns) == 1 and rows == list(range(rows[0], rows[0] + len(rows))):
            return f"{refs[0]}:{refs[-1]}"
        numbers = [_column_number(c) for c, _ in cells]
        if len({r for _, r in cells}) == 1 and numbers == list(range(numbers[0], numbers[0] + len(numbers))):
            return f"{refs[0]}:{refs[-1]}"
    return ",".join(refs)


def _split(cell_ref: str) -> tuple[str, int]:
    letters = cell_ref.rstrip("0123456789")
    return letters, int(cell_ref[len(letters):])


def _column_number(letters: str) -> int:
    number = 0
    for char in letters:
        number = number * 26 + ord(char) - 64
    return number
