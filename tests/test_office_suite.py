"""Every sample report opened in a real office suite (LibreOffice): converts, reads, fits the page.

All sample offices under data/ are built and converted to PDF in ONE LibreOffice run (nianbao.pdf), with a
private profile. The tests then read the PDFs' layout with pdfplumber. Skipped only when `soffice` is absent.
"""

from __future__ import annotations

import math
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from docx import Document
from lxml import etree

from nianbao import build_file
from nianbao.pdf import convert_to_pdf

from .debian import LIBREOFFICE, needs_debian

pdfplumber = pytest.importorskip("pdfplumber")

pytestmark = needs_debian(*LIBREOFFICE, "poppler-utils")

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = sorted(p for p in (ROOT / "data").rglob("*.yaml") if not p.name.startswith("_"))

MM = 72 / 25.4  # PDF points per millimetre
PAGE_W, PAGE_H = 210, 297
TOP, BOTTOM, LEFT, RIGHT = 37, 35, 28, 26  # GB/T 9704 margins, mm
TOLERANCE = 0.5  # mm: half a border line, rounding

PARTS = [
    "一、总体情况",
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "五、存在的主要问题及改进情况",
    "六、其他需要报告的事项",
]
TABLE_LABELS = [
    # 表二
    "第二十条第（一）项", "信息内容", "本年制发件数", "本年废止件数", "现行有效件数", "规章", "行政规范性文件",
    "第二十条第（五）项", "本年处理决定数量", "行政许可", "第二十条第（六）项", "行政处罚", "行政强制",
    "第二十条第（八）项", "本年收费金额（单位：万元）", "行政事业性收费",
    # 表三
    "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", "申请人情况", "自然人",
    "法人或其他组织", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计",
    "一、本年新收政府信息公开申请数量", "二、上年结转政府信息公开申请数量", "三、本年度办理结果",
    "（一）予以公开", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    "（三）不予公开", "1.属于国家秘密", "2.其他法律行政法规禁止公开", "3.危及“三安全一稳定”",
    "4.保护第三方合法权益", "5.属于三类内部事务信息", "6.属于四类过程性信息", "7.属于行政执法案卷",
    "8.属于行政查询事项",
    "（四）无法提供", "1.本机关不掌握相关政府信息", "2.没有现成信息需要另行制作", "3.补正后申请内容仍不明确",
    "（五）不予处理", "1.信访举报投诉类申请", "2.重复申请", "3.要求提供公开出版物", "4.无正当理由大量反复申请",
    "5.要求行政机关确认或重新出具已获取信息",
    "（六）其他处理", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "3.其他",
    "（七）总计", "四、结转下年度继续办理",
    # 表四
    "行政复议", "行政诉讼", "未经复议直接起诉", "复议后起诉", "结果维持", "结果纠正", "其他结果", "尚未审结",
]
FALLBACKS = {"仿宋_GB2312": "仿宋", "楷体_GB2312": "楷体", "方正小标宋简体": "宋体"}
CJK_FONT = re.compile(r"CJK|Han|Song|Hei|Kai|Fang|Ming|Sim|GB2312|WenQuanYi|UKai|UMing", re.IGNORECASE)
HANGING = "，。、；：？！”’）》"
HANGING_PUNCTUATION_MM = 16 / MM  # one 3号 (16 pt) character
FOOTER = re.compile(r"^—\s*\d+\s*—$")


@dataclass
class Sample:
    data: Path
    docx: Path
    pdf: Path

    @property
    def name(self) -> str:
        return str(self.data.relative_to(ROOT))


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> list[Sample]:
    """Every sample office built (with its folder's _共同.yaml) and converted in a single LibreOffice run."""
    assert SAMPLES, "no sample office under data/"
    out = tmp_path_factory.mktemp("office")
    built: list[tuple[Path, Path]] = []
    for index, data in enumerate(SAMPLES):
        shared = data.parent / "_共同.yaml"
        _, docx = build_file(data, out_dir=out / str(index), defaults=[shared] if shared.is_file() else [])
        built.append((data, docx))
    result = convert_to_pdf([docx for _, docx in built])
    # LibreOffice reports a file it had to repair or could not load on stderr ("Error: …").
    assert result.failed == [], result.detail
    assert "error" not in result.detail.lower(), result.detail
    return [Sample(data, docx, docx.with_suffix(".pdf")) for data, docx in built]


def squeeze(text: str) -> str:
    """Text as a reader sees it: line breaks inside table cells and spacing do not count."""
    return "".join(text.split())


def pdf_text(sample: Sample) -> str:
    """The characters in the order they are drawn: a table cell's wrapped lines stay together."""
    with pdfplumber.open(sample.pdf) as pdf:
        return "\n".join("".join(char["text"] for char in page.chars) for page in pdf.pages)


def test_every_sample_converts(samples):
    assert len(samples) == len(SAMPLES)
    for sample in samples:
        assert sample.pdf.read_bytes().startswith(b"%PDF"), sample.name


def test_pdf_text_has_every_heading_and_table_label(samples):
    for sample in samples:
        text = squeeze(pdf_text(sample))
        missing = [label for label in PARTS + TABLE_LABELS if squeeze(label) not in text]
        assert missing == [], sample.name


def body_lines(docx: Path) -> float:
    """Lines the body text needs on a 28-character line (Latin letters and digits count half)."""
    lines = 0.0
    for paragraph in Document(str(docx)).paragraphs:
        for line in paragraph.text.split("\n"):
            width = sum(0.5 if ord(c) < 0x2E80 else 1 for c in line) + 2  # first-line indent
            lines += max(1, math.ceil(width / 28))
    return lines + 1  # the blank line after the title


# Tables: 二 ≈ 16 rows × 7 mm, 三 ≈ 25 mm head + 25 rows (≈ 150 mm with wrapped labels), 四 ≈ 35 mm:
# about 320 mm, 1.4 type areas of 225 mm. Page breaks before rows that cannot split, and headings
# kept with their tables, lose at most one more page.
TABLE_PAGES = 1.4


def test_page_count_is_what_the_content_needs(samples):
    for sample in samples:
        with pdfplumber.open(sample.pdf) as pdf:
            pages = len(pdf.pages)
        needed = body_lines(sample.docx) / 22 + TABLE_PAGES  # 22 lines a page (GB/T 9704)
        assert math.ceil(needed) <= pages <= math.ceil(needed) + 1, (sample.name, pages, needed)


def test_tables_and_text_stay_inside_the_type_area(samples):
    left, right = LEFT - TOLERANCE, PAGE_W - RIGHT + TOLERANCE
    top, bottom = TOP - TOLERANCE, PAGE_H - BOTTOM + TOLERANCE
    for sample in samples:
        with pdfplumber.open(sample.pdf) as pdf:
            edges = 0
            for page in pdf.pages:
                assert (round(page.width / MM), round(page.height / MM)) == (PAGE_W, PAGE_H)
                for edge in page.edges:  # table borders
                    edges += 1
                    box = (edge["x0"] / MM, edge["top"] / MM, edge["x1"] / MM, edge["bottom"] / MM)
                    where = (sample.name, page.page_number, [round(v, 1) for v in box])
                    assert left <= box[0] and box[2] <= right, where
                    assert top <= box[1] and box[3] <= bottom, where
                for line in page.extract_text_lines():
                    if FOOTER.match(line["text"].strip()):
                        continue  # the page number sits below the type area by design
                    box = (line["x0"] / MM, line["top"] / MM, line["x1"] / MM, line["bottom"] / MM)
                    where = (sample.name, page.page_number, line["text"])
                    # Chinese typesetting lets a full-width stop or comma hang into the margin
                    # (Word: 允许标点溢出边界); nothing else may.
                    hang = HANGING_PUNCTUATION_MM if line["text"].rstrip()[-1:] in HANGING else 0
                    assert left <= box[0] and box[2] <= right + hang, where
                    assert top <= box[1] and box[3] <= bottom, where
            assert edges > 50, sample.name  # the three tables were drawn


def test_every_document_declares_the_font_fallbacks(samples):
    ns = {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main"}
    for sample in samples:
        with zipfile.ZipFile(sample.docx) as archive:
            table = etree.fromstring(archive.read("word/fontTable.xml"))
        declared = {
            font.get(f"{{{ns['w']}}}name"): font.find("w:altName", ns).get(f"{{{ns['w']}}}val")
            for font in table.findall("w:font", ns)
            if font.find("w:altName", ns) is not None
        }
        assert {name: declared.get(name) for name in FALLBACKS} == FALLBACKS, sample.name


def chars_of(sample: Sample) -> list[dict]:
    with pdfplumber.open(sample.pdf) as pdf:
        return [char for page in pdf.pages for char in page.chars]


def is_cjk(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def test_chinese_renders_in_a_cjk_font_without_missing_glyphs(samples):
    for sample in samples:
        chars = chars_of(sample)
        wrong = {(c["text"], c["fontname"]) for c in chars if is_cjk(c["text"]) and not CJK_FONT.search(c["fontname"])}
        assert wrong == set(), sample.name
        text = pdf_text(sample)
        assert "\ufffd" not in text and "\u25a1" not in text, sample.name  # replacement char, tofu box
        title = Document(str(sample.docx)).paragraphs[0].text
        assert squeeze(title) in squeeze(text), sample.name


def test_headings_and_body_use_different_fonts(samples):
    """一、 headings are 黑体 (a sans CJK font here), body text 仿宋 (its serif stand-in): not one font for all."""
    for sample in samples:
        chars = chars_of(sample)
        text = "".join(c["text"] for c in chars)
        start = text.index("一、总体情况")
        heading = {c["fontname"] for c in chars[start : start + 6]}
        body_start = text.index("本报告根据") if "本报告根据" in text else start + 6
        body = {c["fontname"] for c in chars[body_start : body_start + 5] if is_cjk(c["text"])}
        assert heading and body and heading.isdisjoint(body), (sample.name, heading, body)


T3_BODY_LABELS = ["（七）总计", "四、结转下年度继续办理", "3.其他", "（六）其他处理", "（五）不予处理"]


@pytest.fixture(scope="module")
def shifted(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The seed report with 0, 3, … 21 extra body lines, so table 三 starts at every height of a page."""
    out = tmp_path_factory.mktemp("shifted")
    seed = (ROOT / "data" / "龙马潭区" / "2024" / "安宁街道.yaml").read_text(encoding="utf-8")
    anchor = "现将总体情况报告如下：\n"
    assert seed.count(anchor) == 1
    written = []
    for extra in range(0, 22, 3):
        lines = "".join(f"    补充说明第{n + 1}条。\n" for n in range(extra))
        data = out / str(extra) / "安宁街道.yaml"
        data.parent.mkdir()
        data.write_text(seed.replace(anchor, anchor + lines), encoding="utf-8")
        written.append(build_file(data, out_dir=data.parent)[1])
    result = convert_to_pdf(written)
    assert result.failed == [], result.detail
    return [docx.with_suffix(".pdf") for docx in written]


def test_table_three_header_repeats_on_every_page_it_spans(shifted):
    splits = 0
    for pdf_file in shifted:
        with pdfplumber.open(pdf_file) as pdf:
            pages = [squeeze("".join(c["text"] for c in page.chars)) for page in pdf.pages]
        for text in pages:
            if any(label in text for label in T3_BODY_LABELS) and "一、本年新收政府信息公开申请数量" not in text:
                splits += 1
                assert all(h in text for h in ("申请人情况", "自然人", "法律服务机构", "总计")), pdf_file
    assert splits >= 1  # at least one position made table 三 run over a page break
