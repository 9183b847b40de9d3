"""The template spec kept on disk between runs: the same spec as a fresh reading, and a changed template
file (fields, rules, defaults, or a parent's) is always picked up."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nianbao.errors import TemplateTrouble
from nianbao.spec import load_spec, normalize_label

from .conftest import ROOT

OFFICIAL = ROOT / "templates" / "official-2021"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("NIANBAO_CACHE_DIR", str(folder))
    load_spec.cache_clear()
    yield folder
    load_spec.cache_clear()


def _fresh(folder: Path, monkeypatch: pytest.MonkeyPatch):
    load_spec.cache_clear()
    monkeypatch.setenv("NIANBAO_CACHE", "0")
    try:
        return load_spec(folder)
    finally:
        monkeypatch.delenv("NIANBAO_CACHE")
        load_spec.cache_clear()


def _template(tmp_path: Path) -> Path:
    folder = tmp_path / "mine"
    shutil.copytree(OFFICIAL, folder)
    return folder


def _reload(folder: Path):
    load_spec.cache_clear()
    return load_spec(folder)


def test_the_cached_spec_is_the_fresh_one(cache, tmp_path, monkeypatch):
    folder = _template(tmp_path)
    first = _reload(folder)
    assert list((cache / "spec").glob("*.pickle")), "the first reading stores the spec"
    second = _reload(folder)
    assert second is not first  # read back from disk, not the process's own copy
    assert second == first == _fresh(folder, monkeypatch)
    assert second.docx == folder.resolve() / "template.docx"


def test_a_changed_rules_or_fields_file_is_picked_up(cache, tmp_path):
    folder = _template(tmp_path)
    before = _reload(folder)
    rules = folder / "rules.yaml"
    rules.write_text(rules.read_text(encoding="utf-8").replace("表三「{列}」列：第一项", "改过的表三「{列}」列：第一项", 1),
                     encoding="utf-8")
    after = _reload(folder)
    assert any(r.message.startswith("改过的表三") for r in after.rules)
    assert not any(r.message.startswith("改过的表三") for r in before.rules)

    fields = folder / "fields.yaml"
    fields.write_text(fields.read_text(encoding="utf-8").replace("label: 商业企业}", "label: 商业企业（改）}", 1),
                      encoding="utf-8")
    labels = {c.label for t in _reload(folder).tables for c in t.all_columns()}
    assert "商业企业（改）" in labels

    defaults = folder / "defaults.yaml"
    defaults.write_text(defaults.read_text(encoding="utf-8") + "\nextra_setting_for_test: 1\n", encoding="utf-8")
    assert _reload(folder).defaults["extra_setting_for_test"] == 1


def test_a_rules_file_broken_after_caching_is_refused(cache, tmp_path):
    folder = _template(tmp_path)
    _reload(folder)
    (folder / "rules.yaml").write_text("rules:\n  - {id: x, kind: 没有这种, message: m}\n", encoding="utf-8")
    with pytest.raises(TemplateTrouble, match="rules.yaml"):
        _reload(folder)


def test_a_derived_template_sees_its_parents_change(cache, tmp_path):
    parent = _template(tmp_path)
    child = tmp_path / "child"
    child.mkdir()
    (child / "模板.yaml").write_text(f"上级模板: {parent}\n名称: 子模板\n", encoding="utf-8")
    assert _reload(child).name == "子模板"
    rules = parent / "rules.yaml"
    rules.write_text(rules.read_text(encoding="utf-8").replace("表三「{列}」列：第一项", "父改：第一项", 1),
                     encoding="utf-8")
    assert any(r.message.startswith("父改") for r in _reload(child).rules)
    # The Word file comes from the nearest folder that has one: a copy added to the child is used at once.
    shutil.copy(parent / "template.docx", child / "template.docx")
    assert _reload(child).docx == child.resolve() / "template.docx"
    (child / "template.docx").unlink()
    (parent / "template.docx").unlink()
    with pytest.raises(TemplateTrouble, match="找不到 Word 模板"):
        _reload(child)


def test_a_damaged_entry_is_only_a_miss(cache, tmp_path, monkeypatch):
    folder = _template(tmp_path)
    expected = _reload(folder)
    for entry in (cache / "spec").glob("*.pickle"):
        entry.write_bytes(b"\x80\x05garbage")
    assert _reload(folder) == expected
    for entry in (cache / "spec").glob("*.pickle"):
        entry.write_bytes(b"")
    assert _reload(folder) == expected == _fresh(folder, monkeypatch)


def test_processes_filling_the_cache_at_once_all_get_the_spec(cache, tmp_path):
    folder = _template(tmp_path)
    script = ("import sys; from nianbao.spec import load_spec; "
              "s = load_spec(sys.argv[1]); print(len(s.rules), len(s.tables), s.name)")
    runs = [subprocess.Popen([sys.executable, "-c", script, str(folder)], stdout=subprocess.PIPE, text=True)
            for _ in range(4)]
    outputs = {run.communicate(timeout=120)[0] for run in runs}
    assert all(run.returncode == 0 for run in runs)
    expected = _reload(folder)
    assert outputs == {f"{len(expected.rules)} {len(expected.tables)} {expected.name}\n"}
    assert len(list((cache / "spec").glob("*.pickle"))) == 1
    assert not list((cache / "spec").glob(".*.tmp")), "no temporary file left behind"


def test_two_templates_under_one_entry_name_never_get_each_others_spec(cache, tmp_path, monkeypatch):
    """The entry's file name is only a checksum of its key; the key inside is compared whole."""
    import nianbao.spec

    monkeypatch.setattr(nianbao.spec, "_spec_path", lambda key: cache / "spec" / "same-name.pickle")
    mine = _template(tmp_path)
    rules = mine / "rules.yaml"
    rules.write_text(rules.read_text(encoding="utf-8").replace("表三「{列}」列：第一项", "改过的表三「{列}」列：第一项", 1),
                     encoding="utf-8")
    for _ in range(2):
        assert any(r.message.startswith("改过的表三") for r in _reload(mine).rules)
        assert not any(r.message.startswith("改过的表三") for r in _reload(OFFICIAL).rules)
    assert [p.name for p in (cache / "spec").iterdir()] == ["same-name.pickle"]


def test_table_layouts_are_kept_on_the_spec_and_never_pickled(tmp_path: Path) -> None:
    """load's per-table layout is made once per spec (not in a process-wide cache keyed by id()), made
    again for a table replaced on the spec, and left out of the spec's pickle (its lookups are keyed by
    the identity of this process's objects)."""
    import dataclasses
    import pickle

    from nianbao.load import _TableLayout, _WalkPlan, load_report

    sample = ROOT / "data" / "龙马潭区" / "2024" / "安宁街道.yaml"
    report, _ = load_report(sample)
    assert report is not None
    spec = report.spec
    assert set(spec.layouts) == {t.id for t in spec.tables}
    assert isinstance(spec.walk, _WalkPlan)
    assert all(isinstance(v, _TableLayout) and v.table is spec.table(k) for k, v in spec.layouts.items())
    kept = dict(spec.layouts)
    again, _ = load_report(sample)
    assert again is not None and again.spec is spec
    assert all(spec.layouts[k] is v for k, v in kept.items())  # made once per spec, not once per office
    assert pickle.loads(pickle.dumps(spec)).layouts == {}
    assert spec.layouts  # pickling leaves the spec's own layouts alone
    first = spec.tables[0]
    spec.tables[0] = dataclasses.replace(first, rows=list(first.rows))
    try:
        third, _ = load_report(sample)
        assert third is not None
        assert spec.layouts[first.id] is not kept[first.id] and spec.layouts[first.id].table is spec.tables[0]
    finally:
        spec.tables[0] = first


def test_the_walk_plan_is_made_once_per_spec_and_again_when_the_spec_changes() -> None:
    """load's top-level keys and facts by folded label: kept on the spec, made again when its parts, tables
    or facts are replaced, and never pickled."""
    import pickle

    from nianbao.load import load_report
    from nianbao.spec import Fact

    sample = ROOT / "data" / "龙马潭区" / "2024" / "安宁街道.yaml"
    report, problems = load_report(sample)
    assert report is not None and not [p for p in problems if p.is_error]
    spec = report.spec
    plan = spec.walk
    again, _ = load_report(sample)
    assert again is not None and spec.walk is plan
    assert pickle.loads(pickle.dumps(spec)).walk is None
    facts = spec.facts
    spec.facts = [*facts, Fact(key="新增项", required=True, kind="text", choices=(), hint="", since=0)]
    try:
        third, problems = load_report(sample)
        assert third is not None and spec.walk is not plan
        assert any("缺少「新增项」" in p.message for p in problems)
    finally:
        spec.facts = facts


def test_the_walk_plan_is_made_again_for_an_equal_table_that_is_another_object() -> None:
    import dataclasses

    from nianbao.load import load_report

    sample = ROOT / "data" / "龙马潭区" / "2024" / "安宁街道.yaml"
    report, _ = load_report(sample)
    assert report is not None
    spec = report.spec
    first = spec.tables[0]
    spec.tables[0] = dataclasses.replace(first)
    try:
        load_report(sample)
        assert spec.walk.handlers[normalize_label(first.key)][1] is spec.tables[0]
    finally:
        spec.tables[0] = first


def test_the_walk_plan_is_made_once_per_office_and_holds_the_outdated_terms(monkeypatch) -> None:
    """One office's walk looks the plan up once (not once per part of the walk); the outdated terms are in
    the plan, made from the rules the spec holds (made again when its rules are replaced)."""
    import dataclasses

    from nianbao import load
    from nianbao.spec import Rule

    sample = ROOT / "data" / "龙马潭区" / "2024" / "安宁街道.yaml"
    report, _ = load.load_report(sample)
    assert report is not None
    spec = report.spec
    plan = spec.walk
    assert plan.outdated == {normalize_label(t["term"]): t for t in spec.outdated_terms()} and plan.outdated
    calls: list[object] = []
    real = load._walk_plan
    monkeypatch.setattr(load, "_walk_plan", lambda s: calls.append(s) or real(s))
    load.load_report(sample)
    assert calls == [spec] and spec.walk is plan
    rules = spec.rules
    extra = Rule(id="新术语", kind="outdated_terms", severity="warning", message="", hint="",
                 params={"terms": [{"term": "某个旧说法", "now": "新说法"}]})
    spec.rules = [*rules, dataclasses.replace(extra)]
    try:
        load.load_report(sample)
        assert spec.walk is not plan and normalize_label("某个旧说法") in spec.walk.outdated
    finally:
        spec.rules = rules
