"""The real seed report (安宁街道 2024) comes back from its data file: every paragraph and every table cell."""

from __future__ import annotations

import hashlib
import re
import unicodedata

import pytest
from docx import Document

from nianbao import build_file

from .conftest import SEED_DATA, seed_text_path

TABLE_ROW = re.compile(r"\|")


def fold(text: str) -> str:
    """Compare as a reader would: full-/half-width punctuation and whitespace do not count."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(text.split())


def seed_lines() -> list[str]:
    return [line.strip() for line in seed_text_path().read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Document:
    out = tmp_path_factory.mktemp("out")
    _, target = build_file(SEED_DATA, out_dir=out)
    assert target.name == "安宁街道2024年政府信息公开工作年度报告.docx"
    return Document(str(target))


def test_every_seed_paragraph_is_in_the_document(built):
    paragraphs = {fold(p.text) for p in built.paragraphs}
    missing = [line for line in seed_lines() if "|" not in line and fold(line) not in paragraphs]
    assert missing == []


def test_document_has_no_paragraph_the_seed_lacks(built):
    seed = {fold(line) for line in seed_lines()}
    extra = [p.text for p in built.paragraphs if p.text.strip() and fold(p.text) not in seed]
    assert extra == []


def cells_of_row(row, seen: list | None = None) -> list[str]:
    """The row's cells once each (python-docx repeats a merged cell); `seen` spans rows for vertical merges.

    `seen` keeps the lxml elements themselves alive, so identity comparison is reliable.
    """
    seen = [] if seen is None else seen
    texts = []
    for cell in row.cells:
        if any(cell._tc is tc for tc in seen):
            continue
        seen.append(cell._tc)
        texts.append(cell.text)
    return texts


def labelled_rows(table) -> dict[str, list[str]]:
    """Last label of each data row → the numbers that follow it."""
    rows = {}
    for row in table.rows:
        texts = cells_of_row(row)
        numbers_from = next((i for i, t in enumerate(texts) if re.fullmatch(r"[0-9.]+", t)), None)
        if numbers_from:
            rows[fold(texts[numbers_from - 1])] = texts[numbers_from:]
    return rows


def seed_rows(first: str, last: str) -> dict[str, list[str]]:
    lines = seed_lines()
    start, end = lines.index(first), lines.index(last)
    rows = {}
    for line in lines[start + 1 : end]:
        cells = [c.strip() for c in line.split("|") if c.strip()]
        numbers_from = next((i for i, t in enumerate(cells) if re.fullmatch(r"[0-9.]+", t)), None)
        if numbers_from:
            rows[fold(cells[numbers_from - 1])] = cells[numbers_from:]
    return rows


def test_table_two_cells_equal_the_seed(built):
    expected = seed_rows("二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况")
    assert set(expected) == {fold(x) for x in ["规章", "行政规范性文件", "行政许可", "行政处罚", "行政强制", "行政事业性收费"]}
    assert labelled_rows(built.tables[0]) == expected


def test_table_three_cells_equal_the_seed_under_official_labels(built):
    expected = seed_rows("三、收到和处理政府信息公开申请情况", "四、政府信息公开行政复议、行政诉讼情况")
    assert len(expected) == 25
    found = labelled_rows(built.tables[1])
    assert found == expected
    assert all(len(v) == 7 for v in found.values())


def test_table_three_header_uses_the_full_official_labels(built):
    seen: list = []
    header = [cells_of_row(row, seen) for row in built.tables[1].rows[:3]]
    assert header[0] == ["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", "申请人情况"]
    assert header[1] == ["自然人", "法人或其他组织", "总计"]
    assert header[2] == ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]


def test_table_four_cells_equal_the_seed(built):
    lines = seed_lines()
    data = [c.strip() for c in lines[lines.index("五、存在的主要问题及改进情况") - 1].split("|") if c.strip()]
    assert cells_of_row(built.tables[2].rows[-1]) == data
    seen: list = []
    assert cells_of_row(built.tables[2].rows[0], seen) == ["行政复议", "行政诉讼"]
    assert cells_of_row(built.tables[2].rows[1], seen) == [
        "结果维持", "结果纠正", "其他结果", "尚未审结", "总计", "未经复议直接起诉", "复议后起诉"]


def test_title_property_is_the_report_title(built):
    assert built.core_properties.title == "泸州市龙马潭区安宁街道2024年政府信息公开工作年度报告"


def test_seed_text_copy_is_the_shared_seed_unchanged():
    # sha256 of shared/seeds/000_f45e2b9b0c5cb654.txt, recorded so that no test reads outside the repository.
    digest = hashlib.sha256(seed_text_path().read_bytes()).hexdigest()
    assert digest == "8873591f05c98321eba52fd9151fe67639db92e18ccfe99e403acac318e9ca30"


def test_every_run_of_the_built_report_names_its_east_asian_font(built):
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    runs = list(built.element.body.iter(f"{w}r"))
    assert len(runs) > 100
    missing = [r for r in runs if r.find(f"{w}rPr/{w}rFonts") is None
               or not r.find(f"{w}rPr/{w}rFonts").get(f"{w}eastAsia")]
    assert missing == []
