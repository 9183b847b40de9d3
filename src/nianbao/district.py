"""The district's conventions, in one place for every entry (check, build, the batch, `new`, the library).

A district keeps one folder per year, one data file per office, and the facts its offices share in
`_共同.yaml` beside them (district, year, website, opening wording, `模板`):

    data/龙马潭区/2024/_共同.yaml      shared defaults, merged under every office file of the folder
    data/龙马潭区/2024/安宁街道.yaml   one office (its own values override the shared ones)
    data/龙马潭区/2023/安宁街道.yaml   the same office last year: read for the cross-year rules

Files whose name starts with `_` or `.` are not offices.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path

from .errors import FileTrouble
from .load import load_report
from .model import ReportData
from .source import display_name
from .spec import resolved_text

DEFAULTS_FILE = "_共同.yaml"
DATA_SUFFIXES = (".yaml", ".yml")


def is_office_file(path: Path) -> bool:
    return path.suffix.lower() in DATA_SUFFIXES and not path.name.startswith(("_", "."))


def defaults_for(path: Path) -> tuple[Path, ...]:
    """The shared defaults file(s) of an office file: `_共同.yaml` in its folder, if present."""
    shared = path.parent / DEFAULTS_FILE
    # Anything by that name counts (a FIFO, a symlink to a device or to nothing): reading it then says
    # what is wrong, rather than the offices being built without their shared settings.
    return (shared,) if shared.is_file() or shared.is_symlink() or shared.exists() else ()


def previous_year_path(path: Path, year: str) -> Path | None:
    """`…/2024/安宁街道.yaml` → `…/2023/安宁街道.yaml`, when the folder is named after the year."""
    text = previous_year_text(path, year)
    return None if text is None else Path(text)


def previous_year_text(path: str | os.PathLike[str], year: str) -> str | None:
    """`previous_year_path` as text, without making a Path (the review asks it for every office: CPython
    3.11's pathlib interns every part of every path it parses, so each office's file name would be kept
    for the rest of the process)."""
    if not re.fullmatch(r"\d{4}", year):
        return None
    # Resolved: `nianbao check .` inside the year's folder has not its name in the path. As texts (asked
    # for every office), as Path.parent, .name and / would say.
    folder = resolved_text(os.path.dirname(path) or ".")
    parent, name = os.path.split(folder)
    if name != year:
        return None
    return os.path.join(parent, str(int(year) - 1), os.path.basename(path))


def next_year_path(path: Path, year: str, next_year: str) -> Path | None:
    """`…/2024/安宁街道.yaml` → `…/2025/安宁街道.yaml` when the folder is named after the year."""
    if path.parent.name != year:
        return None
    return path.parent.parent / next_year / path.name


def previous_report(report: ReportData, explicit: Path | str | None = None) -> ReportData | None:
    """Last year's report of this office: `explicit` (a data file, or last year's .docx/text report),
    else the same file name in the previous year's folder; None when there is none at hand.

    Raises FileTrouble when `explicit` cannot be found. Read once per file version (bounded cache).
    """
    path = Path(explicit) if explicit is not None else previous_year_path(report.path, report.year)
    if path is None or (explicit is None and not path.is_file()):
        return None
    try:
        key = (str(path.resolve()), path.stat().st_mtime_ns)
    except OSError:
        raise FileTrouble("找不到上年的数据文件，请检查路径", display_name(path)) from None
    return _read_previous_cached(*key)


@lru_cache(maxsize=8)
def _read_previous_cached(resolved: str, mtime_ns: int) -> ReportData | None:
    """Shared by the cross-year rules of one check; bounded, so a district run does not keep every office."""
    path = Path(resolved)
    if path.suffix.lower() in DATA_SUFFIXES:
        # With last year's shared defaults, so that a 年度 kept in `_共同.yaml` is known too.
        return load_report(path, defaults=defaults_for(path))[0]
    from .report_reader import read_report  # Word/text reading only for a .docx or .txt last year

    return read_report(path).report
