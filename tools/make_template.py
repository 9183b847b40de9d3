"""Generate the official Word template of the 政府信息公开工作年度报告.

Run from the repository root::

    python tools/make_template.py [output.docx]

The default output is ``templates/official-2021/template.docx``: the format of
国办公开办函〔2021〕30号, typeset after GB/T 9704-2012, with docxtpl (Jinja) tags
for the data.  The document is built with python-docx; everything python-docx
has no API for (style definitions, East-Asian fonts, the font table, merged
cells, repeating header rows, the PAGE field) is written as OOXML with lxml.

The output is deterministic: fixed core properties and fixed zip timestamps,
so running the script twice gives byte-identical files.

The Jinja names, loops and filters the template may use are listed in
``templates/official-2021/README.md`` (checked by tests/test_template_contract.py).
"""

from __future__ import annotations

import datetime as dt
import io
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "templates" / "official-2021" / "template.docx"

# ---------------------------------------------------------------------------
# Page geometry (GB/T 9704-2012), all lengths in twips (1/20 pt, 1/1440 in).
# ---------------------------------------------------------------------------


def mm(value: float) -> int:
    """Convert millimetres to whole twips."""
    return round(value * 1440 / 25.4)


PAGE_WIDTH = 11906  # A4 210 mm
PAGE_HEIGHT = 16838  # A4 297 mm
MARGIN_TOP = mm(37)  # 2098
MARGIN_BOTTOM = mm(35)  # 1984
MARGIN_LEFT = mm(28)  # 1587
MARGIN_RIGHT = mm(26)  # 1474
TYPE_AREA_WIDTH = PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT  # 8845 = 156 mm
# The page number line sits 7 mm below the type area: 35 mm - 7 mm - one 14 pt line.
FOOTER_DISTANCE = mm(23)
HEADER_DISTANCE = mm(15)

LINE_PITCH = 579  # 28.95 pt: 22 lines in the 225 mm type area
BODY_SIZE = 32  # half-points: 3号 = 16 pt
TITLE_SIZE = 44  # 2号 = 22 pt
FOOTER_SIZE = 28  # 4号 = 14 pt
TABLE_SIZE = 21  # 五号 = 10.5 pt
TABLE_SMALL_SIZE = 18  # 小五 = 9 pt
# Left/right cell padding: 0.75 mm leaves room for 4-5 digits in a 10 mm column.
CELL_MARGIN = mm(0.75)

# ---------------------------------------------------------------------------
# Fonts.  Official names first; fontTable.xml maps them to stock Windows fonts.
# ---------------------------------------------------------------------------

FANGSONG_GB = "仿宋_GB2312"
KAITI_GB = "楷体_GB2312"
XIAOBIAOSONG = "方正小标宋简体"
FANGSONG = "仿宋"
KAITI = "楷体"
SONGTI = "宋体"
HEITI = "黑体"
TIMES = "Times New Roman"


@dataclass(frozen=True)
class FontDecl:
    """One ``w:font`` entry of word/fontTable.xml."""

    name: str
    alt_name: str | None
    charset: str  # hex; "86" = GB2312_CHARSET (134)
    family: str
    pitch: str


FONT_TABLE = [
    FontDecl(TIMES, None, "00", "roman", "variable"),
    FontDecl(SONGTI, "SimSun", "86", "auto", "variable"),
    FontDecl(HEITI, "SimHei", "86", "modern", "fixed"),
    FontDecl(FANGSONG, "FangSong", "86", "modern", "fixed"),
    FontDecl(KAITI, "KaiTi", "86", "modern", "fixed"),
    FontDecl(FANGSONG_GB, FANGSONG, "86", "modern", "fixed"),
    FontDecl(KAITI_GB, KAITI, "86", "modern", "fixed"),
    FontDecl(XIAOBIAOSONG, SONGTI, "86", "auto", "variable"),
]


@dataclass(frozen=True)
class Fonts:
    """The ``w:rFonts`` of a style: Latin font and East-Asian font."""

    latin: str
    east_asia: str


BODY_FONTS = Fonts(TIMES, FANGSONG_GB)
TITLE_FONTS = Fonts(XIAOBIAOSONG, XIAOBIAOSONG)
HEADING1_FONTS = Fonts(HEITI, HEITI)
HEADING2_FONTS = Fonts(TIMES, KAITI_GB)
TABLE_FONTS = Fonts(TIMES, SONGTI)
FOOTER_FONTS = Fonts(SONGTI, SONGTI)

# Style ids (the names Word shows are in STYLE_NAMES below).
NORMAL = "Normal"
TITLE = "Title"
HEADING1 = "Heading1"
HEADING2 = "Heading2"
FOOTER = "Footer"
TABLE_TEXT = "TableText"
TABLE_TEXT_SMALL = "TableTextSmall"
TABLE_STYLE = "ReportTable"

STYLE_FONTS = {
    NORMAL: BODY_FONTS,
    TITLE: TITLE_FONTS,
    HEADING1: HEADING1_FONTS,
    HEADING2: HEADING2_FONTS,
    FOOTER: FOOTER_FONTS,
    TABLE_TEXT: TABLE_FONTS,
    TABLE_TEXT_SMALL: TABLE_FONTS,
}

FIXED_TIME = dt.datetime(2021, 1, 1, 0, 0, 0, tzinfo=dt.UTC)
ZIP_TIME = (2021, 1, 1, 0, 0, 0)

# ---------------------------------------------------------------------------
# Small OOXML helpers
# ---------------------------------------------------------------------------


def el(tag: str, attrs: dict[str, str | int] | None = None, *children: etree._Element):
    """Create a ``w:`` element; attribute names are prefixed (``"w:val"``)."""
    element = OxmlElement(tag)
    for name, value in (attrs or {}).items():
        element.set(qn(name), str(value))
    for child in children:
        element.append(child)
    return element


def rfonts(fonts: Fonts, hint: bool = False) -> etree._Element:
    """``w:rFonts`` naming the Latin and the East-Asian font explicitly (no theme fonts)."""
    attrs: dict[str, str | int] = {
        "w:ascii": fonts.latin,
        "w:hAnsi": fonts.latin,
        "w:eastAsia": fonts.east_asia,
        "w:cs": fonts.latin,
    }
    if hint:
        # Ambiguous characters (curly quotes, dashes) take the East-Asian font.
        attrs["w:hint"] = "eastAsia"
    return el("w:rFonts", attrs)


def run(text: str, fonts: Fonts) -> etree._Element:
    """A run with explicit fonts holding ``text`` in a single ``w:t``."""
    t = el("w:t", {})
    t.text = text
    t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return el("w:r", {}, el("w:rPr", {}, rfonts(fonts, hint=True)), t)


def paragraph(
    text: str | None,
    style: str,
    jc: str | None = None,
    fonts: Fonts | None = None,
    keep_next: bool = False,
) -> etree._Element:
    """A paragraph of one style with at most one run.

    ``jc`` overrides the style's alignment; ``fonts`` defaults to the style's fonts;
    ``keep_next`` keeps the paragraph on the page of the next one.
    """
    ppr = el("w:pPr", {}, el("w:pStyle", {"w:val": style}))
    if keep_next:
        ppr.append(el("w:keepNext"))
    if jc:
        ppr.append(el("w:jc", {"w:val": jc}))
    p = el("w:p", {}, ppr)
    if text:
        p.append(run(text, fonts or STYLE_FONTS[style]))
    return p


# ---------------------------------------------------------------------------
# Styles
# ---------------------------------------------------------------------------


def spacing_exact(line: int = LINE_PITCH, before: int = 0, after: int = 0) -> etree._Element:
    return el(
        "w:spacing",
        {"w:before": before, "w:after": after, "w:line": line, "w:lineRule": "exact"},
    )


def spacing_single() -> etree._Element:
    return el("w:spacing", {"w:before": 0, "w:after": 0, "w:line": 240, "w:lineRule": "auto"})


def indent_chars(chars: int, size: int) -> etree._Element:
    """First-line indent of ``chars`` characters of a font of ``size`` half-points.

    ``w:firstLineChars`` (hundredths of a character) is what Word uses; the twips
    value is the same length for readers that ignore the character unit.
    """
    return el("w:ind", {"w:firstLineChars": chars * 100, "w:firstLine": chars * size * 10})


def no_indent() -> etree._Element:
    return el(
        "w:ind",
        {"w:left": 0, "w:right": 0, "w:firstLineChars": 0, "w:firstLine": 0},
    )


def run_props(fonts: Fonts, size: int, color: bool = True) -> etree._Element:
    """Style-level ``w:rPr``: fonts, not bold/italic, black, size, Chinese language."""
    rpr = el(
        "w:rPr",
        {},
        rfonts(fonts),
        el("w:b", {"w:val": 0}),
        el("w:bCs", {"w:val": 0}),
        el("w:i", {"w:val": 0}),
        el("w:iCs", {"w:val": 0}),
    )
    if color:
        rpr.append(el("w:color", {"w:val": "000000"}))
    rpr.append(el("w:kern", {"w:val": 0}))
    rpr.append(el("w:sz", {"w:val": size}))
    rpr.append(el("w:szCs", {"w:val": size}))
    rpr.append(el("w:lang", {"w:val": "en-US", "w:eastAsia": "zh-CN", "w:bidi": "ar-SA"}))
    return rpr


def paragraph_style(
    style_id: str,
    name: str,
    ppr_children: list[etree._Element],
    fonts: Fonts,
    size: int,
    based_on: str | None = NORMAL,
    next_style: str | None = None,
    default: bool = False,
    ui_priority: int | None = None,
) -> etree._Element:
    """A ``w:style w:type="paragraph"`` whose pPr and rPr are fully explicit."""
    attrs: dict[str, str | int] = {"w:type": "paragraph", "w:styleId": style_id}
    if default:
        attrs["w:default"] = 1
    style = el("w:style", attrs, el("w:name", {"w:val": name}))
    if based_on:
        style.append(el("w:basedOn", {"w:val": based_on}))
    if next_style:
        style.append(el("w:next", {"w:val": next_style}))
    if ui_priority is not None:
        style.append(el("w:uiPriority", {"w:val": ui_priority}))
    style.append(el("w:qFormat"))
    style.append(el("w:pPr", {}, *ppr_children))
    style.append(run_props(fonts, size))
    return style


def heading_style(style_id: str, name: str, level: int, fonts: Fonts) -> etree._Element:
    """A heading level (一、 or （一）): body size, exact line pitch, 2-char indent, kept with the next line."""
    return paragraph_style(
        style_id,
        name,
        [
            el("w:keepNext"),
            el("w:keepLines"),
            el("w:snapToGrid", {"w:val": 0}),
            spacing_exact(),
            indent_chars(2, BODY_SIZE),
            el("w:jc", {"w:val": "both"}),
            el("w:outlineLvl", {"w:val": level}),
        ],
        fonts,
        BODY_SIZE,
        next_style=NORMAL,
        ui_priority=9,
    )


def build_styles() -> list[etree._Element]:
    """All styles of the template, from scratch (no theme fonts, no colours)."""
    doc_defaults = el(
        "w:docDefaults",
        {},
        el("w:rPrDefault", {}, run_props(BODY_FONTS, BODY_SIZE, color=False)),
        el("w:pPrDefault", {}, el("w:pPr", {}, spacing_single())),
    )
    normal = paragraph_style(
        NORMAL,
        "Normal",
        [
            el("w:widowControl", {"w:val": 0}),
            el("w:snapToGrid", {"w:val": 0}),
            spacing_exact(),
            indent_chars(2, BODY_SIZE),
            el("w:jc", {"w:val": "both"}),
        ],
        BODY_FONTS,
        BODY_SIZE,
        based_on=None,
        default=True,
    )
    title = paragraph_style(
        TITLE,
        "Title",
        [
            el("w:keepNext"),
            el("w:keepLines"),
            el("w:snapToGrid", {"w:val": 0}),
            # One blank body line after the title.
            spacing_exact(before=0, after=LINE_PITCH),
            no_indent(),
            el("w:jc", {"w:val": "center"}),
            el("w:outlineLvl", {"w:val": 9}),
        ],
        TITLE_FONTS,
        TITLE_SIZE,
        next_style=NORMAL,
        ui_priority=10,
    )
    heading1 = heading_style(HEADING1, "heading 1", 0, HEADING1_FONTS)
    heading2 = heading_style(HEADING2, "heading 2", 1, HEADING2_FONTS)
    footer = paragraph_style(
        FOOTER,
        "footer",
        [el("w:snapToGrid", {"w:val": 0}), spacing_single(), no_indent()],
        FOOTER_FONTS,
        FOOTER_SIZE,
        ui_priority=99,
    )
    table_text = paragraph_style(
        TABLE_TEXT,
        "表格文字",
        [
            el("w:snapToGrid", {"w:val": 0}),
            spacing_single(),
            no_indent(),
            el("w:jc", {"w:val": "center"}),
        ],
        TABLE_FONTS,
        TABLE_SIZE,
    )
    table_text_small = paragraph_style(
        TABLE_TEXT_SMALL,
        "表格文字（小）",
        [
            el("w:snapToGrid", {"w:val": 0}),
            spacing_single(),
            no_indent(),
            el("w:jc", {"w:val": "center"}),
        ],
        TABLE_FONTS,
        TABLE_SMALL_SIZE,
        based_on=TABLE_TEXT,
    )
    default_font = el(
        "w:style",
        {"w:type": "character", "w:default": 1, "w:styleId": "DefaultParagraphFont"},
        el("w:name", {"w:val": "Default Paragraph Font"}),
        el("w:uiPriority", {"w:val": 1}),
        el("w:semiHidden"),
        el("w:unhideWhenUsed"),
    )
    table_normal = el(
        "w:style",
        {"w:type": "table", "w:default": 1, "w:styleId": "TableNormal"},
        el("w:name", {"w:val": "Normal Table"}),
        el("w:uiPriority", {"w:val": 99}),
        el("w:semiHidden"),
        el("w:unhideWhenUsed"),
        el(
            "w:tblPr",
            {},
            el("w:tblInd", {"w:w": 0, "w:type": "dxa"}),
            el(
                "w:tblCellMar",
                {},
                el("w:top", {"w:w": 0, "w:type": "dxa"}),
                el("w:left", {"w:w": 108, "w:type": "dxa"}),
                el("w:bottom", {"w:w": 0, "w:type": "dxa"}),
                el("w:right", {"w:w": 108, "w:type": "dxa"}),
            ),
        ),
    )
    report_table = el(
        "w:style",
        {"w:type": "table", "w:customStyle": 1, "w:styleId": TABLE_STYLE},
        el("w:name", {"w:val": "年报表格"}),
        el("w:basedOn", {"w:val": "TableNormal"}),
        el("w:uiPriority", {"w:val": 59}),
        el("w:tblPr", {}, table_borders()),
        # Cells without their own w:vAlign (the docxtpl {% vm %} cells) are centred too.
        el("w:tcPr", {}, el("w:vAlign", {"w:val": "center"})),
    )
    return [
        doc_defaults,
        normal,
        default_font,
        table_normal,
        title,
        heading1,
        heading2,
        footer,
        table_text,
        table_text_small,
        report_table,
    ]


def setup_styles(doc: DocxDocument) -> None:
    """Replace python-docx's default styles.xml by the template's own styles."""
    styles = doc.styles.element
    for child in list(styles):
        styles.remove(child)
    for style in build_styles():
        styles.append(style)


# ---------------------------------------------------------------------------
# Package parts: font table, settings, core and app properties
# ---------------------------------------------------------------------------


def setup_font_table(doc: DocxDocument) -> None:
    """Declare the fonts with ``w:altName`` fallbacks for PCs without the official fonts."""
    part = doc.part.part_related_by(RT.FONT_TABLE)
    root = etree.fromstring(part.blob)
    for child in list(root):
        root.remove(child)
    for decl in FONT_TABLE:
        font = el("w:font", {"w:name": decl.name})
        if decl.alt_name:
            font.append(el("w:altName", {"w:val": decl.alt_name}))
        font.append(el("w:charset", {"w:val": decl.charset}))
        font.append(el("w:family", {"w:val": decl.family}))
        font.append(el("w:pitch", {"w:val": decl.pitch}))
        root.append(font)
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def setup_settings(doc: DocxDocument) -> None:
    """Different odd/even footers, Chinese theme language, Word 2013+ layout."""
    settings = doc.settings
    settings.odd_and_even_pages_header_footer = True
    root = settings.element
    lang = root.find(qn("w:themeFontLang"))
    if lang is not None:
        lang.set(qn("w:val"), "en-US")
        lang.set(qn("w:eastAsia"), "zh-CN")
    for setting in root.iter(qn("w:compatSetting")):
        if setting.get(qn("w:name")) == "compatibilityMode":
            setting.set(qn("w:val"), "15")
    rsids = root.find(qn("w:rsids"))
    if rsids is not None:
        root.remove(rsids)


def drop_unused_parts(doc: DocxDocument) -> None:
    """Drop parts of python-docx's default package the template does not use."""
    unused = {
        RT.CUSTOM_XML,
        RT.NUMBERING,
        "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects",
    }
    for rid, rel in list(doc.part.rels.items()):
        if rel.reltype in unused:
            del doc.part.rels[rid]
    package_rels = doc.part.package.rels
    for rid, rel in list(package_rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            del package_rels[rid]


APP_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
    'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
    "<Template>Normal.dotm</Template><Application>nianbao make_template.py</Application>"
    "<DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop><LinksUpToDate>false</LinksUpToDate>"
    "<SharedDoc>false</SharedDoc><HyperlinksChanged>false</HyperlinksChanged>"
    "</Properties>"
)


def setup_properties(doc: DocxDocument) -> None:
    """Fixed core properties (no per-run timestamps) and a minimal app.xml."""
    core = doc.core_properties
    core.title = "政府信息公开工作年度报告模板"
    core.subject = "国办公开办函〔2021〕30号格式"
    core.author = "nianbao"
    core.last_modified_by = "nianbao"
    core.comments = ""
    core.keywords = "政府信息公开;年度报告"
    core.category = ""
    core.language = "zh-CN"
    core.revision = 1
    core.created = FIXED_TIME.replace(tzinfo=None)
    core.modified = FIXED_TIME.replace(tzinfo=None)
    for rel in doc.part.package.rels.values():
        if rel.reltype == RT.EXTENDED_PROPERTIES:
            rel.target_part._blob = APP_XML.encode("utf-8")


# ---------------------------------------------------------------------------
# Section: page size, margins, footers with page numbers
# ---------------------------------------------------------------------------


def setup_section(doc: DocxDocument) -> None:
    """A4 with the GB/T 9704 margins; the footers hold "— n —"."""
    sect_pr = doc.sections[0]._sectPr
    for child in list(sect_pr):
        sect_pr.remove(child)
    section = doc.sections[0]
    section.footer.is_linked_to_previous = False
    section.even_page_footer.is_linked_to_previous = False
    fill_footer(section.footer._element, odd=True)
    fill_footer(section.even_page_footer._element, odd=False)
    # Keep footerReference elements (added above) first, then the page geometry.
    sect_pr.append(el("w:pgSz", {"w:w": PAGE_WIDTH, "w:h": PAGE_HEIGHT}))
    sect_pr.append(
        el(
            "w:pgMar",
            {
                "w:top": MARGIN_TOP,
                "w:right": MARGIN_RIGHT,
                "w:bottom": MARGIN_BOTTOM,
                "w:left": MARGIN_LEFT,
                "w:header": HEADER_DISTANCE,
                "w:footer": FOOTER_DISTANCE,
                "w:gutter": 0,
            },
        )
    )
    sect_pr.append(el("w:cols", {"w:space": 425}))
    # No line grid: a grid would snap the single-spaced table lines to 28.95 pt.
    sect_pr.append(el("w:docGrid", {"w:linePitch": LINE_PITCH}))


def field_char(kind: str) -> etree._Element:
    return el(
        "w:r", {}, el("w:rPr", {}, rfonts(FOOTER_FONTS)), el("w:fldChar", {"w:fldCharType": kind})
    )


def fill_footer(ftr: etree._Element, odd: bool) -> None:
    """Write the page number paragraph: right-aligned on odd pages, left on even ones.

    GB/T 9704: 4号 半角宋体 Arabic numerals between two em dashes, one character
    in from the outer edge of the type area.
    """
    for child in list(ftr):
        ftr.remove(child)
    one_char = FOOTER_SIZE * 10  # 14 pt in twips
    if odd:
        ind = el("w:ind", {"w:rightChars": 100, "w:right": one_char})
        jc = "right"
    else:
        ind = el("w:ind", {"w:leftChars": 100, "w:left": one_char})
        jc = "left"
    ppr = el("w:pPr", {}, el("w:pStyle", {"w:val": FOOTER}), ind, el("w:jc", {"w:val": jc}))
    instr = el("w:instrText", {})
    instr.text = " PAGE "
    instr.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    p = el(
        "w:p",
        {},
        ppr,
        run("— ", FOOTER_FONTS),
        field_char("begin"),
        el("w:r", {}, el("w:rPr", {}, rfonts(FOOTER_FONTS)), instr),
        field_char("separate"),
        run("1", FOOTER_FONTS),
        field_char("end"),
        run(" —", FOOTER_FONTS),
    )
    ftr.append(p)


# ---------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------


def table_borders() -> etree._Element:
    """Single 0.5 pt black borders around and inside the table."""
    return el(
        "w:tblBorders",
        {},
        *(
            el(f"w:{side}", {"w:val": "single", "w:sz": 4, "w:space": 0, "w:color": "000000"})
            for side in ("top", "left", "bottom", "right", "insideH", "insideV")
        ),
    )


@dataclass(frozen=True)
class Cell:
    """One ``w:tc`` of a table row.

    ``span``: grid columns covered (``w:gridSpan``); ``vmerge``: ``"restart"`` or
    ``"continue"`` for a static vertical merge; ``jc``: paragraph alignment;
    ``plain``: a cell whose tcPr holds only its width, for docxtpl's ``{% vm %}``
    (docxtpl appends ``w:vMerge`` at the end of tcPr, which must stay schema-valid).
    """

    text: str = ""
    span: int = 1
    vmerge: str | None = None
    jc: str | None = None
    plain: bool = False


def label(text: str, span: int = 1, vmerge: str | None = None) -> Cell:
    """A left-aligned row label."""
    return Cell(text, span=span, vmerge=vmerge, jc="left")


def head(text: str, span: int = 1, vmerge: str | None = None) -> Cell:
    """A centred header cell."""
    return Cell(text, span=span, vmerge=vmerge)


def cont(span: int = 1) -> Cell:
    """The continuation of a vertically merged cell."""
    return Cell("", span=span, vmerge="continue")


def tag_row(tag: str, columns: int, lead: list[Cell] | None = None) -> list[Cell]:
    """A row holding a docxtpl ``{%tr … %}`` tag; docxtpl removes the whole row.

    ``lead`` cells (e.g. a vertical-merge continuation) keep the template tidy in Word.
    """
    lead = lead or []
    used = sum(c.span for c in lead)
    return [*lead, Cell(tag, span=columns - used, jc="left")]


@dataclass(frozen=True)
class Row:
    """A table row: ``header`` rows repeat on each page; ``keep`` rows stay on the page
    of the next row (their cell paragraphs are "keep with next")."""

    cells: list[Cell]
    header: bool = False
    keep: bool = False


def make_cell(cell: Cell, width: int, style: str, keep_next: bool) -> etree._Element:
    """Build a ``w:tc``; tcPr children are written in schema order."""
    tcpr = el("w:tcPr", {}, el("w:tcW", {"w:w": width, "w:type": "dxa"}))
    if cell.span > 1:
        tcpr.append(el("w:gridSpan", {"w:val": cell.span}))
    if cell.vmerge == "restart":
        tcpr.append(el("w:vMerge", {"w:val": "restart"}))
    elif cell.vmerge == "continue":
        tcpr.append(el("w:vMerge"))
    if not cell.plain:
        tcpr.append(el("w:vAlign", {"w:val": "center"}))
    return el("w:tc", {}, tcpr, paragraph(cell.text, style, jc=cell.jc, keep_next=keep_next))


def make_table(
    widths: list[int],
    rows: list[Row],
    style: str,
    min_height: int | None = None,
) -> etree._Element:
    """A fixed-layout, centred table on the given grid.

    Every row is ``w:cantSplit``; header rows carry ``w:tblHeader`` so Word repeats them
    on each page, and header and ``keep`` rows are "keep with next" so they are never left
    alone at the foot of a page.  ``min_height`` (twips) is an at-least row height.
    """
    total = sum(widths)
    if total > TYPE_AREA_WIDTH:
        raise ValueError(f"table is {total} twips wide, the type area is {TYPE_AREA_WIDTH}")
    tbl_pr = el(
        "w:tblPr",
        {},
        el("w:tblStyle", {"w:val": TABLE_STYLE}),
        el("w:tblW", {"w:w": total, "w:type": "dxa"}),
        el("w:jc", {"w:val": "center"}),
        table_borders(),
        el("w:tblLayout", {"w:type": "fixed"}),
        el(
            "w:tblCellMar",
            {},
            el("w:top", {"w:w": 0, "w:type": "dxa"}),
            el("w:left", {"w:w": CELL_MARGIN, "w:type": "dxa"}),
            el("w:bottom", {"w:w": 0, "w:type": "dxa"}),
            el("w:right", {"w:w": CELL_MARGIN, "w:type": "dxa"}),
        ),
        el(
            "w:tblLook",
            {
                "w:val": "0000",
                "w:firstRow": 0,
                "w:lastRow": 0,
                "w:firstColumn": 0,
                "w:lastColumn": 0,
                "w:noHBand": 1,
                "w:noVBand": 1,
            },
        ),
    )
    grid = el("w:tblGrid", {}, *(el("w:gridCol", {"w:w": w}) for w in widths))
    tbl = el("w:tbl", {}, tbl_pr, grid)
    for row in rows:
        keep_next = row.header or row.keep
        if sum(c.span for c in row.cells) != len(widths):
            raise ValueError(f"row does not fill the grid: {row.cells}")
        tr_pr = el("w:trPr", {}, el("w:cantSplit"))
        if min_height:
            tr_pr.append(el("w:trHeight", {"w:val": min_height, "w:hRule": "atLeast"}))
        if row.header:
            tr_pr.append(el("w:tblHeader"))
        tr = el("w:tr", {}, tr_pr)
        col = 0
        for cell in row.cells:
            tr.append(make_cell(cell, sum(widths[col : col + cell.span]), style, keep_next))
            col += cell.span
        tbl.append(tr)
    return tbl


def num(expr: str, span: int = 1, plain: bool = False) -> Cell:
    """A centred number cell holding ``{{ expr }}``."""
    return Cell("{{ " + expr + " }}", span=span, plain=plain)


def table_two() -> etree._Element:
    """二、主动公开政府信息情况: 4 columns, one block per item of 条例 art. 20."""
    widths = [mm(45), *([mm(37)] * 3)]
    widths[-1] = TYPE_AREA_WIDTH - sum(widths[:-1])
    rows = [
        Row([head("第二十条第（一）项", span=4)], keep=True),
        Row(
            [head("信息内容"), head("本年制发件数"), head("本年废止件数"), head("现行有效件数")],
            keep=True,
        ),
        Row(tag_row("{%tr for 行 in 表二.组.第一项.行 %}", 4)),
        Row(
            [
                label("{{ 行.名称 }}"),
                num("行.本年制发件数"),
                num("行.本年废止件数"),
                num("行.现行有效件数"),
            ]
        ),
        Row(tag_row("{%tr endfor %}", 4)),
        Row([head("第二十条第（五）项", span=4)], keep=True),
        Row([head("信息内容"), head("本年处理决定数量", span=3)], keep=True),
        Row([label("行政许可"), num("表二.行.行政许可.本年处理决定数量", span=3)]),
        Row([head("第二十条第（六）项", span=4)], keep=True),
        Row([head("信息内容"), head("本年处理决定数量", span=3)], keep=True),
        Row(tag_row("{%tr for 行 in 表二.组.第六项.行 %}", 4)),
        Row([label("{{ 行.名称 }}"), num("行.本年处理决定数量", span=3)]),
        Row(tag_row("{%tr endfor %}", 4)),
        Row([head("第二十条第（八）项", span=4)], keep=True),
        Row([head("信息内容"), head("本年收费金额（单位：万元）", span=3)], keep=True),
        Row([label("行政事业性收费"), num("表二.行.行政事业性收费.本年收费金额", span=3)]),
    ]
    return make_table(widths, rows, TABLE_TEXT, min_height=mm(7))


APPLICANT_KEYS = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
T3_CORNER = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"


def numbers(prefix: str) -> list[Cell]:
    """The 7 applicant columns of table 三 for the row object ``prefix``."""
    return [num(f"{prefix}.{key}") for key in APPLICANT_KEYS]


def table_three() -> etree._Element:
    """三、收到和处理政府信息公开申请情况: 3 label columns + 7 number columns.

    The 19 detail rows of （三）–（六） come from a nested ``{%tr for %}`` loop; the
    group label is merged vertically by docxtpl's ``{% vm %}``; the first column
    (三、本年度办理结果) is a static vertical merge from （一） to （七）.
    """
    # 10 mm holds two 9 pt characters a line; 自然人 gets 12 mm so it is not broken as "自然/人".
    widths = [mm(11), mm(25), mm(50), mm(12), *([mm(10)] * 6)]
    widths[2] = TYPE_AREA_WIDTH - sum(widths) + widths[2]
    in_result = [cont()]  # the 三、本年度办理结果 column inside the merge
    rows = [
        Row([head(T3_CORNER, span=3, vmerge="restart"), head("申请人情况", span=7)], header=True),
        Row(
            [
                cont(span=3),
                head("自然人", vmerge="restart"),
                head("法人或其他组织", span=5),
                head("总计", vmerge="restart"),
            ],
            header=True,
        ),
        Row(
            [
                cont(span=3),
                cont(),
                head("商业企业"),
                head("科研机构"),
                head("社会公益组织"),
                head("法律服务机构"),
                head("其他"),
                cont(),
            ],
            header=True,
        ),
        # The heading, the header and the first two rows stay together.
        Row(
            [label("一、本年新收政府信息公开申请数量", span=3), *numbers("表三.行.新收")], keep=True
        ),
        Row(
            [label("二、上年结转政府信息公开申请数量", span=3), *numbers("表三.行.结转")], keep=True
        ),
        Row(
            [
                head("三、本年度办理结果", vmerge="restart"),
                label("（一）予以公开", span=2),
                *numbers("表三.行.予以公开"),
            ]
        ),
        Row(
            [
                cont(),
                label("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", span=2),
                *numbers("表三.行.部分公开"),
            ]
        ),
        Row(tag_row("{%tr for 组 in 表三.分组 %}", 10, in_result)),
        Row(tag_row("{%tr for 行 in 组.行 %}", 10, in_result)),
        Row(
            [
                cont(),
                Cell("{{ 组.名称 }}{% vm %}", plain=True),
                label("{{ 行.名称 }}"),
                *numbers("行"),
            ]
        ),
        Row(tag_row("{%tr endfor %}", 10, in_result)),
        Row(tag_row("{%tr endfor %}", 10, in_result)),
        Row([cont(), label("（七）总计", span=2), *numbers("表三.行.办理总计")]),
        Row([label("四、结转下年度继续办理", span=3), *numbers("表三.行.结转下年")]),
    ]
    return make_table(widths, rows, TABLE_TEXT_SMALL, min_height=mm(5))


LO_STEP_TWIPS = 7  # see table_four

RESULT_KEYS = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]


def table_four() -> etree._Element:
    """四、政府信息公开行政复议、行政诉讼情况: 3 header rows and one row of 15 numbers."""
    # LibreOffice keeps a table's column boundaries in steps of 1/10000 of the table's width; a boundary off
    # those steps moves by a twip on a re-save, and 15 equal columns (a header cell over 5 of them) came
    # back as 16, one split into 588 + 1. At 8750 twips a step is 0.875 twip, so columns in whole multiples
    # of 7 twips put every boundary on a step: 1250 sevens, 83 a column, the 5 left over to each group's
    # 总计 column and to the 尚未审结 column of the first two.
    units = [83] * 15
    for column in (3, 4, 8, 9, 14):
        units[column] += 1
    widths = [LO_STEP_TWIPS * u for u in units]
    rows = [
        Row([head("行政复议", span=5), head("行政诉讼", span=10)], header=True),
        Row(
            [
                *(head(key, vmerge="restart") for key in RESULT_KEYS),
                head("未经复议直接起诉", span=5),
                head("复议后起诉", span=5),
            ],
            header=True,
        ),
        Row([*(cont() for _ in RESULT_KEYS), *(head(k) for k in RESULT_KEYS * 2)], header=True),
        Row(
            [
                num(f"表四.行.{group}.{key}")
                for group in ("行政复议", "直接起诉", "复议后起诉")
                for key in RESULT_KEYS
            ]
        ),
    ]
    return make_table(widths, rows, TABLE_TEXT, min_height=mm(7))


# ---------------------------------------------------------------------------
# Body text
# ---------------------------------------------------------------------------

# The parts are listed with "，" as in the published seed report: "、" would be ambiguous, since the
# fourth part's own name contains one.
DEFAULT_OPENING = (
    "本报告根据《中华人民共和国政府信息公开条例》规定编制。全文包括总体情况，主动公开政府信息情况，"
    "收到和处理政府信息公开申请情况，政府信息公开行政复议、行政诉讼情况，存在的主要问题及改进情况，"
    "其他需要报告的事项6个部分。报告中所列数据统计期为{{ 年度 }}年1月1日至{{ 年度 }}年12月31日。"
    "报告电子版通过{{ 公开网站 }}（{{ 网址 }}）全文公开。如有疑问请与{{ 联系机构 }}联系。"
    "（地址：{{ 地址 }}；邮编：{{ 邮编 }}；联系电话：{{ 联系电话 }}）"
)


# A 22 pt title holds 20 characters a line, so most titles take two lines. Break it where GB/T 9704
# says (never inside a word): after the office's name, before "2024年政府信息公开…".
# The "\n" becomes a w:br when the report is rendered.
TITLE_EXPR = (
    '{% set 机关名, 事由, 其余 = 标题.partition(年度 ~ "年政府信息公开") %}'
    "{% if 机关名 and 事由 %}"
    '{{ 机关名 ~ "\\n" ~ 事由 ~ 其余 }}'
    "{% else %}{{ 标题 }}{% endif %}"
)


class Body:
    """Appends block elements to the document body, before its sectPr."""

    def __init__(self, doc: DocxDocument) -> None:
        self.body = doc.element.body
        self.sect_pr = self.body.find(qn("w:sectPr"))

    def add(self, element: etree._Element) -> None:
        self.sect_pr.addprevious(element)

    def para(self, text: str, style: str = NORMAL) -> None:
        self.add(paragraph(text, style))

    def tag(self, tag: str) -> None:
        """A paragraph holding only a docxtpl ``{%p … %}`` tag."""
        self.para(tag)

    def loop(self, items: str, var: str = "段") -> None:
        """One body paragraph per string of the list ``items``."""
        self.tag(f"{{%p for {var} in {items} %}}")
        self.para(f"{{{{ {var} }}}}")
        self.tag("{%p endfor %}")

    def heading1(self, text: str) -> None:
        self.para(text, HEADING1)

    def heading2(self, text: str) -> None:
        self.para(text, HEADING2)


def write_title_and_opening(body: Body) -> None:
    body.para(TITLE_EXPR, TITLE)
    body.tag("{%p if 开头说明 %}")
    body.loop("开头说明")
    body.tag("{%p else %}")
    body.para(DEFAULT_OPENING)
    body.tag("{%p endif %}")


def write_part_one(body: Body) -> None:
    body.heading1("一、总体情况")
    body.loop("总体情况.导语")
    body.tag("{%p for 项 in 总体情况.分项 %}")
    body.heading2("{{ 项.标题 }}")
    body.loop("项.段落")
    body.tag("{%p endfor %}")


def write_tables(body: Body) -> None:
    body.heading1("二、主动公开政府信息情况")
    body.add(table_two())
    body.heading1("三、收到和处理政府信息公开申请情况")
    body.add(table_three())
    body.heading1("四、政府信息公开行政复议、行政诉讼情况")
    body.add(table_four())


def write_parts_five_six(body: Body) -> None:
    body.heading1("五、存在的主要问题及改进情况")
    body.heading2("（一）存在的主要问题")
    body.loop("存在的主要问题")
    body.heading2("（二）改进情况")
    body.loop("改进情况")
    body.heading1("六、其他需要报告的事项")
    body.loop("其他事项")


# ---------------------------------------------------------------------------
# Assembly
# ---------------------------------------------------------------------------


def build_document() -> DocxDocument:
    """The complete template as a python-docx Document."""
    doc = Document()
    drop_unused_parts(doc)
    setup_styles(doc)
    setup_font_table(doc)
    setup_settings(doc)
    setup_properties(doc)
    body = Body(doc)
    for p in list(body.body.iterchildren(qn("w:p"))):
        body.body.remove(p)
    setup_section(doc)
    write_title_and_opening(body)
    write_part_one(body)
    write_tables(body)
    write_parts_five_six(body)
    return doc


def deterministic_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed member timestamps and permissions."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o644 << 16
            dst.writestr(member, src.read(info.filename))
    return out.getvalue()


def build(output: Path = DEFAULT_OUTPUT) -> Path:
    """Generate the template at ``output`` and return the path."""
    buffer = io.BytesIO()
    build_document().save(buffer)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(deterministic_zip(buffer.getvalue()))
    return output


def main(argv: list[str]) -> int:
    output = Path(argv[1]) if len(argv) > 1 else DEFAULT_OUTPUT
    print(build(output))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
