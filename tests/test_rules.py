"""Every rule of rules.yaml, failing and passing, as a table of change → exact message."""

from __future__ import annotations

import pytest

from nianbao import check_file

ROW_NEW = "一、本年新收政府信息公开申请数量: [0, 0, 0, 0, 0, 0, 0]"
ROW_OPEN = "（一）予以公开: [0, 0, 0, 0, 0, 0, 0]"
ROW_TOTAL = "（七）总计: [0, 0, 0, 0, 0, 0, 0]"
ROW_NEXT = "四、结转下年度继续办理: [0, 0, 0, 0, 0, 0, 0]"
ROW_FEE = "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请: [0, 0, 0, 0, 0, 0, 0]"
ROW_REVIEW = "行政复议: [0, 0, 0, 0, 0]"
ROW_RULES = "规章: [0, 0, 0]"
PART6 = "本年度未收取信息处理费。"
# The seed says it received no application and had no 复议/诉讼 (warning 11): variants with cases say otherwise.
NO_CASES = "未收到公民、组织、法人等提出的信息公开申请，未发生因政府信息公开提起的行政复议和行政诉讼情况。"
SOME_CASES = "依申请公开工作依法有序开展，详见第三、四部分。"

FAILING = [
    pytest.param(
        {ROW_NEW: "一、本年新收政府信息公开申请数量: [3, 0, 0, 0, 0, 0]"},
        "一、本年新收",
        "错误：表三「自然人」列：第一项+第二项=3，第三项（七）总计+第四项=0",
        id="rule1-column-unbalanced",
    ),
    pytest.param(
        {ROW_TOTAL: "（七）总计: [1, 0, 0, 0, 0, 0, 1]"},
        "（七）总计: [",
        "错误：表三「自然人」列：（七）总计应为（一）至（六）各项之和 0，实际填写 1",
        id="rule2-total-is-not-sum-of-results",
    ),
    pytest.param(
        {ROW_NEW: "一、本年新收政府信息公开申请数量: [1, 0, 0, 0, 0, 0, 2]"},
        "一、本年新收",
        "错误：表三「一、本年新收政府信息公开申请数量」行：总计应为自然人与法人或其他组织各列之和 1，实际填写 2",
        id="rule3-row-total",
    ),
    pytest.param(
        {ROW_REVIEW: "行政复议: [1, 0, 0, 0, 2]"},
        "行政复议:",
        "错误：表四「行政复议」：总计应为结果维持、结果纠正、其他结果、尚未审结之和 1，实际填写 2",
        id="rule4-review-total",
    ),
    pytest.param(
        {ROW_RULES: "规章: [1, 0, 1]"},
        "规章:",
        "警告：表二「规章」行：街道没有规章制定权，各栏应为 0，实际为 1/0/1",
        id="rule8-street-has-no-rules",
    ),
    pytest.param(
        {PART6: "本年度无其他需要报告的事项。"},
        "本年度无其他需要报告的事项",
        "警告：第六部分「其他需要报告的事项」没有说明信息处理费的收取情况",
        id="rule10-fee-not-mentioned",
    ),
    pytest.param(
        {
            ROW_NEW: "一、本年新收政府信息公开申请数量: [1, 0, 0, 0, 0, 0]",
            ROW_FEE: ROW_FEE.replace("[0, 0, 0, 0, 0, 0, 0]", "[1, 0, 0, 0, 0, 0]"),
        },
        PART6,
        "警告：表三「（六）其他处理 2.申请人逾期未按收费通知要求缴纳费用」为 1，说明发出过收费通知，但第六部分没有提到收费通知",
        id="rule10-fee-notice-not-mentioned",
    ),
    pytest.param(
        {"未发生因政府信息公开提起的行政复议": "未发生因政府信息公开提起的行政法复议"},
        "行政法复议",
        "警告：「行政法复议」是栏目名称有误，现行格式（国办公开办函〔2021〕30号）应为「行政复议」",
        id="rule12-altered-label-in-text",
    ),
    pytest.param(
        {"    行政规范性文件: [0, 0, 0]": "    规范性文件: [0, 0, 0]"},
        "规范性文件:",
        "错误：「规范性文件」是2019年试行格式的栏目，现行格式（国办公开办函〔2021〕30号）应为「行政规范性文件」",
        id="rule12-2019-row-as-key",
    ),
    pytest.param(
        {"  （五）监督保障情况: |": "  （五）其他情况: |", "做好政府信息主动公开监督工作，": "",
         "加强对工作人员政府信息公开工作的监督检查和日常指导，": "", "切实做好监督管理": "切实做好各项工作"},
        "一、总体情况:",
        "警告：第一部分「总体情况」没有写到“监督保障”方面",
        id="aspects-missing-from-heads-and-text",
    ),
]


@pytest.mark.parametrize(("changes", "line_of", "expected"), FAILING)
def test_rule_fails_with_exact_message(variant, changes, line_of, expected):
    for old, new in changes.items():
        variant.replace(old, new)
    path = variant.write()
    result = check_file(path)
    lines = [f"{p.location} {p.severity.value}：{p.message}" for p in result.problems]
    assert f"安宁街道.yaml:{variant.line_of(line_of)} {expected}" in lines


PASSING = [
    pytest.param({}, id="seed-as-published"),
    pytest.param(
        {
            ROW_NEW: "一、本年新收政府信息公开申请数量: [3, 1, 0, 0, 0, 0]",
            ROW_OPEN: "（一）予以公开: [2, 1, 0, 0, 0, 0, 3]",
            ROW_NEXT: "四、结转下年度继续办理: [1, 0, 0, 0, 0, 0]",
            ROW_TOTAL: "（七）总计: [2, 1, 0, 0, 0, 0, 3]",
            NO_CASES: SOME_CASES,
        },
        id="rules1-3-balanced-with-given-totals",
    ),
    pytest.param(
        {ROW_NEW: "一、本年新收政府信息公开申请数量: {自然人: 2}", ROW_OPEN: "（一）予以公开: {自然人: 2}",
         ROW_TOTAL: "（七）总计: {}", NO_CASES: SOME_CASES},
        id="totals-left-out-are-computed",
    ),
    pytest.param({ROW_REVIEW: "行政复议: [1, 0, 0, 1]", NO_CASES: SOME_CASES}, id="rule4-total-computed"),
    pytest.param(
        {ROW_RULES: "规章: [1, 0, 1]", "  机关: 安宁街道\n": "  机关: 安宁街道\n  机关类型: 市级以上\n"},
        id="rule8-only-for-streets-towns-districts",
    ),
    pytest.param(
        {
            ROW_NEW: "一、本年新收政府信息公开申请数量: [1, 0, 0, 0, 0, 0]",
            ROW_FEE: ROW_FEE.replace("[0, 0, 0, 0, 0, 0, 0]", "[1, 0, 0, 0, 0, 0]"),
            ROW_TOTAL: "（七）总计: {}",
            PART6: "本年度发出收费通知1件，金额100元，申请人未缴纳，未收取信息处理费。",
            NO_CASES: SOME_CASES,
        },
        id="rule10-fee-notice-mentioned",
    ),
    # The five aspects are judged from what part 一 says, not only from its sub-heads.
    pytest.param({"  （五）监督保障情况: |": "  （五）其他情况: |"}, id="aspects-in-the-text-without-a-sub-head"),
]


@pytest.mark.parametrize("changes", PASSING)
def test_rule_passes(variant, changes):
    for old, new in changes.items():
        variant.replace(old, new)
    result = check_file(variant.write())
    assert [p.format() for p in result.problems] == []
    assert result.ok


def test_computed_totals_take_the_sum(variant):
    variant.replace(ROW_NEW, "一、本年新收政府信息公开申请数量: {自然人: 2, 商业企业: 1}")
    variant.replace(ROW_OPEN, "（一）予以公开: {自然人: 2, 商业企业: 1}")
    variant.replace(ROW_TOTAL, "（七）总计: {}")
    report = check_file(variant.write()).report
    assert report is not None
    assert report.value("表三", "新收", "总计") == 3
    assert report.value("表三", "办理总计", "自然人") == 2
    assert report.value("表三", "办理总计", "总计") == 3
    assert report.cells[("表三", "办理总计", "总计")].location is None  # computed, not written


def test_all_problems_are_reported_at_once(variant):
    variant.replace(ROW_NEW, "一、本年新收政府信息公开申请数量: [1, 0, 0, 0, 0, 0, 2]")
    variant.replace(ROW_REVIEW, "行政复议: [1, 0, 0, 0, 2]")
    variant.replace(ROW_RULES, "规章: [1, 0, 1]")
    result = check_file(variant.write())
    rules = {p.rule for p in result.problems}
    assert {"表三行合计", "表四合计", "规章制定权", "表三纵向勾稽"} <= rules
