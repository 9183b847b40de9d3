"""`nianbao template check`: each way of breaking a template is named in Chinese at its paragraph or table;
`build` refuses a broken template with the same messages."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from nianbao.cli import cli

from .conftest import ROOT, SEED_DATA

OFFICIAL = ROOT / "templates" / "official-2021"


def _broken(tmp_path: Path, part: str, old: str, new: str, count: int = 1) -> Path:
    """A copy of the official template with `old` replaced by `new` in one part of template.docx."""
    folder = tmp_path / "mine"
    shutil.copytree(OFFICIAL, folder)
    docx = folder / "template.docx"
    with zipfile.ZipFile(OFFICIAL / "template.docx") as source:
        items = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(docx, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in items:
            if info.filename == part:
                text = data.decode("utf-8")
                assert old in text, old
                data = text.replace(old, new, count).encode("utf-8")
            target.writestr(info, data)
    return folder


def _run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_the_official_template_is_clean():
    result = _run("template", "check", str(OFFICIAL))
    assert result.exit_code == 0, result.output
    assert "没有发现问题" in result.output


DOC = "word/document.xml"
CORE = "docProps/core.xml"
SUBJECT = "<dc:subject>国办公开办函〔2021〕30号格式</dc:subject>"
KEYWORDS = "<cp:keywords>政府信息公开;年度报告</cp:keywords>"
CASES = [
    pytest.param(DOC, "{{ 标题 }}", "{{ 标题 }", "正文第1段「{% set 机关名, 事由, 其余 =」：占位符写法有误", id="split-placeholder"),
    pytest.param(DOC, "{{ 标题 }}", "{{ 标题|default(“无”) }}", "中有中文引号", id="curly-quotes"),
    pytest.param(DOC, "{{ 标题 }}", "{{ 单位名称 }}", "变量「单位名称」不在模板约定的变量中", id="unknown-variable"),
    pytest.param(DOC, "{{ 标题 }}", "{{ 标题 + }}", "：占位符 {{ 标题 + }} 写法有误（「}}」之前的内容没有写完）\n",
                 id="bad-expression"),
    pytest.param(DOC, "{%p endfor %}", "", "{%p for 段 in 开头说明 %} 没有对应的结尾", id="unclosed-loop"),
    # The core properties are rendered for every report as the body is: each named by Word's label.
    # Each property is checked by the body's own rule and messages (template_lint.placeholder_problems), then
    # parsed as a whole: every message Chinese, the property named by Word's label.
    pytest.param(CORE, SUBJECT, "<dc:subject>{{ 机关 }年度报告</dc:subject>",
                 "文档属性「主题」：占位符写法有误：{{ }} 或 {% %} 不成对，可能是在 Word 中被拆开或改坏了\n",
                 id="property-syntax"),
    pytest.param(CORE, KEYWORDS, "<cp:keywords>{{ 单位名称 }};年度报告</cp:keywords>",
                 "文档属性「关键词」：变量「单位名称」不在模板约定的变量中（见 official-2021/README.md 的「变量」一节）\n",
                 id="property-unknown-variable"),
    pytest.param(CORE, SUBJECT, "<dc:subject>{{ 机关|default(“无”) }}</dc:subject>",
                 "文档属性「主题」：占位符 {{ 机关|default(“无”) }} 中有中文引号（“”‘’），应为英文引号\n",
                 id="property-curly-quotes"),
    pytest.param(CORE, "<cp:category></cp:category>", "<cp:category>{% if 机关类型 %}{{ 机关类型 }}</cp:category>",
                 "文档属性「类别」：{% if 机关类型 %} 没有对应的结尾（endfor / endif）\n", id="property-unclosed-if"),
    pytest.param("docProps/app.xml", "<DocSecurity>", "<Manager>{% if 机关 %}{{ 机关 }}</Manager><DocSecurity>",
                 "文档属性「经理」：{% if 机关 %} 没有对应的结尾（endfor / endif）\n", id="app-property-unclosed-if"),
    pytest.param(CORE, "<cp:category></cp:category>", "<cp:category>{{ 机关 }}{% endif %}</cp:category>",
                 "文档属性「类别」：{% endif %} 没有对应的开头\n", id="property-end-without-if"),
    pytest.param(CORE, "<cp:category></cp:category>", "<cp:category>{%p if 机关 %}{{ 机关 }}{%p endif %}</cp:category>",
                 "文档属性「类别」「{%p if 机关 %}{{ 机关 }}{%p endif %}」：占位符写法有误（{%p … %} 只能用在正文的段落、"
                 "表格行或单元格中；文档属性里请写成 {% … %}）\n", id="property-docxtpl-tag"),
    pytest.param(CORE, "<cp:category></cp:category>", "<cp:category>{% 机关 %}</cp:category>",
                 "文档属性「类别」「{% 机关 %}」：占位符写法有误（不认识的标记「机关」，可用的有 for、if、elif、else、endfor、"
                 "endif、set）\n", id="property-unknown-tag"),
    pytest.param(CORE, SUBJECT, "<dc:subject>{{ 机关 + }}</dc:subject>",
                 "文档属性「主题」：占位符 {{ 机关 + }} 写法有误（「}}」之前的内容没有写完）\n",
                 id="property-bad-expression"),
    # A filter or test Jinja lacks: Jinja's parse passes it (compiling finds the filter, rendering the test).
    pytest.param(DOC, "{{ 标题 }}", "{{ 标题|nofilter }}",
                 "正文第1段「{% set 机关名, 事由, 其余 =」：没有名为「nofilter」的过滤器（{{ … | nofilter }}），"
                 "模板可用的过滤器见 official-2021/README.md 的「过滤器」一节\n", id="unknown-filter"),
    pytest.param(DOC, "{{ 标题 }}", "{% if 标题 is notest %}{{ 标题 }}{% endif %}",
                 "正文第1段「{% set 机关名, 事由, 其余 =」：没有名为「notest」的判断（… is notest），"
                 "可用的有 defined、none、number、string、even、odd 等\n", id="unknown-test"),
    pytest.param(CORE, SUBJECT, "<dc:subject>{{ 机关|nofilter }}</dc:subject>",
                 "文档属性「主题」：没有名为「nofilter」的过滤器（{{ … | nofilter }}），"
                 "模板可用的过滤器见 official-2021/README.md 的「过滤器」一节\n", id="property-unknown-filter"),
    pytest.param(CORE, SUBJECT, "<dc:subject>{% if 机关 is not notest %}{{ 机关 }}{% endif %}</dc:subject>",
                 "文档属性「主题」：没有名为「notest」的判断（… is notest），可用的有 defined、none、number、string、"
                 "even、odd 等\n", id="property-unknown-test"),
    # A rare font nianbao knows no fallback for (the official ones get theirs at build time).
    pytest.param("word/fontTable.xml", '<w:font w:name="仿宋_GB2312"><w:altName w:val="仿宋"/>',
                 '<w:font w:name="方正仿宋简体">', "字体「方正仿宋简体」没有备用字体", id="font-without-fallback"),
]


@pytest.mark.parametrize(("part", "old", "new", "expected"), CASES)
def test_a_broken_template_is_named_precisely(tmp_path, part, old, new, expected):
    folder = _broken(tmp_path, part, old, new)
    result = _run("template", "check", str(folder))
    assert result.exit_code == 1
    assert expected in result.output, result.output
    assert "模板有 1 个问题" in result.output, result.output  # one mistake, one message


def test_a_missing_table_is_named(tmp_path):
    folder = _broken(tmp_path, DOC, "", "")
    docx = folder / "template.docx"
    with zipfile.ZipFile(docx) as z:
        items = [(i, z.read(i)) for i in z.infolist()]
    with zipfile.ZipFile(docx, "w") as z:
        for info, data in items:
            if info.filename == DOC:
                text = data.decode("utf-8")
                # Drop the first table (表二) whole.
                text = re.sub(r"<w:tbl>.*?</w:tbl>", "", text, count=1, flags=re.DOTALL)
                data = text.encode("utf-8")
            z.writestr(info, data)
    result = _run("template", "check", str(folder))
    assert result.exit_code == 1
    assert "正文有 2 个表格，官方格式应为 3 个" in result.output


def test_a_bad_rule_is_named_with_its_line(tmp_path):
    folder = _broken(tmp_path, DOC, "", "")
    rules = folder / "rules.yaml"
    rules.write_text(rules.read_text(encoding="utf-8").replace("    marker: 【待改写】", "    mark: 【待改写】"),
                     encoding="utf-8")
    result = _run("template", "check", str(folder))
    assert result.exit_code == 1
    assert re.search(r"rules\.yaml:\d+：规则 待改写（rewrite_marker）没有参数「mark」，应为「marker」", result.output)
    assert "模板有 1 个问题" in result.output, result.output


@pytest.mark.parametrize(("part", "old", "new", "where"), [
    (DOC, "{{ 标题 }}", "{{ 单位名称 }}", "正文"),
    (CORE, KEYWORDS, "<cp:keywords>{{ 单位名称 }}</cp:keywords>", "文档属性「关键词」"),
    ("docProps/app.xml", "<DocSecurity>", "<Company>{{ 单位名称 }}</Company><DocSecurity>", "文档属性「单位」"),
])
def test_build_refuses_a_broken_template_with_the_same_message(tmp_path, part, old, new, where):
    folder = _broken(tmp_path, part, old, new)
    data = tmp_path / SEED_DATA.name
    shutil.copy(SEED_DATA, data)
    result = _run("build", str(data), "-o", str(tmp_path / "out"), "--template", str(folder))
    assert result.exit_code == 1, result.output
    assert "变量「单位名称」不在模板约定的变量中" in result.output
    assert where in result.output
    assert not list((tmp_path / "out").glob("*.docx")) if (tmp_path / "out").exists() else True


@pytest.mark.parametrize(("part", "old", "new", "where"), [
    (DOC, "{{ 标题 }}", "{{ 标题|nofilter }}", "正文第1段「{% set 机关名, 事由, 其余 =」"),
    (CORE, SUBJECT, "<dc:subject>{{ 机关|nofilter }}</dc:subject>", "文档属性「主题」"),
])
def test_build_names_an_unknown_filter(tmp_path, part, old, new, where):
    folder = _broken(tmp_path, part, old, new)
    data = tmp_path / SEED_DATA.name
    shutil.copy(SEED_DATA, data)
    result = _run("build", str(data), "-o", str(tmp_path / "out"), "--template", str(folder))
    assert result.exit_code == 1, result.output
    assert f"{where}：没有名为「nofilter」的过滤器" in result.output, result.output
    assert "Traceback" not in result.output and "No filter" not in result.output
