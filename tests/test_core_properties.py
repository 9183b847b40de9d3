"""Placeholders in a template's core document properties (标题, 主题, 关键词…) are rendered for every report,
from the same context and by the same strict, escaping Jinja environment as the body; a template without
any (the bundled one) does no work for them."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import jinja2
import pytest
from docx import Document

from nianbao.errors import TemplateTrouble
from nianbao.load import load_report
from nianbao.render import (
    CompiledTemplate,
    build_context,
    compiled_template,
    missing_field_message,
    render_report,
)
from nianbao.template_lint import lint_docx, missing_field_text, syntax_error_text
from nianbao.wordml import APP_PART, CORE_PART, core_text_properties, text_properties

from .test_batch import DISTRICT, PROPERTIES_TEMPLATE, properties_template, replace_in_member

HOSTILE_CONTACT = "甲&乙 <丙> \"丁\" '戊' &amp; {{ 机关 }} 😀"


def _office(folder: Path, contact: str) -> Path:
    """红星街道 with `contact` as its 联系机构, in `folder` with the district's defaults."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("_共同.yaml", "红星街道.yaml"):
        (folder / name).write_bytes((DISTRICT / name).read_bytes())
    path = folder / "红星街道.yaml"
    data = path.read_text(encoding="utf-8")
    assert data.count("联系机构: 红星街道党政办") == 1
    path.write_text(data.replace("联系机构: 红星街道党政办", f"联系机构: {json.dumps(contact, ensure_ascii=False)}"),
                    encoding="utf-8")
    return path


def _template_with(folder: Path, extra: dict[str, str]) -> Path:
    """properties_template's folder, its core.xml further changed by `extra` (old → new)."""
    properties_template(folder)
    replace_in_member(folder / "template.docx", CORE_PART, extra)
    return folder


def _core(docx: bytes):
    return Document(io.BytesIO(docx)).core_properties


def test_a_built_report_has_its_properties_filled_and_escaped_once(tmp_path):
    template = _template_with(tmp_path / "t", {"<dc:creator>nianbao</dc:creator>":
                                               "<dc:creator>{{ 联系机构 }} &amp; &lt;办&gt;</dc:creator>"})
    report, _problems = load_report(_office(tmp_path / "d", HOSTILE_CONTACT), [tmp_path / "d" / "_共同.yaml"], template)
    assert report is not None
    core = _core(render_report(report))
    assert core.subject == "泸州市龙马潭区红星街道（2024年）"
    assert core.keywords == "红星街道;2024"
    assert core.category == "街道"
    # The value is text: its & < > " ' and a placeholder in it are printed as they are; the template's own
    # escaped text too.
    assert core.author == f"{HOSTILE_CONTACT} & <办>"
    # The report's 标题 is the document's title, as for a template whose title holds no placeholder.
    assert core.title == report.facts["标题"]
    assert core.comments == "" and core.last_modified_by == "nianbao"  # the others as the template has them


def test_without_a_report_title_the_templates_title_placeholder_is_rendered(tmp_path):
    template = properties_template(tmp_path / "t")
    report, _problems = load_report(DISTRICT / "红星街道.yaml", [DISTRICT / "_共同.yaml"], template)
    assert report is not None
    core = _core(compiled_template(report.spec.docx).render(build_context(report)))
    assert core.title == "红星街道2024年度报告"
    assert "{{ 机关 }}{{ 年度 }}年度报告" in next(iter(PROPERTIES_TEMPLATE.values()))


def test_a_missing_value_in_a_property_is_said_in_chinese_with_the_property(tmp_path):
    template = properties_template(tmp_path / "t")
    report, _problems = load_report(DISTRICT / "红星街道.yaml", [DISTRICT / "_共同.yaml"], template)
    assert report is not None
    context = build_context(report)
    del context["机关类型"]
    with pytest.raises(TemplateTrouble) as caught:
        compiled_template(report.spec.docx).render(context, title="标题")
    assert caught.value.message == (
        "Word 模板 template.docx 的文档属性「类别」用到了数据中没有的字段「机关类型」，请在数据中补上这个字段或从模板中删去")


def test_a_template_without_property_placeholders_does_nothing_for_them(monkeypatch):
    report, _problems = load_report(DISTRICT / "红星街道.yaml", [DISTRICT / "_共同.yaml"])
    assert report is not None
    template = compiled_template(report.spec.docx)
    assert template._properties == {}  # decided when the template is compiled
    # Its core.xml is the member packed once, copied into a report without a title as it is.
    core = template._by_name[CORE_PART]
    assert template._member(CORE_PART, core) is template._packed[(CORE_PART, core)]

    def rendered(*_args: object, **_kwargs: object) -> str:
        raise AssertionError("core.xml rendered for a template without placeholders in it")

    monkeypatch.setattr(CompiledTemplate, "_render_properties", rendered)
    assert _core(render_report(report)).subject == "国办公开办函〔2021〕30号格式"
    with zipfile.ZipFile(io.BytesIO(template.render(build_context(report)))) as package:
        assert package.read(CORE_PART) == core


def test_properties_are_found_by_namespace_whatever_their_prefix():
    core = ('<p:coreProperties xmlns:p="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:d="http://purl.org/dc/elements/1.1/" xmlns:dc="urn:other"><d:subject>{{ 机关 }} &amp; 办</d:subject>'
            '<dc:title>{{ 不是属性 }}</dc:title><p:keywords/><p:category>类</p:category><p:revision>1</p:revision>'
            '</p:coreProperties>')
    found = core_text_properties(core)
    assert [(label, core[start:end], text) for label, start, end, text in found] == [
        ("主题", "{{ 机关 }} &amp; 办", "{{ 机关 }} & 办"), ("类别", "类", "类")]


def test_a_template_with_good_property_placeholders_is_clean(tmp_path):
    assert lint_docx(properties_template(tmp_path / "t") / "template.docx") == []


def test_the_missing_field_message_reads_naturally_after_a_file_name_and_after_a_property():
    assert missing_field_message("report.docx", "「机关类型」") == (
        "Word 模板 report.docx 用到了数据中没有的字段「机关类型」，请在数据中补上这个字段或从模板中删去")
    assert missing_field_message("report.docx 的文档属性「类别」", "「机关类型」") == (
        "Word 模板 report.docx 的文档属性「类别」用到了数据中没有的字段「机关类型」，请在数据中补上这个字段或从模板中删去")


@pytest.mark.parametrize(("message", "field"), [
    ("'机关类型' is undefined", "「机关类型」"),
    ("'dict object' has no attribute '电话'", "「电话」"),
    ("'list object' has no element 3", "「3」"),
    ("something else", "（模板中的某个字段）"),
])
def test_the_missing_field_is_named_without_jinjas_english(message, field):
    assert missing_field_text(message) == field


@pytest.mark.parametrize(("source", "said"), [
    ("{% for 段 in 段落 %}", "占位符没有写完：{% for %} 或 {% if %} 缺少结尾，或 {{ }} 中缺少内容"),
    ("{%p if 机关 %}", "{%p … %} 只能用在正文的段落、表格行或单元格中；文档属性里请写成 {% … %}"),
    ("{% 机关 %}", "不认识的标记「机关」，可用的有 for、if、elif、else、endfor、endif、set"),
    ("{% for 段 %}", "这里应为「in」，写的却是「%}」"),
    ("{{ 机关 年度 }}", "这里应为「}}」，写的却是「年度」"),
    ("{{ 机关 | }}", "这里应为「名称」，写的却是「}}」"),
    ("{{ }}", "「}}」之前缺少内容（字段名或值）"),
    ("{{ 机关 + }}", "「}}」之前的内容没有写完"),
    ("{{ 机关 ) }}", "多了或放错了「)」"),
    ("{{ 机关['x }}", "多了或放错了「'」"),
    # A tag Jinja knows, in the wrong place: what it needs, not "unknown tag … the available ones are endif".
    ("{% endif %}", "{% endif %} 没有对应的开头：前面缺少 {% if … %}"),
    ("{% endfor %}", "{% endfor %} 没有对应的开头：前面缺少 {% for … %}"),
    ("{% else %}", "{% else %} 放错了位置：只能写在 {% if … %} 与 {% endif %} 之间，或 {% for … %} 与 {% endfor %} 之间"),
    ("{% elif 机关 %}", "{% elif … %} 放错了位置：只能写在 {% if … %} 与 {% endif %} 之间"),
    ("{% for 段 in 段落 %}{{ 段 }}{% endif %}", "{% endif %} 放错了位置：前面的 {% for … %} 还没有结尾，应先写 {% endfor %}"),
    ("{% if 机关 %}{% endfor %}", "{% endfor %} 放错了位置：前面的 {% if … %} 还没有结尾，应先写 {% endif %}"),
    # The token found is named in Chinese, never by Jinja's English type name.
    ("{{ 机关 1 }}", "这里应为「}}」，写的却是「整数」"),
    ("{{ 机关 1.5 }}", "这里应为「}}」，写的却是「小数」"),
    ("{{ 机关 '街道' }}", "这里应为「}}」，写的却是「带引号的文字」"),
    ("{{ 机关 { }}", "这里应为「}}」，写的却是「{」"),
])
def test_jinjas_syntax_errors_are_said_in_chinese(source, said):
    with pytest.raises(jinja2.TemplateSyntaxError) as caught:
        jinja2.Environment().parse(source)
    assert syntax_error_text(caught.value) == said


@pytest.mark.parametrize(("source", "said"), [
    ("{{ 机关|nofilter }}", "没有名为「nofilter」的过滤器（{{ … | nofilter }}），"
                           "模板可用的过滤器见 official-2021/README.md 的「过滤器」一节"),
    ("{{ 机关 is notest }}", "没有名为「notest」的判断（… is notest），可用的有 defined、none、number、string、even、odd 等"),
])
def test_an_unknown_filter_or_test_found_when_compiling_is_named(source, said):
    # Jinja's parse passes these; compiling (at build) stops at them.
    with pytest.raises(jinja2.TemplateSyntaxError) as caught:
        jinja2.Environment().from_string(source)
    assert syntax_error_text(caught.value) == said


def _token_types() -> list[str]:
    return sorted({value for name, value in vars(jinja2.lexer).items() if name.startswith("TOKEN_")})


@pytest.mark.parametrize("token_type", _token_types())
def test_every_token_type_of_jinjas_lexer_is_named_without_english(token_type):
    # Jinja's messages name a token by its type or by its description (describe_token_expr): neither is
    # shown in English.
    for named in {token_type, jinja2.lexer.describe_token_expr(token_type)}:
        exc = jinja2.TemplateSyntaxError(f"expected token 'end of print statement', got '{named}'", 1)
        got = syntax_error_text(exc).split("写的却是「")[1].rstrip("」")
        assert got and not re.search("[A-Za-z]", got), (named, got)


def test_a_token_type_jinja_may_add_later_is_named_in_chinese():
    exc = jinja2.TemplateSyntaxError("expected token 'end of print statement', got 'begin of macro call'", 1)
    assert syntax_error_text(exc) == "这里应为「}}」，写的却是「某个记号」"
    exc = jinja2.TemplateSyntaxError("Expected an expression, got 'frobnicate'", 1)
    assert syntax_error_text(exc) == "「frobnicate」之前缺少内容（字段名或值）"  # a name is the template's own word



def _with_part(folder: Path, part: str, old: str, new: str) -> Path:
    """properties_template's folder, its `part` changed (old → new; a part the file lacks is added as `new`)."""
    properties_template(folder)
    docx = folder / "template.docx"
    with zipfile.ZipFile(docx) as source:
        items = [(info.filename, source.read(info)) for info in source.infolist()]
    if part not in dict(items):
        items.append((part, new.encode("utf-8")))
    with zipfile.ZipFile(docx, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in items:
            if name == part and old:
                text = data.decode("utf-8")
                assert text.count(old) == 1, old
                data = text.replace(old, new).encode("utf-8")
            target.writestr(name, data)
    return folder


APP_PROPERTIES = ("<DocSecurity>", "<Company>{{ 机关 }} &amp; 办</Company><Manager>{{ 联系机构 }}</Manager>"
                  "<HyperlinkBase>https://x.gov.cn/{{ 年度 }}</HyperlinkBase><DocSecurity>")


def test_the_summary_tabs_app_properties_are_rendered_like_the_core_ones(tmp_path):
    template = _with_part(tmp_path / "t", APP_PART, *APP_PROPERTIES)
    assert lint_docx(template / "template.docx") == []
    report, _problems = load_report(_office(tmp_path / "d", HOSTILE_CONTACT), [tmp_path / "d" / "_共同.yaml"], template)
    assert report is not None
    with zipfile.ZipFile(io.BytesIO(render_report(report))) as package:
        app = package.read(APP_PART).decode("utf-8")
    assert [(label, text) for label, _s, _e, text in text_properties(APP_PART, app)] == [
        ("单位", "红星街道 & 办"), ("经理", HOSTILE_CONTACT), ("超链接基础", "https://x.gov.cn/2024")]
    assert "<Template>Normal.dotm</Template>" in app  # the rest as the template has it


def test_a_bad_app_property_is_refused_with_its_word_label(tmp_path):
    template = _with_part(tmp_path / "t", APP_PART, "<DocSecurity>", "<Company>{{ 单位名称 }}</Company><DocSecurity>")
    assert lint_docx(template / "template.docx") == [
        "文档属性「单位」：变量「单位名称」不在模板约定的变量中（见 official-2021/README.md 的「变量」一节）"]


def test_a_placeholder_in_a_custom_property_is_refused_by_name(tmp_path):
    custom = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties xmlns="http://schemas.openxml'
              'formats.org/officeDocument/2006/custom-properties" xmlns:vt="http://schemas.openxmlformats.org/'
              'officeDocument/2006/docPropsVTypes"><property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" '
              'name="发文机关"><vt:lpwstr>{{ 机关 }}</vt:lpwstr></property><property fmtid="{D5CDD505-2E9C-101B-9397-'
              '08002B2CF9AE}" pid="3" name="密级"><vt:lpwstr>公开</vt:lpwstr></property></Properties>')
    template = _with_part(tmp_path / "t", "docProps/custom.xml", "", custom)
    assert lint_docx(template / "template.docx") == [
        "自定义文档属性「发文机关」中有占位符，但自定义属性不会按每个机关填写："
        "请把占位符改放在「摘要」页的属性（如 主题、单位）中，或从该属性中删去"]
