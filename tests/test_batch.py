"""A whole district in one run: folder discovery, shared defaults, isolation, summary, parallel fast path,
and no Word edit lost."""

from __future__ import annotations

import io
import json
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document
from docxtpl import DocxTemplate
from lxml import etree
from openpyxl import load_workbook

from nianbao import Status, build_paths, check_file
from nianbao.batch import find_offices
from nianbao.check import check_report
from nianbao.cli import cli
from nianbao.district import DEFAULTS_FILE
from nianbao.guard import OutputState, output_state
from nianbao.load import load_report
from nianbao.render import build_context, compiled_template, jinja_environment, render_report
from nianbao.review_page import REVIEW_PAGE
from nianbao.summary import PROBLEMS_SHEET, SUMMARY_FILE, SUMMARY_SHEET

from .conftest import ROOT
from .test_fast_render import HOSTILE

DISTRICT = ROOT / "data" / "龙马潭区" / "2024"
BROKEN = ROOT / "tests" / "fixtures" / "broken-district"
SAMPLE_OFFICES = sorted(p for p in DISTRICT.glob("*.yaml") if not p.name.startswith("_"))
REPORT = "{}2024年政府信息公开工作年度报告.docx"


def run(*args: str):
    return CliRunner().invoke(cli, list(args), prog_name="nianbao")


@pytest.fixture
def broken(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the broken sample district; messages name its files relative to tmp_path."""
    folder = tmp_path / "broken-district"
    shutil.copytree(BROKEN, folder)
    monkeypatch.chdir(tmp_path)
    return folder


# --- discovery and defaults ------------------------------------------------------------------------------


def test_a_folder_is_every_office_file_in_it_but_not_the_defaults_file():
    offices, from_folder = find_offices([DISTRICT])
    assert from_folder
    assert [o.path.name for o in offices] == [p.name for p in SAMPLE_OFFICES]
    assert len(offices) == 13
    assert all(o.defaults == (DISTRICT / DEFAULTS_FILE,) for o in offices)


def test_a_single_office_file_gets_its_folders_defaults_too():
    offices, from_folder = find_offices([DISTRICT / "红星街道.yaml"])
    assert not from_folder
    assert offices[0].defaults == (DISTRICT / DEFAULTS_FILE,)


@pytest.mark.parametrize(
    ("args", "exit_code", "message"),
    [
        (["build", "空文件夹"], 1, "空文件夹 错误：文件夹中没有机关数据文件"),
        (["build", "区/_共同.yaml"], 2, "错误：区/_共同.yaml 是共同设置文件，不是机关的数据文件"),
        (["check", "空文件夹"], 1, "空文件夹 错误：文件夹中没有机关数据文件"),
    ],
)
def test_bad_paths(tmp_path, monkeypatch, args, exit_code, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "空文件夹").mkdir()
    (tmp_path / "区").mkdir()
    (tmp_path / "区" / DEFAULTS_FILE).write_text("基本信息:\n  年度: 2024\n", encoding="utf-8")
    result = run(*args)
    assert result.exit_code == exit_code
    assert result.stderr.startswith(message)


def test_an_office_file_overrides_the_defaults_and_values_keep_their_own_file_and_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "区"
    folder.mkdir()
    shared = (DISTRICT / DEFAULTS_FILE).read_text(encoding="utf-8")
    shared = shared.replace("  网址: www.longmatan.gov.cn", "  网址: www.longmatan.gov.cn\n  邮编: 64600")
    (folder / DEFAULTS_FILE).write_text(shared, encoding="utf-8")
    office = (DISTRICT / "红星街道.yaml").read_text(encoding="utf-8")
    office = office.replace('  邮编: "646000"\n', "").replace("  机关: 红星街道", "  机关: 红星街道\n  公开网站: 红星街道公众号")
    (folder / "红星街道.yaml").write_text(office, encoding="utf-8")

    result = check_file(folder / "红星街道.yaml", defaults=[folder / DEFAULTS_FILE])
    shared_lines = shared.splitlines()
    postcode_line = shared_lines.index("  邮编: 64600") + 1
    assert [p.format().splitlines()[0] for p in result.problems] == [
        f"区/_共同.yaml:{postcode_line} 错误：「基本信息」的「邮编」应为6位数字，实际是“64600”"
    ]
    report, _ = load_report(folder / "红星街道.yaml", defaults=[folder / DEFAULTS_FILE])
    assert report is not None
    assert report.facts["公开网站"] == "红星街道公众号"  # the office overrides
    assert str(report.fact_locations["公开网站"]) == "区/红星街道.yaml:6"
    assert report.facts["网址"] == "www.longmatan.gov.cn"  # from the defaults file, with its line
    assert str(report.fact_locations["网址"]) == f"区/_共同.yaml:{shared_lines.index('  网址: www.longmatan.gov.cn') + 1}"

    cli_result = run("check", "区")
    assert cli_result.exit_code == 3
    assert f"区/_共同.yaml:{postcode_line} 错误：「基本信息」的「邮编」应为6位数字" in cli_result.stderr


def test_the_real_office_reads_the_same_with_and_without_the_district_defaults():
    alone, _ = load_report(DISTRICT / "安宁街道.yaml")
    shared, _ = load_report(DISTRICT / "安宁街道.yaml", defaults=[DISTRICT / DEFAULTS_FILE])
    assert alone is not None and shared is not None  # totals are computed by the loader already
    assert build_context(alone) == build_context(shared)


# --- a district folder -----------------------------------------------------------------------------------


def test_folder_build_writes_one_report_per_office_and_the_summary(tmp_path):
    out = tmp_path / "out"
    result = run("build", str(DISTRICT), "-o", str(out), "-j", "2")
    assert result.exit_code == 0, result.stderr
    names = {p.name for p in out.iterdir()}
    offices = {load_report(p)[0].office for p in SAMPLE_OFFICES}  # type: ignore[union-attr]
    assert names == {REPORT.format(o) for o in offices} | {SUMMARY_FILE, REVIEW_PAGE}
    assert f"汇总表：{out / SUMMARY_FILE}" in result.stdout
    assert "共 13 个机关：已生成 13" in result.stdout
    for office in ("莲花池街道", "金龙镇"):  # the title says the sample is a sample
        document = Document(str(out / REPORT.format(office)))
        title = document.paragraphs[0].text.replace("\n", "")  # a long title breaks before the year
        assert title == f"泸州市龙马潭区{office}2024年政府信息公开工作年度报告（示例数据）"


def test_broken_folder_builds_the_good_office_and_exits_3(broken, tmp_path):
    out = tmp_path / "out"
    result = run("build", "broken-district", "-o", str(out))
    assert result.exit_code == 3
    assert sorted(p.name for p in out.iterdir()) == sorted([REPORT.format("正常街道"), SUMMARY_FILE, REVIEW_PAGE])
    lines = result.stderr.splitlines()
    assert "broken-district/格式错误街道.yaml:6 错误：键和值之间用了全角冒号“：”" in lines
    assert "broken-district/数字有误镇.yaml:32 错误：表二「第二十条第（五）项 行政许可」行「本年处理决定数量」栏“十二”是汉字数字" in lines
    assert "broken-district/不平衡街道.yaml:41 错误：表三「自然人」列：第一项+第二项=111，第三项（七）总计+第四项=11" in lines
    # Offices finish in any order on several cores; each result line says how far the run is.
    assert any(re.fullmatch(r"\[[1-4]/4\] broken-district/数字有误镇.yaml 有错误，未生成报告（1 个错误）", line)
               for line in lines)
    assert "共 4 个机关：已生成 1，有错误 3" in result.stdout


def test_broken_folder_statuses_in_the_library(broken, tmp_path):
    result = build_paths([broken], tmp_path / "out", jobs=2)
    assert [(o.office, o.status, o.errors, o.checks_failed) for o in result.outcomes] == [
        ("不平衡街道", Status.FAILED, 2, True),
        ("数字有误镇", Status.FAILED, 1, True),
        ("格式错误街道", Status.FAILED, 1, True),
        ("正常街道", Status.BUILT, 0, False),
    ]
    assert result.exit_code == 3


def test_summary_spreadsheet_content(broken, tmp_path):
    out = tmp_path / "out"
    build_paths([broken], out, jobs=1)
    # Files named relative to the folder the run is about, whatever the working directory (a shared file).
    book = load_workbook(out / SUMMARY_FILE)
    assert book.sheetnames == [SUMMARY_SHEET, PROBLEMS_SHEET]
    rows = [list(r) for r in book[SUMMARY_SHEET].iter_rows(values_only=True)]
    assert rows == [
        ["机关", "状态", "新收", "办结", "结转", "复议", "诉讼", "错误", "警告", "数据文件", "报告文件", "说明"],
        ["不平衡街道", "有错误", None, None, None, None, None, 2, 0, "不平衡街道.yaml", None, None],
        ["数字有误镇", "有错误", None, None, None, None, None, 1, 0, "数字有误镇.yaml", None, None],
        ["格式错误街道", "有错误", None, None, None, None, None, 1, 0, "格式错误街道.yaml", None, None],
        ["正常街道", "已生成", 9, 9, 1, 1, 0, 0, 0, "正常街道.yaml", REPORT.format("正常街道"), None],
        ["合计（4）", "已生成 1，有错误 3", 9, 9, 1, 1, 0, 4, 0, None, None, None],
    ]
    problems = [list(r) for r in book[PROBLEMS_SHEET].iter_rows(values_only=True)]
    assert problems[0] == ["机关", "位置", "类别", "问题", "修改办法"]
    assert problems[3] == ["数字有误镇", "数字有误镇.yaml:32", "错误",
                           "表二「第二十条第（五）项 行政许可」行「本年处理决定数量」栏“十二”是汉字数字", "改为 12"]
    assert len(problems) == 1 + 4


def test_a_single_file_build_prints_no_summary_and_writes_no_spreadsheet(tmp_path):
    out = tmp_path / "out"
    result = run("build", str(DISTRICT / "红星街道.yaml"), "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"已生成：{out / REPORT.format('红星街道')}\n"
    assert [p.name for p in out.iterdir()] == [REPORT.format("红星街道")]


def test_check_accepts_a_folder(broken):
    result = run("check", "broken-district", "-j", "1")
    assert result.exit_code == 3
    assert "[4/4] broken-district/正常街道.yaml：检查通过（0 个错误，0 个警告）" in result.stderr
    assert "共 4 个机关：检查通过 1，有错误 3" in result.stdout


def test_two_offices_with_the_same_report_name_are_both_flagged(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "区"
    shutil.copytree(DISTRICT, folder)
    shutil.copy(folder / "红星街道.yaml", folder / "红星街道-副本.yaml")
    result = build_paths([folder / "红星街道.yaml", folder / "红星街道-副本.yaml"], tmp_path / "out", jobs=1)
    assert [o.status for o in result.outcomes] == [Status.FAILED, Status.FAILED]
    assert result.outcomes[0].problems[-1].message.startswith("区/红星街道.yaml、区/红星街道-副本.yaml 生成的报告文件同名")
    assert result.exit_code == 3


# --- the fast path is docxtpl's output -------------------------------------------------------------------


# Every member of both packages is compared: XML members as canonical XML (c14n), the others as bytes.
# The differences below are the only ones allowed, each named with why; anything else fails.
#
# nianbao adds on purpose, in a built report (render_report), and only there:
#   docProps/custom.xml  the provenance (hashes of the data and the template) by which a rebuild tells a
#                        report edited in Word from its own output (guard.output_state);
#   [Content_Types].xml, _rels/.rels  the declaration of that part (an Override and a Relationship);
#   docProps/core.xml    the document's title set to the report's 标题.
PROVENANCE_PART = "docProps/custom.xml"
# docxtpl differs from the template here, not nianbao: DocxTemplate.render_properties renders these six core
# properties as Jinja text and writes them back through python-docx, which adds an empty element for each
# one the template does not have (the bundled template has no dc:identifier, so plain docxtpl's core.xml
# gains an empty <dc:identifier/>; nianbao keeps the template's core.xml as it is). Found by this test.
# Placeholders in the core properties are filled in by both (see PROPERTIES_TEMPLATE below): nianbao in every
# text property, docxtpl only in those six, so the reference renders the others as docxtpl renders its six.
_DC, _CP = "{http://purl.org/dc/elements/1.1/}", "{http://schemas.openxmlformats.org/package/2006/metadata/core-properties}"
DOCXTPL_RENDERED_CORE = {f"{_DC}creator", f"{_DC}description", f"{_DC}identifier", f"{_DC}language",
                         f"{_DC}subject", f"{_DC}title"}  # author, comments, identifier, language, subject, title


def _body_c14n(docx: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        return etree.tostring(etree.fromstring(archive.read("word/document.xml")), method="c14n")


def _members(docx: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def _c14n(root: etree._Element) -> bytes:
    return etree.tostring(root, method="c14n")


def _without(data: bytes, attribute: str, value: str) -> bytes:
    """Canonical XML of `data` less the children whose `attribute` is `value` (each must be there once)."""
    root = etree.fromstring(data)
    found = [child for child in root if child.get(attribute) == value]
    assert len(found) == 1, (attribute, value)
    root.remove(found[0])
    return _c14n(root)


def _core_as_built(plain_core: bytes, template_core: bytes, title: str | None) -> bytes:
    """Plain docxtpl's core.xml less the empty elements its render_properties added (see above), with the
    title nianbao sets in a built report."""
    root = etree.fromstring(plain_core)
    had = {child.tag for child in etree.fromstring(template_core)}
    for child in list(root):
        if child.tag in DOCXTPL_RENDERED_CORE and child.tag not in had and not child.text and not len(child):
            root.remove(child)
    if title is not None:
        root.find(f"{_DC}title").text = title
    return _c14n(root)


def assert_same_package(ours: bytes, plain: bytes, template: Path, title: str | None) -> None:
    """`ours` holds the members of `plain` (and, when `title` is given, i.e. a built report, the provenance
    part), each with the same content but for the named differences above."""
    mine, theirs = _members(ours), _members(plain)
    added = {PROVENANCE_PART} if title is not None else set()
    assert set(mine) == set(theirs) | added
    template_core = _members(template.read_bytes())["docProps/core.xml"]
    for name in sorted(set(mine) & set(theirs)):
        if not name.endswith((".xml", ".rels")):
            assert mine[name] == theirs[name], name
            continue
        expected = _c14n(etree.fromstring(theirs[name]))
        if name == "docProps/core.xml":
            expected = _core_as_built(theirs[name], template_core, title)
        got = _c14n(etree.fromstring(mine[name]))
        if title is not None and name == "[Content_Types].xml":
            got = _without(mine[name], "PartName", "/" + PROVENANCE_PART)
        if title is not None and name == "_rels/.rels":
            got = _without(mine[name], "Target", PROVENANCE_PART)
        assert got == expected, name


def _what_a_reader_sees(docx: bytes) -> tuple[list[str], list[list[list[str]]]]:
    document = Document(io.BytesIO(docx))
    paragraphs = [p.text for p in document.paragraphs]
    tables = [[[cell.text for cell in row.cells] for row in table.rows] for table in document.tables]
    return paragraphs, tables


# Offices whose free text carries what an escaping difference would show: the HOSTILE strings of the fast
# render tests, and & < > " ' with CJK and emoji (outside the BMP too) in one line.
HOSTILE_TEXT = [*HOSTILE, "甲&乙 <丙> \"丁\" '戊' 😀👍🏻 𠀀 混排 & < > \" ' 完"]
HOSTILE_FIELDS = ("标题: 泸州市龙马潭区红星街道2024年政府信息公开工作年度报告（示例数据）", "联系机构: 红星街道党政办",
                  "地址: 泸州市龙马潭区红星街道春雨路26号")


def _hostile_office(folder: Path, text: str) -> Path:
    """红星街道 with `text` as its 标题, 联系机构 and 地址 and its （三）政府信息管理情况."""
    shutil.copy(DISTRICT / DEFAULTS_FILE, folder / DEFAULTS_FILE)
    data = (DISTRICT / "红星街道.yaml").read_text(encoding="utf-8")
    quoted = json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar
    for field in HOSTILE_FIELDS:
        assert data.count(field) == 1
        data = data.replace(field, f"{field.split(':')[0]}: {quoted}")
    data, replaced = re.subn(r"(  （三）政府信息管理情况:) \|\n    .*\n", lambda m: f"{m.group(1)} {quoted}\n", data)
    assert replaced == 1
    path = folder / "红星街道.yaml"
    path.write_text(data, encoding="utf-8")
    return path


# The bundled template with placeholders in its core properties: 标题 and 主题 (which docxtpl renders) and
# 关键词 and 类别 (which it does not). Values without & < > only: docxtpl renders a property's text with the
# escaping environment and python-docx escapes the result again (nianbao escapes once, see
# test_core_properties).
PROPERTIES_TEMPLATE = {
    "<dc:title>政府信息公开工作年度报告模板</dc:title>": "<dc:title>{{ 机关 }}{{ 年度 }}年度报告</dc:title>",
    "<dc:subject>国办公开办函〔2021〕30号格式</dc:subject>": "<dc:subject>{{ 地区 }}{{ 机关 }}（{{ 年度 }}年）</dc:subject>",
    "<cp:keywords>政府信息公开;年度报告</cp:keywords>": "<cp:keywords>{{ 机关 }};{% if 年度 %}{{ 年度 }}{% endif %}</cp:keywords>",
    "<cp:category></cp:category>": "<cp:category>{{ 机关类型 }}</cp:category>",
}
DOCXTPL_SKIPPED_PROPERTIES = ("category", "content_status", "keywords", "last_modified_by", "version")


def properties_template(folder: Path) -> Path:
    """A copy of the bundled template folder whose core properties hold PROPERTIES_TEMPLATE's placeholders."""
    shutil.copytree(ROOT / "templates" / "official-2021", folder)
    replace_in_member(folder / "template.docx", "docProps/core.xml", PROPERTIES_TEMPLATE)
    return folder


def replace_in_member(docx: Path, member: str, replacements: dict[str, str]) -> None:
    """Rewrite `docx` with each old text of `replacements` (found exactly once) in its `member` replaced."""
    with zipfile.ZipFile(docx) as source:
        items = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(docx, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in items:
            if info.filename == member:
                text = data.decode("utf-8")
                for old, new in replacements.items():
                    assert text.count(old) == 1, old
                    text = text.replace(old, new)
                data = text.encode("utf-8")
            target.writestr(info, data)


_EQUALITY_CASES = [*((p, False) for p in SAMPLE_OFFICES), *((i, False) for i in range(len(HOSTILE_TEXT))),
                   *((p, True) for p in SAMPLE_OFFICES[:4]), (0, True), (len(HOSTILE_TEXT) - 1, True)]


@pytest.mark.parametrize(("data", "properties"), _EQUALITY_CASES,
                         ids=[(p.stem if isinstance(p, Path) else f"hostile{p}") + ("-properties" if t else "")
                              for p, t in _EQUALITY_CASES])
def test_fast_path_equals_a_fresh_plain_docxtpl_render(data, properties, tmp_path):
    hostile = HOSTILE_TEXT[data] if isinstance(data, int) else None
    path = _hostile_office(tmp_path, hostile) if hostile is not None else data
    template = properties_template(tmp_path / "properties") if properties else None
    report, problems = load_report(path, defaults=[path.parent / DEFAULTS_FILE], template=template)
    assert report is not None and not [p for p in problems if p.is_error]
    assert not [p for p in check_report(report) if p.is_error]
    plain = DocxTemplate(str(report.spec.docx))
    plain.render(build_context(report), jinja_env=jinja_environment(), autoescape=True)
    for name in DOCXTPL_SKIPPED_PROPERTIES:  # what docxtpl's render_properties does to its six, to the others
        text = getattr(plain.docx.core_properties, name)
        rendered = jinja_environment().from_string(text).render(build_context(report))
        if rendered != text:  # set, python-docx would add an empty element for a property the template lacks
            setattr(plain.docx.core_properties, name, rendered)
    if properties:
        core = plain.docx.core_properties
        assert "{" not in core.title + core.subject + core.keywords + core.category
        assert core.keywords == f"{report.facts['机关']};{report.facts['年度']}"
    buffer = io.BytesIO()
    plain.save(buffer)
    fast = compiled_template(report.spec.docx).render(build_context(report))
    seen = _what_a_reader_sees(fast)
    assert seen == _what_a_reader_sees(buffer.getvalue())
    assert _body_c14n(fast) == _body_c14n(buffer.getvalue())
    assert_same_package(fast, buffer.getvalue(), report.spec.docx, title=None)
    assert_same_package(render_report(report), buffer.getvalue(), report.spec.docx, title=report.facts["标题"])
    if hostile is not None:  # the hostile text reached the page, as text
        assert any(hostile.split("\n")[0].replace("\t", "") in "".join(line.split("\t")) for line in seen[0])


# --- no Word edit lost -----------------------------------------------------------------------------------


def _edit_as_word_would(path: Path) -> None:
    document = Document(str(path))
    document.tables[1].cell(3, 3).text = "改过的数"
    document.save(str(path))


def test_a_rebuild_skips_a_report_edited_in_word_and_force_replaces_it(tmp_path):
    out = tmp_path / "out"
    assert run("build", str(DISTRICT), "-o", str(out), "-j", "1").exit_code == 0
    edited = out / REPORT.format("莲花池街道")
    untouched = out / REPORT.format("红星街道")
    _edit_as_word_would(edited)
    assert output_state(edited) is OutputState.EDITED
    assert output_state(untouched) is OutputState.UNCHANGED
    before = untouched.stat().st_mtime_ns

    result = run("build", str(DISTRICT), "-o", str(out), "-j", "2")
    assert result.exit_code == 4, result.stderr  # a script can tell that a report is stale
    assert result.stderr.rstrip().splitlines()[-1].startswith("注意：有 1 份报告生成后被修改过或不是本工具生成，已跳过")
    assert f"已跳过：{edited} 生成后被修改过（有人用 Word 编辑或保存过），为免丢失修改未覆盖；" in result.stderr
    assert "共 13 个机关：已生成 12，已跳过 1" in result.stdout
    assert "改过的数" in [c.text for row in Document(str(edited)).tables[1].rows for c in row.cells]
    assert untouched.stat().st_mtime_ns != before  # unchanged outputs are regenerated
    rows = list(load_workbook(out / SUMMARY_FILE)[SUMMARY_SHEET].iter_rows(values_only=True))
    assert [r[1] for r in rows if r[0] == "莲花池街道"] == ["已跳过"]

    result = run("build", str(DISTRICT), "-o", str(out), "--force")
    assert result.exit_code == 0
    assert "已跳过" not in result.stderr
    assert output_state(edited) is OutputState.UNCHANGED
    assert "改过的数" not in [c.text for row in Document(str(edited)).tables[1].rows for c in row.cells]


def test_a_single_file_rebuild_keeps_a_file_nianbao_did_not_make(tmp_path):
    out = tmp_path / "out"
    target = out / REPORT.format("红星街道")
    out.mkdir()
    Document().save(str(target))  # someone's own document under the report's name
    assert output_state(target) is OutputState.FOREIGN
    result = run("build", str(DISTRICT / "红星街道.yaml"), "-o", str(out))
    assert result.exit_code == 4
    assert result.stderr.startswith(f"已跳过：{target} 不是 nianbao 生成的文件（或其中的生成记录已被删除）")
    assert result.stdout == ""
    assert run("build", str(DISTRICT / "红星街道.yaml"), "-o", str(out), "-f").exit_code == 0
    assert output_state(target) is OutputState.UNCHANGED


def test_a_long_terminal_summary_lists_the_offices_needing_attention_and_the_totals():
    import io

    from nianbao.batch import OfficeOutcome, Status
    from nianbao.problems import Location, warning
    from nianbao.summary import TERMINAL_ROWS, print_summary

    outcomes = [OfficeOutcome(Path(f"{i}.yaml"), f"{i}.yaml", f"机关{i:04d}", Status.BUILT, {"新收": 1})
                for i in range(TERMINAL_ROWS * 3)]
    outcomes[7].problems = [warning(Location("7.yaml", 3), "示例警告")]
    outcomes[9].status = Status.SKIPPED
    out = io.StringIO()
    print_summary(outcomes, file=out)
    text = out.getvalue()
    assert "机关0007" in text and "机关0009" in text
    assert "机关0001" not in text  # built without problems: only in the spreadsheet
    assert f"共 {TERMINAL_ROWS * 3} 个机关" in text
    caption = "".join(text.split())  # the caption wraps to the table's width
    assert "只列出需要注意的2个机关" in caption and f"其余{TERMINAL_ROWS * 3 - 2}个见年报汇总.xlsx" in caption
    assert f"合计（{TERMINAL_ROWS * 3}）" in text and f" {TERMINAL_ROWS * 3} " in text.split("合计")[1]


def test_a_forced_replacement_does_not_read_the_file_it_replaces(tmp_path, monkeypatch):
    """With --force an existing output is replaced whatever it holds: its parts are not inflated and hashed to
    find out (a rebuild with --force of a district read every old report in full for nothing); a folder
    standing there is still refused."""
    from nianbao import guard
    from nianbao.errors import FileTrouble, OutputProtected

    target = tmp_path / "报告.docx"
    target.write_bytes(b"not a docx, typed by someone")
    with pytest.raises(OutputProtected):
        guard.ensure_replaceable(target)
    read: list[object] = []
    monkeypatch.setattr(guard, "read_bytes", lambda *args, **kwargs: read.append(args) or b"")
    assert guard.ensure_replaceable(target, force=True) is guard.OutputState.FOREIGN  # replaced, not looked into
    assert guard.ensure_replaceable(tmp_path / "新的.docx", force=True) is guard.OutputState.NEW
    assert not read
    folder = tmp_path / "文件夹.docx"
    folder.mkdir()
    with pytest.raises(FileTrouble):
        guard.ensure_replaceable(folder, force=True)


def test_the_guard_knows_the_template_members_of_an_existing_report_without_inflating_them(tmp_path, monkeypatch):
    """A rebuild's overwrite check of an existing report takes the template's members by their stored bytes
    (the same deflated bytes as the template packs into every report: the same part): only the parts that
    differ between reports are inflated and hashed. The verdict is the one of reading every part: an edited
    member is still found edited, a member stored otherwise (re-deflated) with the same content unchanged."""
    from collections.abc import Callable
    from typing import Any

    from nianbao import guard
    from nianbao.pipeline import write_report

    result = check_file(DISTRICT / "双加镇.yaml")
    assert result.report is not None
    target = write_report(result, tmp_path)
    known = compiled_template(result.report.spec.docx).known_members  # asked for when needed
    inflated: list[str] = []
    real = guard.read_zip_parts

    def watched(*args: Any, **kwargs: Any) -> dict[str, bytes]:
        parts = real(*args, **kwargs)
        inflated.extend(parts)
        return parts

    monkeypatch.setattr(guard, "read_zip_parts", watched)
    assert guard.output_state(target, known) is OutputState.UNCHANGED
    assert "word/document.xml" in inflated and "word/styles.xml" not in inflated and "word/theme/theme1.xml" not in inflated
    assert guard.output_state(target) is OutputState.UNCHANGED  # without: every part read, the same verdict

    def rewritten(change: Callable[[str, bytes], bytes], level: int = 6) -> Path:
        with zipfile.ZipFile(target) as source:
            parts = [(info.filename, source.read(info)) for info in source.infolist()]
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
            for name, data in parts:
                archive.writestr(name, change(name, data))
        path = tmp_path / f"{len(list(tmp_path.iterdir()))}.docx"
        path.write_bytes(buffer.getvalue())
        return path

    edited = rewritten(lambda name, data: data.replace(b"</w:styles>", b"<!-- x --></w:styles>")
                       if name == "word/styles.xml" else data)
    assert guard.output_state(edited, known) is OutputState.EDITED
    restored = rewritten(lambda name, data: data, level=1)  # the same parts, deflated otherwise
    inflated.clear()
    assert guard.output_state(restored, known) is OutputState.UNCHANGED
    assert "word/styles.xml" in inflated


def test_a_kept_report_is_said_before_a_template_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The overwrite check comes first, as it always did: an edited or foreign report standing there is said
    (add --force) even when the template is in error, and a foreign one does not compile the template."""
    from nianbao import render
    from nianbao.errors import OutputProtected, TemplateTrouble
    from nianbao.pipeline import write_report

    result = check_file(DISTRICT / "双加镇.yaml")
    assert result.report is not None
    target = write_report(result, tmp_path)
    with zipfile.ZipFile(target) as source:
        parts = [(info.filename, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts:
            archive.writestr(name, data.replace(b"</w:styles>", b"<!-- x --></w:styles>"))
    compiled: list[Path] = []

    def broken(docx: Path) -> object:
        compiled.append(docx)
        raise TemplateTrouble("模板有误")

    monkeypatch.setattr(render, "compiled_template", broken)
    with pytest.raises(OutputProtected, match="生成后被修改过.*为免丢失修改未覆盖"):
        write_report(result, tmp_path)
    target.write_bytes(b"not nianbao's")
    compiled.clear()
    with pytest.raises(OutputProtected, match="不是 nianbao 生成的文件"):
        write_report(result, tmp_path)
    assert compiled == []
    with pytest.raises(TemplateTrouble):
        write_report(result, tmp_path, force=True)


def test_a_known_member_whose_local_header_names_another_file_is_refused(tmp_path: Path) -> None:
    """A member taken by its stored bytes still has its local header checked as zipfile checks it on opening:
    a header naming another file than the central directory's entry makes the file foreign, as when read."""
    from nianbao.pipeline import write_report

    result = check_file(DISTRICT / "双加镇.yaml")
    assert result.report is not None
    target = write_report(result, tmp_path)
    known = compiled_template(result.report.spec.docx).known_members
    assert output_state(target, known) is OutputState.UNCHANGED
    data = target.read_bytes()
    with zipfile.ZipFile(target) as archive:
        at = archive.getinfo("word/styles.xml").header_offset
    assert data[at + 30 : at + 45] == b"word/styles.xml"
    crafted = tmp_path / "crafted.docx"
    crafted.write_bytes(data[: at + 30] + b"word/stylez.xml" + data[at + 45 :])
    assert output_state(crafted) is OutputState.FOREIGN  # read the usual way: zipfile refuses it
    assert output_state(crafted, known) is OutputState.FOREIGN
