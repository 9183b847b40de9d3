"""templates/official-2021/README.md is the template's contract: what it lists is exactly what the code
provides and what template.docx uses (variables, loops, filters, methods, row/column/group ids)."""

from __future__ import annotations

import re

import jinja2
import jinja2.meta
import jinja2.nodes as nodes
import pytest
from docxtpl import DocxTemplate

from nianbao.load import load_report
from nianbao.render import build_context
from nianbao.spec import load_spec, resolve_template

from .conftest import ROOT, SEED_DATA

FOLDER = ROOT / "templates" / "official-2021"


def _section(title: str) -> str:
    text = (FOLDER / "README.md").read_text(encoding="utf-8")
    match = re.search(rf"^## {title}\n(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL)
    assert match, f"README.md has no section 「{title}」"
    return match.group(1)


def _listed(title: str) -> set[str]:
    return set(re.findall(r"^- `([^`]+)`", _section(title), re.MULTILINE))


@pytest.fixture(scope="module")
def template_ast() -> nodes.Template:
    template = DocxTemplate(str(FOLDER / "template.docx"))
    template.init_docx()
    xml = template.patch_xml(template.get_xml())
    return jinja2.Environment().parse(xml)


def _dotted(node: nodes.Node) -> str:
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        return f"{_dotted(node.node)}.{node.attr}"
    raise AssertionError(f"loop over an expression the contract cannot name: {node}")


def test_the_listed_variables_are_exactly_what_the_code_provides():
    report, _ = load_report(SEED_DATA)
    assert report is not None
    assert _listed("变量") == set(build_context(report))


def test_the_template_uses_only_listed_variables(template_ast):
    assert jinja2.meta.find_undeclared_variables(template_ast) <= _listed("变量")


def test_the_template_loops_only_over_listed_lists(template_ast):
    used = {_dotted(loop.iter) for loop in template_ast.find_all(nodes.For)}
    listed = {entry.split("（")[0] for entry in _listed("循环")}
    assert used == listed


def test_every_listed_loop_is_a_list_in_the_context():
    report, _ = load_report(SEED_DATA)
    assert report is not None
    context = build_context(report)
    inner = {"项": context["总体情况"]["分项"][0], "组": context["表三"]["分组"][0]}
    for entry in _listed("循环"):
        value = {**context, **inner}
        for name in entry.split("."):
            value = value[name]
        assert isinstance(value, list), entry


def test_the_template_uses_only_listed_filters_and_methods(template_ast):
    filters = {f.name for f in template_ast.find_all(nodes.Filter)}
    methods = {c.node.attr for c in template_ast.find_all(nodes.Call) if isinstance(c.node, nodes.Getattr)}
    assert filters <= _listed("过滤器")
    assert methods <= _listed("方法")


def test_the_id_table_matches_fields_yaml():
    spec = load_spec(resolve_template(FOLDER))
    rows = {}
    for line in _section("变量").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0].startswith("表") and cells[0] != "表":
            rows[cells[0]] = [set() if c == "（无）" else set(c.split("、")) for c in cells[1:]]
    assert set(rows) == {t.id for t in spec.tables}
    for table in spec.tables:
        row_ids, column_ids, group_ids = rows[table.id]
        assert row_ids == {r.id for r in table.rows}
        assert column_ids == {c.id for c in table.all_columns()}
        assert group_ids == {g.id for g in table.groups}
