"""What the checks make of a rule once per template (compiled patterns, the cells each names, the equations
of a balance) is kept on the rule itself (`Rule.made`): no module-level cache keyed by object identity, and
never pickled with the spec."""

from __future__ import annotations

import copy
import pickle

from nianbao import check, check_file, text_rules, totals
from nianbao.load import load_report
from nianbao.spec import load_spec, resolve_template


def _spec():
    return load_spec(resolve_template("official-2021"))


def test_no_module_level_caches_of_rules() -> None:
    for module, name in ((text_rules, "_ANY"), (text_rules, "_PATTERNS"), (totals, "_MADE")):
        assert not hasattr(module, name)


def test_balance_equations_are_made_once_per_rule_and_kept_on_it(variant) -> None:
    report, _ = load_report(variant.write())
    assert report is not None
    rule = next(r for r in report.spec.rules_of("balance"))
    first = list(totals.balance_instances(report, rule))
    assert rule.made["balance"][0] is report.spec
    assert all(a is b for a, b in zip(first, totals.balance_instances(report, rule), strict=True))


def test_a_copy_of_the_template_makes_its_own(variant) -> None:
    report, _ = load_report(variant.write())
    assert report is not None
    rule = report.spec.rules_of("balance")[0]
    kept = list(totals.balance_instances(report, rule))
    other = copy.deepcopy(report.spec)  # another spec holding the same rule object would not be told apart
    other.rules = [rule]
    report.spec = other
    remade = list(totals.balance_instances(report, rule))
    assert rule.made["balance"][0] is other
    assert [i.left for i in remade] == [i.left for i in kept]
    assert all(a is not b for a, b in zip(kept, remade, strict=True))


def test_text_rules_keep_their_patterns_and_cells_on_the_rule(variant) -> None:
    check_file(variant.write())
    spec = _spec()
    numbers = spec.rules_of("text_numbers")[0]
    made = numbers.made["text"]
    assert made.spec is spec
    assert [p.pattern for p in made.compiled] == [
        p.pattern for p in text_rules._compiled_all([e["regex"] for e in numbers.params["patterns"]])]
    assert made.any_of is not None
    first = numbers.params["patterns"][0]
    assert made.keys[0] == text_rules._keys(spec, first["cells"])
    claims = spec.rules_of("text_claims")[0].made["text"]
    assert claims.any_of is None and len(claims.keys) == len(spec.rules_of("text_claims")[0].params["claims"])


def test_an_entry_naming_what_the_template_lacks_is_summed_as_before(variant) -> None:
    """Its cells are looked up only when its pattern matches, and then say what is missing (KeyError)."""
    spec = _spec()
    assert text_rules._keys_or_none(spec, [["表九", "x", "总计"]]) is None
    assert text_rules._keys_or_none(spec, [["表三", "无此行", "总计"]]) is None
    assert text_rules._keys_or_none(spec, [["表三", "组:无此组", "总计"]]) == []  # as _sum always read it


def test_what_is_made_is_not_pickled(variant) -> None:
    check_file(variant.write())
    spec = _spec()
    assert any(rule.made for rule in spec.rules)
    again = pickle.loads(pickle.dumps(spec))
    assert all(rule.made == {} for rule in again.rules)
    assert [r.params for r in again.rules] == [r.params for r in spec.rules]


TABLE_FOUR = """四、政府信息公开行政复议、行政诉讼情况:
  # 每项 5 个数，依次为：结果维持、结果纠正、其他结果、尚未审结、总计
  行政复议: [0, 0, 0, 0, 0]
  行政诉讼:
    未经复议直接起诉: [0, 0, 0, 0, 0]
    复议后起诉: [0, 0, 0, 0, 0]
"""


def _without_table_four(variant):
    return variant.replace(TABLE_FOUR, "四、政府信息公开行政复议、行政诉讼情况: 缺失\n").write()


def test_a_rule_narrowed_for_an_absent_table_makes_its_own(variant) -> None:
    """A rule narrowed to the entries that need no absent table (check.without_tables) is another rule with
    other settings: it must not share what was made of the rule it came from."""
    check_file(_without_table_four(variant))
    spec = _spec()
    rule = next(r for r in spec.rules_of("text_numbers") if check._tables_named(r.params, {"表四"}))
    narrowed = check.without_tables(rule, {"表四"})
    assert narrowed is not None and narrowed is not rule
    assert len(narrowed.params["patterns"]) < len(rule.params["patterns"])
    assert narrowed.made["text"] is not rule.made.get("text")
    assert len(narrowed.made["text"].compiled) == len(narrowed.params["patterns"])


def test_a_narrowed_rule_is_made_once_for_offices_missing_the_same_table(variant, monkeypatch) -> None:
    """Two offices without 表四: the second one neither narrows the rules again nor compiles their patterns
    again (each is made once per template and set of absent tables, kept on the rule it came from)."""
    first = check_file(_without_table_four(variant))
    assert any(p.rule == "待补" and "表四" in p.message for p in first.problems)
    compiled: list[list[str]] = []
    real = text_rules.compile_patterns
    monkeypatch.setattr(text_rules, "compile_patterns", lambda sources: compiled.append(sources) or real(sources))
    second = check_file(variant.directory / variant.name)
    assert [p.format() for p in second.problems] == [p.format() for p in first.problems]
    assert compiled == []
    spec = _spec()
    rule = next(r for r in spec.rules_of("text_numbers") if check._tables_named(r.params, {"表四"}))
    assert check.without_tables(rule, {"表四"}) is check.without_tables(rule, {"表四", "表九"})
    assert check.without_tables(rule, set()) is rule


def test_the_cells_a_text_rule_names_are_looked_up_again_when_a_table_is_replaced(variant) -> None:
    """The keys depend on the spec's tables: a table replaced on the same spec (another object, here an
    equal copy) makes them again; the compiled patterns are kept."""
    import dataclasses

    path = variant.write()
    check_file(path)
    spec = _spec()
    rule = spec.rules_of("text_numbers")[0]
    before = rule.made["text"]
    index = next(i for i, t in enumerate(spec.tables)
                 if any(key is not None and key and key[0][0] == t.id for key in before.keys))
    first = spec.tables[index]
    spec.tables[index] = dataclasses.replace(first)
    try:
        check_file(path)
        after = rule.made["text"]
        assert after is not before and after.tables[index] is spec.tables[index]
        assert after.compiled is before.compiled and after.keys == before.keys
    finally:
        spec.tables[index] = first
        rule.made.pop("text", None)
