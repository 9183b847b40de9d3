"""Render stage: a checked `ReportData` → the Jinja context → the .docx bytes.

`CompiledTemplate` does once what plain docxtpl does on every render: open the .docx, run docxtpl's
placeholder clean-up (`patch_xml`) and compile the Jinja template. Each render then only runs the compiled
template and zips the parts, with the same result as a fresh `DocxTemplate(...).render(context)`.
"""

from __future__ import annotations

import hashlib
import io
import os
import pyexpat
import re
import zipfile
from collections import deque
from dataclasses import replace
from functools import lru_cache
from itertools import compress, repeat
from operator import is_not, not_
from pathlib import Path
from typing import Any

import jinja2

from . import template_cache
from .errors import FileTrouble, TemplateTrouble, os_error_text
from .model import Paragraph, ReportData
from .provenance import (
    Provenance,
    content_hash,
    custom_part_declarations,
    custom_properties_xml,
    escape,
    in_package_hash,
    package_hash_of_digests,
    relative_sources,
    sha256_files,
    text_hash,
)
from .spec import Spec
from .values import format_number
from .wordml import (
    CORE_PART,
    TEXT_PROPERTY_PARTS,
    W_NS,
    fonts_used,
    read_zip_parts,
    restore_font_fallbacks,
    text_properties,
)
from .zippack import REPORT_LEVEL, PackedMember, pack_member, write_zip

DOCUMENT_PART = "word/document.xml"
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
    cells = report.cells
    for table in spec.tables:
        table_id = table.id
        row_plans, group_plans = table.cell_plan()
        rows: dict[str, dict[str, str]] = {}
        for row_id, label, columns in row_plans:
            values = {"名称": label}
            for column_id, key in columns:
                # report.value and format_number, without two calls per cell: a count prints as str(int).
                number = cells[key].value
                values[column_id] = str(number) if type(number) is int else format_number(report.value(*key))
            rows[row_id] = values
        groups = {
            group_id: {"名称": label, "行": [rows[r] for r in members]} for group_id, label, members in group_plans
        }
        context[table_id] = {"行": rows, "组": groups, "分组": list(groups.values())}
    return context


def jinja_environment() -> jinja2.Environment:
    """Strict (a missing variable is an error, not empty text) and escaping (`&`, `<` stay text)."""
    return jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=True)


class CompiledTemplate:
    """A .docx template loaded, patched and compiled once, rendered many times.

    What docxtpl does to the template before rendering (the body re-serialised by python-docx/lxml, its
    placeholder clean-up `patch_xml`) is cached on disk keyed by the template's SHA-256 and the docxtpl
    version, and Jinja's compiled code by the source's checksum (see `template_cache`): a changed template
    has another key, so a stale entry is never used. The unchanging package members are compressed once.
    """

    def __init__(self, docx_path: Path) -> None:
        self.path = Path(docx_path)
        try:
            raw = self.path.read_bytes()
            read_zip_parts(raw, keep=False)  # within the reading bounds before every part is inflated
            with zipfile.ZipFile(io.BytesIO(raw)) as archive:
                self.parts: list[tuple[zipfile.ZipInfo, bytes]] = [
                    (info, archive.read(info)) for info in archive.infolist()
                ]
        except FileTrouble as trouble:
            raise TemplateTrouble(f"无法使用 Word 模板 {self.path}：{trouble.message}") from None
        except zipfile.BadZipFile:
            raise TemplateTrouble(f"无法打开 Word 模板 {self.path}：不是有效的 .docx（不是 zip 压缩包，可能是 .doc、"
                                  "设置了密码或已损坏），请在 Word 中另存为 .docx") from None
        except OSError as exc:
            raise TemplateTrouble(f"无法打开 Word 模板 {self.path}：{os_error_text(exc, reading=True)}") from None
        except (KeyError, ValueError) as exc:
            raise TemplateTrouble(f"无法打开 Word 模板 {self.path}：{exc}") from None
        self.hash = hashlib.sha256(raw).hexdigest()
        self.parts = _with_font_fallbacks(self.parts)
        # The parts to patch so that docProps/custom.xml is declared: the same for every render.
        self._by_name = {info.filename: data for info, data in self.parts}
        self._custom_part_declarations = custom_part_declarations(self._by_name)
        prepared = template_cache.load_prepared(self.hash)
        if prepared is None:
            # Template set-up: lint once per template content; a broken template is refused and never cached.
            # (Imported here: a run that finds the template prepared in the cache needs no lint.)
            from .template_lint import require_clean_docx

            require_clean_docx(self.path, self.hash)
            prepared = _prepare(self.path, self.parts)
            template_cache.store_prepared(self.hash, prepared)
        self._head: str = prepared["head"]
        self._tail: str = prepared["tail"]
        self._fix_tables: bool = prepared["fix_tables"]
        self._unescape_markers: bool = prepared["unescape_markers"]
        self._skeleton_checkable = not self._fix_tables and not self._unescape_markers
        # Skeleton → False, or its text plan (see _checked_skeleton).
        self._skeletons: dict[tuple[Any, ...], tuple[tuple[str | int, ...], str, _Cut, _Layout | None] | bool] = {}
        # The UTF-8 of the template's own text chunks (the same strings in every render, ~120 KB of a report's
        # document): encoded once, when a skeleton is first checked, not once per report (see _body_layout).
        self._encoded: dict[str, bytes] = {}
        self._head_bytes = self._head.encode("utf-8")
        # Paragraph texts can be read off the rendered string (see fast_visible_text) unless the body
        # nests paragraphs (text boxes) or holds alternative content: then the slower lxml reading is used.
        self._flat_text = (
            f'xmlns:w="{W_NS}"' in self._head
            and not any(mark in prepared["body"] for mark in _NOT_FLAT)
        )
        key = f"{self.hash[:32]}-{template_cache.CODE_VERSION}"  # names the compiled code in the cache
        # The document properties (core.xml's 标题, 主题, 作者…; app.xml's 单位, 经理, 超链接基础) holding
        # placeholders, found once here: a template with none (the bundled one) renders nothing of them and
        # copies the parts packed, as before.
        templated: dict[str, list[tuple[str, int, int, str]]] = {}
        for part in TEXT_PROPERTY_PARTS:
            try:
                found = _templated_properties(part, self._by_name.get(part, b""))
            except UnicodeDecodeError:
                raise TemplateTrouble(f"无法使用 Word 模板 {self.path}：文档属性（{part}）不是 UTF-8 编码，"
                                      "请在 Word 中打开后另存为 .docx") from None
            if found:
                templated[part] = found
        env = template_cache.environment(
            {f"{key}/body": prepared["body"], **{f"{key}/{name}": xml for name, xml in prepared["extra"].items()},
             **{f"{key}/{part}/{start}": source
                for part, found in templated.items() for _label, start, _end, source in found}}
        )
        try:
            self._body = env.get_template(f"{key}/body")
            # Headers and footers are rendered only when they hold placeholders.
            self._extra: dict[str, jinja2.Template] = {
                name: env.get_template(f"{key}/{name}") for name in prepared["extra"]
            }
        except jinja2.TemplateSyntaxError as exc:
            from .template_lint import syntax_error_text  # only on this error path

            raise TemplateTrouble(f"Word 模板 {self.path.name} 中的占位符写法有误：{syntax_error_text(exc)}") from None
        # Per property part, (label, start, end, compiled) of each such property; its content xml[start:end]
        # is replaced.
        self._properties: dict[str, list[tuple[str, int, int, jinja2.Template]]] = {}
        for part, found in templated.items():
            for label, start, end, _source in found:
                try:
                    template = env.get_template(f"{key}/{part}/{start}")
                except jinja2.TemplateSyntaxError as exc:
                    from .template_lint import syntax_error_text  # only on this error path

                    raise TemplateTrouble(
                        f"Word 模板 {self.path.name} 的文档属性「{label}」中的占位符写法有误：{syntax_error_text(exc)}"
                    ) from None
                self._properties.setdefault(part, []).append((label, start, end, template))
        # Compressed once: every member no render changes, and the declared variants of the ones that
        # provenance patches; their SHA-256 digests feed the package fingerprint.
        self._packed: dict[tuple[str, bytes], PackedMember] = {}
        self._known: dict[str, list[tuple[int, int, bytes, bytes]]] | None = None
        # The members rendered anew for every report: never among the remembered ones, so not looked up.
        self._fresh = frozenset({DOCUMENT_PART, *self._extra})
        self._digests: dict[tuple[str, bytes], bytes] = {}
        for name, data in [*self._by_name.items(), *self._custom_part_declarations.items()]:
            if name != DOCUMENT_PART and name not in self._extra:
                self._remember(name, data)

    def _remember(self, name: str, data: bytes) -> None:
        self._packed[(name, data)] = pack_member(name, data)
        self._digests[(name, data)] = hashlib.sha256(data).digest()

    def known_members(self) -> dict[str, list[tuple[int, int, bytes, bytes]]]:
        """name → (CRC-32, size, deflated bytes, SHA-256) of each member packed once and copied into every
        report (see guard.output_state, which then need not inflate them in an existing report)."""
        if self._known is None:
            known: dict[str, list[tuple[int, int, bytes, bytes]]] = {}
            for (name, data), packed in self._packed.items():
                known.setdefault(name, []).append((packed.crc, packed.size, packed.deflated, self._digests[(name, data)]))
            self._known = known
        return self._known

    def _member(self, name: str, data: bytes) -> PackedMember:
        if name in self._fresh:  # never remembered: no lookup keyed by (hashing) the ~120 KB document
            return pack_member(name, data, REPORT_LEVEL)
        packed = self._packed.get((name, data))
        return packed if packed is not None else pack_member(name, data, REPORT_LEVEL)

    def _digest(self, name: str, data: bytes) -> bytes:
        if name in self._fresh:
            return hashlib.sha256(data).digest()
        digest = self._digests.get((name, data))
        return digest if digest is not None else hashlib.sha256(data).digest()

    def _render_part(self, template: jinja2.Template, context: dict[str, Any]) -> str:
        return self._finish_part("".join(_render_chunks(template, context, self.path.name)))

    def _finish_part(self, xml: str) -> str:
        # docxtpl puts a newline before every <w:p> for Jinja and takes it out after rendering; neither is
        # done here, with the same result (data cannot hold "<w:p": it is escaped).
        if self._unescape_markers:
            xml = xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
        last = max(xml.rfind("\t"), xml.rfind("\a"), xml.rfind("\n"), xml.rfind("\f"))
        if last >= 0:
            xml = _resolve_listing(xml, last)
        return xml

    def _checked_skeleton(
        self, chunks: list[str]
    ) -> tuple[tuple[str | int, ...], str, _Cut, str, _Layout | None] | None:
        """The skeleton's text plan (see _text_plan; empty if it has none), the plan as a format string (see
        _plan_format), where the tab and newline clean-up ends (see _listing_cut), the non-empty values joined
        by "\x00" and the layout of the encoded body after the cut (see _body_layout; None when the cut is
        False); None unless the body Jinja rendered as `chunks` is known well-formed without parsing it
        again: as strict as expat on the whole document (ensure_well_formed), and used only where that is proven.

        Jinja yields the template's own text as `str` and every `{{ value }}` as the `Markup` autoescape
        made of it. The skeleton keeps the template text (and empty values) literally and stands for each
        other value by its probe. A value must be *plain*: XML characters other than `<`, `>`, `"`, `'`,
        `]` and the ASCII controls except tab and newline, with `&` only in the five references escaping
        writes (`&amp; &lt; &gt; &#34; &#39;`). Its probe keeps its tabs and newlines where they are and
        puts `&amp; --` for each non-empty stretch between them. The skeleton must hold no `<!` or `<?`
        (no comment, CDATA, DOCTYPE or processing instruction); it goes through the same clean-up as the
        document (tabs and newlines in <w:t> become Word markup, see _resolve_listing) and is parsed by
        expat with the template's fixed head and tail, once: the verdict is cached.
        Why a plain value may stand where its probe passed: `&amp; --` begins with a reference and holds
        a space, so it is well-formed only in element content or an attribute value (not in a name,
        between attributes or in a reference), and there a stretch of plain text is well-formed too;
        being non-empty, it ends an `&…` or `]]` of the text before it as the probe does, and holding no
        `<`, `>`, `]` or bare `&` it cannot start or complete a tag, a reference or `]]>`. The clean-up
        finds paragraphs, runs and texts by their tags, which a value cannot contain, so it changes the
        same tabs and newlines in the same elements in both. A value that is not plain, or a skeleton that
        fails, sends the whole document to expat.

        The verdict is cached under a key that tells apart every two renders whose skeletons differ, made
        without a Python step per chunk: the template's text chunks, where the values stand, which are
        empty, and the probes of the values holding tabs or newlines (by their place among the values)."""
        is_value = list(map(is_not, map(type, chunks), repeat(str)))
        values = list(compress(chunks, is_value))
        holes = list(filter(None, values))
        joined = "\x00".join(holes)
        if holes and (joined.count("\x00") != len(holes) - 1 or _NOT_PLAIN.search(joined)):
            return None
        listings = _listing_probes(joined, holes) if "\n" in joined or "\t" in joined else ()
        key = (tuple(compress(chunks, map(not_, is_value))), bytes(is_value), bytes(map(bool, values)), listings)
        verdict = self._skeletons.get(key)
        if verdict is None:
            probe = "".join(
                c if type(c) is str or not c else _listing_probe(c) if "\n" in c or "\t" in c else _HOLE_PROBE
                for c in chunks
            )
            verdict = "<!" not in probe and "<?" not in probe
            if verdict:
                try:
                    ensure_well_formed((self._head + self._finish_part(probe) + self._tail).encode("utf-8"))
                except TemplateTrouble:
                    verdict = False
            if verdict:
                plan = self._text_plan(chunks)
                cut = _listing_cut(chunks)
                self._encoded.update((c, c.encode("utf-8")) for c in chunks if type(c) is str and c not in self._encoded)
                layout = None if cut is False else _body_layout(chunks, cut, self._encoded, self._tail.encode("utf-8"))
                verdict = (plan, _plan_format(plan), cut, layout)
            if len(self._skeletons) >= _SKELETONS_KEPT:
                self._skeletons.clear()
            self._skeletons[key] = verdict
        if isinstance(verdict, bool):
            return None
        plan, plan_format, cut, layout = verdict
        return plan, plan_format, cut, joined, layout

    def _text_plan(self, chunks: list[str]) -> tuple[str | int, ...]:
        """How fast_visible_text of every document with this skeleton reads: the template's text, and
        (as its number) each stretch of a value between tabs and newlines (see _stretches), unescaped.

        Read once off the skeleton with a private-use character standing for each stretch: the readings
        of fast_visible_text look only at tags, which a value cannot contain, so a stretch lands where its
        stand-in does; the tabs and newlines are kept and cleaned up as in the document; `html.unescape`
        changes whole references, which never straddle a value and the text around it. Empty (no plan,
        the document is read whole) if the template text holds such characters, or too many stretches.
        A test compares the planned reading with fast_visible_text on hostile values."""
        if _has_stand_in("".join([c for c in chunks if type(c) is str or not c]) + self._head + self._tail):
            return ()
        pieces: list[str] = []
        count = 0
        for chunk in chunks:
            if type(chunk) is str or not chunk:
                pieces.append(chunk)
                continue
            for piece in _TAB_OR_NEWLINE.split(chunk):
                if piece in ("\t", "\n"):
                    pieces.append(piece)
                elif piece:
                    pieces.append(chr(_STAND_IN_FIRST + count))
                    count += 1
        if count > _STAND_IN_COUNT:
            return ()
        text = fast_visible_text(self._head + self._finish_part("".join(pieces)) + self._tail)
        plan = tuple(ord(p) - _STAND_IN_FIRST if len(p) == 1 and "\ue000" <= p <= "\uf8ff" else p
                     for p in _STAND_IN_SPLIT.split(text) if p)
        return plan or ("",)

    def _render_properties(self, part: str, context: dict[str, Any], keep_title: bool) -> str:
        """The property part `part` (core.xml or app.xml) with the placeholders of its properties rendered
        from `context`, by the same environment as the body (strict, escaping); with `keep_title` the title
        is left as it is (the report's 标题 replaces it)."""
        original = self._by_name[part].decode("utf-8")
        pieces = []
        done = 0
        for label, start, end, template in self._properties[part]:
            if keep_title and part == CORE_PART and label == "标题":
                continue
            chunks = _render_chunks(template, context, f"{self.path.name} 的文档属性「{label}」")
            pieces += [original[done:start], "".join(chunks)]
            done = end
        xml = "".join([*pieces, original[done:]])
        ensure_well_formed(xml.encode("utf-8"))  # a value is escaped; `|safe` could still break it
        return xml

    def render_xml(self, context: dict[str, Any]) -> str:
        """The rendered word/document.xml; raises TemplateTrouble if it is not well-formed XML."""
        return self._render_document(context)[0].decode("utf-8")

    def _render_document(self, context: dict[str, Any]) -> tuple[bytes, str]:
        """word/document.xml as bytes, checked to be well-formed, and its content fingerprint."""
        chunks = _render_chunks(self._body, context, self.path.name)
        # The cheaper, equally strict check of the rendered body (see _checked_skeleton) is not used with the
        # rare marker clean-up or table fix-up.
        found = self._checked_skeleton(chunks) if self._skeleton_checkable and self._flat_text else None
        head, tail = self._head, self._tail
        if found is not None and found[4] is not None:
            # The template's text encoded once per skeleton, the values at once, and the bytes joined: one
            # copy of the ~120 KB document, and no widening of the template's ASCII text into the wider
            # string a join with Chinese text makes.
            xml = _laid_out(chunks, found[2], found[4], found[3], self._head_bytes)
            if b"\r" not in xml:
                if found[0]:
                    return xml, text_hash(_fill_plan(found[1], found[3]))
                return xml, text_hash(fast_visible_text(xml.decode("utf-8")))
            return xml, content_hash(_parse_checked(xml))
        body = self._finish_part("".join(chunks))
        if self._fix_tables:
            from docxtpl import DocxTemplate
            from lxml import etree

            body = etree.tostring(DocxTemplate.fix_tables(None, body), encoding="unicode")  # type: ignore[arg-type]
        # Encoded in three pieces and joined as bytes: one copy of the ~120 KB document, not three.
        xml = b"".join((head.encode("utf-8"), body.encode("utf-8"), tail.encode("utf-8")))
        if self._flat_text and "\r" not in body and "\r" not in head and "\r" not in tail:
            if found is None:
                ensure_well_formed(xml)
            elif found[0]:
                return xml, text_hash(_fill_plan(found[1], found[3]))
            return xml, text_hash(fast_visible_text(head + body + tail))
        return xml, content_hash(_parse_checked(xml))

    def render(self, context: dict[str, Any], title: str = "", provenance: Provenance | None = None) -> bytes:
        """The whole .docx as bytes. With `provenance`, its properties (and the content hash) are recorded."""
        document_xml, document_hash = self._render_document(context)
        replaced = {DOCUMENT_PART: document_xml}
        for name, template in self._extra.items():
            replaced[name] = self._render_part(template, context).encode("utf-8")
        by_name = self._by_name
        for part in self._properties:
            replaced[part] = self._render_properties(part, context, keep_title=bool(title)).encode("utf-8")
        if title and CORE_PART in by_name:
            core = replaced.get(CORE_PART, by_name[CORE_PART])
            replaced[CORE_PART] = _set_core_title(core.decode("utf-8"), title).encode("utf-8")
        extra_parts: list[tuple[str, bytes]] = []
        if provenance is not None:
            replaced.update(self._custom_part_declarations)
            final = {name: replaced.get(name, data) for name, data in by_name.items()}
            # Parts left out of the package hash are not hashed at all.
            digests = {name: self._digest(name, data) for name, data in final.items() if in_package_hash(name)}
            provenance = replace(
                provenance, content_hash=document_hash, package_hash=package_hash_of_digests(digests)
            )
            custom = custom_properties_xml(provenance.properties()).encode("utf-8")
            if CUSTOM_PART in by_name:
                replaced[CUSTOM_PART] = custom
            else:
                extra_parts.append((CUSTOM_PART, custom))
        members = [self._member(info.filename, replaced.get(info.filename, data)) for info, data in self.parts]
        members += [pack_member(name, data, REPORT_LEVEL) for name, data in extra_parts]
        return write_zip(members)


# See CompiledTemplate._checked_skeleton. A value is joined to the next one by "\x00" for one search.
_HOLE_PROBE = "&amp; --"
_NOT_PLAIN = re.compile("[\x01-\x08\x0b-\x1f<>\"'\\]\ud800-\udfff\ufffe\uffff]|&(?!(?:amp|lt|gt|#34|#39);)")
_SKELETONS_KEPT = 256
_TAB_OR_NEWLINE = re.compile("([\t\n])")


# Private-use characters stand for the values' stretches when a skeleton's text plan is read.
_STAND_IN_FIRST, _STAND_IN_COUNT = 0xE000, 6400
_STAND_INS = re.compile("[\ue000-\uf8ff]")
_STAND_IN_SPLIT = re.compile("([\ue000-\uf8ff])")
# The same characters in UTF-8: lead byte EE (U+E000-U+EFFF), or EF then 80-A3 (U+F000-U+F8FF).
_STAND_IN_HIGH_UTF8 = re.compile(b"\xef[\x80-\xa3]")


def _has_stand_in(text: str) -> bool:
    """`_STAND_INS.search(text)`, looked for in the UTF-8 bytes: the ~120 KB of a template's text are
    searched by memchr-like scans for a byte, not a character class tested on every character (3 ms)."""
    data = text.encode("utf-8", "surrogatepass")  # a lone surrogate (ED ..) is none of them either
    return b"\xee" in data or _STAND_IN_HIGH_UTF8.search(data) is not None


def _listing_probes(joined: str, holes: list[str]) -> tuple[tuple[int, str], ...]:
    """(place among `holes`, probe) of each value holding a tab or newline; `joined` is `holes` joined by "\x00"."""
    places = set()
    for mark in "\t\n":
        at = joined.find(mark)
        while at >= 0:
            places.add(joined.count("\x00", 0, at))
            end = joined.find("\x00", at)  # on from the next value
            at = joined.find(mark, end) if end >= 0 else -1
    return tuple((place, _listing_probe(holes[place])) for place in sorted(places))


# Where in a skeleton's chunks the tab and newline clean-up ends: (chunk, offset in it); None when the
# document has no tab or newline; False when the end is not in the template's text (never seen: the chunks
# are then joined and cleaned up whole).
_Cut = tuple[int, int] | None | bool


def _listing_cut(chunks: list[str]) -> _Cut:
    """The place in `chunks` after which _resolve_listing of their join copies the text as it is.

    It lies in the template's text (the end of a `</w:p>`, or the start), and for a skeleton that passed
    the check it is the same for every render with that skeleton: the clean-up finds paragraphs by their
    tags, which values cannot contain or change (they stand only in element content and attribute values,
    see _checked_skeleton), and where the last tab or newline is the skeleton says (the template's text and the
    tabs and newlines of each value are part of it)."""
    body = "".join(chunks)
    last = max(body.rfind("\t"), body.rfind("\a"), body.rfind("\n"), body.rfind("\f"))
    if last < 0:
        return None
    end = _listing_end(body, last)
    start = 0
    for index, chunk in enumerate(chunks):
        after = start + len(chunk)
        if start <= end <= after and type(chunk) is str:
            return index, end - start
        if after > end:
            break
        start = after
    return False


# How the encoded body of every render with one skeleton is put together (see _body_layout): the number of
# non-empty values before the cut; the encoded pieces after it (the template's text, b"" where a value
# goes, the document's tail last); where the non-empty values after the cut go among them.
_Layout = tuple[int, list[bytes], tuple[int, ...]]


def _body_layout(chunks: list[str], cut: _Cut, encoded: dict[str, bytes], tail: bytes) -> _Layout:
    """The layout of the body after its cut (see _listing_cut) for every render with the skeleton of `chunks`.

    The pieces are the encoded template text of `encoded` (shared, not copied: a few KB of references per
    skeleton); what they hold and where the values go is the same for every render with this skeleton, as
    the template's text, which values are empty and the cut are part of it."""
    if cut is None:
        index, pieces = -1, []
    else:
        index, offset = cut  # type: ignore[misc]
        pieces = [chunks[index][offset:].encode("utf-8")]
    before = sum(1 for c in chunks[: index + 1] if type(c) is not str and c)
    places = []
    for chunk in chunks[index + 1 :]:
        if type(chunk) is not str and chunk:
            places.append(len(pieces) + 2)  # after the head and the cleaned-up text before the cut
            pieces.append(b"")
        else:
            pieces.append(encoded.get(chunk) or chunk.encode("utf-8"))
    pieces.append(tail)
    return before, pieces, tuple(places)


def _laid_out(chunks: list[str], cut: _Cut, layout: _Layout, joined: str, head: bytes) -> bytes:
    """`head + _finish_part("".join(chunks)) + tail` encoded in UTF-8 (without marker clean-up), for chunks
    whose skeleton has `layout` and whose non-empty values are `joined` by "\x00": only the text before the cut
    is cleaned up and encoded; the values are encoded in one go (they hold no "\x00", see _checked_skeleton)
    and put in their places without a Python step per chunk."""
    if cut is None:
        before = b""
    else:
        index, offset = cut  # type: ignore[misc]
        before = _resolve_listing("".join(chunks[:index]) + chunks[index][:offset]).encode("utf-8")
    skipped, template_pieces, places = layout
    values = joined.encode("utf-8").split(b"\x00")[skipped:] if joined else []
    pieces = [head, before, *template_pieces]
    deque(map(pieces.__setitem__, places, values), maxlen=0)
    return b"".join(pieces)


def _plan_format(plan: tuple[str | int, ...]) -> str:
    """A text plan as a format string: its text (braces doubled) with `{n}` for the n-th stretch."""
    return "".join(p.replace("{", "{{").replace("}", "}}") if type(p) is str else f"{{{p}}}" for p in plan)


def _fill_plan(plan_format: str, joined: str) -> str:
    """The planned text: the plan's format filled with the stretches of the values (joined by "\x00"),
    unescaped: the pieces between tabs and newlines of each value, in order (see _text_plan)."""
    if "\t" in joined or "\n" in joined:
        joined = joined.replace("\t", "\x00").replace("\n", "\x00")
    stretches = list(filter(None, joined.split("\x00")))
    if "&" in joined:
        stretches = list(map(_unescape, stretches))
    return plan_format.format(*stretches)


def _unescape(text: str) -> str:
    if "&" not in text:
        return text
    import html

    return html.unescape(text)


def _listing_probe(value: str) -> str:
    """The probe of a plain value holding tabs or newlines: those kept, each stretch between them `&amp; --`."""
    return "".join(piece if piece in ("\t", "\n") else _HOLE_PROBE if piece else ""
                   for piece in _TAB_OR_NEWLINE.split(value))


def _render_chunks(template: jinja2.Template, context: dict[str, Any], name: str) -> list[str]:
    """What `template.render(context)` joins: the template's text as `str`, each value as `Markup`."""
    try:
        try:
            return list(template.root_render_func(template.new_context(context)))
        except Exception:
            template.environment.handle_exception()  # as Template.render does: the template's traceback
    except jinja2.UndefinedError as exc:
        from .template_lint import missing_field_text  # only on this error path

        raise TemplateTrouble(missing_field_message(name, missing_field_text(exc.message or ""))) from None


def missing_field_message(name: str, field: str) -> str:
    """What a template that uses a field the data lacks is told: `name` is the template's file name, or the
    place in it (`x.docx 的文档属性「类别」`), `field` the field in 「」 (template_lint.missing_field_text). A
    space sets a Latin or digit end off from the Chinese that follows (`x.docx 用到了`), none follows Chinese
    punctuation (`「类别」用到了`)."""
    space = " " if name[-1:].isascii() else ""
    return f"Word 模板 {name}{space}用到了数据中没有的字段{field}，请在数据中补上这个字段或从模板中删去"


# Markup after which paragraph texts are not simply the <w:t> of flat <w:p> elements in order.
_NOT_FLAT = ("txbxContent", "AlternateContent", "<![CDATA[", "<!--")
# One literal prefix for every alternative: the regex engine then jumps from "<w:" to "<w:".
_TEXT_TOKENS = re.compile(r"<w:(?:(p)[\s>/]|t(?:\s[^>]*)?(?<!/)>([^<]*)</w:t>|(tab)[\s/>]|(br|cr)[\s/>])")


def fast_visible_text(document_xml: str) -> str:
    """`provenance.visible_text` joined by newlines, read off a well-formed word/document.xml string whose
    paragraphs do not nest and whose `w` prefix is WordprocessingML (CompiledTemplate checks both): each
    <w:p> starts a paragraph, each <w:t> adds its text, each <w:tab> a tab, each <w:br>/<w:cr> a newline
    (wordml.paragraph_text). A test compares it with the lxml reading on every sample and on hostile text."""
    pieces = ["\v" if paragraph else "\t" if tab else "\n" if brk else text
              for paragraph, text, tab, brk in _TEXT_TOKENS.findall(document_xml)]
    # "\v" (never in well-formed XML text) marks where a paragraph starts; paragraphs are joined by "\n".
    joined = "".join(pieces)
    if joined.startswith("\v"):
        joined = joined[1:]
    joined = joined.replace("\v", "\n")
    if "&" not in joined:
        return joined
    import html

    return html.unescape(joined)


def ensure_well_formed(xml: bytes) -> None:
    """Raise TemplateTrouble unless `xml` is well-formed (expat, in C, building nothing)."""
    parser = pyexpat.ParserCreate()
    try:
        parser.Parse(xml, True)
    except pyexpat.ExpatError as exc:
        raise TemplateTrouble(f"生成的文档内容不是有效的 XML：{exc}") from None


def _parse_checked(xml: bytes) -> Any:
    from lxml import etree

    try:
        return etree.fromstring(xml)
    except etree.XMLSyntaxError as exc:
        raise TemplateTrouble(f"生成的文档内容不是有效的 XML：{exc}") from None


def _with_font_fallbacks(parts: list[tuple[zipfile.ZipInfo, bytes]]) -> list[tuple[zipfile.ZipInfo, bytes]]:
    """The package with the fallbacks of the official fonts in its font table (a template re-saved by
    LibreOffice has lost them; see wordml.FONT_FALLBACKS)."""
    by_name = {info.filename: data for info, data in parts}
    table = by_name.get("word/fontTable.xml")
    if table is None:
        return parts
    fixed = restore_font_fallbacks(table, fonts_used(by_name))
    if fixed is table:
        return parts
    return [(info, fixed if info.filename == "word/fontTable.xml" else data) for info, data in parts]


def _prepare(path: Path, parts: list[tuple[zipfile.ZipInfo, bytes]]) -> dict[str, Any]:
    """What docxtpl would render from: the body as python-docx serialises it, after `patch_xml`; the
    document's head and tail; the headers and footers holding placeholders, patched."""
    from docx import Document
    from docxtpl import DocxTemplate
    from lxml import etree

    try:
        document = Document(str(path))
    except OSError as exc:
        raise TemplateTrouble(f"无法打开 Word 模板 {path}：{os_error_text(exc, reading=True)}") from None
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise TemplateTrouble(f"无法打开 Word 模板 {path}：{exc}") from None
    helper = DocxTemplate(str(path))
    root = document.element
    root_xml = etree.tostring(root, encoding="unicode")
    start = root_xml.index("<w:body")
    end = root_xml.rindex("</w:body>") + len("</w:body>")
    body_xml = etree.tostring(root.body, encoding="unicode")
    patched = helper.patch_xml(body_xml)
    extra = {}
    for info, data in parts:
        name = info.filename
        if re.match(r"word/(header|footer)\d*\.xml$", name) and _JINJA_MARK.search(data.decode("utf-8")):
            extra[name] = helper.patch_xml(data.decode("utf-8"))
    return {
        "head": "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n" + root_xml[:start],
        "tail": root_xml[end:],
        "body": patched,
        "extra": extra,
        # Column loops and colspans need docxtpl's table fix-up after each render, as docxtpl does.
        "fix_tables": bool(re.search(r"\{%-?\s*(tc|colspan|hm)\b", body_xml)),
        "unescape_markers": any(m in patched for m in ("{_{", "}_}", "{_%", "%_}")),
    }


_PARAGRAPH_OPEN = re.compile(r"<w:p(?: [^>]*)?>")
_LISTING = re.compile("[\t\a\n\f]")


def _resolve_listing(xml: str, last: int | None = None) -> str:
    """docxtpl's `resolve_listing` (tab, newline, \\a, \\f in text → Word markup), with its paragraph split
    (`<w:p …>` to the next `</w:p>`, left to right) but applied only to paragraphs holding such a character,
    and only as far as the last one: the same output without running its nested regexes over every
    paragraph of the document (it was the hot spot of a render)."""
    if last is None:  # the place of the last such character, when the caller has not found it
        last = max(xml.rfind(c) for c in "\t\a\n\f")
    pieces: list[str] = []
    pos = _listing_end(xml, last, pieces)
    pieces.append(xml[pos:])
    return "".join(pieces)


def _listing_end(xml: str, last: int, pieces: list[str] | None = None) -> int:
    """Where _resolve_listing's paragraph walk up to `last` ends (the text after it is kept as it is);
    with `pieces`, the text before it, cleaned up, is added to them."""
    pos = 0
    while pos <= last:
        opening = _PARAGRAPH_OPEN.search(xml, pos)
        if opening is None:
            break
        end = xml.find("</w:p>", opening.end())
        if end < 0:
            break
        end += len("</w:p>")
        if pieces is not None:
            paragraph = xml[opening.start() : end]
            if _LISTING.search(paragraph):
                paragraph = _resolve_paragraph_listing(paragraph)
            pieces += [xml[pos : opening.start()], paragraph]
        pos = end
    return pos


_RUN = re.compile(r"<w:r(?: [^>]*)?>.*?</w:r>", re.DOTALL)
_TEXT = re.compile(r"<w:t(?: [^>]*)?>.*?</w:t>", re.DOTALL)
_PPR = re.compile(r"<w:pPr>.*?</w:pPr>", re.DOTALL)
_RPR = re.compile(r"<w:rPr>.*?</w:rPr>", re.DOTALL)


def _resolve_paragraph_listing(paragraph: str) -> str:
    """docxtpl's `resolve_listing` for one paragraph, restated so that a render does not import docxtpl
    (and python-docx) at all: in every <w:t> of every run, a tab becomes a <w:tab/> run, \\a a new
    paragraph, \\n a line break, \\f a page break, each keeping the paragraph's and run's properties.
    A test compares it with docxtpl's own on every such character."""
    found = _PPR.search(paragraph)
    paragraph_properties = found.group(0) if found else ""

    def resolve_run(run: re.Match[str]) -> str:
        found = _RPR.search(run.group(0))
        run_properties = found.group(0) if found else ""

        def resolve_text(text: re.Match[str]) -> str:
            xml = text.group(0).replace(
                "\t", f'</w:t></w:r><w:r>{run_properties}<w:tab/></w:r><w:r>{run_properties}<w:t xml:space="preserve">'
            )
            xml = xml.replace(
                "\a", f'</w:t></w:r></w:p><w:p>{paragraph_properties}<w:r>{run_properties}<w:t xml:space="preserve">'
            )
            xml = xml.replace("\n", '</w:t><w:br/><w:t xml:space="preserve">')
            return xml.replace(
                "\f",
                '</w:t></w:r></w:p><w:p><w:r><w:br w:type="page"/></w:r></w:p>'
                f'<w:p>{paragraph_properties}<w:r>{run_properties}<w:t xml:space="preserve">',
            )

        return _TEXT.sub(resolve_text, run.group(0))

    return _RUN.sub(resolve_run, paragraph)


_PROPERTY_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)


def _templated_properties(part: str, xml: bytes) -> list[tuple[str, int, int, str]]:
    """(label, start, end, Jinja source) of each text property of the property part `part` (its content
    `xml`) holding a placeholder (see wordml.text_properties). The source is the property's text with what lies outside its tags
    escaped as XML: rendered by the escaping environment, it is the property's XML content, the values
    escaped once (docxtpl renders the unescaped text and python-docx escapes it again, so a value's `&`
    shows as `&amp;`)."""
    if not (b"{{" in xml or b"{%" in xml or b"{#" in xml):
        return []
    found = []
    for label, start, end, text in text_properties(part, xml.decode("utf-8")):
        if _JINJA_MARK.search(text):
            pieces, done = [], 0
            for tag in _PROPERTY_TAG.finditer(text):
                pieces += [escape(text[done : tag.start()]), tag.group(0)]
                done = tag.end()
            found.append((label, start, end, "".join([*pieces, escape(text[done:])])))
    return found


def _set_core_title(core_xml: str, title: str) -> str:
    safe = escape(title)
    if "<dc:title" in core_xml:
        # A function, not a replacement string: a backslash or \\g<0> in a title is printed literally.
        return re.sub(r"<dc:title\s*/>|<dc:title>.*?</dc:title>", lambda _: f"<dc:title>{safe}</dc:title>", core_xml,
                      count=1, flags=re.DOTALL)
    return core_xml.replace("</cp:coreProperties>", f"<dc:title>{safe}</dc:title></cp:coreProperties>")


def compiled_template(docx_path: Path) -> CompiledTemplate:
    """One compiled template per process, path and file stamp (a template edited while the process runs,
    as `check` of a report whose template changed, is compiled again)."""
    try:
        stat = os.stat(docx_path)
    except OSError:
        return _compiled(docx_path, 0, 0)  # CompiledTemplate raises the proper TemplateTrouble
    return _compiled(docx_path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _compiled(docx_path: Path, mtime_ns: int, size: int) -> CompiledTemplate:
    return CompiledTemplate(docx_path)


def render_report(report: ReportData, report_dir: Path | None = None) -> bytes:
    """The .docx bytes of a checked report (the caller has made sure it has no errors).

    `report_dir` is the folder the report is written to: the data files are recorded relative to it.
    """
    template = compiled_template(report.spec.docx)
    provenance = Provenance(
        data_hash=sha256_files(report.source_paths),
        template_hash=template.hash,
        sources=relative_sources(report.source_paths, report_dir),
        template_name=report.spec.folder.name,
    )
    return template.render(build_context(report), title=report.facts.get("标题", ""), provenance=provenance)
