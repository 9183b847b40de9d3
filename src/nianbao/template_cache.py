"""A disk cache for the work of preparing a Word template, so that a one-office run starts fast.

Two things are kept, both keyed by content so that a changed template can never meet a stale entry:

* the prepared template text (what docxtpl's clean-up makes of template.docx), as JSON, under the
  template's SHA-256, nianbao's version and the installed docxtpl, python-docx and lxml;
* Jinja's compiled code, in Jinja's own `FileSystemBytecodeCache`, which checks the source's checksum and
  the Python version of every entry.

Where: see disk_cache (`NIANBAO_CACHE_DIR`; `NIANBAO_CACHE=0` switches it off). The cache is only a
shortcut: an entry that cannot be read or written, or does not look right, is ignored and the template is
prepared from scratch.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

import jinja2

from .disk_cache import cache_dir, write_quietly
from .version import __version__

__all__ = ["cache_dir", "environment", "load_prepared", "store_prepared"]

_PREPARED_KEYS = {"head": str, "tail": str, "body": str, "extra": dict, "fix_tables": bool,
                  "unescape_markers": bool}


def _libraries_key() -> str:
    """Which docxtpl, python-docx and lxml prepared the entry: their modules' size and modification time,
    found without importing them (importlib.metadata alone costs more than a cached start-up saves)."""
    import hashlib
    from importlib.util import find_spec

    marks = []
    for package in ("docxtpl", "docx", "lxml"):  # top-level names: find_spec then imports nothing
        try:
            spec = find_spec(package)
            origin = spec.origin if spec is not None else None
            for path in (origin, os.path.dirname(origin)) if origin else ():
                stat = os.stat(path)
                marks.append(f"{path}:{stat.st_size}:{stat.st_mtime_ns}")
        except (ImportError, OSError, ValueError):
            marks.append(f"{package}:?")
    return hashlib.sha256("|".join(marks).encode()).hexdigest()[:16]


def _prepared_path(template_hash: str) -> Path | None:
    folder = cache_dir()
    if folder is None:
        return None
    return folder / f"template-{template_hash[:32]}-{__version__}-{_libraries_key()}.json"


def load_prepared(template_hash: str) -> dict[str, Any] | None:
    """The prepared template stored for this template content, or None."""
    path = _prepared_path(template_hash)
    if path is None:
        return None
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(entry, dict) or entry.get("template_hash") != template_hash:
        return None
    prepared = entry.get("prepared")
    if not isinstance(prepared, dict) or any(
        not isinstance(prepared.get(key), kind) for key, kind in _PREPARED_KEYS.items()
    ):
        return None
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in prepared["extra"].items()):
        return None
    return prepared


def store_prepared(template_hash: str, prepared: dict[str, Any]) -> None:
    """Keep the prepared template for next time (atomically; silently skipped if it cannot be written)."""
    path = _prepared_path(template_hash)
    if path is None:
        return
    text = json.dumps({"template_hash": template_hash, "prepared": prepared}, ensure_ascii=False)
    write_quietly(path, text.encode("utf-8"))


class _QuietBytecodeCache(jinja2.FileSystemBytecodeCache):
    """Jinja's bytecode cache, except that a folder it cannot use only costs a recompilation."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError, ValueError, EOFError, TypeError):
            super().load_bytecode(bucket)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


_DICT_ATTRIBUTES = frozenset(dir(dict))


class _Environment(jinja2.Environment):
    """Jinja's environment, with `a.b` on a plain dict looked up without first raising AttributeError.

    Jinja tries the attribute and then the item; on a `dict` (exactly: not a subclass) every name that is
    not one of dict's own attributes has no attribute, so the item is looked up at once. The result is
    the same (names like `items` still give the method, a missing key still the undefined); only the
    caught AttributeError of every `表.行.r1` is spared (a few hundred per report)."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except (KeyError, TypeError):
                pass
        return super().getattr(obj, attribute)


def environment(sources: dict[str, str]) -> jinja2.Environment:
    """A strict, escaping Jinja environment that serves `sources` by name, with compiled code cached."""
    folder = cache_dir()
    bytecode_cache = None
    if folder is not None:
        jinja_folder = folder / "jinja"
        with contextlib.suppress(OSError):
            jinja_folder.mkdir(parents=True, exist_ok=True)
        if jinja_folder.is_dir():
            bytecode_cache = _QuietBytecodeCache(str(jinja_folder))
    return _Environment(
        undefined=jinja2.StrictUndefined,
        autoescape=True,
        loader=jinja2.FunctionLoader(lambda name: (sources[name], None, lambda: True) if name in sources else None),
        bytecode_cache=bytecode_cache,
    )
