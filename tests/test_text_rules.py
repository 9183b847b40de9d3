"""Text against tables (warnings 9–11): a table of text + table change → exact message, and clean cases."""

from __future__ import annotations

import pytest

from nianbao import check_file

PART1_APPLIED = "2024年，未收到公民、组织、法人等提出的信息公开申请，未发生因政府信息公开提起的行政复议和行政诉讼情况。"
PART6 = "本年度未收取信息处理费。"
NEW = "一、本年新收政府信息公开申请数量: [0, 0, 0, 0, 0, 0, 0]"
CARRY = "二、上年结转政府信息公开申请数量: [0, 0, 0, 0, 0, 0, 0]"
OPEN = "（一）予以公开: [0, 0, 0, 0, 0, 0, 0]"
NOT_HELD = "1.本机关不掌握相关政府信息: [0, 0, 0, 0, 0, 0, 0]"
TOTAL = "（七）总计: [0, 0, 0, 0, 0, 0, 0]"
NEXT = "四、结转下年度继续办理: [0, 0, 0, 0, 0, 0, 0]"
FEE_ROW = "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请: [0, 0, 0, 0, 0, 0, 0]"
REVIEW = "行政复议: [0, 0, 0, 0, 0]"
SUIT = "未经复议直接起诉: [0, 0, 0, 0, 0]"

# 4 new + 1 carried = 3 公开 + 1 不掌握 (4 handled) + 1 carried to next year.
BALANCED = {
    NEW: "一、本年新收政府信息公开申请数量: [4, 0, 0, 0, 0, 0]",
    CARRY: "二、上年结转政府信息公开申请数量: [1, 0, 0, 0, 0, 0]",
    OPEN: "（一）予以公开: [3, 0, 0, 0, 0, 0]",
    NOT_HELD: "1.本机关不掌握相关政府信息: [1, 0, 0, 0, 0, 0]",
    TOTAL: "（七）总计: {}",
    NEXT: "四、结转下年度继续办理: [1, 0, 0, 0, 0, 0]",
}
TRUE_TEXT = "2024年，共收到政府信息公开申请4件，上年结转1件，办结4件，其中予以公开3件，占比75%，结转下年度1件。"
W = "安宁街道.yaml:{line} 警告："

CASES = [
    pytest.param(
        {**BALANCED, PART1_APPLIED: TRUE_TEXT.replace("申请4件", "申请5件")},
        ["正文“收到政府信息公开申请5件”与表格不一致：表三「一、本年新收政府信息公开申请数量」行「总计」栏为 4"],
        id="rule9-new-applications",
    ),
    pytest.param(
        {**BALANCED, PART1_APPLIED: TRUE_TEXT.replace("上年结转1件", "上年结转2件")},
        ["正文“上年结转2件”与表格不一致：表三「二、上年结转政府信息公开申请数量」行「总计」栏为 1"],
        id="rule9-carried-over",
    ),
    pytest.param(
        {**BALANCED, PART1_APPLIED: TRUE_TEXT.replace("办结4件", "办结5件")},
        ["正文“办结5件”与表格不一致：表三「三、本年度办理结果 （七）总计」行「总计」栏为 4"],
        id="rule9-handled",
    ),
    pytest.param(
        {**BALANCED, PART1_APPLIED: TRUE_TEXT.replace("予以公开3件，占比75%", "予以公开2件，占比50%")},
        ["正文“予以公开2件，占比50%”与表格不一致：表三「三、本年度办理结果 （一）予以公开」行「总计」栏为 3",
         "正文“予以公开2件，占比50%”中的比例与表格不一致：按表格应为 75%（3 ÷ 4）"],
        id="rule9-per-result-count-and-percentage",
    ),
    pytest.param(
        {**BALANCED, PART1_APPLIED: TRUE_TEXT.replace("占比75%", "占比74.5%")},
        ["正文“予以公开3件，占比74.5%”中的比例与表格不一致：按表格应为 75.0%（3 ÷ 4）"],
        id="rule9-percentage-with-decimals",
    ),
    pytest.param(
        {**BALANCED, PART1_APPLIED: TRUE_TEXT.replace("结转下年度1件", "结转下年度0件")},
        ["正文“结转下年度0件”与表格不一致：表三「四、结转下年度继续办理」行「总计」栏为 1"],
        id="rule9-carried-to-next-year",
    ),
    pytest.param(
        {PART1_APPLIED: "2024年，因政府信息公开被申请行政复议2件，提起行政诉讼1件。"},
        ["正文“行政复议2件”与表格不一致：表四「行政复议」行「总计」栏为 0",
         "正文“行政诉讼1件”与表格不一致：表四「行政诉讼」两项「总计」栏之和为 0"],
        id="rule9-review-and-suit-counts",
    ),
    pytest.param(
        {NEW: "一、本年新收政府信息公开申请数量: [1, 0, 0, 0, 0, 0]", OPEN: "（一）予以公开: [1, 0, 0, 0, 0, 0]",
         TOTAL: "（七）总计: {}"},
        ["正文说“未收到公民、组织、法人等提出的信息公开申请”，但表三「一、本年新收政府信息公开申请数量」行「总计」栏为 1"],
        id="rule11-none-received-but-table-has-one",
    ),
    pytest.param(
        {REVIEW: "行政复议: [1, 0, 0, 0]"},
        ["正文说“未发生因政府信息公开提起的行政复议”，但表四「行政复议」行「总计」栏为 1"],
        id="rule11-no-review-but-table-has-one",
    ),
    pytest.param(
        {SUIT: "未经复议直接起诉: [0, 0, 0, 1]", PART1_APPLIED: "2024年，因政府信息公开被提起行政诉讼1件，均获维持。"},
        ["正文说“均获维持”，但表四三项「尚未审结」栏之和为 1"],
        id="rule11-all-upheld-but-one-pending",
    ),
    pytest.param(
        {SUIT: "未经复议直接起诉: [1, 0, 0, 0]", PART1_APPLIED: "2024年，因政府信息公开被提起行政诉讼1件，目前尚未审结。"},
        ["正文说“尚未审结”，但表四三项「尚未审结」栏之和为 0"],
        id="rule11-pending-but-table-has-none",
    ),
    pytest.param(
        {**BALANCED, PART1_APPLIED: TRUE_TEXT, FEE_ROW: FEE_ROW.replace("[0, 0, 0, 0, 0, 0, 0]", "[1, 0, 0, 0, 0, 0]"),
         NOT_HELD: "1.本机关不掌握相关政府信息: [0, 0, 0, 0, 0, 0]",
         PART6: "本年度未发出收费通知，未收取信息处理费。"},
        ["正文说“未发出收费通知”，但表三「（六）其他处理 2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请」行「总计」栏为 1"],
        id="rule10-no-notice-but-unpaid-fee-row",
    ),
    pytest.param(
        {**BALANCED, PART1_APPLIED: TRUE_TEXT, FEE_ROW: FEE_ROW.replace("[0, 0, 0, 0, 0, 0, 0]", "[1, 0, 0, 0, 0, 0]"),
         NOT_HELD: "1.本机关不掌握相关政府信息: [0, 0, 0, 0, 0, 0]",
         PART6: "本年度发出收费通知0件，未收取信息处理费。"},
        ["正文“发出收费通知0件”与表格不一致：表三「（六）其他处理 2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请」行「总计」栏为 1，多于正文所说的 0"],
        id="rule10-fewer-notices-than-unpaid",
    ),
]


CASES += [
    pytest.param(
        {**BALANCED, PART1_APPLIED: TRUE_TEXT.replace("予以公开3件，占比75%", "予以公开及部分公开4件，占比75%")},
        # once, against the sum of both rows (not again by the 部分公开 pattern); 75% is right for 3 of 4
        ["正文“予以公开及部分公开4件，占比75%”与表格不一致：表三「（一）予以公开」「（二）部分公开」两行「总计」栏之和为 3"],
        id="combined-open-and-partly-open-once",
    ),
    pytest.param(
        {REVIEW: "行政复议: [1, 0, 0, 0]", PART1_APPLIED: "2024年，发生政府信息公开行政复议和行政诉讼案件2件。"},
        ["正文“行政复议和行政诉讼案件2件”与表格不一致：表四「行政复议」「行政诉讼」各项「总计」栏之和为 1"],
        id="combined-review-and-suit-once",
    ),
    pytest.param(
        {**BALANCED, PART1_APPLIED: TRUE_TEXT.replace("申请4件", "申请五件")},
        ["正文“收到政府信息公开申请五件”与表格不一致：表三「一、本年新收政府信息公开申请数量」行「总计」栏为 4"],
        id="chinese-numerals",
    ),
    pytest.param(
        {PART1_APPLIED: "2024年，本机关现行有效行政规范性文件393件。"},
        ["正文“现行有效行政规范性文件393件”与表格不一致：表二「第二十条第（一）项 行政规范性文件」行「现行有效件数」栏为 0"],
        id="table-two-stock-quoted",
    ),
]


# 4 new + 1 carried = 3 公开 + 2 不掌握 (5 handled): a share of the new applications differs from one of 办结.
FIVE_HANDLED = {**BALANCED, NOT_HELD: "1.本机关不掌握相关政府信息: [2, 0, 0, 0, 0, 0]",
                NEXT: "四、结转下年度继续办理: [0, 0, 0, 0, 0, 0]"}
CASES += [
    pytest.param(
        {**FIVE_HANDLED, PART1_APPLIED: "2024年，共收到政府信息公开申请4件，予以公开3件，占办结总数的75%。"},
        ["正文“予以公开3件，占办结总数的75%”中的比例与表格不一致：按表格应为 60%（3 ÷ 5）"],
        id="percentage-of-the-handled",
    ),
]


def text_warnings(result) -> list[str]:
    return [p.message for p in result.problems if p.rule in ("正文数字与表格一致", "正文说法与表格一致")]


@pytest.mark.parametrize(("changes", "expected"), CASES)
def test_text_contradicting_the_tables(variant, changes, expected):
    for old, new in changes.items():
        variant.replace(old, new)
    result = check_file(variant.write())
    assert text_warnings(result) == expected
    line = variant.line_of(next(iter(expected)).split("“")[1].split("”")[0][:6]) if expected else 0
    assert all(p.location.line == line for p in result.problems if p.message in expected)


CLEAN = [
    pytest.param({}, id="seed-says-none-received-and-no-cases"),
    pytest.param({**BALANCED, PART1_APPLIED: TRUE_TEXT}, id="numbers-and-percentage-agree"),
    pytest.param(
        {REVIEW: "行政复议: [1, 0, 0, 0]", PART1_APPLIED: "2024年，因政府信息公开被申请行政复议1件，均获维持。"},
        id="all-upheld-and-nothing-pending",
    ),
    pytest.param(
        {PART1_APPLIED: "2024年，热线办件1708件，约占比20%，无尚未审结案件。"},
        id="other-numbers-and-negated-pending-are-ignored",
    ),
    pytest.param(
        {**FIVE_HANDLED, PART1_APPLIED: "2024年，共收到政府信息公开申请4件，予以公开3件，占新收申请的75%。"},
        id="percentage-of-the-new-applications-the-text-names",
    ),
    pytest.param(
        {**BALANCED, PART1_APPLIED: TRUE_TEXT.replace("予以公开3件", "予以公开及部分公开3件")},
        id="combined-phrase-against-the-sum",
    ),
    pytest.param(
        {**BALANCED, PART1_APPLIED: TRUE_TEXT.replace("申请4件", "申请四件").replace("上年结转1件", "上年结转一件")},
        id="chinese-numerals-that-agree",
    ),
    pytest.param(
        {REVIEW: "行政复议: [1, 0, 0, 0]", SUIT: "未经复议直接起诉: [1, 0, 0, 0]",
         PART1_APPLIED: "2024年，发生政府信息公开行政复议和诉讼案件2件，均获维持。"},
        id="review-and-suit-together-against-their-sum",
    ),
]


@pytest.mark.parametrize("changes", CLEAN)
def test_text_agreeing_with_the_tables_passes(variant, changes):
    for old, new in changes.items():
        variant.replace(old, new)
    result = check_file(variant.write())
    assert [p.format() for p in result.problems] == []
