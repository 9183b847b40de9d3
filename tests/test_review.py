"""The district review after a folder build: the roll-up equals the sum of the offices (page, workbook and
data file), a copying office is flagged naming both places, last year's figures and text are compared, and
the page works in a real browser (headless Chromium)."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from urllib.parse import unquote

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from nianbao.batch import find_offices
from nianbao.cli import cli
from nianbao.form_layout import stacked_layout
from nianbao.load import load_report
from nianbao.model import Number, ReportData
from nianbao.review_page import REVIEW_PAGE, TOTAL_SHEET
from nianbao.same_text import SameTextFinder, SameTextSettings, TextPlace, settings_for, text_places
from nianbao.spec import load_spec, resolve_template
from nianbao.summary import SUMMARY_FILE
from nianbao.totals import compute_totals

from .conftest import ROOT
from .debian import needs_debian

DISTRICT = ROOT / "data" / "龙马潭区" / "2024"
COPYING = ROOT / "tests" / "fixtures" / "same-text" / "雷同街道.yaml"
UNBALANCED = ROOT / "tests" / "fixtures" / "broken-district" / "不平衡街道.yaml"


def make_district(folder: Path) -> Path:
    """The 13 sample offices, plus one copying 红星街道's text and one whose table does not balance."""
    folder.mkdir(parents=True)
    for path in DISTRICT.glob("*.yaml"):
        shutil.copy(path, folder / path.name)
    shutil.copy(COPYING, folder / COPYING.name)
    shutil.copy(UNBALANCED, folder / UNBALANCED.name)
    return folder


def loaded(folder: Path) -> list[ReportData]:
    offices, _ = find_offices([folder])
    reports = []
    for office in offices:
        report, problems = load_report(office.path, defaults=office.defaults)
        assert report is not None
        if not [p for p in problems if p.is_error]:
            compute_totals(report)
            if not [p for p in problems if p.is_error]:
                reports.append(report)
    return reports


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, object]:
    root = tmp_path_factory.mktemp("review")
    folder = make_district(root / "2024")
    out = root / "out"
    here = os.getcwd()
    os.chdir(folder)  # messages then name the files as "红星街道.yaml"
    try:
        result = CliRunner().invoke(cli, ["build", ".", "-o", str(out), "--rollup", str(out / "汇总.yaml")])
    finally:
        os.chdir(here)
    return folder, out, result


def passing_reports(folder: Path) -> list[ReportData]:
    return [r for r in loaded(folder) if r.office != "不平衡街道"]


def sums(reports: list[ReportData]) -> dict[tuple[str, str, str], Number]:
    keys = reports[0].cells.keys()
    return {key: sum((r.value(*key) for r in reports), 0) for key in keys}


def test_build_writes_the_page_and_exits_3_for_the_unbalanced_office(built):
    _, out, result = built
    assert result.exit_code == 3
    assert (out / REVIEW_PAGE).is_file()
    assert f"审阅页：{out / REVIEW_PAGE}" in result.stdout


def test_page_roll_up_is_the_sum_of_the_offices(built):
    folder, out, _ = built
    page = (out / REVIEW_PAGE).read_text(encoding="utf-8")
    shown = {tuple(key.split("/")): value for key, value in re.findall(r'data-cell="([^"]+)">([^<]*)<', page)}
    expected = sums(passing_reports(folder))
    assert len(shown) == len(expected) == 10 + 175 + 15  # every number of tables 二, 三 and 四 once
    assert {k: str(v) for k, v in expected.items()} == shown
    assert shown[("表三", "新收", "总计")] != "0"
    assert "未计入（有错误或未读入）：不平衡街道" in page
    assert str(folder) not in page and str(out) not in page  # nothing personal: no folder path in the page


def test_summary_workbook_gains_the_district_total_sheet_in_official_shape(built):
    folder, out, _ = built
    book = load_workbook(out / SUMMARY_FILE)
    assert book.sheetnames[:2] == ["汇总", TOTAL_SHEET]
    sheet = book[TOTAL_SHEET]
    expected = sums(passing_reports(folder))
    layout = stacked_layout(passing_reports(folder)[0].spec, TOTAL_SHEET)
    for table in layout.tables:
        assert sheet.cell(table.title_row, 1).value == table.title
        for item in table.inputs:
            value = sheet[item.ref].value
            if item.parts and isinstance(value, str):
                continue  # a total kept as its formula
            assert value == expected[item.key], (item.ref, item.key)
    three = layout.tables[1]
    merged = {str(r) for r in sheet.merged_cells.ranges}
    corner = next(lb for lb in three.labels if lb.text.startswith("（本列数据"))
    assert f"{corner.ref}:C{corner.row + 2}" in merged
    # Styles, status colours, widths and heights are kept though the sheet is streamed into the workbook.
    assert sheet.cell(three.title_row, 1).style == "nb标题"
    assert sheet.cell(three.labels[0].row, three.labels[0].column).border.left.style == "thin"
    assert len(list(sheet.conditional_formatting)) > 0
    assert sheet.column_dimensions["C"].width == 30
    assert sheet.row_dimensions[three.status_row + 2].height == 30


def test_summary_workbook_passes_the_open_xml_schema_check(built):
    audit = pytest.importorskip("openxml_audit")
    _, out, _ = built
    assert audit.OpenXmlValidator().validate(out / SUMMARY_FILE).error_count == 0


def test_rollup_data_file_holds_the_sums(built):
    folder, out, _ = built
    report, problems = load_report(out / "汇总.yaml")
    assert report is not None
    assert not [p for p in problems if p.is_error and "基本信息" not in p.message and "缺少" not in p.message]
    compute_totals(report)
    expected = sums(passing_reports(folder))
    assert {k: report.value(*k) for k in expected} == expected
    assert "【待改写】" in (out / "汇总.yaml").read_text(encoding="utf-8")


def test_copying_office_is_flagged_on_the_page_and_as_warnings_naming_both_places(built):
    _, out, result = built
    assert ("雷同街道.yaml:20 警告：「一、总体情况（三）政府信息管理情况」与红星街道2024年「一、总体情况（三）政府信息管理情况」"
            "（红星街道.yaml:20）的文字雷同（相似度 100%）") in result.stderr
    assert ("红星街道.yaml:20 警告：「一、总体情况（三）政府信息管理情况」与雷同街道2024年「一、总体情况（三）政府信息管理情况」"
            "（雷同街道.yaml:20）的文字雷同（相似度 100%）") in result.stderr
    page = (out / REVIEW_PAGE).read_text(encoding="utf-8")
    flagged = set(re.findall(r'data-name="([^"]+)"[^>]*data-same="[1-9]', page))
    assert flagged == {"红星街道", "雷同街道"}  # no honest sample office is flagged
    section = page[page.index('id="same-text"'):page.index('id="rollup"')]
    assert section.count("<tr>") == 1 + 7  # header + the seven copied paragraphs
    workbook_problems = [row for row in load_workbook(out / SUMMARY_FILE)["问题清单"].iter_rows(values_only=True)
                         if row[0] == "雷同街道"]
    assert len(workbook_problems) == 7


def new_year_district(root: Path, offices: list[str]) -> Path:
    """Next year's folder made with `nianbao new`, each office carrying its cases on again (balanced)."""
    runner = CliRunner()
    for office in offices:
        result = runner.invoke(cli, ["new", str(root / "2024" / f"{office}.yaml"), "--year", "2025"])
        assert result.exit_code == 0, result.output
        path = root / "2025" / f"{office}.yaml"
        text = path.read_text(encoding="utf-8")
        carried = re.search(r"二、上年结转政府信息公开申请数量: (\[[^\]]*\])", text)
        assert carried is not None
        values = carried.group(1)
        text = re.sub(r"(四、结转下年度继续办理: )\[[^\]]*\]", lambda m, v=values: m.group(1) + v, text)
        path.write_text(text, encoding="utf-8")
    return root / "2025"


def test_year_over_year_figures_and_last_years_text(tmp_path, monkeypatch):
    make_district(tmp_path / "2024")
    folder = new_year_district(tmp_path, ["红星街道", "莲花池街道"])
    out = tmp_path / "out"
    monkeypatch.chdir(folder)
    result = CliRunner().invoke(cli, ["build", ".", "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    page = (out / REVIEW_PAGE).read_text(encoding="utf-8")
    row = page[page.index('data-name="红星街道"'):]
    row = row[:row.index("</tr>")]
    assert '上年 9，-9</span>' in row  # 新收: 9 in 2024, 0 so far in 2025
    assert "本单位上年：红星街道2024年「一、总体情况（三）政府信息管理情况」" in page
    assert "与本单位上年报告红星街道2024年" in result.stderr


def test_same_text_ignores_boilerplate_names_and_digits():
    spec = load_spec(resolve_template(None))
    settings = settings_for(spec)
    finder = SameTextFinder(settings, {"泸州市龙马潭区"})

    def place(office: str, text: str) -> list[TextPlace]:
        from nianbao.problems import Location
        return [TextPlace(office, "2024", "六、其他需要报告的事项", Location(f"{office}.yaml", 3), text)]

    statistics = "2024年，{o}共收到政府信息公开申请{n}件，上年结转1件，办结{n}件，其中予以公开3件，结转下年度继续办理2件。"
    official = "本年度未收取信息处理费。根据《中华人民共和国政府信息公开条例》，现将总体情况报告如下："
    copied = "{o}坚持把政务公开与基层治理相结合，每季度召开一次联席会议研究公开事项，由纪检干部全程监督{n}次。"
    offices = [place("甲街道", statistics.format(o="甲街道", n=5) + official),
               place("乙街道", statistics.format(o="乙街道", n=7) + official)]
    assert finder.across_offices(offices) == []
    offices = [place("甲街道", copied.format(o="甲街道", n=3)), place("乙街道", copied.format(o="乙街道", n=12))]
    repeats = finder.across_offices(offices)
    assert [(r.place.office, r.other.office, r.percent) for r in repeats] == [("甲街道", "乙街道", 100)]
    edited = copied.replace("每季度召开一次", "每月召开").format(o="丙镇", n=4)
    offices.append(place("丙镇", edited))
    repeats = finder.across_offices(offices)
    assert sorted((r.place.office, r.other.office) for r in repeats) == [("甲街道", "丙镇"), ("甲街道", "乙街道")]
    near = next(r for r in repeats if "丙镇" in (r.place.office, r.other.office))
    assert 70 <= near.percent < 100
    strict = SameTextFinder(SameTextSettings(threshold=1.01, min_chars=5), set())
    assert strict.across_offices(offices) == []


def test_sample_offices_have_texts_to_compare():
    reports = loaded(DISTRICT)
    settings = settings_for(reports[0].spec)
    assert all(len(text_places(r, settings)) >= 7 for r in reports)


# --- in a real browser ----------------------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture
def browser(tmp_path):
    """Debian's chromium, headless, with a fresh profile, driven by Playwright; collects console messages
    and uncaught script errors."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1800})
        page = context.new_page()
        page.messages = []
        page.on("console", lambda message: page.messages.append(f"{message.type}: {message.text}"))
        page.on("pageerror", lambda exc: page.messages.append(f"error: {exc}"))
        try:
            yield page
        finally:
            context.close()


@needs_debian("chromium")
def test_page_in_headless_chromium_lists_every_office_and_filters(built, browser):
    folder, out, _ = built
    page = browser
    page.goto((out / REVIEW_PAGE).as_uri())
    page.wait_for_load_state("load")
    rows = page.locator("tr.office")
    names = [rows.nth(i).get_attribute("data-name") for i in range(rows.count())]
    assert sorted(names) == sorted(p.stem for p in folder.glob("*.yaml") if not p.name.startswith("_"))
    assert page.locator("#shown").inner_text() == "显示 15 / 15 个机关"

    def visible() -> list[str]:
        return [rows.nth(i).get_attribute("data-name") for i in range(rows.count()) if rows.nth(i).is_visible()]

    page.check("input[value=errors]")
    assert visible() == ["不平衡街道"]
    page.check("input[value=same]")
    assert visible() == ["红星街道", "雷同街道"]
    assert page.locator("#shown").inner_text() == "显示 2 / 15 个机关"
    page.check("input[value=all]")
    page.fill("#search", "镇")
    assert visible() == ["双加镇", "胡市镇", "金龙镇", "长安镇"]
    href = page.locator('tr[data-name="双加镇"] a').first.get_attribute("href")
    assert href is not None and href.endswith(".docx") and (out / unquote(href)).is_file()
    assert page.locator("#rollup-表三 td[data-cell]").count() == 175
    assert page.messages == []  # no console message, no script error


def test_a_paragraph_copied_by_many_offices_is_one_group_and_one_warning_each():
    from nianbao.batch import ReviewSpill
    from nianbao.problems import Location
    from nianbao.review import PlaceRecords, _repeats, _Warnings

    settings = settings_for(load_spec(resolve_template(None)))
    text = "{o}坚持把政务公开与基层治理相结合，每季度召开一次联席会议研究公开事项，由纪检干部全程监督。"
    names = ("甲街道", "乙街道", "丙街道", "丁街道", "戊镇")
    offices = [[TextPlace(name, "2024", "六、其他需要报告的事项", Location(f"{name}.yaml", 3), text.format(o=name))]
               for name in names]
    # As the review runs it: each office's paragraphs in the spill file, the groups as numbers of records.
    spill, records = ReviewSpill(), PlaceRecords()
    this_year = {index: spill.put(places) for index, places in enumerate(offices)}
    groups = _repeats(SameTextFinder(settings, set(names)), this_year, {}, records, names)
    assert [(len(g), [p.office for p in g.places], g.percent) for g in groups] == [
        (5, ["丁街道", "丙街道", "乙街道", "戊镇", "甲街道"], 100)]
    warnings = _Warnings(groups, records, names)
    assert {name: len(warnings.of(name)) for name in names} == dict.fromkeys(names, 1)
    assert warnings.of("甲街道")[0].message == (
        "「六、其他需要报告的事项」与丁街道2024年「六、其他需要报告的事项」（丁街道.yaml:3）、"
        "丙街道2024年「六、其他需要报告的事项」（丙街道.yaml:3）、乙街道2024年「六、其他需要报告的事项」（乙街道.yaml:3）"
        "等 4 处的文字雷同（相似度 100%）")
    spill.close()
    records.close()


def test_rollup_of_a_single_office_writes_only_the_data_file(tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["build", str(DISTRICT / "红星街道.yaml"), "-o", str(out),
                                      "--rollup", str(tmp_path / "汇总.yaml")])
    assert result.exit_code == 0, result.output
    assert f"汇总数据文件：{tmp_path / '汇总.yaml'}" in result.stdout
    assert not (out / REVIEW_PAGE).exists() and not (out / SUMMARY_FILE).exists()
    total, _ = load_report(tmp_path / "汇总.yaml")
    office, _ = load_report(DISTRICT / "红星街道.yaml")
    assert total is not None and office is not None
    assert {k: total.value(*k) for k in office.cells} == {k: office.value(*k) for k in office.cells}


def test_rollup_when_no_office_passes_says_so_after_the_summary_with_the_offices_exit_code(tmp_path):
    folder = tmp_path / "区"
    folder.mkdir()
    shutil.copy(ROOT / "tests" / "bad_inputs" / "不平衡.yaml", folder / "甲街道.yaml")
    shutil.copy(ROOT / "tests" / "bad_inputs" / "不平衡.yaml", folder / "乙街道.yaml")
    rollup = tmp_path / "汇总.yaml"
    result = CliRunner().invoke(cli, ["build", str(folder), "-o", str(tmp_path / "out"), "--rollup", str(rollup)])
    assert result.exit_code == 3, result.output  # the offices' data failed; not an internal or file error
    assert "程序内部错误" not in result.output and "Traceback" not in result.output
    said = result.stderr.rindex("没有通过检查的机关，未生成汇总数据文件；先改正上面各机关的错误，再运行一次")
    assert "合计（2）" in result.stdout and "汇总数据文件：" not in result.stdout
    assert said > result.stderr.rindex("有错误，未生成报告")
    assert not rollup.exists()


def test_the_review_from_the_workers_data_equals_the_review_from_reading_every_file_again(tmp_path: Path) -> None:
    import copy

    from nianbao.review import review_district
    from nianbao.runs import build_paths

    folder = make_district(tmp_path / "2024")
    result = build_paths([folder], out_dir=tmp_path / "out", jobs=2, write_summary=False)
    assert sum(o.review is not None for o in result.outcomes) >= 13  # carried back from the worker processes
    again = copy.deepcopy(result.outcomes)
    for outcome in again:
        outcome.review = None  # as an outcome without the workers' data: every data file is read again
    fast, slow = review_district(result.outcomes), review_district(again)
    assert fast.total is not None and slow.total is not None
    assert {k: c.value for k, c in fast.total.cells.items()} == {k: c.value for k, c in slow.total.cells.items()}
    assert fast.total.facts == slow.total.facts
    assert (fast.included, fast.excluded, fast.district, fast.year) == (
        slow.included, slow.excluded, slow.district, slow.year)
    assert "不平衡街道" in fast.excluded and len(fast.included) >= 13
    assert [p.format() for p in fast.new_problems] == [p.format() for p in slow.new_problems]
    assert list(fast.new_problems)  # 雷同街道 copies 红星街道: the comparison really ran
    assert [o.repeated for o in fast.offices] == [o.repeated for o in slow.offices]
    assert all(o.review is None for o in result.outcomes)  # dropped once used
