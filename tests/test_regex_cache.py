"""Compiled text patterns from the disk cache are exactly what re.compile makes, and a changed pattern
is compiled afresh."""

from __future__ import annotations

import marshal
import re
import subprocess
import sys
from pathlib import Path

import pytest

from nianbao import regex_cache
from nianbao.regex_cache import compile_patterns
from nianbao.spec import load_spec

from .conftest import ROOT


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("NIANBAO_CACHE_DIR", str(folder))
    return folder


def _template_patterns() -> list[str]:
    spec = load_spec(ROOT / "templates" / "official-2021")
    sources = [p["regex"] for r in spec.rules_of("text_numbers") for p in r.params["patterns"]]
    sources += [c["regex"] for r in spec.rules_of("text_claims") for c in r.params["claims"]]
    assert len(sources) > 10
    return sources


def _entries(cache: Path) -> list[Path]:
    return sorted((cache / "regex").glob("*.marshal"))


def test_patterns_from_the_cache_are_re_compiles(cache):
    sources = [*_template_patterns(), r"(?P<n>\d+)\s*件(?:[，,]?\s*占(?P<p>\d+(?:\.\d+)?)[%％])?", "(?i)abc|[^。；]{2,}"]
    expected = [re.compile(s) for s in sources]
    first = compile_patterns(sources)
    assert len(_entries(cache)) == 1
    second = compile_patterns(sources)
    for got in (first, second):
        assert got == expected  # equal patterns: same flags, text and engine program
        assert [p.groupindex for p in got] == [p.groupindex for p in expected]
    text = "本年新收政府信息公开申请42件，占25.5%；予以公开12件"
    assert [[m.groupdict() for m in p.finditer(text)] for p in second] == \
        [[m.groupdict() for m in p.finditer(text)] for p in expected]


def test_a_changed_pattern_is_compiled_afresh(cache):
    assert compile_patterns(["予以公开(?P<n>\\d+)件"])[0].search("予以公开3件") is not None
    changed = compile_patterns(["不予公开(?P<n>\\d+)件"])[0]
    assert changed.search("予以公开3件") is None
    assert changed.search("不予公开4件").group("n") == "4"
    assert len(_entries(cache)) == 2


def test_a_damaged_entry_is_only_a_miss(cache):
    sources = ["[零〇一二两三四五六七八九十百千]+件", r"(?P<n>\d+)"]
    compile_patterns(sources)
    for damage in (b"", b"{not marshal", marshal.dumps({"sources": ["x"], "programs": []}), marshal.dumps([1, 2]),
                   # a program the engine refuses (its validator): not a crash, a recompilation
                   marshal.dumps({"sources": sources, "programs": [[32, [1, 2, 3], 0, {}, []],
                                                                   [32, [9, 9], 1, {"n": 1}, [None, "n"]]]}),
                   marshal.dumps({"sources": sources, "programs": [[32, ["x"], 0, {}, []],
                                                                   [32, [1.5], 1, {"n": 1}, [None, "n"]]]})):
        for entry in _entries(cache):
            entry.write_bytes(damage)
        assert compile_patterns(sources) == [re.compile(s) for s in sources]


def test_two_versions_of_the_code_keep_their_own_pattern_entries(cache, monkeypatch):
    """Two checkouts (or installs) sharing one cache folder: each finds its own entry, neither compiles the
    patterns again because the other one ran in between."""
    sources = ["[零〇一二两三四五六七八九十百千]+件", r"(?P<n>\d+)"]
    for mark in ("one checkout", "another checkout"):
        monkeypatch.setattr(regex_cache, "_mark", lambda mark=mark: mark)
        compile_patterns(sources)
    assert len(_entries(cache)) == 2
    assert sorted(marshal.loads(e.read_bytes())["mark"] for e in _entries(cache)) == ["another checkout",
                                                                                       "one checkout"]

    def no_compiling(*args, **kwargs):
        raise AssertionError("compiled although the entry of this version is in the cache")

    for mark in ("one checkout", "another checkout"):
        monkeypatch.setattr(regex_cache, "_mark", lambda mark=mark: mark)
        with monkeypatch.context() as patched:
            patched.setattr(re, "compile", no_compiling)
            got = compile_patterns(sources)
        assert got == [re.compile(s) for s in sources]


def test_without_a_cache_or_with_a_bad_pattern(cache, monkeypatch):
    with pytest.raises(re.error):
        compile_patterns(["ok", "(unclosed"])
    monkeypatch.setenv("NIANBAO_CACHE", "0")
    assert compile_patterns(["a+b"]) == [re.compile("a+b")]
    assert not (cache / "regex").exists()


# Patterns that modules compile while they are imported: recorded once, then put into re's own cache
# before the imports of the next start.

IMPORT_PATTERNS = [  # PyYAML's reader class, a verbose pattern with groups, a bytes pattern
    ("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]", 0),
    (r"^(?P<year>[0-9]{4}) - (?P<month>[0-9]{1,2})  # a date", re.X),
    (rb"(__libc_init)|(GLIBC_([0-9.]+))", 0),
]


def _import_entries(cache: Path) -> list[Path]:
    return sorted((cache / "known-patterns").glob("*.marshal"))


@pytest.fixture
def fresh_re_cache():
    re.purge()
    yield
    re.purge()


def _start_and_import() -> list[re.Pattern]:
    """One start of the command line, seen from here: prime, 'import' (compile), remember."""
    regex_cache.prime_known_patterns()
    compiled = [re.compile(source, flags) for source, flags in IMPORT_PATTERNS]
    regex_cache.remember_compiled_patterns()
    return compiled


def test_import_patterns_come_back_from_the_cache_without_compiling(cache, fresh_re_cache, monkeypatch):
    expected = [re.compile(source, flags) for source, flags in IMPORT_PATTERNS]
    re.purge()
    assert _start_and_import() == expected
    (entry,) = _import_entries(cache)
    written = (entry.stat().st_ino, entry.read_bytes())  # (its time is set when it is read: used)
    re.purge()

    def no_compiling(*args: object) -> None:
        raise AssertionError("compiled although the pattern was in the cache")

    regex_cache.prime_known_patterns()
    monkeypatch.setattr(re._compiler, "compile", no_compiling)
    got = [re.compile(source, flags) for source, flags in IMPORT_PATTERNS]
    monkeypatch.undo()
    assert got == expected
    assert [p.groupindex for p in got] == [p.groupindex for p in expected]
    assert got[0].search("ok\x07") is not None and got[1].match("2024-5").group("month") == "5"
    regex_cache.remember_compiled_patterns()  # nothing new compiled: nothing written
    assert (entry.stat().st_ino, entry.read_bytes()) == written
    # another text, or the same text with other flags, is compiled as always
    assert re.compile(IMPORT_PATTERNS[1][0]).match("2024-5") is None


def test_a_damaged_or_foreign_import_entry_is_only_a_miss(cache, fresh_re_cache):
    expected = [re.compile(source, flags) for source, flags in IMPORT_PATTERNS]
    re.purge()
    _start_and_import()
    (entry,) = _import_entries(cache)
    good = marshal.loads(entry.read_bytes())
    for damage in (b"", b"{not marshal", marshal.dumps([1, 2]), marshal.dumps({**good, "mark": "another python"}),
                   marshal.dumps({**good, "keys": [[1.5, 0]] * len(good["keys"])}),
                   marshal.dumps({**good, "programs": [[32, [1, 2, 3], 0, {}, []]] * len(good["keys"])})):
        re.purge()
        entry.write_bytes(damage)
        assert _start_and_import() == expected


def test_without_a_cache_nothing_is_primed_or_written(cache, fresh_re_cache, monkeypatch):
    monkeypatch.setenv("NIANBAO_CACHE", "0")
    assert _start_and_import() == [re.compile(source, flags) for source, flags in IMPORT_PATTERNS]
    assert not (cache / "known-patterns").exists()


def test_the_second_start_of_the_command_line_compiles_nothing_while_importing(cache):
    script = (
        "import re, sys\n"
        "from re import _compiler\n"
        "count, compile = [0], _compiler.compile\n"
        "def counting(*args):\n"
        f"    count[0] += args[0] != {regex_cache._PROBE!r}  # the probe of re's cache layout is compiled always\n"
        "    return compile(*args)\n"
        "_compiler.compile = counting\n"
        "import nianbao.cli, yaml\n"
        "nianbao.regex_cache.remember_compiled_patterns()\n"
        "print(count[0], yaml.reader.Reader.NON_PRINTABLE.search('a\\x07').start())\n"
    )
    runs = [subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.split()
            for _ in range(2)]
    assert int(runs[0][0]) > 10  # PyYAML, click and nianbao compile their patterns on a first start
    assert runs[1] == ["0", "1"]


def test_two_versions_of_the_code_keep_their_own_import_entries(cache, fresh_re_cache, monkeypatch):
    """Two checkouts sharing one cache folder do not overwrite each other's entry at every start."""
    for mark in ("one checkout", "another checkout", "one checkout"):
        monkeypatch.setattr(regex_cache, "_mark", lambda mark=mark: mark)
        re.purge()
        _start_and_import()
    entries = _import_entries(cache)
    assert len(entries) == 2
    assert sorted(marshal.loads(e.read_bytes())["mark"] for e in entries) == ["another checkout", "one checkout"]


def test_old_versions_of_the_import_entry_are_pruned_the_recently_used_kept(cache, fresh_re_cache, monkeypatch):
    import os

    from nianbao.disk_cache import KEEP_VERSIONS

    foreign = cache / "known-patterns" / "notes.marshal"

    def ours() -> list[Path]:
        return [entry for entry in _import_entries(cache) if entry != foreign]

    def entry_of(mark: str) -> Path:
        (entry,) = [e for e in ours() if marshal.loads(e.read_bytes())["mark"] == mark]
        return entry

    def start(mark: str) -> None:
        monkeypatch.setattr(regex_cache, "_mark", lambda: mark)
        re.purge()
        _start_and_import()

    for number in range(6):
        start(f"checkout {number}")
        foreign.write_bytes(b"not an entry of ours")
        made = 1_600_000_000 + 60 * number  # one a minute, in order
        os.utime(entry_of(f"checkout {number}"), (made, made))
    marks = sorted(marshal.loads(e.read_bytes())["mark"] for e in ours())
    assert marks == [f"checkout {number}" for number in range(6 - KEEP_VERSIONS, 6)]
    start("checkout 2")  # read (nothing new to write): used now
    start("checkout 6")
    marks = sorted(marshal.loads(e.read_bytes())["mark"] for e in ours())
    assert marks == ["checkout 2", "checkout 4", "checkout 5", "checkout 6"]
    assert foreign.read_bytes() == b"not an entry of ours"
