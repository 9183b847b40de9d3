"""WordprocessingML basics shared by the Word reader and the provenance fingerprint: one namespace, and
one way to read what a paragraph shows."""

from __future__ import annotations

import io
import re
import zlib
from collections.abc import Callable, Iterable
from typing import IO, TYPE_CHECKING

from .errors import FileTrouble

if TYPE_CHECKING:  # only annotations: importing this module does not load lxml (nor zipfile)
    import zipfile

    from lxml import etree

# Bounds on reading a .docx (check, import, the overwrite guard). A generated report is about 40 KB with
# 20 parts; a published report with photos a few MB. A "zip bomb" (1 MB that inflates to 1 GiB) stops
# at the first bound it reaches, counted while inflating, so memory stays near these sizes.
MAX_DOCX_BYTES = 64 * 1024 * 1024  # the file on disk
MAX_MEMBERS = 1000  # parts in the package
MAX_PART_BYTES = 32 * 1024 * 1024  # one part, inflated
MAX_TOTAL_BYTES = 96 * 1024 * 1024  # all parts read, inflated
_CHUNK = 1024 * 1024
_OLE_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")  # Word 97-2003 .doc, and encrypted .docx

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def w(name: str) -> str:
    """The Clark name of a `w:` element, e.g. `w("p")`."""
    return f"{{{W_NS}}}{name}"


_T, _TAB, _BR, _CR = w("t"), w("tab"), w("br"), w("cr")


def paragraph_text(paragraph: etree._Element) -> str:
    """What a reader sees in a paragraph: its text, a tab as "\\t", a manual line break as "\\n"."""
    parts: list[str] = []
    for node in paragraph.iter(_T, _TAB, _BR, _CR):
        if node.tag == _T:
            parts.append(node.text or "")
        elif node.tag == _TAB:
            parts.append("\t")
        else:
            parts.append("\n")
    return "".join(parts)


def _too_large(what: str) -> FileTrouble:
    return FileTrouble(
        f"这个 Word 文档{what}，超出了正常年报的范围（可能已损坏或是恶意构造的压缩包），未读取",
        None,
    )


def not_a_docx_reason(data: bytes) -> str | None:
    """Why `data` is not a .docx that can be read, in the user's words; None when it looks like one."""
    if data.startswith(_OLE_SIGNATURE):
        if "EncryptionInfo".encode("utf-16-le") in data:
            return "这个 Word 文档设置了打开密码，无法读取。请先去掉密码（文件 → 信息 → 保护文档 → 用密码进行加密，清空密码）后再试"
        return "这是旧版 Word 文档（.doc），不是 .docx。请在 Word/WPS 中“另存为” .docx 后再试"
    if data.startswith(b"PK") and b"mimetypeapplication/vnd.oasis.opendocument" in data[:200]:
        return "这是 OpenDocument 文档（.odt），不是 .docx。请在 WPS/LibreOffice 中“另存为” Word 文档（.docx）后再试"
    return None


def _read_chunk(stream: IO[bytes], name: str) -> bytes:
    import zipfile  # loaded by read_zip_parts already; at module level it would cost every `check` start

    try:
        return stream.read(_CHUNK)
    except (zlib.error, zipfile.BadZipFile, EOFError):  # bad deflate data, bad CRC, cut short
        raise FileTrouble(
            f"这个 Word 文档已损坏（部件 {name} 的压缩数据有误）。请在 Word/WPS 中打开后“另存为” .docx 再试", None
        ) from None


def read_zip_parts(
    data: bytes, names: Iterable[str] | None = None, keep: bool = True, first: str | None = None,
    then: Callable[[bytes], Iterable[str] | None | bool] | None = None,
    skip: Callable[[zipfile.ZipInfo], bool] | None = None,
) -> dict[str, bytes]:
    """The parts `names` (every part when None) of a .docx held in `data`, inflated within the bounds.

    The sizes are counted while inflating (a zip's declared sizes can lie); `keep=False` only checks the
    bounds. With `first`, that part is inflated before any other (b"" when absent) and `then(its bytes)` says
    which others to read: False for none (the result holds `first` alone), None for every part, else their
    names; the archive is opened once and no part inflated twice. A part for which `skip(its ZipInfo)` is
    true is neither inflated nor in the result (the caller knows it by its compressed bytes). Raises FileTrouble (without a file name)
    when a bound is passed, zipfile.BadZipFile when it is not a zip at all.
    """
    if len(data) > MAX_DOCX_BYTES:
        raise _too_large(f"超过 {MAX_DOCX_BYTES // (1024 * 1024)} MB")
    import zipfile  # only when a .docx is read: `check` of YAML starts without zipfile (and shutil, bz2, lzma)

    wanted = None if names is None else set(names)
    result: dict[str, bytes] = {}
    total = 0

    def inflate(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
        nonlocal total
        chunks: list[bytes] = []
        size = 0
        with archive.open(info) as stream:
            while chunk := _read_chunk(stream, info.filename):
                size += len(chunk)
                total += len(chunk)
                if size > MAX_PART_BYTES:
                    raise _too_large(f"的部件 {info.filename} 解压后超过 {MAX_PART_BYTES // (1024 * 1024)} MB")
                if total > MAX_TOTAL_BYTES:
                    raise _too_large(f"解压后超过 {MAX_TOTAL_BYTES // (1024 * 1024)} MB")
                if keep:
                    chunks.append(chunk)
        if keep:
            result[info.filename] = b"".join(chunks)

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise _too_large(f"含有 {len(members)} 个部件（上限 {MAX_MEMBERS} 个）")
        if first is not None and then is not None:
            head = next((info for info in members if info.filename == first), None)
            if head is not None:
                inflate(archive, head)
            more = then(result.get(first, b""))
            if more is False:
                return result
            wanted = None if more is None or more is True else set(more)
        for info in members:
            if (wanted is not None and info.filename not in wanted) or info.filename in result:
                continue
            if skip is not None and skip(info):
                continue
            inflate(archive, info)
    return result


# Official fonts few computers have, and the common font Word shows instead (w:altName in the font
# table). LibreOffice drops every w:altName (and the font-table entries of fonts only styles use) when it
# re-saves a .docx; a build puts them back (`restore_font_fallbacks`), so `template check` asks for a
# fallback only for rare fonts not listed here.
FONT_FALLBACKS = {
    "方正小标宋简体": "宋体",
    "方正小标宋_GBK": "宋体",
    "仿宋_GB2312": "仿宋",
    "方正仿宋_GBK": "仿宋",
    "楷体_GB2312": "楷体",
    "方正楷体_GBK": "楷体",
    "方正黑体_GBK": "黑体",
}
_FONT_REF = re.compile(r'w:(?:eastAsia|ascii|hAnsi|cs)="([^"]+)"')
_FONT_ENTRY = re.compile(r'<w:font w:name="([^"]+)"(?: [^>]*)?(?:/>|>.*?</w:font>)', re.DOTALL)


def fonts_used(parts: dict[str, bytes]) -> set[str]:
    """Font names the styles, the body, headers and footers ask for (w:rFonts)."""
    used: set[str] = set()
    for name, data in parts.items():
        if re.fullmatch(r"word/(document|styles|header\d*|footer\d*)\.xml", name):
            used.update(_FONT_REF.findall(data.decode("utf-8", "replace")))
    return used


def restore_font_fallbacks(font_table: bytes, used: set[str]) -> bytes:
    """The font table with a w:altName for each font of FONT_FALLBACKS that lacks one, and an entry for
    each such font in `used` that the table does not list. Unchanged (the same bytes) when nothing lacks."""
    text = font_table.decode("utf-8")
    listed = set()

    def fix(match: re.Match[str]) -> str:
        name, entry = match.group(1), match.group(0)
        listed.add(name)
        alt = FONT_FALLBACKS.get(name)
        if alt is None or "<w:altName" in entry:
            return entry
        if entry.endswith("/>") and "</w:font>" not in entry:
            return entry[:-2] + f'><w:altName w:val="{alt}"/></w:font>'
        head_end = entry.index(">") + 1
        return entry[:head_end] + f'<w:altName w:val="{alt}"/>' + entry[head_end:]

    fixed = _FONT_ENTRY.sub(fix, text)
    missing = sorted(name for name in used if name in FONT_FALLBACKS and name not in listed)
    if missing and "</w:fonts>" in fixed:
        added = "".join(
            f'<w:font w:name="{name}"><w:altName w:val="{FONT_FALLBACKS[name]}"/><w:charset w:val="86"/>'
            '<w:family w:val="auto"/><w:pitch w:val="variable"/></w:font>'
            for name in missing
        )
        fixed = fixed.replace("</w:fonts>", added + "</w:fonts>", 1)
    return font_table if fixed == text else fixed.encode("utf-8")


# The text properties of a package's docProps/core.xml (Dublin Core and OPC core properties) and of its
# docProps/app.xml (extended properties), with the labels Word shows for them (文件 → 信息 → 属性 → 高级属性 →
# 摘要). The dates and cp:revision (a number) are not text; of app.xml, Word shows 模板 (Template) read-only
# and the statistics on 统计, so only 经理, 单位 and 超链接基础 are text a user writes.
CORE_PART = "docProps/core.xml"
APP_PART = "docProps/app.xml"
CUSTOM_PART = "docProps/custom.xml"
_DC_NS = "http://purl.org/dc/elements/1.1/"
_CP_NS = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
_EP_NS = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"
CORE_TEXT_PROPERTIES = {
    (_DC_NS, "title"): "标题",
    (_DC_NS, "subject"): "主题",
    (_DC_NS, "creator"): "作者",
    (_CP_NS, "category"): "类别",
    (_CP_NS, "keywords"): "关键词",
    (_DC_NS, "description"): "备注",
    (_CP_NS, "contentStatus"): "状态",
    (_CP_NS, "lastModifiedBy"): "上次修改者",
    (_DC_NS, "identifier"): "标识符",
    (_DC_NS, "language"): "语言",
    (_CP_NS, "version"): "版本",
}
APP_TEXT_PROPERTIES = {
    (_EP_NS, "Manager"): "经理",
    (_EP_NS, "Company"): "单位",
    (_EP_NS, "HyperlinkBase"): "超链接基础",
}
# Each property part nianbao renders, with its text properties.
TEXT_PROPERTY_PARTS = {CORE_PART: CORE_TEXT_PROPERTIES, APP_PART: APP_TEXT_PROPERTIES}
_NAMESPACE_DECLARATION = re.compile(r"""\sxmlns(?::([A-Za-z_][\w.-]*))?\s*=\s*(["'])(.*?)\2""")
# A leaf element with text, prefixed (core.xml) or in the default namespace (app.xml).
_ELEMENT_WITH_TEXT = re.compile(
    r"<(?:([A-Za-z_][\w.-]*):)?([A-Za-z_][\w.-]*)(?:\s[^<>]*)?(?<!/)>([^<]*)</(?(1)\1:)\2\s*>")


def text_properties(part: str, xml: str) -> list[tuple[str, int, int, str]]:
    """(Word's label, start, end, text) of each text property of the property part `part`
    (TEXT_PROPERTY_PARTS) written in `xml` with text, in order: `xml[start:end]` is its content as written
    (escaped), `text` that content as text. A property is found by its namespace, whatever prefix the file
    binds to it; one holding markup (not plain text) is not a text property Word writes and is left out."""
    import html

    known = TEXT_PROPERTY_PARTS[part]
    namespaces = {prefix or "": uri for prefix, _quote, uri in _NAMESPACE_DECLARATION.findall(xml)}
    found = []
    for match in _ELEMENT_WITH_TEXT.finditer(xml):
        label = known.get((namespaces.get(match.group(1) or "", ""), match.group(2)))
        if label is not None and match.group(3):
            found.append((label, match.start(3), match.end(3), html.unescape(match.group(3))))
    return found


def core_text_properties(core_xml: str) -> list[tuple[str, int, int, str]]:
    """text_properties of a docProps/core.xml."""
    return text_properties(CORE_PART, core_xml)


_CUSTOM_PROPERTY = re.compile(r"""<(?:[A-Za-z_][\w.-]*:)?property\s[^<>]*?\bname\s*=\s*(["'])(.*?)\1[^<>]*>(.*?)"""
                              r"</(?:[A-Za-z_][\w.-]*:)?property\s*>", re.DOTALL)


def custom_properties(custom_xml: str) -> list[tuple[str, str]]:
    """(name, value as text) of each custom property of a docProps/custom.xml (Word's 自定义 tab)."""
    import html

    return [(html.unescape(match.group(2)), html.unescape(re.sub(r"<[^<>]*>", "", match.group(3))))
            for match in _CUSTOM_PROPERTY.finditer(custom_xml)]
