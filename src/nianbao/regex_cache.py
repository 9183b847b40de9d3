"""Compiled text patterns kept on disk between runs.

The text-against-tables patterns of rules.yaml are long and full of Chinese character classes; compiling
them took about 20 ms of every one-office run (each CJK class makes `re` build a 64 K bitmap). What `re`
compiles them to (the program CPython's regex engine runs) is stored in the nianbao cache, keyed by the
SHA-256 of the pattern texts, this module's source, nianbao's and Python's versions and the engine's
magic number (as `marshal` data, which is tied to the Python version like the key), and turned back into
patterns with the engine's own constructor.

A program is stored only after the pattern rebuilt from it has been compared with `re.compile`'s
(patterns compare equal only when their flags, text and whole program are the same), so an entry never
holds anything `re.compile` would not have made on this very Python. Any doubt (no cache, an unreadable
or damaged entry, an interpreter whose engine is laid out differently) and the patterns are compiled
the ordinary way.
"""

from __future__ import annotations

import hashlib
import marshal
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .disk_cache import cache_dir, code_mark, read_quietly, write_quietly

try:  # CPython's regex engine and compiler; anything else compiles the ordinary way
    import _sre  # type: ignore[import-not-found,unused-ignore]
    from re import _compiler, _parser  # type: ignore[attr-defined,unused-ignore]
except ImportError:  # pragma: no cover - other interpreters
    _sre = None


def compile_patterns(sources: Sequence[str]) -> list[re.Pattern[str]]:
    """`re.compile` of each source, in order (a bad pattern raises re.error as re.compile does)."""
    path = _entry_path(sources)
    if path is None:
        return [re.compile(source) for source in sources]
    cached = _load(path, sources)
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
        data = marshal.dumps({"sources": list(sources), "programs": programs})
    except ValueError:  # pragma: no cover - only plain values are stored
        return compiled
    write_quietly(path, data)
    return compiled


def _entry_path(sources: Sequence[str]) -> Path | None:
    folder = cache_dir()
    if folder is None or _sre is None:
        return None
    digest = hashlib.sha256(code_mark(__file__).encode())
    digest.update(f"|sre {getattr(_sre, 'MAGIC', '?')} {getattr(_sre, 'CODESIZE', '?')}".encode())
    for source in sources:
        digest.update(b"\0" + source.encode("utf-8", "surrogatepass"))
    return folder / "regex" / f"{digest.hexdigest()}.marshal"


def _load(path: Path, sources: Sequence[str]) -> list[re.Pattern[str]] | None:
    data = read_quietly(path)
    if data is None:
        return None
    try:
        entry = marshal.loads(data)  # plain lists, ints and strings, written by this module
        if entry["sources"] != list(sources) or len(entry["programs"]) != len(sources):
            return None
        return [_rebuild(source, program) for source, program in zip(sources, entry["programs"], strict=True)]
    except Exception:  # noqa: BLE001 - a damaged or foreign entry is only a cache miss
        return None


def _program(source: str) -> list[Any] | None:
    """What re.compile hands the engine for `source` (Python 3.11+: re._compiler.compile)."""
    try:
        parsed = _parser.parse(source, 0)
        code = _compiler._code(parsed, 0)
        state = parsed.state
        indexgroup: list[str | None] = [None] * state.groups
        for name, index in state.groupdict.items():
            indexgroup[index] = name
        # Plain ints: the compiler's opcodes are an int subclass, which marshal does not take.
        return [int(state.flags), [int(c) for c in code], state.groups - 1,
                {str(k): int(v) for k, v in state.groupdict.items()}, indexgroup]
    except Exception:  # noqa: BLE001 - an engine this module does not know: compile the ordinary way
        return None


def _rebuild(source: str, program: list[Any]) -> re.Pattern[str]:
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


def _same(mine: re.Pattern[str], theirs: re.Pattern[str]) -> bool:
    return mine == theirs and mine.groups == theirs.groups and mine.groupindex == theirs.groupindex
