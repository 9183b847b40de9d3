"""Compiled text patterns from the disk cache are exactly what re.compile makes, and a changed pattern
is compiled afresh."""

from __future__ import annotations

import marshal
import re
from pathlib import Path

import pytest

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


def test_without_a_cache_or_with_a_bad_pattern(cache, monkeypatch):
    with pytest.raises(re.error):
        compile_patterns(["ok", "(unclosed"])
    monkeypatch.setenv("NIANBAO_CACHE", "0")
    assert compile_patterns(["a+b"]) == [re.compile("a+b")]
    assert not (cache / "regex").exists()
