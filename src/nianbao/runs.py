"""A run over many offices, as one library call: the batch pool, then the run's outputs (the summary
workbook). `nianbao check` and `nianbao build` are this module's two functions behind a thin CLI.

New district-level outputs (a review page, a fill-in form workbook, a roll-up) are written here too, after
the pool has finished, so that the pool never depends on them.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from .batch import (
    SUMMARY_FILE,
    BatchResult,
    Checker,
    Reporter,
    build_office,
    check_office,
    find_offices,
    flag_shared_targets,
    run_offices,
)
from .errors import NianbaoError
from .pipeline import check_file


def check_paths(
    paths: Iterable[Path | str],
    template: Path | str | None = None,
    jobs: int | None = None,
    reporter: Reporter | None = None,
    checker: Checker = check_file,
) -> BatchResult:
    """Check every office named by `paths` (files, or folders read non-recursively); nothing is written."""
    offices, from_folder = find_offices(paths)
    isolate = len(offices) > 1
    outcomes = run_offices(check_office, offices, (template, isolate, checker), jobs=jobs, reporter=reporter)
    return BatchResult(outcomes, from_folder=from_folder)


def build_paths(
    paths: Iterable[Path | str],
    out_dir: Path | str = "out",
    template: Path | str | None = None,
    force: bool = False,
    jobs: int | None = None,
    reporter: Reporter | None = None,
    summary: bool | None = None,
    write_summary: bool = True,
) -> BatchResult:
    """Check and build every office named by `paths` (files, or folders read non-recursively) into `out_dir`.

    One office's trouble never stops the others. With `summary` (by default: when a folder or more than
    one office was given), the summary spreadsheet (SUMMARY_FILE) is written to `out_dir` too;
    with `write_summary=False` only its place is set in the result, for a caller that writes it once with
    more in it (review_page.write_district_outputs).
    """
    out = Path(out_dir)
    offices, from_folder = find_offices(paths)
    isolate = len(offices) > 1
    outcomes = run_offices(build_office, offices, (out, template, force, isolate), jobs=jobs, reporter=reporter)
    flag_shared_targets(outcomes)
    result = BatchResult(outcomes, from_folder=from_folder)
    if summary if summary is not None else (from_folder or len(offices) > 1):
        result.summary_path = out / SUMMARY_FILE
        if not write_summary:
            return result
        from .review_page import (
            write_summary_xlsx,  # the review page and the workbook writer: only when a summary is written
        )

        try:
            write_summary_xlsx(outcomes, result.summary_path)
        except (NianbaoError, OSError) as exc:
            result.summary_failed(exc)
    return result
