"""nianbao: the annual government information disclosure report (政府信息公开工作年度报告) from YAML."""

__version__ = "0.1.0"

from .check import check_report  # noqa: E402
from .docx_check import check_document  # noqa: E402
from .errors import ChecksFailed, FileTrouble, NianbaoError, TemplateTrouble, UsageTrouble  # noqa: E402
from .importer import import_report  # noqa: E402
from .load import load_report  # noqa: E402
from .model import ReportData  # noqa: E402
from .pipeline import CheckResult, build_file, check_file, output_path  # noqa: E402
from .problems import Location, Problem, Severity  # noqa: E402
from .render import build_context, render_report  # noqa: E402
from .years import new_year_file  # noqa: E402

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
