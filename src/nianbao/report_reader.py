"""Read a report document (blocks from `docx_reader`) into a `ReportData`, the same model the YAML loader fills.

Parts are found by their official headings (一、… 六、), sub-heads by （一）（二）…, the three tables by their
content. Table cells are placed by their official row labels (fields.yaml) and by column position, checked
against the header labels. Every location names the document and the table/row/column or the paragraph,
so the checker's messages point into the document. Anything that cannot be placed is reported, never
silently dropped; outdated (2019) and altered labels are reported too.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from .docx_reader import (
    DocumentBlocks,
    GridCell,
    ParagraphBlock,
    TableBlock,
    read_blocks,
    read_docx_blocks,
    renumber_tables,
)
from .errors import FileTrouble
from .model import Cell, CellKey, Paragraph, ReportData, SubPart
from .problems import Kind, Location, Problem, Severity, error, warning
from .provenance import Provenance, provenance_in, report_template
from .published import read_html_blocks, read_pdf_blocks
from .source import display_name
from .spec import Column, Part, Row, Spec, Table, load_spec, normalize_label, resolve_template
from .text_tables import identify_table as _identify
from .text_tables import is_page_footer, is_part_heading, is_value_text, join_table_regions
from .totals import compute_totals
from .values import certain_number, full_width_enumeration, number_problem, read_number, shorten

OUTDATED_RULE = "旧格式和改动的栏目"
_NUMERALS = "一二三四五六七八九十"
_HEADING = re.compile(rf"^([{_NUMERALS}]+)、\s*(.{{2,40}})$")
_SUBHEAD = re.compile(rf"^[（(]\s*([{_NUMERALS}]+)\s*[）)]")
# A trailing note in brackets, such as （示例数据）, may follow the title proper.
_TITLE = re.compile(
    r"^(?P<name>.*?)(?P<year>\d{4})\s*年度?\s*(?P<after>[^，。；：]*?)(?P<gov>政府)?信息公开(?:工作)?(?:年度|情况的?)?报告"
    r"(?:[（(][^）)]*[）)])?$"
)
# A title without its year ("市府东路街道政府信息公开工作年度报告"): the office only.
_TITLE_WITHOUT_YEAR = re.compile(r"^(?P<name>[^\d，。；：:]{2,40}?)政府信息公开(?:工作)?年度报告$")
# The statistics period of the opening ("统计期限自2024年1月1日起至2024年12月31日止"): the report's year.
_PERIOD = re.compile(r"(?P<year>\d{4})\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*起?\s*(?:至|到|—|－|-)\s*(?:(?P=year)\s*年\s*)?"
                     r"12\s*月\s*31\s*日")
# A line that names a source, a date or a place on the page is not the title even when it quotes it.
_NOT_TITLE = re.compile(r"来源[：:]|发布(?:时间|日期)|当前位置|浏览次数|索引号|[。；]")
# What a web page prints under a report's headline: never part of the report.
_PAGE_FURNITURE = re.compile(r"来源[：:]|发布(?:时间|日期|机构)[：:]|浏览次数|访问量|字体[：:]|字号[：:]|打印本页|关闭窗口|【打印】")
_OFFICE_LINE = re.compile(r"^[^\s，。；：:0-9]{2,30}$")
# Headings a conversion tool or a page template puts above a report ("正文", "目录", a Markdown "## …"):
# never a title, never part of one.
_TOOL_HEADINGS = {"正文", "目录", "全文", "原文", "附件", "文章正文", "正文内容", "打印", "关闭", "字号"}


def _is_page_line(text: str) -> bool:
    """A line of the web page around a report (breadcrumbs, source and date, font size), not of the report."""
    return ("。" not in text and len(text) <= 120
            and bool(_PAGE_FURNITURE.search(text) or re.search(r"当前位置|所在的?位置|索引号|首页\s*[>＞]", text)))


# The labels of the metadata box a government web page prints under a headline, each with its value.
_PAGE_FIELDS = {"索引号", "文号", "发文字号", "关键词", "主题词", "发布机构", "发文机关", "公开形式", "公开方式", "责任部门",
                "生成日期", "成文日期", "发文日期", "发布日期", "是否有效", "有效性", "分类", "主题分类", "公开目录", "名称",
                "信息来源", "体裁分类", "组配分类", "公开时限", "公开范围"}
_CJK_SENTENCE = re.compile(r"[。；，]")


def _is_page_field(text: str) -> bool:
    """A label of a web page's metadata box on a line of its own ("索引号", "发布机构：")."""
    return re.sub(r"\s+", "", text).rstrip("：:") in _PAGE_FIELDS


def is_tool_heading(text: str) -> bool:
    """True for a line a converter or a web page inserts above a report, not written by the office."""
    folded = re.sub(r"\s+", "", re.sub(r"^#+", "", text.strip()))
    return folded in _TOOL_HEADINGS or folded.rstrip("：:") in _TOOL_HEADINGS or not folded and "#" in text


_CJK = re.compile(r"[\u4e00-\u9fff]")
_NOTE = re.compile(r"^[（(][^（()）]*[）)]$")  # a whole label in brackets: a note, unless it is a row's label

# Facts written in the standard opening paragraph (see the template's default opening).
_URL = r"(?:https?://)?(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}(?::\d+)?(?:/[^\s（）()，。；、“”]*)?"
_OPENING_FACTS: list[tuple[str, re.Pattern[str]]] = [
    ("公开网站", re.compile(r"(?:报告|年报)电子版(?:通过|在)(?P<v>.+?)[（(](?P<url>[^（）()]+)[）)](?:上)?全文公开")),
    # "……可在泰兴市政府网站（http://www.taixing.gov.cn）下载/查阅" and the like: a site named before its address.
    ("公开网站", re.compile(
        rf"(?:在|通过|登录|访问|于|从)(?P<v>[^，。；、：:（）()\s]{{2,40}}?(?:网站|门户网|政务网|网|专栏|平台))"
        rf"\s*[（(]\s*(?:网址|链接)?[：:]?\s*(?P<url>{_URL})\s*[）)]")),
    ("联系机构", re.compile(r"(?:如有疑问|如对本报告有疑问|如有任何疑问|有疑问)[，,]?\s*请(?:与|同|和|联系)(?P<v>[^，。；（）()]+?)联系")),
    # "如需咨询其他事项，请与赫章县人民政府办公室联系" / "对本报告有意见建议，请与……联系"
    ("联系机构", re.compile(r"(?:疑问|咨询|了解|意见|建议)[^。]{0,16}?请(?:与|同|和)(?P<v>[^，。；（）()]+?)联系")),
    ("联系机构", re.compile(r"联系(?:单位|机构|部门)[：:]\s*(?P<v>[^，。；,;（）()\s]+)")),
    # "如对本报告有疑问，可通过……意见箱反映或直接与丽水市人民政府办公室政府信息公开中心联系"
    ("联系机构", re.compile(r"(?:疑问|咨询)[^。]{0,60}?(?:直接|可|请)(?:与|同|和)(?P<v>[^，。；（）()]+?)联系")),
    # "如有疑问，请联系：向阳区人民政府办公室，…"
    ("联系机构", re.compile(r"(?:疑问|咨询)[^。]{0,16}?请联系[：:]?\s*(?P<v>[^，,。；;（）()\s：:]+?)(?=[（(。，,；;]|$)")),
    ("地址", re.compile(r"(?:联系|通信|通讯|办公)?地址[：:]\s*(?P<v>[^；;，,）)。\s]+)")),
    # "接收地址为蓬溪县鸣凤镇人民政府党政办公室；" — never a site's or a mailbox's address.
    ("地址", re.compile(r"(?<![网站箱件])地址(?:为|是)\s*(?P<v>(?![A-Za-z0-9])[^；;，,）)。\s]+)")),
    ("邮编", re.compile(r"邮(?:政)?编(?:码)?[：:]?\s*(?P<v>\d{6})")),
    ("联系电话", re.compile(
        r"(?:联系|咨询)?电话(?:[/／、和及]传真)?(?:号码)?[：:]\s*(?P<v>[（(]?[0-9０-９][0-9０-９\-－—（）() 、/转]*[0-9０-９])")),
    # "电话0356-5221239" without a colon: only a number with its area code.
    ("联系电话", re.compile(r"电话\s*(?P<v>0\d{2,3}[-－—]\d{7,8})")),
    # "联系方式：0571-86624908": only a telephone number (with its area code, or a mobile number).
    ("联系电话", re.compile(r"联系方式[：:]?\s*(?P<v>0\d{2,3}[-－—]\d{7,8}|1\d{10})(?!\d)")),
]
# A report's own name quoted in a paragraph ("现公布泰兴市珊瑚镇人民政府2022年政府信息公开工作年度报告"): the
# office and the year when the document has no title line.
_QUOTED_TITLE = re.compile(
    r"(?:公布|发布|编制|现将|现公开|特?向社会公布)(?P<name>[^，。；、《》“”]{2,40}?)(?P<year>\d{4})\s*年度?"
    r"政府信息公开(?:工作)?(?:年度|情况)?报告")
# The same, year first ("特向社会公布2024年连生乡人民政府政府信息公开工作情况报告").
_QUOTED_TITLE_YEAR_FIRST = re.compile(
    r"(?:公布|发布|编制|现将|现公开|特?向社会公布)(?P<year>\d{4})\s*年度?(?P<name>[^，。；、《》“”\d]{2,40}?)"
    r"政府信息公开(?:工作)?(?:年度|情况)?报告")
# A paragraph that opens with the report's name ("资阳市同城化发展工作局2022年政府信息公开工作年度报告（以下简称年报）是…").
_TITLE_OPENING_SENTENCE = re.compile(
    r"^(?P<name>[^，。；、《》“”]{1,40}?(?:局|委|委员会|厅|办公室|办事处|人民政府|政府|街道|镇|乡|区|县|市|旗|州|省))"
    r"(?P<year>\d{4})年度?政府信息公开(?:工作)?(?:年度|情况)?报告")
# "由马头铺镇人民政府综合全年政务信息公开工作编制而成", "由凤卧镇结合有关统计数据编制": the office that compiled it.
_COMPILED_BY = re.compile(
    r"由(?P<v>[^，。；、（）()“”《》]{1,30}?(?:街道办事处|人民政府办公厅|人民政府办公室|人民政府|街道|镇|乡|局|委员会|委))"
    r"(?=结合|综合|根据|依据|按照|汇总|负责|组织|编制|编写|制作)")
# Part 一 opening with its office as the subject ("2024年，长春市人民政府办公厅坚持以…").
_OFFICE_OPENING = re.compile(
    r"^(?:\d{4}年(?:度)?[，,]?)?(?P<v>[^，。；、“”《》0-9]{2,30}?(?:人民政府办公厅|人民政府办公室|人民政府|街道办事处|局|委员会))"
    r"(?:\d{4}年)?(?:坚持|深入|认真|始终|紧紧|全面|严格|持续|积极|扎实|以|在)")
# Part 一 opening with the year it reports on ("2025年，我区坚持…", "2024年至今，我街道…").
_YEAR_OPENING = re.compile(r"^(?P<year>\d{4})\s*年(?:度)?(?:[，,]|以来|至今|全年|，)")
_REGION_SUFFIX = re.compile(r"^(?P<region>(?:.+?(?:省|自治区|特别行政区|市|自治州|州|盟|地区|区|县|旗))+?)(?P<office>.+)$")


_ANY_URL = re.compile(r"https?://\s?[A-Za-z0-9][A-Za-z0-9_\-./?=&%#:~]*|www\.[A-Za-z0-9_\-./?=&%#:~]+")
_SITE_TRIGGER = re.compile(r"(?:可在|可以通过|可通过|通过|登录|访问|在)")
_SITE_STOP = re.compile(r"[，,。；;（(]|(?:下载|查阅|查询|浏览)")
_SITE_NAMED_BEFORE_URL = re.compile(r"(?P<v>[^，,。；;：:（(\s]{2,40}?(?:网站|网))\s*网址(?:为)?[：:]")


def website_in(text: str) -> tuple[str, str] | None:
    """The site a report's electronic version is published on, and its address, from a sentence that says
    where the report can be read ("本报告的电子版可在……网站（网址）下载", "……门户网站→……专栏查阅，其网址为：…").
    The site is what follows 可在/通过… up to its first 网站 (else 专栏, else 网); quotes round the whole name
    are dropped. None when no sentence names both."""
    for sentence in re.split(r"[。\n]", text):
        url = _ANY_URL.search(sentence)
        if url is None:
            continue
        name = ""
        if re.search(r"电子版|年报|年度报告|报告内容|报告全文|本报告", sentence):
            name = _site_name(sentence[: url.start()])
        if not name:
            named = _SITE_NAMED_BEFORE_URL.search(sentence[: url.start() + 6])
            name = named.group("v") if named else ""
        if name:
            return name, url.group(0).rstrip(".,，、)）")
    return None


def _site_name(before: str) -> str:
    trigger = _SITE_TRIGGER.search(before)
    if trigger is None:
        return ""
    span = before[trigger.end():]
    while (again := _SITE_TRIGGER.match(span)) is not None:  # "可通过可以通过……"
        span = span[again.end():]
    stop = _SITE_STOP.search(span)
    span = span[: stop.start()] if stop else span
    for ending in ("网站", "专栏", "网"):
        at = span.find(ending)
        if at >= 2:
            name = span[: at + len(ending)]
            if span[at + len(ending): at + len(ending) + 1] == "”":
                name += "”"
            if name.startswith("“") and name.endswith("”") and name.count("“") == 1:
                name = name[1:-1]
            return name
    return ""


MISSING_TABLE_RULE = "缺表"  # a table the document does not have: an error in a finished report
_MISSING_TABLE_HINT = "按官方格式插入这张表格（Word 表格，不能是图片）"


@dataclass
class ReadReport:
    """A document read into report data, with what reading found and the labels seen per row."""

    report: ReportData
    problems: list[Problem] = field(default_factory=list)
    row_labels: dict[tuple[str, str], str] = field(default_factory=dict)  # (table, row) → label as printed
    opening: list[Paragraph] = field(default_factory=list)  # the opening paragraph(s) as written
    before_title: list[str] = field(default_factory=list)  # text above the title left out (Kind.BEFORE_TITLE), shortened
    provenance: Provenance | None = None  # read_generated_report: what a report nianbao built records
    template: Path | str | None = None  # read_generated_report: the template it was read with (None: the data's)


def read_report(
    path: Path | str,
    data: bytes | None = None,
    template: Path | str | None = None,
    display: str | None = None,
    finished: bool = False,
) -> ReadReport:
    """Read a .docx (or `data`, its bytes) or a plain-text report. FileTrouble if it cannot be opened.

    `finished`: the document is a finished report being checked, so a table it lacks is an error; otherwise
    (an import) a warning, the table written 缺失. As with `load.load_report`, totals the document leaves out
    are computed from their parts."""
    path = Path(path)
    return _read_blocks(path, read_document(path, display or display_name(path), data), template, finished)


def read_generated_report(
    path: Path | str, data: bytes | None = None, template: Path | str | None = None,
    data_file: Path | str | None = None, finished: bool = False,
) -> ReadReport:
    """`read_report` of a report nianbao may have built, reading each part of the file once: its record
    (`.provenance`) comes with its text, and when `template` is None the template it records is looked for
    beside its data file (`data_file`, else the one recorded; see provenance.report_template) and reads it
    (`.template`); trouble finding that template is the last of `.problems`."""
    path = Path(path)
    blocks = read_document(path, display_name(path), data)
    provenance = provenance_in(blocks.properties) if blocks.kind == "docx" else None
    trouble: list[Problem] = []
    if template is None:
        template, trouble = report_template(provenance, path, data_file)
    read = _read_blocks(path, blocks, template, finished)
    read.problems.extend(trouble)
    read.provenance, read.template = provenance, template
    return read


def _read_blocks(path: Path, blocks: DocumentBlocks, template: Path | str | None, finished: bool) -> ReadReport:
    spec = load_spec(resolve_template(template, base=path.parent))
    notes: list[Problem] = []
    if blocks.kind != "docx":
        tables = frozenset(t.key[0] for t in spec.tables)
        bodies = _part_bodies(spec)
        # A page number copied out of a PDF ("- 3 -", "第3页") is not part of the report.
        kept = [b for b in blocks.blocks if not (isinstance(b, ParagraphBlock) and _PAGE_LINE.match(b.text.strip()))]
        gathered = gather_cell_lines(kept, bodies, tables)
        if blocks.kind == "text":
            gathered, notes = join_table_regions(gathered, spec, bodies, blocks.display)
        blocks = replace(blocks, blocks=gathered)
    read = _Reader(blocks, spec, path, notes, finished).read()
    compute_totals(read.report)
    return read


def template_fixed_texts(docx: Path) -> frozenset[str]:
    """The paragraphs of a Word template that hold no placeholder (folded): text every report of the
    template carries, such as a letterhead above the title."""
    try:
        stat = docx.stat()
    except OSError:
        return frozenset()
    return _fixed_texts(docx, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=16)
def _fixed_texts(docx: Path, mtime_ns: int, size: int) -> frozenset[str]:
    try:
        blocks = read_docx_blocks(docx, docx.name)
    except FileTrouble:
        return frozenset()
    return frozenset(
        normalize_label(b.text) for b in blocks.blocks
        if isinstance(b, ParagraphBlock) and b.text.strip() and "{{" not in b.text and "{%" not in b.text
    )


def _part_bodies(spec: Spec) -> dict[str, str]:
    """The official headings' numeral → words after it (二 → 主动公开政府信息情况)."""
    keys = [p.key for p in spec.parts if p.key[:1] in _NUMERALS] + [t.key for t in spec.tables]
    return {k[0]: normalize_label(k.split("、", 1)[1]) for k in keys if "、" in k}


# A pasted table cell: a short line without a sentence's full stop. A run of them holding at least this
# many lines of numbers is a table pasted one cell (or one row split) per line.
_CELL_LINE_MAX = 45
_PAGE_LINE = re.compile(r"^[-—－–]+\s*\d{1,3}\s*[-—－–]+$|^第\s*\d{1,3}\s*页(?:\s*[，,/]?\s*共\s*\d{1,3}\s*页)?$")
_MIN_NUMBER_LINES = 3


def _value_tokens(text: str) -> tuple[str, list[str]]:
    """A line split into a label and the run of number-like fields that ends it (either may be empty)."""
    tokens = text.split()
    k = len(tokens)
    while k > 0 and is_value_text(tokens[k - 1]) and tokens[k - 1].strip():
        k -= 1
    if 0 < k < len(tokens):
        glued = _GLUED_NUMBER.match(tokens[k - 1])
        if glued:
            # "1.属于国家秘密2 0 0 0 0 0 2": the first number run into the label (a PDF's text layer with
            # the gap between them closed). No official row label ends in a digit.
            tokens[k - 1 : k] = [glued.group(1), glued.group(2)]
    return " ".join(tokens[:k]), tokens[k:]


_GLUED_NUMBER = re.compile(r"^(.*[\u4e00-\u9fff”）)])(\d+(?:\.\d+)?)$")


_PLAIN_NUMBER = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$|^\d+(?:\.\d+)?$")


def _is_number_line(text: str) -> bool:
    """A line ending in numbers as a table prints them (0, 42, 0.092, 1,234), not a date or a "无"."""
    values = _value_tokens(text.strip())[1]
    return bool(values) and all(_PLAIN_NUMBER.match(v) for v in values)


def gather_cell_lines(
    blocks: list[ParagraphBlock | TableBlock], bodies: dict[str, str], table_parts: frozenset[str] = frozenset()
) -> list[ParagraphBlock | TableBlock]:
    """Tables pasted from a web page one cell per line, or with each row's label on one line and its numbers
    (separated by spaces or tabs) on the next, made into table blocks: a label line starts a row, the
    number lines after it are that row's cells, in order. Only a run of short lines (no 。, no part
    heading) with at least three lines of numbers, or with one right under a table's heading
    (`table_parts`: the numerals of the parts that are tables), is taken; the rest stays as it was. Numbers are
    never split or joined: "1 234" stays two cells, and the row reports the wrong count."""
    out: list[ParagraphBlock | TableBlock] = []
    run: list[ParagraphBlock] = []

    def cell_like(block: ParagraphBlock | TableBlock) -> bool:
        if not isinstance(block, ParagraphBlock):
            return False
        text = block.text.strip()
        label = _value_tokens(text)[0]  # a row of numbers may be long; its label may not
        return bool(text) and "\n" not in text and "。" not in text and len(label) <= _CELL_LINE_MAX \
            and "年度报告" not in text and not is_part_heading(text, bodies)

    def under_table_heading() -> bool:
        before = out[-1] if out else None
        if not isinstance(before, ParagraphBlock) or not is_part_heading(before.text, bodies):
            return False
        numeral = normalize_label(before.text)[:1]
        return numeral in table_parts

    def flush() -> None:
        numbers = sum(1 for b in run if _is_number_line(b.text))
        if numbers < _MIN_NUMBER_LINES and not (numbers and under_table_heading()):
            out.extend(run)
        else:
            out.append(_cell_lines_table(run))
        run.clear()

    for block in blocks:
        if run and isinstance(block, ParagraphBlock) and is_page_footer(block.text):
            continue  # a page's footer ("— 4 —") inside a pasted table: page furniture, not cells
        if cell_like(block):
            assert isinstance(block, ParagraphBlock)
            run.append(block)
            continue
        flush()
        out.append(block)
    flush()
    return renumber_tables(out)


def _cell_lines_table(lines: list[ParagraphBlock]) -> TableBlock:
    rows: list[list[str]] = []
    row_lines: list[int] = []
    open_row = False  # the last row may still take numbers
    for block in lines:
        label, values = _value_tokens(block.text.strip())
        if label:
            rows.append([label])
            row_lines.append(block.line)
            open_row = True
        elif not open_row:
            rows.append([])
            row_lines.append(block.line)
            open_row = True
        rows[-1].extend(values)
    grid: list[list[GridCell | None]] = [[GridCell(t, r, c) for c, t in enumerate(row)] for r, row in enumerate(rows)]
    width = max((len(row) for row in grid), default=0)
    for row in grid:
        row.extend([None] * (width - len(row)))
    return TableBlock(0, grid, line=row_lines[0] if row_lines else 0, row_lines=row_lines, loose=True)


def read_document(path: Path, display: str, data: bytes | None = None) -> DocumentBlocks:
    """Blocks of a report in any shape it is published in, chosen by the file's suffix (or its first bytes)."""
    suffix = path.suffix.lower()
    head = data[:8] if data is not None else b""
    if suffix in (".html", ".htm", ".xhtml", ".shtml"):
        return read_html_blocks(path, display, data)
    if suffix == ".pdf" or head.startswith(b"%PDF"):
        return read_pdf_blocks(path, display, data)
    return read_blocks(path, display, data)


def cell_subject(table: Table, row: Row, column: Column) -> str:
    """How a cell is named: 表三「（三）不予公开 1.属于国家秘密」行「自然人」栏."""
    return f"{table.id}「{row.display}」行「{column.label}」栏"


def full_width_punctuation(text: str) -> str:
    """Half-width punctuation in Chinese text, as left by copying out of a PDF, made full-width.

    Commas and colons between digits (1,000 · 12:30), the colon of a URL and the ? of its query stay as they are.
    """
    if not _CJK.search(text):
        return text
    text = re.sub(r"(?<!\d),|,(?!\d)", "，", text)
    text = re.sub(r"(?<!\d):(?!//)|:(?!\d|//)", "：", text)
    for half, full in ((";", "；"), ("(", "（"), (")", "）"), ("!", "！")):
        text = text.replace(half, full)
    text = re.sub(r"(?<![A-Za-z0-9/._-])\?|\?(?![A-Za-z0-9])", "？", text)  # not the ? of a URL's query
    return text


class _Reader:
    def __init__(
        self, blocks: DocumentBlocks, spec: Spec, path: Path, notes: list[Problem] | None = None, finished: bool = False,
    ) -> None:
        self.blocks = blocks
        self.finished = finished
        self.spec = spec
        self.display = blocks.display
        self.text_mode = blocks.kind == "text"
        self.report = ReportData(
            path=path, source=self.display, spec=spec, source_paths=[path]
        )
        self.result = ReadReport(self.report)
        self.problems = self.result.problems
        self.problems.extend(notes or [])  # what joining a broken pasted table could not place
        self.outdated = spec.outdated_terms()
        self.old_edition_labels: list[str] = []  # table labels of the 2019 trial format, as printed, in order
        self._place_before_government = ""  # a title's place whose 政府 may be the office's (see _title)
        self._texts: list[str] = []  # every paragraph's text, for facts stated anywhere

    # --- locations -------------------------------------------------------------------------------------

    def _where(self, block: ParagraphBlock | TableBlock | None, what: str) -> Location:
        if self.text_mode and block is not None:
            return Location(self.display, block.line)
        return Location(f"{self.display} {what}" if what else self.display)

    def _cell_location(self, block: TableBlock, r: int, subject: str) -> Location:
        if self.text_mode:
            return Location(self.display, block.row_lines[r] if r < len(block.row_lines) else block.line + r)
        return Location(f"{self.display} {subject}")

    # --- document structure ----------------------------------------------------------------------------

    def read(self) -> ReadReport:
        headings = self._headings()
        parts_by_numeral = {numeral: key for key, numeral in headings}
        current: str | None = None  # part key, table key, or "" for the opening
        seen_title = untitled = False
        unplaced: list[ParagraphBlock] = []
        collected: dict[str, list[ParagraphBlock]] = {}
        tables: list[TableBlock] = []
        tables_by_part: dict[str, TableBlock] = {}
        numeral_now = 0
        title_open = False  # right after the title: the document's own title may follow the page's headline
        held: list[ParagraphBlock] = []  # an office line held there, in case a year line completes it
        after_page_field = False  # the line before was a label of the page's metadata (索引号, 发布机构 …)
        page_lines: list[ParagraphBlock] = []  # the web page's lines under the title, skipped
        heading_keys = [key for key, _ in headings]
        blocks = _join_title_lines(_split_run_in_title(self.blocks.blocks, heading_keys))
        for block in join_split_tables(blocks, self.spec):
            if isinstance(block, TableBlock):
                tables.append(block)
                if current is not None and current in {t.key for t in self.spec.tables}:
                    tables_by_part.setdefault(current, block)
                continue
            text = full_width_punctuation(block.text) if self.blocks.kind != "docx" else block.text
            block = ParagraphBlock(text, block.style, block.line)
            self._texts.append(text)
            if title_open:
                retitled = self._document_title(held, block)
                if retitled is not None:
                    held.clear()
                    continue
                field_value = after_page_field and len(text) <= 40 and not _CJK_SENTENCE.search(text)
                after_page_field = _is_page_field(text)
                if after_page_field or field_value or _PAGE_FURNITURE.search(text) and "。" not in text and len(text) <= 120:
                    page_lines.append(block)
                    continue
                if _OFFICE_LINE.match(text) and not held and not _HEADING.match(text) and not _SUBHEAD.match(text):
                    held.append(block)
                    continue
                title_open = False
                collected.setdefault("", []).extend(held)
                held.clear()
            if not seen_title:
                match = _TITLE.match(normalize_label(text).replace("(", "（").replace(")", "）"))
                if match or ("年度报告" in text and len(text) <= 60 and not _NOT_TITLE.search(text)):
                    if match and not (match.group("name") or match.group("after")) and unplaced \
                            and _OFFICE_LINE.match(unplaced[-1].text) and not is_tool_heading(unplaced[-1].text):
                        # The office's name printed on the line above the year line is part of the title.
                        block = ParagraphBlock(unplaced.pop().text + text, block.style, block.line)
                    self._title(block)
                    seen_title = title_open = True
                    current = ""
                    continue
                if current is None and not self._is_first_part_heading(text, parts_by_numeral):
                    unplaced.append(block)
                    continue
                if current is None:
                    # No title: the report starts with its opening, and part 一 comes where its heading is.
                    seen_title, untitled, current = True, True, ""
                    fixed_texts = self._fixed_texts()
                    page = [b for b in unplaced if _is_page_line(b.text) or normalize_label(b.text) in fixed_texts]
                    collected.setdefault("", []).extend(b for b in unplaced if b not in page)
                    unplaced[:] = page  # still listed as skipped below
            heading = _HEADING.match(text)
            if heading and "。" not in text:
                number = _NUMERALS.index(heading.group(1)[0]) + 1 if len(heading.group(1)) == 1 else 0
                if number > numeral_now and number in parts_by_numeral:
                    numeral_now = number
                    current = parts_by_numeral[number]
                    self._heading(block, current)
                    collected.setdefault(current, [])
                    continue
            if current is None:
                current = ""
            # A line break inside a paragraph (Shift+Enter in Word) starts a new paragraph of the data.
            collected.setdefault(current, []).extend(
                ParagraphBlock(line.strip(), block.style, block.line) for line in text.split("\n") if line.strip()
            )
        fixed = self._fixed_texts()
        for block in unplaced:
            if normalize_label(block.text) in fixed:
                continue  # the template's own text (a letterhead): not part of the report, not an edit
            self.result.before_title.append(shorten(block.text))
            self.problems.append(
                warning(self._where(block, "报告标题之前"), f"标题之前的文字“{shorten(block.text)}”不属于报告的任何部分，已略过",
                        "报告应以标题开头；发文字号、附件说明等不属于年度报告正文", kind=Kind.BEFORE_TITLE)
            )
        if page_lines:
            shown = "”“".join(shorten(b.text) for b in page_lines[:3])
            more = f"等 {len(page_lines)} 行" if len(page_lines) > 3 else ""
            self.problems.append(
                warning(self._where(page_lines[0], "标题之后"), f"标题下的网页信息“{shown}”{more}不属于报告正文，已略过",
                        "发布时间、来源、索引号等是网页上的信息，不必写进年度报告", kind=Kind.UNPLACED)
            )
        if not seen_title or untitled:
            self.problems.append(
                warning(self._where(None, ""), "没有找到报告标题（“……年政府信息公开工作年度报告”）",
                        "在报告开头写明标题，如“泸州市龙马潭区安宁街道2024年政府信息公开工作年度报告”")
            )
        self._opening(collected.pop("", []))
        # Facts stated anywhere else: before the title, or in a part (first statement wins).
        for block in unplaced + [b for blocks in collected.values() for b in blocks]:
            self._facts_in(block.text, self._where(block, "正文"))
        opening = [ParagraphBlock(p.text, line=p.location.line or 0) for p in self.result.opening]
        part_one = collected.get(parts_by_numeral.get(1, ""), [])
        self._facts_without_title(unplaced + opening, [b for blocks in collected.values() for b in blocks], part_one)
        for part in self.spec.parts:
            if part.kind == "paragraphs" and part.key == "开头说明":
                continue
            if part.key in collected:
                self._part(part, collected.pop(part.key))
            elif part.required:
                self.problems.append(
                    error(self._where(None, ""), f"缺少第{part.key[0]}部分「{part.key}」",
                          f"按官方格式补充「{part.key}」这一部分")
                )
        self._tables(tables, tables_by_part, collected)
        for key, leftover in collected.items():
            for block in leftover:
                self.problems.append(
                    warning(self._where(block, f"「{key}」"), f"「{key}」中表格以外的文字“{shorten(block.text)}”无法放入数据，已略过",
                            "表格部分只应有表格；说明文字请写到第一部分或第六部分", kind=Kind.UNPLACED)
                )
        self._derive_facts()
        self._edition_verdict()
        return self.result

    def _edition_verdict(self) -> None:
        """A report in the 2019 trial format: one verdict naming the edition and what differs, first; the
        scattered findings that follow from the other format stay listed, as warnings."""
        terms = list(dict.fromkeys(self.old_edition_labels))
        if len(terms) < 2:  # one old label in a current-format table is a label to fix, not another edition
            return
        listed = [p for p in self.problems if p.is_error]
        verdict = error(
            self._where(None, ""),
            "这是 2019 年试行格式的年度报告（国办公开办函〔2019〕60号），与现行格式（国办公开办函〔2021〕30号）不同："
            f"表格中的「{'」「'.join(terms[:6])}」{'等' if len(terms) > 6 else ''}是 2019 年的栏目。"
            f"能一一对应的数字已导入，其余 {len(listed)} 处列在下面",
            "按现行格式重新填写表二、表三、表四（nianbao 的数据文件就是现行格式），再核对导入的数字",
            OUTDATED_RULE,
        )
        self.problems[:] = [verdict] + [
            replace(p, severity=Severity.WARNING) if p.is_error else p for p in self.problems
        ]

    def _headings(self) -> list[tuple[str, int]]:
        """Every official heading (text parts and tables) with its numeral 1–6."""
        keys = [p.key for p in self.spec.parts if p.key[:1] in _NUMERALS] + [t.key for t in self.spec.tables]
        return sorted(((k, _NUMERALS.index(k[0]) + 1) for k in keys), key=lambda kv: kv[1])

    def _heading(self, block: ParagraphBlock, key: str) -> None:
        location = self._where(block, f"「{key}」标题")
        if normalize_label(block.text) != normalize_label(key):
            self.problems.append(
                warning(location, f"第{key[0]}部分的标题是「{block.text}」，官方格式为「{key}」",
                        f"改为官方标题「{key}」", OUTDATED_RULE)
            )
        part = next((p for p in self.spec.parts if p.key == key), None)
        if part is not None:
            self.report.part_locations[key] = location
        else:
            table = next(t for t in self.spec.tables if t.key == key)
            self.report.table_locations[table.id] = self._where(block, table.id)

    # --- title and opening -----------------------------------------------------------------------------

    def _title(self, block: ParagraphBlock) -> None:
        title = bare_title("".join(block.text.split("\n")))  # a title broken over lines is one title
        location = self._where(block, "标题")
        self.report.facts["标题"] = title
        self.report.fact_locations["标题"] = location
        match = _TITLE.match(re.sub(r"\s+", "", title))
        if not match:
            self.problems.append(
                warning(location, f"标题“{title}”中没有找到年度", "标题应写成“机关名称+YYYY年政府信息公开工作年度报告”")
            )
            named = _TITLE_WITHOUT_YEAR.match(re.sub(r"\s+", "", title))
            if named:
                region, office = split_office_name(named.group("name"))
                if office:
                    self.report.facts["机关"] = office
                    self.report.fact_locations["机关"] = location
                if region:
                    self.report.facts["地区"] = region
                    self.report.fact_locations["地区"] = location
            return
        self._office_and_year(match.group("name") or match.group("after"), match.group("year"), location)
        if match.group("after") and match.group("gov"):
            # "2022年上海市政府信息公开工作年度报告": 上海市政府 or 上海市 + 政府信息公开 — decided by the text.
            self._place_before_government = match.group("after")

    def _is_first_part_heading(self, text: str, parts_by_numeral: dict[int, str]) -> bool:
        heading = _HEADING.match(text)
        # "一、总体情况", "一、政府信息公开总体情况", "一、总体情况：": the official words, however worded around
        return bool(heading and "。" not in text and heading.group(1) == "一" and 1 in parts_by_numeral
                    and normalize_label(parts_by_numeral[1])[2:] in normalize_label(text))

    def _fixed_texts(self) -> frozenset[str]:
        return template_fixed_texts(self.spec.docx) if not self.text_mode else frozenset()

    def _document_title(self, held: list[ParagraphBlock], block: ParagraphBlock) -> ParagraphBlock | None:
        """A web page often prints its headline above the report's own title (马头铺镇人民政府2022年度… over
        马头铺镇人民政府 / 2022年…): the title the document prints, right under the headline and of the same
        year, is the report's title; the title printed again without its office is a repeat, not the opening.
        The block that became (or repeated) the title, or None."""
        match = _TITLE.match(_title_key(block.text))
        if match is None or match.group("year") != self.report.facts.get("年度") or _NOT_TITLE.search(block.text):
            return None
        if not (match.group("name") or match.group("after")):
            if not held:
                return block
            block = ParagraphBlock(held[0].text + block.text, held[0].style, held[0].line)
        elif held:
            return None
        for key in ("标题", "机关", "地区", "年度"):
            self.report.facts.pop(key, None)
        self._place_before_government = ""
        self._title(block)
        return block

    def _office_and_year(self, name: str, year: str, location: Location) -> None:
        self.report.facts["年度"] = year
        self.report.fact_locations["年度"] = location
        region, office = split_office_name(re.sub(r"关于$", "", name))  # "某某县人民政府关于2024年…报告"
        if office:
            self.report.facts["机关"] = office
            self.report.fact_locations["机关"] = location
        if region:
            self.report.facts["地区"] = region
            self.report.fact_locations["地区"] = location

    def _opening(self, blocks: list[ParagraphBlock]) -> None:
        paragraphs = [Paragraph(b.text, self._where(b, f"开头说明第{i}段")) for i, b in enumerate(blocks, 1)]
        self.result.opening = paragraphs
        self.report.paragraphs["开头说明"] = paragraphs
        if paragraphs:
            self.report.part_locations["开头说明"] = paragraphs[0].location
        text = "".join(p.text for p in paragraphs)
        self._facts_in(text, paragraphs[0].location if paragraphs else self._where(None, "开头说明"))

    def _facts_in(self, text: str, location: Location) -> None:
        """Facts the text states that are not known yet (the first statement of each wins)."""
        for key, pattern in _OPENING_FACTS:
            if key in self.report.facts:
                continue
            match = pattern.search(text)
            if match is None:
                continue
            location_of_fact = location
            self.report.facts[key] = match.group("v").strip()
            self.report.fact_locations[key] = location_of_fact
            if key == "公开网站":
                self.report.facts["网址"] = match.group("url").strip()
                self.report.fact_locations["网址"] = location_of_fact
        if "公开网站" not in self.report.facts:
            found = website_in(text)
            if found is not None:
                self.report.facts["公开网站"], self.report.facts["网址"] = found
                self.report.fact_locations["公开网站"] = self.report.fact_locations["网址"] = location

    def _facts_without_title(
        self, front: list[ParagraphBlock], body: list[ParagraphBlock], part_one: list[ParagraphBlock]
    ) -> None:
        """Office and year when the title does not give them, from what the text states, most direct first:
        the report's name quoted in a sentence (its year yields to the statistics period when they differ:
        a name copied from last year's report), the statistics period, the office that compiled the report,
        the contact office, the office part 一 opens with; the year part 一 opens with last."""
        facts = self.report.facts
        period_year, period_block = "", None
        for block in front + body:
            period = _PERIOD.search(block.text)
            if period:
                period_year, period_block = period.group("year"), block
                break
        if "年度" not in facts:
            for block in (front + body)[: len(front) + 5]:
                folded = re.sub(r"\s+", "", block.text)
                quoted = (_QUOTED_TITLE.search(folded) or _QUOTED_TITLE_YEAR_FIRST.search(folded)
                          or _TITLE_OPENING_SENTENCE.match(folded))
                if quoted:
                    self._office_and_year(quoted.group("name"), quoted.group("year"), self._where(block, "正文"))
                    if period_year and period_year != quoted.group("year"):
                        facts["年度"] = period_year
                        self.report.fact_locations["年度"] = self._where(period_block, "统计期限")
                    break
        if "年度" not in facts and period_block is not None:
            facts["年度"] = period_year
            self.report.fact_locations["年度"] = self._where(period_block, "统计期限")
        if "机关" not in facts:
            found = self._office_stated(front, part_one)
            if found is not None:
                name, where, from_contact = found
                region, office = split_office_name(name)
                if from_contact:
                    office = formal_office_name(region, office, "\n".join(self._texts))
                if office:
                    facts["机关"] = office
                    self.report.fact_locations["机关"] = where
                if region and "地区" not in facts:
                    facts["地区"] = region
                    self.report.fact_locations["地区"] = where
        if "年度" not in facts and part_one:
            opens = _YEAR_OPENING.match(part_one[0].text.strip())
            if opens:
                facts["年度"] = opens.group("year")
                self.report.fact_locations["年度"] = self._where(part_one[0], "第一部分开头")

    def _office_stated(
        self, front: list[ParagraphBlock], part_one: list[ParagraphBlock]
    ) -> tuple[str, Location, bool] | None:
        """The office a report without a usable title names: (name, where, whether from the contact office)."""
        for block in front:
            compiled = _COMPILED_BY.search(re.sub(r"\s+", "", block.text))
            if compiled:
                name = compiled.group("v")
                if re.search(r"政府办公(?:室|厅)$", name):
                    # A government's office compiles its government's report as well as its own: which one
                    # this is, the text does not say. Only the region is stated.
                    region = government_region(name.replace("办公室", "").replace("办公厅", ""), [])
                    if region and "地区" not in self.report.facts:
                        self.report.facts["地区"] = region
                        self.report.fact_locations["地区"] = self._where(block, "编制机关")
                    break
                return name, self._where(block, "编制机关"), False
        contact = own_office_of_unit(self.report.facts.get("联系机构", ""))
        if contact:
            return contact, self.report.fact_locations.get("联系机构", self._where(None, "")), True
        if part_one:
            subject = _OFFICE_OPENING.match(re.sub(r"\s+", "", part_one[0].text))
            if subject:
                return subject.group("v"), self._where(part_one[0], "第一部分开头"), False
        return None

    def _derive_facts(self) -> None:
        facts = self.report.facts
        if self._place_before_government:
            formal = formal_government_name(self._place_before_government, "\n".join(self._texts))
            if formal:
                region, office = split_office_name(formal)
                facts["机关"] = office
                if region:
                    facts["地区"] = region
        if "机关" in facts and "机关类型" not in facts:
            office_type = self.spec.office_type_for(facts.get("地区", "") + facts["机关"])
            if office_type is not None:
                facts["机关类型"] = office_type
        if "地区" not in facts and "机关" in facts:
            region = government_region(facts["机关"], [facts.get("联系机构", ""), facts.get("地址", "")])
            if region:
                facts["地区"] = region
                self.report.fact_locations["地区"] = self.report.fact_locations.get("机关", self._where(None, ""))
        if "机关" in facts:
            mentions = [facts.get(k, "") for k in ("联系机构", "地址", "公开网站")]
            region, office = region_from_mentions(facts.get("地区", ""), facts["机关"], mentions)
            if region != facts.get("地区", ""):
                facts["地区"], facts["机关"] = region, office
                self.report.fact_locations["地区"] = self.report.fact_locations.get("联系机构", self._where(None, ""))

    # --- text parts ------------------------------------------------------------------------------------

    def _part(self, part: Part, blocks: list[ParagraphBlock]) -> None:
        label = part.key
        if part.kind == "paragraphs":
            self.report.paragraphs[part.context] = [
                Paragraph(b.text, self._where(b, f"「{label}」第{i}段")) for i, b in enumerate(blocks, 1)
            ]
            if not blocks and part.required:
                self.problems.append(
                    error(self.report.part_locations.get(label, self._where(None, "")), f"「{label}」是空的",
                          "请填写这一部分的内容")
                )
            return
        heads: list[tuple[str, list[ParagraphBlock], ParagraphBlock | None]] = [("", [], None)]
        for block in blocks:
            match = _SUBHEAD.match(block.text)
            if match:
                title, rest = _split_run_in(block.text)
                heads.append((full_width_enumeration(title), [], block))
                if rest:
                    heads[-1][1].append(ParagraphBlock(rest, block.style, block.line))
                continue
            heads[-1][1].append(block)
        intro, subheads = heads[0][1], heads[1:]
        if part.kind == "subparts":
            self.report.paragraphs[part.context] = [
                Paragraph(b.text, self._where(b, f"「{label}」第{i}段")) for i, b in enumerate(intro, 1)
            ]
            subparts = []
            for title, body, head in subheads:
                where = f"「{label}{title}」"
                subparts.append(
                    SubPart(
                        title,
                        self._where(head, f"{where}小标题"),
                        [Paragraph(b.text, self._where(b, f"{where}第{i}段")) for i, b in enumerate(body, 1)],
                    )
                )
                if not body:
                    self.problems.append(
                        error(self._where(head, f"{where}小标题"), f"「{label}」的「{title}」是空的", "请填写")
                    )
            self.report.subparts[part.context] = subparts
            return
        self._sections(part, intro, subheads)

    def _sections(
        self,
        part: Part,
        intro: list[ParagraphBlock],
        subheads: list[tuple[str, list[ParagraphBlock], ParagraphBlock | None]],
    ) -> None:
        label = part.key
        where = self.report.part_locations.get(label, self._where(None, ""))
        if intro and subheads:
            first = subheads[0]
            subheads[0] = (first[0], intro + first[1], first[2])
        without_heads = bool(intro) and not subheads  # content, no sub-headings: not empty, one warning
        if without_heads:
            at = _turn_to_remedies(intro) if len(part.sections) == 2 else 0
            if at:
                subheads = [(part.sections[0].key, intro[:at], None), (part.sections[1].key, intro[at:], None)]
                self.problems.append(
                    warning(where, f"「{label}」没有（一）（二）小标题，已从“{shorten(intro[at].text, 12)}”起分为"
                                   f"「{part.sections[1].key}」", "核对分节；加上（一）（二）小标题最清楚")
                )
            else:
                subheads = [(part.sections[0].key, intro, None)]
                self.problems.append(
                    warning(where, f"「{label}」没有（一）（二）小标题，全部文字已放在「{part.sections[0].key}」下",
                            f"把文字分成「{part.sections[0].key}」和「{part.sections[-1].key}」两节")
                )
        for index, section in enumerate(part.sections):
            if index >= len(subheads):
                if not without_heads:  # text without sub-headings is said once above, not as a missing section
                    self.problems.append(error(where, f"「{label}」缺少「{section.key}」", "补充这一小节的内容"))
                continue
            title, body, head = subheads[index]
            if normalize_label(title) != normalize_label(section.key) and head is not None:
                self.problems.append(
                    warning(self._where(head, f"「{label}{title}」小标题"),
                            f"「{label}」的小标题是「{title}」，官方格式为「{section.key}」",
                            f"改为「{section.key}」", OUTDATED_RULE)
                )
            paragraphs = [
                Paragraph(b.text, self._where(b, f"「{label}{section.key}」第{i}段")) for i, b in enumerate(body, 1)
            ]
            self.report.paragraphs[section.context] = paragraphs
            if not paragraphs and not without_heads:
                self.problems.append(error(where, f"「{label}」的「{section.key}」是空的", "请填写"))
        for title, body, head in subheads[len(part.sections):]:
            self.report.paragraphs[part.sections[-1].context].append(
                Paragraph(title, self._where(head, f"「{label}{title}」小标题"))
            )
            self.report.paragraphs[part.sections[-1].context].extend(
                Paragraph(b.text, self._where(b, f"「{label}{title}」第{i}段")) for i, b in enumerate(body, 1)
            )

    # --- tables ----------------------------------------------------------------------------------------

    def _tables(
        self,
        tables: list[TableBlock],
        by_part: dict[str, TableBlock],
        collected: dict[str, list[ParagraphBlock]],
    ) -> None:
        assigned: dict[str, TableBlock] = {}
        for table in self.spec.tables:
            # A table joined under its own heading knows it; else the table under the part, else by content.
            block = next((b for b in tables if b.heading == table.key), None) or by_part.get(table.key)
            if block is None or _identify(block) not in (None, table.id):
                block = next((b for b in tables if _identify(b) == table.id and b not in assigned.values()), None)
            if block is not None:
                assigned[table.id] = block
        for block in tables:
            if block not in assigned.values():
                self.problems.append(
                    warning(self._where(block, f"第{block.number}个表格"),
                            f"第{block.number}个表格不是官方格式的表二、表三或表四，其中的内容没有读取",
                            "年度报告只应有表二、表三、表四三个表格", kind=Kind.UNPLACED)
                )
        for table in self.spec.tables:
            for row in table.rows:
                for column in row.columns:
                    zero: int | Decimal = Decimal(0) if column.kind == "amount" else 0
                    self.report.cells[(table.id, row.id, column.id)] = Cell(zero)
            self.report.table_locations.setdefault(table.id, self._where(None, table.id))
            block = assigned.get(table.id)
            if block is None:
                # A finished report without one of its tables is wrong; an import marks it 缺失 instead of
                # turning it into zeros, and `check` skips the rules needing it.
                where, missing = self.report.table_locations[table.id], f"没有找到{table.id}「{table.key}」"
                self.problems.append(
                    error(where, missing, _MISSING_TABLE_HINT, MISSING_TABLE_RULE, Kind.MISSING_TABLE) if self.finished
                    else warning(where, missing, f"{_MISSING_TABLE_HINT}；导入时这张表写作“缺失”", MISSING_TABLE_RULE,
                                 Kind.MISSING_TABLE)
                )
                self.report.absent_tables.add(table.id)
                continue
            _TableReader(self, table, block).read()

    def outdated_term(self, text: str) -> dict[str, str] | None:
        """The outdated or altered term (rules.yaml) a table label is or contains, if any."""
        folded = normalize_label(text)
        for term in self.outdated:
            needle = normalize_label(term["term"])
            if needle == strip_number(folded) or (not term.get("only_keys") and needle in folded):
                return term
        return None


class _TableReader:
    """Places the cells of one table block on the rows and columns of fields.yaml."""

    def __init__(self, reader: _Reader, table: Table, block: TableBlock) -> None:
        self.reader = reader
        self.table = table
        self.block = block
        self.report = reader.report
        self.taken: dict[str, int] = {}  # row id → grid row
        self.all_labels = {normalize_label(label) for row in table.rows for label in row.path}
        # Every row's own official label: one seen again (a row given twice) is no other row's renamed label.
        self.row_labels = {normalize_label(x) for row in table.rows for x in (row.label, *row.aliases)}
        self.column_labels = {normalize_label(c.label) for c in table.all_columns()} - self.all_labels
        self.renamed_columns: set[tuple[str, str]] = set()
        self.outdated_seen = False  # a 2019-format table: rows are not guessed by position
        self.disorder = 0  # rows of numbers that fit no row: text whose cells came out of order

    def read(self) -> None:
        block = self.block
        header: list[int] = []
        last_was_data = False
        previous: Row | None = None
        for r in range(len(block.grid)):
            cells = block.row_cells(r) if not self.reader.text_mode else block.origins(r)
            labels, values = self._split(cells)
            # A text cell merged down from a row above (a PDF's header box drawn over the rows below it)
            # is not one of this row's numbers.
            values = [v for v in values if v.row == r or is_value_text(v.text)]
            # A header row with an empty cell in it ("行政复议 | | 行政诉讼") is not a row of numbers.
            header_words = any(v.text.strip() and not is_value_text(v.text) for v in values)
            is_data = not header_words and any(v.text.strip() for v in values) or not header_words and any(
                normalize_label(c.text) in self.all_labels and c.row == r for c in labels
            ) and bool(values)
            if not is_data:
                if last_was_data:
                    header = []
                header.append(r)
                last_was_data = False
                self._check_header_terms(r)
                continue
            last_was_data = True
            if labels and all(self._heading_words(c.text) for c in labels):
                # A column heading in front of the numbers (表四 pasted one cell per line ends its header
                # with 总计 and then gives all 15 numbers; a PDF's text layout leaves the last line of its
                # vertical headings, "维持 纠正 结果 审结", there): the numbers have no row label.
                labels = []
            if labels:
                row = self._match_row(r, labels, header, previous)
                if row is None:
                    continue
                previous = row
                self._place(r, row, values, header)
            else:
                self._place_unlabelled(r, values, header)
        if self.reader.text_mode and self.disorder >= 2:
            self._drop_unbalanced_rows()
        for row in self.table.rows:
            if row.id not in self.taken:
                where = self.report.table_locations[self.table.id]
                self.reader.problems.append(
                    error(where, f"{self.table.id}缺少「{row.display}」行", f"按官方格式补上「{row.label}」这一行")
                )
                self.report.invalid_cells.update((self.table.id, row.id, c.id) for c in row.columns)

    def _drop_unbalanced_rows(self) -> None:
        """In text whose table cells came out of order (copied out of a PDF in the order its text was
        drawn), a label can be followed by as many numbers as its row has that are not its own. A row whose
        总计 is not the sum of its other numbers is then taken for such a run, not read: its cells are 待补."""
        for row in self.table.rows:
            total = next((c for c in row.columns if c.computed), None)
            keys = [(self.table.id, row.id, c.id) for c in row.columns]
            if total is None or row.id not in self.taken or any(k in self.report.invalid_cells for k in keys):
                continue
            values = [self.report.cells[k].value if k in self.report.cells else None for k in keys]
            if any(v is None for v in values):
                continue  # a total left out is computed, not compared
            given = values[row.columns.index(total)]
            if sum(v for v, c in zip(values, row.columns, strict=True) if c is not total and v is not None) == given:
                continue
            self.report.invalid_cells.update(keys)
            self.reader.problems.append(
                warning(self.report.row_locations[(self.table.id, row.id)],
                        f"{self.table.id}「{row.display}」行的数字与“{total.label}”不符，而这张表格的文字顺序已经错乱"
                        "（从 PDF 复制的文字常这样），这些数可能属于别的行，没有读取",
                        "对照原报告填写这一行；或者改为导入原报告的网页、Word 或 PDF 文件", kind=Kind.UNPLACED)
            )

    def _heading_words(self, text: str) -> bool:
        """True when `text` is a column heading or only pieces of column headings (words of a heading
        broken over lines), and no row's label."""
        words = [normalize_label(w) for w in text.split()]
        return bool(words) and all(
            w and w not in self.all_labels and (w in self.column_labels or any(w in c for c in self.column_labels))
            for w in words
        )

    def _split(self, cells: list[GridCell]) -> tuple[list[GridCell], list[GridCell]]:
        start = next((i for i, cell in enumerate(cells) if cell.text.strip()), len(cells))
        if 0 < start < len(cells) and not is_value_text(cells[start].text):
            # Empty cells in front of the row's label: a merged label written as empty cells (a page
            # converted without rowspan), not numbers.
            cells = cells[start:]
        for index, cell in enumerate(cells):
            if is_value_text(cell.text):
                return cells[:index], cells[index:]
        return cells, []

    def _check_header_terms(self, r: int) -> None:
        for cell in self.block.origins(r):
            term = self.reader.outdated_term(cell.text)
            if term is not None:
                self._outdated(r, cell.text, term)

    def _outdated(self, r: int, text: str, term: dict[str, str]) -> None:
        subject = f"{self.table.id}「{text}」"
        outdated_format = str(term.get("why", "")).startswith("2019")
        self.outdated_seen = self.outdated_seen or outdated_format
        if outdated_format:
            self.reader.old_edition_labels.append(text)
        make = error if outdated_format else warning
        self.reader.problems.append(
            make(self.reader._cell_location(self.block, r, subject),
                  f"{self.table.id}中的「{text}」是{term['why']}，现行格式（国办公开办函〔2021〕30号）应为「{term['use']}」",
                  "按国办公开办函〔2021〕30号的格式重新制作这张表格" if outdated_format else f"改为「{term['use']}」",
                  OUTDATED_RULE)
        )

    def _header_texts(self, header: list[int]) -> set[str]:
        return {normalize_label(c.text) for r in header for c in self.block.origins(r) if c.text.strip()}

    def _match_row(self, r: int, labels: list[GridCell], header: list[int], previous: Row | None) -> Row | None:
        texts = [c.text for c in labels]
        folded = {normalize_label(t) for t in texts} | self._header_texts(header)
        last = normalize_label(texts[-1])
        candidates = [
            row for row in self.table.rows
            if row.id not in self.taken and all(normalize_label(p) in folded for p in row.path)
        ]
        if not candidates:
            candidates = [
                row for row in self.table.rows
                if row.id not in self.taken
                and last in {normalize_label(row.label), *(normalize_label(a) for a in row.aliases)}
            ]
        if candidates:
            best = max(candidates, key=lambda x: len(x.path))
            self.reader.result.row_labels[(self.table.id, best.id)] = texts[-1]
            return best
        location = self.reader._cell_location(self.block, r, f"{self.table.id}「{texts[-1]}」行")
        refused = self._not_a_row(last)
        if refused:
            self.reader.problems.append(
                warning(location, f"{self.table.id}中“{texts[-1]}”{refused}，同一行的数字不能确定属于哪一行哪一栏，没有读取",
                        f"对照原表格，在数据文件中把这些数填到{self.table.id}对应的行", kind=Kind.UNPLACED)
            )
            return None
        term = self.reader.outdated_term(texts[-1])
        free = [x for x in self.table.rows if x.id not in self.taken]
        row: Row | None = None
        if term is not None:
            self._outdated(r, texts[-1], term)
            row = next((x for x in free if normalize_label(x.label) == normalize_label(term["use"])), None)
        else:
            by_label = {normalize_label(x.label): x for x in free}
            close = difflib.get_close_matches(last, list(by_label), n=1, cutoff=0.6)
            if close:
                row = by_label[close[0]]
            elif self.outdated_seen:
                row = None
            elif previous is not None:
                following = self.table.rows[self.table.rows.index(previous) + 1 :]
                row = next((x for x in following if x.id not in self.taken), None)
            elif free:
                row = free[0]
            if row is not None and (last in self.row_labels or not close and not _resembles(last, row)):
                # Placing a row by its position alone is a guess unless its label is at least like the
                # official one: a header fragment ("结", "审结") left in front of numbers is not a row.
                row = None
            if row is not None:
                self.reader.problems.append(
                    warning(location, f"{self.table.id}的行名「{texts[-1]}」不是官方名称，读作「{row.display}」",
                            f"改为官方名称「{row.label}」", OUTDATED_RULE)
                )
        if row is None:
            self.reader.problems.append(
                warning(location, f"{self.table.id}中无法识别的一行「{' '.join(texts)}」，其中的数字没有读取",
                        "删去这一行，或改用官方格式的行名", kind=Kind.UNPLACED)
            )
            return None
        self.reader.result.row_labels[(self.table.id, row.id)] = texts[-1]
        return row

    def _not_a_row(self, folded: str) -> str:
        """Why a label that names no free row must not be read as some other row (empty when it may be):
        the heading of a group of rows (第二十条第（一）项, （三）不予公开), a note in brackets that held a
        number (“（其中修订16件）”, a cell's note pushed out of the table), or a row already read."""
        leaves = {normalize_label(x) for row in self.table.rows for x in (row.label, *row.aliases)}
        if folded in self.all_labels and folded not in leaves:
            return "是一组行的标题，不是一行"
        if _NOTE.match(folded) and re.search(r"\d", folded):
            return "是单元格里的注释，不是行名"
        if folded in leaves:
            return "这一行前面已经读过"
        return ""

    def _place_unlabelled(self, r: int, values: list[GridCell], header: list[int]) -> None:
        """A row of numbers only (table 四): the values of every remaining row, in order."""
        free = [row for row in self.table.rows if row.id not in self.taken]
        wanted = sum(len(row.columns) for row in free)
        while len(values) > wanted and not values[-1].text.strip():
            values = values[:-1]  # an empty cell padding the row (see _place)
        if len(values) != wanted or not free:
            self.disorder += 1
            location = self.reader._cell_location(self.block, r, f"{self.table.id}第{r + 1}行")
            self.reader.problems.append(
                warning(location, f"{self.table.id}第{r + 1}行没有行名，有 {len(values)} 个数，无法对应到表格的行，没有读取",
                        "按官方格式填写这张表格", kind=Kind.UNPLACED)
            )
            return
        start = 0
        for row in free:
            self._place(r, row, values[start : start + len(row.columns)], header)
            start += len(row.columns)

    def _place(self, r: int, row: Row, values: list[GridCell], header: list[int]) -> None:
        table = self.table
        self.taken[row.id] = r
        row_subject = f"{table.id}「{row.display}」行"
        self.report.row_locations[(table.id, row.id)] = self.reader._cell_location(self.block, r, row_subject)
        columns = list(row.columns)
        while len(values) > len(columns) and not values[0].text.strip():
            values = values[1:]  # an empty label cell (a PDF's third label column) before the numbers
        while len(values) > len(columns) and not values[-1].text.strip():
            values = values[:-1]  # an empty cell after them (Word's web page pads short rows with one)
        if len(values) != len(columns) and (chosen := self._by_header(r, row, values, header)) is not None:
            values = chosen
        if len(values) != len(columns):
            # A row without its 总计 cell leaves the total to be computed. In a table made of loose lines (one
            # cell per line, numbers apart) one number fewer is ambiguous: a blank cell vanishes wherever it
            # stood, so the numbers cannot be placed without guessing which one is missing.
            if len(values) == len(columns) - 1 and columns[-1].computed and not self.block.loose:
                columns = columns[:-1]
                # The total left out is computed from its parts (compute_totals), not left at 0.
                self.report.cells[(table.id, row.id, row.columns[-1].id)] = Cell(None)
            else:
                self.disorder += 1
                self.reader.problems.append(
                    error(self.report.row_locations[(table.id, row.id)],
                          f"{row_subject}应有 {len(row.columns)} 个数（{'、'.join(c.label for c in row.columns)}），"
                          f"实际有 {len(values)} 个",
                          "按官方格式，每栏填一个数，没有数据填 0")
                )
                self.report.invalid_cells.update((table.id, row.id, c.id) for c in row.columns)
                return
        for column, cell in zip(columns, values, strict=True):
            subject = cell_subject(table, row, column)
            location = self.reader._cell_location(self.block, r, subject)
            if not self.reader.text_mode:
                self._check_column_label(r, row, column, cell, header, location)
            problem = number_problem(cell.text, location, subject, column.kind)
            key: CellKey = (table.id, row.id, column.id)
            if problem is not None:
                certain = certain_number(cell.text, column.kind)
                if certain is not None:
                    # Printed as a published table prints it (3,001 · １２ · 12件): the number is certain, so
                    # it is read, and the way it is written is only a warning.
                    self.reader.problems.append(
                        warning(location, f"{subject}写作“{shorten(cell.text.strip())}”，读作 {certain}",
                                "表格中只写半角数字：不加千位逗号、单位或引号")
                    )
                    self.report.cells[key] = Cell(certain, location)
                    continue
                self.reader.problems.append(problem)
                self.report.invalid_cells.add(key)
                self.report.cells[key] = Cell(0, location)
                continue
            self.report.cells[key] = Cell(read_number(cell.text, column.kind), location)

    def _by_header(self, r: int, row: Row, values: list[GridCell], header: list[int]) -> list[GridCell] | None:
        """A row with more numbers than columns (a 2019 table: 上一年项目数量 | 本年增/减 | 处理决定数量): the
        numbers under the header labels that are this row's columns (by name, or by the outdated term that
        stands for it), one for each column; the others are listed as not imported. None when a column has
        no number, or more than one, under its label."""
        if not header:
            return None

        def label_above(cell: GridCell) -> str:
            above = [self.block.grid[h][cell.column] for h in header]
            texts = [c.text for c in above if c is not None and c.text.strip()]
            return texts[-1] if texts else ""

        def stands_for(text: str) -> str:
            term = self.reader.outdated_term(text)
            return normalize_label(term["use"] if term is not None else text)

        chosen: list[GridCell] = []
        for column in row.columns:
            under = [v for v in values if stands_for(label_above(v)) == normalize_label(column.label)]
            if len(under) != 1:
                return None
            chosen.append(under[0])
        left = [v for v in values if v not in chosen]
        where = self.reader._cell_location(self.block, r, f"{self.table.id}「{row.display}」行")
        self.reader.problems.append(
            warning(where, f"{self.table.id}「{row.display}」行按栏目"
                           f"「{'」「'.join(label_above(c) for c in chosen)}」读取；"
                           f"其余 {len(left)} 个数（{'、'.join(f'{label_above(c)} {c.text}' for c in left)}）"
                           "在现行格式中没有对应的栏，没有导入",
                    "现行格式（国办公开办函〔2021〕30号）只有这一栏；核对导入的数字", OUTDATED_RULE)
        )
        return chosen

    def _check_column_label(
        self, r: int, row: Row, column: Column, cell: GridCell, header: list[int], location: Location
    ) -> None:
        """The lowest header label above a number must be its official column label."""
        above = [
            self.block.grid[h][cell.column] for h in header if self.block.grid[h][cell.column] is not None
        ]
        texts = [c.text for c in above if c is not None and c.text.strip()]
        if not texts:
            return
        if any(normalize_label(t) == normalize_label(column.label) for t in texts):
            return
        lowest = texts[-1]
        if self.reader.outdated_term(lowest) is not None:
            return  # reported with the header row
        if (column.id, lowest) in self.renamed_columns:
            return
        self.renamed_columns.add((column.id, lowest))
        self.reader.problems.append(
            warning(self.reader._cell_location(self.block, header[-1], f"{self.table.id}「{lowest}」栏"),
                    f"{self.table.id}的栏目「{lowest}」不是官方名称「{column.label}」",
                    f"改为官方名称「{column.label}」", OUTDATED_RULE)
        )


def join_split_tables(blocks: list[ParagraphBlock | TableBlock], spec: Spec) -> list[ParagraphBlock | TableBlock]:
    """Tables split by a page break joined again (see `continues_table`). Between the parts there may be
    empty lines and lines that are a label of the table's rows on their own ("第二十条第（五）项", a row of
    one merged cell that a copied table gives as a line without tabs): those become rows of the table."""
    out: list[ParagraphBlock | TableBlock] = []
    labels = {normalize_label(p) for t in spec.tables for row in t.rows for p in row.path}
    i = 0
    while i < len(blocks):
        block = blocks[i]
        i += 1
        if isinstance(block, TableBlock) and _identify(block) is None and out \
                and isinstance(out[-1], ParagraphBlock) and normalize_label(out[-1].text) in labels:
            # The table's first row, one merged cell, given as a line of its own.
            first = out.pop()
            assert isinstance(first, ParagraphBlock)
            head = TableBlock(block.number, [[GridCell(first.text.strip(), 0, 0)]], line=first.line,
                              row_lines=[first.line] if block.row_lines else [])
            join_tables(head, block)
            block = head
        out.append(block)
        if not isinstance(block, TableBlock):
            continue
        table = next((t for t in spec.tables if t.id == _identify(block)), None)
        if table is None:
            continue
        paths = {normalize_label(p) for row in table.rows for p in row.path}
        while True:
            j = i
            between: list[str] = []
            while j < len(blocks) and isinstance(blocks[j], ParagraphBlock):
                text = blocks[j].text.strip()  # type: ignore[union-attr]
                if text and normalize_label(text) not in paths:
                    break
                if text:
                    between.append(text)
                j += 1
            if j >= len(blocks) or not isinstance(blocks[j], TableBlock):
                break
            part = blocks[j]
            assert isinstance(part, TableBlock)
            if not continues_table(block, part, spec):
                break
            for text in between:
                join_tables(block, TableBlock(0, [[GridCell(text, 0, 0)]]))
            join_tables(block, part)
            i = j + 1
    return renumber_tables(out)


def continues_table(before: TableBlock, block: TableBlock, spec: Spec) -> bool:
    """True when `block`, right after the table `before`, is the rest of it: a table split in two by a page
    break (a saved Word page, a pasted table), whose rows carry official row labels of the table `before`
    is, that names no other table and does not start that table again (its first row label is not there)."""
    identity = _identify(before)
    table = next((t for t in spec.tables if t.id == identity), None)
    if table is None or not table.rows or _identify(block) not in (None, identity):
        return False
    labels = {normalize_label(x) for row in table.rows for x in (row.label, *row.aliases)}
    texts = {normalize_label(c.text) for cells in block.grid for c in cells if c is not None and c.text.strip()}
    only_numbers = bool(texts) and all(is_value_text(t) for t in texts)  # 表四's row of numbers cut off its header
    return (only_numbers or bool(texts & labels)) and normalize_label(table.rows[0].path[0]) not in texts


def join_tables(before: TableBlock, block: TableBlock) -> None:
    """Add the rows of `block` below the rows of `before`. The numbers stand in the last columns of both
    parts, so a part with fewer columns (a merged label column cut off by the break) is aligned on the right."""
    base = len(before.grid)
    before.loose = before.loose or block.loose
    width = max(len(before.grid[0]) if before.grid else 0, len(block.grid[0]) if block.grid else 0)
    shift = width - (len(block.grid[0]) if block.grid else 0)
    for row in before.grid:
        row.extend([None] * (width - len(row)))
    moved: dict[int, GridCell] = {}
    for cells in block.grid:
        new_row: list[GridCell | None] = [None] * shift
        for cell in cells:
            if cell is None:
                new_row.append(None)
                continue
            if id(cell) not in moved:
                moved[id(cell)] = GridCell(cell.text, base + cell.row, cell.column + shift, cell.span)
            new_row.append(moved[id(cell)])
        before.grid.append(new_row)
    if before.row_lines or block.row_lines:
        before.row_lines = (before.row_lines or [before.line + i for i in range(base)]) + \
            (block.row_lines or [block.line + i for i in range(len(block.grid))])


def _resembles(label: str, row: Row) -> bool:
    """True when a row label not in the official wording still shares most of its words with the row's own
    official label (at least two characters, and more than half of its own), numbering and punctuation
    aside. The group label above it ("（四）无法提供") is not the row's label."""
    def words(text: str) -> set[str]:
        return {c for c in strip_number(normalize_label(text)) if c.isalnum() and not c.isdigit()}

    folded = normalize_label(label)
    if any(len(x) >= 2 and x in folded for x in (strip_number(normalize_label(t)) for t in (row.label, *row.aliases))):
        return True  # the label with more text run into it ("行政许可第二十条第（六）项", a PDF's cells joined)
    own = words(label)
    official = set().union(*(words(t) for t in (row.label, *row.aliases)))
    shared = own & official
    return len(shared) >= 2 and 2 * len(shared) > len(own)


def _join_title_lines(blocks: list[ParagraphBlock | TableBlock]) -> list[ParagraphBlock | TableBlock]:
    """A title broken over two or three lines (a PDF or a page copied line by line) as one line: among the
    first lines, consecutive short lines whose joined text is a title and that are not titles alone."""
    out = list(blocks)
    for i in range(min(len(out), 20)):
        for n in (2, 3):
            group = out[i:i + n]
            if len(group) < n or not all(
                isinstance(b, ParagraphBlock) and len(b.text) <= 40 and not is_tool_heading(b.text) for b in group
            ):
                continue
            texts = [b.text for b in group if isinstance(b, ParagraphBlock)]
            if any(_TITLE.match(_title_key(t)) for t in texts):
                continue
            if _TITLE.match(_title_key("".join(texts))):
                first = group[0]
                assert isinstance(first, ParagraphBlock)
                out[i:i + n] = [ParagraphBlock("".join(t.strip() for t in texts), first.style, first.line)]
                return out
    return out


def _split_run_in_title(blocks: list[ParagraphBlock | TableBlock], heading_keys: list[str]) -> list[ParagraphBlock | TableBlock]:
    """A page copied as one line ("清水县人民政府2019年 政府信息公开工作年度报告 一、总体情况 2019年，…"): the title,
    and an official part heading run in after it, on lines of their own. Only among the first lines."""
    out = list(blocks)
    for i, block in enumerate(out[:5]):
        if not isinstance(block, ParagraphBlock):
            continue
        run_in = _RUN_IN_TITLE.match(block.text.strip())
        if run_in is None or not _TITLE.match(_title_key(run_in.group("title"))):
            continue
        lines, rest = [run_in.group("title")], run_in.group("rest")
        key = next((k for k in heading_keys if rest.startswith(k) and rest[len(k): len(k) + 1].isspace()), None)
        if key is not None:
            lines, rest = [*lines, key], rest[len(key):].strip()
        out[i:i + 1] = [ParagraphBlock(t, block.style, block.line) for t in [*lines, rest]]
        break
    return out


_RUN_IN_TITLE = re.compile(r"^(?P<title>[^。；\n]{4,60}?信息公开(?:工作)?(?:年度)?报告)[ \t\u3000]+(?P<rest>\S.*)$", re.S)


def bare_title(text: str) -> str:
    """A title without what wraps it: a Markdown heading's #, the book-title marks 《》 or quotes round it."""
    text = re.sub(r"^#+\s*", "", text.strip())
    for left, right in (("《", "》"), ("“", "”"), ("\"", "\"")):
        if text.startswith(left) and text.endswith(right) and text.count(left) == 1:
            text = text[1:-1].strip()
    return text


def _title_key(text: str) -> str:
    return normalize_label(text).replace("(", "（").replace(")", "）")


def split_office_name(name: str) -> tuple[str, str]:
    """`泸州市龙马潭区安宁街道` → (`泸州市龙马潭区`, `安宁街道`); a 人民政府 keeps its region in its name,
    except a township's (`泰兴市珊瑚镇人民政府` → `泰兴市`, `珊瑚镇人民政府`): its region is the county above."""
    name = name.strip()
    if name.endswith("人民"):  # "……镇人民政府信息公开工作年度报告": the office's 政府 fused with the title's
        name += "政府"
    if re.search(r"政府办公(?:室|厅)$", name) or re.match(r"^[^市县区旗]{1,8}(?:市|县|区|旗)政府", name):
        # A government's office (秦皇岛市抚宁区人民政府办公室, 硚口区政府办公室) keeps its region in its name.
        return "", name
    if _REGION_CHAIN.fullmatch(name):
        return name, ""  # a report named after a region (西山区, 上海市): the region; the office is not named
    street = re.fullmatch(rf"(?P<region>{_REGION_CHAIN.pattern})人民政府(?P<office>.{{2,20}}?{_OWN_OFFICE})", name)
    if street:
        # 淄博市周村区人民政府丝绸路街道办事处: a street office named under the district government above it.
        return street.group("region"), street.group("office")
    if name.endswith("人民政府"):
        stem = name[: -len("人民政府")]
        if stem.endswith(("镇", "乡")) and len(stem) > 2:
            region, office = split_office_name(stem)
            if region:
                return region, office + "人民政府"
        return "", name
    match = _REGION_SUFFIX.match(name)
    if not match:
        return "", name
    region, office = match.group("region"), match.group("office")
    # Take the longest regional prefix that still leaves a name that is not itself only a region.
    while True:
        more = _REGION_SUFFIX.match(office)
        if not more or more.group("office").startswith("人民政府") or len(more.group("office")) < 2:
            break
        region += more.group("region")
        office = more.group("office")
    if office.startswith("人民政府") or len(office) < 2:
        return "", name
    if _DEPARTMENT.search(office) and not _TOWNSHIP_UNIT.search(office):
        return region, name  # a department (上海市科委, 资阳市同城化发展工作局) keeps its region in its name
    return region, office


# How the name of a street office or a township's government ends.
_OWN_OFFICE = r"(?:街道办事处|街道|镇人民政府|乡人民政府|镇政府|乡政府|镇|乡)"
# How the name of a government department ends.
_DEPARTMENT = re.compile(r"(?:局|委|委员会|厅|办公室|办|署)$")
# A street office's or township's own unit (安宁街道党政办), not a department (城乡建设局, 乡村振兴局).
_TOWNSHIP_UNIT = re.compile(r"[\u4e00-\u9fff]{2}(?:街道|镇|乡)(?=办|党|人民|政府|综合|公共)")


_OWN_OFFICE_IN_UNIT = re.compile(r"^(?P<office>[\u4e00-\u9fff]{2,20}?(?:街道办事处|镇人民政府|乡人民政府|镇政府|乡政府|街道|镇|乡))")
_UNIT = re.compile(r"(?:办公室|办|科|股|中心|小组|站|所)$")


def own_office_of_unit(contact: str) -> str:
    """The street office or township a contact office belongs to (黄岛街道办事处政府信息公开领导小组办公室 →
    黄岛街道办事处, 凤卧镇公共服务办公室 → 凤卧镇), or the contact itself when it is one; "" for any other
    contact — a district's office (某某区人民政府办公室) is often the contact for its streets' reports."""
    found = _OWN_OFFICE_IN_UNIT.match(contact)
    if found is None:
        return ""
    rest = contact[found.end():]
    if rest.startswith(("办事处", "人民政府")):
        return ""  # cut inside the name
    return found.group("office") if not rest or _UNIT.search(rest) else ""


def formal_office_name(region: str, office: str, text: str) -> str:
    """A street office or township named bare (东河街道) in its full form when the text writes that form with its
    region (呼和浩特市新城区东河街道办事处): the contact office is often a short form of the name."""
    full = {"街道": "办事处", "镇": "人民政府", "乡": "人民政府"}
    for bare, organ in full.items():
        if office.endswith(bare) and f"{region}{office}{organ}" in text:
            return office + organ
    return office


_REGION_PREFIX = re.compile(r"^(?:[\u4e00-\u9fff]{1,7}?(?:省|自治区|特别行政区|市|自治州|州|盟|地区|区|县|旗))+")


def region_from_mentions(region: str, office: str, mentions: list[str]) -> tuple[str, str]:
    """A street office's or township's region made complete from a contact office, address or site that
    writes it with its region: 道里区 / 经纬街道办事处 with 哈尔滨市道里区经纬街道办事处 → 哈尔滨市道里区; a
    district short-named inside the office (广元市 / 昭化元坝镇人民政府 with 广元市昭化区元坝镇…) moves to the
    region (广元市昭化区 / 元坝镇人民政府). Unchanged when no mention writes the region of the office's place."""
    place = re.sub(r"(?:人民政府|政府|办事处)$", "", office)
    if not re.search(r"(?:街道|镇|乡)$", place):
        return region, office
    for mention in mentions:
        chain = _REGION_PREFIX.match(mention)
        if chain is None:
            continue
        stated, rest = chain.group(0), mention[chain.end():]
        tail = next((place[i:] for i in range(len(place) - 1) if rest.startswith(place[i:])), "")
        if len(tail) < 2 or not re.search(r"(?:街道|镇|乡)$", tail):
            continue
        short = place[: len(place) - len(tail)]
        if short and short not in stated[len(region):] or region and region not in stated:
            continue
        if len(stated) > len(region):
            return stated, office[len(short):]
    return region, office


def formal_government_name(place: str, text: str) -> str:
    """`上海市青浦区徐泾镇` and a text that writes 上海市青浦区徐泾镇人民政府 → that name; "" when the text never
    names the place's 人民政府. A title "…徐泾镇政府信息公开工作年度报告" may mean 徐泾镇政府 + 信息公开 or
    徐泾镇 + 政府信息公开: only the text can tell."""
    if not place or place.endswith(("人民政府", "政府")) or not re.search(r"(?:省|自治区|市|州|盟|区|县|旗|镇|乡)$", place):
        return ""
    return f"{place}人民政府" if f"{place}人民政府" in text else ""


# How the part on improvements usually starts when a report runs problems and remedies together.
_REMEDIES = re.compile(r"^(?:针对|下一步|下阶段|今后|整改|改进|为此|对此|(?:\d{4}|新的一)年[，,]?\s*(?:我|本)?.{0,8}?将)")


def _turn_to_remedies(blocks: list[ParagraphBlock]) -> int:
    """The index of the first paragraph (not the first) that turns from the problems to the remedies, or 0."""
    return next((i for i, b in enumerate(blocks) if i and _REMEDIES.match(b.text.strip())), 0)


_REGION_CHAIN = re.compile(r"(?:[\u4e00-\u9fff]{1,7}?(?:省|自治区|特别行政区|市|自治州|州|盟|地区|区|县|旗))+")


def government_region(office: str, mentions: list[str]) -> str:
    """The region of a 人民政府 (or of one of its offices) that keeps its region in its name: the name's
    regional part (`淮安市人民政府` → 淮安市), made complete when the contact office or the address names
    the region above it (`洪泽区人民政府` with `淮安市洪泽区人民政府办公室` → 淮安市洪泽区). Empty otherwise."""
    stem = office.split("人民政府", 1)[0] if "人民政府" in office else ""
    if not stem or not _REGION_CHAIN.fullmatch(stem):
        return ""
    for mention in mentions:
        at = mention.find(stem)
        if at > 0 and _REGION_CHAIN.fullmatch(mention[:at]):
            return mention[: at + len(stem)]
    return stem


def strip_number(folded: str) -> str:
    return re.sub(r"^\d+\.", "", folded)


def _split_run_in(text: str) -> tuple[str, str]:
    """`（一）主动公开情况。2024年…` → title and the text run in after it; a plain sub-head has no rest."""
    for stop in ("。", "：", ":"):
        index = text.find(stop)
        if 0 < index <= 30 and index < len(text) - 1:
            return text[:index].strip(), text[index + 1 :].strip()
    return text.strip(), ""
