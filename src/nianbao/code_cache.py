"""Compiled code of the functions `dataclasses` writes as text, kept on disk between runs.

`dataclasses` makes each class's `__init__`, `__repr__`, `__eq__`, `__hash__` and (frozen) `__setattr__`
and `__delattr__` by writing their source and handing it to `exec`: some 80 texts on a one-office build,
whose parsing and compiling took about 45 M of its 490 M instructions (callgrind), at every start.

`install` gives the `dataclasses` module its own `exec` (a module global, found before the built-in): a
text is compiled exactly as the built-in `exec` compiles it (file name "<string>", the calling frame's
`__future__` flags inherited, no others), except that what `compile` made of it is kept, keyed by the
whole text and those flags, in the nianbao cache as `marshal` data (tied to the Python version); then the
code runs through the built-in `exec`. Anything else (a code object, a text with other arguments) goes
to the built-in unchanged. `remember_generated_code`, at the end of a command, stores what was compiled
anew, after checking that it comes back from `marshal` equal to what `compile` made.

The entry holds, besides the code, what it is valid for (this module's source, nianbao's and Python's
versions), compared whole when it is read; any doubt (no cache, an unreadable or damaged entry) and the
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

from .disk_cache import cache_dir, code_mark, read_quietly, write_quietly

_FUTURE_FLAGS = 0
for _feature in __future__.all_feature_names:
    _FUTURE_FLAGS |= getattr(__future__, _feature).compiler_flag

_KEPT = 1024  # texts kept in the entry; beyond that, only those this run used
_compiled: dict[tuple[int, str], CodeType] = {}  # (inherited flags, text) → code: from the entry, then new
_used: set[tuple[int, str]] = set()
_new: set[tuple[int, str]] = set()
_installed_in: Any = None  # the dataclasses module given our exec


def install() -> None:
    """Load the entry and give `dataclasses` the caching `exec` (idempotent; nothing with caches off)."""
    global _installed_in
    if _installed_in is not None:
        return
    path = _entry_path()
    if path is None:
        return
    data = read_quietly(path)
    if data is not None:
        _compiled.update(_load(data))
    import dataclasses

    dataclasses.exec = _exec  # type: ignore[attr-defined]
    _installed_in = dataclasses


def uninstall() -> None:
    """Give `dataclasses` back the built-in `exec` (for tests)."""
    global _installed_in
    if _installed_in is not None:
        if getattr(_installed_in, "exec", None) is _exec:
            del _installed_in.exec
        _installed_in = None
    _compiled.clear()
    _used.clear()
    _new.clear()


def _exec(source: Any, globals: Any = None, locals: Any = None, /, **kwargs: Any) -> None:
    if type(source) is not str or kwargs:
        return builtins.exec(source, globals, locals, **kwargs)  # type: ignore[no-any-return]
    if globals is None:  # as the built-in: the caller's namespaces
        caller = sys._getframe(1)
        globals, locals = caller.f_globals, caller.f_locals if locals is None else locals
    flags = sys._getframe(1).f_code.co_flags & _FUTURE_FLAGS  # what the built-in exec inherits
    key = (flags, source)
    code = _compiled.get(key)
    if code is None:
        code = compile(source, "<string>", "exec", flags, dont_inherit=True)
        _compiled[key] = code
        _new.add(key)
    _used.add(key)
    return builtins.exec(code, globals, locals)  # type: ignore[no-any-return]


def remember_generated_code() -> None:
    """Store the entry if this run compiled a text it did not hold (silently skipped when it cannot)."""
    path = _entry_path()
    if path is None or _installed_in is None or not _new:
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
    _new.clear()


def _load(data: bytes) -> dict[tuple[int, str], CodeType]:
    try:
        entry = marshal.loads(data)  # plain lists, ints, strings and code, written by this module
        if entry["mark"] != _mark():
            return {}
        loaded = {}
        for (flags, source), code in zip(entry["keys"], entry["codes"], strict=True):
            if type(flags) is not int or type(source) is not str or type(code) is not CodeType:
                return {}
            loaded[(flags, source)] = code
        return loaded
    except Exception:  # noqa: BLE001 - a damaged or foreign entry is only a miss
        return {}


def _mark() -> str:
    return code_mark(__file__)


def _entry_path() -> Path | None:
    """One entry per version of the code (its mark, compared whole when read; the name only separates them)."""
    folder = cache_dir()
    if folder is None:
        return None
    return folder / "generated-code" / f"{sys.implementation.cache_tag}-{zlib.crc32(_mark().encode()):08x}.marshal"
