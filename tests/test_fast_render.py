"""The shortcuts of the render path give exactly what the slow ways give: the zip writer the bytes of
zipfile, the string reading of paragraph texts the lxml reading, the template cache the fresh preparation."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from nianbao import check_file
from nianbao.batch import find_offices
from nianbao.errors import TemplateTrouble
from nianbao.provenance import content_hash, read_provenance, visible_text
from nianbao.render import CompiledTemplate, build_context, ensure_well_formed, fast_visible_text
from nianbao.template_cache import cache_dir, load_prepared
from nianbao.zippack import pack_member, write_zip

from .conftest import ROOT, SEED_DATA

HOSTILE = [
    "tab\there & <b>bold</b> \"double\" 'single' &amp; &lt;w:t&gt; end",
    "{{ 机关 }} {% raw %} ]]> <!-- comment --> <![CDATA[ x ]]> </w:t></w:p>",
    "line one\nline two\u3000全角空格 \u00a0nbsp 😀 emoji \U00020000 ext-B",
    "&#13; &#x9; &nbsp; & alone <",
]


def test_zip_writer_gives_the_bytes_of_zipfile():
    members = [("[Content_Types].xml", b"<Types/>" * 50), ("word/document.xml", "正文".encode() * 3000),
               ("word/媒体/图.png", bytes(range(256)) * 10), ("empty.xml", b"")]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    assert write_zip([pack_member(name, data) for name, data in members]) == buffer.getvalue()


def _offices() -> list[Path]:
    return [office.path for office in find_offices([SEED_DATA.parent])[0]]


@pytest.mark.parametrize("path", _offices(), ids=lambda p: p.stem)
def test_string_reading_of_paragraphs_equals_lxml_on_every_sample(path):
    result = check_file(path)
    assert result.report is not None
    context = build_context(result.report)
    context["其他事项"] = [*context["其他事项"], *HOSTILE]
    compiled = CompiledTemplate(result.report.spec.docx)
    assert compiled._flat_text  # the bundled template takes the fast path
    xml = compiled.render_xml(context)
    assert fast_visible_text(xml) == "\n".join(visible_text(xml.encode("utf-8")))
    assert HOSTILE[0] in fast_visible_text(xml)


def test_recorded_content_hash_is_the_lxml_hash_of_the_written_document():
    result = check_file(SEED_DATA)
    assert result.report is not None
    from nianbao.render import render_report

    docx = render_report(result.report)
    provenance = read_provenance(docx)
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        document = archive.read("word/document.xml")
    assert provenance is not None and provenance.content_hash == content_hash(document)


@pytest.mark.parametrize("xml", [b"<a><b></a>", b"<a>\x01</a>", b"<a>&bogus;</a>", b"<a>&#1;</a>", b"<a x='1' x='2'/>",
                                 b"<a></a><b/>"])
def test_well_formedness_check_refuses_broken_xml(xml):
    with pytest.raises(TemplateTrouble, match="不是有效的 XML"):
        ensure_well_formed(xml)


def test_template_cache_is_keyed_by_content(tmp_path, monkeypatch):
    monkeypatch.setenv("NIANBAO_CACHE_DIR", str(tmp_path / "cache"))
    template = ROOT / "templates" / "official-2021" / "template.docx"
    first = CompiledTemplate(template)
    assert load_prepared(first.hash) is not None  # stored on first use
    context = build_context(check_file(SEED_DATA).report)  # type: ignore[arg-type]
    # A changed template (one word of its text) has another key: the cached entry is not used for it.
    changed = tmp_path / "changed.docx"
    with zipfile.ZipFile(template) as source, zipfile.ZipFile(changed, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "word/document.xml":
                data = data.replace("申请人情况".encode(), "申请人的情况".encode(), 1)
            target.writestr(info, data)
    other = CompiledTemplate(changed)
    assert other.hash != first.hash
    assert "申请人的情况" in other.render_xml(context)
    assert "申请人的情况" not in first.render_xml(context)


def test_corrupt_or_missing_cache_only_costs_a_recompilation(tmp_path, monkeypatch):
    monkeypatch.setenv("NIANBAO_CACHE_DIR", str(tmp_path / "cache"))
    template = ROOT / "templates" / "official-2021" / "template.docx"
    context = build_context(check_file(SEED_DATA).report)  # type: ignore[arg-type]
    expected = CompiledTemplate(template).render_xml(context)
    folder = cache_dir()
    assert folder is not None
    for entry in folder.rglob("*"):
        if entry.is_file():
            entry.write_bytes(b"\x00garbage{")
    assert CompiledTemplate(template).render_xml(context) == expected
    monkeypatch.setenv("NIANBAO_CACHE", "0")
    assert cache_dir() is None
    assert CompiledTemplate(template).render_xml(context) == expected


@pytest.mark.parametrize("text", ["a\tb", "a\nb\nc", "one\atwo", "page\fbreak", "\t\n\a\f all", "none"])
def test_listing_characters_resolve_as_docxtpl_does(text):
    from docxtpl import DocxTemplate

    from nianbao.render import _resolve_listing

    xml = ('<w:body><w:p><w:pPr><w:jc w:val="both"/></w:pPr><w:r><w:rPr><w:b/></w:rPr>'
           f'<w:t xml:space="preserve">{text}</w:t></w:r><w:r><w:t>x{text}y</w:t></w:r></w:p>'
           f'<w:p><w:r><w:t>{text}</w:t></w:r></w:p><w:sectPr/></w:body>')
    expected = DocxTemplate.resolve_listing(None, xml)  # type: ignore[arg-type]
    assert (_resolve_listing(xml) if any(c in xml for c in "\t\a\n\f") else xml) == expected


def _tree(node):
    return (node.tag, node.start_mark.line, getattr(node, "style", None) or None,  # libyaml: "" for plain
            [(_tree(k), _tree(v)) for k, v in node.value] if isinstance(node.value, list) and node.value
            and isinstance(node.value[0], tuple) else
            [_tree(c) for c in node.value] if isinstance(node.value, list) else node.value)


@pytest.mark.parametrize("path", _offices(), ids=lambda p: p.stem)
def test_libyaml_and_pure_python_compose_the_same_tree(path):
    import yaml

    from nianbao import source

    if not getattr(yaml, "__with_libyaml__", False):
        pytest.skip("PyYAML without libyaml")
    assert source._FAST is not None  # the fast composer is in use where libyaml is
    text = path.read_text(encoding="utf-8")
    fast, plain = source._compose_with(source._FAST, text), source._compose_with(source._PlainComposer, text)
    assert _tree(fast) == _tree(plain)
    assert fast.tag == "tag:yaml.org,2002:map"


_HEAVY = ("docx", "docxtpl", "lxml", "openpyxl", "rich")


def _modules_after(code: str, env: dict[str, str]) -> set[str]:
    import json
    import subprocess
    import sys

    script = code + "\nimport sys\nloaded = sorted(sys.modules)\nimport json\nprint(json.dumps(loaded))"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
    modules = set(json.loads(done.stdout.strip().splitlines()[-1]))
    return modules | {m.split(".")[0] for m in modules}


def test_one_office_build_and_check_do_not_load_what_they_do_not_need(tmp_path):
    """The first report comes fast: a one-office build loads Jinja but not python-docx, docxtpl, lxml,
    openpyxl or rich once the template cache is filled; a check does not load Jinja either."""
    import os

    env = dict(os.environ, NIANBAO_CACHE_DIR=str(tmp_path / "cache"))
    build = (f"from nianbao.cli import cli\ntry:\n    cli.main(['build', {str(SEED_DATA)!r}, '-o', "
             f"{str(tmp_path / 'out')!r}], prog_name='nianbao')\nexcept SystemExit as exc:\n    assert not exc.code")
    _modules_after(build, env)  # fills the template cache (this first run prepares the template with docxtpl)
    loaded = _modules_after(build, env)
    assert "jinja2" in loaded
    # Nor the template lint (only a template not yet in the cache is linted).
    unneeded = {*_HEAVY, "nianbao.template_lint", "jinja2.meta"}
    assert not loaded & unneeded, loaded & unneeded
    check = build.replace("'build'", "'check'").replace(f", '-o', {str(tmp_path / 'out')!r}", "")
    loaded = _modules_after(check, env)
    # A check writes no schema and, on good data, gives no spelling hints; it reads no .docx (zipfile), checks
    # no existing output (guard, provenance), hashes nothing (hashlib loads OpenSSL) and, with the caches
    # filled, writes no cache entry (tempfile).
    unneeded = {*_HEAVY, "jinja2", "json", "difflib", "zipfile", "hashlib", "tempfile", "nianbao.guard",
                "nianbao.provenance"}
    assert not loaded & unneeded, loaded & unneeded


_NS = 'xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" ' \
      'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"'
_FMT = 'fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"'


@pytest.mark.parametrize("xml", [
    f'<Properties {_NS}><property {_FMT} pid="2" name="a"><vt:lpwstr>甲 &amp; &lt;乙&gt;</vt:lpwstr></property>'
    f'<property {_FMT} pid="3" name="b"><vt:lpwstr></vt:lpwstr></property><property pid="4" name="c"/></Properties>',
    f'<Properties {_NS}><property name="x"><vt:lpwstr>one<vt:i4>2</vt:i4>tail</vt:lpwstr><vt:lpwstr>second</vt:lpwstr>'
    f'</property><property name="x"><vt:i4>7</vt:i4></property><other name="y"><vt:lpwstr>no</vt:lpwstr></other>'
    f'<property><vt:lpwstr>nameless</vt:lpwstr></property></Properties>',
    '<Properties><property name="wrong-namespace"><v>1</v></property></Properties>',
    f'<?xml version="1.0" encoding="UTF-8"?>\n<Properties {_NS}>\n  <property name="spaced">\n    <vt:lpwstr>  a\n b '
    f'</vt:lpwstr>\n  </property>\n</Properties>',
    f'<Properties {_NS}><property name="p"><vt:lpwstr>not closed</property></Properties>',
    "not xml at all",
    f'<!DOCTYPE p [<!ENTITY e "展开">]><Properties {_NS}><property name="e"><vt:lpwstr>&e;</vt:lpwstr></property></Properties>',
])
def test_custom_properties_read_with_expat_as_elementtree_reads_them(xml):
    from xml.etree import ElementTree

    from nianbao.provenance import _CUSTOM_NS, _read_custom_properties

    try:
        root = ElementTree.fromstring(xml.encode("utf-8"))
    except ElementTree.ParseError:
        expected: dict[str, str] = {}
    else:
        expected = {}
        for prop in root.findall(f"{{{_CUSTOM_NS}}}property"):
            value = next(iter(prop), None)
            expected[prop.get("name", "")] = (value.text or "") if value is not None else ""
    assert _read_custom_properties(xml.encode("utf-8")) == expected


def test_the_properties_of_a_generated_report_are_read_back(tmp_path):
    from nianbao import build_file

    _, target = build_file(SEED_DATA, out_dir=tmp_path)
    provenance = read_provenance(target)
    assert provenance is not None and provenance.content_hash and provenance.template_hash
