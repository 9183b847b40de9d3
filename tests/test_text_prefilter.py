"""text_rules._any_of: one pattern made of a text_numbers rule's patterns, so that a paragraph where none
of them can match is passed over with one search. It must find something exactly where one of the
patterns does, or not be made at all."""

from __future__ import annotations

import random
import re

import pytest

from nianbao import check_file, text_rules
from nianbao.spec import load_spec, resolve_template

from .test_text_rules import CASES, text_warnings


def _rule_patterns(kind: str) -> list[re.Pattern[str]]:
    spec = load_spec(resolve_template("official-2021"))
    rule = spec.rules_of(kind)[0]
    key = "patterns" if kind == "text_numbers" else "claims"
    return text_rules._compiled_all([entry["regex"] for entry in rule.params[key]])


@pytest.mark.parametrize("sources", [
    [r"(a)\1"], [r"(?P<n>a)(?P=n)"], [r"(a)?(?(1)b|c)"],  # back-references, conditionals
    [r"\(?P<n>\d+"], [r"[(?P<n>]x"], [r"(?i)abc"], [r"(?x) a b"],  # not a group; global flags
    [r"(?P<n>\d+)", r"\(?P<n>x"],
])
def test_no_single_pattern_when_it_could_match_otherwise(sources: list[str]) -> None:
    assert text_rules._any_source([re.compile(s) for s in sources]) is None


def test_no_single_pattern_of_no_patterns() -> None:
    assert text_rules._any_source([]) is None


def test_named_groups_become_plain_alternatives() -> None:
    compiled = [re.compile(r"收到(?P<n>\d+)件"), re.compile(r"\\(?P<n>x)"), re.compile(r"(?<!未)办结(?P<n>\d+)")]
    source = text_rules._any_source(compiled)
    assert source == r"(?:收到(?:\d+)件)|(?:\\(?:x))|(?:(?<!未)办结(?:\d+))"


@pytest.mark.parametrize("kind", ["text_numbers", "text_claims"])
def test_the_single_pattern_finds_something_exactly_where_one_pattern_does(kind: str) -> None:
    compiled = _rule_patterns(kind)
    source = text_rules._any_source(compiled)
    assert source is not None
    any_of = re.compile(source)
    words = ["收到", "申请", "件", "予以公开", "部分公开", "办结", "未", "结转", "下年度", "行政复议", "诉讼",
             "和", "占", "%", "，", "。", "12", "三", "十二", "规范性文件", "现行有效", "制发", "废止", "均获维持",
             "尚未审结", "收费通知", "发出", "没有", "发生", "不予处理", "无法提供", "其他处理", " ", "1.5"]
    rng = random.Random(20)
    texts = ["", "2024年，共收到政府信息公开申请4件，上年结转1件，办结4件。", "本年度未收取信息处理费。"]
    texts += ["".join(rng.choice(words) for _ in range(rng.randint(1, 14))) for _ in range(2000)]
    numbers, units = ["0", "12", "三", "十二", "1.5", ""], ["件", "个", "份", "起", "%", "", "条"]
    texts += ["".join(rng.choice(words) + rng.choice(["", "了", "的", "，", "共"]) + rng.choice(numbers) + rng.choice(units)
                      for _ in range(rng.randint(1, 4))) for _ in range(2000)]
    found = 0
    for text in texts:
        expected = any(p.search(text) is not None for p in compiled)
        assert (any_of.search(text) is not None) == expected, text
        found += expected
    assert 50 < found < len(texts) - 50  # both kinds of text were tried


@pytest.mark.parametrize(("changes", "expected"), CASES)
def test_text_numbers_say_the_same_without_the_single_pattern(variant, monkeypatch, changes, expected):
    for old, new in changes.items():
        variant.replace(old, new)
    path = variant.write()
    with_it = [p.format() for p in check_file(path).problems]
    monkeypatch.setattr(text_rules, "_any_source", lambda compiled: None)
    for rule in load_spec(resolve_template("official-2021")).rules:
        rule.made.clear()  # made again, without the single pattern
    without = [p.format() for p in check_file(path).problems]
    for rule in load_spec(resolve_template("official-2021")).rules:
        rule.made.clear()
    assert with_it == without
    assert text_warnings(check_file(path)) == expected
