"""The terminal summary table: drawn without rich where the output is plain text, byte for byte what rich
draws; rich draws it on a terminal and wherever the plain drawing could differ."""

from __future__ import annotations

import io
import random
import subprocess
import sys
from pathlib import Path

import pytest

from nianbao.batch import OfficeOutcome, Status
from nianbao.problems import Location, warning
from nianbao.summary import TERMINAL_ROWS, _rich_table, plain_table, print_summary

HEADER = ["机关", "状态", "新收", "办结", "结转", "复议", "诉讼", "错误", "警告"]
NAMES = ["双加镇", "示例100街道", "A", "Ünïcödé 办事处", "🏢大楼街道", "ｆｕｌｌ　ｗｉｄｔｈ", "e\u0301 combining",
         "x" * 40, "很长的名字" * 6, "鱼塘街道 第二 办事处", "", "ｱｲｳ半角"]


def _rows(count: int, rng: random.Random, names: list[str]) -> list[list[str]]:
    return [[rng.choice(names), rng.choice([s.value for s in Status]),
             *(str(rng.choice([0, 7, 12, 1042, 1234567, ""])) for _ in HEADER[2:])] for _ in range(count)]


def _rich(heading: str, caption: str, header: list[str], rows: list[list[str]], total: list[str]) -> str:
    out = io.StringIO()
    _rich_table(heading, caption, header, rows, ["green"] * len(rows), total, out)
    return out.getvalue()


CAPTIONS = [
    "共 200 个机关：已生成 200；只列出需要注意的 40 个机关（另有 160 个需要注意的未列出），其余 160 个见年报汇总.xlsx",
    "共 3 个机关：已生成 2，有错误 1",
    "共 41 个机关：已生成 41；只列出需要注意的 0 个机关，其余 41 个见" + "上面逐个机关的结果" * 8,
    "a" * 300,
    "短 " * 60,
    "  leading and trailing spaces   ",
]


@pytest.mark.parametrize("seed", range(40))
def test_the_plain_table_is_byte_for_byte_what_rich_prints(seed: int) -> None:
    rng = random.Random(seed)
    count = rng.choice([0, 1, 2, 5, 40])
    header = HEADER[: rng.choice([3, 5, 9])]
    rows = [row[: len(header)] for row in _rows(count, rng, NAMES[: rng.choice([2, 5, len(NAMES)])])]
    total = [f"合计（{count}）", "", *(str(rng.randint(0, 10**rng.randint(1, 9))) for _ in header[2:])]
    heading = rng.choice(["政府信息公开工作年度报告 生成汇总", "政府信息公开工作年度报告 检查汇总", "题" * 90])
    caption = rng.choice(CAPTIONS)
    plain = plain_table(heading, caption, header, rows, total, io.StringIO())
    expected = _rich(heading, caption, header, rows, total)
    assert plain is not None  # every case here fits a log's width
    assert plain == expected


@pytest.mark.parametrize("name", ["[bold]粗体[/bold]街道", "a:smile:b", "换\n行", "制表\t符", "x" * 150,
                                  "行\u2028分隔", "段\u2029分隔", "下\x85一行", "尾空格 ", " 首空格", "全角尾空格\u3000"])
def test_text_rich_would_read_or_change_and_tables_too_wide_are_left_to_rich(name: str) -> None:
    rows = [[name, "已生成", "1"]]
    assert plain_table("标题", "说明", HEADER[:3], rows, ["合计（1）", "", "1"], io.StringIO()) is None


def test_a_heading_label_with_a_light_bar_is_drawn_as_rich_draws_it() -> None:
    header = ["机关", "状态", "新│收"]
    rows = [["双加镇", "已生成", "1"]]
    total = ["合计（1）", "", "1"]
    plain = plain_table("标题", "说明", header, rows, total, io.StringIO())
    assert plain is not None and "┃ 新│收 ┃" in plain
    assert plain == _rich("标题", "说明", header, rows, total)


def test_a_label_ending_in_a_space_is_left_to_rich() -> None:
    header = ["机关", "状态", "新收 "]
    rows = [["双加镇", "已生成", "1"]]
    total = ["合计（1）", "", "1"]
    assert plain_table("标题", "说明", header, rows, total, io.StringIO()) is None


def test_in_a_notebook_rich_draws_the_table(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [["双加镇", "已生成", "1"]]
    assert plain_table("标题", "说明", HEADER[:3], rows, ["合计（1）", "", "1"], io.StringIO()) is not None
    monkeypatch.setitem(sys.modules, "ipykernel", sys.modules[__name__])
    assert plain_table("标题", "说明", HEADER[:3], rows, ["合计（1）", "", "1"], io.StringIO()) is None


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _outcomes(count: int) -> list[OfficeOutcome]:
    outcomes = [OfficeOutcome(Path(f"{i}.yaml"), f"{i}.yaml", f"机关{i}", Status.BUILT, {"新收": i})
                for i in range(count)]
    if outcomes:
        outcomes[-1].problems = [warning(Location(f"{count - 1}.yaml", 3), "示例警告")]
    return outcomes


def test_a_terminal_or_a_forced_colour_gets_rich_colours(monkeypatch: pytest.MonkeyPatch) -> None:
    out = _Terminal()
    print_summary(_outcomes(3), file=out)
    assert "\x1b[" in out.getvalue()
    assert plain_table("标题", "说明", HEADER[:3], [], ["合计（0）", "", "0"], _Terminal()) is None
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert plain_table("标题", "说明", HEADER[:3], [], ["合计（0）", "", "0"], io.StringIO()) is None


def test_a_non_utf_output_is_left_to_rich() -> None:
    out = io.TextIOWrapper(io.BytesIO(), encoding="gb18030")
    assert plain_table("标题", "说明", HEADER[:3], [], ["合计（0）", "", "0"], out) is None


@pytest.mark.parametrize("count", [0, 1, 40, TERMINAL_ROWS + 5])
def test_print_summary_to_a_pipe_prints_what_rich_printed(count: int, monkeypatch: pytest.MonkeyPatch) -> None:
    out = io.StringIO()
    print_summary(_outcomes(count), file=out)
    monkeypatch.setattr("nianbao.summary.plain_table", lambda *args: None)
    by_rich = io.StringIO()
    print_summary(_outcomes(count), file=by_rich)
    assert out.getvalue() == by_rich.getvalue()


def test_print_summary_to_a_pipe_does_not_load_rich_s_console() -> None:
    code = ("import io, sys\nfrom nianbao.summary import print_summary\nfrom nianbao.batch import OfficeOutcome, Status\n"
            "from pathlib import Path\nout = io.StringIO()\n"
            "print_summary([OfficeOutcome(Path('a.yaml'), 'a.yaml', '甲', Status.BUILT, {'新收': 1})], file=out)\n"
            "assert '甲' in out.getvalue()\nprint('rich.console' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
