"""The fill-in workbook: data → workbook → data is exact, a tampered workbook is refused with its cell, and
LibreOffice's recalculation shows the live status cells (通过 / 不平衡)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from nianbao.batch import find_offices
from nianbao.cli import cli
from nianbao.form_import import import_form
from nianbao.form_writer import make_forms
from nianbao.load import load_report
from nianbao.model import ReportData
from nianbao.totals import compute_totals

from .conftest import ROOT
from .debian import needs_debian

DISTRICT = ROOT / "data" / "龙马潭区" / "2024"
BROKEN = ROOT / "tests" / "fixtures" / "broken-district"


def snapshot(report: ReportData) -> tuple[object, ...]:
    """What a data file says: facts, every cell value (totals computed), every paragraph and sub-head."""
    compute_totals(report)
    return (
        report.facts,
        {key: cell.value for key, cell in report.cells.items()},
        {name: [p.text for p in paragraphs] for name, paragraphs in report.paragraphs.items()},
        {name: [(s.title, [p.text for p in s.paragraphs]) for s in subs] for name, subs in report.subparts.items()},
    )


@pytest.fixture(scope="module")
def district_forms(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("forms")
    outcomes = make_forms([DISTRICT], out)
    assert [o.note for o in outcomes if o.target is None] == []
    return out


def form_of(forms: Path, office: str) -> Path:
    return forms / f"{office}2024年报填报表.xlsx"


def test_every_sample_office_round_trips_exactly(district_forms, tmp_path):
    offices, _ = find_offices([DISTRICT])
    assert len(offices) == 13
    for office in offices:
        original, problems = load_report(office.path, defaults=office.defaults)
        assert original is not None and not [p for p in problems if p.is_error]
        result = import_form(form_of(district_forms, original.office), tmp_path)
        assert result.target == tmp_path / office.path.name, result.problems
        assert [p.format() for p in result.problems if p.is_error] == []
        back, back_problems = load_report(result.target)
        assert back is not None and not [p for p in back_problems if p.is_error]
        assert snapshot(back) == snapshot(original), office.path.name


def test_workbook_has_official_shape_locked_labels_and_validated_inputs(district_forms):
    book = load_workbook(form_of(district_forms, "红星街道"))
    assert book.sheetnames == ["填报说明", "基本信息", "表二", "表三", "表四", "文字"]
    three = book["表三"]
    merged = {str(r) for r in three.merged_cells.ranges}
    assert {"A4:C6", "D4:J4", "D5:D6", "E5:I5", "J5:J6", "A7:C7", "A9:A30", "B11:B18"} <= merged
    assert three["A4"].value.startswith("（本列数据的勾稽关系为")
    assert three["C11"].value == "1.属于国家秘密"
    assert three.protection.sheet and three["A7"].protection.locked
    assert three["D7"].protection.locked is False and three["D7"].value == 3
    assert three["J7"].value == "=SUM(D7:I7)" and three["D30"].value == "=SUM(D9:D29)"
    rules = {(dv.type, dv.operator, dv.formula1, dv.prompt) for dv in three.data_validations.dataValidation}
    assert ("whole", "greaterThanOrEqual", "0", "填非负整数，没有的填 0") in rules
    assert "D7" in str(three.data_validations.dataValidation[0].sqref)
    two = book["表二"]
    assert {"A4:D4", "B12:D12"} <= {str(r) for r in two.merged_cells.ranges}
    assert [dv.type for dv in two.data_validations.dataValidation] == ["whole", "decimal"]
    assert book["基本信息"]["B11"].value == "646000"  # a postcode stays text
    four = book["表四"]
    assert four["A4"].value == "行政复议" and four["F5"].value == "未经复议直接起诉"
    assert four["E7"].value == "=SUM(A7:D7)"


def test_form_from_new_year_file_carries_last_years_carry_over(tmp_path):
    runner = CliRunner()
    year = tmp_path / "2025" / "红星街道.yaml"
    result = runner.invoke(cli, ["new", str(DISTRICT / "红星街道.yaml"), "--year", "2025", "-o", str(year)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["form", str(year), "-o", str(tmp_path / "forms")])
    assert result.exit_code == 0, result.output
    three = load_workbook(tmp_path / "forms" / "红星街道2025年报填报表.xlsx")["表三"]
    last, _ = load_report(DISTRICT / "红星街道.yaml", defaults=[DISTRICT / "_共同.yaml"])
    assert last is not None
    carried = [three.cell(8, c).value for c in range(4, 10)]
    assert carried == [last.value("表三", "结转下年", c) for c in ("自然人", "商业企业", "科研机构", "社会公益组织",
                                                                   "法律服务机构", "其他")]
    assert sum(carried) > 0


def _tampered(forms: Path, tmp_path: Path, change) -> Path:
    path = tmp_path / "红星街道2024年报填报表.xlsx"
    book = load_workbook(form_of(forms, "红星街道"))
    change(book)
    book.save(path)
    return path


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda b: b["表三"].__setitem__("D9", None),
         "红星街道2024年报填报表.xlsx 表三!D9 错误：表三「三、本年度办理结果 （一）予以公开」行「自然人」栏是空的"),
        (lambda b: b["表三"].__setitem__("E7", "2件"),
         "红星街道2024年报填报表.xlsx 表三!E7 错误：表三「一、本年新收政府信息公开申请数量」行「商业企业」栏应为阿拉伯数字，实际为「2件」"),
        (lambda b: b["表四"].__setitem__("A7", -1),
         "红星街道2024年报填报表.xlsx 表四!A7 错误：表四「行政复议」行「结果维持」栏不能是负数，实际为 -1"),
        (lambda b: b["表三"].__setitem__("D8", 1.5),
         "红星街道2024年报填报表.xlsx 表三!D8 错误：表三「二、上年结转政府信息公开申请数量」行「自然人」栏件数应为整数，实际为 1.5"),
        (lambda b: b["表三"].__setitem__("C11", "1.国家秘密"),
         "红星街道2024年报填报表.xlsx 表三!C11 错误：表三的这一格应为官方栏目「1.属于国家秘密」，实际为「1.国家秘密」"),
        (lambda b: b["表三"].delete_rows(12),
         "红星街道2024年报填报表.xlsx 表三!C12 错误：表三的这一格应为官方栏目「2.其他法律行政法规禁止公开」，实际为「3.危及“三安全一稳定”」"),
        (lambda b: b["基本信息"].__setitem__("B3", ""),
         "红星街道2024年报填报表.xlsx 基本信息!B3 错误：基本信息「机关」是空的"),
        (lambda b: b.remove(b["表四"]),
         "红星街道2024年报填报表.xlsx 错误：不是 nianbao 的填报表，或工作表被删除、改名：缺少工作表「表四」"),
    ],
    ids=["blank", "text", "negative", "fraction", "altered-label", "deleted-row", "blank-fact", "deleted-sheet"],
)
def test_tampered_workbook_is_refused_naming_sheet_cell_and_label(district_forms, tmp_path, monkeypatch, change,
                                                                  expected):
    path = _tampered(district_forms, tmp_path, change)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["import", path.name])
    assert result.exit_code == 3
    assert expected in result.output
    assert "未写数据文件" in result.output
    assert list(tmp_path.glob("*.yaml")) == []


@pytest.mark.parametrize("force", [False, True])
def test_a_folder_where_the_data_file_goes_is_said_so(district_forms, tmp_path, monkeypatch, force):
    from nianbao.errors import FileTrouble

    monkeypatch.chdir(tmp_path)
    (tmp_path / "红星街道.yaml").mkdir()
    with pytest.raises(FileTrouble) as raised:
        import_form(form_of(district_forms, "红星街道"), tmp_path, force=force)
    assert (raised.value.where, raised.value.message) == (
        "红星街道.yaml", "输出路径是一个文件夹，不能用文件替换它；请换一个输出文件名，或删去（改名）这个文件夹")


def test_deleted_row_never_reads_shifted_numbers(district_forms, tmp_path):
    path = _tampered(district_forms, tmp_path, lambda b: b["表三"].delete_rows(12))
    result = import_form(path)
    assert result.target is None
    assert result.problems
    assert all("应为官方栏目" in p.message for p in result.problems), [p.message for p in result.problems]
    assert all(" 表三!" in p.location.file for p in result.problems)


def test_unbalanced_numbers_are_written_and_reported_at_the_workbook_cell(district_forms, tmp_path, monkeypatch):
    path = _tampered(district_forms, tmp_path, lambda b: b["表三"].__setitem__("D7", 4))
    monkeypatch.chdir(tmp_path)
    result = import_form(path, tmp_path)
    assert result.target == tmp_path / "红星街道.yaml"
    messages = [p.format() for p in result.problems if p.is_error]
    assert any(m.startswith("红星街道2024年报填报表.xlsx 表三!D7 错误：表三「自然人」列：第一项+第二项=4") for m in messages), messages
    back, _ = load_report(result.target)
    assert back is not None and back.value("表三", "新收", "自然人") == 4


def test_existing_data_file_is_kept_without_force(district_forms, tmp_path):
    (tmp_path / "红星街道.yaml").write_text("# 已有\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["import", str(form_of(district_forms, "红星街道")), "-o", str(tmp_path)])
    assert result.exit_code == 1
    assert "已存在，为免覆盖未写入" in result.output
    assert (tmp_path / "红星街道.yaml").read_text(encoding="utf-8") == "# 已有\n"


def test_form_keeps_an_existing_workbook_and_refuses_data_with_errors(tmp_path):
    runner = CliRunner()
    first = runner.invoke(cli, ["form", str(DISTRICT / "红星街道.yaml"), "-o", str(tmp_path)])
    assert first.exit_code == 0
    again = runner.invoke(cli, ["form", str(DISTRICT / "红星街道.yaml"), "-o", str(tmp_path)])
    assert again.exit_code == 1 and "已存在（可能已有人填写）" in again.output
    broken = runner.invoke(cli, ["form", str(BROKEN / "格式错误街道.yaml"), "-o", str(tmp_path)])
    assert broken.exit_code == 3 and "有错误，未生成填报表" in broken.output


def test_workbook_that_unpacks_too_large_is_refused_before_reading(district_forms, tmp_path, monkeypatch):
    import nianbao.form_reader as reader

    monkeypatch.setattr(reader, "MAX_UNPACKED_BYTES", 10_000)
    result = CliRunner().invoke(cli, ["import", str(form_of(district_forms, "红星街道")), "-o", str(tmp_path)])
    assert result.exit_code == 1
    assert "文件解压后过大，不是正常的填报表" in result.output
    assert list(tmp_path.glob("*.yaml")) == []


def test_office_type_offers_its_choices(district_forms):
    facts = load_workbook(form_of(district_forms, "红星街道"))["基本信息"]
    lists = [dv for dv in facts.data_validations.dataValidation if dv.type == "list"]
    assert [(str(dv.sqref), dv.formula1) for dv in lists] == [("B4", '"街道,乡镇,区县,市级以上,部门"')]


def test_not_a_workbook_is_a_file_error(tmp_path):
    fake = tmp_path / "表格.xlsx"
    fake.write_bytes(b"not a zip")
    result = CliRunner().invoke(cli, ["import", str(fake)])
    assert result.exit_code == 1
    assert "不是有效的 .xlsx 文件" in result.output


# --- recalculated by LibreOffice ------------------------------------------------------------------------

needs_soffice = needs_debian("libreoffice-calc-nogui")


def recalculated(path: Path, work: Path):
    """The workbook as LibreOffice computes it: converted to .xlsx headless, with a private profile."""
    out = work / "recalculated"
    profile = (work / "profile").as_uri()
    subprocess.run(
        ["soffice", f"-env:UserInstallation={profile}", "--headless", "--calc", "--convert-to", "xlsx",
         "--outdir", str(out), str(path)],
        check=True, capture_output=True, timeout=180,
    )
    return load_workbook(out / path.name, data_only=True)


@needs_soffice
def test_libreoffice_shows_passed_for_a_balanced_office(district_forms, tmp_path):
    book = recalculated(form_of(district_forms, "红星街道"), tmp_path)
    assert [book[name]["B2"].value for name in ("表二", "表三", "表四")] == ["通过"] * 3
    guide = [row[1] for row in book["填报说明"].iter_rows(values_only=True) if row[0] in book.sheetnames]
    assert guide == ["通过"] * 4  # 基本信息, 表二, 表三, 表四
    three = book["表三"]
    assert three["J7"].value == 9 and three["D30"].value == 2  # totals computed by the formulas
    assert {three.cell(33, c).value for c in range(4, 11)} == {"通过"}


@needs_soffice
def test_libreoffice_shows_unbalanced_while_the_clerk_types(district_forms, tmp_path):
    path = _tampered(district_forms, tmp_path, lambda b: b["表三"].__setitem__("D7", 4))
    book = recalculated(path, tmp_path)
    three = book["表三"]
    assert three["B2"].value == "不平衡：2 处，见本表红色单元格"  # the 自然人 and 总计 columns
    assert three["D33"].value == "不平衡：4≠3"
    assert three["E33"].value == "通过"
    assert three["J33"].value == "不平衡：11≠10"
    guide = {row[0]: row[1] for row in book["填报说明"].iter_rows(values_only=True)}
    assert guide["表三"].startswith("不平衡")


@needs_soffice
def test_libreoffice_flags_a_total_that_disagrees_and_a_blank(tmp_path):
    outcomes = make_forms([BROKEN / "不平衡街道.yaml"], tmp_path)
    assert outcomes[0].target is not None
    book = load_workbook(outcomes[0].target)
    book["表四"]["B7"] = None
    book.save(outcomes[0].target)
    recalc = recalculated(outcomes[0].target, tmp_path)
    three = recalc["表三"]
    assert three["J7"].value == 14  # the total as the data file gave it, not a formula
    assert three["K7"].value == "不平衡：14≠114"
    assert three["B2"].value.startswith("不平衡：")
    assert recalc["表四"]["B2"].value == "未填写：1 格为空（没有的请填 0）"


def test_workbook_passes_the_open_xml_schema_check(district_forms):
    audit = pytest.importorskip("openxml_audit")
    result = audit.OpenXmlValidator().validate(form_of(district_forms, "红星街道"))
    assert [str(e) for e in result.errors if "[schema]" in str(e)] == []
    assert result.error_count == 0


def test_text_that_looks_like_a_formula_round_trips_as_text(tmp_path, variant):
    path = variant.replace("  本年度未收取信息处理费。", "  =SUM(1,2) 本年度未收取信息处理费。").write()
    outcomes = make_forms([path], tmp_path / "forms")
    assert outcomes[0].target is not None
    texts = load_workbook(outcomes[0].target)["文字"]
    cell = next(c for (c,) in texts.iter_rows(min_col=3, max_col=3) if str(c.value).startswith("=SUM"))
    assert cell.data_type == "s"  # text, not a formula the office software would compute
    result = import_form(outcomes[0].target, tmp_path / "back")
    assert result.target is not None, [p.format() for p in result.problems]
    back, _ = load_report(result.target)
    assert back is not None
    assert back.paragraphs["其他事项"][0].text.startswith("=SUM(1,2) ")
