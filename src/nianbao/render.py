"""Render stage: a checked `ReportData` → the Jinja context → the .docx bytes.

`CompiledTemplate` does once what plain docxtpl does on every render: open the .docx, run docxtpl's
placeholder clean-up (`patch_xml`) and compile the Jinja template. Each render then only runs the compiled
template and zips the parts, with the same result as a fresh `DocxTemplate(...).render(context)`.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import jinja2
from docx import Document
from docxtpl import DocxTemplate
from lxml import etree

from .errors import TemplateTrouble
from .model import Paragraph, ReportData
from .provenance import (
    Provenance,
    content_hash,
    custom_part_declarations,
    custom_properties_xml,
    package_hash,
    relative_source,
    sha256_files,
)
from .spec import Spec
from .values import format_number

DOCUMENT_PART = "word/document.xml"
CORE_PART = "docProps/core.xml"
CUSTOM_PART = "docProps/custom.xml"
_JINJA_MARK = re.compile(r"\{[{%#]")


def _texts(paragraphs: list[Paragraph]) -> list[str]:
    return [p.text for p in paragraphs]


def build_context(report: ReportData) -> dict[str, Any]:
    """The Jinja context of the template contract: facts, parts as paragraph lists, tables by row id."""
    spec: Spec = report.spec
    context: dict[str, Any] = {fact.key: report.facts.get(fact.key, "") for fact in spec.facts}
    for part in spec.parts:
        names = [part.context] if part.context else []
        names += [section.context for section in part.sections]
        for name in names:
            if part.kind == "subparts" and name == part.context:
                context[name] = {
                    part.intro: _texts(report.paragraphs.get(name, [])),
                    "分项": [
                        {"标题": sub.title, "段落": _texts(sub.paragraphs)}
                        for sub in report.subparts.get(name, [])
                    ],
                }
            else:
                context[name] = _texts(report.paragraphs.get(name, []))
    for table in spec.tables:
        rows: dict[str, dict[str, str]] = {}
        for row in table.rows:
            values = {"名称": row.label}
            for column in row.columns:
                values[column.id] = format_number(report.value(table.id, row.id, column.id))
            rows[row.id] = values
        groups = {
            group.id: {"名称": group.label, "行": [rows[r.id] for r in table.rows if r.group == group.id]}
            for group in table.groups
        }
        context[table.id] = {"行": rows, "组": groups, "分组": list(groups.values())}
    return context


def jinja_environment() -> jinja2.Environment:
    """Strict (a missing variable is an error, not empty text) and escaping (`&`, `<` stay text)."""
    return jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=True)


class CompiledTemplate:
    """A .docx template loaded, patched and compiled once, rendered many times."""

    def __init__(self, docx_path: Path) -> None:
        self.path = Path(docx_path)
        try:
            raw = self.path.read_bytes()
            with zipfile.ZipFile(io.BytesIO(raw)) as archive:
                self.parts: list[tuple[zipfile.ZipInfo, bytes]] = [
                    (info, archive.read(info)) for info in archive.infolist()
                ]
            document = Document(str(self.path))
        except (OSError, zipfile.BadZipFile, KeyError, ValueError) as exc:
            raise TemplateTrouble(f"无法打开 Word 模板 {self.path}：{exc}") from None
        self.hash = hashlib.sha256(raw).hexdigest()
        # The parts to patch so that docProps/custom.xml is declared: the same for every render.
        self._by_name = {info.filename: data for info, data in self.parts}
        self._custom_part_declarations = custom_part_declarations(self._by_name)
        helper = DocxTemplate(str(self.path))
        self.env = jinja_environment()

        root = document.element
        body = root.body
        root_xml = etree.tostring(root, encoding="unicode")
        start = root_xml.index("<w:body")
        end = root_xml.rindex("</w:body>") + len("</w:body>")
        self._head = '<?xml version=\'1.0\' encoding=\'UTF-8\' standalone=\'yes\'?>\n' + root_xml[:start]
        self._tail = root_xml[end:]
        body_xml = etree.tostring(body, encoding="unicode")
        # Column loops and colspans need docxtpl's table fix-up after each render, as docxtpl does.
        self._fix_tables = bool(re.search(r"\{%-?\s*(tc|colspan|hm)\b", body_xml))
        patched = helper.patch_xml(body_xml)
        self._unescape_markers = any(m in patched for m in ("{_{", "}_}", "{_%", "%_}"))
        try:
            self._body = self.env.from_string(re.sub(r"<w:p([ >])", r"\n<w:p\1", patched))
            # Headers and footers are rendered only when they hold placeholders.
            self._extra: dict[str, jinja2.Template] = {}
            for info, data in self.parts:
                name = info.filename
                if re.match(r"word/(header|footer)\d*\.xml$", name) and _JINJA_MARK.search(data.decode("utf-8")):
                    part_xml = helper.patch_xml(data.decode("utf-8"))
                    self._extra[name] = self.env.from_string(re.sub(r"<w:p([ >])", r"\n<w:p\1", part_xml))
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateTrouble(f"Word 模板 {self.path.name} 中的占位符写法有误：{exc.message}") from None

    def _render_part(self, template: jinja2.Template, context: dict[str, Any]) -> str:
        try:
            xml = template.render(context)
        except jinja2.UndefinedError as exc:
            raise TemplateTrouble(f"Word 模板 {self.path.name} 用到了数据中没有的字段：{exc.message}") from None
        xml = re.sub(r"\n<w:p([ >])", r"<w:p\1", xml)
        if self._unescape_markers:
            xml = xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
        if any(c in xml for c in "\t\a\n\f"):
            xml = _resolve_listing(xml)
        return xml

    def _render_document(self, context: dict[str, Any]) -> tuple[bytes, Any]:
        """word/document.xml as bytes, and its parsed tree (the well-formedness check; reused for hashing)."""
        body = self._render_part(self._body, context)
        if self._fix_tables:
            body = etree.tostring(DocxTemplate.fix_tables(None, body), encoding="unicode")  # type: ignore[arg-type]
        xml = (self._head + body + self._tail).encode("utf-8")
        try:
            root = etree.fromstring(xml)
        except etree.XMLSyntaxError as exc:  # pragma: no cover - escaping makes this unreachable
            raise TemplateTrouble(f"生成的文档内容不是有效的 XML：{exc}") from None
        return xml, root

    def render(self, context: dict[str, Any], title: str = "", provenance: Provenance | None = None) -> bytes:
        """The whole .docx as bytes. With `provenance`, its properties (and the content hash) are recorded."""
        document_xml, document_root = self._render_document(context)
        replaced = {DOCUMENT_PART: document_xml}
        for name, template in self._extra.items():
            replaced[name] = self._render_part(template, context).encode("utf-8")
        by_name = self._by_name
        if title and CORE_PART in by_name:
            replaced[CORE_PART] = _set_core_title(by_name[CORE_PART].decode("utf-8"), title).encode("utf-8")
        extra_parts: list[tuple[str, bytes]] = []
        if provenance is not None:
            replaced.update(self._custom_part_declarations)
            final = {name: replaced.get(name, data) for name, data in by_name.items()}
            provenance = replace(
                provenance, content_hash=content_hash(document_root), package_hash=package_hash(final)
            )
            custom = custom_properties_xml(provenance.properties()).encode("utf-8")
            if CUSTOM_PART in by_name:
                replaced[CUSTOM_PART] = custom
            else:
                extra_parts.append((CUSTOM_PART, custom))
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as out:
            for info, data in self.parts:
                out.writestr(_fresh_info(info.filename), replaced.get(info.filename, data))
            for name, data in extra_parts:
                out.writestr(_fresh_info(name), data)
        return buffer.getvalue()


_PARAGRAPH_OPEN = re.compile(r"<w:p(?: [^>]*)?>")
_LISTING = re.compile("[\t\a\n\f]")


def _resolve_listing(xml: str) -> str:
    """docxtpl's `resolve_listing` (tab, newline, \\a, \\f in text → Word markup), with its paragraph split
    (`<w:p …>` to the next `</w:p>`, left to right) but applied only to paragraphs holding such a character,
    and only as far as the last one: the same output without running its nested regexes over every
    paragraph of the document (it was the hot spot of a render)."""
    last = max(xml.rfind(c) for c in "\t\a\n\f")
    pieces: list[str] = []
    pos = 0
    while pos <= last:
        opening = _PARAGRAPH_OPEN.search(xml, pos)
        if opening is None:
            break
        end = xml.find("</w:p>", opening.end())
        if end < 0:
            break
        end += len("</w:p>")
        paragraph = xml[opening.start() : end]
        if _LISTING.search(paragraph):
            paragraph = DocxTemplate.resolve_listing(None, paragraph)  # type: ignore[arg-type]
        pieces += [xml[pos : opening.start()], paragraph]
        pos = end
    pieces.append(xml[pos:])
    return "".join(pieces)


def _fresh_info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _set_core_title(core_xml: str, title: str) -> str:
    safe = escape(title)
    if "<dc:title" in core_xml:
        return re.sub(r"<dc:title\s*/>|<dc:title>.*?</dc:title>", f"<dc:title>{safe}</dc:title>", core_xml, count=1,
                      flags=re.DOTALL)
    return core_xml.replace("</cp:coreProperties>", f"<dc:title>{safe}</dc:title></cp:coreProperties>")


@lru_cache(maxsize=8)
def compiled_template(docx_path: Path) -> CompiledTemplate:
    """One compiled template per process and path."""
    return CompiledTemplate(docx_path)


def render_report(report: ReportData, report_dir: Path | None = None) -> bytes:
    """The .docx bytes of a checked report (the caller has made sure it has no errors).

    `report_dir` is the folder the report is written to: the data files are recorded relative to it.
    """
    template = compiled_template(report.spec.docx)
    provenance = Provenance(
        data_hash=sha256_files(report.source_paths),
        template_hash=template.hash,
        sources=tuple(relative_source(p, report_dir) for p in report.source_paths),
        template_name=report.spec.docx.parent.name,
    )
    return template.render(build_context(report), title=report.facts.get("标题", ""), provenance=provenance)
