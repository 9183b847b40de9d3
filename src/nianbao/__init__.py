"""nianbao: the annual government information disclosure report (政府信息公开工作年度报告) from YAML.

The public API is `__all__` below; every module of the package is internal. The modules are floors, each
importing only from floors below (the import-linter contract in pyproject.toml lists them):

    values, problems, errors  →  spec, model, totals  →  readers (source/load, docx_reader/report_reader,
    provenance)  →  rules (check, text_rules, years)  →  one document (render, write, guard, yaml_writer)
    →  one office (district, pipeline, docx_check, importer, new_year)  →  batch  →  outputs (summary,
    pdf, progress)  →  runs  →  cli

The public names are imported on first use (PEP 562): `import nianbao` — and so the command line, which
starts with it — does not load the Word, template and spreadsheet libraries a command may not need.
"""

from __future__ import annotations

import gc

# The package's first imports and the loading of its caches below make objects and no garbage: the
# collector, which would walk them while they are made, is paused until they are done (as __main__ does
# for the command line's imports), then left as it was found.
_collecting = gc.isenabled()
gc.disable()
try:
    import importlib
    from typing import TYPE_CHECKING, Any

    from .regex_cache import prime_known_patterns
    from .version import __version__

    # Before any other module of the package is imported: the patterns the imports compile come from the
    # cache. (The cache of generated code, code_cache, is installed by the command line only, in __main__:
    # a program that imports nianbao as a library keeps its standard library as it was.)
    prime_known_patterns()
finally:
    if _collecting:
        gc.enable()

_WHERE = {
    "Status": "batch",
    "check_document": "docx_check",
    "ChecksFailed": "errors",
    "FileTrouble": "errors",
    "NianbaoError": "errors",
    "import_report": "importer",
    "new_year_file": "new_year",
    "CheckResult": "pipeline",
    "build_file": "pipeline",
    "check_file": "pipeline",
    "Problem": "problems",
    "build_paths": "runs",
    "check_paths": "runs",
}

if TYPE_CHECKING:
    from .batch import Status
    from .docx_check import check_document
    from .errors import ChecksFailed, FileTrouble, NianbaoError
    from .importer import import_report
    from .new_year import new_year_file
    from .pipeline import CheckResult, build_file, check_file
    from .problems import Problem
    from .runs import build_paths, check_paths


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'nianbao' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "CheckResult",
    "ChecksFailed",
    "FileTrouble",
    "NianbaoError",
    "Problem",
    "Status",
    "__version__",
    "build_file",
    "build_paths",
    "check_document",
    "check_file",
    "check_paths",
    "import_report",
    "new_year_file",
]
