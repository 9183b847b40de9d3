"""A template folder: the Word file plus, as data, its field list, balance rules and defaults.

Nothing here knows the official format by heart: `fields.yaml`, `rules.yaml` and `defaults.yaml` beside
`template.docx` say what the tables, rows, columns and rules are.
"""

from __future__ import annotations

import os
import pickle
import sys
import unicodedata
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from .disk_cache import cache_dir, code_mark, read_quietly, write_quietly
from .errors import TemplateTrouble, os_error_text
from .problems import Severity

DEFAULT_TEMPLATE = "official-2021"
# Used only when a template folder has no defaults.yaml; official-2021 states both in its own.
_TITLE = "{地区}{机关}{年度}年政府信息公开工作年度报告"
_OUTPUT = "{机关}{年度}年政府信息公开工作年度报告.docx"
# What `nianbao import` writes where the source said nothing: a fact or a part still to be filled in
# (`check` lists it once as a to-do, rule 待补), and the value of a table the source did not have.
PLACEHOLDER = "【待补】"
ABSENT_TABLE = "缺失"
PENDING_RULE = "待补"


def templates_root() -> Path:
    """Where named templates live: $NIANBAO_TEMPLATES; else the package's `nianbao/templates/` (an installed
    wheel, see pyproject.toml); else, in a source checkout, the repository's top-level `templates/`."""
    env = os.environ.get("NIANBAO_TEMPLATES")
    if env:
        return Path(env)
    return _shipped_templates()


@lru_cache(maxsize=1)
def _shipped_templates() -> Path:
    """Found once per process (asked for every office of a district run)."""
    # The package's own folder (what importlib.resources.files gives for an installed, unzipped package,
    # without importing importlib.resources at start-up).
    here = _package_folder()
    packaged = here / "templates"
    if packaged.is_dir():
        return packaged
    return here.parents[1] / "templates"


@lru_cache(maxsize=1)
def _package_folder() -> Path:
    """This package's folder, resolved once (it does not move while the process runs)."""
    return Path(__file__).resolve().parent


@lru_cache(maxsize=512)
def _resolved_folder(folder: str) -> str:
    return os.path.realpath(folder)


def resolved_path(path: Path) -> Path:
    """`path.resolve()`, with the resolution of its folder remembered for the process: the hundreds of data
    files of a district share a few folders, and resolving walks every component of a path with a system
    call. The file itself is still looked at each time (it may be a symlink); a path with `..` in it is
    resolved in full, since `..` after a symlink is not the lexical parent."""
    return plain_path(resolved_text(path))


# CPython 3.11's pathlib passes every part of every path it parses to sys.intern: the table of interned
# strings then grows with the file names of a district (thousands of offices, each path made several
# times), and Python doubles it at some point of the run (a block of ~1 MB kept to the end; issue 14:
# memory flat in the number of offices). On POSIX under 3.11 a path is put together from its parts as
# pathlib would, without interning them; elsewhere Path(text) as usual.
# (Path(a_path) too: 3.11 parses the parts of a Path again.)
_CONCRETE = type(Path())
_FROM_PARTS: Callable[[str, str, list[str]], Path] | None = (
    getattr(_CONCRETE, "_from_parsed_parts", None) if os.name == "posix" and sys.version_info[:2] == (3, 11)
    else None)


def plain_path(path: str | os.PathLike[str]) -> Path:
    """`Path(path)`, the same object in every respect, for a path made once per office: its parts are not
    interned (see _FROM_PARTS)."""
    if _FROM_PARTS is None:
        return Path(path)
    if type(path) is _CONCRETE:
        return path  # type: ignore[return-value]  # a Path does not change: the same one will do
    text = os.fspath(path)
    if not isinstance(text, str):
        return Path(text)  # pathlib says what it thinks of bytes
    # PosixPath.parse_parts / splitroot (3.11): exactly two leading slashes stay a root of their own.
    root = ""
    if text.startswith("/"):
        root = "//" if text.startswith("//") and not text.startswith("///") else "/"
    parts = [part for part in text.split("/") if part and part != "."]
    if root:
        parts.insert(0, root)
    return _FROM_PARTS("", root, parts)


def resolved_text(path: str | os.PathLike[str]) -> str:
    """`resolved_path` as text, without making Path objects (asked several times for every office): a
    normalised absolute path, the text of the Path that resolved_path gives."""
    text = os.fspath(path)
    if ".." in text:
        return os.path.realpath(text)
    absolute = os.path.abspath(text)
    folder, name = os.path.split(absolute)
    if not name or os.path.islink(absolute):
        return os.path.realpath(absolute)
    return os.path.join(_resolved_folder(folder), name)


def normalize_label(text: str) -> str:
    """Fold a key for matching: full-/half-width, spaces, quotes, and "1、" vs "1." are not told apart."""
    # Labels and keys repeat in every office of a district run: remember the short ones (never whole texts).
    return _fold_cached(text) if len(text) <= 80 else _fold(text)


# Sized by measurement (issue 14: memory flat in the number of offices): over the 200-office sample
# district the labels and keys that repeat are under 200 distinct texts, hit 98.1 % of the time with this
# size as with an unbounded cache (192: 98.1 %, 128: 94.7 %); the rest are an office's own short
# paragraphs, seen once, which filled a cache of 2,048 between 200 and 5,000 offices.
FOLD_CACHE_SIZE = 256


@lru_cache(maxsize=FOLD_CACHE_SIZE)
def _fold_cached(text: str) -> str:
    return _fold(text)


# The full-width forms Chinese text is full of, each with its compatibility decomposition (one ASCII
# character, what NFKC makes of it). Replacing them first leaves NFKC's result as it is (NFKC decomposes
# them so anyway) and usually leaves a text NFKC already, which unicodedata.is_normalized sees at once:
# unicodedata.normalize is slow on long Chinese text (about 60 µs for a 400-character part).
_WIDE = [(wide, chr(ord(wide) - 0xFEE0)) for wide in "，（）：；！？％０１２３４５６７８９"]


def nfkc(text: str) -> str:
    """`unicodedata.normalize("NFKC", text)`, quicker for the usual Chinese text."""
    for wide, narrow in _WIDE:
        if wide in text:
            text = text.replace(wide, narrow)
    return text if unicodedata.is_normalized("NFKC", text) else unicodedata.normalize("NFKC", text)


def _fold(text: str) -> str:
    folded = nfkc(text)
    for quote in "“”\"'‘’「」":
        folded = folded.replace(quote, "")
    folded = "".join(folded.split())
    if len(folded) > 1 and folded[0].isdigit() and folded[1] == "、":
        folded = folded[0] + "." + folded[2:]
    return folded


def strip_enumeration(label: str) -> str:
    """`（三）不予公开` → `不予公开`, `1.属于国家秘密` → `属于国家秘密`, `一、总体情况` → `总体情况`."""
    text = normalize_label(label)
    if text.startswith("(") and ")" in text[:5]:
        return text[text.index(")") + 1 :]
    head = text.split("、", 1)
    if len(head) == 2 and len(head[0]) <= 2 and all(c in "一二三四五六七八九十" for c in head[0]):
        return head[1]
    head = text.split(".", 1)
    if len(head) == 2 and head[0].isdigit():
        return head[1]
    return text


# The template's immutable parts are named tuples, not frozen dataclasses: the same fields, equality and
# hashing, and created several times faster at start-up (every run imports this module).
class Column(NamedTuple):
    id: str
    label: str
    computed: bool = False
    kind: str = "count"  # "count": non-negative integer; "amount": non-negative decimal


class Row(NamedTuple):
    table: str
    id: str
    path: tuple[str, ...]
    columns: tuple[Column, ...]
    group: str | None = None
    aliases: tuple[str, ...] = ()
    computed: bool = False

    @property
    def label(self) -> str:
        return self.path[-1]

    @property
    def display(self) -> str:
        """How messages name the row: its label, with its parent label where it has one."""
        return " ".join(self.path[-2:])


class Group(NamedTuple):
    id: str
    label: str
    columns: tuple[Column, ...] = ()


@dataclass
class Table:
    id: str
    key: str
    rows: list[Row]
    groups: list[Group]
    columns: tuple[Column, ...]  # table-wide columns (empty when each group has its own)

    def row(self, row_id: str) -> Row:
        for row in self.rows:
            if row.id == row_id:
                return row
        raise KeyError(row_id)

    def expand_rows(self, refs: list[str]) -> list[Row]:
        """Row ids, where `组:X` stands for every row of group X."""
        rows: list[Row] = []
        for ref in refs:
            if ref.startswith("组:"):
                rows.extend(r for r in self.rows if r.group == ref[2:])
            else:
                rows.append(self.row(ref))
        return rows

    def _kept(self, name: str, make: Callable[[], Any]) -> Any:
        """`make()`, asked for every office: kept on the table, made again if its rows or groups were replaced."""
        kept = self.__dict__.get(name)
        if (kept is None or kept[0] is not self.rows or kept[1] != len(self.rows)
                or kept[2] is not self.groups or kept[3] != len(self.groups)):
            kept = self.__dict__[name] = (self.rows, len(self.rows), self.groups, len(self.groups), make())
        return kept[4]

    def all_columns(self) -> list[Column]:
        """Every column of the table's rows, each once, in the order first met (for every balance check)."""

        def make() -> tuple[Column, ...]:
            seen: dict[str, Column] = {}
            for row in self.rows:
                for column in row.columns:
                    seen.setdefault(column.id, column)
            return tuple(seen.values())

        return list(self._kept("_all_columns", make))

    def cell_plan(self) -> CellPlan:
        """What a report's context reads of the table (render.build_context), made once, not per cell of every
        report: ((row id, label, ((column id, cell key), …)), …) and ((group id, label, member row ids), …)."""
        return self._kept("_cell_plan", lambda: (
            tuple((row.id, row.label, tuple((column.id, (self.id, row.id, column.id)) for column in row.columns))
                  for row in self.rows),
            tuple((group.id, group.label, tuple(r.id for r in self.rows if r.group == group.id))
                  for group in self.groups),
        ))


CellPlan = tuple[tuple[tuple[str, str, tuple[tuple[str, tuple[str, str, str]], ...]], ...],
                 tuple[tuple[str, str, tuple[str, ...]], ...]]


class Fact(NamedTuple):
    key: str
    required: bool = False
    kind: str = "text"  # text, year, postcode, phone
    choices: tuple[str, ...] = ()
    hint: str = ""
    since: int = 0  # kind year: the first year the template's format applies to (0: any year)


class Section(NamedTuple):
    key: str
    context: str


class Part(NamedTuple):
    key: str
    kind: str  # paragraphs, subparts, sections
    context: str = ""
    required: bool = True
    intro: str = ""
    aspects: tuple[tuple[str, tuple[str, ...]], ...] = ()
    sections: tuple[Section, ...] = ()


@dataclass
class Rule:
    """One rule of `rules.yaml`; `params` keeps the kind-specific settings as written there."""

    id: str
    kind: str
    severity: str
    message: str
    hint: str
    params: dict[str, Any] = field(default_factory=dict)
    # What the checks make of this rule once per template instead of once per office (compiled patterns,
    # the cells each names, the equations of a balance; check.without_tables' narrowed rules, keyed by
    # ("without", tables)): made on first use, never pickled (__getstate__).
    made: dict[Any, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "made": {}}

    @property
    def level(self) -> Severity:
        """The severity problems of this rule carry: `severity: warning` in rules.yaml, else an error."""
        return Severity.WARNING if self.severity == "warning" else Severity.ERROR


@dataclass
class Spec:
    """Everything a template folder says about the data it takes."""

    folder: Path
    name: str
    docx: Path
    facts: list[Fact]
    parts: list[Part]
    tables: list[Table]
    rules: list[Rule]
    defaults: dict[str, Any]
    # What a reader makes once per template table instead of once per office (load._TableLayout), by table
    # id; made on first use, checked against the table itself, and never pickled (see __getstate__).
    layouts: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    # What the reader makes of the rest of the template once (load._WalkPlan: top-level keys, facts, outdated
    # terms); made on first use, checked against what it was made of, never pickled (see __getstate__).
    walk: Any = field(default=None, repr=False, compare=False)
    # cell_keys() as made, with the tables it was made of (compared object by object before use).
    _cells: tuple[tuple[Table, ...], tuple[tuple[str, str, str], ...]] | None = field(
        default=None, init=False, repr=False, compare=False)

    def __getstate__(self) -> dict[str, Any]:
        # These hold lookups keyed by the identity of objects of this process: made again after loading.
        return {**self.__dict__, "layouts": {}, "walk": None, "_cells": None}

    def cell_keys(self) -> tuple[tuple[str, str, str], ...]:
        """The key (table id, row id, column id) of every table cell, table by table, row by row, column by
        column (the order of a district roll-up's cells): made once, again when the tables are replaced."""
        kept = self._cells
        tables = self.tables
        if kept is None or len(kept[0]) != len(tables) or not all(map(_is, kept[0], tables)):
            keys = tuple((table.id, row.id, column.id) for table in tables for row in table.rows
                         for column in row.columns)
            kept = self._cells = (tuple(tables), keys)
        return kept[1]

    def table(self, table_id: str) -> Table:
        for table in self.tables:
            if table.id == table_id:
                return table
        raise KeyError(table_id)

    def rules_of(self, kind: str) -> list[Rule]:
        return [rule for rule in self.rules if rule.kind == kind]

    def title_for(self, facts: dict[str, str]) -> str:
        """The report title when the data gives none: defaults.yaml `title`, filled with the facts."""
        return _fill(self.defaults.get("title", _TITLE), facts)

    def output_name_for(self, facts: dict[str, str]) -> str:
        """The .docx file name of a report: defaults.yaml `output`, filled with the facts."""
        return _fill(self.defaults.get("output", _OUTPUT), facts)

    def office_type_for(self, name: str) -> str | None:
        """The office type (街道, 乡镇…) told from the office name (地区 + 机关) by defaults.yaml
        `office_type_by_suffix`: the first suffix the name ends with decides."""
        for entry in self.defaults.get("office_type_by_suffix", []):
            if name.endswith(entry["suffix"]):
                return str(entry["type"])
        return None

    def outdated_terms(self) -> list[dict[str, Any]]:
        terms: list[dict[str, Any]] = []
        for rule in self.rules_of("outdated_terms"):
            terms.extend(rule.params.get("terms", []))
        return terms


def _is(a: object, b: object) -> bool:
    return a is b


def _fill(pattern: str, facts: dict[str, str]) -> str:
    office = facts.get("机关", "")
    return pattern.format(地区=region_before(facts.get("地区", ""), office), 机关=office, 年度=facts.get("年度", ""))


def region_before(region: str, office: str) -> str:
    """The part of `region` to print before `office`: a name that already begins with the region, or with
    its last part (地区 淮安市洪泽区, 机关 洪泽区人民政府), does not get it twice."""
    for k in range(min(len(region), len(office)), 1, -1):
        if region.endswith(office[:k]) and office[k - 1] in "省市区县州盟旗":
            return region[: len(region) - k]
    return region


def resolve_template(name_or_path: str | os.PathLike[str] | None, base: Path | None = None) -> Path:
    """A template folder: a path (relative to `base`, the data's folder), a name under `base/templates/`,
    or a name under `templates_root()` (the official template shipped in the package)."""
    if name_or_path is None:
        name_or_path = DEFAULT_TEMPLATE
    # The same look-ups as with Path objects (`base / candidate`, `.is_dir()`), made on texts: this runs
    # for every office of a district, and making the Paths cost more than the system calls.
    text = os.fspath(name_or_path)
    if not text.startswith("/") and base is not None:
        # A path relative to the data, or a user's own template in a `templates/` folder beside the data.
        folder = os.fspath(base)
        for beside in (os.path.join(folder, text), os.path.join(folder, "templates", text)):
            if os.path.isdir(beside):
                return Path(beside).resolve()
    if os.path.isdir(text or "."):
        return Path(text).resolve()
    named = os.path.join(templates_root(), str(name_or_path))
    if os.path.isdir(named):
        return plain_path(resolved_text(named))
    available = sorted(p.name for p in templates_root().glob("*")
                       if (p / "fields.yaml").is_file() or (p / PARENT_FILE).is_file())
    raise TemplateTrouble(
        f"找不到模板「{name_or_path}」。可用的模板：{'、'.join(available) or '无'}"
    )


PARENT_FILE = "模板.yaml"  # in a derived template folder: which template it builds on
PARENT_KEY = "上级模板"
NAME_KEY = "名称"
DISABLE_KEY = "停用规则"  # rules.yaml of a derived template: ids of inherited rules it switches off
MAX_TEMPLATE_DEPTH = 8
_LIST_IDS = {"facts": "key", "parts": "key", "tables": "id"}


def template_chain(folder: Path) -> list[Path]:
    """The folder, its parent template (模板.yaml `上级模板`), that one's parent…, nearest first.

    A parent is a template name or a path relative to the derived folder's own folder; a missing parent,
    a cycle or a chain deeper than MAX_TEMPLATE_DEPTH is a TemplateTrouble in Chinese."""
    chain = [Path(folder).resolve()]
    while (chain[-1] / PARENT_FILE).is_file():
        own = _read_yaml(chain[-1] / PARENT_FILE)
        parent_name = own.get(PARENT_KEY)
        if not isinstance(parent_name, str) or not parent_name.strip():
            raise TemplateTrouble(f"{chain[-1] / PARENT_FILE} 应写明「{PARENT_KEY}」，如 {PARENT_KEY}: {DEFAULT_TEMPLATE}")
        try:
            parent = resolve_template(parent_name.strip(), base=chain[-1].parent)
        except TemplateTrouble as exc:
            raise TemplateTrouble(
                f"模板「{chain[-1].name}」的上级模板「{parent_name}」找不到（{chain[-1] / PARENT_FILE}）。{exc.message}"
            ) from None
        if parent in chain:
            loop = " → ".join(p.name for p in [*chain, parent])
            raise TemplateTrouble(f"模板的上级模板绕成了一个圈：{loop}；请修改其中一个 {PARENT_FILE}")
        chain.append(parent)
        if len(chain) > MAX_TEMPLATE_DEPTH:
            raise TemplateTrouble(
                f"模板「{chain[0].name}」的上级模板超过 {MAX_TEMPLATE_DEPTH} 层，请直接以 {DEFAULT_TEMPLATE} 为上级"
            )
    return chain


def _merge_fields(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """fields.yaml of a derived template over its parent's: facts and parts by `key`, tables by `id`
    (an entry with a known key replaces the inherited one, a new key is added at the end), column sets by
    name, every other top-level key replaced."""
    merged = dict(base)
    for key, value in over.items():
        inherited = base.get(key)
        if key in _LIST_IDS and isinstance(value, list) and isinstance(inherited, list):
            merged[key] = _merge_by(inherited, value, _LIST_IDS[key])
        elif key == "column_sets" and isinstance(value, dict) and isinstance(inherited, dict):
            merged[key] = {**inherited, **value}
        else:
            merged[key] = value
    return merged


def _merge_by(base: list[Any], over: list[Any], ident: str) -> list[Any]:
    items = list(base)
    index = {item.get(ident): i for i, item in enumerate(items) if isinstance(item, dict)}
    for item in over:
        key = item.get(ident) if isinstance(item, dict) else None
        if key is not None and key in index:
            items[index[key]] = item
        else:
            items.append(item)
    return items


def _template_docs(chain: list[Path]) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], str, str]:
    """fields, rules and defaults of a template folder with everything inherited from its parents merged
    in, the Word file's name and the template's name (模板.yaml `名称`, else the nearest fields.yaml)."""
    fields_doc: dict[str, Any] = {}
    rules: list[Any] = []
    defaults: dict[str, Any] = {}
    name = ""
    for member in reversed(chain):  # the root template first
        if (member / "fields.yaml").is_file() or member == chain[-1]:
            fields_doc = _merge_fields(fields_doc, _read_yaml(member / "fields.yaml", labels=True))
            name = str(fields_doc.get("name", name or member.name))
        if (member / "rules.yaml").is_file() or member == chain[-1]:
            _validate_rules(member / "rules.yaml")
            own = _read_yaml(member / "rules.yaml")
            off = own.get(DISABLE_KEY) or []
            rules = [r for r in rules if not (isinstance(r, dict) and r.get("id") in off)]
            rules = _merge_by(rules, own.get("rules") or [], "id")
        if (member / "defaults.yaml").is_file():
            defaults = {**defaults, **_read_yaml(member / "defaults.yaml")}
        if (member / PARENT_FILE).is_file():
            own_name = _read_yaml(member / PARENT_FILE).get(NAME_KEY)
            if isinstance(own_name, str) and own_name.strip():
                name = own_name.strip()
    docx_name = str(fields_doc.get("template", "template.docx"))
    return fields_doc, {"rules": rules}, defaults, docx_name, name


def _docx_path(folder: Path, chain: list[Path], docx_name: str) -> Path:
    """The Word file of a template: the nearest folder's of the chain that has one."""
    docx = next((m / docx_name for m in chain if (m / docx_name).is_file()), chain[0] / docx_name)
    if not docx.is_file():
        raise TemplateTrouble(f"模板文件夹 {folder} 中找不到 Word 模板 {docx.name}")
    return docx


@lru_cache(maxsize=16)
def load_spec(folder: Path) -> Spec:
    """Read a template folder (with what it inherits from its parent templates). Cached: the spec is read
    once per process, and kept on disk under the content of its files (see `_spec_key`) for the next."""
    folder = Path(folder)
    chain = template_chain(folder)
    key = _spec_key(folder, chain)
    cached = _cached_spec(key)
    if cached is not None:
        spec, docx_name = cached
        spec.docx = _docx_path(folder, chain, docx_name)
        return spec
    spec, docx_name = _read_spec(folder, chain)
    if key is not None:
        _store_spec(key, spec, docx_name)
    return spec


def _read_spec(folder: Path, chain: list[Path]) -> tuple[Spec, str]:
    fields_doc, rules_doc, defaults, docx_name, name = _template_docs(chain)
    try:
        facts = [
            Fact(
                key=f["key"],
                required=bool(f.get("required", False)),
                kind=f.get("kind", "text"),
                choices=tuple(f.get("choices", ())),
                hint=f.get("hint", ""),
                since=int(f.get("since", 0)),
            )
            for f in fields_doc["facts"]
        ]
        parts = [_part(p) for p in fields_doc["parts"]]
        column_sets = {
            name: tuple(
                Column(c["id"], c["label"], bool(c.get("computed", False)), c.get("kind", "count"))
                for c in columns
            )
            for name, columns in fields_doc["column_sets"].items()
        }
        tables = [_table(t, column_sets) for t in fields_doc["tables"]]
        rules = [
            Rule(
                id=r["id"],
                kind=r["kind"],
                severity=r.get("severity", "error"),
                message=r["message"],
                hint=r.get("hint", ""),
                params={k: v for k, v in r.items() if k not in ("id", "kind", "severity", "message", "hint")},
            )
            for r in rules_doc["rules"]
        ]
    except (KeyError, TypeError, ValueError) as exc:
        raise TemplateTrouble(f"模板文件夹 {folder} 的 fields.yaml 或 rules.yaml 不完整：{exc}") from None
    spec = Spec(folder, name, _docx_path(folder, chain, docx_name), facts, parts, tables, rules, defaults)
    _check_rule_refs(spec)
    return spec, docx_name


# The files of a template folder that `_template_docs` reads: the spec cache keys on their content.
_SPEC_FILES = ("fields.yaml", "rules.yaml", "defaults.yaml", PARENT_FILE)


def _spec_key(folder: Path, chain: list[Path]) -> bytes | None:
    """The disk cache key of a template's spec: nianbao's and Python's versions and this module's source,
    the folder as given, and every folder of its chain with the whole bytes of each of its spec files (or
    that it has none). None when caching is off or a file cannot be read (the spec is then read as usual,
    which says what is wrong).

    The key itself is stored in its entry and compared whole when the entry is read (the files are a few
    dozen KB), so no digest is needed: the entry's file name is only a checksum of the key, and a
    different key under the same name is a miss. (hashlib would load OpenSSL at every start of `check`.)"""
    if cache_dir() is None:
        return None
    parts = [code_mark(__file__).encode(), os.fsencode(str(folder))]
    for member in chain:
        parts.append(os.fsencode(str(member)))
        for name in _SPEC_FILES:
            path = member / name
            if not path.is_file():
                parts.append(b"-")
                continue
            try:
                parts.append(b"+" + path.read_bytes())
            except OSError:
                return None
    return b"".join(b"%d:%s" % (len(part), part) for part in parts)  # length-prefixed: never ambiguous


def _spec_path(key: bytes) -> Path | None:
    folder = cache_dir()
    return None if folder is None else folder / "spec" / f"{zlib.crc32(key):08x}{zlib.adler32(key):08x}.pickle"


def _cached_spec(key: bytes | None) -> tuple[Spec, str] | None:
    """The spec stored under `key` and its Word file's name, or None. The entry is one the cache itself
    wrote into the user's own cache folder (pickle, like Jinja's bytecode cache there)."""
    path = _spec_path(key) if key is not None else None
    data = read_quietly(path) if path is not None else None
    if data is None:
        return None
    try:
        entry = pickle.loads(data)  # noqa: S301 - our own entry, in the user's own cache folder
    except Exception:  # noqa: BLE001 - a damaged or foreign entry is only a cache miss
        return None
    if (not isinstance(entry, tuple) or len(entry) != 3 or entry[0] != key or not isinstance(entry[1], Spec)
            or not isinstance(entry[2], str)):
        return None
    return entry[1], entry[2]


def _store_spec(key: bytes, spec: Spec, docx_name: str) -> None:
    path = _spec_path(key)
    if path is None:
        return
    try:
        data = pickle.dumps((key, spec, docx_name), protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError):
        return
    write_quietly(path, data)




def _read_template_text(path: Path) -> str:
    """A template folder's YAML file as text; a missing or unreadable file is one Chinese TemplateTrouble."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TemplateTrouble(f"模板文件夹缺少 {path.name}：{path}") from None
    except UnicodeDecodeError:
        raise TemplateTrouble(f"模板文件 {path} 不是 UTF-8 编码：请用 UTF-8 保存") from None
    except OSError as exc:  # said from the one table (a folder, no permission, open in another program, ...)
        raise TemplateTrouble(f"无法读取模板文件 {path}：{os_error_text(exc, reading=True)}") from None


def _read_yaml(path: Path, labels: bool = False) -> dict[str, Any]:
    """A template's YAML file as a mapping; with `labels` (fields.yaml: the facts', tables' and columns'
    labels, written into Word reports and Excel workbooks) a control character in any text is refused."""
    import yaml  # only when the spec is not in the cache (see _cached_spec): PyYAML's import is costly

    text = _read_template_text(path)
    try:
        # libyaml when present: the same result as yaml.safe_load, about ten times faster.
        doc = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506
    except yaml.YAMLError as exc:
        raise TemplateTrouble(f"模板文件 {path} 格式错误：{exc}") from None
    if not isinstance(doc, dict):
        raise TemplateTrouble(f"模板文件 {path} 应为键值结构")
    if labels and _holds_control(doc):
        line, key = _control_place(text)
        raise TemplateTrouble(f"模板文件 {path} 第 {line} 行的「{key}」含有控制字符（例如从别处粘贴来的不可见字符，"
                              "或双引号中的 \\a、\\x07 一类写法），Word 和 Excel 都不能保存它；请删去这个字符")
    return doc


# What Word's XML and openpyxl refuse in a text (a tab, a line feed and a carriage return are kept).
_CONTROL = frozenset(chr(code) for code in (*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20)))


def _holds_control(value: Any) -> bool:
    if isinstance(value, str):
        return not _CONTROL.isdisjoint(value)
    if isinstance(value, dict):
        return any(_holds_control(key) or _holds_control(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_holds_control(item) for item in value)
    return False


def _control_place(text: str) -> tuple[int, str]:
    """The line (from 1) and the key of the first text holding a control character: looked for in the node
    tree (which has the lines) only once one is known to be there."""
    import yaml

    root = yaml.compose(text, Loader=yaml.SafeLoader)
    stack: list[tuple[yaml.Node, str]] = [(root, "")] if root is not None else []
    found: list[tuple[int, str]] = []
    while stack:
        node, key = stack.pop()
        if isinstance(node, yaml.ScalarNode):
            if not _CONTROL.isdisjoint(node.value):
                found.append((node.start_mark.line + 1, key or node.value))
        elif isinstance(node, yaml.MappingNode):
            for name, item in node.value:
                label = name.value if isinstance(name, yaml.ScalarNode) else key
                stack.append((name, label))
                stack.append((item, label))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, key) for item in node.value)
    line, key = min(found, default=(1, ""))
    return line, "".join(f"\\x{ord(char):02x}" if char in _CONTROL else char for char in key)


def _part(p: dict[str, Any]) -> Part:
    return Part(
        key=p["key"],
        kind=p["kind"],
        context=p.get("context", ""),
        required=bool(p.get("required", True)),
        intro=p.get("intro", ""),
        aspects=tuple((a["name"], tuple(a["keywords"])) for a in p.get("aspects", ())),
        sections=tuple(Section(s["key"], s["context"]) for s in p.get("sections", ())),
    )


def _table(t: dict[str, Any], column_sets: dict[str, tuple[Column, ...]]) -> Table:
    table_columns = column_sets[t["columns"]] if "columns" in t else ()
    groups = [
        Group(g["id"], g["label"], column_sets[g["columns"]] if "columns" in g else table_columns)
        for g in t.get("groups", ())
    ]
    by_group = {g.id: g for g in groups}
    rows = []
    for r in t["rows"]:
        group = r.get("group")
        columns = by_group[group].columns if group else table_columns
        rows.append(
            Row(
                table=t["id"],
                id=r["id"],
                path=tuple(r["path"]),
                columns=columns,
                group=group,
                aliases=tuple(r.get("aliases", ())),
                computed=bool(r.get("computed", False)),
            )
        )
    return Table(t["id"], t["key"], rows, groups, table_columns)


def _check_rule_refs(spec: Spec) -> None:
    """Fail early, at template load, when rules.yaml names a table, row or column fields.yaml lacks."""
    for rule in spec.rules:
        table_id = rule.params.get("table")
        if table_id is None:
            continue
        try:
            table = spec.table(table_id)
            if rule.kind == "balance":
                if rule.params["each"] == "column":
                    table.expand_rows(rule.params["left"] + rule.params["right"])
                else:
                    ids = {c.id for c in table.all_columns()}
                    missing = [c for c in rule.params["left"] + rule.params["right"] if c not in ids]
                    if missing:
                        raise KeyError(missing[0])
            elif "rows" in rule.params:
                table.expand_rows(rule.params["rows"])
        except KeyError as exc:
            raise TemplateTrouble(f"rules.yaml 的规则 {rule.id} 引用了不存在的表、行或列：{exc}") from None


# Every kind of rule rules.yaml may use: (required parameters, optional parameters), besides
# id, kind, message (required) and severity, hint (optional).
RULE_KINDS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "balance": (frozenset({"table", "each", "left", "right"}), frozenset({"computes"})),
    "zero_for_office_types": (frozenset({"table", "rows", "office_types"}), frozenset()),
    "text_mentions": (frozenset({"part", "keywords"}), frozenset({"when"})),
    "outdated_terms": (frozenset({"terms"}), frozenset()),
    "aspects": (frozenset({"part"}), frozenset()),
    "carry_over": (frozenset({"table", "row", "previous_row"}), frozenset()),
    "stock_continuity": (frozenset({"table", "rows", "stock", "added", "removed"}), frozenset()),
    "repeated_text": (frozenset(), frozenset({"threshold", "min_chars", "skip_parts"})),
    "rewrite_marker": (frozenset({"marker"}), frozenset()),
    "text_numbers": (frozenset({"patterns", "message_at_least", "message_percent"}), frozenset({"percent_bases"})),
    "text_claims": (frozenset({"claims"}), frozenset()),
}
SEVERITIES = ("error", "warning")
_COMMON_REQUIRED = frozenset({"id", "kind", "message"})
_COMMON_OPTIONAL = frozenset({"severity", "hint"})


def rule_problems(path: Path) -> list[str]:
    """Every mistake of a rules.yaml, each as `rules.yaml:行号：说明` (Chinese), in file order.

    Checks each rule's kind, its parameters (unknown or missing) and its severity; the line is the one
    of the offending key, or of the rule when a key is missing."""
    import yaml

    text = _read_template_text(path)
    try:
        # libyaml when present (it runs at every start: the pure-Python composer took most of a one-office
        # run's template loading); on an error, the pure-Python composer again, for its message.
        root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506
    except yaml.YAMLError:
        try:
            root = yaml.compose(text)
        except yaml.YAMLError as exc:
            return [f"{path.name}：格式错误：{exc}"]
    name = path.name
    if not isinstance(root, yaml.MappingNode):
        return [f"{name}:1：应为键值结构，含 rules 列表"]
    rules_node = next((v for k, v in root.value if k.value == "rules"), None)
    if not isinstance(rules_node, yaml.SequenceNode):
        return [f"{name}:{root.start_mark.line + 1}：缺少 rules 列表"]
    problems: list[str] = []
    for item in rules_node.value:
        line = item.start_mark.line + 1
        if not isinstance(item, yaml.MappingNode):
            problems.append(f"{name}:{line}：每条规则应为键值结构")
            continue
        keys = {k.value: (k, v) for k, v in item.value}
        rule_id = keys["id"][1].value if "id" in keys and isinstance(keys["id"][1], yaml.ScalarNode) else "?"
        kind_node = keys.get("kind", (None, None))[1]
        kind = kind_node.value if isinstance(kind_node, yaml.ScalarNode) else None
        if kind not in RULE_KINDS:
            where = kind_node.start_mark.line + 1 if kind_node is not None else line
            problems.append(
                f"{name}:{where}：规则 {rule_id} 的种类（kind）「{kind or ''}」不存在；"
                f"可用的种类：{'、'.join(RULE_KINDS)}"
            )
            continue
        required, optional = RULE_KINDS[kind]
        allowed = required | optional | _COMMON_REQUIRED | _COMMON_OPTIONAL
        missing_keys = sorted((required | _COMMON_REQUIRED) - set(keys))
        misspelt: set[str] = set()  # a missing parameter written with a slip: one message, not two
        for key, (key_node, value_node) in keys.items():
            if key not in allowed:
                import difflib  # only here: not loaded at start-up
                close = difflib.get_close_matches(key, [k for k in missing_keys if k not in misspelt], n=1, cutoff=0.6)
                if close:
                    misspelt.add(close[0])
                    problems.append(
                        f"{name}:{key_node.start_mark.line + 1}：规则 {rule_id}（{kind}）没有参数「{key}」，"
                        f"应为「{close[0]}」"
                    )
                    continue
                problems.append(
                    f"{name}:{key_node.start_mark.line + 1}：规则 {rule_id}（{kind}）没有参数「{key}」；"
                    f"可用的参数：{'、'.join(sorted(allowed - {'id', 'kind'}))}"
                )
            elif key == "severity" and getattr(value_node, "value", None) not in SEVERITIES:
                problems.append(
                    f"{name}:{value_node.start_mark.line + 1}：规则 {rule_id} 的严重程度（severity）"
                    f"「{getattr(value_node, 'value', '')}」应为 error（错误）或 warning（提醒）"
                )
        for missing in (k for k in missing_keys if k not in misspelt):
            problems.append(f"{name}:{line}：规则 {rule_id}（{kind}）缺少参数「{missing}」")
    return problems


def _validate_rules(path: Path) -> None:
    """Refuse a template whose rules.yaml has mistakes: one message naming every rules.yaml:line."""
    problems = rule_problems(path)
    if problems:
        raise TemplateTrouble(f"模板文件夹 {path.parent} 的 rules.yaml 有误：\n" + "\n".join(problems))
