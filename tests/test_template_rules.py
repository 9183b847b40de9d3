"""rules.yaml is validated when its template loads: every mistake named by rules.yaml:line, in one message;
and the severity written there is the one every problem of that rule carries."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from nianbao import check_file
from nianbao.errors import TemplateTrouble
from nianbao.spec import load_spec, rule_problems

from .conftest import ROOT, SEED_DATA

OFFICIAL = ROOT / "templates" / "official-2021"


def _copy(tmp_path: Path, old: str, new: str) -> Path:
    folder = tmp_path / "mine"
    shutil.copytree(OFFICIAL, folder)
    rules = folder / "rules.yaml"
    text = rules.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    rules.write_text(text.replace(old, new), encoding="utf-8")
    return folder


def _line(folder: Path, fragment: str) -> int:
    lines = (folder / "rules.yaml").read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, start=1) if fragment in line)


def test_the_official_rules_are_valid():
    assert rule_problems(OFFICIAL / "rules.yaml") == []


CASES = [
    pytest.param("id: 待改写\n    kind: rewrite_marker", "id: 待改写\n    kind: rewrite_markers", "kind: rewrite_markers",
                 "规则 待改写 的种类（kind）「rewrite_markers」不存在", id="unknown-kind"),
    pytest.param("    threshold: 0.5", "    treshold: 0.5", "treshold",
                 "规则 文字与上年雷同（repeated_text）没有参数「treshold」", id="unknown-param"),
    pytest.param("    marker: 【待改写】", "    marker: 【待改写】\n    severity: fatal", "severity: fatal",
                 "规则 待改写 的严重程度（severity）「fatal」应为 error（错误）或 warning（提醒）", id="bad-severity"),
]


@pytest.mark.parametrize(("old", "new", "at", "expected"), CASES)
def test_a_bad_rule_is_named_with_its_line(tmp_path, old, new, at, expected):
    folder = _copy(tmp_path, old, new)
    with pytest.raises(TemplateTrouble) as caught:
        load_spec(folder)
    assert f"rules.yaml:{_line(folder, at)}：{expected}" in str(caught.value)


def test_all_mistakes_in_one_message(tmp_path):
    folder = _copy(tmp_path, "id: 待改写\n    kind: rewrite_marker", "id: 待改写\n    kind: rewrite_markers")
    rules = folder / "rules.yaml"
    rules.write_text(rules.read_text(encoding="utf-8").replace("    threshold: 0.5", "    treshold: 0.5"),
                     encoding="utf-8")
    with pytest.raises(TemplateTrouble) as caught:
        load_spec(folder)
    assert "rewrite_markers" in str(caught.value) and "treshold" in str(caught.value)


def test_a_missing_parameter_is_named(tmp_path):
    folder = _copy(tmp_path, "    marker: 【待改写】\n", "")
    problems = rule_problems(folder / "rules.yaml")
    assert len(problems) == 1 and "缺少参数「marker」" in problems[0]


def test_the_severity_written_in_rules_yaml_is_honoured(tmp_path):
    """Rule 表四合计 turned into a warning: the unbalanced row is a warning and the data passes."""
    folder = _copy(tmp_path, "id: 表四合计", "id: 表四合计")
    rules = folder / "rules.yaml"
    text = rules.read_text(encoding="utf-8")
    start = text.index("id: 表四合计")
    rules.write_text(text[:start] + text[start:].replace("severity: error", "severity: warning", 1),
                     encoding="utf-8")
    data = tmp_path / "安宁街道.yaml"
    row = "行政复议: [0, 0, 0, 0, 0]"
    text = SEED_DATA.read_text(encoding="utf-8")
    assert text.count(row) == 1
    data.write_text(text.replace(row, "行政复议: [1, 0, 0, 0, 0]"), encoding="utf-8")
    official = check_file(data)
    mine = check_file(data, template=str(folder))
    assert [p.rule for p in official.problems if p.is_error] == ["表四合计"]
    assert [p.rule for p in mine.problems if p.rule == "表四合计"] == ["表四合计"]
    assert not [p for p in mine.problems if p.is_error]
