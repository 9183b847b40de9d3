"""Hand-made reports in the official layout (and the 2019 one), built with python-docx as another office would:
merged cells through python-docx's own `merge` (w:gridSpan / w:vMerge), no nianbao properties."""

from __future__ import annotations

from pathlib import Path

from docx import Document

APPLICANTS = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
RESULTS = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
T3_ROWS: list[tuple[str, str, str]] = [
    ("一、本年新收政府信息公开申请数量", "", ""),
    ("二、上年结转政府信息公开申请数量", "", ""),
    ("三、本年度办理结果", "（一）予以公开", ""),
    ("三、本年度办理结果", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", ""),
    *[("三、本年度办理结果", "（三）不予公开", s) for s in [
        "1.属于国家秘密", "2.其他法律行政法规禁止公开", "3.危及“三安全一稳定”", "4.保护第三方合法权益",
        "5.属于三类内部事务信息", "6.属于四类过程性信息", "7.属于行政执法案卷", "8.属于行政查询事项"]],
    *[("三、本年度办理结果", "（四）无法提供", s) for s in [
        "1.本机关不掌握相关政府信息", "2.没有现成信息需要另行制作", "3.补正后申请内容仍不明确"]],
    *[("三、本年度办理结果", "（五）不予处理", s) for s in [
        "1.信访举报投诉类申请", "2.重复申请", "3.要求提供公开出版物", "4.无正当理由大量反复申请",
        "5.要求行政机关确认或重新出具已获取信息"]],
    *[("三、本年度办理结果", "（六）其他处理", s) for s in [
        "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "3.其他"]],
    ("三、本年度办理结果", "（七）总计", ""),
    ("四、结转下年度继续办理", "", ""),
]
OPENING = (
    "本报告根据《中华人民共和国政府信息公开条例》规定编制。报告中所列数据统计期为2024年1月1日至2024年12月31日。"
    "报告电子版通过江阳区人民政府门户网站（www.jiangyang.gov.cn）全文公开。如有疑问请与南城街道党政办联系。"
    "（地址：泸州市江阳区南城街道1号；邮编：646000；联系电话：0830-1234567）"
)


def _merge(table, r1, c1, r2, c2, text=None):  # type: ignore[no-untyped-def]
    cell = table.cell(r1, c1).merge(table.cell(r2, c2))
    if text is not None:
        cell.text = text
    return cell


def table_two(document, layout: str = "2021", values: dict[str, list[str]] | None = None):  # type: ignore[no-untyped-def]
    values = values or {}
    if layout == "2019":
        head = ["信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"]
        groups = [("第二十条第（一）项", head, [("规章", 3), ("规范性文件", 3)]),
                  ("第二十条第（九）项", ["信息内容", "采购项目数量", "采购总金额", ""], [("政府集中采购", 2)])]
    else:
        groups = [
            ("第二十条第（一）项", ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
             [("规章", 3), ("行政规范性文件", 3)]),
            ("第二十条第（五）项", ["信息内容", "本年处理决定数量"], [("行政许可", 1)]),
            ("第二十条第（六）项", ["信息内容", "本年处理决定数量"], [("行政处罚", 1), ("行政强制", 1)]),
            ("第二十条第（八）项", ["信息内容", "本年收费金额（单位：万元）"], [("行政事业性收费", 1)]),
        ]
    rows = sum(2 + len(g[2]) for g in groups)
    table = document.add_table(rows=rows, cols=4)
    r = 0
    for label, head, data in groups:
        _merge(table, r, 0, r, 3, label)
        if len([h for h in head if h]) == 2:
            table.cell(r + 1, 0).text = head[0]
            _merge(table, r + 1, 1, r + 1, 3, head[1])
        else:
            for c, text in enumerate(head):
                table.cell(r + 1, c).text = text
        r += 2
        for name, count in data:
            table.cell(r, 0).text = name
            numbers = values.get(name, ["0"] * count)
            if count == 1:
                _merge(table, r, 1, r, 3, numbers[0])
            else:
                for c, text in enumerate(numbers):
                    table.cell(r, 1 + c).text = text
            r += 1
    return table


def table_three(document, values: dict[str, list[int]] | None = None):  # type: ignore[no-untyped-def]
    values = values or {}
    table = document.add_table(rows=3 + len(T3_ROWS), cols=10)
    _merge(table, 0, 0, 2, 2, "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）")
    _merge(table, 0, 3, 0, 9, "申请人情况")
    _merge(table, 1, 3, 2, 3, "自然人")
    _merge(table, 1, 4, 1, 8, "法人或其他组织")
    _merge(table, 1, 9, 2, 9, "总计")
    for c, label in enumerate(APPLICANTS[1:6]):
        table.cell(2, 4 + c).text = label
    for i, (top, middle, leaf) in enumerate(T3_ROWS):
        r = 3 + i
        key = leaf or middle or top
        for c, number in enumerate(values.get(key, [0] * 7)):
            table.cell(r, 3 + c).text = str(number)
        if not middle:
            _merge(table, r, 0, r, 2, top)
        elif not leaf:
            _merge(table, r, 1, r, 2, middle)
        else:
            table.cell(r, 2).text = leaf
    _merge(table, 5, 0, 3 + len(T3_ROWS) - 2, 0, "三、本年度办理结果")
    starts: dict[str, list[int]] = {}
    for i, (_, middle, leaf) in enumerate(T3_ROWS):
        if leaf:
            starts.setdefault(middle, []).append(3 + i)
    for middle, rows in starts.items():
        _merge(table, rows[0], 1, rows[-1], 1, middle)
    return table


def table_four(document, values: list[int] | None = None):  # type: ignore[no-untyped-def]
    table = document.add_table(rows=4, cols=15)
    _merge(table, 0, 0, 0, 4, "行政复议")
    _merge(table, 0, 5, 0, 14, "行政诉讼")
    for c, label in enumerate(RESULTS):
        _merge(table, 1, c, 2, c, label)
    _merge(table, 1, 5, 1, 9, "未经复议直接起诉")
    _merge(table, 1, 10, 1, 14, "复议后起诉")
    for c in range(10):
        table.cell(2, 5 + c).text = RESULTS[c % 5]
    for c, number in enumerate(values or [0] * 15):
        table.cell(3, c).text = str(number)
    return table


def make_report(
    path: Path,
    layout: str = "2021",
    t2: dict[str, list[str]] | None = None,
    t3: dict[str, list[int]] | None = None,
    t4: list[int] | None = None,
    part1: tuple[str, ...] = ("本年度依法做好政府信息公开工作。",),
    part6: tuple[str, ...] = ("本年度未收取信息处理费。",),
) -> Path:
    document = Document()
    document.add_paragraph("泸州市江阳区南城街道2024年政府信息公开工作年度报告")
    document.add_paragraph(OPENING)
    document.add_paragraph("一、总体情况")
    subheads = ["（一）主动公开", "（二）依申请公开", "（三）政府信息管理", "（四）政府信息公开平台建设", "（五）监督保障"]
    for index, head in enumerate(subheads):
        document.add_paragraph(head)
        document.add_paragraph(part1[index] if index < len(part1) else "本年度依法做好这方面的工作。")
    document.add_paragraph("二、主动公开政府信息情况")
    table_two(document, layout, t2)
    document.add_paragraph("三、收到和处理政府信息公开申请情况")
    table_three(document, t3)
    document.add_paragraph("四、政府信息公开行政复议、行政诉讼情况")
    table_four(document, t4)
    document.add_paragraph("五、存在的主要问题及改进情况")
    document.add_paragraph("（一）存在的主要问题")
    document.add_paragraph("信息更新不够及时。")
    document.add_paragraph("（二）改进情况")
    document.add_paragraph("建立更新台账，按月检查。")
    document.add_paragraph("六、其他需要报告的事项")
    for text in part6:
        document.add_paragraph(text)
    document.save(str(path))
    return path
