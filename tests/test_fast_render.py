"""The shortcuts of the render path give exactly what the slow ways give: the zip writer the bytes of
zipfile, the string reading of paragraph texts the lxml reading, the template cache the fresh preparation."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest

from nianbao import check_file
from nianbao import render as render_module
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


@pytest.mark.parametrize("level", [6, 1])
def test_zip_writer_gives_the_bytes_of_zipfile(level):
    members = [("[Content_Types].xml", b"<Types/>" * 50), ("word/document.xml", "正文".encode() * 3000),
               ("word/媒体/图.png", bytes(range(256)) * 10), ("empty.xml", b"")]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data, compresslevel=level)
    assert write_zip([pack_member(name, data, level) for name, data in members]) == buffer.getvalue()


def test_packed_member_carries_its_headers_so_write_zip_builds_none(monkeypatch):
    """A template's fixed members get their zip headers once, when packed: writing a report only copies them
    (no per-process header cache to be wiped by the members that change in every report)."""
    from nianbao import zippack

    assert not hasattr(zippack, "_HEADERS")
    member = pack_member("word/styles-once.xml", b"<styles/>" * 40)
    expected = write_zip([member])

    def no_headers(*args: object) -> None:
        raise AssertionError("write_zip built a header again")

    monkeypatch.setattr(zippack, "_headers", no_headers)
    monkeypatch.setattr(zippack, "ZipInfo", no_headers)
    assert write_zip([member]) == expected
    with zipfile.ZipFile(io.BytesIO(expected)) as archive:
        assert archive.read("word/styles-once.xml") == b"<styles/>" * 40


def test_a_member_packed_for_each_report_makes_no_zipinfo(monkeypatch):
    """The members packed anew for every report (the document, the core and custom properties) get their
    headers packed directly, not through a zipfile.ZipInfo each: the bytes are still zipfile's."""
    from nianbao import zippack

    def no_zipinfo(*args: object, **kwargs: object) -> None:
        raise AssertionError("a ZipInfo was made")

    monkeypatch.setattr(zippack, "ZipInfo", no_zipinfo)
    members = [("word/document.xml", "正文".encode() * 3000), ("docProps/名字.xml", b"<x/>"), ("empty.xml", b"")]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data, compresslevel=1)
    assert write_zip([pack_member(name, data, 1) for name, data in members]) == buffer.getvalue()


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


def _loaded_by(code: str, env: dict[str, str]) -> set[str]:
    """The modules `code` loads beyond those the bare interpreter starts with here: a site's .pth file may import
    certifi (and through it zipfile and tempfile) at every start, which is not nianbao's doing."""
    return _modules_after(code, env) - _modules_after("pass", env)


def test_one_office_build_and_check_do_not_load_what_they_do_not_need(tmp_path):
    """The first report comes fast: a one-office build loads Jinja but not python-docx, docxtpl, lxml,
    openpyxl or rich once the template cache is filled; a check does not load Jinja either."""
    import os

    env = dict(os.environ, NIANBAO_CACHE_DIR=str(tmp_path / "cache"))
    build = (f"from nianbao.cli import cli\ntry:\n    cli.main(['build', {str(SEED_DATA)!r}, '-o', "
             f"{str(tmp_path / 'out')!r}], prog_name='nianbao')\nexcept SystemExit as exc:\n    assert not exc.code")
    _modules_after(build, env)  # fills the template cache (this first run prepares the template with docxtpl)
    loaded = _loaded_by(build, env)
    assert "jinja2" in loaded
    # Nor the template lint (only a template not yet in the cache is linted), nor PyYAML: the template's
    # spec comes from its cache and the usual data file is read by the quick line reader.
    unneeded = {*_HEAVY, "nianbao.template_lint", "jinja2.meta", "yaml"}
    assert not loaded & unneeded, loaded & unneeded
    check = build.replace("'build'", "'check'").replace(f", '-o', {str(tmp_path / 'out')!r}", "")
    loaded = _loaded_by(check, env)
    # A check writes no schema and, on good data, gives no spelling hints; it reads no .docx (zipfile), checks
    # no existing output (guard, provenance), hashes nothing (hashlib loads OpenSSL) and, with the caches
    # filled, writes no cache entry (tempfile).
    unneeded = {*_HEAVY, "yaml", "jinja2", "json", "difflib", "zipfile", "hashlib", "tempfile", "nianbao.guard",
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


# Template bodies with a value in every kind of place: text, attribute value, tag and attribute names, between
# attributes, references, comments, CDATA, processing instructions, next to `]]` and `&`, across a loop.
_SKELETON_BODIES = [
    "<w:body><w:p><w:r><w:t>{{ v }}</w:t></w:r></w:p></w:body>",
    '<w:body><w:p w:x="{{ v }}"><w:r><w:t xml:space="preserve">a{{ v }}b{{ v }}</w:t></w:r></w:p></w:body>',
    "<w:body><w:{{ v }}/></w:body>",
    '<w:body><w:p w:a="1"{{ v }}/></w:body>',
    '<w:body><w:p w:a="1" {{ v }}/></w:body>',
    "<w:body><w:p>&{{ v }};</w:p></w:body>",
    "<w:body><w:p>&amp{{ v }}</w:p></w:body>",
    "<w:body><w:p>]]{{ v }}></w:p></w:body>",
    "<w:body><w:p>]{{ v }}]></w:p></w:body>",
    "<w:body><!-- {{ v }} --><w:p/></w:body>",
    "<w:body><![CDATA[{{ v }}]]><w:p/></w:body>",
    "<w:body><?pi {{ v }}?><w:p/></w:body>",
    "<w:body>{% for x in xs %}<w:p><w:r><w:t>{{ x }}</w:t></w:r>{% endfor %}</w:p></w:body>",
    "<w:body>{% if v %}<w:p>{% endif %}<w:r><w:t>{{ v }}</w:t></w:r></w:p></w:body>",
    "<w:body><w:p><w:r><w:t>{{ v }}</w:t></w:r><w:hyperlink><w:r><w:t>{{ v }}</w:t></w:r></w:hyperlink></w:p></w:body>",
    "<w:body><w:p><w:r><w:t>x<w:y>{{ v }}</w:y></w:t></w:r></w:p></w:body>",
    '<w:body><w:p><w:r><w:t w:a="{{ v }}">z</w:t></w:r></w:p></w:body>',
    '<w:body><w:p><w:pPr><w:jc w:val="both"/></w:pPr><w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">{{ v }}'
    '&amp;{{ v }}</w:t></w:r><w:r><w:tab/><w:t>&lt;{{ xs[0] }}</w:t><w:br/></w:r></w:p><w:p><w:r><w:t>{{ v }}'
    "</w:t></w:r></w:p>{% for x in xs %}<w:p><w:r><w:t>{{ x }}</w:t></w:r></w:p>{% endfor %}</w:body>",
    "<w:body><w:p><w:r><w:t>\ue000{{ v }}\ue001</w:t></w:r></w:p></w:body>",
]
_SKELETON_VALUES = ["", "x", "p", "-", "--", "a b", "&", "&amp", ";", "]", "]]", ">", "<", "'", '"', "\x01", "\x0c",
                    "\a", "\t", "\n", "a\nb", "\ta\t", "\n\n", "\r", "\ufffe", "?", "?>", "%", "-->", "]]>", "正文 😀",
                    "x=\"1\"", "&#1;", "\x00", "甲\t乙\n丙 & <丁>", "\ue000", "&amp;lt;", "\t&\t\n"]


def test_the_skeleton_check_passes_only_what_expat_passes():
    """The cheap check of a render (CompiledTemplate._checked_skeleton) is as strict as expat on the whole
    document: whatever it lets through, expat accepts; and it does let the ordinary cases through. The running
    functions are tested: the check, the body encoded by the skeleton's cut and the text filled in by its plan."""
    import jinja2

    from nianbao import render
    from nianbao.render import _body_layout, _fill_plan, _laid_out, _render_chunks

    for gone in ("_skeleton_ok", "_skeleton", "_planned_text"):  # test-only wrappers, removed
        assert not hasattr(CompiledTemplate, gone)
    assert not hasattr(render, "_finished_body")
    assert not hasattr(render, "_encoded_body")  # replaced by the skeleton's layout
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=True)
    head = "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n<w:document xmlns:w=\"urn:w\">"
    tail = "</w:document>"
    passed = planned = cut_at = 0
    for body in _SKELETON_BODIES:
        template = env.from_string(body)
        compiled = CompiledTemplate.__new__(CompiledTemplate)
        compiled._head, compiled._tail, compiled._skeletons, compiled._encoded = head, tail, {}, {}
        compiled._unescape_markers = False
        for value in _SKELETON_VALUES:
            for context in ({"v": value, "xs": [value]}, {"v": value, "xs": [value, "y", value]}):
                chunks = _render_chunks(template, context, "t")
                found = compiled._checked_skeleton(chunks)
                if found is not None:
                    passed += 1
                    document = head + compiled._finish_part("".join(chunks)) + tail
                    ensure_well_formed(document.encode("utf-8"))  # never raises where the skeleton passed
                    # The clean-up by the skeleton's cut (made on its first render) is the whole one.
                    if found[2] is not False:
                        cut_at += found[2] is not None
                        # (The layout is the one made on the skeleton's first render, with other values.)
                        laid = _laid_out(chunks, found[2], found[4], found[3], head.encode())
                        assert laid.decode("utf-8") == document
                        # … and so it is with the template's text encoded afresh (not looked up).
                        fresh = _body_layout(chunks, found[2], {}, tail.encode())
                        assert compiled._encoded and _laid_out(chunks, found[2], fresh, found[3], head.encode()) == laid
                    else:
                        assert found[4] is None
                    if found[0]:  # the text read by the skeleton's plan is the text read off the document
                        planned += 1
                        assert _fill_plan(found[1], found[3]) == fast_visible_text(document)
    assert passed > 100 and planned > 100 and cut_at > 50
    # The bundled template's ordinary render takes the cheap check and reads its text by the plan.
    result = check_file(SEED_DATA)
    assert result.report is not None
    compiled = CompiledTemplate(result.report.spec.docx)
    chunks = _render_chunks(compiled._body, build_context(result.report), "t")
    found = compiled._checked_skeleton(chunks)
    assert found is not None and found[0]
    assert _fill_plan(found[1], found[3]) == fast_visible_text(compiled.render_xml(build_context(result.report)))


def test_the_table_plans_give_the_context_of_the_cell_by_cell_walk():
    """build_context walks each table by a plan made once per table (Table.cell_plan): the same context as
    walking the spec's rows, columns and groups for every report; a table whose rows change gets a new plan."""
    import dataclasses

    from nianbao.values import format_number

    result = check_file(SEED_DATA)
    assert result.report is not None
    report = result.report
    context = build_context(report)
    for table in report.spec.tables:
        rows = {row.id: {"名称": row.label, **{c.id: format_number(report.value(table.id, row.id, c.id))
                                               for c in row.columns}} for row in table.rows}
        groups = {g.id: {"名称": g.label, "行": [rows[r.id] for r in table.rows if r.group == g.id]}
                  for g in table.groups}
        assert context[table.id] == {"行": rows, "组": groups, "分组": list(groups.values())}
    table = report.spec.tables[0]
    assert table.cell_plan() is table.cell_plan()  # made once
    fewer = dataclasses.replace(table, rows=table.rows[:2])
    assert [row_id for row_id, _, _ in fewer.cell_plan()[0]] == [row.id for row in table.rows[:2]]
    fewer.rows = list(table.rows[:1])  # the rows replaced: planned again
    assert [row_id for row_id, _, _ in fewer.cell_plan()[0]] == [table.rows[0].id]


def test_the_template_text_is_encoded_once_not_per_report():
    """The bundled template's text chunks are encoded to UTF-8 when a skeleton is first checked and laid out
    (see render._body_layout) then; a report with that skeleton encodes only its values (and the few bytes
    before the listing cut) and puts them in place, with the same document."""
    from nianbao.render import _render_chunks

    result = check_file(SEED_DATA)
    assert result.report is not None
    compiled = CompiledTemplate(result.report.spec.docx)
    context = build_context(result.report)
    first = compiled.render_xml(context)
    chunks = _render_chunks(compiled._body, context, "t")
    texts = [c for c in chunks if type(c) is str]
    assert texts and all(c in compiled._encoded for c in texts)
    found = compiled._checked_skeleton(chunks)
    assert found is not None and found[2] is not False and found[4] is not None
    skipped, pieces, places = found[4]
    # The layout holds the template's text as encoded once (the same bytes objects, not copies) …
    held = {id(b) for b in compiled._encoded.values()}
    assert sum(id(p) in held for p in pieces) > len(texts) // 2
    assert len(places) == found[3].count("\x00") + 1 - skipped
    laid: list[object] = []

    def no_layout(*args: object) -> object:
        laid.append(args)
        raise AssertionError("laid out again")

    # … and another render with the same skeleton (other values) makes no new layout.
    other = build_context(result.report)
    other["其他事项"] = [f"{text}（另一份）" for text in other["其他事项"]]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(render_module, "_body_layout", no_layout)
        assert compiled.render_xml(context) == first
        assert "（另一份）" in compiled.render_xml(other)
    assert not laid


def test_dict_lookup_shortcut_gives_what_jinja_gives():
    import jinja2

    from nianbao import template_cache

    source = "{{ d.a }}|{{ d.items is callable }}|{{ d.get('a') }}|{{ d['b'].c }}|{{ l.append is callable }}|{{ n.x }}"
    context = {"d": {"a": "甲&", "items": "shadowed", "b": {"c": 1}}, "l": [1], "n": _Named()}
    plain = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=True).from_string(source)
    ours = template_cache.environment({"t": source}).get_template("t")
    assert ours.render(context) == plain.render(context)
    for missing in ("{{ d.zz }}", "{{ d.a.zz }}"):
        with pytest.raises(jinja2.UndefinedError):
            template_cache.environment({"t": missing}).get_template("t").render(context)


def test_dict_lookup_shortcut_takes_a_type_error_as_jinja_does():
    """The TypeError in _Environment.getattr's except is reachable (so kept): a dict key whose comparison raises
    it (met by `attr` filters and, with another Jinja series, by every `a.b`) gives Jinja's undefined, not the error."""
    import jinja2

    from nianbao import template_cache

    class Key:
        def __hash__(self) -> int:
            return hash("a")

        def __eq__(self, other: object) -> bool:
            raise TypeError("not comparable")

    odd = {Key(): 1}
    ours = template_cache.environment({}).getattr(odd, "a")
    assert isinstance(ours, jinja2.Undefined)
    assert type(ours) is type(jinja2.Environment(undefined=jinja2.StrictUndefined).getattr(odd, "a"))


class _Named(dict):  # a dict subclass keeps Jinja's own order (attribute first)
    x = "attribute"


_JINJA_CASES = [
    "{% for r in t.行 %}{{ r.x }}|{{ r.items is defined }}|{{ loop.index }}{% endfor %}",
    "{% set q = t.k %}{{ q }}{{ o.a }}{{ t.行[0].x }}{{ t.get('k') }}",
    "{% macro m(v) %}<{{ v.x }}>{% endmacro %}{{ m(t.行[1]) }}{% for r in t.行 if r.x %}{{ r.x|e }}{% endfor %}",
    "{% call m2() %}{{ t.k }}{% endcall %}{% macro m2() %}[{{ caller() }}]{% endmacro %}",
    "{{ t.nope }}",
    "{{ n.x }}",
]


def test_inline_jinja_code_renders_as_jinja_own() -> None:
    """template_cache's code generator (inline dict lookups, direct escaping) gives Jinja's own results
    and errors."""
    import jinja2

    from nianbao import template_cache

    class Obj:
        a = "o&a"

    context = {"t": {"行": [{"x": "<1>"}, {"x": 2}], "k": "&", "get": "shadowed"}, "o": Obj(), "n": None}
    plain = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=True)
    for index, source in enumerate(_JINJA_CASES):
        ours = template_cache.environment({f"case{index}": source}).get_template(f"case{index}")
        try:
            expected: object = plain.from_string(source).render(context)
        except jinja2.UndefinedError as exc:
            expected = ("undefined", exc.message)
        try:
            got: object = ours.render(context)
        except jinja2.UndefinedError as exc:
            got = ("undefined", exc.message)
        assert got == expected, source


def test_our_code_generator_only_for_the_jinja_series_it_was_written_for() -> None:
    import jinja2.compiler

    from nianbao import template_cache

    assert template_cache._generator_for("3.1.6") is template_cache._CodeGenerator
    assert template_cache._generator_for("3.2.0") is jinja2.compiler.CodeGenerator
    assert template_cache._generator_for("4.0.0") is jinja2.compiler.CodeGenerator
    assert jinja2.__version__ in template_cache.CODE_VERSION  # compiled code of another Jinja is not loaded


def test_jinja_own_code_generator_when_the_inline_code_does_not_compile(monkeypatch: Any) -> None:
    from nianbao import template_cache

    def broken(self: Any, node: Any, frame: Any, finalize: Any) -> None:
        self.write("(1 if ")

    monkeypatch.setattr(template_cache._CodeGenerator, "_output_child_pre", broken)
    monkeypatch.setattr(template_cache, "cache_dir", lambda: None)
    env = template_cache.environment({"x": "{{ t.k }}!"})
    assert env.get_template("x").render(t={"k": "<"}) == "&lt;!"


def test_data_hash_reads_a_changed_defaults_file_again(tmp_path: Path) -> None:
    """The hash of the shared defaults is kept between offices, but never past a change of the file."""
    import hashlib
    import os

    from nianbao.provenance import sha256_files

    shared, office = tmp_path / "_共同.yaml", tmp_path / "甲.yaml"
    shared.write_bytes(b"a: 1\n")
    office.write_bytes(b"b: 2\n")
    assert sha256_files([shared, office]) == hashlib.sha256(b"a: 1\nb: 2\n").hexdigest()
    assert sha256_files([office]) == hashlib.sha256(b"b: 2\n").hexdigest()
    assert sha256_files([]) == hashlib.sha256().hexdigest()
    stamp = shared.stat().st_mtime_ns
    shared.write_bytes(b"a: 3\n")  # the same size
    os.utime(shared, ns=(stamp + 1_000_000, stamp + 1_000_000))
    assert sha256_files([shared, office]) == hashlib.sha256(b"a: 3\nb: 2\n").hexdigest()
    office.write_bytes(b"b: 4\n")
    assert sha256_files([shared, office]) == hashlib.sha256(b"a: 3\nb: 4\n").hexdigest()


def test_problems_and_locations_pickle_back_as_they_were() -> None:
    """Outcomes go through pickle (workers, the spill file): Location and Problem pickle by their fields
    (__reduce__), so every field must come back, with a long message not bounded a second time."""
    import dataclasses
    import pickle

    from nianbao.problems import Kind, Location, Problem, Severity

    long = "表中「" + "很长的值" * 400 + "」与正文不一致"
    problem = Problem(Severity.WARNING, Location("甲.yaml", 7), long, "改这里", "rule-id", Kind.UNPLACED)
    for value in (problem, Location("乙.yaml"), Problem(Severity.ERROR, Location("x"), "m")):
        back = pickle.loads(pickle.dumps(value))
        assert back == value and type(back) is type(value)
        assert [getattr(back, f.name) for f in dataclasses.fields(value)] == \
            [getattr(value, f.name) for f in dataclasses.fields(value)]
    # Every field of Problem is in what it pickles (a new field must be added to __reduce__ too).
    assert len(problem.__reduce__()[1]) == len(dataclasses.fields(Problem))


def test_relative_sources_names_data_files_as_relating_each_file_did(tmp_path: Path) -> None:
    """provenance.relative_sources relates the data file's folder (once per pair of folders): the same names
    as relating each file to the report's folder, and only the name when the two share just the root."""
    import os

    from nianbao.provenance import relative_sources
    from nianbao.spec import resolved_path

    def one_by_one(path: Path, report_dir: Path) -> str:  # the former relative_source
        source, folder = resolved_path(path), resolved_path(report_dir)
        common = Path(os.path.commonpath([source, folder]))
        if common != Path(common.anchor):
            return Path(os.path.relpath(source, folder)).as_posix()
        return path.name

    data = tmp_path / "区" / "2024"
    files = [data / "_共同.yaml", data / "甲.yaml", tmp_path / "区" / "乙.yaml", tmp_path / "丙.yaml"]
    for report_dir in (data, data / "out", tmp_path / "out" / "深" / "层", tmp_path, tmp_path / "区"):
        assert relative_sources(files, report_dir) == tuple(one_by_one(f, report_dir) for f in files)
    assert relative_sources([Path("/etc/甲.yaml")], tmp_path) == ("甲.yaml",)  # only the root in common
    assert relative_sources(files[:1], None) == ("_共同.yaml",)


def test_a_render_looks_up_only_the_members_packed_once():
    """The parts rendered anew for every report (word/document.xml, headers and footers with placeholders) are
    never among the members packed with the template: a render packs and hashes them without looking them up
    (a lookup keyed by a ~120 KB document hashes all of it), and docProps/*, left out of the package hash, is not
    hashed. The package fingerprint is still that of all the written parts."""
    from nianbao.provenance import package_hash
    from nianbao.render import render_report

    class Watched(dict):  # type: ignore[type-arg]
        def __init__(self, entries: dict[Any, Any], seen: list[str]) -> None:
            super().__init__(entries)
            self.seen = seen

        def get(self, key: Any, default: Any = None) -> Any:
            self.seen.append(key[0])
            return super().get(key, default)

    result = check_file(SEED_DATA)
    assert result.report is not None
    compiled = render_module.compiled_template(result.report.spec.docx)
    packed: list[str] = []
    hashed: list[str] = []
    kept = compiled._packed, compiled._digests
    compiled._packed, compiled._digests = Watched(kept[0], packed), Watched(kept[1], hashed)
    try:
        docx = render_report(result.report)
    finally:
        compiled._packed, compiled._digests = kept
    assert "word/styles.xml" in packed and "word/styles.xml" in hashed  # the template's members, packed once
    assert "word/document.xml" not in packed and "word/document.xml" not in hashed
    assert not [name for name in hashed if name.startswith("docProps/")]
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    provenance = read_provenance(docx)
    assert provenance is not None and provenance.package_hash == package_hash(parts)


@pytest.mark.parametrize("text", ["", "plain <w:t>正文，全角。</w:t>", "\ue000", "x\uf8ff", "\udfff\ud800 lone", "\uefff",
                                  "\uf000", "\uf8a3\uf8bf", "\uf900 after", "\udbff\udc00", "\uff0c\uffe5 fullwidth",
                                  "\U0001f600 \U00020000 astral", "\x00\x7f\x80\u07ff\u0800", "\ud7ff\ue000\uf8ff"])
def test_the_stand_in_check_on_utf8_bytes_is_the_character_search(text):
    """A template's text is searched for the plan's stand-ins (private-use U+E000-U+F8FF) in its UTF-8 bytes
    (render._has_stand_in), with the answer of the character search, surrogates and all."""
    from nianbao.render import _STAND_INS, _has_stand_in

    assert _has_stand_in(text) is (_STAND_INS.search(text) is not None)
    assert _has_stand_in(f"长文本{text}" * 3) is (_STAND_INS.search(text) is not None)
