"""Derived templates: `nianbao template new`, the parent chain of 模板.yaml and entry-by-entry overrides."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from nianbao import build_file
from nianbao.cli import cli
from nianbao.errors import TemplateTrouble
from nianbao.provenance import Provenance, custom_properties
from nianbao.spec import MAX_TEMPLATE_DEPTH, PARENT_FILE, load_spec, resolve_template
from nianbao.template_new import new_template

from .conftest import SEED_DATA


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def official():
    return load_spec(resolve_template(None))


def test_template_new_makes_a_folder_with_its_own_word_file_that_inherits_everything(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("template", "new", "区模板")
    assert result.exit_code == 0, result.output
    folder = tmp_path / "templates" / "区模板"
    assert sorted(p.name for p in folder.iterdir()) == ["template.docx", PARENT_FILE]
    assert "上级模板: official-2021" in (folder / PARENT_FILE).read_text(encoding="utf-8")
    spec = load_spec(folder.resolve())
    parent = official()
    assert spec.name == "区模板" and spec.docx.parent == folder.resolve()
    assert spec.facts == parent.facts and spec.tables == parent.tables
    assert [r.id for r in spec.rules] == [r.id for r in parent.rules] and spec.defaults == parent.defaults
    checked = run("template", "check", str(folder))
    assert checked.exit_code == 0 and "没有发现问题" in checked.output
    again = run("template", "new", "区模板")
    assert again.exit_code == 1 and "已存在" in again.output


def test_template_check_finds_a_new_template_by_its_name(tmp_path, monkeypatch):
    # `template new 名称` puts it in ./templates/名称; `template check 名称` looks there too, as `build -t` does.
    monkeypatch.chdir(tmp_path)
    assert run("template", "new", "区模板").exit_code == 0
    checked = run("template", "check", "区模板")
    assert checked.exit_code == 0 and "没有发现问题" in checked.output, checked.output
    missing = run("template", "check", "没有这个模板")
    assert missing.exit_code == 1 and "找不到模板「没有这个模板」" in missing.output


def test_a_report_from_a_derived_template_builds_and_checks_clean(tmp_path):
    new_template("区模板", "official-2021", tmp_path / "templates" / "区模板")
    data = tmp_path / "安宁街道.yaml"
    data.write_text("模板: 区模板\n" + SEED_DATA.read_text(encoding="utf-8"), encoding="utf-8")
    result, target = build_file(data, out_dir=tmp_path / "out")
    assert target.is_file()
    provenance = Provenance.from_properties(custom_properties(target))
    assert provenance is not None and provenance.template_name == "区模板"
    checked = run("check", str(target))
    assert checked.exit_code == 0 and "0 个错误，0 个警告" in checked.output, checked.output


def test_overrides_replace_entries_one_by_one(tmp_path):
    folder = new_template("区模板", "official-2021", tmp_path / "区模板")
    (folder / "fields.yaml").write_text(
        "facts:\n  - {key: 网址, required: false, hint: 可以不写}\n  - {key: 传真, required: false}\n", encoding="utf-8"
    )
    (folder / "rules.yaml").write_text(
        "停用规则: [待补]\n"
        "rules:\n"
        "  - id: 规章制定权\n    kind: zero_for_office_types\n    severity: error\n    table: 表二\n"
        "    rows: [规章]\n    office_types: [街道]\n    message: 街道没有规章制定权\n",
        encoding="utf-8",
    )
    (folder / "defaults.yaml").write_text('title: "{机关}{年度}年度政务公开报告"\n', encoding="utf-8")
    spec = load_spec(folder.resolve())
    parent = official()
    facts = {f.key: f for f in spec.facts}
    assert facts["网址"].required is False and facts["网址"].hint == "可以不写"
    assert list(facts)[-1] == "传真" and len(spec.facts) == len(parent.facts) + 1
    assert facts["公开网站"] == next(f for f in parent.facts if f.key == "公开网站")
    rules = {r.id: r for r in spec.rules}
    assert "待补" not in rules and len(spec.rules) == len(parent.rules) - 1
    assert rules["规章制定权"].severity == "error" and rules["规章制定权"].params["office_types"] == ["街道"]
    assert [r.id for r in spec.rules].index("规章制定权") == [r.id for r in parent.rules].index("规章制定权")
    assert spec.title_for({"机关": "安宁街道", "年度": "2024"}) == "安宁街道2024年度政务公开报告"
    assert spec.defaults["output"] == parent.defaults["output"]


def test_a_chain_of_parents_by_relative_path(tmp_path):
    first = new_template("区模板", "official-2021", tmp_path / "区模板")
    second = new_template("街道模板", str(first), tmp_path / "街道" / "街道模板")
    assert "上级模板: ../区模板" in (second / PARENT_FILE).read_text(encoding="utf-8")
    (first / "defaults.yaml").write_text('output: "{机关}年报.docx"\n', encoding="utf-8")
    spec = load_spec(second.resolve())
    assert spec.name == "街道模板" and spec.output_name_for({"机关": "安宁街道"}) == "安宁街道年报.docx"


def _derived(folder: Path, parent: str) -> Path:
    folder.mkdir(parents=True)
    (folder / PARENT_FILE).write_text(f"上级模板: {parent}\n", encoding="utf-8")
    return folder


def test_a_missing_parent_is_named_in_chinese(tmp_path):
    folder = _derived(tmp_path / "甲", "不存在的模板")
    with pytest.raises(TemplateTrouble, match="模板「甲」的上级模板「不存在的模板」找不到"):
        load_spec(folder.resolve())
    result = run("template", "check", str(folder))
    assert result.exit_code == 1 and "找不到" in result.output and "Traceback" not in result.output


def test_a_cycle_of_parents_is_refused(tmp_path):
    _derived(tmp_path / "甲", "乙")
    _derived(tmp_path / "乙", "甲")
    with pytest.raises(TemplateTrouble, match="绕成了一个圈：甲 → 乙 → 甲"):
        load_spec((tmp_path / "甲").resolve())


def test_a_too_deep_chain_is_refused(tmp_path):
    parent = "official-2021"
    for depth in range(MAX_TEMPLATE_DEPTH + 1):
        _derived(tmp_path / f"t{depth}", parent)
        parent = f"t{depth}"
    with pytest.raises(TemplateTrouble, match=f"超过 {MAX_TEMPLATE_DEPTH} 层"):
        load_spec((tmp_path / parent).resolve())


def test_a_bad_rule_in_a_derived_template_names_its_line(tmp_path):
    folder = new_template("区模板", "official-2021", tmp_path / "区模板")
    (folder / "rules.yaml").write_text(
        "rules:\n  - id: 新规则\n    kind: balanse\n    message: x\n", encoding="utf-8"
    )
    result = run("template", "check", str(folder))
    assert result.exit_code == 1
    assert "rules.yaml:3：规则 新规则 的种类（kind）「balanse」不存在" in result.output
