"""Tables pasted from a web page in every shape: one cell per line, and a row split over lines."""

from __future__ import annotations

from pathlib import Path

from nianbao.docx_reader import ParagraphBlock, TableBlock
from nianbao.report_reader import gather_cell_lines, is_part_heading, read_report
from tests.conftest import SEED_TEXT

BODIES = {"二": "主动公开政府信息情况", "三": "收到和处理政府信息公开申请情况", "四": "政府信息公开行政复议、行政诉讼情况"}


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.split("|") if c.strip()]


def _numbered(tmp_path: Path) -> Path:
    """The seed with every number cell made distinct (1, 2, 3, …), so that a number read into the wrong
    cell shows: the seed's own tables are almost all 0."""
    counter = iter(range(1, 1000))
    out = []
    for line in SEED_TEXT.read_text(encoding="utf-8").splitlines():
        if "|" in line:
            line = " | ".join(str(next(counter)) if c.strip() == "0" else c.strip() for c in line.split("|"))
        out.append(line)
    path = tmp_path / "numbered.txt"
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


def _reshaped(tmp_path: Path, name: str, shape: str) -> Path:
    """The numbered seed with every pipe row written in another pasted shape."""
    out: list[str] = []
    for line in _numbered(tmp_path).read_text(encoding="utf-8").splitlines():
        if "|" not in line:
            out.append(line)
            continue
        cells = _cells(line)
        if shape == "cell per line":
            out.extend(c for cell in cells for c in (cell, ""))  # blank lines between cells, as web pages do
        else:  # the label on its line, the numbers on the next (separated by spaces)
            labels = [c for c in cells if not c.replace(".", "").isdigit()]
            numbers = [c for c in cells if c.replace(".", "").isdigit()]
            out.extend(labels)
            if numbers:
                out.append("  ".join(numbers))
    path = tmp_path / name
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


def _values(path: Path) -> dict[tuple[str, str, str], object]:
    return {k: c.value for k, c in read_report(path).report.cells.items()}


def test_one_cell_per_line_reads_like_pipe_rows(tmp_path: Path) -> None:
    path = _reshaped(tmp_path, "cells.txt", "cell per line")
    read = read_report(path)
    assert _values(path) == _values(_numbered(tmp_path))
    assert not read.report.invalid_cells and not read.report.absent_tables


def test_row_split_over_lines_reads_like_pipe_rows(tmp_path: Path) -> None:
    path = _reshaped(tmp_path, "split.txt", "split rows")
    read = read_report(path)
    assert _values(path) == _values(_numbered(tmp_path))
    assert not read.report.invalid_cells and not read.report.absent_tables


def _paragraphs(*texts: str) -> list[ParagraphBlock | TableBlock]:
    return [ParagraphBlock(t, line=i + 1) for i, t in enumerate(texts)]


def test_cell_lines_become_rows_label_first() -> None:
    blocks = gather_cell_lines(_paragraphs("信息内容", "规章", "0", "0", "0", "行政规范性文件", "3", "1", "20"), BODIES)
    assert len(blocks) == 1 and isinstance(blocks[0], TableBlock)
    rows = [[c.text for c in row if c is not None] for row in blocks[0].grid]
    assert rows == [["信息内容"], ["规章", "0", "0", "0"], ["行政规范性文件", "3", "1", "20"]]
    assert blocks[0].row_lines == [1, 2, 6]  # each row points at the line its label is on


def test_numbers_are_never_joined_or_guessed(tmp_path: Path) -> None:
    # "1 234" is two cells: the row has one number too many and is listed as unreadable, not read as 1234.
    blocks = gather_cell_lines(_paragraphs("行政处罚", "1 234", "行政强制", "0", "x", "0"), BODIES)
    table = blocks[0]
    assert isinstance(table, TableBlock)
    assert [c.text for c in table.grid[0] if c is not None] == ["行政处罚", "1", "234"]


def test_short_lines_without_numbers_and_sentences_stay_text() -> None:
    texts = ("（一）主动公开", "本年度主动公开信息 120 条。", "（二）依申请公开", "2024年", "2025.01.14")
    assert gather_cell_lines(_paragraphs(*texts), BODIES) == _paragraphs(*texts)


def test_a_part_heading_ends_a_pasted_table_but_a_row_label_does_not() -> None:
    assert is_part_heading("四、政府信息公开行政复议、行政诉讼情况", BODIES)
    assert is_part_heading("三、政府信息公开行政复议和行政诉讼情况", BODIES)  # numbered its own way
    assert not is_part_heading("四、结转下年度继续办理", BODIES)
    assert not is_part_heading("一、本年新收政府信息公开申请数量", BODIES)


def test_a_header_box_merged_over_the_rows_below_is_not_a_number(tmp_path: Path) -> None:
    """A PDF table whose header box is drawn over the rows below: the box's text is not a cell of those rows."""
    from nianbao.docx_reader import DocumentBlocks, GridCell
    from nianbao.report_reader import _Reader
    from nianbao.spec import load_spec, resolve_template

    box = GridCell("第二十条第（六）项信息内容本年处理决定数量", 0, 1, 3)
    rows = [["第二十条第（六）项"], ["信息内容", "本年处理决定数量"], ["行政处罚", "3985758"], ["行政强制", "88283"]]
    grid = [[GridCell(t, r, c) for c, t in enumerate(row)] + [box] * (4 - len(row)) for r, row in enumerate(rows)]
    blocks = DocumentBlocks("pdf", "r.pdf", [ParagraphBlock("二、主动公开政府信息情况"), TableBlock(1, grid)])
    spec = load_spec(resolve_template(None, base=tmp_path))
    read = _Reader(blocks, spec, tmp_path / "r.pdf").read()
    assert read.report.cells[("表二", "行政处罚", "本年处理决定数量")].value == 3985758
    assert read.report.cells[("表二", "行政强制", "本年处理决定数量")].value == 88283


def _read_pdf_table(tmp_path: Path, heading: str, rows: list[list[str]]):
    from nianbao.docx_reader import DocumentBlocks, GridCell
    from nianbao.report_reader import _Reader
    from nianbao.spec import load_spec, resolve_template

    grid = [[GridCell(t, r, c) for c, t in enumerate(row)] for r, row in enumerate(rows)]
    blocks = DocumentBlocks("pdf", "r.pdf", [ParagraphBlock(heading), TableBlock(1, grid)])
    return _Reader(blocks, load_spec(resolve_template(None, base=tmp_path)), tmp_path / "r.pdf").read()


def test_a_header_row_with_an_empty_cell_is_not_a_row_of_numbers(tmp_path: Path) -> None:
    five = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    read = _read_pdf_table(tmp_path, "四、政府信息公开行政复议、行政诉讼情况", [
        ["行政复议"] * 5 + ["", "", ""] + ["行政诉讼"] * 7,
        five + ["未经复议直接起诉"] * 5 + ["复议后起诉"] * 5,
        five * 3,
        ["1", "1", "0", "0", "2", "1", "0", "0", "0", "1", "2", "0", "1", "0", "3"],
    ])
    values = [read.report.cells[("表四", row, "总计")].value for row in ("行政复议", "直接起诉", "复议后起诉")]
    assert values == [2, 1, 3] and not read.report.invalid_cells


def test_an_empty_label_cell_before_the_numbers_is_not_a_number(tmp_path: Path) -> None:
    read = _read_pdf_table(tmp_path, "二、主动公开政府信息情况", [
        ["第二十条第（五）项", "第二十条第（五）项", "第二十条第（五）项"],
        ["信息内容", "", "本年处理决定数量"],
        ["行政许可", "", "447228"],
    ])
    assert read.report.cells[("表二", "行政许可", "本年处理决定数量")].value == 447228
