"""Scoreboard of `nianbao import` on the corpus of real published reports (tests/fixtures/real/).

Each folder holds the report as published (source.html / .pdf / .txt), meta.yaml (its address) and a
hand-checked expected.yaml in the data file's keys. For every report this reads the source the way
`nianbao import` does and compares: every expected table number (exact), every expected fact, the title,
the part headings an excerpt shows, and whether a table present in the source was reported absent.
A number the reader could not read is written 【待补】 (counted apart: listed, not guessed); a number
written as another value is a guess and counted as such; what is left was not written at all (a table
wrongly reported absent).
False problems: errors `check` raises on a source whose numbers were all read exactly, apart from the
rules expected.yaml lists under 原表错误 (the source as published breaks them) and the rows it lists under
不可读 (the source does not have them in the official form).

    python tools/corpus.py            # the scoreboard, one line per report and the totals
    python tools/corpus.py --detail   # and every mismatch
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "fixtures" / "real"
PLACEHOLDER = "【待补】"
TABLE_KEYS = {
    "二、主动公开政府信息情况": "表二",
    "三、收到和处理政府信息公开申请情况": "表三",
    "四、政府信息公开行政复议、行政诉讼情况": "表四",
}


@dataclass
class Score:
    slug: str
    shape: str
    numbers: int = 0
    numbers_exact: int = 0
    numbers_pending: int = 0  # not read, and written as 【待补】 (listed, never guessed)
    numbers_wrong: int = 0  # written as a number other than the source's: a guess, never allowed
    facts: int = 0
    facts_found: int = 0
    tables_wrongly_absent: list[str] = field(default_factory=list)
    false_problems: list[str] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)

    @property
    def exact(self) -> bool:
        return not self.mismatches and not self.tables_wrongly_absent


def corpus_items() -> list[Path]:
    return sorted(p for p in CORPUS.iterdir() if (p / "expected.yaml").is_file())


def source_of(folder: Path) -> Path:
    found = sorted(folder.glob("source.*"))
    if not found:
        raise FileNotFoundError(f"{folder} has no source.*")
    return found[0]


def _leaves(tree: Any, path: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    """Flatten a table section: rows of numbers become one leaf per position."""
    out: dict[tuple[str, ...], Any] = {}
    if isinstance(tree, dict):
        for key, value in tree.items():
            out.update(_leaves(value, (*path, str(key))))
    elif isinstance(tree, list):
        for i, value in enumerate(tree):
            out[(*path, str(i))] = value
    else:
        out[path] = tree
    return out


def _same(a: Any, b: Any) -> bool:
    try:
        return Decimal(str(a)) == Decimal(str(b))
    except Exception:
        return str(a).strip() == str(b).strip()


def _norm(text: Any) -> str:
    return "".join(str(text).split())


def score(folder: Path) -> Score:
    """Read one corpus item as `nianbao import` reads it and compare it with its expected.yaml."""
    from nianbao.report_reader import read_report
    from nianbao.yaml_writer import report_to_yaml

    expected = yaml.safe_load((folder / "expected.yaml").read_text(encoding="utf-8")) or {}
    meta = yaml.safe_load((folder / "meta.yaml").read_text(encoding="utf-8")) or {}
    result = Score(folder.name, str(meta.get("shape", "")))
    try:
        read = read_report(source_of(folder))
    except Exception as exc:  # the scoreboard reports a reader crash as a miss, never stops
        result.mismatches.append(f"读取失败：{type(exc).__name__}: {exc}")
        read = None
    got: dict[str, Any] = {}
    absent: set[str] = set()
    if read is not None:
        got = yaml.safe_load(report_to_yaml(read.report, header=[], row_notes={})) or {}
        absent = set(read.report.absent_tables) if hasattr(read.report, "absent_tables") else set()
        if not absent:  # before absence was recorded: a table never found is reported by a problem
            absent = {t for t in ("表二", "表三", "表四") if any(f"没有找到{t}" in p.message for p in read.problems)}
    facts = dict(read.report.facts) if read is not None else {}
    for key, value in (expected.get("基本信息") or {}).items():
        result.facts += 1
        if key in facts and _norm(facts[key]) == _norm(value):
            result.facts_found += 1
        else:
            result.mismatches.append(f"事实「{key}」：应为 {value!r}，读出 {facts.get(key)!r}")
    if "标题" in expected:
        result.facts += 1
        if _norm(facts.get("标题", "")) == _norm(expected["标题"]):
            result.facts_found += 1
        else:
            result.mismatches.append(f"标题：应为 {expected['标题']!r}，读出 {facts.get('标题')!r}")
    missing = set(expected.get("缺表") or [])
    excerpt = bool(expected.get("摘录"))
    for key, table in TABLE_KEYS.items():
        if key not in expected:
            continue
        if table in absent and table not in missing:
            result.tables_wrongly_absent.append(table)
        got_leaves = _leaves(got.get(key, {}))
        for path, value in _leaves(expected[key]).items():
            if value is None:  # a 2019-format cell with no 2021 counterpart: not a number to read
                continue
            result.numbers += 1
            if path in got_leaves and _same(got_leaves[path], value):
                result.numbers_exact += 1
            else:
                result.numbers_pending += got_leaves.get(path) == PLACEHOLDER
                result.numbers_wrong += got_leaves.get(path) not in (None, PLACEHOLDER)
                result.mismatches.append(f"{table} {'/'.join(path)}：应为 {value}，读出 {got_leaves.get(path)}")
    if not excerpt:
        for table in ("表二", "表三", "表四"):
            if table in absent and table not in missing and table not in result.tables_wrongly_absent:
                result.tables_wrongly_absent.append(table)
    if read is not None and not excerpt and not result.mismatches:
        result.false_problems = _false_problems(read, expected, meta)
    return result


def _false_problems(read: Any, expected: dict[str, Any], meta: dict[str, Any]) -> list[str]:
    """Errors `check` raises on a report read exactly: none may stand against what the source says."""
    from nianbao.check import check_report

    problems = list(read.problems) + check_report(read.report)
    missing = set(expected.get("缺表") or [])
    edition = str(expected.get("版本") or meta.get("edition") or "")
    # 不可读 entries name a table, a row and maybe a column, then a note in brackets: the row label is
    # the text after the table id, without the note, and without a trailing column name.
    # The note may hold brackets of its own ("（原表无此行，（六）其他处理只有一行合计…）").
    unreadable_rows = [re.sub(r"（(?:[^（）]|（[^（）]*）)*）$", "", str(e)).split(" ")[-1]
                       for e in expected.get("不可读") or []]
    out = []
    for problem in problems:
        if not problem.is_error:
            continue
        if any(t in problem.message for t in missing):
            continue
        if edition == "2019" and "2019 年试行格式" in problem.message:
            continue  # the one verdict a 2019 trial-format report must get: not a false problem
        if problem.rule in set(expected.get("原表错误") or []):
            continue  # the source as published breaks this rule (hand-checked, see meta.yaml notes)
        if any(row and row in problem.message for row in unreadable_rows):
            continue  # a row the source does not have in the official form (expected.yaml 不可读)
        out.append(problem.message)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="nianbao import 在真实年报语料上的记分板")
    parser.add_argument("--detail", action="store_true", help="列出每一处不一致")
    args = parser.parse_args(argv)
    scores = [score(folder) for folder in corpus_items()]
    for s in scores:
        mark = "完全一致" if s.exact else f"{len(s.mismatches)} 处不一致"
        print(f"{s.slug:48s} {s.shape:8s} 数字 {s.numbers_exact:3d}/{s.numbers:<3d} 待补 {s.numbers_pending:3d} "
              f"事实 {s.facts_found:2d}/{s.facts:<2d} 误报缺表 {len(s.tables_wrongly_absent)} "
              f"误报错误 {len(s.false_problems)}  {mark}")
        if args.detail:
            for line in s.mismatches + [f"误报缺表：{t}" for t in s.tables_wrongly_absent] + \
                    [f"误报错误：{m}" for m in s.false_problems]:
                print(f"    {line}")
    numbers = sum(s.numbers for s in scores)
    exact = sum(s.numbers_exact for s in scores)
    facts = sum(s.facts for s in scores)
    found = sum(s.facts_found for s in scores)
    print()
    print(f"报告 {len(scores)} 份，完全一致 {sum(s.exact for s in scores)} 份")
    pending = sum(s.numbers_pending for s in scores)
    wrong = sum(s.numbers_wrong for s in scores)
    print(f"表格数字：准确 {exact}/{numbers}，没有读出而写作【待补】{pending}，读成别的数 {wrong}，"
          f"没有写出（表被误报缺失等）{numbers - exact - pending - wrong}")
    print(f"事实（含标题）：找到 {found}/{facts}")
    print(f"误报缺表：{sum(len(s.tables_wrongly_absent) for s in scores)} 张")
    print(f"误报错误（check，数字全对的完整报告）：{sum(len(s.false_problems) for s in scores)} 条")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    sys.exit(main())
