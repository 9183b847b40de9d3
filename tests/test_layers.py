"""The package's structure as a specification: one verdict for every entry, a small public API, totals
computed by the readers, the import floors, and the decisions taken where two copies of a helper disagreed."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal

import pytest
from click.testing import CliRunner
from lxml import etree

import nianbao
from nianbao import check_file, check_paths
from nianbao.cli import cli
from nianbao.load import load_report
from nianbao.model import Cell
from nianbao.provenance import content_hash, visible_text
from nianbao.render import build_context
from nianbao.values import clean_text, format_number, full_width_enumeration
from nianbao.wordml import W_NS, paragraph_text

from .conftest import ROOT

SAMPLE_DISTRICT = ROOT / "data" / "龙马潭区" / "2024"
BROKEN_DISTRICT = ROOT / "tests" / "fixtures" / "broken-district"
OFFICES = sorted(
    p for folder in (SAMPLE_DISTRICT, BROKEN_DISTRICT) for p in folder.glob("*.yaml") if not p.name.startswith("_")
)


@pytest.mark.parametrize("path", OFFICES, ids=[f"{p.parent.name}/{p.stem}" for p in OFFICES])
def test_library_cli_and_batch_give_the_same_verdict(path, monkeypatch):
    monkeypatch.chdir(ROOT)
    relative = path.relative_to(ROOT)
    library = check_file(relative)
    batch = check_paths([relative], jobs=1).outcomes[0]
    command = CliRunner().invoke(cli, ["check", str(relative)], prog_name="nianbao")
    assert batch.problems == library.problems
    assert command.exit_code == (0 if library.ok else 3)
    shown = command.stderr
    for problem in library.problems:
        assert problem.format() in shown


def test_a_sample_office_checks_clean_from_the_library_with_its_district_defaults(monkeypatch):
    # 红星街道.yaml keeps 年度 and 地区 in _共同.yaml: the library must apply it as the CLI does.
    monkeypatch.chdir(ROOT)
    result = check_file(SAMPLE_DISTRICT.relative_to(ROOT) / "红星街道.yaml")
    assert result.ok, [p.format() for p in result.errors]
    assert result.report is not None and result.report.year == "2024"


def test_the_broken_district_fails_from_the_library_and_the_cli_alike(monkeypatch):
    monkeypatch.chdir(ROOT)
    verdicts = {p.stem: check_file(p.relative_to(ROOT)).ok for p in BROKEN_DISTRICT.glob("*.yaml")
                if not p.name.startswith("_")}
    assert verdicts == {"不平衡街道": False, "数字有误镇": False, "格式错误街道": False, "正常街道": True}


def test_the_public_api_is_small_and_importable():
    assert len(nianbao.__all__) <= 15
    for name in nianbao.__all__:
        assert getattr(nianbao, name) is not None
    # Lower-level helpers are not part of it: a load without the rules is not offered at the front door.
    assert "load_report" not in nianbao.__all__ and "render_report" not in nianbao.__all__


def test_loading_computes_the_totals_left_out(variant):
    variant.replace("一、本年新收政府信息公开申请数量: [0, 0, 0, 0, 0, 0, 0]", "一、本年新收政府信息公开申请数量: {自然人: 2}")
    report, _ = load_report(variant.write())  # no check_report: rendering must still see the right totals
    assert report is not None
    assert report.value("表三", "新收", "总计") == 2
    assert report.cells[("表三", "新收", "总计")].location is None  # computed, not written
    assert build_context(report)["表三"]["行"]["新收"]["总计"] == "2"


def test_a_total_left_uncomputed_is_refused_not_printed_as_zero(variant):
    report, _ = load_report(variant.write())
    assert report is not None
    report.cells[("表三", "新收", "总计")] = Cell(None)
    with pytest.raises(ValueError, match="total not computed"):
        build_context(report)


def test_the_import_floors_have_no_cycle_and_no_upward_import():
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "import_graph.py")],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout
    assert "import cycles: 0  upward imports: 0" in result.stdout


# --- decisions where two copies disagreed ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("第一行\x85第二行", "第一行\n第二行"),  # NEL is a line break (YAML and Unicode say so), not dropped
        ("第一行\r\n第二行", "第一行\n第二行"),
        ("单元格\x07标记", "单元格标记"),  # BEL pasted from a Word table cell: dropped
        ("制表\t保留", "制表\t保留"),
        ("\x9f控制", "控制"),
    ],
)
def test_clean_text(typed, kept):
    assert clean_text(typed) == kept


def test_a_nel_in_a_data_file_splits_the_paragraph(variant):
    variant.replace("2024年，未收到公民、组织、法人等提出的信息公开申请，",
                    "2024年，\x85    未收到公民、组织、法人等提出的信息公开申请，")
    report, _ = load_report(variant.write())
    assert report is not None
    texts = [p.text for _, ps in report.text_blocks() for p in ps]
    assert "2024年，" in texts


def _paragraph(inner: str) -> etree._Element:
    return etree.fromstring(f'<w:p xmlns:w="{W_NS}"><w:r>{inner}</w:r></w:p>')


def test_a_manual_line_break_is_read_as_a_new_line_by_reader_and_fingerprint_alike():
    plain = _paragraph("<w:t>甲乙</w:t>")
    broken = _paragraph("<w:t>甲</w:t><w:br/><w:t>乙</w:t>")
    assert paragraph_text(broken) == "甲\n乙"
    body = f'<w:document xmlns:w="{W_NS}"><w:body>{{}}</w:body></w:document>'
    with_break = body.format(etree.tostring(broken, encoding="unicode")).encode()
    without = body.format(etree.tostring(plain, encoding="unicode")).encode()
    assert visible_text(with_break) == ["甲\n乙"]
    assert content_hash(with_break) != content_hash(without)  # an added line break is an edit


@pytest.mark.parametrize(
    ("title", "official"),
    [("(一)主动公开", "（一）主动公开"), ("（二） 依申请公开", "（二）依申请公开"), ("( 三 )政府信息管理", "（三）政府信息管理"),
     ("四、其他", "四、其他")],
)
def test_sub_heads_print_with_full_width_enumeration(title, official):
    assert full_width_enumeration(title) == official


@pytest.mark.parametrize(("value", "shown"), [(0, "0"), (12, "12"), (Decimal("0.092"), "0.092"),
                                              (Decimal("9116.36"), "9116.36"), (Decimal("1E-7"), "0.0000001")])
def test_numbers_print_as_typed(value, shown):
    assert format_number(value) == shown
