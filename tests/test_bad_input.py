"""Bad input: each case gets a Chinese message with file:line and how to fix it, and no file is written."""

from __future__ import annotations

from pathlib import Path

import pytest
from docx import Document

from nianbao import FileTrouble, build_file, check_file
from nianbao.values import chinese_number


def messages(path: Path) -> list[str]:
    return [f"{p.location} {p.severity.value}：{p.message}" for p in check_file(path).problems]


NUMBER_CASES = [
    ("12件", "“12件”不是纯数字"),
    ("１２", "“１２”用了全角数字"),
    ("十二", "“十二”是汉字数字"),
    ("-1", "是负数“-1”"),
    ("1.5", "“1.5”不是整数"),
    ("1,234", "“1,234”含千分位逗号"),
    ("无", "写的是“无”"),
    ("''", "是空的"),
    ("abc", "“abc”不是数字"),
]


@pytest.mark.parametrize(("typed", "expected"), NUMBER_CASES)
def test_number_written_wrongly(variant, typed, expected):
    variant.replace("    行政许可: 0", f"    行政许可: {typed}")
    found = messages(variant.write())
    line = variant.line_of("行政许可:")
    assert f"安宁街道.yaml:{line} 错误：表二「第二十条第（五）项 行政许可」行「本年处理决定数量」栏{expected}" in found


def test_number_problem_says_how_to_fix(variant):
    variant.replace("    行政许可: 0", "    行政许可: 十二")
    [problem] = check_file(variant.write()).problems
    assert problem.hint == "改为 12"


def test_a_certain_cell_is_reported_and_used_for_the_balance(variant):
    # "3件" surely means 3: the clerk sees the unit mistake and the imbalance it makes in one round.
    variant.replace("一、本年新收政府信息公开申请数量: [0, 0, 0, 0, 0, 0, 0]",
                    "一、本年新收政府信息公开申请数量: [3件, 0, 0, 0, 0, 0, 0]")
    found = messages(variant.write())
    assert "“3件”不是纯数字" in found[0]
    assert any("总计应为自然人与法人或其他组织各列之和 3，实际填写 0" in m for m in found)


@pytest.mark.parametrize("typed", ["1e3", "1_000", "0x10", "'1 000'"])
def test_an_uncertain_cell_says_what_could_not_be_balanced(variant, typed):
    variant.replace("一、本年新收政府信息公开申请数量: [0, 0, 0, 0, 0, 0, 0]",
                    f"一、本年新收政府信息公开申请数量: [{typed}, 0, 0, 0, 0, 0, 0]")
    result = check_file(variant.write())
    errors = [p for p in result.problems if p.is_error]
    assert len(errors) == 1 and "不是纯数字" in errors[0].message
    assert "改为" not in errors[0].hint  # no value is offered when it is not certain
    [unchecked] = [p for p in result.problems if not p.is_error]
    assert unchecked.message == (
        "表三「一、本年新收政府信息公开申请数量」行「自然人」栏没有可用的数（见上面的错误），用到它的 2 项核对没有做："
        "表三纵向勾稽（「自然人」栏）、表三行合计（「一、本年新收政府信息公开申请数量」行）")
    assert unchecked.location.line == errors[0].location.line  # at the cell, once, not once per sum


def test_a_quoted_number_is_shown_quoted_once(variant):
    variant.replace("    行政许可: 0", "    行政许可: “5”")
    [problem] = [p for p in check_file(variant.write()).problems if p.is_error]
    assert "栏“5”带了引号" in problem.message and problem.hint == "去掉引号，写作 5"


@pytest.mark.parametrize(("text", "value"), [("十二", 12), ("一百零五", 105), ("两千", 2000), ("三万五千", 35000)])
def test_chinese_numerals_are_read_for_the_hint(text, value):
    assert chinese_number(text) == value


def test_missing_file_is_file_trouble(tmp_path):
    with pytest.raises(FileTrouble) as info:
        check_file(tmp_path / "没有这个.yaml")
    assert info.value.message == "找不到这个文件。检查路径和文件名是否正确"


@pytest.mark.parametrize("content", ["", "\n\n", "# 只有注释\n"])
def test_empty_file(variant, content):
    variant.text = content
    assert messages(variant.write()) == ["安宁街道.yaml 错误：文件是空的，没有任何数据"]


SYNTAX_CASES = [
    ("  机关: 安宁街道", "\t机关: 安宁街道", "安宁街道.yaml:7 错误：第 1 列有制表符（Tab）"),
    ("  机关: 安宁街道", "  机关：安宁街道", "安宁街道.yaml:7 错误：键和值之间用了全角冒号“：”"),
    ("  机关: 安宁街道", "    机关: 安宁街道", "安宁街道.yaml:7 错误：缩进不一致：这一行比上一行多缩进了 2 个空格"),
    ("  网址: www.longmatan.gov.cn", "  网址: \"www.longmatan.gov.cn", "安宁街道.yaml:10 错误：引号没有配对"),
]


@pytest.mark.parametrize(("old", "new", "expected_start"), SYNTAX_CASES)
def test_yaml_syntax_error_names_the_line(variant, old, new, expected_start):
    variant.replace(old, new)
    found = check_file(variant.write())
    assert found.report is None
    [problem] = found.problems
    assert problem.format().startswith(expected_start)
    assert problem.hint


def test_syntax_error_hint_for_full_width_colon(variant):
    variant.replace("  机关: 安宁街道", "  机关：安宁街道")
    [problem] = check_file(variant.write()).problems
    assert problem.hint == "把全角冒号“：”改成半角冒号“:”，并在冒号后面加一个空格"


def test_gbk_file_is_read_with_a_warning(variant):
    path = variant.directory / "安宁街道.yaml"
    path.write_bytes(variant.text.encode("gbk"))
    result = check_file(path)
    assert result.ok
    assert [p.format() for p in result.problems] == [
        "安宁街道.yaml 警告：文件是 GBK 编码，已按 GBK 读取\n"
        "    修改办法：建议用记事本或编辑器“另存为”UTF-8 编码，避免在其他电脑上出现乱码"
    ]
    assert result.report is not None and result.report.office == "安宁街道"


def test_utf8_bom_file_is_read_silently(variant):
    path = variant.directory / "安宁街道.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + variant.text.encode("utf-8"))
    result = check_file(path)
    assert result.problems == [] and result.report is not None and result.report.office == "安宁街道"


def test_undecodable_file_says_what_to_do(tmp_path):
    path = tmp_path / "乱码.yaml"
    path.write_bytes(b"\x81\x30\xff\xfe\x00\x80" * 3)
    with pytest.raises(FileTrouble) as info:
        check_file(path)
    assert "另存为" in info.value.message and "UTF-8" in info.value.message


UNKNOWN_KEYS = [
    ("  机关: 安宁街道", "  机关名称: 安宁街道", "「基本信息」中不认识「机关名称」", "您是否想写「机关」？"),
    ("一、总体情况:", "一、总体情况概述:", "文件最外层不认识「一、总体情况概述」", "您是否想写「一、总体情况」？"),
    ("    行政许可: 0", "    行政许可证: 0", "表二「第二十条第（五）项」中不认识「行政许可证」", "您是否想写「行政许可」？"),
    ("      1.属于国家秘密:", "      1.属于国家机密:", "表三「三、本年度办理结果 （三）不予公开」中不认识「1.属于国家机密」",
     "您是否想写「1.属于国家秘密」？"),
]


@pytest.mark.parametrize(("old", "new", "message", "hint"), UNKNOWN_KEYS)
def test_unknown_key_with_did_you_mean(variant, old, new, message, hint):
    variant.replace(old, new)
    result = check_file(variant.write())
    line = variant.line_of(new.strip().split(":")[0] + ":")
    [problem] = [p for p in result.problems if p.is_error]
    assert (str(problem.location), problem.message, problem.hint) == (f"安宁街道.yaml:{line}", message, hint)


def test_keys_match_across_full_and_half_width(variant):
    variant.replace("    （一）予以公开: [0, 0, 0, 0, 0, 0, 0]", "    (一)予以公开: [0, 0, 0, 0, 0, 0, 0]")
    variant.replace("    （二）部分公开（区分处理的，只计这一情形，不计其他情形）:", "    （二）部分公开:")
    assert check_file(variant.write()).problems == []


def test_duplicate_key(variant):
    variant.replace("  机关: 安宁街道\n", "  机关: 安宁街道\n  机关: 安宁镇\n")
    found = messages(variant.write())
    assert "安宁街道.yaml:8 错误：「机关」重复出现（第 7 行已经写过）" in found


def test_python_tags_are_refused(variant):
    variant.replace("  机关: 安宁街道", "  机关: !!python/object/apply:os.system ['echo hi']")
    found = messages(variant.write())
    assert "安宁街道.yaml:7 错误：不支持 YAML 标签「!!python/object/apply:os.system」" in found


@pytest.mark.parametrize(
    ("key", "typed", "kept"),
    [("邮编", "010010", "010010"), ("邮编", "646000", "646000"), ("联系电话", "08302665996", "08302665996"),
     ("联系电话", "12:30", None), ("网址", "no", "no"), ("地址", "2024-01-01", "2024-01-01")],
)
def test_text_values_stay_exactly_as_typed(variant, key, typed, kept):
    old = {"邮编": "  邮编: 646000", "联系电话": "  联系电话: 0830-2665996",
           "网址": "  网址: www.longmatan.gov.cn", "地址": "  地址: 泸州市龙马潭区安宁街道二段134号"}[key]
    variant.replace(old, f"  {key}: {typed}")
    result = check_file(variant.write())
    if kept is None:
        assert not result.ok  # "12:30" is not a telephone number: refused, not turned into 750
        assert any("不像电话号码" in p.message for p in result.problems)
    else:
        assert result.report is not None and result.report.facts[key] == kept


def test_postcode_of_wrong_length(variant):
    variant.replace("  邮编: 646000", "  邮编: 0646000")
    assert messages(variant.write()) == ["安宁街道.yaml:13 错误：「基本信息」的「邮编」应为6位数字，实际是“0646000”"]


SPECIAL_TEXT = 'A&B <公开> “引号” "双引号" \'单引号\' {{ 机关 }} {% if x %} 100%'


def test_special_characters_come_out_exactly_as_typed(variant, tmp_path):
    # Written as a YAML double-quoted scalar with escapes for the control characters pasted from Word.
    escaped = SPECIAL_TEXT.replace("\\", "\\\\").replace('"', '\\"')
    variant.replace(
        "六、其他需要报告的事项: |\n  本年度未收取信息处理费。",
        f'六、其他需要报告的事项: "本年度未收取信息处理费。\\a{escaped}\\x0b\\x07"',
    )
    result, target = build_file(variant.write(), out_dir=tmp_path / "out")
    texts = [p.text for p in Document(str(target)).paragraphs]
    assert "本年度未收取信息处理费。" + SPECIAL_TEXT in texts


def test_control_characters_pasted_into_the_file_are_removed(variant, tmp_path):
    variant.replace("本年度未收取信息处理费。", "本年度未收取\x07信息处理费。\x0b\x1f")
    result, target = build_file(variant.write(), out_dir=tmp_path / "out")
    assert "本年度未收取信息处理费。" in [p.text for p in Document(str(target)).paragraphs]


def test_text_starting_with_a_brace_needs_quotes(variant):
    variant.replace("  网址: www.longmatan.gov.cn", "  网址: {{ 网址 }}")
    found = check_file(variant.write()).problems
    assert any(p.message == "「基本信息」的「网址」应为一行文字，实际是键值结构" for p in found)


def test_facts_written_as_a_list_is_one_problem_not_one_per_fact(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "列表.yaml"
    path.write_text("基本信息: [安宁街道, 2024]\n", encoding="utf-8")
    found = [p.format().split("\n")[0] for p in check_file(path).problems]
    assert [m for m in found if "基本信息" in m] == ["列表.yaml:1 错误：「基本信息」下应为“键: 值”的各项，实际是列表"]
    assert not any("信息处理费" in m for m in found)  # part 六 is missing: said once, not warned about too
