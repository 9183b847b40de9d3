"""The fast reader (`source._build`, the node tree straight from libyaml's events) gives what the ordinary
one gives (`_convert(_compose(text))`): the same tree, the same problems, the same refusals."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from nianbao import source
from nianbao.values import clean_text

HERE = Path(__file__).parent
ROOT = HERE.parent


def _shape(node: source.Node) -> object:
    return (node.kind, node.location, node.text, node.style,
            [(_shape(k), _shape(v)) for k, v in node.items], [_shape(c) for c in node.children])


def _slow(text: str) -> tuple[object, list]:
    problems: list = []
    try:
        composed = source._compose(text)
    except yaml.YAMLError:
        return "syntax", []
    if composed is None:
        return None, []
    try:
        return _shape(source._convert(composed, "数据.yaml", problems)), problems
    except source._TooDeep:
        return "too deep", []


def _fast(text: str) -> tuple[object, list]:
    problems: list = []
    try:
        root = source._build(text, "数据.yaml", problems)
    except (yaml.YAMLError, source._Unusual):
        return "syntax", []  # the caller composes again: the ordinary reader's verdict then stands
    except source._TooDeep:
        return "too deep", []
    return (None if root is None else _shape(root)), problems


_CASES = {
    "a mapping": "a: 1\nb: [1, 2, 3]\nc:\n  - x\n  - {d: 'q', e: \"w\"}\n",
    "blocks": "a: |\n  one\n  two\nb: >\n  folded\n  text\n",
    "empty values": "a:\nb: ~\nc: null\nd: ''\ne: []\nf: {}\n",
    "a list at the top": "- 1\n- [2, 3]\n- {a: b}\n",
    "a scalar at the top": "just text\n",
    "nothing": "# only a comment\n",
    "a duplicate key": "a: 1\nb: 2\na: 3\n",
    "duplicate keys told apart only by width": "（一）: 1\n(一): 2\n行政 许可: 3\n行政许可: 4\n",
    "a list as a key": "? [1, 2]\n: 3\nb: 4\n",
    "a mapping as a key": "? {a: 1}\n: 3\n",
    "a python tag": "a: !!python/object:os.system 'ls'\nb: !custom x\nc: !!str 5\nd: ! 7\n",
    "a tag on a collection": "a: !!map {b: 1}\nc: !!seq [1]\nd: !!python/list [1]\n",
    "a text too long": "a: " + "长" * (source.MAX_TEXT_CHARS + 1) + "\nb: 1\n",
    "deep nesting": "a: " + "[" * (source.MAX_NESTING + 2) + "]" * (source.MAX_NESTING + 2) + "\n",
    "nesting at the bound": "a: " + "[" * (source.MAX_NESTING - 1) + "1" + "]" * (source.MAX_NESTING - 1) + "\n",
    "nesting one past the bound": "a: " + "[" * source.MAX_NESTING + "1" + "]" * source.MAX_NESTING + "\n",
    "an empty list at the bound": "a: " + "[" * source.MAX_NESTING + "]" * source.MAX_NESTING + "\n",
    "an alias": "a: &x 1\nb: *x\n",
    "two documents": "a: 1\n---\nb: 2\n",
    "a syntax error": "a: [1, 2\nb: 3\n",
    "a bad indent": "a:\n  b: 1\n c: 2\n",
}


@pytest.mark.parametrize("text", list(_CASES.values()), ids=list(_CASES))
def test_fast_reader_agrees_with_the_ordinary_one(text):
    if source._FAST is None:
        pytest.skip("PyYAML without libyaml")
    assert _fast(text) == _slow(text) or _fast(text)[0] == "syntax"


def _data_files() -> list[Path]:
    files = sorted((ROOT / "data").rglob("*.yaml")) + sorted((HERE / "bad_inputs").glob("*.yaml"))
    return [f for f in files if f.stat().st_size < source.MAX_DATA_BYTES]


@pytest.mark.parametrize("path", _data_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_fast_reader_agrees_on_every_data_file(path):
    if source._FAST is None:
        pytest.skip("PyYAML without libyaml")
    raw = path.read_bytes()
    try:
        text = clean_text(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        pytest.skip("not UTF-8: the encoding is read elsewhere")
    fast = _fast(text)
    if fast[0] != "syntax":  # a syntax error or an alias is left to the ordinary reader by design
        assert fast == _slow(text)
