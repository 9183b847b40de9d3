"""Compiled code of the short texts the standard library compiles while modules are imported, kept on disk.

`dataclasses` makes each class's `__init__`, `__repr__`, `__eq__`, `__hash__` and (frozen) `__setattr__`
and `__delattr__` by writing their source and handing it to `exec` (some 80 texts on a one-office build);
`collections.namedtuple` evaluates each tuple's `__new__` as text, and `typing` compiles every string
annotation it meets (`Optional["Context"]`: some 110 in click's and Jinja's modules). Parsing and compiling
those texts took about 45 M of a one-office build's 490 M instructions (callgrind), at every start.

`install` gives those three modules their own `exec`, `eval` and `compile` (module globals, found before
the built-ins): a text is compiled exactly as the built-in compiles it (file name "<string>", the calling
frame's `__future__` flags inherited, no others), except that what `compile` made of it is kept, keyed by
the whole text, the mode and those flags, in the nianbao cache as `marshal` data (tied to the Python
version). Anything else (a code object, other arguments) goes to the built-in unchanged.
`remember_generated_code`, at the end of a command, stores what was compiled anew, after checking that
it comes back from `marshal` equal to what `compile` made.

The entry holds, besides the code, what it is valid for (this module's source, nianbao's and Python's
versions, the interpreter's optimisation level -O/-OO), compared whole when it is read; any doubt (no cache, an unreadable or damaged entry) and the
texts are compiled as always. With the caches switched off (`NIANBAO_CACHE=0`) nothing is installed.
"""

from __future__ import annotations
import __future__

import builtins
import marshal
import sys
import zlib
from pathlib import Path
from types import CodeType
from typing import Any

from .disk_cache import (
    cache_dir,
    code_mark,
    prune_versions,
    read_quietly,
    touch_quietly,
    write_quietly,
)

_FUTURE_FLAGS = 0
for _feature in __future__.all_feature_names:
    _FUTURE_FLAGS |= getattr(__future__, _feature).compiler_flag

_KEPT = 1024  # texts kept in the entry; beyond that, only those this run used
_Key = tuple[int, str, str]  # inherited __future__ flags, mode ("exec" or "eval"), text
_compiled: dict[_Key, CodeType] = {}  # from the entry, then compiled in this run
_used: set[_Key] = set()
_new: set[_Key] = set()
_installed_in: list[tuple[Any, str]] = []  # (module, name) given our function


def install() -> None:
    """Load the entry and give the modules the caching functions (idempotent; nothing with caches off)."""
    if _installed_in:
        return
    path = _entry_path()
    if path is None:
        return
    data = read_quietly(path)
    if data is not None:
        _compiled.update(_load(data))
        if _compiled:
            touch_quietly(path)  # used now: among the entries prune_versions keeps
    import collections
    import dataclasses
    import typing

    for module, name, function in ((dataclasses, "exec", _exec), (collections, "eval", _eval),
                                   (typing, "compile", _compile)):
        setattr(module, name, function)
        _installed_in.append((module, name))


def uninstall() -> None:
    """Give the modules back the built-ins (for tests)."""
    for module, name in _installed_in:
        delattr(module, name)
    _installed_in.clear()
    _compiled.clear()
    _used.clear()
    _new.clear()


def _exec(source: Any, globals: Any = None, locals: Any = None, /, **kwargs: Any) -> None:
    """The built-in `exec`, with a text's code from the cache."""
    caller = sys._getframe(1)
    if globals is None:  # as the built-in: the caller's namespaces
        globals, locals = caller.f_globals, caller.f_locals if locals is None else locals
    return builtins.exec(_code(source, "exec", caller), globals, locals, **kwargs)  # type: ignore[no-any-return]


def _eval(source: Any, globals: Any = None, locals: Any = None, /) -> Any:
    """The built-in `eval`, with a text's code from the cache."""
    caller = sys._getframe(1)
    if globals is None:  # as the built-in: the caller's namespaces
        globals, locals = caller.f_globals, caller.f_locals if locals is None else locals
    if type(source) is str:
        source = source.lstrip(" \t")  # as the built-in eval does with a text
    return builtins.eval(_code(source, "eval", caller), globals, locals)


def _compile(source: Any, filename: Any, mode: Any, flags: int = 0, dont_inherit: bool = False,
             optimize: int = -1, **kwargs: Any) -> Any:
    """The built-in `compile`; a text compiled as `compile(text, "<string>", "eval")` from the cache."""
    caller = sys._getframe(1)
    if (filename == "<string>" and mode == "eval" and not flags and not dont_inherit and optimize == -1
            and not kwargs):
        return _code(source, "eval", caller)
    if not dont_inherit:  # as the built-in: the caller's __future__ flags (not this module's)
        flags |= caller.f_code.co_flags & _FUTURE_FLAGS
    return builtins.compile(source, filename, mode, flags, True, optimize, **kwargs)


def _code(source: Any, mode: str, caller: Any) -> Any:
    """What the built-in makes of `source` called from `caller`: compiled as "<string>" with the
    `__future__` flags in effect there (and no others); a text's code is kept for the next run. A code
    object is itself; anything else (bytes) is compiled as the built-in does, not kept."""
    if type(source) is CodeType:
        return source
    flags = caller.f_code.co_flags & _FUTURE_FLAGS
    if type(source) is not str:
        return builtins.compile(source, "<string>", mode, flags, dont_inherit=True)
    key = (flags, mode, source)
    code = _compiled.get(key)
    if code is None:
        code = builtins.compile(source, "<string>", mode, flags, dont_inherit=True)
        _compiled[key] = code
        _new.add(key)
    _used.add(key)
    return code


def remember_generated_code() -> None:
    """Store the entry if this run compiled a text it did not hold (silently skipped when it cannot)."""
    path = _entry_path()
    if path is None or not _installed_in or not _new:
        return
    keys = list(_compiled) if len(_compiled) <= _KEPT else [k for k in _compiled if k in _used]
    stored_keys, codes = [], []
    for key in keys:
        code = _compiled[key]
        if key in _new:
            try:
                same = marshal.loads(marshal.dumps(code)) == code
            except (ValueError, EOFError, TypeError):
                same = False
            if not same:
                continue
        stored_keys.append(list(key))
        codes.append(code)
    try:
        data = marshal.dumps({"mark": _mark(), "keys": stored_keys, "codes": codes})
    except ValueError:  # pragma: no cover - only plain values and code are stored
        return
    write_quietly(path, data)
    prune_versions(path)
    _new.clear()


def _load(data: bytes) -> dict[_Key, CodeType]:
    try:
        entry = marshal.loads(data)  # plain lists, ints, strings and code, written by this module
        if entry["mark"] != _mark():
            return {}
        loaded = {}
        for (flags, mode, source), code in zip(entry["keys"], entry["codes"], strict=True):
            if type(flags) is not int or mode not in ("exec", "eval") or type(source) is not str \
                    or type(code) is not CodeType:
                return {}
            loaded[(flags, mode, source)] = code
        return loaded
    except Exception:  # noqa: BLE001 - a damaged or foreign entry is only a miss
        return {}


def _mark() -> str:
    # -O and -OO compile asserts and docstrings away: their code must not meet the plain run's entry.
    return f"{code_mark(__file__)}|optimize {sys.flags.optimize}"


def _entry_path() -> Path | None:
    """One entry per version of the code (its mark, compared whole when read; the name only separates them)."""
    folder = cache_dir()
    if folder is None:
        return None
    return folder / "generated-code" / f"{sys.implementation.cache_tag}-{zlib.crc32(_mark().encode()):08x}.marshal"
