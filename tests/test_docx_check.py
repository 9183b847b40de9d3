"""`check REPORT.docx`: the tables and parts read from the document itself, the same rules as on YAML,
and — for a report nianbao built — exactly what was changed after generation."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document

from nianbao import build_file
from nianbao.cli import cli
from nianbao.docx_check import CHANGE_RULE, check_document
from nianbao.problems import Kind, Location, Severity, warning
from nianbao.report_reader import read_report

from .handmade import make_report

REPORT = "安宁街道2024年政府信息公开工作年度报告.docx"
T3_BALANCED = {
    "一、本年新收政府信息公开申请数量": [5, 1, 0, 0, 0, 0, 6],
    "二、上年结转政府信息公开申请数量": [1, 0, 0, 0, 0, 0, 1],
    "（一）予以公开": [3, 1, 0, 0, 0, 0, 4],
    "1.本机关不掌握相关政府信息": [2, 0, 0, 0, 0, 0, 2],
    "（七）总计": [5, 1, 0, 0, 0, 0, 6],
    "四、结转下年度继续办理": [1, 0, 0, 0, 0, 0, 1],
}
APPLIED = "本年新收政府信息公开申请6件，上年结转1件，办结6件，其中予以公开4件，占比67%。被申请行政复议1件。"


@pytest.fixture
def built(variant, tmp_path: Path) -> Path:
    """The seed office built by nianbao into out/ (messages name files relative to tmp_path)."""
    _, target = build_file(variant.write(), out_dir=tmp_path / "out")
    return target


def formatted(problems, rule=None):
    return [p.format().split("\n")[0] for p in problems if rule is None or p.rule == rule]


def test_unedited_build_passes_clean(built):
    result = check_document(built)
    assert formatted(result.problems) == []
    assert result.ok


def test_word_edits_are_listed_with_the_rules_they_break(built):
    document = Document(str(built))
    table3 = document.tables[1]
    table3.rows[3].cells[3].paragraphs[0].runs[0].text = "3"  # 一、本年新收 · 自然人
    label = table3.rows[7].cells[2].paragraphs[0]  # 1.属于国家秘密
    label.runs[0].text = "1.属于国家机密"
    for run in label.runs[1:]:
        run.text = ""
    fee = next(p for p in document.paragraphs if p.text == "本年度未收取信息处理费。")
    fee._p.getparent().remove(fee._p)
    document.save(str(built))

    result = check_document(built)
    doc = "out/" + REPORT
    assert formatted(result.problems, CHANGE_RULE) == [
        f"{doc} 表三「一、本年新收政府信息公开申请数量」行「自然人」栏 警告：生成后改动过："
        "表三「一、本年新收政府信息公开申请数量」行「自然人」栏由 0 改为 3",
        f"{doc} 表三「（三）不予公开 1.属于国家秘密」行 警告：生成后改动过：表三的行名「1.属于国家秘密」改为「1.属于国家机密」",
        f"{doc} 「六、其他需要报告的事项」第1段 警告：生成后删除了这一段：“本年度未收取信息处理费。”",
    ]
    others = [(p.rule, p.format().split("\n")[0]) for p in result.problems if p.rule != CHANGE_RULE]
    assert others == [
        ("", f"{doc} 「六、其他需要报告的事项」标题 错误：「六、其他需要报告的事项」是空的"),
        ("旧格式和改动的栏目", f"{doc} 表三「1.属于国家机密」行 警告：表三的行名「1.属于国家机密」不是官方名称，"
                               "读作「（三）不予公开 1.属于国家秘密」"),
        ("表三纵向勾稽", f"{doc} 表三「一、本年新收政府信息公开申请数量」行「自然人」栏 错误："
                        "表三「自然人」列：第一项+第二项=3，第三项（七）总计+第四项=0"),
        ("表三行合计", f"{doc} 表三「一、本年新收政府信息公开申请数量」行「总计」栏 错误："
                      "表三「一、本年新收政府信息公开申请数量」行：总计应为自然人与法人或其他组织各列之和 3，实际填写 0"),
        ("信息处理费说明", f"{doc} 「六、其他需要报告的事项」标题 警告：第六部分「其他需要报告的事项」没有说明信息处理费的收取情况"),
    ]
    data_line = next(p.hint for p in result.problems if "由 0 改为 3" in p.message)
    assert data_line.startswith("数据文件 安宁街道.yaml:48 中是 0；")


def test_changed_paragraph_shows_the_changed_words(built):
    document = Document(str(built))
    paragraph = next(p for p in document.paragraphs if p.text.startswith("2024年，未收到"))
    for run in paragraph.runs:
        run.text = run.text.replace("未收到", "收到3件")
    document.save(str(built))
    changes = formatted(check_document(built).problems, CHANGE_RULE)
    assert changes == [
        f"out/{REPORT} 「一、总体情况（二）依申请公开情况」第1段 警告：生成后改动过这一段："
        "原为“2024年，未收到公民、组织、法人…”，现为“2024年，收到3件公民、组织、法人…”"
    ]


def test_data_file_changed_or_gone_since_generation(built, variant):
    variant.replace("本年度未收取信息处理费。", "本年度未收取信息处理费，未发出收费通知。").write()
    result = check_document(built)
    assert formatted(result.problems, CHANGE_RULE) == [
        f"out/{REPORT} 警告：数据文件 安宁街道.yaml 在生成这份报告之后改动过，下面按现在的数据文件列出不同之处",
        f"out/{REPORT} 「六、其他需要报告的事项」第1段 警告：生成后改动过这一段："
        "原为“…未收取信息处理费，未发出收费通知。”，现为“…未收取信息处理费。”",
    ]
    Path("安宁街道.yaml").unlink()
    gone = formatted(check_document(built).problems)
    assert gone == [
        f"out/{REPORT} 警告：找不到生成这份报告所用的数据文件 安宁街道.yaml"
        "（记录的位置是相对报告所在文件夹的 ../安宁街道.yaml），无法列出生成后的修改"
    ]


def test_data_and_output_folders_moved_together_still_match(built, tmp_path):
    moved = tmp_path / "移动后"
    moved.mkdir()
    (tmp_path / "安宁街道.yaml").rename(moved / "安宁街道.yaml")
    (tmp_path / "out").rename(moved / "out")
    result = check_document(moved / "out" / REPORT)
    assert formatted(result.problems) == []


def test_data_moved_elsewhere_is_named_with_data_option(built, tmp_path):
    elsewhere = tmp_path / "别处"
    elsewhere.mkdir()
    (tmp_path / "安宁街道.yaml").rename(elsewhere / "安宁街道.yaml")
    lost = formatted(check_document(built).problems)
    assert len(lost) == 1 and "用 --data 数据文件 指出" in check_document(built).problems[0].format()
    assert formatted(check_document(built, data=elsewhere / "安宁街道.yaml").problems) == []
    result = CliRunner().invoke(cli, ["check", str(built), "--data", str(elsewhere / "安宁街道.yaml")])
    assert result.exit_code == 0, result.output
    assert "找不到生成这份报告所用的数据文件" not in result.output


def test_handmade_report_in_official_layout_is_read_and_checked(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = make_report(tmp_path / "南城街道.docx", t3=T3_BALANCED, t4=[1, 0, 0, 0, 1] + [0] * 10,
                       part1=("本年度依法主动公开政府信息。", APPLIED))
    result = check_document(path)
    assert formatted(result.problems) == []
    report = result.report
    assert report is not None
    assert report.facts["机关"] == "南城街道" and report.facts["邮编"] == "646000"
    assert report.value("表三", "新收", "总计") == 6
    assert report.value("表三", "不掌握", "自然人") == 2
    assert report.value("表四", "行政复议", "结果维持") == 1
    assert str(report.cells[("表三", "国家秘密", "自然人")].location) == \
        "南城街道.docx 表三「（三）不予公开 1.属于国家秘密」行「自然人」栏"


def test_handmade_report_unbalanced_and_text_contradicting(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    t3 = {**T3_BALANCED, "四、结转下年度继续办理": [0, 0, 0, 0, 0, 0, 0]}
    path = make_report(tmp_path / "南城街道.docx", t3=t3, part1=("本年度依法主动公开政府信息。", APPLIED))
    assert formatted(check_document(path).problems) == [
        "南城街道.docx 表三「一、本年新收政府信息公开申请数量」行「自然人」栏 错误："
        "表三「自然人」列：第一项+第二项=6，第三项（七）总计+第四项=5",
        "南城街道.docx 表三「一、本年新收政府信息公开申请数量」行「总计」栏 错误："
        "表三「总计」列：第一项+第二项=7，第三项（七）总计+第四项=6",
        "南城街道.docx 「一、总体情况（二）依申请公开」第1段 警告：正文“行政复议1件”与表格不一致：表四「行政复议」行「总计」栏为 0",
    ]


def test_handmade_report_in_2019_layout_is_named_outdated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = check_document(make_report(tmp_path / "旧格式.docx", layout="2019"))
    outdated = formatted(result.problems, "旧格式和改动的栏目")
    # One verdict naming the edition comes first; what follows from the other format stays listed, as warnings.
    assert outdated[0].startswith("旧格式.docx 错误：这是 2019 年试行格式的年度报告")
    assert sum(p.is_error for p in result.problems) == 1
    assert outdated[1:] == [
        f"旧格式.docx 表二「{term}」 警告：表二中的「{term}」是2019年试行格式的栏目，现行格式（国办公开办函〔2021〕30号）应为「{use}」"
        for term, use in [("本年新制作数量", "本年制发件数"), ("本年新公开数量", "本年制发件数"),
                          ("对外公开总数量", "现行有效件数"), ("规范性文件", "行政规范性文件"),
                          ("第二十条第（九）项", "第二十条第（八）项")]
    ]
    assert "旧格式.docx 表二 警告：表二缺少「第二十条第（五）项 行政许可」行" in formatted(result.problems)
    assert not result.ok


def test_renamed_part_heading_and_blank_cell(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = make_report(tmp_path / "南城街道.docx")
    document = Document(str(path))
    heading = next(p for p in document.paragraphs if p.text == "六、其他需要报告的事项")
    heading.runs[0].text = "六、其他事项"
    document.tables[2].rows[3].cells[0].paragraphs[0].runs[0].text = ""
    document.save(str(path))
    assert formatted(check_document(path).problems) == [
        "南城街道.docx 「六、其他需要报告的事项」标题 警告：第六部分的标题是「六、其他事项」，官方格式为「六、其他需要报告的事项」",
        "南城街道.docx 表四「行政复议」行「结果维持」栏 错误：表四「行政复议」行「结果维持」栏是空的",
        "南城街道.docx 表四「行政复议」行「结果维持」栏 警告：表四「行政复议」行「结果维持」栏没有可用的数（见上面的错误），"
        "用到它的 1 项核对没有做：表四合计（「行政复议」行）",
    ]


def test_missing_table_is_an_error_in_a_finished_report_and_a_to_do_in_an_import(built):
    document = Document(str(built))
    table4 = document.tables[2]._tbl
    table4.getparent().remove(table4)
    document.save(str(built))

    checked = [p for p in check_document(built).problems if p.kind is Kind.MISSING_TABLE]
    imported = [p for p in read_report(built).problems if p.kind is Kind.MISSING_TABLE]

    assert [(p.severity, p.message, p.hint) for p in checked] == [
        (Severity.ERROR, "没有找到表四「四、政府信息公开行政复议、行政诉讼情况」", "按官方格式插入这张表格（Word 表格，不能是图片）"),
    ]
    assert [(p.severity, p.message, p.hint) for p in imported] == [
        (Severity.WARNING, "没有找到表四「四、政府信息公开行政复议、行政诉讼情况」",
         "按官方格式插入这张表格（Word 表格，不能是图片）；导入时这张表写作“缺失”"),
    ]


@pytest.fixture
def read_with_letterhead(tmp_path):
    """A report read with a line above its title that belongs to no part (a letterhead)."""
    source = tmp_path / "r.txt"
    source.write_text("某某区人民政府\n某某街道办事处2024年政府信息公开工作年度报告\n一、总体情况\n正文。\n",
                      encoding="utf-8")
    return read_report(source)


@pytest.mark.parametrize("said", [
    "生成这份报告之后模板「区模板」更新过，固定文字的不同可能来自模板",
    "模板「区模板」在生成之后改过",  # the words may change: the finding is known by its kind
])
def test_text_above_the_title_is_folded_into_the_template_change(read_with_letterhead, said):
    from nianbao.docx_check import _fold_into_template_change

    read = read_with_letterhead
    assert [p.message for p in read.problems if p.kind is Kind.BEFORE_TITLE] == [
        "标题之前的文字“某某区人民政府”不属于报告的任何部分，已略过"]
    changes = [warning(Location("r.docx"), said, kind=Kind.TEMPLATE_CHANGED)]
    folded = _fold_into_template_change(read, changes)
    assert folded == [p for p in read.problems if p.kind is not Kind.BEFORE_TITLE] and folded
    assert changes[0].message == said + "；标题之前的“某某区人民政府”是原模板的文字"


def test_a_change_not_of_the_template_takes_no_stray_text(read_with_letterhead):
    from nianbao.docx_check import _fold_into_template_change

    changes = [warning(Location("r.docx"), "生成这份报告之后模板被人提起过")]  # the words, not the kind
    assert _fold_into_template_change(read_with_letterhead, changes) == read_with_letterhead.problems
    assert changes[0].message == "生成这份报告之后模板被人提起过"


@pytest.fixture
def inflations(monkeypatch):
    """Counts, for the bytes of one file, how often a zip archive is opened over them and how often each
    of its members is inflated."""
    import io
    import zipfile
    from collections import Counter

    seen: dict[str, object] = {"bytes": None, "archives": 0, "members": Counter()}
    opened, init = zipfile.ZipFile.open, zipfile.ZipFile.__init__

    def watched_init(self, file, *args, **kwargs):
        init(self, file, *args, **kwargs)
        self._watched = isinstance(file, io.BytesIO) and file.getvalue() == seen["bytes"]
        seen["archives"] += self._watched

    def watched_open(self, name, *args, **kwargs):
        if getattr(self, "_watched", False):
            seen["members"][getattr(name, "filename", name)] += 1
        return opened(self, name, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "__init__", watched_init)
    monkeypatch.setattr(zipfile.ZipFile, "open", watched_open)
    return seen


@pytest.mark.parametrize("step", ["check", "import", "overwrite guard"])
def test_each_part_of_the_report_is_inflated_once(built, tmp_path, inflations, step):
    from nianbao.guard import OutputState, output_state
    from nianbao.importer import import_report

    inflations["bytes"] = built.read_bytes()
    if step == "check":
        assert check_document(built).ok
    elif step == "import":
        assert import_report(built, tmp_path / "导入.yaml").report.facts["机关"] == "安宁街道"
    else:
        assert output_state(built) is OutputState.UNCHANGED
    assert inflations["archives"] == 1
    assert "docProps/custom.xml" in inflations["members"] and "word/document.xml" in inflations["members"]
    assert max(inflations["members"].values()) == 1, inflations["members"]


def test_merged_cells_are_read_once_from_the_grid(built):
    read = read_report(built)
    assert read.row_labels[("表三", "逾期未缴费")] == (
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请")
    assert len(read.report.cells) == 200 and not read.report.invalid_cells


def test_cli_check_routes_docx_and_exits_3_on_errors(built, tmp_path):
    runner = CliRunner()
    clean = runner.invoke(cli, ["check", str(built)], prog_name="nianbao")
    assert clean.exit_code == 0, clean.stderr
    Document(str(built)).save(str(tmp_path / "copy.docx"))
    document = Document(str(built))
    document.tables[2].rows[3].cells[4].paragraphs[0].runs[0].text = "5"
    document.save(str(built))
    failed = runner.invoke(cli, ["check", str(built)], prog_name="nianbao")
    assert failed.exit_code == 3
    assert "表四「行政复议」：总计应为结果维持、结果纠正、其他结果、尚未审结之和 0，实际填写 5" in failed.stderr
