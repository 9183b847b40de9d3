"""Tables of a pasted text (a PDF's text extraction, a page copied as text) that arrive broken, joined again.

A text extraction of a PDF cuts one official table into many pieces: the markdown rows of one table are
broken up by repeated headers and page footers ("— 4 —"), by headings a tool inserted ("## 表三：…"),
and by label fragments the extraction pushed out of the table ("（三）不" / "予公开"). The row labels
drift away from their numbers, while the numbers of a row stay together and the rows keep their
printed order. Two general rules follow from that:

1. Everything under a table's heading (up to the next part heading, or the first sentence of prose after
   it) that looks like a piece of that table is one table: the pieces are joined in order
   (`join_table_regions`).
2. In a table whose rows all have the same columns (表三), a row of numbers whose label is an official
   row label anchors that row; rows of numbers without a usable label between two anchors are given,
   in order, to the official rows between them — only when there are exactly as many of them as there
   are official rows in that gap (`place_by_order`). As an extra guard the placed table must then be
   complete and satisfy the table's own column balance rules (rules.yaml, `each: column`); otherwise
   the rows placed by order are not used. A row of numbers that cannot be placed with certainty is
   dropped and listed, never guessed: its cells stay 【待补】.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass

from .docx_reader import GridCell, ParagraphBlock, TableBlock, renumber_tables
from .problems import Kind, Location, Problem, warning
from .spec import Spec, Table, normalize_label

_NUMERALS = "一二三四五六七八九十"
_HEADING = re.compile(rf"^([{_NUMERALS}]+)、\s*(.{{2,40}})$")
_VALUE_WORDS = {"", "无", "没有", "/", "／", "—", "-", "－", "——", "空"}
_VALUE_LIKE = re.compile(r"^[-−－]?\s*[\d.,，]+\s*(?:件|万元|元|个|条)?$")
_PLAIN_NUMBER = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$|^\d+(?:\.\d+)?$")
# A page number printed in the footer of a PDF page and carried into the text: "— 4 —", "- 12 -".
_PAGE_FOOTER = re.compile(r"^[-—－–]{1,3}\s*\d{1,4}\s*[-—－–]{1,3}$")
# A table heading closely matched by a heading numbered the report's own way ("二、收到和处理…" for 表三).
_HEADING_RATIO = 0.75


def is_value_text(text: str) -> bool:
    """True for what a number cell may hold, valid or not: digits, blanks, "无", "/", "—", Chinese numerals."""
    folded = unicodedata.normalize("NFKC", text).strip()
    if folded in _VALUE_WORDS or _VALUE_LIKE.match(folded):
        return True
    return bool(folded) and all(c in "零〇一二两三四五六七八九十百千万" for c in folded) and len(folded) <= 4


def is_page_footer(text: str) -> bool:
    """A page number as a PDF prints it in the footer ("— 4 —"): page furniture, not a table cell."""
    return bool(_PAGE_FOOTER.match(unicodedata.normalize("NFKC", text).strip()))


def _heading_words(text: str) -> tuple[str, str] | None:
    match = _HEADING.match(normalize_label(text).replace("(", "（").replace(")", "）"))
    return (match.group(1), normalize_label(match.group(2))) if match else None


def _ratio(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b).ratio()


def is_part_heading(text: str, bodies: dict[str, str]) -> bool:
    """A line that is one of the report's part headings (not a row label that also starts with 一、 二、…:
    "四、结转下年度继续办理" is a row of 表三, "四、政府信息公开行政复议、行政诉讼情况" the heading of part 四)."""
    found = _heading_words(text)
    if found is None:
        return False
    numeral, words = found
    # Its own numeral's heading, or (in a report that numbers its parts its own way) any heading closely.
    return (numeral in bodies and _ratio(words, bodies[numeral]) >= 0.6) or \
        any(_ratio(words, body) >= _HEADING_RATIO for body in bodies.values())


def table_of_heading(text: str, spec: Spec) -> Table | None:
    """The official table whose part heading this line is, whatever numeral the report gives it: the table
    whose heading words the line's words match best (at least closely)."""
    found = _heading_words(text)
    if found is None:
        return None
    words = found[1]
    best: tuple[float, Table | None] = (0.0, None)
    for table in spec.tables:
        body = normalize_label(table.key.split("、", 1)[-1])
        ratio = _ratio(words, body)
        if ratio >= _HEADING_RATIO and ratio > best[0]:
            best = (ratio, table)
    return best[1]


def identify_table(block: TableBlock) -> str | None:
    """Which official table a block is, by its content."""
    text = normalize_label("".join(c.text for row in block.grid for c in row if c is not None))
    if "第二十条" in text:
        return "表二"
    if "申请人" in text or "本年新收" in text or "本年度办理结果" in text:
        return "表三"
    if "行政复议" in text and "行政诉讼" in text:
        return "表四"
    return None


def _row_texts(block: TableBlock, r: int) -> list[str]:
    return [c.text for c in block.origins(r)]


def _row_line(block: TableBlock, r: int) -> int:
    return block.row_lines[r] if r < len(block.row_lines) else block.line + r


def _grid(rows: list[list[str]]) -> list[list[GridCell | None]]:
    grid: list[list[GridCell | None]] = [[GridCell(t, r, c) for c, t in enumerate(row)] for r, row in enumerate(rows)]
    width = max((len(row) for row in grid), default=0)
    for row in grid:
        row.extend([None] * (width - len(row)))
    return grid


def join_table_regions(
    blocks: list[ParagraphBlock | TableBlock], spec: Spec, bodies: dict[str, str], display: str
) -> tuple[list[ParagraphBlock | TableBlock], list[Problem]]:
    """The pieces of each official table under its heading joined into one table block that knows its
    table (`TableBlock.heading`), with the rows of a table of equal rows placed by order (see the module
    docstring). Paragraphs stay where they are; a piece that is recognisably another table ends the run."""
    out = list(blocks)
    problems: list[Problem] = []
    regions: list[tuple[Table, int, int]] = []
    current: tuple[Table, int] | None = None
    for index, block in enumerate(out):
        if not isinstance(block, ParagraphBlock):
            continue
        if current is not None and _ends_table(block.text):
            regions.append((current[0], current[1], index))
            current = None
        if not is_part_heading(block.text, bodies):
            continue
        if current is not None:
            regions.append((current[0], current[1], index))
            current = None
        table = table_of_heading(block.text, spec)
        if table is not None:
            current = (table, index + 1)
    if current is not None:
        regions.append((current[0], current[1], len(out)))
    for table, start, end in reversed(regions):
        members: list[int] = []
        for index in range(start, end):
            block = out[index]
            if not isinstance(block, TableBlock):
                continue
            if identify_table(block) not in (None, table.id):
                break
            members.append(index)
        if not members:
            continue
        pieces = [out[i] for i in members]
        rows: list[list[str]] = []
        lines: list[int] = []
        for piece in pieces:
            assert isinstance(piece, TableBlock)
            for r in range(len(piece.grid)):
                rows.append(_row_texts(piece, r))
                lines.append(_row_line(piece, r))
        if _equal_rows(table):
            rows, lines, found = place_by_order(rows, lines, table, spec, display)
            problems.extend(found)
        first = pieces[0]
        assert isinstance(first, TableBlock)
        joined = TableBlock(first.number, _grid(rows), line=first.line, row_lines=lines, heading=table.key,
                            loose=any(isinstance(p, TableBlock) and p.loose for p in pieces))
        # The lines among the pieces are the table's debris (label fragments pushed out of it, its header
        # broken into words, page numbers, a tool's "## 表三：…"): listed once, not read as text of a part.
        debris = [i for i in range(start, members[-1]) if isinstance(out[i], ParagraphBlock)
                  and not _NOTE_UNDER_TABLE.match(out[i].text.strip())]  # type: ignore[union-attr]
        listed = [i for i in debris if not is_page_footer(out[i].text)]  # type: ignore[union-attr]
        if listed:  # a page number is page furniture: dropped without a word
            shown = "”“".join(out[i].text for i in listed[:3])  # type: ignore[union-attr]
            problems.append(warning(
                Location(display, out[listed[0]].line),  # type: ignore[union-attr]
                f"{table.id}的各段之间有 {len(listed)} 行文字不是表格的行（被挤出表格的行名残片、拆散的表头等），"
                f"已略过：“{shown}”{'等' if len(listed) > 3 else ''}",
                f"对照原表格核对{table.id}；表格中的数字已按行名和次序读取，放不准的另有列出", kind=Kind.UNPLACED,
            ))
        for i in reversed(sorted(set(members[1:]) | set(debris))):
            del out[i]
        out[members[0] - sum(1 for i in debris if i < members[0])] = joined
    return renumber_tables(out), problems


_NOTE_UNDER_TABLE = re.compile(r"^(?:注|说明|备注)\s*[：:]")


def _ends_table(text: str) -> bool:
    """A sentence (it has a full stop) is prose after the table, not a piece of it; a note under the table
    ("注：行政复议、行政诉讼数量含上年度结转数量。") is not."""
    return "。" in text and not _NOTE_UNDER_TABLE.match(text.strip())


def _equal_rows(table: Table) -> bool:
    widths = {len(row.columns) for row in table.rows}
    return len(table.rows) > 2 and len(widths) == 1


@dataclass
class _NumberRow:
    index: int  # in the joined rows
    labels: list[str]
    values: list[str]
    anchor: int | None  # index of the official row its label names
    clean: bool  # exactly one plain number per column


def _split(texts: list[str]) -> tuple[list[str], list[str]]:
    for index, text in enumerate(texts):
        if is_value_text(text):
            return texts[:index], texts[index:]
    return texts, []


def place_by_order(
    rows: list[list[str]], lines: list[int], table: Table, spec: Spec, display: str
) -> tuple[list[list[str]], list[int], list[Problem]]:
    """Rows of a table of equal rows (label cells, then numbers) with each row of numbers under the official
    label it belongs to: by its own label, or by order between two labelled rows when the count of rows
    without a usable label equals the count of official rows between them. Rows that cannot be placed with
    certainty are left out and listed. Header rows (no numbers) stay as they are."""
    width = len(table.rows[0].columns)
    by_label: dict[str, list[int]] = {}
    for i, row in enumerate(table.rows):
        for label in (row.label, *row.aliases):
            by_label.setdefault(normalize_label(label), []).append(i)
    numbered: list[_NumberRow] = []
    for index, texts in enumerate(rows):
        labels, values = _split(texts)
        if not values or not any(v.strip() for v in values):
            continue
        named = {i for label in labels for i in by_label.get(normalize_label(label), [])}
        if not named:  # the label inside a cell with a parent's fragment ("予公开5.属于三类内部事务信息")
            named = {i for label in labels for i in _labels_inside(normalize_label(label), by_label)}
        anchor = named.pop() if len(named) == 1 else None
        clean = len(values) == width and all(_PLAIN_NUMBER.match(v.strip()) for v in values)
        numbered.append(_NumberRow(index, labels, values, anchor, clean))
    anchors = [n.anchor for n in numbered if n.anchor is not None]
    placed: dict[int, int] = {}  # joined row index → official row index, for rows placed by order
    if anchors == sorted(set(anchors)):  # labelled rows in the official order, each once
        gap: list[_NumberRow] = []
        before = -1
        for entry in [*numbered, None]:
            if entry is not None and entry.anchor is None:
                gap.append(entry)
                continue
            after = entry.anchor if entry is not None and entry.anchor is not None else len(table.rows)
            if gap and all(n.clean for n in gap) and len(gap) == after - before - 1:
                for offset, n in enumerate(gap):
                    placed[n.index] = before + 1 + offset
            gap = []
            before = after
    problems: list[Problem] = []
    if placed and not _balances(numbered, placed, table, spec):
        problems.append(warning(
            Location(display, lines[min(placed)]),
            f"{table.id}中有 {len(placed)} 行数字与行名在复制时错开了；按先后次序对应后{table.id}不完整或不平衡，"
            "这些行没有读取，写作【待补】",
            f"对照原表格，在数据文件中把{table.id}这几行的数字填到对应的行", kind=Kind.UNPLACED,
        ))
        placed = {}
    out_rows: list[list[str]] = []
    out_lines: list[int] = []
    numbered_at = {n.index: n for n in numbered}
    for index, texts in enumerate(rows):
        entry = numbered_at.get(index)
        if entry is None:
            out_rows.append(texts)
        elif entry.anchor is not None:
            # Only the official label: a parent's fragment beside it ("（三）不") is not another row's name.
            label = next((t for t in entry.labels if entry.anchor in by_label.get(normalize_label(t), [])),
                         table.rows[entry.anchor].label)
            out_rows.append([label, *entry.values])
        elif index in placed:
            out_rows.append([table.rows[placed[index]].label, *entry.values])
        elif not entry.clean:
            out_rows.append(texts)  # not a row of this table's shape (表四 in one row of 15): read as it is
        else:
            why = f"（行名“{''.join(entry.labels)}”不完整）" if entry.labels else "（没有行名）"
            problems.append(warning(
                Location(display, lines[index]),
                f"{table.id}中的一行数字（{' '.join(entry.values)}）不能确定属于哪一行{why}，没有读取",
                f"对照原表格，在数据文件中把这些数填到{table.id}对应的行", kind=Kind.UNPLACED,
            ))
            continue
        out_lines.append(lines[index])
    return out_rows, out_lines, problems


def _labels_inside(folded: str, by_label: dict[str, list[int]]) -> set[int]:
    """The rows whose official label stands inside a label cell with other text (at least a few characters
    long, so that a short label is not found inside a longer one by chance)."""
    return {i for label, rows in by_label.items() if len(label) >= 4 and label in folded for i in rows}


def _balances(numbered: list[_NumberRow], placed: dict[int, int], table: Table, spec: Spec) -> bool:
    """The table complete (every official row has its numbers) and every column balance rule of the table
    holding, with the rows placed by order where they were placed."""
    width = len(table.rows[0].columns)
    values: dict[str, list[int]] = {}
    for entry in numbered:
        official = entry.anchor if entry.anchor is not None else placed.get(entry.index)
        if official is None:
            continue
        row = table.rows[official]
        numbers = [v.strip().replace(",", "") for v in entry.values]
        if not all(re.fullmatch(r"\d+", v) for v in numbers):
            return False
        counts = [int(v) for v in numbers]
        if len(counts) == width - 1 and row.columns[-1].computed:
            counts.append(sum(counts))
        if len(counts) != width:
            return False
        values[row.id] = counts
    if any(row.id not in values for row in table.rows):
        return False
    for rule in spec.rules_of("balance"):
        if rule.params.get("table") != table.id or rule.params.get("each") != "column":
            continue
        left = table.expand_rows(rule.params["left"])
        right = table.expand_rows(rule.params["right"])
        for column in range(width):
            if sum(values[r.id][column] for r in left) != sum(values[r.id][column] for r in right):
                return False
    return True
