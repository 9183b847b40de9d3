"""Read a report in the shapes it is published in — a saved web page (.html/.htm) or a PDF — into blocks.

Web pages: the encoding is the one the page declares (BOM, ``<meta charset>``; GB2312/GBK read as their
superset GB18030), else UTF-8, else GB18030; a page whose bytes do not fit its declared encoding but fit
UTF-8 or GB18030 is read in the one they fit. Paragraphs are the page's block elements and ``<br>`` lines;
tables are read from the HTML table structure with ``rowspan``/``colspan`` onto a grid, exactly as a Word
table's merges are. A table holding other tables is page layout: only the innermost tables are data.

PDF: text PDFs are read with pdfplumber. The tables it finds by their ruling lines become table blocks (a
cell pdfplumber leaves empty under a merge belongs to the cell before it); the text outside them becomes
lines, joined into paragraphs where a line does not end a sentence. A table continued on the next page is
one table. A PDF without a text layer (a scan) is refused with "扫描件，无法读取文字".

Every reader is bounded: the file size, and for PDF the number of pages.
"""

from __future__ import annotations

import codecs
import io
import re
from pathlib import Path
from typing import Any

from .docx_reader import DocumentBlocks, GridCell, ParagraphBlock, TableBlock
from .errors import FileTrouble
from .source import read_bytes

MAX_HTML_BYTES = 20 * 1024 * 1024
MAX_PDF_BYTES = 50 * 1024 * 1024
MAX_PDF_PAGES = 200
# Grid places of one HTML table (rows times columns, after rowspan and colspan): the official table three
# has about 300; 100,000 is far beyond any report and keeps a page of spans (rowspan=1000 colspan=1000
# in every cell) from growing a grid of billions.
MAX_TABLE_PLACES = 100_000
# Inflated size of the PDF's compressed streams other than images (page contents, fonts, object streams),
# measured before pdfminer inflates them whole: a 1 MB PDF can hold a stream of 1 GB of spaces. A real
# report of 30 pages has a few MB of them.
MAX_PDF_STREAM_BYTES = 64 * 1024 * 1024
MAX_PDF_INFLATED_BYTES = 256 * 1024 * 1024
_PDF_STREAM = re.compile(rb"(?<!end)stream\r?\n")
_PDF_OBJ = re.compile(rb"\d+\s+\d+\s+obj\b")
# A published report page has some thousands of tags (a big portal page some tens of thousands); the HTML
# parser keeps every element, so a 20 MB page of nothing but tags would cost gigabytes: refused unparsed.
MAX_HTML_TAGS = 300_000
SCANNED = "扫描件，无法读取文字：这份 PDF 没有文字层（是扫描或图片）。请找到原报告的网页或 Word 版，或把文字复制成文本后再导入"

_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.IGNORECASE)
_BLOCK_TAGS = {
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "section", "article", "header",
    "footer", "blockquote", "pre", "tr", "dd", "dt", "dl", "center", "form", "body", "html", "main", "nav",
}
_SKIP_TAGS = {"script", "style", "head", "title", "noscript", "template", "iframe", "object", "svg"}
_SENTENCE_END = tuple("。！？；：!?;:」”）)")
_CJK = r"\u4e00-\u9fff\u3000-\u303f\uff00-\uffef"


def _read_bytes(path: Path, display: str, limit: int) -> bytes:
    return read_bytes(path, display, what="报告文件", limit=limit)


# --- web pages ----------------------------------------------------------------------------------------


def decode_html(raw: bytes) -> str:
    """The page's text in the encoding it declares (BOM, then <meta charset>), else UTF-8, else GB18030."""
    if raw.startswith(codecs.BOM_UTF8):
        return raw[len(codecs.BOM_UTF8):].decode("utf-8", errors="replace")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16", errors="replace")
    declared = _CHARSET.search(raw[:8192])
    if declared:
        name = declared.group(1).decode("ascii").lower()
        if name in ("gb2312", "gbk", "gb_2312-80", "x-gbk", "cp936", "gb18030"):
            name = "gb18030"  # the superset: pages labelled GB2312 often hold GBK characters
            try:
                # Chinese text in GBK is almost never valid UTF-8: a page that is, was saved as UTF-8
                # under its old label (GB18030 would read it without an error, as nonsense).
                return raw.decode("utf-8")
            except UnicodeDecodeError:
                pass
        try:
            text = raw.decode(name, errors="replace")
        except LookupError:
            text = None
        if text is not None:
            if "\ufffd" not in text:
                return text
            # Declared wrongly (a GBK page saved under a UTF-8 label, or the reverse): the encoding that
            # reads every byte is the page's.
            for other in ("utf-8", "gb18030"):
                try:
                    return raw.decode(other)
                except UnicodeDecodeError:
                    continue
            return text
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("gb18030", errors="replace")


def read_html_blocks(path: Path, display: str, raw: bytes | None = None) -> DocumentBlocks:
    """A saved web page as blocks: paragraphs in reading order and its data tables."""
    import lxml.html
    from lxml import etree

    data = raw if raw is not None else _read_bytes(path, display, MAX_HTML_BYTES)
    if data.count(b"<") > MAX_HTML_TAGS:
        raise FileTrouble(f"网页的标签超过 {MAX_HTML_TAGS:,} 个，不像一份年报（可能是整个网站的页面或恶意构造的文件），"
                          "未读取；请只保存年报所在的那一页", display)
    # An XHTML page starts with an XML declaration, which the parser refuses in decoded text.
    text = _XML_DECLARATION.sub("", decode_html(data), count=1)
    try:
        root = lxml.html.document_fromstring(text) if text.strip() else None
    except (etree.ParserError, ValueError):
        root = None
    if root is None:
        raise FileTrouble("网页里没有可读的内容", display)
    return html_blocks(root, display)


def html_blocks(root: Any, display: str) -> DocumentBlocks:
    result = DocumentBlocks("html", display)
    line: list[str] = []

    def flush() -> None:
        text = re.sub(r"[ \t\r\f\v\u00a0]+", " ", "".join(line)).strip()
        line.clear()
        for part in text.split("\n"):
            if part.strip():
                result.blocks.append(ParagraphBlock(part.strip()))

    def walk(element: Any) -> None:
        tag = element.tag.lower() if isinstance(element.tag, str) else ""
        if tag in _SKIP_TAGS or not isinstance(element.tag, str):
            if element.tail:
                line.append(element.tail)
            return
        if tag == "table" and not element.xpath(".//table"):
            flush()
            result.blocks.append(TableBlock(sum(isinstance(b, TableBlock) for b in result.blocks) + 1,
                                            html_table_grid(element, display)))
        else:
            if tag == "br":
                line.append("\n")
            elif tag in _BLOCK_TAGS or tag in ("td", "th", "table"):
                flush()
            if element.text:
                line.append(element.text)
            for child in element:
                walk(child)
            if tag in _BLOCK_TAGS or tag in ("td", "th", "table"):
                flush()
        if element.tail:
            line.append(element.tail)

    walk(root)
    flush()
    return result


def _cell_text(cell: Any) -> str:
    # A label broken over lines in its cell reads as one label, as in a Word table.
    return re.sub(r"\s+", "", cell.text_content() or "").strip()


def html_table_grid(table: Any, display: str = "") -> list[list[GridCell | None]]:
    """Place every <td>/<th> on the grid by its rowspan and colspan (bounded: at most 1,000 each, and
    MAX_TABLE_PLACES places in all)."""
    grid: list[list[GridCell | None]] = []
    rows = [tr for tr in table.iter("tr") if tr.getparent() is not None]
    places = 0
    for r, tr in enumerate(rows):
        while len(grid) <= r:
            grid.append([])
        column = 0
        for td in tr:
            if not isinstance(td.tag, str) or td.tag.lower() not in ("td", "th"):
                continue
            while column < len(grid[r]) and grid[r][column] is not None:
                column += 1
            span = _span(td.get("colspan"))
            down = _span(td.get("rowspan"))
            places += span * min(down, len(rows) - r)
            if places > MAX_TABLE_PLACES:
                raise FileTrouble(
                    f"网页中有一个表格超过 {MAX_TABLE_PLACES} 格（{len(rows)} 行），不像年报的表格"
                    "（可能是保存网页时带进了别的内容，或是恶意构造的网页），未读取；"
                    "请只保存年报正文所在的网页，或把正文复制成纯文本后再导入",
                    display,
                )
            cell = GridCell(_cell_text(td), r, column, span)
            for dr in range(min(down, len(rows) - r)):
                while len(grid) <= r + dr:
                    grid.append([])
                target = grid[r + dr]
                if len(target) < column + span:
                    target.extend([None] * (column + span - len(target)))
                for dc in range(span):
                    target[column + dc] = cell
            column += span
    width = max((len(row) for row in grid), default=0)
    for row in grid:
        row.extend([None] * (width - len(row)))
    return grid


def _span(value: str | None) -> int:
    try:
        return max(1, min(1000, int(str(value).strip())))
    except (TypeError, ValueError):
        return 1


# --- PDF ----------------------------------------------------------------------------------------------


def read_pdf_blocks(path: Path, display: str, raw: bytes | None = None) -> DocumentBlocks:
    """A text PDF as blocks. A PDF without text (a scan) raises FileTrouble saying so."""
    import pdfplumber
    from pdfminer.pdfparser import PDFSyntaxError

    data = raw if raw is not None else _read_bytes(path, display, MAX_PDF_BYTES)
    _check_pdf_streams(data, display)
    lines: list[str | list[tuple[GridCell, int]]] = []
    characters = 0
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            if len(pdf.pages) > MAX_PDF_PAGES:
                raise FileTrouble(f"PDF 有 {len(pdf.pages)} 页，年度报告不会超过 {MAX_PDF_PAGES} 页", display)
            for page in pdf.pages:
                tables = page.find_tables()
                boxes = [t.bbox for t in tables]

                def outside(obj: dict[str, Any], boxes: list[Any] = boxes) -> bool:
                    x = (obj["x0"] + obj["x1"]) / 2
                    y = (obj["top"] + obj["bottom"]) / 2
                    return not any(b[0] <= x <= b[2] and b[1] <= y <= b[3] for b in boxes)

                characters += len(page.chars)
                items: list[tuple[float, str | list[tuple[GridCell, int]]]] = []
                text_page = page.filter(outside) if boxes else page
                for text_line in text_page.extract_text_lines(return_chars=False):
                    items.append((text_line["top"], text_line["text"]))
                for table in tables:
                    items.append((table.bbox[1], _table_cells(page, table)))
                items.sort(key=lambda item: item[0])
                lines.extend(item for _, item in items)
    except FileTrouble:
        raise
    except (PDFSyntaxError, ValueError, KeyError, TypeError, OSError) as exc:
        raise FileTrouble(f"不是有效的 PDF 文件，无法打开（{type(exc).__name__}）", display) from None
    except Exception as exc:  # pdfminer raises its own types for broken files
        if type(exc).__module__.startswith(("pdfminer", "pdfplumber")):
            raise FileTrouble("不是有效的 PDF 文件，无法打开", display) from None
        raise
    if characters == 0:
        raise FileTrouble(SCANNED, display)
    return pdf_blocks(lines, display)


_PAGE_NUMBER = re.compile(r"^[-—－–\s]*\d{1,3}[-—－–\s]*$|^第\s*\d+\s*页(?:\s*[，,/共]\s*共?\s*\d+\s*页)?$")
_PART_HEADING = re.compile(r"^[一二三四五六七八九十]+、")
_STARTS_BLOCK = re.compile(r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|\d+[.．、]|第[一二三四五六七八九十]+)")


def _check_pdf_streams(data: bytes, display: str) -> None:
    """Refuse a PDF whose Flate streams (images aside) inflate beyond the bounds, measuring each one in
    1 MB steps so that the check itself costs little memory and stops at the bound."""
    import zlib

    view = memoryview(data)
    total = 0
    for match in _PDF_STREAM.finditer(data):
        head_start = max(0, match.start() - 4096)
        objects = list(_PDF_OBJ.finditer(data, head_start, match.start()))
        head = data[objects[-1].end() if objects else head_start : match.start()]
        if b"/FlateDecode" not in head or b"/Image" in head:
            continue
        inflater = zlib.decompressobj()
        size = 0
        position = match.end()
        try:
            while position < len(data) and not inflater.eof:
                pending: bytes | memoryview = view[position : position + 65536]
                position += 65536
                while pending:
                    size += len(inflater.decompress(pending, 1024 * 1024))
                    if size > MAX_PDF_STREAM_BYTES or total + size > MAX_PDF_INFLATED_BYTES:
                        raise FileTrouble(
                            "这份 PDF 中的压缩数据解压后超过 "
                            f"{(MAX_PDF_STREAM_BYTES if size > MAX_PDF_STREAM_BYTES else MAX_PDF_INFLATED_BYTES) // (1024 * 1024)} MB，"
                            "超出了正常年报的范围（可能已损坏或是恶意构造的文件），未读取",
                            display,
                        )
                    pending = inflater.unconsumed_tail
                    if inflater.eof:
                        break
        except zlib.error:
            pass  # not what pdfminer will inflate either, or damaged: pdfminer says what it can
        total += size


def pdf_blocks(items: list[str | list[tuple[GridCell, int]]], display: str) -> DocumentBlocks:
    """Lines and tables (their cells placed on a grid) in reading order → paragraphs and tables.

    A line continues the paragraph before it unless that one ended a sentence or this one starts a
    heading; a line ending in numbers apart ("规章 1 0 11", a table drawn without ruling lines) stands
    alone; page numbers ("- 3 -") are dropped; a table directly after a table (only page furniture
    between) continues it. A one-column "table" is a framed text box: its lines are text."""
    result = DocumentBlocks("pdf", display)
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            result.blocks.append(ParagraphBlock(pdf_text("".join(paragraph))))
            paragraph.clear()

    def add_line(line: str) -> None:
        line = line.strip()
        if not line or _PAGE_NUMBER.match(line):
            return
        row = bool(_NUMBER_ROW.search(line))  # a table row drawn without ruling lines: "规章 1 0 11"
        if paragraph and (row or _STARTS_BLOCK.match(line) or paragraph[-1].rstrip().endswith(_SENTENCE_END)):
            flush()
        paragraph.append(line)
        if row:
            flush()
        if line.endswith("年度报告") or (_PART_HEADING.match(line) and len(line) <= 24 and "。" not in line):
            flush()  # a title line or a part heading ("五、存在的主要问题及改进情况") stands alone

    for item in items:
        if isinstance(item, str):
            add_line(item)
            continue
        if max((c.column + c.span for c, _ in item), default=0) <= 1:
            for cell, _ in sorted(item, key=lambda cd: cd[0].row):
                for line in cell.text.split("\n"):
                    add_line(line)
            continue
        flush()
        last = result.blocks[-1] if result.blocks else None
        if isinstance(last, TableBlock):
            _append_cells(last, item)
        else:
            block = TableBlock(sum(isinstance(b, TableBlock) for b in result.blocks) + 1, [])
            _append_cells(block, item)
            result.blocks.append(block)
    flush()
    return result


def pdf_text(text: str) -> str:
    """Text as a PDF gives it: line breaks inside a cell or paragraph removed, and the gap the layout
    puts between Chinese and Latin/digits ("2024 年") closed."""
    text = re.sub(r"\s*\n\s*", "", text)
    text = re.sub(rf"(?<=[{_CJK}])[ \u00a0]+(?=[0-9A-Za-z%])", "", text)
    text = re.sub(rf"(?<=[0-9A-Za-z%.])[ \u00a0]+(?=[{_CJK}])", "", text)
    text = re.sub(rf"(?<=[{_CJK}])[ \u00a0]+(?=[{_CJK}])", "", text)
    return text.strip()


def _table_cells(page: Any, table: Any) -> list[tuple[GridCell, int]]:
    """The cells of a pdfplumber table placed on the grid its ruling lines make: a merged cell's box
    spans several grid columns/rows, so each cell knows its own rows and columns (merge-aware)."""
    boxes = [c for c in table.cells if c is not None]
    xs = sorted({round(v, 1) for b in boxes for v in (b[0], b[2])})
    ys = sorted({round(v, 1) for b in boxes for v in (b[1], b[3])})
    cells = []
    for x0, top, x1, bottom in boxes:
        column = xs.index(round(x0, 1))
        row = ys.index(round(top, 1))
        span = max(1, xs.index(round(x1, 1)) - column)
        down = max(1, ys.index(round(bottom, 1)) - row)
        text = page.crop((x0, top, x1, bottom), strict=False).extract_text() or ""
        cells.append((GridCell(text, row, column, span), down))
    return cells


def _append_cells(block: TableBlock, cells: list[tuple[GridCell, int]]) -> None:
    """Add placed cells below the rows a table already has (a table continued on the next page).

    A merged label cell cut by the page break goes on: in the label columns, the empty cells at the top
    of the continuation belong to the label above, and a fragment there without its own number
    ("法提供" under "（四）无") is the rest of that label."""
    base = len(block.grid)
    rows = max((c.row + down for c, down in cells), default=0)
    width = max([c.column + c.span for c, _ in cells] + [len(block.grid[0]) if block.grid else 0])
    for row in block.grid:
        row.extend([None] * (width - len(row)))
    grid: list[list[GridCell | None]] = [[None] * width for _ in range(rows)]
    for cell, down in cells:
        placed = GridCell(pdf_text(cell.text), base + cell.row, cell.column, cell.span)
        for dr in range(down):
            for dc in range(cell.span):
                grid[cell.row + dr][cell.column + dc] = placed
    if base:
        last = block.grid[-1]
        for c in range(width):
            above = last[c]
            if above is None or not above.text or _NUMBER.match(above.text):
                break  # the label columns end at the first number
            first = grid[0][c] if grid else None
            if first is not None and first.text and not _STARTS_LABEL.match(first.text) and \
                    not _NUMBER.match(first.text):
                joined = GridCell(above.text + first.text, above.row, above.column, above.span)
                _replace(block.grid, above, joined)
                _replace(grid, first, joined)
                continue
            for row in grid:
                if row[c] is not None and row[c].text:  # type: ignore[union-attr]
                    break
                row[c] = above
    block.grid.extend(grid)


_NUMBER = re.compile(r"^[-\d.,，]+$")
# A line ending in two or more numbers apart ("规章 1 0 11", "3001 53 0 0 61 4 3119"): a table row, not prose.
_NUMBER_ROW = re.compile(r"(?:^|\s)\d[\d.,]*(?:\s+\d[\d.,]*)+\s*$")
_STARTS_LABEL = re.compile(r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|\d+[.．、])")


def _replace(grid: list[list[GridCell | None]], old: GridCell, new: GridCell) -> None:
    for row in grid:
        for c, cell in enumerate(row):
            if cell is old:
                row[c] = new
