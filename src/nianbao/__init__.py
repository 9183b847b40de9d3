"""nianbao: the annual government information disclosure report (政府信息公开工作年度报告) from YAML.

The public names below are imported on first use (PEP 562), so that `import nianbao` — and the command
line, which starts with it — does not load the Word, template and spreadsheet libraries it may not need.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_WHERE = {
    "check_report": "check",
    "check_document": "docx_check",
    "ChecksFailed": "errors",
    "FileTrouble": "errors",
    "NianbaoError": "errors",
    "TemplateTrouble": "errors",
    "UsageTrouble": "errors",
    "import_report": "importer",
    "load_report": "load",
    "ReportData": "model",
    "CheckResult": "pipeline",
    "build_file": "pipeline",
    "check_file": "pipeline",
    "output_path": "pipeline",
    "Location": "problems",
    "Problem": "problems",
    "Severity": "problems",
    "build_context": "render",
    "render_report": "render",
    "new_year_file": "years",
}

if TYPE_CHECKING:
    from .check import check_report
    from .docx_check import check_document
    from .errors import ChecksFailed, FileTrouble, NianbaoError, TemplateTrouble, UsageTrouble
    from .importer import import_report
    from .load import load_report
    from .model import ReportData
    from .pipeline import CheckResult, build_file, check_file, output_path
    from .problems import Location, Problem, Severity
    from .render import build_context, render_report
    from .years import new_year_file


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
    "ChecksFailed",
    "CheckResult",
    "FileTrouble",
    "Location",
    "NianbaoError",
    "Problem",
    "ReportData",
    "Severity",
    "TemplateTrouble",
    "UsageTrouble",
    "__version__",
    "build_context",
    "build_file",
    "check_document",
    "check_file",
    "check_report",
    "import_report",
    "load_report",
    "new_year_file",
    "output_path",
    "render_report",
]
