"""WordprocessingML basics shared by the Word reader and the provenance fingerprint: one namespace, and
one way to read what a paragraph shows."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only annotations: importing this module does not load lxml
    from lxml import etree

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
