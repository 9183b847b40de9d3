"""Rendering: the compiled fast path equals plain docxtpl; split placeholders; atomic, valid output."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import jinja2
import pytest
from docx import Document
from docxtpl import DocxTemplate
from lxml import etree

from nianbao import ChecksFailed, FileTrouble, build_file, check_file
from nianbao.errors import TemplateTrouble
from nianbao.render import CompiledTemplate, build_context, jinja_environment
from nianbao.write import write_atomic

from .conftest import SEED_DATA


def reader_view(docx: bytes | Path) -> tuple[list[str], list[list[list[str]]]]:
    """What a reader sees: paragraph texts and every table's cell texts."""
    document = Document(io.BytesIO(docx) if isinstance(docx, bytes) else str(docx))
    paragraphs = [p.text for p in document.paragraphs]
    tables = [[[c.text for c in row.cells] for row in table.rows] for table in document.tables]
    return paragraphs, tables


def plain_docxtpl(template: Path, context: dict) -> bytes:
    doc = DocxTemplate(str(template))
    doc.render(context, jinja_env=jinja_environment(), autoescape=True)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def test_fast_render_equals_a_fresh_docxtpl_render():
    result = check_file(SEED_DATA)
    assert result.report is not None
    context = build_context(result.report)
    template = result.report.spec.docx
    fast = CompiledTemplate(template).render(context)
    assert reader_view(fast) == reader_view(plain_docxtpl(template, context))


def test_a_compiled_template_renders_many_times_independently(variant):
    result = check_file(SEED_DATA)
    assert result.report is not None
    compiled = CompiledTemplate(result.report.spec.docx)
    first = build_context(result.report)
    second = build_context(result.report)
    second["机关"] = "另一个街道"
    second["其他事项"] = ["第二份报告的第六部分。"]
    one, two, again = compiled.render(first), compiled.render(second), compiled.render(first)
    assert reader_view(one) == reader_view(again)
    assert "第二份报告的第六部分。" in reader_view(two)[0]
    assert "第二份报告的第六部分。" not in reader_view(again)[0]


def make_split_template(path: Path, pieces: list[tuple[str, bool]]) -> Path:
    """A .docx whose one paragraph holds a placeholder typed in several runs, some bold (as Word splits it)."""
    document = Document()
    paragraph = document.add_paragraph()
    for text, bold in pieces:
        paragraph.add_run(text).bold = bold
    document.save(str(path))
    return path


@pytest.mark.parametrize(
    "pieces",
    [
        [("机关：", False), ("{{ 机", False), ("关 }}", True)],
        [("机关：{", False), ("{ 机关 }", True), ("}", False)],
        [("机关：", False), ("{{", True), (" 机关 ", False), ("}}", True)],
    ],
    ids=["split-inside-name", "split-inside-braces", "braces-in-own-runs"],
)
def test_placeholder_split_across_runs(tmp_path, pieces):
    template = make_split_template(tmp_path / "split-run-placeholder.docx", pieces)
    docx = CompiledTemplate(template).render({"机关": "安宁街道"})
    assert reader_view(docx)[0] == ["机关：安宁街道"]


def test_missing_variable_is_an_error_not_empty_text(tmp_path):
    template = make_split_template(tmp_path / "unknown-name.docx", [("{{ 不存在的字段 }}", False)])
    with pytest.raises(TemplateTrouble) as info:
        CompiledTemplate(template).render({})
    assert "不存在的字段" in str(info.value)


def test_broken_placeholder_in_template_is_template_trouble(tmp_path):
    template = make_split_template(tmp_path / "broken.docx", [("{{ 机关 ", False)])
    with pytest.raises(TemplateTrouble) as info:
        CompiledTemplate(template)
    assert "占位符写法有误" in str(info.value)


def test_generated_document_is_well_formed_xml(tmp_path):
    _, target = build_file(SEED_DATA, out_dir=tmp_path)
    with zipfile.ZipFile(target) as archive:
        assert archive.testzip() is None
        for name in archive.namelist():
            if name.endswith(".xml") or name.endswith(".rels"):
                etree.fromstring(archive.read(name))  # raises if not well-formed


def test_jinja_in_data_is_not_rendered(tmp_path):
    template = make_split_template(tmp_path / "t.docx", [("{{ 机关 }}", False)])
    docx = CompiledTemplate(template).render({"机关": "{{ 1 + 1 }} {% raw %} & <b>"})
    assert reader_view(docx)[0] == ["{{ 1 + 1 }} {% raw %} & <b>"]


def test_strict_environment():
    env = jinja_environment()
    assert env.undefined is jinja2.StrictUndefined
    assert env.autoescape is True


def test_atomic_write_leaves_the_old_file_when_interrupted(tmp_path, monkeypatch):
    target = tmp_path / "报告.docx"
    target.write_bytes(b"old")

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(FileTrouble) as info:
        write_atomic(target, b"new content")
    assert "无法写入" in info.value.message
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["报告.docx"]


def test_atomic_write_cleans_up_on_keyboard_interrupt(tmp_path, monkeypatch):
    target = tmp_path / "报告.docx"

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, b"new content")
    assert list(tmp_path.iterdir()) == []


def test_atomic_write_of_pieces_writes_them_in_order_or_leaves_nothing(tmp_path):
    target = tmp_path / "审阅页.html"
    write_atomic(target, (piece.encode("utf-8") for piece in ["<p>", "一", "</p>\n"]))
    assert target.read_text(encoding="utf-8") == "<p>一</p>\n"

    def broken():
        yield b"half of a new page"
        raise TemplateTrouble("页面生成出错")

    with pytest.raises(TemplateTrouble):
        write_atomic(target, broken())
    assert target.read_text(encoding="utf-8") == "<p>一</p>\n"  # the old file kept, no temporary left
    assert sorted(p.name for p in tmp_path.iterdir()) == ["审阅页.html"]


def test_build_with_errors_writes_nothing(variant, tmp_path):
    variant.replace("行政复议: [0, 0, 0, 0, 0]", "行政复议: [1, 0, 0, 0, 2]")
    variant.replace("未发生因政府信息公开提起的行政复议和行政诉讼情况", "依法办理行政复议和行政诉讼")
    out = tmp_path / "out"
    with pytest.raises(ChecksFailed) as info:
        build_file(variant.write(), out_dir=out)
    assert len(info.value.problems) == 1
    assert not out.exists()


def test_a_template_broken_in_place_is_linted_again_in_the_same_process(tmp_path, monkeypatch):
    # The lint verdict is kept per content: a good template at a path, then a broken one at the same path
    # (as a clerk saving over it while a long run or a library user keeps going), is refused.
    from nianbao.render import compiled_template

    monkeypatch.setenv("NIANBAO_CACHE", "0")  # every set-up prepares the template afresh
    template = make_split_template(tmp_path / "in-place.docx", [("{{ 机关 }}", False)])
    assert reader_view(compiled_template(template).render({"机关": "安宁街道"}))[0] == ["安宁街道"]
    # A variable the contract does not list: only the lint refuses it before any report is rendered.
    make_split_template(tmp_path / "in-place.docx", [("{{ 机关 }}{{ 不在约定中的变量 }}", False)])
    os.utime(template, ns=(template.stat().st_atime_ns, template.stat().st_mtime_ns + 10**9))
    with pytest.raises(TemplateTrouble, match="不在约定中的变量"):
        compiled_template(template)
