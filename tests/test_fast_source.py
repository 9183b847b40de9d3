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
    "a quoted text too long": "a: '" + "长" * (source.MAX_TEXT_CHARS + 1) + "'\nb: 1\n",
    "a count too long": "a: [1, " + "1" * (source.MAX_TEXT_CHARS + 1) + "]\nb: [x, " + "长" * (source.MAX_TEXT_CHARS + 1) + "]\n",
    "a key too long": "长" * (source.MAX_TEXT_CHARS + 1) + ": 1\n",
    "a block too long": "a: |\n" + ("  " + "长" * 1000 + "\n") * 101 + "b: 1\n",
    "deep nesting": "a: " + "[" * (source.MAX_NESTING + 2) + "]" * (source.MAX_NESTING + 2) + "\n",
    "nesting at the bound": "a: " + "[" * (source.MAX_NESTING - 1) + "1" + "]" * (source.MAX_NESTING - 1) + "\n",
    "nesting one past the bound": "a: " + "[" * source.MAX_NESTING + "1" + "]" * source.MAX_NESTING + "\n",
    "an empty list at the bound": "a: " + "[" * source.MAX_NESTING + "]" * source.MAX_NESTING + "\n",
    "an alias": "a: &x 1\nb: *x\n",
    "two documents": "a: 1\n---\nb: 2\n",
    "a syntax error": "a: [1, 2\nb: 3\n",
    "a bad indent": "a:\n  b: 1\n c: 2\n",
    "a text over two lines": "a: b\n  c\nd: 1\n",
    "a value on the next line": "a:\n  text\n",
    "a block with spaces beyond its indentation": "a: |\n  x\n     \n  y\n",
    "a block at the end without a line break": "a: |\n  x\n\n  y",
    "a block after a blank line": "a: |\n\n  x\n",
    "two blocks": "a: |\n  x\n  # not a comment\nb: |\n    y\n   \n\nc: 1\n",
    "a block kept or stripped": "a: |-\n  x\nb: |+\n  y\n\n",
    "quotes": "a: 'it''s'\nb: \"x\\ty\"\nc: 'x' # c\nd: \"y\"\ne: 'x'y\n",
    "lists": "a: [1, 2,]\nb: [ ]\nc: []  # c\nd: [1, 2] x\ne: [a b, 【待补】, １２]\nf: [1,\n  2]\n",
    "a block list": "a:\n- x\n- y\nb:\n  - z\n",
    "comments and colons": "a: b # c\nb: b#c\nc: http://x.cn/a\nd: 12:30\ne: a: b\nf: x:\n",
    "a key with spaces": "key : v\n行政 许可 : 1\n",
    "values left empty": "a:\nb:   # c\nc: ~\nd:\n\n\ne: 1\nf:",
    "a mapping going back too far": "  a: 1\nb: 2\n",
    "a value more indented": "a: 1\n  b: 2\n",
    "a document marker": "---\na: 1\n...\n",
    "a flow mapping": "a: {b: 1}\n",
    "a key starting with an indicator": "-a: 1\n?b: 2\n@c: 3\n",
    "special characters": "a: x\u2028y\nb: \x0cz\n",
    "a mapping given twice, closed by less indentation": "a:\n  b: 1\nc: 2\na:\n  d: 3\ne: 4\n",
    "a nested mapping given twice, two levels closed at once": "x:\n  a:\n    b: 1\n  （一）:\n    c: 2\n  (一):\n    d: 3\ny: 1\n",
}


@pytest.mark.parametrize("text", list(_CASES.values()), ids=list(_CASES))
def test_fast_reader_agrees_with_the_ordinary_one(text):
    if source._FAST is None:
        pytest.skip("PyYAML without libyaml")
    assert _fast(text) == _slow(text) or _fast(text)[0] == "syntax"


def _data_files() -> list[Path]:
    files = sorted((ROOT / "data").rglob("*.yaml")) + sorted((HERE / "bad_inputs").glob("*.yaml"))
    return [f for f in files if f.stat().st_size < source.MAX_DATA_BYTES]


def _utf8(path: Path) -> bool:
    try:
        path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return True


# The bad inputs in other encodings are read (and refused or decoded) before any YAML reader sees them.
@pytest.mark.parametrize("path", [p for p in _data_files() if _utf8(p)], ids=lambda p: str(p.relative_to(ROOT)))
def test_fast_reader_agrees_on_every_data_file(path):
    if source._FAST is None:
        pytest.skip("PyYAML without libyaml")
    text = clean_text(path.read_bytes().decode("utf-8-sig"))
    fast = _fast(text)
    if fast[0] != "syntax":  # a syntax error or an alias is left to the ordinary reader by design
        assert fast == _slow(text)
    _agree(text)


# A row written as a list: the loader's quick path for plain counts (load._Walker._row) reads a value
# padded with spaces, quoted, or not a count at all exactly as the general one (_cell) does.
_ROW = "  一、本年新收政府信息公开申请数量: [0, 0, 0, 0, 0, 0, 0]"
_ROWS = {
    "plain counts": "  一、本年新收政府信息公开申请数量: [1, 2,3 , 0, 0,  0, 6]  # 注释",
    "a count of ten digits": "  一、本年新收政府信息公开申请数量: [1, 2, 3, 0, 0, 0, 1234567890]",
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
    items = yaml.safe_load("v: " + values.split("#")[0])["v"]
    raw = [item.strip() for item in values.split("#")[0].strip()[1:-1].split(",")]
    assert len(items) in (6, 7), "a row of another length has no column-by-column twin"
    return label + ": {" + ", ".join(f"{c}: {r}" for c, r in zip(columns, raw, strict=False)) + "}"


# "too few" has no column-by-column twin (it is read by the agreement test further down).
_TWINNED = {name: row for name, row in _ROWS.items() if name != "too few"}


@pytest.mark.parametrize("row", list(_TWINNED.values()), ids=list(_TWINNED))
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


# The quick reader (`source._quick`, line by line without libyaml) either leaves a file to libyaml or gives
# exactly `_build`'s tree and problems: on every data file, on the cases above, and on thousands of small
# random edits of real files (characters YAML reads specially, indentation, lines doubled or dropped).


def _quick(text: str) -> tuple[object, list] | None:
    problems: list = []
    try:
        root = source._quick(text, "数据.yaml", problems)
    except source._Unusual:
        return None
    return _shape(root), problems


def _agree(text: str) -> bool:
    """Whether the quick reader read `text` itself (False: left to libyaml); fails when it disagrees."""
    quick = _quick(text)
    if quick is None:
        return False
    assert quick == _fast(text), text
    return True


@pytest.mark.parametrize("text", list(_CASES.values()), ids=list(_CASES))
def test_quick_reader_agrees_or_leaves_it_to_libyaml(text):
    if source._FAST is None:
        pytest.skip("PyYAML without libyaml")
    _agree(text)


def test_quick_reader_reads_mappings_given_twice_itself():
    """A mapping closed by a line less indented is added to its parent, or said to be there already."""
    for name in ("a mapping given twice, closed by less indentation",
                 "a nested mapping given twice, two levels closed at once"):
        assert _agree(_CASES[name])
        _, problems = _quick(_CASES[name])
        assert len(problems) == 1 and "重复出现" in problems[0].message


def test_quick_reader_reads_every_sample_office_itself():
    if source._FAST is None:
        pytest.skip("PyYAML without libyaml")
    samples = sorted((ROOT / "data").rglob("*.yaml"))
    assert samples
    for path in samples:
        assert _agree(clean_text(path.read_text(encoding="utf-8"))), path


_TRICKY = [":", ": ", " #", "#", "'", '"', "[", "]", "{", "}", ",", "-", "- ", "|", "|-", ">", "&a ", "*a", "!!str ",
           "?", "%", "@", "`", "\\", "\t", " ", "  ", "\n", "\n  ", "\n    ", "---\n", "...", "~", "null", "''", '""',
           "[]", "{}", "\r", "\x0c", "\u2028", "\ufeff", "（一）", "行政 许可", "a: b", "\n#", "0", "-1", "'a'", "x" * 3]


def _mutations(text: str, seed: int, count: int) -> list[str]:
    import random

    rng = random.Random(seed)
    out = []
    for _ in range(count):
        lines = text.split("\n")
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(len(lines))
            line = lines[at]
            how = rng.randrange(6)
            if how == 0:  # insert something tricky
                pos = rng.randint(0, len(line))
                lines[at] = line[:pos] + rng.choice(_TRICKY) + line[pos:]
            elif how == 1:  # delete a few characters
                pos = rng.randint(0, len(line))
                lines[at] = line[:pos] + line[pos + rng.randint(1, 3):]
            elif how == 2:  # change the indentation
                lines[at] = " " * rng.randint(0, 6) + line.lstrip(" ")
            elif how == 3:  # double a line
                lines.insert(at, line)
            elif how == 4:  # drop a line
                del lines[at]
            else:  # move a line
                moved = lines.pop(at)
                lines.insert(rng.randrange(len(lines) + 1), moved)
        out.append("\n".join(lines))
    return out


@pytest.mark.parametrize("seed", range(4))
def test_quick_reader_agrees_on_random_edits_of_real_files(seed):
    if source._FAST is None:
        pytest.skip("PyYAML without libyaml")
    samples = sorted((ROOT / "data").rglob("*.yaml"))
    read = 0
    for path in samples[seed::4]:
        for text in _mutations(clean_text(path.read_text(encoding="utf-8")), seed, 150):
            read += _agree(text)
    assert read > 100  # most edits still make a file the quick reader reads itself


_ONE_LINERS = [line for case in ("quotes", "lists", "comments and colons", "a key with spaces", "values left empty",
                                 "a key starting with an indicator", "special characters")
               for line in _CASES[case].split("\n") if line]


@pytest.mark.parametrize("line", _ONE_LINERS)
def test_quick_reader_agrees_line_by_line(line):
    if source._FAST is None:
        pytest.skip("PyYAML without libyaml")
    _agree("x: 0\n" + line + "\n")


def _unusual(*args: object) -> source.Node:
    raise source._Unusual


@pytest.mark.parametrize("row", [None, *_ROWS.values()], ids=["as written", *_ROWS])
def test_a_report_read_quickly_is_the_report_read_by_libyaml(row, tmp_path, monkeypatch):
    """The quick reader and the quick rows of the loader (counts read from their texts) against libyaml's
    tree read node by node: the same cells with the same lines, the same facts and texts, the same problems."""
    seed = SEED_DATA.read_text(encoding="utf-8")
    data = tmp_path / SEED_DATA.name
    data.write_text(seed if row is None else seed.replace(_ROW, row), encoding="utf-8")
    results = []
    for reader in (source._quick, _unusual):
        monkeypatch.setattr(source, "_quick", reader)
        result = check_file(data, defaults=[])
        report = result.report
        assert report is not None
        results.append((
            {k: (c.value, c.location) for k, c in report.cells.items()}, report.facts, report.fact_locations,
            report.paragraphs, report.row_locations, [(p.location, p.message, p.hint) for p in result.problems],
        ))
    assert results[0] == results[1]


def _display_name_by_pathlib(path: Path) -> str:
    """display_name as it was written before its quick case (pathlib only)."""
    import os

    from nianbao.spec import resolved_path

    cwd = resolved_path(Path.cwd())
    for candidate in (Path(os.path.abspath(path)), resolved_path(path)):
        try:
            return str(candidate.relative_to(cwd))
        except ValueError:
            continue
    return str(path)


def test_display_name_says_a_path_as_pathlib_does(tmp_path, monkeypatch):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.yaml").write_text("a: 1\n", encoding="utf-8")
    (tmp_path / "link.yaml").symlink_to(tmp_path / "sub" / "a.yaml")
    monkeypatch.chdir(tmp_path / "sub")
    paths = ["a.yaml", "./a.yaml", "../sub/a.yaml", "../link.yaml", str(tmp_path / "sub" / "a.yaml"),
             str(tmp_path / "sub") + "//a.yaml", str(tmp_path / "link.yaml"), "/etc/hostname", "../sub2/a.yaml",
             str(tmp_path / "sub2" / "x.yaml"), "数据 文件.yaml", ".", str(tmp_path / "sub"), "..", str(tmp_path),
             "//etc/hostname", str(tmp_path / "sub" / "." / "a.yaml")]
    for path in paths:
        assert source.display_name(Path(path)) == _display_name_by_pathlib(Path(path)), path


def test_quick_nfkc_is_nfkc():
    """spec.nfkc (full-width forms replaced first) against unicodedata.normalize on random texts mixing what
    NFKC changes: full-width forms, compatibility ideographs, combining marks, Hangul jamo, ligatures."""
    import random
    import unicodedata

    from nianbao.spec import nfkc

    pool = ("，（）：；！？％０１２３４５６７８９ＡＺａｚ＂＇．／－　" "政府信息公开年度报告一二三" "abc012 ,.:;()"
            "\u0301\u0308\u0323" "e\u00e9\u1e9b" "\u1100\u1161\u11a8\uac00" "\uf900\uf901\ufa0e" "\ufb01\u2460\u3000"
            "\u212b\u2126\u00bd\u2075" "\uff9e\uff9f\uff76" "\u309b\u304b")
    rng = random.Random(19)
    texts = ["", "2024年，共收到申请４件（其中自然人３件）：予以公开２件；占比５０％！"]
    texts += ["".join(rng.choice(pool) for _ in range(rng.randint(1, 40))) for _ in range(5000)]
    for text in texts:
        assert nfkc(text) == unicodedata.normalize("NFKC", text), ascii(text)


def test_display_name_at_the_root_and_with_a_double_slash(tmp_path, monkeypatch):
    """The one display_name (text compared, no pathlib case left) at the root folder, where the folder
    already ends in "/", and for paths starting with "//", which pathlib keeps apart from "/"."""
    (tmp_path / "a.yaml").write_text("a: 1\n", encoding="utf-8")
    paths = ["etc/hostname", "/etc/hostname", "//etc/hostname", "///etc/hostname", "/", "//", ".", "..",
             str(tmp_path / "a.yaml"), "/" + str(tmp_path / "a.yaml"), "//" + str(tmp_path / "a.yaml")]
    for folder in ("/", str(tmp_path)):
        monkeypatch.chdir(folder)
        for path in paths:
            assert source.display_name(Path(path)) == _display_name_by_pathlib(Path(path)), (folder, path)
    monkeypatch.chdir("/")
    assert source.display_name(Path("/etc/hostname")) == "etc/hostname"
    assert source.display_name(Path("/")) == "."


def test_quick_reader_folds_each_key_once_as_normalize_label_does():
    """The quick reader keeps each plain key with its folded form (one fold per key per process): keys
    equal once folded are still the same key, told as libyaml's reading tells it."""
    from nianbao.spec import normalize_label

    text = "表三:\n  行政 许可: 1\n  行政许可: 2\n  （二）部分公开: 3\n  (二)部分公开: 4\n"
    problems: list = []
    root = source._quick(text, "x.yaml", problems)
    for name in ("行政 许可", "行政许可", "（二）部分公开", "(二)部分公开"):
        assert source._PLAIN_KEYS[name] == normalize_label(name)
    assert [k.text for k, _ in root.items[0][1].items] == ["行政 许可", "（二）部分公开"]
    assert len(problems) == 2 and all("重复出现" in p.message for p in problems)
    again: list = []
    source._quick(text, "x.yaml", again)  # from the kept folds: the same verdict
    assert [p.message for p in again] == [p.message for p in problems]


def _empty_by_lines(text: str) -> bool:
    """load_source's emptiness test as it was written: only blank lines and comments."""
    return not text.strip() or all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines())


def test_content_line_says_what_the_line_by_line_test_said():
    import random

    rng = random.Random(20)
    alphabet = [" ", "  ", "\t", "\u3000", "\xa0", "#", "\n", "\n", "a", "键: 1", "# 注释", "\r", "\x0c"]
    texts = ["", "\n", "#", " # x\n\n", "a", "\u3000a", "\u3000#", "#\nb", " \n \n#\n  x: 1\n"]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))) for _ in range(4000)]
    for text in texts:
        if "\r" in text or "\x0c" in text:
            text = source.clean_text(text)  # as load_source has it: line breaks "\n", controls removed
        assert (source._CONTENT_LINE.search(text) is None) == _empty_by_lines(text), repr(text)


def test_a_plain_file_is_searched_once_for_what_cleaning_would_change(tmp_path, monkeypatch):
    """A file without any character the quick reader leaves to libyaml (the usual file) is neither cleaned
    nor searched again for control characters: none of them is in it. Any other file still is."""
    plain = tmp_path / "plain.yaml"
    plain.write_text("基本信息:\n  机关: 安宁街道\n", encoding="utf-8")
    calls: list[str] = []
    for name in ("clean_text", "_control_characters"):
        original = getattr(source, name)
        monkeypatch.setattr(source, name, lambda *a, _f=original, _n=name: calls.append(_n) or _f(*a))
    assert source.load_source(plain).root is not None
    assert calls == []
    for odd in ("\r\n", "\x85", "\u2028", "\x07", "\x00", "\ufeff", "\t", "\x0c"):
        calls.clear()
        other = tmp_path / "other.yaml"
        other.write_text(f"基本信息:\n  机关: 安宁{odd}街道\n", encoding="utf-8")
        source.load_source(other)
        assert {"_control_characters", "clean_text"} <= set(calls), repr(odd)


def test_the_usual_rows_are_read_from_their_counts_by_the_table_layout_s_keys():
    """load._TableLayout.counting_keys: the cell keys, in column order, of exactly the rows holding counts
    only, which _table_level fills from a list of counts without a node per value."""
    from nianbao.load import _layout
    from nianbao.spec import load_spec, resolve_template

    spec = load_spec(resolve_template("official-2021"))
    for table in spec.tables:
        layout = _layout(spec, table)
        for row in table.rows:
            keys = layout.counting_keys.get(row.id)
            if all(c.kind == "count" for c in row.columns):
                assert keys == tuple((table.id, row.id, c.id) for c in row.columns)
            else:
                assert keys is None
    assert any(layout.counting_keys for layout in spec.layouts.values())


def test_the_quick_reader_s_locations_are_locations():
    """source._location sets the slots of Location directly: equal, hashed, ordered, shown, pickled and
    frozen as Location(file, line) itself is."""
    import dataclasses
    import pickle

    from nianbao.problems import Location

    quick, made = source._location("数据.yaml", 7), Location("数据.yaml", 7)
    assert type(quick) is Location and quick == made and hash(quick) == hash(made)
    assert (quick.file, quick.line, str(quick), repr(quick)) == (made.file, made.line, str(made), repr(made))
    assert source._location("数据.yaml", 6) < quick < source._location("数据.yaml", 8)
    assert pickle.loads(pickle.dumps(quick)) == made
    with pytest.raises(dataclasses.FrozenInstanceError):
        quick.line = 8  # type: ignore[misc]
    root = source._quick("基本信息:\n  机关: 安宁街道\n", "数据.yaml", [])
    key, value = root.items[0]
    assert key.location == Location("数据.yaml", 1) and value.items[0][1].location == Location("数据.yaml", 2)
