"""Tables of a pasted text that a PDF extraction broke up, joined again by general rules (text_tables.py).

Each rule has its own case here, on the seed report with its 表三 (or 表二/表四) rewritten in the broken
shape: repeated headers and page footers inside the table, a row's label pushed away from its numbers,
a parent label's fragments beside a row label, a total left blank, a table heading numbered the report's
own way. 表三 is filled with distinct, balanced numbers, so that a row read into the wrong place shows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from nianbao.docx_reader import GridCell, ParagraphBlock, TableBlock
from nianbao.report_reader import gather_cell_lines, read_report
from nianbao.spec import load_spec, resolve_template
from nianbao.text_tables import is_page_footer, join_table_regions, table_of_heading
from tests.conftest import SEED_TEXT

SPEC = load_spec(resolve_template(None))
TABLE3 = SPEC.table("表三")
LABELS = [row.label for row in TABLE3.rows]
BODIES = {"二": "主动公开政府信息情况", "三": "收到和处理政府信息公开申请情况", "四": "政府信息公开行政复议、行政诉讼情况",
          "五": "存在的主要问题及改进情况", "六": "其他需要报告的事项"}


def _balanced() -> list[list[int]]:
    """Rows of 表三 in order: the 21 detail rows 1…21 (自然人 only), （七）总计 231, 一 200, 二 40, 四 9."""
    by_id = {row.id: i for i, row in enumerate(TABLE3.rows)}
    values = [0] * len(TABLE3.rows)
    detail = [i for i, row in enumerate(TABLE3.rows) if row.id not in ("新收", "结转", "办理总计", "结转下年")]
    for n, i in enumerate(detail, start=1):
        values[i] = n
    values[by_id["办理总计"]] = sum(range(1, len(detail) + 1))
    values[by_id["新收"]], values[by_id["结转"]] = 200, 40
    values[by_id["结转下年"]] = 240 - values[by_id["办理总计"]]
    return [[v, 0, 0, 0, 0, 0, v] for v in values]


ROWS = _balanced()


def _pipe(*cells: object) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def _report(tmp_path: Path, table3: list[str], table2: list[str] | None = None) -> Path:
    """The seed with the lines of its 表三 (and 表二) replaced."""
    lines = SEED_TEXT.read_text(encoding="utf-8").splitlines()
    start = next(i for i, t in enumerate(lines) if t.startswith("三、收到和处理"))
    end = next(i for i, t in enumerate(lines) if t.startswith("四、政府信息公开行政复议"))
    lines[start + 1:end] = table3
    if table2 is not None:
        start = next(i for i, t in enumerate(lines) if t.startswith("二、主动公开政府信息情况"))
        end = next(i for i, t in enumerate(lines) if t.startswith("三、收到和处理"))
        lines[start + 1:end] = table2
    path = tmp_path / "report.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _table3(path: Path) -> list[list[object]]:
    read = read_report(path)
    return [[read.report.cells[("表三", row.id, c.id)].value for c in row.columns] for row in TABLE3.rows]


def _invalid3(path: Path) -> set[str]:
    return {row for table, row, _ in read_report(path).report.invalid_cells if table == "表三"}


HEADER = ["申请人情况", "| 自然人 | 商业企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他 | 总计 |", "|---|---|---|---|---|---|---|"]


def _table3_lines(shape: Callable[[int, str, Sequence[int]], list[str] | None]) -> list[str]:
    """HEADER, then each official 表三 row as `shape(index, label, values)` writes it; None: the plain row."""
    lines = list(HEADER)
    for i, (label, values) in enumerate(zip(LABELS, ROWS, strict=True)):
        shaped = shape(i, label, values)
        lines += [_pipe(label, *values)] if shaped is None else shaped
    return lines


def test_a_table_cut_by_page_footers_and_repeated_headers_is_one_table(tmp_path: Path) -> None:
    def shape(i: int, label: str, values: Sequence[int]) -> list[str] | None:
        if i and i % 6 == 0:  # a page break: the footer, the tool's heading, the header again
            return [f"— {i // 6 + 3} —", "## 表三：收到和处理政府信息公开申请情况", *HEADER[1:], _pipe(label, *values)]
        return None

    lines = _table3_lines(shape)
    path = _report(tmp_path, lines)
    assert _table3(path) == ROWS
    assert _invalid3(path) == set()


def test_rows_whose_labels_drifted_away_are_placed_by_order_between_labelled_rows(tmp_path: Path) -> None:
    """A label printed on its own line and its numbers later without a label (a PDF's merged label cell):
    the numbers keep the table's order, so each gap between two labelled rows is filled in order."""
    drifted = {3, 8, 12, 13, 14, 18, 19, 20}
    def shape(i: int, label: str, values: Sequence[int]) -> list[str] | None:
        if i not in drifted:
            return None
        broken = [label[:6], label[6:]] if len(label) > 6 else [label]  # the label, broken over lines
        return [*broken, "", _pipe(*values)]

    lines = _table3_lines(shape)
    path = _report(tmp_path, lines)
    assert _table3(path) == ROWS
    assert _invalid3(path) == set()


def test_a_parent_label_fragment_beside_a_row_label_is_not_the_row(tmp_path: Path) -> None:
    """ "| （三）不 | 4.保护第三方合法权益 | …" / "| 予公开 | 5.属于三类内部事务信息 | …": the row is the
    official label in the line, whatever fragment of its parent stands before it."""
    def shape(i: int, label: str, values: Sequence[int]) -> list[str] | None:
        if label.startswith("4.保护"):
            return [_pipe("（三）不", label, *values)]
        if label.startswith("5.属于三类"):
            return [_pipe("予公开", label, *values)]
        return None

    lines = _table3_lines(shape)
    assert _table3(_report(tmp_path, lines)) == ROWS


def test_a_gap_whose_count_does_not_match_stays_pending_and_is_listed(tmp_path: Path) -> None:
    """Two official rows between two labelled rows but three rows of numbers: which is which is not
    certain, so none of them is read; every other row is."""
    def shape(i: int, label: str, values: Sequence[int]) -> list[str] | None:
        if i == 8:
            return [_pipe(*values)]
        if i == 9:
            return [_pipe(*values), _pipe(*values)]  # a row of numbers too many
        return None

    lines = _table3_lines(shape)
    path = _report(tmp_path, lines)
    read = read_report(path)
    gap = {TABLE3.rows[8].id, TABLE3.rows[9].id}
    assert _invalid3(path) == gap
    assert all(_table3(path)[i] == ROWS[i] for i in range(len(ROWS)) if i not in (8, 9))
    listed = [p for p in read.problems if "不能确定属于哪一行" in p.message]
    assert len(listed) == 3 and all(p.location.line for p in listed)


def test_rows_placed_by_order_that_break_the_balance_are_not_used(tmp_path: Path) -> None:
    """The balance rules of the table are a guard: if the rows placed by order leave 表三 unbalanced,
    they are not used (the labelled rows still are)."""
    unbalanced = [list(r) for r in ROWS]
    unbalanced[8] = [100, 0, 0, 0, 0, 0, 100]  # the source's own numbers do not add up any more
    lines = list(HEADER)
    for i, (label, values) in enumerate(zip(LABELS, unbalanced, strict=True)):
        lines.append(_pipe(*values) if i in (8, 9) else _pipe(label, *values))
    path = _report(tmp_path, lines)
    read = read_report(path)
    assert _invalid3(path) == {TABLE3.rows[8].id, TABLE3.rows[9].id}
    assert any("不完整或不平衡" in p.message for p in read.problems)
    assert _table3(path)[10] == ROWS[10]


def test_labelled_rows_out_of_the_official_order_place_nothing_by_order(tmp_path: Path) -> None:
    lines = list(HEADER)
    order = list(range(len(LABELS)))
    order[4], order[5] = 5, 4  # two labelled rows printed the other way round
    for i in order:
        lines.append(_pipe(*ROWS[i]) if i == 10 else _pipe(LABELS[i], *ROWS[i]))
    path = _report(tmp_path, lines)
    assert _invalid3(path) == {TABLE3.rows[10].id}
    assert _table3(path)[4] == ROWS[4] and _table3(path)[5] == ROWS[5]  # labelled: read by their labels


def test_a_total_left_blank_is_computed_not_zero(tmp_path: Path) -> None:
    lines = [*HEADER, *(_pipe(label, *values) for label, values in zip(LABELS[:-1], ROWS[:-1], strict=True))]
    lines.append(_pipe(LABELS[-1], *ROWS[-1][:6], ""))  # "| 四、结转下年度继续办理 | 9 | 0 | … | 0 |  |"
    assert _table3(_report(tmp_path, lines))[-1] == ROWS[-1]


def test_a_table_heading_numbered_the_reports_own_way_names_its_table() -> None:
    assert table_of_heading("二、收到和处理政府信息公开申请情况", SPEC).id == "表三"  # type: ignore[union-attr]
    assert table_of_heading("三、政府信息公开行政复议、行政诉讼情况", SPEC).id == "表四"  # type: ignore[union-attr]
    assert table_of_heading("一、主动公开政府信息情况", SPEC).id == "表二"  # type: ignore[union-attr]
    assert table_of_heading("三、主动公开工作情况", SPEC) is None  # a text part of a report's own
    assert table_of_heading("四、结转下年度继续办理", SPEC) is None


def _block(number: int, line: int, *rows: list[str]) -> TableBlock:
    grid: list[list[GridCell | None]] = [[GridCell(t, r, c) for c, t in enumerate(row)] for r, row in enumerate(rows)]
    return TableBlock(number, grid, line=line)


def test_pieces_under_a_table_heading_join_and_know_their_table() -> None:
    """表四 whose header words the extraction lost ("维持 | 纠正 …") is still 表四: it is under 表四's
    heading. A page footer between its pieces does not split it."""
    blocks = [
        ParagraphBlock("三、政府信息公开行政复议、行政诉讼情况", line=1),
        _block(1, 2, ["维持", "纠正", "结果", "审结"]),
        ParagraphBlock("— 5 —", line=3),
        _block(2, 4, [str(n) for n in range(15)]),
        ParagraphBlock("五、其他需要报告的事项", line=5),
        _block(3, 6, ["无关", "1"]),
    ]
    out, problems = join_table_regions(blocks, SPEC, BODIES, "x.txt")
    tables = [b for b in out if isinstance(b, TableBlock)]
    assert [t.heading for t in tables] == ["四、政府信息公开行政复议、行政诉讼情况", ""]
    assert [[c.text for c in row if c] for row in tables[0].grid] == [
        ["维持", "纠正", "结果", "审结"], [str(n) for n in range(15)]]
    assert tables[0].row_lines == [2, 4] and [t.number for t in tables] == [1, 2]
    assert problems == [] and not any(isinstance(b, ParagraphBlock) and "5" in b.text for b in out)


def test_lines_among_the_pieces_are_listed_once_not_read_as_text() -> None:
    """Label fragments a PDF extraction pushed out of the table ("（三）不" / "予公开") are the table's
    debris: listed in one line, not left as paragraphs of some part; prose after the table stays."""
    blocks = [
        ParagraphBlock("三、收到和处理政府信息公开申请情况", line=1),
        _block(1, 2, ["一、本年新收政府信息公开申请数量", *"1000001"]),
        ParagraphBlock("（三）不", line=3),
        ParagraphBlock("予公开", line=4),
        ParagraphBlock("## 表三：收到和处理政府信息公开申请情况", line=5),
        _block(2, 6, ["二、上年结转政府信息公开申请数量", *"0000000"]),
        ParagraphBlock("（一）主要问题", line=7),
    ]
    out, problems = join_table_regions(blocks, SPEC, BODIES, "x.txt")
    assert [b.text for b in out if isinstance(b, ParagraphBlock)] == ["三、收到和处理政府信息公开申请情况", "（一）主要问题"]
    assert [(p.location.line, p.message) for p in problems if "已略过" in p.message] == [
        (3, "表三的各段之间有 3 行文字不是表格的行（被挤出表格的行名残片、拆散的表头等），"
            "已略过：“（三）不”“予公开”“## 表三：收到和处理政府信息公开申请情况”")]


def test_table_four_under_its_own_numbering_is_read_not_absent(tmp_path: Path) -> None:
    lines = SEED_TEXT.read_text(encoding="utf-8").splitlines()
    start = next(i for i, t in enumerate(lines) if t.startswith("四、政府信息公开行政复议"))
    end = next(i for i, t in enumerate(lines) if t.startswith("五、"))
    numbers = list(range(1, 16))
    numbers[4], numbers[9], numbers[14] = sum(numbers[0:4]), sum(numbers[5:9]), sum(numbers[10:14])
    lines[start + 1:end] = ["行政复议行政诉讼", _pipe("维持", "纠正", "结果", "审结"), "— 5 —", _pipe(*numbers)]
    path = tmp_path / "four.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    read = read_report(path)
    table = SPEC.table("表四")
    assert "表四" not in read.report.absent_tables
    assert [read.report.cells[("表四", row.id, c.id)].value for row in table.rows for c in row.columns] == numbers


@pytest.mark.parametrize(("text", "footer"), [
    ("— 4 —", True), ("- 12 -", True), ("－3－", True), ("4", False), ("— 四 —", False), ("2024 — 2025", False),
])
def test_page_footer(text: str, footer: bool) -> None:
    assert is_page_footer(text) is footer


def test_a_page_footer_inside_cell_lines_is_not_a_cell() -> None:
    blocks = gather_cell_lines([ParagraphBlock(t, line=i + 1) for i, t in enumerate(
        ["行政处罚", "0", "行政强制", "0", "行政事业性收费", "0", "— 4 —"])], BODIES)
    table = next(b for b in blocks if isinstance(b, TableBlock))
    assert [[c.text for c in row if c] for row in table.grid] == [["行政处罚", "0"], ["行政强制", "0"], ["行政事业性收费", "0"]]


def test_a_group_heading_or_a_note_with_numbers_is_not_read_as_some_row(tmp_path: Path) -> None:
    """"第二十条第（一）项 | 22" (numbers pushed out of their row) and "（其中修订 16 件） | 55" (a cell's
    note pushed out of the table) name no row: their numbers are listed, not guessed onto 规章."""
    seed = SEED_TEXT.read_text(encoding="utf-8").splitlines()
    start = next(i for i, t in enumerate(seed) if t.startswith("二、主动公开政府信息情况"))
    end = next(i for i, t in enumerate(seed) if t.startswith("三、收到和处理"))
    table2 = ["第二十条第（一）项 | 22", "（其中修订 16 件） | 55", *seed[start + 2:end]]
    table2 = [t.replace("规章 | 0 | 0 | 0", "规章 | 3 | 1 | 7") for t in table2]
    lines = [*HEADER, *(_pipe(label, *values) for label, values in zip(LABELS, ROWS, strict=True))]
    read = read_report(_report(tmp_path, lines, table2))
    assert [read.report.cells[("表二", "规章", c)].value for c in ("本年制发件数", "本年废止件数", "现行有效件数")] == [3, 1, 7]
    messages = [p.message for p in read.problems]
    assert any("“第二十条第（一）项”是一组行的标题" in m for m in messages)
    assert any("“（其中修订 16 件）”是单元格里的注释" in m for m in messages)


def test_a_row_with_more_numbers_than_columns_is_read_by_its_header_labels(tmp_path: Path) -> None:
    """A 2019 表二 row "行政许可 | 上一年项目数量 | 本年增/减 | 处理决定数量": the number under the label that
    stands for the row's one column (处理决定数量 → 本年处理决定数量) is read, the others are listed."""
    page = """<html><body><p>示例街道2019年政府信息公开工作年度报告</p><p>二、主动公开政府信息情况</p><table>
    <tr><td colspan="4">第二十条第（五）项</td></tr>
    <tr><td>信息内容</td><td>上一年项目数量</td><td>本年增/减</td><td>处理决定数量</td></tr>
    <tr><td>行政许可</td><td>5</td><td>2</td><td>17</td></tr>
    <tr><td colspan="4">第二十条第（六）项</td></tr>
    <tr><td>信息内容</td><td>上一年项目数量</td><td>本年增/减</td><td>处理决定数量</td></tr>
    <tr><td>行政处罚</td><td>1</td><td>0</td><td>3</td></tr>
    <tr><td>行政强制</td><td>4</td><td>6</td><td>8</td></tr>
    </table></body></html>"""
    path = tmp_path / "old.html"
    path.write_text(page, encoding="utf-8")
    read = read_report(path)
    cells = read.report.cells
    assert [cells[("表二", r, "本年处理决定数量")].value for r in ("行政许可", "行政处罚", "行政强制")] == [17, 3, 8]
    listed = [p.message for p in read.problems if "在现行格式中没有对应的栏" in p.message]
    assert listed[0] == ("表二「第二十条第（五）项 行政许可」行按栏目「处理决定数量」读取；"
                         "其余 2 个数（上一年项目数量 5、本年增/减 2）在现行格式中没有对应的栏，没有导入")
    assert len(listed) == 3


def test_a_row_with_more_numbers_and_no_matching_header_is_not_read(tmp_path: Path) -> None:
    page = """<html><body><p>二、主动公开政府信息情况</p><table>
    <tr><td colspan="4">第二十条第（五）项</td></tr>
    <tr><td>信息内容</td><td>上一年项目数量</td><td>本年增/减</td><td>其他数量</td></tr>
    <tr><td>行政许可</td><td>5</td><td>2</td><td>17</td></tr>
    </table></body></html>"""
    path = tmp_path / "old.html"
    path.write_text(page, encoding="utf-8")
    read = read_report(path)
    assert ("表二", "行政许可", "本年处理决定数量") in read.report.invalid_cells


def test_a_row_label_fused_with_a_parent_fragment_in_one_cell_anchors_its_row(tmp_path: Path) -> None:
    """"| 予公开5.属于三类内部事务信息 | …": the official label inside the cell names the row; the rows without
    a label around it are placed by order."""
    def shape(i: int, label: str, values: Sequence[int]) -> list[str] | None:
        if label.startswith("5.属于三类"):
            return [_pipe("予公开" + label, *values)]
        return [_pipe(*values)] if i in (7, 9) else None

    lines = _table3_lines(shape)
    path = _report(tmp_path, lines)
    assert _table3(path) == ROWS
    assert _invalid3(path) == set()


def test_a_cell_holding_two_row_labels_names_no_row(tmp_path: Path) -> None:
    def shape(i: int, label: str, values: Sequence[int]) -> list[str] | None:
        if i == 8:
            return [_pipe(LABELS[8] + LABELS[12], *values)]  # which of the two is not certain
        return [_pipe(*values)] if i in (7, 9) else None

    lines = _table3_lines(shape)
    path = _report(tmp_path, lines)
    assert _table3(path) == ROWS  # three rows without a usable label, three official rows: in order


def test_prose_after_a_table_ends_it_a_note_under_it_does_not() -> None:
    """A table in part 五 or 六 after 表四 (a report without the heading of part 五) is not a piece of 表四;
    the note under 表四 ("注：……。") does not end it."""
    blocks = [
        ParagraphBlock("四、政府信息公开行政复议、行政诉讼情况", line=1),
        _block(1, 2, ["维持", "纠正", "结果", "审结"]),
        ParagraphBlock("注：行政复议、行政诉讼数量含上年度结转数量。", line=3),
        _block(2, 4, [str(n) for n in range(15)]),
        ParagraphBlock("（一）主要问题", line=5),
        ParagraphBlock("本机关办理的人大代表建议如下表。", line=6),
        _block(3, 7, ["人大代表建议", "12"]),
    ]
    out, _ = join_table_regions(blocks, SPEC, BODIES, "x.txt")
    tables = [b for b in out if isinstance(b, TableBlock)]
    assert [t.heading for t in tables] == ["四、政府信息公开行政复议、行政诉讼情况", ""]
    assert len(tables[0].grid) == 2
