"""An honest import result: what the source did not say is a to-do (rule 待补), never an invented value.

A fact the import could not find is written 【待补】; a table the source did not have is written 缺失. `check`
lists each once as 待补 (a warning, not an error); a year cannot be pending; a report with a table still
缺失 is not built.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nianbao import build_file, check_file
from nianbao.errors import ChecksFailed
from nianbao.problems import Kind

TABLE_FOUR = """四、政府信息公开行政复议、行政诉讼情况:
  # 每项 5 个数，依次为：结果维持、结果纠正、其他结果、尚未审结、总计
  行政复议: [0, 0, 0, 0, 0]
  行政诉讼:
    未经复议直接起诉: [0, 0, 0, 0, 0]
    复议后起诉: [0, 0, 0, 0, 0]
"""


def test_pending_fact_is_one_to_do_and_the_report_still_builds(variant, tmp_path: Path) -> None:
    path = variant.replace("  网址: www.longmatan.gov.cn", "  网址: 【待补】").write()
    result = check_file(path)
    assert not result.errors
    to_do = [p for p in result.problems if p.rule == "待补"]
    assert [p.message for p in to_do] == ["「基本信息」的「网址」待补：导入的原报告中没有读出"]
    assert to_do[0].location.line == variant.line_of("网址: 【待补】")
    _, docx = build_file(path, out_dir=tmp_path / "out")
    assert docx.is_file()  # the placeholder is printed, visibly, where the address goes


def test_pending_postcode_is_not_a_malformed_postcode(variant) -> None:
    result = check_file(variant.replace("  邮编: 646000", "  邮编: 【待补】").write())
    assert not result.errors and any(p.rule == "待补" and "邮编" in p.message for p in result.problems)


def test_a_year_cannot_be_pending(variant) -> None:
    result = check_file(variant.replace("  年度: 2024", "  年度: 【待补】").write())
    assert [p.message for p in result.errors] == ["「基本信息」的「年度」待补：导入的原报告中没有读出年度，没有年度无法核对和生成"]


def test_absent_table_is_one_line_and_its_rules_are_skipped(variant) -> None:
    path = variant.replace(TABLE_FOUR, "四、政府信息公开行政复议、行政诉讼情况: 缺失\n").write()
    result = check_file(path)
    assert not result.errors
    assert result.report is not None and result.report.absent_tables == {"表四"}
    lines = [p for p in result.problems if "表四" in p.message]
    assert len(lines) == 1 and lines[0].rule == "待补"
    assert lines[0].message.startswith("表四「四、政府信息公开行政复议、行政诉讼情况」待补：数据文件中写作“缺失”")
    assert "表四合计" in lines[0].message and "正文说法与表格一致" in lines[0].message
    assert lines[0].location.line == variant.line_of("四、政府信息公开行政复议、行政诉讼情况: 缺失")


def test_absent_table_still_lets_the_other_tables_be_checked(variant) -> None:
    path = variant.replace(TABLE_FOUR, "四、政府信息公开行政复议、行政诉讼情况: 缺失\n") \
        .replace("  一、本年新收政府信息公开申请数量: [0, 0, 0, 0, 0, 0, 0]",
                 "  一、本年新收政府信息公开申请数量: [1, 0, 0, 0, 0, 0, 1]").write()
    result = check_file(path)
    assert any(p.rule == "表三纵向勾稽" for p in result.errors)


def test_a_report_with_an_absent_table_is_not_built(variant, tmp_path: Path) -> None:
    path = variant.replace(TABLE_FOUR, "四、政府信息公开行政复议、行政诉讼情况: 缺失\n").write()
    with pytest.raises(ChecksFailed, match="表四待补（写作“缺失”），缺表的报告不能生成") as raised:
        build_file(path, out_dir=tmp_path / "out")
    assert [p.rule for p in raised.value.problems] == ["待补"] and raised.value.problems[0].is_error
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_import_marks_a_table_the_source_lacks_instead_of_writing_zeros(tmp_path: Path) -> None:
    from nianbao.importer import import_report

    source = tmp_path / "r.txt"
    source.write_text("某某街道办事处2024年政府信息公开工作年度报告\n一、总体情况\n正文。\n", encoding="utf-8")
    result = import_report(source, tmp_path / "r.yaml")
    text = (tmp_path / "r.yaml").read_text(encoding="utf-8")
    assert "二、主动公开政府信息情况: 缺失" in text and "四、政府信息公开行政复议、行政诉讼情况: 缺失" in text
    assert "[0, 0, 0, 0, 0]" not in text
    assert "网址: 【待补】   # 原报告中没有读出，请补填" in text
    assert not [p for p in result.data_problems if p.is_error]
    absent = [p for p in result.data_problems if p.rule == "待补" and "写作“缺失”" in p.message]
    assert [p.message[:2] for p in absent] == ["表二", "表三", "表四"]


def test_a_number_not_read_is_written_as_placeholder_and_blocks_the_build(variant, tmp_path: Path) -> None:
    path = variant.replace("  行政复议: [0, 0, 0, 0, 0]", "  行政复议: [0, 【待补】, 0, 0, 0]").write()
    result = check_file(path)
    assert not result.errors
    to_do = [p for p in result.problems if p.rule == "待补"]
    assert [p.message for p in to_do] == ["表四「行政复议」行待补：有导入时没有读出的数（写作“【待补】”）"]
    assert not any("无法核对" in p.message for p in result.problems)  # the sums wait silently for the number
    with pytest.raises(ChecksFailed, match="表格中还有待补的数"):
        build_file(path, out_dir=tmp_path / "out")


def test_import_writes_an_unreadable_row_as_placeholders_not_zeros(tmp_path: Path) -> None:
    from nianbao.importer import import_report
    from tests.conftest import SEED_TEXT

    text = SEED_TEXT.read_text(encoding="utf-8").replace(
        "1.属于国家秘密 | 0 | 0 | 0 | 0 | 0 | 0 | 0", "1.属于国家秘密 | 0 | 0 | 0 | 0 | 0")
    assert "1.属于国家秘密 | 0 | 0 | 0 | 0 | 0 |" in text  # numbers missing: the row cannot be placed
    source = tmp_path / "r.txt"
    source.write_text(text, encoding="utf-8")
    import_report(source, tmp_path / "r.yaml")
    written = (tmp_path / "r.yaml").read_text(encoding="utf-8")
    assert "1.属于国家秘密: [【待补】, 【待补】, 【待补】, 【待补】, 【待补】, 【待补】, 【待补】]" in written


def test_a_part_still_to_be_written_gets_only_its_to_do(variant) -> None:
    result = check_file(variant.replace("  本年度未收取信息处理费。", "  【待补】").write())
    assert [(p.rule, p.message) for p in result.problems] == [
        ("待补", "「六、其他需要报告的事项」待补：导入的原报告中没有这一部分的文字")]


def test_a_blocked_build_lists_the_pending_table_rows_and_not_the_pending_facts(variant, tmp_path: Path) -> None:
    # The build lists what keeps it from writing the report: each table row still 【待补】, by its kind, and
    # not the other to-dos (a fact still 【待补】 does not block the build).
    path = variant.replace("  行政复议: [0, 0, 0, 0, 0]", "  行政复议: [0, 【待补】, 0, 0, 0]") \
        .replace("  网址: www.longmatan.gov.cn", "  网址: 【待补】").write()
    with pytest.raises(ChecksFailed) as raised:
        build_file(path, out_dir=tmp_path / "out")
    listed = raised.value.problems
    assert [p.message for p in listed] == ["表四「行政复议」行待补：有导入时没有读出的数（写作“【待补】”）"]
    assert all(p.is_error and p.kind is Kind.PENDING for p in listed)


def test_the_to_do_kind_is_named_for_what_it_marks() -> None:
    """Kind.PENDING marks every to-do (a table written 缺失, a number written 【待补】), not only tables."""
    assert Kind.PENDING.value == "pending"
    assert not hasattr(Kind, "PENDING_TABLE")
