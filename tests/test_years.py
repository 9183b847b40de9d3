"""Across years: rule 6 (上年结转, hard), rule 7 (现行有效, warning), repeated text, and `nianbao new`."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from nianbao import FileTrouble, check_file, new_year_file
from nianbao.cli import cli
from nianbao.years import similarity

from .conftest import ROOT, SEED_DATA

CARRY = "二、上年结转政府信息公开申请数量: [0, 0, 0, 0, 0, 0, 0]"
NEXT = "四、结转下年度继续办理: [0, 0, 0, 0, 0, 0, 0]"
NEW = "一、本年新收政府信息公开申请数量: [0, 0, 0, 0, 0, 0, 0]"
TOTAL = "（七）总计: [0, 0, 0, 0, 0, 0, 0]"
DOCS = "行政规范性文件: [0, 0, 0]"
NO_CASES = "未收到公民、组织、法人等提出的信息公开申请，"


def office_file(root: Path, year: int, changes: dict[str, str]) -> Path:
    """The seed data as `root/<year>/安宁街道.yaml`, with 年度 = year and some lines replaced."""
    text = SEED_DATA.read_text(encoding="utf-8").replace("年度: 2024", f"年度: {year}")
    for old, new in changes.items():
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = root / str(year) / "安宁街道.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def line_of(fragment: str, changes: dict[str, str] | None = None) -> int:
    """The line of `fragment` in the seed data file after `changes` (which keep the line count here)."""
    text = SEED_DATA.read_text(encoding="utf-8")
    for old, new in (changes or {}).items():
        text = text.replace(old, new)
    return next(n for n, line in enumerate(text.splitlines(), 1) if fragment in line)


CARRY_LINE = line_of("二、上年结转")
DOCS_LINE = line_of("行政规范性文件:")
PART1_LINE = line_of("一、总体情况:")
PART5_LINE = line_of("五、存在的主要问题及改进情况:")


def messages(result, rules=("上年结转", "现行有效件数", "文字与上年雷同")):
    return [p.format().split("\n")[0] for p in result.problems if p.rule in rules]


# Last year ended with 2 applications (自然人) carried to this year; 3 行政规范性文件 in force.
LAST_YEAR = {
    NEW: "一、本年新收政府信息公开申请数量: [2, 0, 0, 0, 0, 0]",
    NEXT: "四、结转下年度继续办理: [2, 0, 0, 0, 0, 0]",
    TOTAL: "（七）总计: {}",
    DOCS: "行政规范性文件: [3, 0, 3]",
    NO_CASES: "",
}

CASES = [
    pytest.param(
        {CARRY: "二、上年结转政府信息公开申请数量: [2, 0, 0, 0, 0, 0]", NEXT: "四、结转下年度继续办理: [2, 0, 0, 0, 0, 0]",
         DOCS: "行政规范性文件: [1, 0, 4]", NO_CASES: ""},
        [],
        id="carried-over-and-stock-agree",
    ),
    pytest.param(
        {DOCS: "行政规范性文件: [1, 0, 4]"},
        [
            f"2025/安宁街道.yaml:{CARRY_LINE} 错误：表三「二、上年结转政府信息公开申请数量」行「自然人」栏为 0，"
            "但上年（2024/安宁街道.yaml）「四、结转下年度继续办理」为 2",
            f"2025/安宁街道.yaml:{CARRY_LINE} 错误：表三「二、上年结转政府信息公开申请数量」行「总计」栏为 0，"
            "但上年（2024/安宁街道.yaml）「四、结转下年度继续办理」为 2",
        ],
        id="rule6-carry-over-missing",
    ),
    pytest.param(
        {CARRY: "二、上年结转政府信息公开申请数量: [2, 0, 0, 0, 0, 0]", NEXT: "四、结转下年度继续办理: [2, 0, 0, 0, 0, 0]",
         DOCS: "行政规范性文件: [1, 1, 5]", NO_CASES: ""},
        [f"2025/安宁街道.yaml:{DOCS_LINE} 警告：表二「行政规范性文件」行：现行有效件数 5 不等于上年现行有效件数 3 "
         "+ 本年制发 1 − 本年废止 1 = 3"],
        id="rule7-stock-does-not-follow",
    ),
]


@pytest.mark.parametrize(("changes", "expected"), CASES)
def test_cross_year_rules(tmp_path, monkeypatch, changes, expected):
    monkeypatch.chdir(tmp_path)
    office_file(tmp_path, 2024, LAST_YEAR)
    this_year = office_file(tmp_path, 2025, changes)
    result = check_file(this_year.relative_to(tmp_path))
    assert messages(result, ("上年结转", "现行有效件数")) == expected
    assert result.ok == (not any("错误" in m for m in expected))


def test_no_previous_year_no_cross_year_check(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    this_year = office_file(tmp_path, 2025, {CARRY: "二、上年结转政府信息公开申请数量: [2, 0, 0, 0, 0, 0]",
                                             NEXT: "四、结转下年度继续办理: [2, 0, 0, 0, 0, 0]", NO_CASES: ""})
    assert messages(check_file(this_year)) == []


def test_previous_given_explicitly_and_of_the_wrong_year(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    last = office_file(tmp_path / "elsewhere", 2024, LAST_YEAR)
    this_year = office_file(tmp_path, 2025, {})
    result = check_file(this_year, previous=last)
    assert messages(result, ("上年结转",))[0].startswith(f"2025/安宁街道.yaml:{CARRY_LINE} 错误：表三「二、上年结转政府信息公开申请数量」行「自然人」栏为 0")
    older = office_file(tmp_path / "older", 2022, {})
    wrong = check_file(this_year, previous=older)
    assert [p.format().split("\n")[0] for p in wrong.problems if "上年数据" in p.message] == [
        "2025/安宁街道.yaml 警告：上年数据 older/2022/安宁街道.yaml 是 2022 年的，不是 2024 年的，没有做跨年度核对"
    ]  # once, though three cross-year rules meet it


def test_last_years_year_may_come_from_its_district_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    district = ROOT / "data" / "龙马潭区" / "2024"
    for year in ("2023", "2025"):
        (tmp_path / year).mkdir()
        shared = (district / "_共同.yaml").read_text(encoding="utf-8").replace("年度: 2024", f"年度: {year}")
        (tmp_path / year / "_共同.yaml").write_text(shared, encoding="utf-8")
        office = (district / "红星街道.yaml").read_text(encoding="utf-8")
        (tmp_path / year / "红星街道.yaml").write_text(office.replace("2024", year), encoding="utf-8")
    # 2023 is not the year before 2025: only known through 2023's own _共同.yaml.
    result = check_file(tmp_path / "2025" / "红星街道.yaml", defaults=[tmp_path / "2025" / "_共同.yaml"],
                        previous=tmp_path / "2023" / "红星街道.yaml")
    assert [p.message for p in result.problems if "上年数据" in p.message] == [
        "上年数据 2023/红星街道.yaml 是 2023 年的，不是 2024 年的，没有做跨年度核对"
    ]


def test_text_too_similar_to_last_year(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    office_file(tmp_path, 2024, {})
    this_year = office_file(tmp_path, 2025, {"本年度未收取信息处理费。": "本年度未收取信息处理费，未发出收费通知。"})
    assert messages(check_file(this_year), ("文字与上年雷同",)) == [
        f"2025/安宁街道.yaml:{PART1_LINE} 警告：「一、总体情况」与上年（2024/安宁街道.yaml）的文字相似度为 100%，超过 50%",
        f"2025/安宁街道.yaml:{PART5_LINE} 警告：「五、存在的主要问题及改进情况」与上年（2024/安宁街道.yaml）的文字相似度为 100%，超过 50%",
    ]


def test_similarity_threshold_is_a_ratio():
    assert similarity("一二三四五六七八九十", "一二三四五六七八九十") == 1.0
    assert similarity("一二三四五甲乙丙丁戊", "一二三四五六七八九十") == 0.5
    assert similarity("甲乙丙丁戊己庚辛壬癸", "一二三四五六七八九十") == 0.0


def test_new_starts_this_year_from_last_year(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    last = office_file(tmp_path / "data", 2024, LAST_YEAR)
    result = new_year_file(last, year="2025")
    assert result.target == tmp_path / "data" / "2025" / "安宁街道.yaml"
    assert len(result.carried) == 9
    text = result.target.read_text(encoding="utf-8")
    assert "  年度: 2025\n" in text
    assert ("  # 待改写：以下是2024年的文字，请按2025年的实际情况改写，改完后删去“【待改写】”\n"
            "  （二）依申请公开情况: |\n    【待改写】2024年，未发生因政府信息公开提起的行政复议和行政诉讼情况。\n") in text
    assert ("  # 按2024年「四、结转下年度继续办理」填写\n"
            "  二、上年结转政府信息公开申请数量: [2, 0, 0, 0, 0, 0, 2]\n") in text
    assert "  一、本年新收政府信息公开申请数量: [0, 0, 0, 0, 0, 0, 0]\n" in text
    assert "  四、结转下年度继续办理: [0, 0, 0, 0, 0, 0, 0]\n" in text
    assert ("    # 2024年现行有效件数为 3；本年应为 3 + 本年制发件数 − 本年废止件数\n"
            "    行政规范性文件: [0, 0, 0]\n") in text

    lines_of_new = text.splitlines()
    new_docs_line = next(n for n, line in enumerate(lines_of_new, 1) if "行政规范性文件:" in line)
    intro_line = next(n for n, line in enumerate(lines_of_new, 1) if "导语: |" in line) + 1

    # check: rule 6 holds (no 上年结转 error), rule 7 reminds of the stock, every carried block warns.
    result_check = check_file(Path("data/2025/安宁街道.yaml"))
    lines = [p.format().split("\n")[0] for p in result_check.problems]
    assert messages(result_check) == [
        f"data/2025/安宁街道.yaml:{new_docs_line} 警告：表二「行政规范性文件」行：现行有效件数 0 不等于上年现行有效件数 3 "
        "+ 本年制发 0 − 本年废止 0 = 3"
    ]
    markers = [line for line in lines if "待改写" in line]
    assert len(markers) == 9
    assert markers[0] == f"data/2025/安宁街道.yaml:{intro_line} 警告：「一、总体情况导语」还是从上年带过来的文字（有“【待改写】”标记）"

    with pytest.raises(FileTrouble) as info:
        new_year_file(last, year="2025")
    assert "已存在，为免覆盖未写入；确认要替换它，请加 --force" in info.value.message


def test_new_needs_a_year_folder_or_output(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    loose = tmp_path / "安宁街道.yaml"
    loose.write_text(SEED_DATA.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(FileTrouble) as info:
        new_year_file(loose)
    assert info.value.message == (
        "安宁街道.yaml 不在以年度命名的文件夹中（如 data/龙马潭区/2024/），无法确定新文件的位置；请用 -o 指定"
    )
    assert new_year_file(loose, output=tmp_path / "2025.yaml").year == "2025"


def test_cli_new(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    office_file(tmp_path / "data", 2024, {})
    result = CliRunner().invoke(cli, ["new", "data/2024/安宁街道.yaml", "--year", "2025"], prog_name="nianbao")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "已生成：data/2025/安宁街道.yaml（9 段文字待改写）\n"


def test_new_carries_the_district_defaults_file_into_the_new_year(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    district = ROOT / "data" / "龙马潭区" / "2024"
    folder = tmp_path / "2024"
    folder.mkdir()
    for name in ("_共同.yaml", "红星街道.yaml"):
        (folder / name).write_text((district / name).read_text(encoding="utf-8"), encoding="utf-8")
    result = new_year_file(folder / "红星街道.yaml", year="2025")
    assert result.defaults_written == [tmp_path / "2025" / "_共同.yaml"]
    shared = (tmp_path / "2025" / "_共同.yaml").read_text(encoding="utf-8")
    assert "  年度: 2025\n" in shared and "年度: 2024" not in shared
    # The new office file alone lacks the shared facts; with the carried defaults nothing is missing.
    checked = check_file(result.target, defaults=[tmp_path / "2025" / "_共同.yaml"])
    assert not [p for p in checked.problems if "缺少" in p.message]
    assert checked.report is not None and checked.report.facts["公开网站"] == "泸州市龙马潭区人民政府门户网站"
    # A second office of the same district finds the defaults already there and leaves them alone.
    (folder / "安宁街道.yaml").write_text((district / "安宁街道.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    assert new_year_file(folder / "安宁街道.yaml", year="2025").defaults_written == []
