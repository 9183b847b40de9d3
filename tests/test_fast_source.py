"""The fast reader (`source._build`, the node tree straight from libyaml's events) gives what the ordinary
one gives (`_convert(_compose(text))`): the same tree, the same problems, the same refusals."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from nianbao import source
from nianbao.pipeline import check_file
from nianbao.values import clean_text

from .conftest import SEED_DATA

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


# A row written as a list: the loader's quick path for plain counts (load._Walker._row) reads a value
# padded with spaces, quoted, or not a count at all exactly as the general one (_cell) does.
_ROW = "  一、本年新收政府信息公开申请数量: [0, 0, 0, 0, 0, 0, 0]"
_ROWS = {
    "padded and quoted counts": "  一、本年新收政府信息公开申请数量: [' 1 ', \"2\", 3, ' 0', '0 ', 0, 6]",
    "a total left out": "  一、本年新收政府信息公开申请数量: [1, 2, 3, 0, 0, 0]",
    "a wrong total": "  一、本年新收政府信息公开申请数量: [1, 2, 3, 0, 0, 0, 7]",
    "not a count": "  一、本年新收政府信息公开申请数量: [' x ', 2, 3.5, -1, '', '１２', 1234567890]",
    "too few": "  一、本年新收政府信息公开申请数量: [1, 2]",
}


def _written_one_by_one(row: str) -> str:
    """The same row written as a mapping, column by column: read by _cell, never by the quick path."""
    label, values = row.split(": ", 1)
    columns = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
    items = yaml.safe_load("v: " + values)["v"]
    raw = values.strip()[1:-1].split(", ")
    if len(items) not in (6, 7):
        return row
    return label + ": {" + ", ".join(f"{c}: {r}" for c, r in zip(columns, raw, strict=False)) + "}"


@pytest.mark.parametrize("row", list(_ROWS.values()), ids=list(_ROWS))
def test_a_list_row_reads_as_the_same_row_written_column_by_column(row, tmp_path):
    seed = SEED_DATA.read_text(encoding="utf-8")
    assert _ROW in seed
    results = []
    for name, written in (("list", row), ("mapping", _written_one_by_one(row))):
        folder = tmp_path / name
        folder.mkdir()
        (folder / SEED_DATA.name).write_text(seed.replace(_ROW, written), encoding="utf-8")
        result = check_file(folder / SEED_DATA.name, defaults=[])
        cells = result.report.cells if result.report else {}
        results.append(({k: (c.value, c.location.line if c.location else None) for k, c in cells.items()},
                        [(p.location.line, p.message) for p in result.problems]))
    assert results[0] == results[1]
