"""Compiled text patterns kept on disk between runs.

The text-against-tables patterns of rules.yaml are long and full of Chinese character classes; compiling
them took about 20 ms of every one-office run (each CJK class makes `re` build a 64 K bitmap). What `re`
compiles them to (the program CPython's regex engine runs) is stored in the nianbao cache (as `marshal`
data, which is tied to the Python version), with what it is valid for: the pattern texts, this module's
source, nianbao's and Python's versions and the engine's magic number, all compared whole when the entry
is read (the file name is only a checksum of the texts: no hashlib, which loads OpenSSL, at start-up).
Patterns are turned back with the engine's own constructor.

A program is stored only after the pattern rebuilt from it has been compared with `re.compile`'s
(patterns compare equal only when their flags, text and whole program are the same), so an entry never
holds anything `re.compile` would not have made on this very Python. Any doubt (no cache, an unreadable
or damaged entry, an interpreter whose engine is laid out differently) and the patterns are compiled
the ordinary way.

The same programs also serve the patterns that modules compile while they are imported (PyYAML's reader
and resolver, click, Jinja's lexer, nianbao's own; about 20 ms of every start, 12 ms of it one character
class of PyYAML's reader) or while a command runs: `prime_known_patterns` puts them, rebuilt from the
cache, into `re`'s own cache before the imports, keyed as `re` keys them (pattern type, text and flags),
so a module that compiles exactly that text with those flags gets the identical pattern without
compiling; any other text is compiled as always. `remember_compiled_patterns` records, at the end of a
command, what is in `re`'s cache (at most the last 256 patterns), for the next start.
"""

from __future__ import annotations

import marshal
import re
import sys
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .disk_cache import (
    cache_dir,
    code_mark,
    prune_versions,
    read_quietly,
    touch_quietly,
    write_quietly,
)

try:  # CPython's regex engine and compiler; anything else compiles the ordinary way
    import _sre  # type: ignore[import-not-found,unused-ignore]
    from re import _compiler, _parser  # type: ignore[attr-defined,unused-ignore]
except ImportError:  # pragma: no cover - other interpreters
    _sre = None


_KNOWN_LIMIT = 256  # patterns kept for the next start (re's own cache holds 512)
_present: set[tuple[Any, ...]] | None = None  # re's cache keys present after priming (None: not run)
_primed: dict[tuple[Any, ...], list[Any]] = {}  # the keys primed from the entry, with their programs


def prime_known_patterns() -> None:
    """Put the patterns recorded by `remember_compiled_patterns` into `re`'s cache (nothing on a miss)."""
    global _present
    cache = _re_cache()
    if cache is None:
        return
    path = _known_entry_path()
    data = read_quietly(path) if path is not None else None
    if data is not None:
        try:
            entry = marshal.loads(data)  # plain lists, ints, strings and bytes, written by this module
            if entry["mark"] == _mark():
                touch_quietly(path)  # type: ignore[arg-type]  # used now: among those prune_versions keeps
                for (source, flags), program in zip(entry["keys"], entry["programs"], strict=True):
                    if not isinstance(flags, int) or not isinstance(source, str | bytes):
                        raise ValueError("not a pattern key")
                    key = (type(source), source, flags)
                    if key not in cache:
                        cache[key] = _rebuild(source, program)
                        _primed[key] = program
        except Exception:  # noqa: BLE001 - a damaged or foreign entry is only a miss
            pass
    _present = set(cache)


def remember_compiled_patterns() -> None:
    """Record the patterns in `re`'s cache (those primed, and those compiled since by the imports and the
    command) for the next start.

    Writes only when something new was compiled, so a start that found everything in the cache writes
    nothing. Each new program is stored only after the pattern rebuilt from it equals `re.compile`'s."""
    cache = _re_cache()
    path = _known_entry_path()
    if cache is None or path is None or _present is None or not set(cache) - _present:
        return
    keys, programs = [], []
    for key, pattern in list(cache.items())[-_KNOWN_LIMIT:]:
        kind, source, flags = key
        if kind not in (str, bytes) or not isinstance(flags, int) or not isinstance(pattern, re.Pattern):
            continue
        program = _primed.get(key)
        if program is not None:  # checked when it was stored, and what re's cache holds was rebuilt from it
            keys.append([source, flags])
            programs.append(program)
            continue
        program = _program(source, flags)
        if program is None:
            return  # this interpreter's engine is not the one this module knows: no entry
        try:
            same = _same(_rebuild(source, program), pattern)
        except Exception:  # noqa: BLE001 - an engine this module does not know
            return
        if same:
            keys.append([source, flags])
            programs.append(program)
    try:
        data = marshal.dumps({"mark": _mark(), "keys": keys, "programs": programs})
    except ValueError:  # pragma: no cover - only plain values are stored
        return
    write_quietly(path, data)
    prune_versions(path)


def _re_cache() -> dict[tuple[Any, ...], Any] | None:
    """`re`'s cache of compiled patterns (CPython 3.11-3.13: a dict from (type, text, flags) to the pattern),
    or None when this `re` keeps it otherwise (then nothing is primed or recorded)."""
    cache = getattr(re, "_cache", None)
    if _sre is None or not isinstance(cache, dict):
        return None
    probe = re.compile(_PROBE)  # compiled (or found) through re's cache: it must be there, as that pattern
    return cache if cache.get((str, _PROBE, 0)) is probe else None


_PROBE = "nianbao: is re's cache laid out as this module expects"


def _known_entry_path() -> Path | None:
    """One entry per version of the code (its mark, compared whole when read; the name only separates
    them), so that several installs or checkouts sharing a cache folder do not overwrite each other's."""
    folder = cache_dir()
    if folder is None:
        return None
    return folder / "known-patterns" / f"{sys.implementation.cache_tag}-{zlib.crc32(_mark().encode()):08x}.marshal"


def _mark() -> str:
    return f"{code_mark(__file__)}|sre {getattr(_sre, 'MAGIC', '?')} {getattr(_sre, 'CODESIZE', '?')}"


def compile_patterns(sources: Sequence[str]) -> list[re.Pattern[str]]:
    """`re.compile` of each source, in order (a bad pattern raises re.error as re.compile does)."""
    mark = _mark()
    path = _entry_path(sources, mark)
    if path is None:
        return [re.compile(source) for source in sources]
    cached = _load(path, sources, mark)
    if cached is not None:
        return cached
    compiled = [re.compile(source) for source in sources]
    programs = []
    for source, pattern in zip(sources, compiled, strict=True):
        program = _program(source)
        if program is None or not _same(_rebuild(source, program), pattern):
            return compiled  # this interpreter's engine is not the one this module knows: no entry
        programs.append(program)
    try:
        data = marshal.dumps({"mark": mark, "sources": list(sources), "programs": programs})
    except ValueError:  # pragma: no cover - only plain values are stored
        return compiled
    write_quietly(path, data)
    return compiled


def _entry_path(sources: Sequence[str], mark: str) -> Path | None:
    """Where the entry of `sources` is. The entry holds the pattern texts and the code mark, compared whole
    when it is read, so its name is only a checksum (no hashlib, which loads OpenSSL, at start-up); another
    entry under the same name is a miss. The mark is in the checksum too: two versions of the code sharing
    a cache folder (two installs or checkouts) each keep their entry, instead of overwriting each other's
    at every run and so compiling the patterns again (most of a one-office `check`) at every other run."""
    folder = cache_dir()
    if folder is None or _sre is None:
        return None
    key = b"\0".join([mark.encode("utf-8", "surrogatepass"),
                      *(source.encode("utf-8", "surrogatepass") for source in sources)])
    return folder / "regex" / f"{zlib.crc32(key):08x}{zlib.adler32(key):08x}-{len(sources)}.marshal"


def _load(path: Path, sources: Sequence[str], mark: str) -> list[re.Pattern[str]] | None:
    data = read_quietly(path)
    if data is None:
        return None
    try:
        entry = marshal.loads(data)  # plain lists, ints and strings, written by this module
        if entry["mark"] != mark or entry["sources"] != list(sources) or len(entry["programs"]) != len(sources):
            return None
        return [_rebuild(source, program) for source, program in zip(sources, entry["programs"], strict=True)]
    except Exception:  # noqa: BLE001 - a damaged or foreign entry is only a cache miss
        return None


def _program(source: str | bytes, flags: int = 0) -> list[Any] | None:
    """What re.compile hands the engine for `source` (Python 3.11+: re._compiler.compile)."""
    try:
        parsed = _parser.parse(source, flags)
        code = _compiler._code(parsed, flags)
        state = parsed.state
        indexgroup: list[str | None] = [None] * state.groups
        for name, index in state.groupdict.items():
            indexgroup[index] = name
        # Plain ints: the compiler's opcodes are an int subclass, which marshal does not take.
        return [int(state.flags), [int(c) for c in code], state.groups - 1,
                {str(k): int(v) for k, v in state.groupdict.items()}, indexgroup]
    except Exception:  # noqa: BLE001 - an engine this module does not know: compile the ordinary way
        return None


def _rebuild(source: Any, program: list[Any]) -> re.Pattern[Any]:
    flags, code, groups, groupindex, indexgroup = program
    if not (isinstance(flags, int) and isinstance(groups, int) and isinstance(groupindex, dict)
            and isinstance(code, list)):
        raise ValueError("not a compiled pattern")
    # The engine's constructor refuses a code list that is not all integers (TypeError) and validates
    # the program itself (RuntimeError "invalid SRE code").
    pattern = _sre.compile(source, flags, code, groups, groupindex, tuple(indexgroup))
    if not isinstance(pattern, re.Pattern):
        raise ValueError("not a compiled pattern")
    return pattern


def _same(mine: re.Pattern[Any], theirs: re.Pattern[Any]) -> bool:
    return mine == theirs and mine.groups == theirs.groups and mine.groupindex == theirs.groupindex
