"""Read a published report — a .docx or plain text — into a flat list of blocks: paragraphs and tables.

Tables are read merge-aware from the WordprocessingML itself: python-docx's ``row.cells`` repeats one cell
object over a merged area, so each ``w:tc`` is placed on the grid by its ``w:gridSpan`` (columns) and
``w:vMerge`` (rows), and every grid position knows the cell it belongs to and whether it is that cell's
own top-left position. Plain text (a report copied out of a PDF or a web page) has its tables flattened to
``|``-separated rows; there the cells of a row are simply taken in order.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from lxml import etree

from .errors import FileTrouble
from .source import read_bytes, read_text
from .wordml import MAX_DOCX_BYTES, not_a_docx_reason, paragraph_text, read_zip_parts, w

_w = w


@dataclass(frozen=True)
class GridCell:
    """One table cell as placed on the grid: its text and the grid row/column of its top-left corner."""

    text: str
    row: int
    column: int
    span: int = 1


@dataclass
class TableBlock:
    """A table: `grid[r][c]` is the cell covering grid row r, column c (None where a row is short)."""

    number: int  # 1-based, in document order
    grid: list[list[GridCell | None]]
    line: int = 0  # plain text: the line of the first row
    row_lines: list[int] = field(default_factory=list)  # plain text: each row's line, when rows span lines
    loose: bool = False  # built from loose lines (one cell per line, numbers apart): a blank cell left no trace
    heading: str = ""  # plain text: the official heading of the table it was found under, when known

    def origins(self, r: int) -> list[GridCell]:
        """The cells of grid row r that start in that row, once each, left to right."""
        seen: list[GridCell] = []
        for cell in self.grid[r]:
            if cell is not None and cell.row == r and cell not in seen:
                seen.append(cell)
        return seen

    def row_cells(self, r: int) -> list[GridCell]:
        """Every distinct cell covering grid row r (cells merged down from above included), left to right."""
        seen: list[GridCell] = []
        for cell in self.grid[r]:
            if cell is not None and (not seen or seen[-1] is not cell):
                seen.append(cell)
        return seen


@dataclass
class ParagraphBlock:
    text: str
    style: str = ""  # paragraph style id in a .docx ("Heading1"); empty for plain text
    line: int = 0  # plain text: the line number


def renumber_tables(blocks: list[ParagraphBlock | TableBlock]) -> list[ParagraphBlock | TableBlock]:
    """`blocks` with the tables numbered 1, 2, … in order again (after tables were joined or split), in place."""
    number = 0
    for i, block in enumerate(blocks):
        if isinstance(block, TableBlock):
            number += 1
            if block.number != number:
                blocks[i] = replace(block, number=number)
    return blocks


@dataclass
class DocumentBlocks:
    """A document as blocks in reading order; `kind` is "docx" or "text". `properties`: a .docx's
    docProps/custom.xml as read with the rest of it (b"" when it has none), for its provenance."""

    kind: str
    display: str
    blocks: list[ParagraphBlock | TableBlock] = field(default_factory=list)
    properties: bytes = b""


def read_blocks(path: Path, display: str, data: bytes | None = None) -> DocumentBlocks:
    """A .docx (by its suffix, or `data` given) or a text file as blocks. Unreadable files raise FileTrouble."""
    if data is not None or path.suffix.lower() == ".docx":
        return read_docx_blocks(path, display, data)
    text, _ = read_text(path, display)
    return plain_text_blocks(text, display)


def read_docx_blocks(path: Path, display: str, data: bytes | None = None) -> DocumentBlocks:
    raw = data if data is not None else read_bytes(path, display, what="Word 文档", limit=MAX_DOCX_BYTES)
    reason = not_a_docx_reason(raw)
    if reason is not None:
        raise FileTrouble(reason, display)
    try:
        # Every part inflated once, within the bounds (counted while inflating); the body parsed from that.
        parts = read_zip_parts(raw)
        body = _main_document_body(parts)
    except FileTrouble as trouble:
        trouble.where = display
        raise
    except etree.XMLSyntaxError as exc:
        if "huge" in str(exc).lower():
            raise FileTrouble(
                "文档中有一段文字超长（上千万字符），不像一份年报，未读取。请检查文档是否损坏", display
            ) from None
        raise FileTrouble(
            "不是有效的 Word 文档（.docx）：其中的 XML 已损坏。请在 Word/WPS 中打开后“另存为” .docx 再试", display
        ) from None
    except (zipfile.BadZipFile, KeyError, ValueError, RuntimeError, NotImplementedError):
        raise FileTrouble(
            "不是有效的 Word 文档（.docx）。如果是 .doc 或 WPS 格式，请在 Word/WPS 中“另存为” .docx 后再试",
            display,
        ) from None
    result = DocumentBlocks("docx", display, properties=parts.get(_CUSTOM_PROPERTIES, b""))
    tables = 0
    for element in _body_elements(body):
        if element.tag == _w("p"):
            text = paragraph_text(element)
            if text.strip():
                result.blocks.append(ParagraphBlock(text.strip(), _style(element)))
        elif element.tag == _w("tbl"):
            tables += 1
            result.blocks.append(TableBlock(tables, table_grid(element)))
    return result


_CUSTOM_PROPERTIES = "docProps/custom.xml"
_OFFICE_DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
_RELATIONSHIP = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_CONTENT_TYPES = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_WORD_DOCUMENT = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"


def _main_document_body(parts: dict[str, bytes]) -> etree._Element:
    """The w:body of the package's main document, found as python-docx finds it: the officeDocument
    relationship of _rels/.rels, whose content type must be a Word document's (not a template's or a
    macro document's). KeyError or ValueError when the package is not such a document; lxml's
    XMLSyntaxError when its XML is malformed (parsed as python-docx parses it: blank text dropped, no
    entities resolved, no huge text nodes)."""
    parser = etree.XMLParser(remove_blank_text=True, resolve_entities=False)
    relationships = etree.fromstring(parts["_rels/.rels"], parser)
    target = next((r.get("Target", "") for r in relationships.iter(_RELATIONSHIP)
                   if r.get("Type") == _OFFICE_DOCUMENT), None)
    if not target:
        raise KeyError("no main document")
    name = posixpath.normpath(target).lstrip("/")
    types = etree.fromstring(parts["[Content_Types].xml"], parser)
    content_type = next((t.get("ContentType") for t in types.iter(f"{_CONTENT_TYPES}Override")
                         if t.get("PartName", "").lstrip("/").lower() == name.lower()), None)
    if content_type is None:
        extension = posixpath.splitext(name)[1].lstrip(".").lower()
        content_type = next((t.get("ContentType") for t in types.iter(f"{_CONTENT_TYPES}Default")
                             if t.get("Extension", "").lower() == extension), None)
    if content_type != _WORD_DOCUMENT:
        raise ValueError(f"not a Word document: {content_type}")
    body = etree.fromstring(parts[name], parser).find(_w("body"))
    if body is None:
        raise ValueError("no body")
    return body


def _body_elements(parent: etree._Element) -> Iterator[etree._Element]:
    """Paragraphs and tables of the body in order, looking inside content controls (w:sdt)."""
    for child in parent:
        if child.tag in (_w("p"), _w("tbl")):
            yield child
        elif child.tag == _w("sdt"):
            content = child.find(_w("sdtContent"))
            if content is not None:
                yield from _body_elements(content)


def _style(paragraph: etree._Element) -> str:
    style = paragraph.find(f"{_w('pPr')}/{_w('pStyle')}")
    return style.get(_w("val"), "") if style is not None else ""


def _cell_text(tc: etree._Element) -> str:
    # A label broken over lines in its cell ("商业\n企业") reads as one label.
    return "".join(paragraph_text(p).strip() for p in tc.iter(_w("p")))


def table_grid(tbl: etree._Element) -> list[list[GridCell | None]]:
    """Place every w:tc on the grid by w:gridBefore, w:gridSpan and w:vMerge."""
    grid: list[list[GridCell | None]] = []
    for r, tr in enumerate(tbl.findall(_w("tr"))):
        row: list[GridCell | None] = []
        before = tr.find(f"{_w('trPr')}/{_w('gridBefore')}")
        if before is not None:
            row.extend([None] * int(before.get(_w("val"), "0")))
        for tc in tr.findall(_w("tc")):
            props = tc.find(_w("tcPr"))
            span, continues = 1, False
            if props is not None:
                grid_span = props.find(_w("gridSpan"))
                if grid_span is not None:
                    span = max(1, int(grid_span.get(_w("val"), "1")))
                v_merge = props.find(_w("vMerge"))
                if v_merge is not None and v_merge.get(_w("val"), "continue") != "restart":
                    continues = True
            column = len(row)
            above = grid[r - 1][column] if r > 0 and column < len(grid[r - 1]) else None
            cell = above if continues and above is not None else GridCell(_cell_text(tc), r, column, span)
            row.extend([cell] * span)
        grid.append(row)
    width = max((len(row) for row in grid), default=0)
    for row in grid:
        row.extend([None] * (width - len(row)))
    return grid


_NUMBER_FIELD = re.compile(r"^[-\d.,，]+$")


def _tab_rows(lines: list[str]) -> set[int]:
    """Indexes of the lines that are table rows pasted with tabs (a table copied out of a web page or a
    spreadsheet): runs of consecutive lines holding a tab, where some line of the run has a number field.
    A lone tab between words ("标题<TAB>发布日期") is text."""
    rows: set[int] = set()
    run: list[int] = []
    for i, line in enumerate([*lines, ""]):
        if "\t" in line.strip(" ") and line.strip():
            run.append(i)
            continue
        if any(_NUMBER_FIELD.match(f.strip()) for j in run for f in lines[j].split("\t")):
            rows.update(run)
        run = []
    return rows


def plain_text_blocks(text: str, display: str) -> DocumentBlocks:
    """Plain text: one paragraph a line; runs of lines holding "|" (or tab-separated rows with numbers)
    are the rows of one table."""
    result = DocumentBlocks("text", display)
    table: TableBlock | None = None
    tables = 0
    lines = text.splitlines()
    tab_rows = _tab_rows(lines)
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        texts: list[str] | None = None
        if "|" in stripped:
            texts = [c.strip() for c in stripped.split("|") if c.strip()]
        elif number - 1 in tab_rows:
            texts = [c.strip() for c in stripped.split("\t") if c.strip()]
        if texts is not None:
            if table is None:
                tables += 1
                table = TableBlock(tables, [], line=number)
                result.blocks.append(table)
            r = len(table.grid)
            table.grid.append([GridCell(t, r, c) for c, t in enumerate(texts)])
            continue
        table = None
        if stripped:
            result.blocks.append(ParagraphBlock(stripped, line=number))
    for block in result.blocks:
        if isinstance(block, TableBlock):
            width = max((len(row) for row in block.grid), default=0)
            for row in block.grid:
                row.extend([None] * (width - len(row)))
    return result
