"""Write the sample (示例数据) office files of 龙马潭区 2024 and the broken sample district used by the tests.

The numbers are invented but balanced and varied: some offices have applications, carried-over cases,
不予公开 / 无法提供 / 不予处理 results, 行政复议 and 行政诉讼. The text quotes the same numbers as the tables.
Run: python tools/make_sample_district.py --help. By default it writes into out/示例区 (git-ignored); only
--update-repository rewrites the tracked sample files (the real 安宁街道.yaml is never touched).
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DISTRICT = ROOT / "data" / "龙马潭区" / "2024"
BROKEN = ROOT / "tests" / "fixtures" / "broken-district"
SAME_TEXT = ROOT / "tests" / "fixtures" / "same-text"

APPLICANTS = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
RESULT_ROWS = [
    ("（一）予以公开", None),
    ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", None),
    ("（三）不予公开", ["1.属于国家秘密", "2.其他法律行政法规禁止公开", "3.危及“三安全一稳定”", "4.保护第三方合法权益",
                  "5.属于三类内部事务信息", "6.属于四类过程性信息", "7.属于行政执法案卷", "8.属于行政查询事项"]),
    ("（四）无法提供", ["1.本机关不掌握相关政府信息", "2.没有现成信息需要另行制作", "3.补正后申请内容仍不明确"]),
    ("（五）不予处理", ["1.信访举报投诉类申请", "2.重复申请", "3.要求提供公开出版物", "4.无正当理由大量反复申请",
                  "5.要求行政机关确认或重新出具已获取信息"]),
    ("（六）其他处理", ["1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
                  "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "3.其他"]),
]
# Where handled applications go, with weights: mostly 予以公开, some of every other kind.
OUTCOMES = [
    (("（一）予以公开", None), 10), (("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", None), 2),
    (("（三）不予公开", "4.保护第三方合法权益"), 1), (("（三）不予公开", "6.属于四类过程性信息"), 1),
    (("（三）不予公开", "7.属于行政执法案卷"), 1),
    (("（四）无法提供", "1.本机关不掌握相关政府信息"), 4), (("（四）无法提供", "2.没有现成信息需要另行制作"), 1),
    (("（五）不予处理", "1.信访举报投诉类申请"), 2), (("（五）不予处理", "2.重复申请"), 1),
    (("（六）其他处理", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"), 1),
]

# (机关, 地址, 邮编, 电话, 联系机构, new applications scale, carried over, 复议 [维持,纠正,其他,尚未], 直接起诉)
OFFICES = [
    ("莲花池街道", "泸州市龙马潭区莲花池街道蜀泸大道一段88号", "646000", "0830-3100101", "莲花池街道党政办", 14, 2,
     [1, 0, 0, 0], [0, 0, 0, 1]),
    ("红星街道", "泸州市龙马潭区红星街道春雨路26号", "646000", "0830-3100102", "红星街道党政办", 9, 1, [0, 0, 0, 1],
     [0, 0, 0, 0]),
    ("小市街道", "泸州市龙马潭区小市街道上大街15号", "646000", "0830-3100103", "小市街道党政办", 6, 0, [0, 0, 0, 0],
     [1, 0, 0, 0]),
    ("高坝街道", "泸州市龙马潭区高坝街道高坝路9号", "646006", "0830-3100104", "高坝街道党政办", 3, 0, [0, 0, 0, 0],
     [0, 0, 0, 0]),
    ("鱼塘街道", "泸州市龙马潭区鱼塘街道鱼塘路1号", "646000", "0830-3100105", "鱼塘街道党政办", 11, 3, [1, 1, 0, 0],
     [0, 0, 0, 0]),
    ("罗汉街道", "泸州市龙马潭区罗汉街道罗汉路36号", "646000", "0830-3100106", "罗汉街道党政办", 5, 1, [0, 0, 0, 0],
     [0, 0, 0, 0]),
    ("石洞街道", "泸州市龙马潭区石洞街道石洞路2号", "646008", "0830-3100107", "石洞街道党政办", 0, 0, [0, 0, 0, 0],
     [0, 0, 0, 0]),
    ("特兴街道", "泸州市龙马潭区特兴街道特兴路18号", "646007", "0830-3100108", "特兴街道党政办", 2, 0, [0, 0, 0, 0],
     [0, 0, 0, 0]),
    ("胡市镇", "泸州市龙马潭区胡市镇胡市街60号", "646009", "0830-3100109", "胡市镇党政办", 4, 1, [0, 0, 0, 0],
     [0, 0, 0, 0]),
    ("金龙镇", "泸州市龙马潭区金龙镇金龙街8号", "646010", "0830-3100110", "金龙镇党政办", 0, 0, [0, 0, 0, 0],
     [0, 0, 0, 0]),
    ("双加镇", "泸州市龙马潭区双加镇双加街12号", "646011", "0830-3100111", "双加镇党政办", 7, 2, [0, 1, 0, 0],
     [0, 0, 0, 0]),
    ("长安镇", "泸州市龙马潭区长安镇长安街3号", "646012", "0830-3100112", "长安镇党政办", 1, 0, [0, 0, 0, 0],
     [0, 0, 0, 0]),
]


def row(values: list[int]) -> str:
    return "[" + ", ".join(str(v) for v in [*values, sum(values)]) + "]"


def split(total: int, rng: random.Random, weights: list[int]) -> list[int]:
    """`total` spread over len(weights) buckets by weight."""
    counts = [0] * len(weights)
    for _ in range(total):
        counts[rng.choices(range(len(weights)), weights)[0]] += 1
    return counts


# Wording of the sample offices' text, in three slots per paragraph. Office number n takes fragments
# (n % 4, n // 4, (n % 4 + n // 4) % 4): two offices share at most one fragment of a paragraph, so no two
# sample offices have the same text (雷同), which the district review page would flag.
WORDING: dict[str, tuple[list[str], list[str], list[str]]] = {
    "导语": (
        ["坚持以公开为常态、不公开为例外", "在区委、区政府的统一部署下", "围绕群众关心关注的热点问题",
         "把政务公开作为转变作风、服务群众的重要抓手"],
        ["，对照年度政务公开工作要点逐项抓好落实", "，持续推进基层政务公开标准化规范化建设",
         "，结合辖区实际细化公开事项和责任分工"],
        ["，不断提升公开质量和群众满意度。", "，信息发布、政策解读和回应关切工作有序开展。",
         "，进一步保障辖区群众的知情权、参与权和监督权。", "，推动各项工作在阳光下运行。"],
    ),
    "主动公开": (
        ["重点公开乡村振兴、社会救助和民生实事等信息", "重点做好财政预决算、惠民惠农补贴和征地补偿信息的公开",
         "围绕安全生产、城市管理和环境整治发布工作动态", "及时公开低保、特困供养和临时救助的对象及标准"],
        ["，通过公开栏和院坝会向老年群众传达政策", "，利用网格员微信群把通知推送到户", "，在便民服务中心设置政策查询点"],
        ["，各类信息均在形成后二十个工作日内发布。", "，对重要政策配发图文解读。", "，及时回应群众在留言板上的咨询。",
         "，主动接受群众监督。"],
    ),
    "信息管理": (
        ["严格执行信息发布“先审后发”和保密审查制度", "落实公文公开属性源头认定机制", "建立政府信息公开台账，逐条登记发布内容",
         "对拟公开信息实行经办人、分管领导两级审核"],
        ["，全年未发生泄密和错发信息的情况", "，定期清理过时失效的栏目内容", "，按要求调整完善主动公开目录"],
        ["，确保公开信息准确规范。", "，做到应公开尽公开。", "，妥善处理信息中的个人隐私。", "，信息管理更加规范有序。"],
    ),
    "平台": (
        ["依托区政府门户网站{kind}专栏发布信息", "用好政务微信公众号和视频号等新媒体", "在村（社区）便民服务站设置政务公开栏",
         "在便民服务中心设立政府信息查阅点"],
        ["，专人负责日常更新和维护", "，定期检查链接和栏目内容是否有效", "，与网格化服务管理平台互联互通"],
        ["，平台运行正常，公开渠道畅通。", "，方便群众就近查阅政府信息。", "，全年信息发布无差错。", "，群众获取信息的渠道更加多样。"],
    ),
    "监督": (
        ["明确分管领导和专人负责政务公开工作", "成立政务公开工作领导小组，由主要负责人任组长", "将政务公开纳入年度目标考核",
         "邀请人大代表和群众代表对公开工作进行评议"],
        ["，定期开展自查整改", "，把公开工作与业务工作同部署同检查", "，对发现的问题建立清单逐项销号"],
        ["，全年未发生责任追究情况。", "，工作人员的公开意识明显增强。", "，确保各项要求落到实处。", "，推动公开工作常态化。"],
    ),
    "问题": (
        ["一是部分栏目更新不够及时", "一是政策解读的形式较为单一", "一是基层工作人员业务能力有待提高",
         "一是公开内容与群众需求结合不够紧密"],
        ["；二是依申请公开答复的规范性有待加强", "；二是政务新媒体的互动回应不够", "；二是村（社区）公开栏的内容更新偏慢"],
        ["。", "，个别信息存在格式不统一的情况。", "，部分信息发布后缺少跟踪解读。", "，信息公开的主动性还需增强。"],
    ),
    "改进": (
        ["一是建立栏目更新台账，明确更新时限", "一是采用图解、短视频等方式解读政策", "一是组织工作人员参加业务培训",
         "一是开展群众需求调查，优化公开内容"],
        ["；二是规范依申请公开答复文书", "；二是安排专人回复新媒体留言", "；二是每月检查村（社区）公开栏"],
        ["。", "，统一信息发布格式。", "，做好政策发布后的跟踪解读。", "，增强公开工作的主动性。"],
    ),
}
UNIFORM = {  # the one wording of the broken sample district (its files stay as they are)
    "导语": "认真贯彻落实《中华人民共和国政府信息公开条例》，在区委、区政府的统一部署下，推进政务公开标准化规范化建设，",
    "主动公开": "通过区政府门户网站、政务新媒体和公开栏等渠道主动公开政府信息{items}条，重点公开乡村振兴、社会救助、安全生产和民生实事等信息。",
    "信息管理": "严格执行信息发布“先审后发”和保密审查制度，及时更新调整公开目录。",
    "平台": "依托区政府门户网站{kind}专栏和政务新媒体发布信息，平台运行正常，公开渠道畅通。",
    "监督": "明确分管领导和专人负责，将政务公开纳入年度工作考核，定期开展自查整改。",
    "问题": "一是部分栏目更新不够及时；二是依申请公开答复的规范性有待加强。",
    "改进": "一是建立栏目更新台账，明确更新时限；二是组织工作人员参加依申请公开业务培训。",
}


def wording(topic: str, variant: int | None, **values: object) -> str:
    if variant is None:
        return UNIFORM[topic].format(**values)
    first, second, third = WORDING[topic]
    a, b = variant % 4, variant // 4 % 3
    return (first[a] + second[b] + third[(a + b) % 4]).format(**values)


def office_yaml(office: tuple, heading: str, variant: int | None = None) -> str:  # type: ignore[type-arg]
    name, address, postcode, phone, contact, scale, carried, review, lawsuit = office
    rng = random.Random(name)
    town = name.endswith("镇")
    new = split(scale, rng, [8, 2, 0, 1, 1, 1])
    carry = split(carried, rng, [3, 1, 0, 0, 0, 0])
    available = [a + b for a, b in zip(new, carry, strict=True)]
    next_year = [min(v, 1) if rng.random() < 0.3 else 0 for v in available]
    handled = [a - b for a, b in zip(available, next_year, strict=True)]
    results: dict[tuple[str, str | None], list[int]] = {key: [0] * 6 for key, _ in OUTCOMES}
    weights = [w for _, w in OUTCOMES]
    for column, count in enumerate(handled):
        for index, n in enumerate(split(count, rng, weights)):
            results[OUTCOMES[index][0]][column] += n
    published = sum(results[("（一）予以公开", None)])
    total_new, total_carry, total_handled, total_next = sum(new), sum(carry), sum(handled), sum(next_year)
    reviews, suits = sum(review), sum(lawsuit)
    licences, penalties = (rng.randint(20, 80), rng.randint(3, 30)) if town else (0, rng.randint(0, 6))
    items = rng.randint(180, 420)

    kind = "镇" if town else "街道"
    lines = [
        f"# 示例数据：{heading}。数字和文字都是为演示编造的，不是{name}的真实报告。",
        "# 龙马潭区共同的基本信息（地区、年度、公开网站、网址、模板）写在同一文件夹的 _共同.yaml 中。",
        "",
        "基本信息:",
        f"  机关: {name}",
        f"  标题: 泸州市龙马潭区{name}2024年政府信息公开工作年度报告（示例数据）",
        f"  联系机构: {contact}",
        f"  地址: {address}",
        f"  邮编: \"{postcode}\"",
        f"  联系电话: {phone}",
        "",
        "一、总体情况:",
        "  导语: |",
        f"    2024年，{name}{wording('导语', variant)}现将总体情况报告如下：",
        "  （一）主动公开政府信息情况: |",
        (f"    2024年，{name}{wording('主动公开', variant, items=items)}" if variant is None else
         f"    2024年，{name}主动公开政府信息{items}条，{wording('主动公开', variant)}"),
        "  （二）依申请公开情况: |",
    ]
    if total_new or total_carry:
        text = (f"    2024年，{name}共收到政府信息公开申请{total_new}件，上年结转{total_carry}件，"
                f"办结{total_handled}件，其中予以公开{published}件，结转下年度继续办理{total_next}件。")
    else:
        text = f"    2024年，{name}未收到政府信息公开申请。"
    if reviews or suits:
        text += f"因政府信息公开被申请行政复议{reviews}件、提起行政诉讼{suits}件。"
    else:
        text += "未发生因政府信息公开引起的行政复议和行政诉讼。"
    lines.append(text)
    lines += [
        "  （三）政府信息管理情况: |",
        f"    {wording('信息管理', variant)}",
        "  （四）政府信息公开平台建设情况: |",
        f"    {wording('平台', variant, kind=kind)}",
        "  （五）监督保障情况: |",
        f"    {wording('监督', variant)}",
        "",
        "二、主动公开政府信息情况:",
        "  第二十条第（一）项:",
        "    # 本年制发件数、本年废止件数、现行有效件数",
        "    规章: [0, 0, 0]",
        "    行政规范性文件: [0, 0, 0]",
        "  第二十条第（五）项:",
        f"    行政许可: {licences}",
        "  第二十条第（六）项:",
        f"    行政处罚: {penalties}",
        "    行政强制: 0",
        "  第二十条第（八）项:",
        "    行政事业性收费: 0   # 本年收费金额，单位：万元",
        "",
        "三、收到和处理政府信息公开申请情况:",
        "  # 每行 7 个数，依次为：自然人、商业企业、科研机构、社会公益组织、法律服务机构、其他、总计",
        f"  一、本年新收政府信息公开申请数量: {row(new)}",
        f"  二、上年结转政府信息公开申请数量: {row(carry)}",
        "  三、本年度办理结果:",
    ]
    for group, subs in RESULT_ROWS:
        if subs is None:
            lines.append(f"    {group}: {row(results.get((group, None), [0] * 6))}")
            continue
        lines.append(f"    {group}:")
        for sub in subs:
            lines.append(f"      {sub}: {row(results.get((group, sub), [0] * 6))}")
    lines += [
        f"    （七）总计: {row(handled)}",
        f"  四、结转下年度继续办理: {row(next_year)}",
        "",
        "四、政府信息公开行政复议、行政诉讼情况:",
        "  # 每项 5 个数，依次为：结果维持、结果纠正、其他结果、尚未审结、总计",
        f"  行政复议: {row(review)}",
        "  行政诉讼:",
        f"    未经复议直接起诉: {row(lawsuit)}",
        "    复议后起诉: [0, 0, 0, 0, 0]",
        "",
        "五、存在的主要问题及改进情况:",
        "  （一）存在的主要问题: |",
        f"    {wording('问题', variant)}",
        "  （二）改进情况: |",
        f"    {wording('改进', variant)}",
        "",
        "六、其他需要报告的事项: |",
        "  本年度未收取信息处理费。",
        "",
    ]
    return "\n".join(lines)


SHARED = """\
# 共同设置（不是机关）：{what}
# 本文件夹中每个机关的数据文件都套用这里的内容；机关文件中写了的同名项以机关文件为准。
# 文件名以 _ 开头的 YAML 文件不会被当作机关。

模板: official-2021

基本信息:
  地区: 泸州市龙马潭区
  年度: 2024
  公开网站: 泸州市龙马潭区人民政府门户网站
  网址: www.longmatan.gov.cn
"""


def write_repository_samples() -> None:
    """Rewrite the tracked sample district and the broken test district."""
    (DISTRICT / "_共同.yaml").write_text(SHARED.format(what="泸州市龙马潭区 2024 年各街道、镇共同的基本信息"),
                                         encoding="utf-8")
    for number, office in enumerate(OFFICES):
        (DISTRICT / f"{office[0]}.yaml").write_text(office_yaml(office, "龙马潭区街道、镇的示例报告数据", number),
                                                    encoding="utf-8")

    BROKEN.mkdir(parents=True, exist_ok=True)
    (BROKEN / "_共同.yaml").write_text(SHARED.format(what="测试用的有错误的示例区（示例数据）"), encoding="utf-8")
    def renamed(index: int, name: str) -> tuple:  # type: ignore[type-arg]
        return (name, *OFFICES[index][1:])

    good = office_yaml(renamed(1, "正常街道"), "测试用，正常的机关")
    (BROKEN / "正常街道.yaml").write_text(good, encoding="utf-8")
    unbalanced = office_yaml(renamed(0, "不平衡街道"), "测试用，表三「一、本年新收」行与办理结果不平衡").replace(
        "  一、本年新收政府信息公开申请数量: [", "  一、本年新收政府信息公开申请数量: [1", 1)
    (BROKEN / "不平衡街道.yaml").write_text(unbalanced, encoding="utf-8")
    syntax = office_yaml(renamed(2, "格式错误街道"), "测试用，「标题」一行用了全角冒号（YAML 格式错误）").replace(
        "  标题: ", "  标题：", 1)
    (BROKEN / "格式错误街道.yaml").write_text(syntax, encoding="utf-8")
    bad_number = re.sub(r"(?m)^    行政许可: \d+", "    行政许可: 十二",
                        office_yaml(renamed(3, "数字有误镇"), "测试用，行政许可写成了汉字数字"), count=1)
    (BROKEN / "数字有误镇.yaml").write_text(bad_number, encoding="utf-8")

    # An office whose text is 红星街道's word for word (only its name and numbers differ): the district review
    # must flag it (tests/test_review.py).
    SAME_TEXT.mkdir(parents=True, exist_ok=True)
    copied = office_yaml(renamed(5, "雷同街道"), "测试用，文字照抄红星街道的报告", variant=1)
    (SAME_TEXT / "雷同街道.yaml").write_text(copied, encoding="utf-8")

def write_offices(folder: Path, count: int) -> list[Path]:
    """`count` sample offices (the 12 of 龙马潭区 first, then numbered copies) and their shared file in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    written = [folder / "_共同.yaml"]
    written[0].write_text(SHARED.format(what="示例区各机关共同的基本信息（示例数据）"), encoding="utf-8")
    for index in range(count):
        base = OFFICES[index % len(OFFICES)]
        name = base[0] if index < len(OFFICES) else f"示例{index + 1}{'镇' if base[0].endswith('镇') else '街道'}"
        target = folder / f"{name}.yaml"
        target.write_text(office_yaml((name, *base[1:]), "示例数据", index % len(OFFICES)), encoding="utf-8")
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="生成示例区的数据文件（示例数据，数字虚构但勾稽平衡）。默认写到 out/示例区（不在版本库中）。")
    parser.add_argument("--offices", "-n", type=int, default=len(OFFICES), metavar="N",
                        help=f"机关个数（默认 {len(OFFICES)}，即龙马潭区的 12 个示例机关；更多时按编号复制）")
    parser.add_argument("--output", "-o", type=Path, default=ROOT / "out" / "示例区", metavar="文件夹",
                        help="写到哪个文件夹（默认 out/示例区）")
    parser.add_argument("--update-repository", action="store_true",
                        help=f"改写版本库中的示例文件（{DISTRICT.relative_to(ROOT)} 和 {BROKEN.relative_to(ROOT)}）")
    args = parser.parse_args(argv)
    if args.update_repository:
        write_repository_samples()
        print(f"已改写 {DISTRICT.relative_to(ROOT)} 和 {BROKEN.relative_to(ROOT)} 中的示例文件")
        return 0
    if args.offices < 1:
        parser.error("--offices 至少为 1")
    output = args.output.resolve()
    for tracked in (ROOT / "data", ROOT / "tests", ROOT / "templates", ROOT / "src"):
        if output == tracked or tracked in output.parents:
            print(f"错误：{args.output} 在版本库的 {tracked.name}/ 中，不会改写；要改写版本库中的示例文件请用 "
                  "--update-repository", file=sys.stderr)
            return 2
    written = write_offices(output, args.offices)
    print(f"已在 {args.output} 中写入 {len(written) - 1} 个机关的数据文件和 _共同.yaml")
    return 0


if __name__ == "__main__":
    sys.exit(main())
