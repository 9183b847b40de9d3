"""Typesetting and rendering tests of templates/official-2021/template.docx.

The expected labels and merges are written out here from the official format
(国办公开办函〔2021〕30号, see README), independently of tools/make_template.py.
"""

from __future__ import annotations

import importlib.util
import io
import sys
import zipfile
from pathlib import Path

import jinja2
import jinja2.meta
import pytest
from docx import Document
from docxtpl import DocxTemplate
from lxml import etree

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "templates" / "official-2021" / "template.docx"
MAKE_TEMPLATE = ROOT / "tools" / "make_template.py"

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W_NS}
TYPE_AREA_TWIPS = 8845  # 156 mm


def w(name: str) -> str:
    return f"{{{W_NS}}}{name}"


# ---------------------------------------------------------------------------
# Official labels
# ---------------------------------------------------------------------------

APPLICANTS = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
RESULTS = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
T3_CORNER = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
T3_GROUPS = [
    (
        "（三）不予公开",
        [
            "1.属于国家秘密",
            "2.其他法律行政法规禁止公开",
            "3.危及“三安全一稳定”",
            "4.保护第三方合法权益",
            "5.属于三类内部事务信息",
            "6.属于四类过程性信息",
            "7.属于行政执法案卷",
            "8.属于行政查询事项",
        ],
    ),
    (
        "（四）无法提供",
        ["1.本机关不掌握相关政府信息", "2.没有现成信息需要另行制作", "3.补正后申请内容仍不明确"],
    ),
    (
        "（五）不予处理",
        [
            "1.信访举报投诉类申请",
            "2.重复申请",
            "3.要求提供公开出版物",
            "4.无正当理由大量反复申请",
            "5.要求行政机关确认或重新出具已获取信息",
        ],
    ),
    (
        "（六）其他处理",
        [
            "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
            "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
            "3.其他",
        ],
    ),
]
T3_STATIC = {
    "新收": "一、本年新收政府信息公开申请数量",
    "结转": "二、上年结转政府信息公开申请数量",
    "予以公开": "（一）予以公开",
    "部分公开": "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    "办理总计": "（七）总计",
    "结转下年": "四、结转下年度继续办理",
}
PARTS = [
    "一、总体情况",
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "五、存在的主要问题及改进情况",
    "六、其他需要报告的事项",
]

# Layout cells: (text, gridSpan, vMerge) with vMerge None, "restart" or "continue".
R, C = "restart", "continue"

T2_HEAD_ROWS = {
    0: [("第二十条第（一）项", 4, None)],
    1: [
        ("信息内容", 1, None),
        ("本年制发件数", 1, None),
        ("本年废止件数", 1, None),
        ("现行有效件数", 1, None),
    ],
}
T3_HEADER = [
    [(T3_CORNER, 3, R), ("申请人情况", 7, None)],
    [("", 3, C), ("自然人", 1, R), ("法人或其他组织", 5, None), ("总计", 1, R)],
    [("", 3, C), ("", 1, C), *((k, 1, None) for k in APPLICANTS[1:6]), ("", 1, C)],
]
T4_HEADER = [
    [("行政复议", 5, None), ("行政诉讼", 10, None)],
    [*((k, 1, R) for k in RESULTS), ("未经复议直接起诉", 5, None), ("复议后起诉", 5, None)],
    [*(("", 1, C) for _ in RESULTS), *((k, 1, None) for k in RESULTS * 2)],
]


# ---------------------------------------------------------------------------
# Sample context (the Jinja contract); every number is distinct to catch misplaced cells
# ---------------------------------------------------------------------------


def _t3_row(name: str, index: int) -> dict[str, str]:
    row = {"名称": name}
    for j, key in enumerate(APPLICANTS):
        row[key] = str(100 * index + j)
    return row


def build_context(opening: list[str] | None = None) -> dict:
    t2_rows = {
        "规章": {"名称": "规章", "本年制发件数": "11", "本年废止件数": "12", "现行有效件数": "13"},
        "行政规范性文件": {
            "名称": "行政规范性文件",
            "本年制发件数": "21",
            "本年废止件数": "22",
            "现行有效件数": "23",
        },
        "行政许可": {"名称": "行政许可", "本年处理决定数量": "31"},
        "行政处罚": {"名称": "行政处罚", "本年处理决定数量": "41"},
        "行政强制": {"名称": "行政强制", "本年处理决定数量": "51"},
        "行政事业性收费": {"名称": "行政事业性收费", "本年收费金额": "9116.36"},
    }
    t3_rows: dict[str, dict[str, str]] = {}
    index = 1
    for key in ("新收", "结转", "予以公开", "部分公开"):
        t3_rows[key] = _t3_row(T3_STATIC[key], index)
        index += 1
    groups = []
    for gi, (group_name, labels) in enumerate(T3_GROUPS, start=3):
        rows = []
        for li, text in enumerate(labels, start=1):
            row = _t3_row(text, index)
            index += 1
            t3_rows[f"{gi}_{li}"] = row
            rows.append(row)
        groups.append({"名称": group_name, "行": rows})
    for key in ("办理总计", "结转下年"):
        t3_rows[key] = _t3_row(T3_STATIC[key], index)
        index += 1
    t4_rows = {
        group: {key: str(1000 + 10 * gi + ki) for ki, key in enumerate(RESULTS)}
        for gi, group in enumerate(("行政复议", "直接起诉", "复议后起诉"))
    }
    return {
        "标题": "泸州市龙马潭区安宁街道2024年政府信息公开工作年度报告",
        "年度": "2024",
        "机关": "安宁街道",
        "公开网站": "泸州市龙马潭区人民政府门户网站",
        "网址": "www.longmatan.gov.cn",
        "联系机构": "安宁街道党建办",
        "地址": "泸州市龙马潭区安宁街道二段134号",
        "邮编": "646000",
        "联系电话": "0830-2665996",
        "开头说明": opening or [],
        "总体情况": {
            "导语": [
                "2024年，安宁街道根据《中华人民共和国政府信息公开条例》积极推进政府信息公开工作。"
            ],
            "分项": [
                {
                    "标题": "（一）主动公开政府信息情况",
                    "段落": ["1.信息发布情况。累计公开政府信息325条。", "2.回应关切情况。"],
                },
                {"标题": "（二）依申请公开情况", "段落": ["2024年，未收到信息公开申请。"]},
                {"标题": "（三）政府信息管理情况", "段落": ["严格按照“先审后发”程序执行。"]},
                {"标题": "（四）政府信息公开平台建设情况", "段落": ["平台运行正常。"]},
                {"标题": "（五）监督保障情况", "段落": ["切实做好监督管理。"]},
            ],
        },
        "表二": {
            "行": t2_rows,
            "组": {
                "第一项": {
                    "名称": "第二十条第（一）项",
                    "行": [t2_rows["规章"], t2_rows["行政规范性文件"]],
                },
                "第五项": {"名称": "第二十条第（五）项", "行": [t2_rows["行政许可"]]},
                "第六项": {
                    "名称": "第二十条第（六）项",
                    "行": [t2_rows["行政处罚"], t2_rows["行政强制"]],
                },
                "第八项": {"名称": "第二十条第（八）项", "行": [t2_rows["行政事业性收费"]]},
            },
        },
        "表三": {"行": t3_rows, "分组": groups},
        "表四": {"行": t4_rows},
        "存在的主要问题": ["一是政务公开及时性有待提高；", "二是专业能力不足。"],
        "改进情况": ["一是加强信息推送的及时性。"],
        "其他事项": ["本年度未收取信息处理费。", "A&B <公司> 的“测试”"],
    }


def default_opening(ctx: dict) -> str:
    return (
        "本报告根据《中华人民共和国政府信息公开条例》规定编制。全文包括总体情况，主动公开政府信息情况，"
        "收到和处理政府信息公开申请情况，政府信息公开行政复议、行政诉讼情况，存在的主要问题及改进情况，"
        f"其他需要报告的事项6个部分。报告中所列数据统计期为{ctx['年度']}年1月1日至{ctx['年度']}年12月31日。"
        f"报告电子版通过{ctx['公开网站']}（{ctx['网址']}）全文公开。如有疑问请与{ctx['联系机构']}联系。"
        f"（地址：{ctx['地址']}；邮编：{ctx['邮编']}；联系电话：{ctx['联系电话']}）"
    )


def render(context: dict) -> Document:
    """Render with plain docxtpl, strict undefined and autoescape; read back with python-docx."""
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=True)
    tpl = DocxTemplate(str(TEMPLATE))
    tpl.render(context, env, autoescape=True)
    buffer = io.BytesIO()
    tpl.save(buffer)
    buffer.seek(0)
    return Document(buffer)


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def _generated(folder: Path) -> Path:
    """The output of tools/make_template.py: it is kept only as long as it passes the same checks."""
    spec = importlib.util.spec_from_file_location("make_template", MAKE_TEMPLATE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return Path(module.build(folder / "generated.docx"))


@pytest.fixture(scope="module", params=["committed", "generated"])
def docx_path(request, tmp_path_factory) -> Path:
    """template.docx is the source of truth; the generator's output must pass the same structural checks."""
    if request.param == "committed":
        return TEMPLATE
    return _generated(tmp_path_factory.mktemp("make_template"))


@pytest.fixture(scope="module")
def parts(docx_path) -> dict[str, etree._Element]:
    with zipfile.ZipFile(docx_path) as z:
        return {
            name: etree.fromstring(z.read(name))
            for name in z.namelist()
            if name.endswith(".xml") and not name.endswith(".rels")
        }


@pytest.fixture(scope="module")
def template_doc(docx_path):
    return Document(str(docx_path))


@pytest.fixture(scope="module")
def rendered():
    ctx = build_context()
    return ctx, render(ctx)


def style(styles: etree._Element, style_id: str) -> etree._Element:
    found = styles.find(f"w:style[@w:styleId='{style_id}']", NS)
    assert found is not None, f"style {style_id} missing"
    return found


def attr(element: etree._Element | None, path: str, name: str) -> str | None:
    if element is None:
        return None
    found = element.find(path, NS)
    return None if found is None else found.get(w(name))


def layout(tbl) -> list[list[tuple[str, int, str | None]]]:
    """Each row as (text, gridSpan, vMerge) per w:tc."""
    rows = []
    for tr in tbl.findall("w:tr", NS):
        cells = []
        for tc in tr.findall("w:tc", NS):
            text = "".join(t.text or "" for t in tc.iter(w("t")))
            span = int(attr(tc, "w:tcPr/w:gridSpan", "val") or 1)
            vm = tc.find("w:tcPr/w:vMerge", NS)
            vmerge = None if vm is None else (vm.get(w("val")) or C)
            cells.append((text, span, vmerge))
        rows.append(cells)
    return rows


def tables(doc) -> list:
    return [t._tbl for t in doc.tables]


def grid_widths(tbl) -> list[int]:
    return [int(g.get(w("w"))) for g in tbl.findall("w:tblGrid/w:gridCol", NS)]


# ---------------------------------------------------------------------------
# Page and styles
# ---------------------------------------------------------------------------


def test_page_is_a4_with_gbt9704_margins(parts):
    sect = parts["word/document.xml"].find("w:body/w:sectPr", NS)
    size = sect.find("w:pgSz", NS)
    assert (int(size.get(w("w"))), int(size.get(w("h")))) == (11906, 16838)
    assert size.get(w("orient")) in (None, "portrait")
    mar = sect.find("w:pgMar", NS)
    expected_mm = {"top": 37, "bottom": 35, "left": 28, "right": 26}
    for side, millimetres in expected_mm.items():
        assert abs(int(mar.get(w(side))) - millimetres * 1440 / 25.4) <= 1, side
    assert 11906 - int(mar.get(w("left"))) - int(mar.get(w("right"))) == TYPE_AREA_TWIPS
    # No line grid: it would snap single-spaced table text to 28.95 pt lines.
    assert sect.find("w:docGrid", NS).get(w("type")) in (None, "default")


def assert_fonts(element, latin: str, east_asia: str):
    fonts = element.find("w:rPr/w:rFonts", NS)
    assert fonts is not None
    assert fonts.get(w("eastAsia")) == east_asia
    assert fonts.get(w("ascii")) == latin
    assert fonts.get(w("hAnsi")) == latin
    for theme in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme"):
        assert fonts.get(w(theme)) is None  # a theme font would override the named one


def assert_not_bold_black(element):
    rpr = element.find("w:rPr", NS)
    bold = rpr.find("w:b", NS)
    assert bold is None or bold.get(w("val")) in ("0", "false")
    assert attr(rpr, "w:color", "val") in (None, "000000", "auto")


def assert_exact_body_spacing(ppr):
    spacing = ppr.find("w:spacing", NS)
    assert spacing.get(w("lineRule")) == "exact"
    assert spacing.get(w("line")) == "579"
    assert spacing.get(w("before")) in (None, "0")


def test_normal_style_is_fangsong_16pt_exact_spacing(parts):
    normal = style(parts["word/styles.xml"], "Normal")
    assert normal.get(w("default")) == "1"
    assert_fonts(normal, "Times New Roman", "仿宋_GB2312")
    assert attr(normal, "w:rPr/w:sz", "val") == "32"
    ppr = normal.find("w:pPr", NS)
    assert_exact_body_spacing(ppr)
    assert attr(ppr, "w:spacing", "after") in (None, "0")
    assert attr(ppr, "w:ind", "firstLineChars") == "200"
    assert attr(ppr, "w:ind", "firstLine") == "640"
    assert attr(ppr, "w:jc", "val") == "both"


def test_doc_defaults_name_chinese_fonts(parts):
    defaults = parts["word/styles.xml"].find("w:docDefaults/w:rPrDefault", NS)
    assert_fonts(defaults, "Times New Roman", "仿宋_GB2312")
    assert attr(defaults, "w:rPr/w:lang", "eastAsia") == "zh-CN"


def test_title_style(parts):
    title = style(parts["word/styles.xml"], "Title")
    assert title.find("w:name", NS).get(w("val")) == "Title"
    assert_fonts(title, "方正小标宋简体", "方正小标宋简体")
    assert attr(title, "w:rPr/w:sz", "val") == "44"
    assert_not_bold_black(title)
    ppr = title.find("w:pPr", NS)
    assert attr(ppr, "w:jc", "val") == "center"
    assert ppr.find("w:pBdr", NS) is None
    assert attr(ppr, "w:ind", "firstLineChars") == "0"
    assert int(attr(ppr, "w:spacing", "after")) >= 579  # one blank line after the title


@pytest.mark.parametrize(
    ("style_id", "name", "east_asia", "level"),
    [("Heading1", "heading 1", "黑体", "0"), ("Heading2", "heading 2", "楷体_GB2312", "1")],
)
def test_heading_styles(parts, style_id, name, east_asia, level):
    heading = style(parts["word/styles.xml"], style_id)
    assert heading.find("w:name", NS).get(w("val")) == name  # built-in name: navigation pane
    assert attr(heading, "w:rPr/w:rFonts", "eastAsia") == east_asia
    assert attr(heading, "w:rPr/w:sz", "val") == "32"
    assert_not_bold_black(heading)
    ppr = heading.find("w:pPr", NS)
    assert attr(ppr, "w:outlineLvl", "val") == level
    assert ppr.find("w:keepNext", NS) is not None
    assert_exact_body_spacing(ppr)
    assert attr(ppr, "w:ind", "firstLineChars") == "200"


@pytest.mark.parametrize(("style_id", "size"), [("TableText", "21"), ("TableTextSmall", "18")])
def test_table_text_styles(parts, style_id, size):
    table_style = style(parts["word/styles.xml"], style_id)
    assert_fonts(table_style, "Times New Roman", "宋体")
    assert attr(table_style, "w:rPr/w:sz", "val") == size
    ppr = table_style.find("w:pPr", NS)
    assert attr(ppr, "w:spacing", "lineRule") == "auto"
    assert attr(ppr, "w:spacing", "line") == "240"
    assert attr(ppr, "w:ind", "firstLineChars") == "0"
    assert attr(ppr, "w:ind", "firstLine") == "0"
    assert attr(ppr, "w:jc", "val") == "center"


def test_every_paragraph_style_names_east_asian_font(parts):
    styles = parts["word/styles.xml"].findall("w:style[@w:type='paragraph']", NS)
    assert len(styles) >= 7
    for element in styles:
        fonts = element.find("w:rPr/w:rFonts", NS)
        assert fonts is not None and fonts.get(w("eastAsia")), element.get(w("styleId"))


def test_every_run_names_east_asian_font(parts):
    names = ["word/document.xml", "word/footer1.xml", "word/footer2.xml"]
    count = 0
    for name in names:
        for r in parts[name].iter(w("r")):
            assert attr(r, "w:rPr/w:rFonts", "eastAsia"), (
                name,
                etree.tostring(r, encoding="unicode"),
            )
            count += 1
    assert count > 100


def test_font_table_declares_fallbacks(parts):
    fonts = {f.get(w("name")): f for f in parts["word/fontTable.xml"].findall("w:font", NS)}
    fallbacks = {"仿宋_GB2312": "仿宋", "楷体_GB2312": "楷体", "方正小标宋简体": "宋体"}
    for name, alt in fallbacks.items():
        assert attr(fonts[name], ".", "name") == name
        assert fonts[name].find("w:altName", NS).get(w("val")) == alt
    for name in ["仿宋_GB2312", "楷体_GB2312", "方正小标宋简体", "仿宋", "楷体", "宋体", "黑体"]:
        assert fonts[name].find("w:charset", NS).get(w("val")) == "86", name
    assert "Times New Roman" in fonts


def test_odd_and_even_footers_with_page_field(parts, template_doc):
    assert parts["word/settings.xml"].find("w:evenAndOddHeaders", NS) is not None
    section = template_doc.sections[0]
    assert template_doc.settings.odd_and_even_pages_header_footer
    refs = parts["word/document.xml"].findall("w:body/w:sectPr/w:footerReference", NS)
    assert sorted(r.get(w("type")) for r in refs) == ["default", "even"]
    for footer, jc, indent in (
        (section.footer, "right", "rightChars"),
        (section.even_page_footer, "left", "leftChars"),
    ):
        assert not footer.is_linked_to_previous
        p = footer._element.find("w:p", NS)
        assert attr(p, "w:pPr/w:jc", "val") == jc
        assert attr(p, "w:pPr/w:ind", indent) == "100"
        instr = "".join(t.text for t in p.iter(w("instrText")))
        assert instr.strip() == "PAGE"
        assert [f.get(w("fldCharType")) for f in p.iter(w("fldChar"))] == [
            "begin",
            "separate",
            "end",
        ]
        texts = "".join(t.text for t in p.iter(w("t")))
        assert texts.startswith("— ") and texts.endswith(" —")
    footer_style = style(parts["word/styles.xml"], "Footer")
    assert attr(footer_style, "w:rPr/w:sz", "val") == "28"
    assert_fonts(footer_style, "宋体", "宋体")


def test_core_properties(template_doc):
    core = template_doc.core_properties
    assert core.title == "政府信息公开工作年度报告模板"
    assert core.language == "zh-CN"
    assert core.created is not None and core.created.year == 2021


def test_template_has_the_official_parts(parts):
    """Every Word part a report needs is there: body, styles, fonts, settings, odd and even footers."""
    for name in ("word/document.xml", "word/styles.xml", "word/fontTable.xml", "word/settings.xml"):
        assert name in parts, f"{name} missing"
    footers = [name for name in parts if name.startswith("word/footer")]
    assert len(footers) >= 2


def test_template_uses_only_contract_placeholders(docx_path):
    """Every variable in the Word file is one the template contract (templates/official-2021/README.md) lists."""
    from .test_template_contract import _listed

    template = DocxTemplate(str(docx_path))
    template.init_docx()
    ast = jinja2.Environment().parse(template.patch_xml(template.get_xml()))
    assert jinja2.meta.find_undeclared_variables(ast) <= _listed("变量")


# ---------------------------------------------------------------------------
# Tables in the template
# ---------------------------------------------------------------------------


def test_three_tables_in_order(template_doc):
    body = template_doc.element.body
    order = [
        child.tag == w("tbl") and "table" or "".join(t.text or "" for t in child.iter(w("t")))
        for child in body
        if child.tag in (w("p"), w("tbl"))
    ]
    for heading in PARTS[1:4]:
        assert order[order.index(heading) + 1] == "table"
    assert order.count("table") == 3


def test_tables_fit_type_area(template_doc):
    for tbl in tables(template_doc):
        widths = grid_widths(tbl)
        assert sum(widths) <= TYPE_AREA_TWIPS
        assert int(attr(tbl, "w:tblPr/w:tblW", "w")) <= TYPE_AREA_TWIPS
        assert attr(tbl, "w:tblPr/w:tblW", "type") == "dxa"
        assert attr(tbl, "w:tblPr/w:tblLayout", "type") == "fixed"
        for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
            assert attr(tbl, f"w:tblPr/w:tblBorders/w:{side}", "val") == "single"
        for tr in tbl.findall("w:tr", NS):
            assert tr.find("w:trPr/w:cantSplit", NS) is not None
            col = 0
            for tc in tr.findall("w:tc", NS):
                span = int(attr(tc, "w:tcPr/w:gridSpan", "val") or 1)
                assert int(attr(tc, "w:tcPr/w:tcW", "w")) == sum(widths[col : col + span])
                col += span
            assert col == len(widths)
    t2, t3, t4 = tables(template_doc)
    assert len(grid_widths(t2)) == 4
    assert len(grid_widths(t3)) == 10
    assert len(grid_widths(t4)) == 15
    # table 三: a narrow column for 三、本年度办理结果, two label columns, 12 mm for 自然人 (three
    # 9 pt characters on one line), 6 × 10 mm numbers
    assert abs(grid_widths(t3)[3] - 680) <= 1
    assert all(abs(x - 567) <= 1 for x in grid_widths(t3)[4:])


def test_header_rows_repeat(template_doc):
    _, t3, t4 = tables(template_doc)
    for tbl, header_rows in ((t3, 3), (t4, 3)):
        flags = [tr.find("w:trPr/w:tblHeader", NS) is not None for tr in tbl.findall("w:tr", NS)]
        assert flags[:header_rows] == [True] * header_rows
        assert not any(flags[header_rows:])


def _keeps(tbl) -> list[bool]:
    """Per row: are all its cell paragraphs "keep with next"?"""
    out = []
    for tr in tbl.findall("w:tr", NS):
        keep = [p.find("w:pPr/w:keepNext", NS) is not None for p in tr.iter(w("p"))]
        assert keep and len(set(keep)) == 1
        out.append(keep[0])
    return out


def test_table_heads_keep_with_their_rows(template_doc):
    """No header is left alone at the foot of a page; long tables may still break."""
    t2, t3, t4 = tables(template_doc)
    assert _keeps(t2) == [True, True, False, False, False] + [True, True, False] * 2 + [
        False,
        False,
        True,
        True,
        False,
    ]
    assert _keeps(t3)[:5] == [True] * 5  # 3 header rows, 一 and 二
    assert not any(_keeps(t3)[5:])  # the rest may break over pages (headers repeat)
    assert _keeps(t4) == [True, True, True, False]


def test_cells_are_vertically_centred(template_doc):
    for tbl in tables(template_doc):
        for tc in tbl.iter(w("tc")):
            text = "".join(t.text or "" for t in tc.iter(w("t")))
            if "{% vm %}" in text:
                # docxtpl appends w:vMerge at the end of tcPr: keep it schema-valid (after tcW),
                # the table style centres this cell.
                assert [c.tag for c in tc.find("w:tcPr", NS)] == [w("tcW")]
            else:
                assert attr(tc, "w:tcPr/w:vAlign", "val") == "center"
    for tbl in tables(template_doc):
        assert attr(tbl, "w:tblPr/w:tblStyle", "val") == "ReportTable"
    table_style = template_doc.styles.element.find("w:style[@w:styleId='ReportTable']", NS)
    assert attr(table_style, "w:tcPr/w:vAlign", "val") == "center"


def test_table_two_template_labels(template_doc):
    rows = layout(tables(template_doc)[0])
    for index, cells in T2_HEAD_ROWS.items():
        assert rows[index] == cells
    assert rows[2] == [("{%tr for 行 in 表二.组.第一项.行 %}", 4, None)]
    assert rows[3][0] == ("{{ 行.名称 }}", 1, None)
    assert rows[5] == [("第二十条第（五）项", 4, None)]
    assert rows[6] == [("信息内容", 1, None), ("本年处理决定数量", 3, None)]
    assert rows[7][0] == ("行政许可", 1, None)
    assert rows[8] == [("第二十条第（六）项", 4, None)]
    assert rows[10] == [("{%tr for 行 in 表二.组.第六项.行 %}", 4, None)]
    assert rows[13] == [("第二十条第（八）项", 4, None)]
    assert rows[14] == [("信息内容", 1, None), ("本年收费金额（单位：万元）", 3, None)]
    assert rows[15][0] == ("行政事业性收费", 1, None)


def test_table_three_template_labels(template_doc):
    rows = layout(tables(template_doc)[1])
    assert rows[:3] == T3_HEADER
    texts = [[c[0] for c in row] for row in rows]
    assert texts[3][0] == T3_STATIC["新收"] and rows[3][0][1] == 3
    assert texts[4][0] == T3_STATIC["结转"] and rows[4][0][1] == 3
    assert rows[5][:2] == [("三、本年度办理结果", 1, R), (T3_STATIC["予以公开"], 2, None)]
    assert rows[6][:2] == [("", 1, C), (T3_STATIC["部分公开"], 2, None)]
    loop_row = next(row for row in rows if any("{% vm %}" in c[0] for c in row))
    assert loop_row[:3] == [
        ("", 1, C),
        ("{{ 组.名称 }}{% vm %}", 1, None),
        ("{{ 行.名称 }}", 1, None),
    ]
    assert rows[-2][:2] == [("", 1, C), (T3_STATIC["办理总计"], 2, None)]
    assert rows[-1][0] == (T3_STATIC["结转下年"], 3, None)
    # every row between （一） and （七） continues the 三、本年度办理结果 merge
    assert all(row[0][2] == C for row in rows[6:-1])


def test_table_four_template_labels(template_doc):
    rows = layout(tables(template_doc)[2])
    assert rows[:3] == T4_HEADER
    assert len(rows) == 4 and len(rows[3]) == 15


# ---------------------------------------------------------------------------
# Rendering with docxtpl
# ---------------------------------------------------------------------------


# The title breaks after the office's name, never inside a word (python-docx shows w:br as "\n").
TITLE_LINES = "泸州市龙马潭区安宁街道\n2024年政府信息公开工作年度报告"


@pytest.mark.parametrize(
    ("title", "shown"),
    [
        ("泸州市龙马潭区安宁街道2024年政府信息公开工作年度报告", TITLE_LINES),
        ("2024年政府信息公开工作年度报告", "2024年政府信息公开工作年度报告"),
        ("安宁街道2024年度政务公开报告", "安宁街道2024年度政务公开报告"),
        ("双加镇2024年政府信息公开工作年度报告（示例数据）", "双加镇\n2024年政府信息公开工作年度报告（示例数据）"),
    ],
)
def test_title_breaks_after_office_name(title, shown):
    ctx = build_context()
    ctx["标题"] = title
    assert render(ctx).paragraphs[0].text == shown


def expected_paragraphs(ctx: dict, opening: list[str]) -> list[tuple[str, str]]:
    out = [("Title", TITLE_LINES)]
    out += [("Normal", text) for text in opening]
    out.append(("Heading 1", PARTS[0]))
    out += [("Normal", text) for text in ctx["总体情况"]["导语"]]
    for item in ctx["总体情况"]["分项"]:
        out.append(("Heading 2", item["标题"]))
        out += [("Normal", text) for text in item["段落"]]
    out += [("Heading 1", part) for part in PARTS[1:5]]
    out.append(("Heading 2", "（一）存在的主要问题"))
    out += [("Normal", text) for text in ctx["存在的主要问题"]]
    out.append(("Heading 2", "（二）改进情况"))
    out += [("Normal", text) for text in ctx["改进情况"]]
    out.append(("Heading 1", PARTS[5]))
    out += [("Normal", text) for text in ctx["其他事项"]]
    return out


def test_render_paragraphs_with_default_opening(rendered):
    ctx, doc = rendered
    got = [(p.style.name, p.text) for p in doc.paragraphs]
    assert got == expected_paragraphs(ctx, [default_opening(ctx)])
    assert "A&B <公司> 的“测试”" in [p.text for p in doc.paragraphs]  # autoescape kept it intact


def test_render_paragraphs_with_custom_opening():
    opening = ["第一段开头说明。", "第二段开头说明。"]
    ctx = build_context(opening)
    doc = render(ctx)
    got = [(p.style.name, p.text) for p in doc.paragraphs]
    assert got == expected_paragraphs(ctx, opening)
    assert not any("本报告根据" in text for _, text in got)


def test_render_table_two(rendered):
    ctx, doc = rendered
    t2 = ctx["表二"]["行"]
    expected = [
        [("第二十条第（一）项", 4, None)],
        T2_HEAD_ROWS[1],
        *(
            [
                (t2[k]["名称"], 1, None),
                *((t2[k][c], 1, None) for c in ("本年制发件数", "本年废止件数", "现行有效件数")),
            ]
            for k in ("规章", "行政规范性文件")
        ),
        [("第二十条第（五）项", 4, None)],
        [("信息内容", 1, None), ("本年处理决定数量", 3, None)],
        [("行政许可", 1, None), (t2["行政许可"]["本年处理决定数量"], 3, None)],
        [("第二十条第（六）项", 4, None)],
        [("信息内容", 1, None), ("本年处理决定数量", 3, None)],
        [("行政处罚", 1, None), (t2["行政处罚"]["本年处理决定数量"], 3, None)],
        [("行政强制", 1, None), (t2["行政强制"]["本年处理决定数量"], 3, None)],
        [("第二十条第（八）项", 4, None)],
        [("信息内容", 1, None), ("本年收费金额（单位：万元）", 3, None)],
        [("行政事业性收费", 1, None), ("9116.36", 3, None)],
    ]
    assert layout(tables(doc)[0]) == expected
    assert len(doc.tables[0].columns) == 4


def test_render_table_three(rendered):
    ctx, doc = rendered
    rows = ctx["表三"]["行"]

    def nums(row):
        return [(row[k], 1, None) for k in APPLICANTS]

    expected = [
        *T3_HEADER,
        [(T3_STATIC["新收"], 3, None), *nums(rows["新收"])],
        [(T3_STATIC["结转"], 3, None), *nums(rows["结转"])],
        [("三、本年度办理结果", 1, R), (T3_STATIC["予以公开"], 2, None), *nums(rows["予以公开"])],
        [("", 1, C), (T3_STATIC["部分公开"], 2, None), *nums(rows["部分公开"])],
    ]
    for group in ctx["表三"]["分组"]:
        for i, row in enumerate(group["行"]):
            group_cell = (group["名称"], 1, R) if i == 0 else ("", 1, C)
            expected.append([("", 1, C), group_cell, (row["名称"], 1, None), *nums(row)])
    expected.append([("", 1, C), (T3_STATIC["办理总计"], 2, None), *nums(rows["办理总计"])])
    expected.append([(T3_STATIC["结转下年"], 3, None), *nums(rows["结转下年"])])

    table = doc.tables[1]
    assert len(table.rows) == 3 + 25
    assert len(table.columns) == 10
    assert layout(table._tbl) == expected
    # the group labels are the official ones, in order
    assert [c[1][0] for c in expected[7:26] if c[1][2] == R] == [g for g, _ in T3_GROUPS]
    assert [c[2][0] for c in expected[7:26]] == [
        label for _, labels in T3_GROUPS for label in labels
    ]

    # python-docx sees the merges: one cell object over the merged rows
    result = table.cell(5, 0)
    assert result.text == "三、本年度办理结果"
    assert all(table.cell(r, 0)._tc is result._tc for r in range(5, 27))  # 22 rows
    assert table.cell(27, 0)._tc is not result._tc
    withheld = table.cell(7, 1)
    assert withheld.text == "（三）不予公开"
    assert all(table.cell(r, 1)._tc is withheld._tc for r in range(7, 15))  # 8 rows
    assert table.cell(15, 1).text == "（四）无法提供"
    corner = table.cell(0, 0)
    assert all(table.cell(r, c)._tc is corner._tc for r in range(3) for c in range(3))
    assert table.cell(2, 3)._tc is table.cell(1, 3)._tc  # 自然人 over 2 rows
    assert table.cell(2, 9)._tc is table.cell(1, 9)._tc  # 总计 over 2 rows
    assert table.cell(14, 9).text == rows["3_8"]["总计"]
    # header rows still repeat after rendering
    assert [
        tr.trPr is not None and tr.trPr.find(w("tblHeader")) is not None for tr in table._tbl.tr_lst
    ][:4] == [
        True,
        True,
        True,
        False,
    ]


def test_render_table_four(rendered):
    ctx, doc = rendered
    data = [
        (ctx["表四"]["行"][g][k], 1, None)
        for g in ("行政复议", "直接起诉", "复议后起诉")
        for k in RESULTS
    ]
    assert layout(tables(doc)[2]) == [*T4_HEADER, data]
    table = doc.tables[2]
    assert len(table.columns) == 15
    assert table.cell(2, 0)._tc is table.cell(1, 0)._tc  # 结果维持 of 行政复议 spans 2 header rows


def test_render_tables_stay_in_type_area(rendered):
    _, doc = rendered
    for tbl in tables(doc):
        assert sum(grid_widths(tbl)) <= TYPE_AREA_TWIPS
    # docxtpl's {% vm %} output stays schema-ordered: w:vMerge right after w:tcW
    t3 = tables(doc)[1]
    for tr in t3.findall("w:tr", NS)[7:26]:
        tc_pr = tr.findall("w:tc", NS)[1].find("w:tcPr", NS)
        assert [c.tag for c in tc_pr] == [w("tcW"), w("vMerge")]


def test_render_requires_every_name():
    ctx = build_context()
    del ctx["表四"]
    with pytest.raises(jinja2.UndefinedError):
        render(ctx)
