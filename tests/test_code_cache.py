"""The code dataclasses writes comes from the disk cache on a second start, and is what exec would make."""

from __future__ import annotations

import collections
import dataclasses
import marshal
import subprocess
import sys
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from nianbao import code_cache


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("NIANBAO_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def fresh_install(cache):
    """This process's code cache started anew on `cache`, and after the test left as it was found: installed
    (only nianbao.__main__ installs it) or not."""
    yield from _fresh_install()


def _fresh_install() -> Iterator[None]:
    was_installed = bool(code_cache._installed_in)
    code_cache.uninstall()
    yield
    code_cache.uninstall()
    if was_installed:
        code_cache.install()


def test_the_fixture_leaves_the_standard_library_as_found(cache):
    found = bool(code_cache._installed_in)  # another test in this process may have imported nianbao.__main__
    try:
        for installed in (False, True):
            code_cache.uninstall()
            if installed:
                code_cache.install()
            before = "exec" in vars(dataclasses)
            fixture = _fresh_install()
            next(fixture)
            code_cache.install()
            next(fixture, None)
            assert ("exec" in vars(dataclasses)) == before == installed
    finally:
        code_cache.uninstall()
        if found:
            code_cache.install()


def _make_classes() -> list[type]:
    @dataclasses.dataclass(frozen=True)
    class Frozen:
        name: str
        count: int = 0
        tags: tuple[str, ...] = dataclasses.field(default_factory=tuple)

    @dataclasses.dataclass(order=True)
    class Ordered:
        a: int
        b: str = "x"

    return [Frozen, Ordered]


_METHODS = ("__init__", "__repr__", "__eq__", "__hash__", "__setattr__", "__delattr__", "__lt__", "__ge__")


def _methods(classes: list[type]) -> list[tuple[str, object, object]]:
    found = []
    for cls in classes:
        for name in _METHODS:
            function = cls.__dict__.get(name)
            if function is not None and hasattr(function, "__code__"):
                found.append((name, function.__code__, function.__annotations__))
    return found


def test_generated_methods_are_what_exec_makes(fresh_install, cache):
    plain = _methods(_make_classes())  # the built-in exec
    code_cache.install()
    first = _methods(_make_classes())  # compiled by the cache's exec
    code_cache.remember_generated_code()
    code_cache.uninstall()
    code_cache.install()
    second = _methods(_make_classes())  # from the entry on disk
    assert sum(code.co_filename == "<string>" for _, code, _ in plain) >= 8  # (__repr__ is wrapped)
    for got in (first, second):
        assert [name for name, _, _ in got] == [name for name, _, _ in plain]
        for (_, code, hints), (_, expected_code, expected_hints) in zip(got, plain, strict=True):
            assert code == expected_code
            assert code.co_filename == expected_code.co_filename
            assert code.co_flags == expected_code.co_flags
            assert hints == expected_hints  # real types: no __future__ flag of this module leaked in
    frozen, ordered = _make_classes()
    assert frozen("a", 2) == frozen("a", 2) and hash(frozen("a")) == hash(frozen("a"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        frozen("a").name = "b"  # type: ignore[misc]
    assert ordered(1) < ordered(2) and repr(ordered(1)).endswith(".Ordered(a=1, b='x')")


def test_named_tuples_and_string_annotations_are_what_the_built_ins_make(fresh_install, cache):
    def make() -> tuple[Any, Any]:
        point = collections.namedtuple("Point", ["x", "y"], defaults=[0])
        name = "Point"
        return point, typing.Optional[name]  # noqa: UP045 - the text typing compiles

    plain_point, plain_hint = make()
    code_cache.install()
    make()
    code_cache.remember_generated_code()
    code_cache.uninstall()
    code_cache.install()
    point, hint = make()
    assert code_cache._used and not code_cache._new  # both texts from the entry
    assert point.__new__.__code__ == plain_point.__new__.__code__
    assert point.__new__.__defaults__ == plain_point.__new__.__defaults__ and point(1) == (1, 0)
    assert hint == plain_hint
    assert typing.get_args(hint)[0].__forward_code__ == typing.get_args(plain_hint)[0].__forward_code__
    with pytest.raises(SyntaxError):
        typing.ForwardRef("not an expression!")  # refused as without the cache


def test_a_damaged_entry_is_only_a_miss(fresh_install, cache):
    code_cache.install()
    _make_classes()
    code_cache.remember_generated_code()
    (entry,) = (cache / "generated-code").glob("*.marshal")
    entry.write_bytes(entry.read_bytes()[:100])
    code_cache.uninstall()
    code_cache.install()
    frozen, _ = _make_classes()
    assert frozen("a") == frozen("a")
    assert code_cache._new  # compiled again
    code_cache.remember_generated_code()
    code_cache.uninstall()
    code_cache.install()
    assert len(code_cache._compiled) >= 10


def test_an_entry_is_valid_for_its_optimisation_level_only(fresh_install, cache, monkeypatch):
    import types

    code_cache.install()
    _make_classes()
    code_cache.remember_generated_code()
    code_cache.uninstall()
    flags = {name: getattr(sys.flags, name) for name in dir(sys.flags) if not name.startswith(("_", "n_"))
             and not callable(getattr(sys.flags, name))}
    monkeypatch.setattr(sys, "flags", types.SimpleNamespace(**{**flags, "optimize": sys.flags.optimize + 1}))
    code_cache.install()
    assert not code_cache._compiled  # -O does not read the plain run's entry
    _make_classes()
    code_cache.remember_generated_code()
    assert len(list((cache / "generated-code").glob("*.marshal"))) == 2  # each level its own entry


def test_old_versions_of_the_entry_are_pruned_the_recently_used_kept(fresh_install, cache, monkeypatch):
    import os

    from nianbao.disk_cache import KEEP_VERSIONS

    def marks() -> list[str]:
        return sorted(marshal.loads(e.read_bytes())["mark"] for e in (cache / "generated-code").glob("*.marshal"))

    def start(mark: str) -> None:
        code_cache.uninstall()
        monkeypatch.setattr(code_cache, "_mark", lambda: mark)
        code_cache.install()
        _make_classes()
        code_cache.remember_generated_code()

    for number in range(6):
        start(f"checkout {number}")
        made = 1_600_000_000 + 60 * number  # one a minute, in order
        os.utime(code_cache._entry_path(), (made, made))  # type: ignore[arg-type]
    assert marks() == [f"checkout {number}" for number in range(6 - KEEP_VERSIONS, 6)]
    start("checkout 2")  # read (nothing new to write): used now
    assert not code_cache._new
    start("checkout 6")
    assert marks() == ["checkout 2", "checkout 4", "checkout 5", "checkout 6"]


def test_without_a_cache_nothing_is_installed(fresh_install, cache, monkeypatch):
    monkeypatch.setenv("NIANBAO_CACHE", "0")
    code_cache.install()
    assert "exec" not in vars(dataclasses)
    _make_classes()
    code_cache.remember_generated_code()
    assert not (cache / "generated-code").exists()


def test_the_second_start_of_the_command_line_compiles_no_text(cache):
    script = (
        "import builtins, sys\n"
        "count, compile = [0], builtins.compile\n"
        "def counting(source, *args, **kwargs):\n"
        "    count[0] += isinstance(source, str)\n"
        "    return compile(source, *args, **kwargs)\n"
        "builtins.compile = counting\n"
        "import nianbao.__main__, nianbao.render, nianbao.guard\n"
        "nianbao.code_cache.remember_generated_code()\n"
        "import dataclasses\n"
        "print(count[0], dataclasses.exec is nianbao.code_cache._exec)\n"
    )
    runs = [subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.split()
            for _ in range(2)]
    assert int(runs[0][0]) > 100  # dataclass methods, named tuples and string annotations on a first start
    assert runs[1] == ["0", "True"]


def test_a_library_caller_keeps_its_standard_library(cache):
    """Only the command line's process (nianbao.__main__) is given the caching exec, eval and compile."""
    script = (
        "import collections, dataclasses, typing\n"
        "import nianbao, nianbao.pipeline, nianbao.runs\n"
        "print(sorted(n for m, n in ((dataclasses, 'exec'), (collections, 'eval'), (typing, 'compile'))"
        " if n in vars(m)))\n"
        "import nianbao.__main__\n"
        "print('exec' in vars(dataclasses))\n"
    )
    lines = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.split("\n")
    assert lines[:2] == ["[]", "True"]
