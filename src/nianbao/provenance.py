"""Where a generated .docx came from, recorded in its custom document properties (Word keeps them on save).

`nianbao.content_hash` is a fingerprint of what a reader sees (the text of every paragraph, table cells
included, in order) at generation time: when a clerk edits the file in Word, the fingerprint of the file no
longer matches it.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import TemplateTrouble
from .problems import Location, Problem, warning
from .source import display_name, read_bytes, shown_name
from .spec import resolve_template, resolved_path
from .version import __version__
from .wordml import MAX_DOCX_BYTES, paragraph_text, read_zip_parts, w

if TYPE_CHECKING:
    from lxml import etree

_CUSTOM_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
_VT_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
PREFIX = "nianbao."


@dataclass(frozen=True)
class Provenance:
    """What a generated document records about its origin."""

    data_hash: str
    template_hash: str
    content_hash: str = ""
    package_hash: str = ""  # every part except docProps/*, exactly as written: any re-save changes it
    # The data files (defaults first) as POSIX paths relative to the report's folder, or bare file names:
    # never an absolute path, which would publish the clerk's user and folder names with the report.
    sources: tuple[str, ...] = field(default=())
    tool_version: str = __version__
    template_name: str = ""

    def properties(self) -> dict[str, str]:
        props = {
            "data_hash": self.data_hash,
            "template_hash": self.template_hash,
            "content_hash": self.content_hash,
            "package_hash": self.package_hash,
            "version": self.tool_version,
            "template": self.template_name,
        }
        for index, source in enumerate(self.sources, start=1):
            props[f"source{index}"] = source
        return {PREFIX + k: v for k, v in props.items()}

    @classmethod
    def from_properties(cls, props: dict[str, str]) -> Provenance | None:
        if PREFIX + "data_hash" not in props:
            return None
        sources = []
        index = 1
        while PREFIX + f"source{index}" in props:
            sources.append(props[PREFIX + f"source{index}"])
            index += 1
        return cls(
            data_hash=props[PREFIX + "data_hash"],
            template_hash=props.get(PREFIX + "template_hash", ""),
            content_hash=props.get(PREFIX + "content_hash", ""),
            package_hash=props.get(PREFIX + "package_hash", ""),
            sources=tuple(sources),
            tool_version=props.get(PREFIX + "version", ""),
            template_name=props.get(PREFIX + "template", ""),
        )

    def source_paths(self, report_dir: Path) -> list[Path]:
        """The recorded data files, found from the folder the report is in now."""
        return [report_dir / source for source in self.sources]


def relative_source(path: Path, report_dir: Path | None) -> str:
    """`path` as recorded in a report written to `report_dir`: relative with "/", else its bare name."""
    return relative_sources([path], report_dir)[0]


def relative_sources(paths: list[Path], report_dir: Path | None) -> tuple[str, ...]:
    """relative_source of each of `paths`, the report's folder resolved once."""
    if report_dir is None:
        return tuple(shown_name(path.name) for path in paths)
    folder = os.fspath(resolved_path(report_dir))
    return tuple(shown_name(_relative_to(path, folder)) for path in paths)


def _relative_to(path: Path, folder: str) -> str:
    source_folder, name = os.path.split(os.fspath(resolved_path(path)))
    relative = _relative_folder(source_folder, folder)
    if relative is None:
        return path.name
    return name if relative == "." else f"{relative}/{name}"


@lru_cache(maxsize=256)
def _relative_folder(source_folder: str, folder: str) -> str | None:
    """The data file's (resolved) folder relative to the report's, with "/"; None when the two share only
    the root (or are on different drives). A district's hundreds of data files share a few folders: worked
    out once per pair. The same as relating the file itself, as the file is not a folder the report's
    folder could lie in."""
    try:
        common = Path(os.path.commonpath([source_folder, folder]))
    except ValueError:  # another drive on Windows
        return None
    # Climbing up to the root would spell out the folders above it (a user name, say): keep the name only.
    if common == Path(common.anchor):
        return None
    return Path(os.path.relpath(source_folder, folder)).as_posix()


def escape(text: str) -> str:
    """`&`, `<` and `>` as XML entities (xml.sax.saxutils.escape, without importing urllib at start-up)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def sha256_files(paths: list[Path]) -> str:
    """The SHA-256 of the files' bytes one after the other (the data hash: defaults first, then the office).

    The hash of the leading files (a district's shared defaults, the same for every office) is kept for the
    process, keyed by path and content stamp
    (modification time, size, inode); a changed file is read again."""
    if not paths:
        return hashlib.sha256().hexdigest()
    digest = _leading_digest(tuple(paths[:-1])) if len(paths) > 1 else hashlib.sha256()
    digest.update(paths[-1].read_bytes())
    return str(digest.hexdigest())


def _leading_digest(paths: tuple[Path, ...]) -> Any:
    """A fresh copy of the hash state after `paths` (see sha256_files)."""
    stamps = []
    for path in paths:
        stat = os.stat(path)
        stamps.append((os.path.abspath(path), stat.st_mtime_ns, stat.st_size, stat.st_ino))
    key = tuple(stamps)
    found = _LEADING.get(key)
    if found is None:
        found = hashlib.sha256()
        for path in paths:
            found.update(path.read_bytes())
        if len(_LEADING) >= 16:
            _LEADING.clear()
        _LEADING[key] = found
    return found.copy()


_LEADING: dict[tuple[tuple[str, int, int, int], ...], Any] = {}


def visible_text(document_xml: bytes | etree._Element) -> list[str]:
    """The text of every paragraph of the body, in document order (table cells' paragraphs included).

    `document_xml` is word/document.xml, as bytes or already parsed.
    """
    from lxml import (
        etree,  # only here: a render reads the text off the string (render.fast_visible_text)
    )

    root: Any = etree.fromstring(document_xml) if isinstance(document_xml, bytes) else document_xml
    return [paragraph_text(paragraph) for paragraph in root.iter(w("p"))]


def content_hash(document_xml: bytes | etree._Element) -> str:
    return text_hash("\n".join(visible_text(document_xml)))


def text_hash(joined_paragraphs: str) -> str:
    """The content fingerprint of the paragraph texts joined by newlines."""
    return hashlib.sha256(joined_paragraphs.encode("utf-8")).hexdigest()


def in_package_hash(name: str) -> bool:
    """Whether the part `name` counts in the package hash: every part except docProps/* (Word rewrites those
    on every save, and the fingerprint itself is stored there)."""
    return not name.startswith("docProps/")


def package_hash(parts: dict[str, bytes]) -> str:
    """A fingerprint of the document's parts (name and bytes), leaving out those not `in_package_hash`."""
    return package_hash_of_digests(
        {name: hashlib.sha256(data).digest() for name, data in parts.items() if in_package_hash(name)}
    )


def package_hash_of_digests(digests: dict[str, bytes]) -> str:
    """`package_hash` from each part's SHA-256 digest (so that unchanging parts are hashed once)."""
    digest = hashlib.sha256()
    for name in sorted(digests):
        if in_package_hash(name):
            digest.update(name.encode("utf-8") + b"\0" + digests[name])
    return digest.hexdigest()


CUSTOM_PROPERTIES_PART = "docProps/custom.xml"


def read_docx_parts(path_or_bytes: Path | bytes, *names: str) -> dict[str, bytes]:
    """The named parts that are present, read within the bounds of wordml.read_zip_parts (a file no
    larger than a .docx may be)."""
    if isinstance(path_or_bytes, bytes):
        data = path_or_bytes
    else:
        path = Path(path_or_bytes)
        data = read_bytes(path, display_name(path), what="Word 文档", limit=MAX_DOCX_BYTES)
    return read_zip_parts(data, names)


def custom_properties(path_or_bytes: Path | bytes) -> dict[str, str]:
    """The custom document properties of a .docx (name → text value)."""
    parts = read_docx_parts(path_or_bytes, CUSTOM_PROPERTIES_PART)
    return _read_custom_properties(parts.get(CUSTOM_PROPERTIES_PART, b""))


def _read_custom_properties(xml: bytes) -> dict[str, str]:
    """name → text of every <property> child of the root (in the custom-properties namespace): the text of
    its first child element up to that element's own first child, "" when it has none — what
    ElementTree's `findall("{ns}property")` and `next(iter(prop)).text` give."""
    if not xml:
        return {}
    # Read with expat itself (no lxml, and not ElementTree either: a rebuild reads its old output's
    # properties at start-up). Malformed properties are no properties.
    import pyexpat

    property_tag = f"{_CUSTOM_NS}}}property"
    result: dict[str, str] = {}
    depth = 0
    name: str | None = None  # the property being read (depth 2)
    value: list[str] | None = None  # the text of its first child, while it is being read
    seen_value = False

    def start(tag: str, attributes: dict[str, str]) -> None:
        nonlocal depth, name, value, seen_value
        depth += 1
        if depth == 2:
            name, value, seen_value = (attributes.get("name", "") if tag == property_tag else None), None, False
            if name is not None:
                result[name] = ""
        elif depth == 3 and name is not None and not seen_value:
            value, seen_value = [], True
        elif depth == 4 and value is not None:  # the value's text ends at its first child element
            result[name or ""] = "".join(value)
            value = None

    def end(tag: str) -> None:
        nonlocal depth, value
        if depth == 3 and value is not None:
            result[name or ""] = "".join(value)
            value = None
        depth -= 1

    def text(data: str) -> None:
        if value is not None and depth == 3:
            value.append(data)

    parser = pyexpat.ParserCreate(namespace_separator="}")
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    try:
        parser.Parse(xml, True)
    except pyexpat.ExpatError:
        return {}
    return result


def read_provenance(path_or_bytes: Path | bytes) -> Provenance | None:
    """The provenance recorded in a .docx by nianbao, or None for a document nianbao did not make."""
    return Provenance.from_properties(custom_properties(path_or_bytes))


def provenance_in(custom_xml: bytes) -> Provenance | None:
    """The provenance recorded in a document's docProps/custom.xml already read out of its package (b"" when
    it has none), or None: for a reader that inflates each part once."""
    return Provenance.from_properties(_read_custom_properties(custom_xml))


_FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"


def custom_properties_xml(values: dict[str, str]) -> str:
    """docProps/custom.xml holding `values` as text properties."""
    props = "".join(
        f'<property fmtid="{_FMTID}" pid="{pid}" name="{escape(name)}"><vt:lpwstr>{escape(value)}</vt:lpwstr></property>'
        for pid, (name, value) in enumerate(sorted(values.items()), start=2)
    )
    return (
        "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
        f'<Properties xmlns="{_CUSTOM_NS}" xmlns:vt="{_VT_NS}">{props}</Properties>'
    )


def custom_part_declarations(parts: dict[str, bytes]) -> dict[str, bytes]:
    """The package parts to replace so that docProps/custom.xml is declared (none if it already is)."""
    if "docProps/custom.xml" in parts:
        return {}
    return {
        "[Content_Types].xml": _add_custom_content_type(parts["[Content_Types].xml"]),
        "_rels/.rels": _add_custom_relationship(parts["_rels/.rels"]),
    }


def _add_custom_content_type(content_types: bytes) -> bytes:
    text = content_types.decode("utf-8")
    if 'PartName="/docProps/custom.xml"' in text:
        return content_types
    override = (
        '<Override PartName="/docProps/custom.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.custom-properties+xml"/>'
    )
    return text.replace("</Types>", override + "</Types>").encode("utf-8")


def _add_custom_relationship(rels: bytes) -> bytes:
    text = rels.decode("utf-8")
    if "docProps/custom.xml" in text:
        return rels
    rel = (
        '<Relationship Id="rIdNianbaoCustom" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties" '
        'Target="docProps/custom.xml"/>'
    )
    return text.replace("</Relationships>", rel + "</Relationships>").encode("utf-8")


def report_template(
    provenance: Provenance | None, path: Path, data: Path | str | None = None
) -> tuple[Path | None, list[Problem]]:
    """The template folder a generated report was built from (its `nianbao.template`, a folder name):
    looked for beside its data file (`data`, else the one recorded) and in a `templates/` folder there,
    beside the report, then among the shipped templates. None (the data's own choice) when the report does
    not say; a warning when the named template is nowhere to be found."""
    if provenance is None or not provenance.template_name:
        return None, []
    name = provenance.template_name
    bases = []
    if data is not None:
        bases.append(Path(data).parent)
    elif provenance.sources:
        bases.append(provenance.source_paths(path.parent)[-1].parent)
    bases.append(path.parent)
    for base in bases:
        try:
            return resolve_template(name, base=base), []
        except TemplateTrouble:
            continue
    return None, [warning(
        Location(display_name(path)),
        f"找不到生成这份报告所用的模板「{name}」，按数据文件指定的模板（或 official-2021）读取",
        f"把模板文件夹「{name}」放在数据文件旁边的 templates/ 文件夹中，或用 -t 模板文件夹 指出它",
    )]
