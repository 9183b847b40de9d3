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
from types import CodeType
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame, optimizeconst
from markupsafe import Markup, escape

from .disk_cache import cache_dir, private_subfolder, read_quietly, write_quietly
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
    data = read_quietly(path)  # template source Jinja will compile: only the user's own entry
    if data is None:
        return None
    try:
        entry = json.loads(data.decode("utf-8"))
    except ValueError:  # UnicodeDecodeError included
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

# _CodeGenerator overrides two of Jinja's private methods and calls markupsafe's private escaping: it is
# used only with the Jinja series it was written and tested for, Jinja's own generator with any other.
_GENERATOR_FOR = ("3.1.",)

try:  # markupsafe's own C escaping, what markupsafe.escape runs for a str
    from markupsafe._speedups import _escape_inner
except ImportError:  # pragma: no cover - markupsafe without its C speed-ups
    try:
        from markupsafe._native import _escape_inner
    except ImportError:  # a markupsafe whose private names changed: its public escape for everything
        _escape_inner = None  # type: ignore[assignment]

_new_str = str.__new__


def _escape(value: Any) -> Markup:
    """markupsafe.escape, without its two Python calls for a plain `str` (every value of a report):
    `Markup(_escape_inner(value))` made directly, as `Markup.__new__` does for a str. Anything else
    (a `Markup`, a number, an undefined value) goes through markupsafe.escape itself."""
    if type(value) is str and _escape_inner is not None:
        return _new_str(Markup, _escape_inner(value))  # type: ignore[no-any-return]
    return escape(value)


class _CodeGenerator(CodeGenerator):
    """Jinja's code generator, writing two hot spots of a report's render inline, with the same results:

    * `{{ value }}` with autoescape calls `environment.escape_value` (see _escape) instead of markupsafe's
      `escape`;
    * `a.b`, for a name `b` that is not one of dict's own attributes, reads `a["b"]` directly when `a` is a
      plain dict holding `b`, and calls `environment.getattr` otherwise (see _Environment.getattr: the
      same lookup, without a Python call for each of the hundreds of `表.行.r1.c1` of a report)."""

    _temporaries = 0

    def _output_child_pre(self, node: nodes.Expr, frame: Frame, finalize: Any) -> None:
        if frame.eval_ctx.volatile or not frame.eval_ctx.autoescape:
            super()._output_child_pre(node, frame, finalize)
            return
        self.write("environment.escape_value(")
        if finalize.src is not None:
            self.write(finalize.src)

    @optimizeconst
    def visit_Getattr(self, node: nodes.Getattr, frame: Frame) -> None:
        if self.environment.is_async or node.attr in _DICT_ATTRIBUTES:
            super().visit_Getattr(node, frame)
            return
        self._temporaries += 1
        name, key = f"_nb_{self._temporaries}", repr(node.attr)
        self.write(f"({name}[{key}] if type({name} := ")
        self.visit(node.node, frame)
        self.write(f") is dict and {key} in {name} else environment.getattr({name}, {key}))")


def _generator_for(version: str) -> type[CodeGenerator]:
    """The code generator for this Jinja version: ours for the series it was written for, else Jinja's own."""
    return _CodeGenerator if version.startswith(_GENERATOR_FOR) else CodeGenerator


_GENERATOR = _generator_for(jinja2.__version__)

# Part of the names of the compiled templates in the bytecode cache: the generator (changed whenever
# _CodeGenerator writes other code) and the Jinja version, so that code written by another is never loaded.
CODE_VERSION = f"{'g2' if _GENERATOR is _CodeGenerator else 'j'}-{jinja2.__version__}"


class _Environment(jinja2.Environment):
    """Jinja's environment, with `a.b` on a plain dict looked up without first raising AttributeError.

    Jinja tries the attribute and then the item; on a `dict` (exactly: not a subclass) every name that is
    not one of dict's own attributes has no attribute, so the item is looked up at once. The result is
    the same (names like `items` still give the method, a missing key still the undefined); only the
    caught AttributeError of every `表.行.r1` is spared (a few hundred per report). Templates are compiled
    with _CodeGenerator (should its code not compile, with Jinja's own)."""

    code_generator_class: type[CodeGenerator] = _GENERATOR
    escape_value = staticmethod(_escape)

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except (KeyError, TypeError):  # TypeError: a key whose __eq__ raises, as Jinja's getattr takes it
                pass
        return super().getattr(obj, attribute)

    def _compile(self, source: str, filename: str) -> CodeType:
        try:
            return super()._compile(source, filename)
        except SyntaxError:
            if self.code_generator_class is CodeGenerator:
                raise
            self.code_generator_class = CodeGenerator  # for this environment's templates from now on
            raise _Regenerate from None

    def compile(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        try:
            return super().compile(*args, **kwargs)
        except _Regenerate:
            return super().compile(*args, **kwargs)


class _Regenerate(Exception):
    """The code of _CodeGenerator did not compile: the template is compiled again by Jinja's own."""


def environment(sources: dict[str, str]) -> jinja2.Environment:
    """A strict, escaping Jinja environment that serves `sources` by name, with compiled code cached."""
    folder = cache_dir()
    bytecode_cache = None
    if folder is not None:
        jinja_folder = private_subfolder(folder, "jinja")  # Jinja reads its files without our checks
        if jinja_folder is not None:
            bytecode_cache = _QuietBytecodeCache(str(jinja_folder))
    return _Environment(
        undefined=jinja2.StrictUndefined,
        autoescape=True,
        loader=jinja2.FunctionLoader(lambda name: (sources[name], None, lambda: True) if name in sources else None),
        bytecode_cache=bytecode_cache,
    )
