"""Fair speed benchmark: nianbao against a plain docxtpl loop, on equal cores, in interleaved rounds.

    python bench/speed.py --quick                 # N = 200, 5 rounds: a few minutes
    python bench/speed.py --offices 200 2000 --rounds 5  # issue 14's figures (long; see bench/README.md)
    python bench/speed.py --offices 200,5000 --variants nianbao-j2 --no-startup   # memory flat in N?

Every figure comes from a child process run by this script; one JSON line is printed per run, then one
summary line per variant (min and median over the rounds) and one line of ratios per N.

Variants (each a separate process; `-jK` = K processes for the offices):

* ``nianbao-jK``   the real command line, ``python -m nianbao build FOLDER -o OUT -j K`` (whole process:
                   interpreter start-up, imports, the terminal summary and the summary spreadsheet included);
* ``nianbao-lib-jK`` the same command run inside a child of this script once the libraries are imported
                   (the in-process figure: ``inproc_*``);
* ``plain-jK``     a plain docxtpl loop: a fresh ``DocxTemplate`` per office, the same data read and checked by
                   the same ``check_file`` before rendering, the same strict and escaping Jinja environment
                   (autoescape on), ``DocxTemplate.save``; with K = 2 the offices are shared out to two
                   processes the way nianbao does (forked workers, chunks of offices). Its child reports both
                   the whole-process figure (measured from here) and the in-process one (after imports);
* ``floor``        the zip floor: writing the same zip members as nianbao's reports with deflate level 6, one
                   .zip per office, in one process (``bench/zip_floor.py``). Before the clock, this script
                   builds the district once with nianbao, reads the members of its first 50 reports
                   (inflated) and pickles them into one file. The whole-process figure is then exactly:
                   interpreter start-up (site and the virtual environment's path hooks, as for every
                   variant), importing zip_floor's standard-library modules (zipfile, pickle, json, ...),
                   loading that pickle, and deflating and writing the N zips (report i holds the members of
                   sample i mod 50). No rendering, no checking, no reading of .docx files. Its in-process
                   figure (``inproc_*``) is the zips alone, the clock started after the pickle is loaded.
                   This is issue 14's yardstick ("the same zip members (deflate level 6)"):
                   ``nianbao_j1_over_floor_cpu``;
* ``floor-same-levels`` the same, but at nianbao's own levels: the members whose bytes differ between the
                   sample reports (those nianbao renders or patches per report) at ``zippack.REPORT_LEVEL``,
                   the rest at 6 (the rule, not a list of names: ``varying_members``). Its ratio is
                   ``nianbao_j1_over_floor_same_levels_cpu``, shown beside the yardstick's;
* ``one-build``, ``one-check``, ``check-200``: ``nianbao build`` / ``nianbao check`` of one office (the bundled
                   安宁街道.yaml with its district defaults) and ``nianbao check`` of a 200-office folder,
                   whole process.

What is measured, per run:

* ``wall_s``: wall-clock time of the child process, start to exit;
* ``cpu_s``: CPU time (user + system) of the whole process tree: ``os.wait4`` returns the child's resource
  usage including every descendant it waited for (pool workers are joined before the command exits);
* ``peak_pss_kb``: peak memory of the whole process tree, the sum of the proportional set size
  (``/proc/<pid>/smaps_rollup``, shared pages split between the processes that share them; RSS where that
  file is missing) over the child and all its descendants, sampled every ``--sample-ms``;
  ``peak_rss_sum_kb`` is the same sum with RSS (an upper bound: pages shared after fork count once per process);
* ``inproc_s`` / ``inproc_cpu_s``: the in-process figure reported by the child itself (clock started after the
  imports; CPU of the child and its reaped workers).
* ``exit``, and for the variants that write reports ``expected_outputs`` / ``outputs``: the reports (.docx,
  .zip) expected and those the run wrote (files written since it started). A run with another exit code than
  0 or another number of reports is a failed run: its line carries ``problem`` (and ``stderr_tail``), it is
  announced on stderr, and it counts in no summary and no ratio (``run_problem``, the same rule for the
  live rounds and for ``--summarise``).

Conditions: no child sees a terminal. Its stdout is /dev/null (``nianbao-lib`` points sys.stdout there) and
its stderr a temporary file, and the variables that make nianbao draw as on a terminal (FORCE_COLOR,
TTY_COMPATIBLE, ...: nianbao.summary._TERMINAL_HINTS) are removed from its environment. nianbao therefore
takes its non-terminal path, as in a log or a pipe: no live progress bar (plain per-office lines instead)
and the summary table written as plain text without rich's layout. A build run in a terminal draws the
live progress bar and lays the summary out with rich, which costs more than these figures show.
The children run as after a normal installation, with compiled bytecode kept
(PYTHONDONTWRITEBYTECODE is removed from their environment) and nianbao's caches (prepared template, template
spec, compiled text patterns, summary workbook frame) in a folder of this run's own (NIANBAO_CACHE_DIR), filled by one
warm-up build of a 3-office district before the clock: other checkouts or versions of nianbao run on the same machine
share the default cache folder, and their entries could otherwise replace this run's between rounds. The machine may be shared with other people's work, so absolute times drift between runs.
The variants are therefore run in interleaved rounds (every round runs each variant once, in a rotating
order) and compared by the median; CPU-time ratios are preferred to wall-clock ratios because CPU time is
less disturbed by other processes competing for the cores. ``paired_*`` ratios are medians of the ratios
within each round.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

from make_sample_district import OFFICES, SHARED, office_yaml  # noqa: E402

FLOOR_CHILD = Path(__file__).resolve().with_name("zip_floor.py")
ONE_OFFICE = ROOT / "data" / "龙马潭区" / "2024" / "安宁街道.yaml"
ALL_VARIANTS = ["nianbao-j1", "nianbao-j2", "nianbao-lib-j1", "nianbao-lib-j2", "plain-j1", "plain-j2", "floor",
                "floor-same-levels", "one-build", "one-check", "check-200"]
KEPT_OUTPUT = {"one-build"}  # rebuilds over its own report of the previous round, as a user's second build
OUTPUT_SUFFIXES = (".docx", ".zip")
FLOORS = {"floor": "6", "floor-same-levels": "same"}  # variant → LEVELS argument of zip_floor.py
STARTUP = ["one-build", "one-check", "check-200"]


def generate(folder: Path, count: int) -> None:
    """`count` synthetic, balanced offices (varied numbers) plus the district defaults file."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "_共同.yaml").write_text(SHARED.format(what="基准测试用的合成数据（示例数据）"), encoding="utf-8")
    for index in range(count):
        base = OFFICES[index % len(OFFICES)]
        name = f"合成{index + 1:05d}{'镇' if base[0].endswith('镇') else '街道'}"
        (folder / f"{name}.yaml").write_text(office_yaml((name, *base[1:]), "基准测试用的合成数据"),
                                              encoding="utf-8")


# --- memory of a process tree ----------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as handle:
                found += [int(p) for p in handle.read().split()]
        except OSError:
            continue
    return found


def _tree(root: int) -> list[int]:
    pids, frontier = [root], [root]
    while frontier:
        kids = _children(frontier.pop())
        pids += kids
        frontier += kids
    return pids


def _memory_kb(pid: int) -> tuple[int, int]:
    """(PSS, RSS) of one process in kB; PSS falls back to RSS where smaps_rollup is missing."""
    pss = rss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1])
                    break
    except (OSError, ValueError):
        try:
            with open(f"/proc/{pid}/status", encoding="ascii") as handle:
                for line in handle:
                    if line.startswith("VmRSS:"):
                        rss = pss = int(line.split()[1])
        except OSError:
            pass
    return pss, rss


def run_measured(command: list[str], env: dict[str, str], sample_s: float, cwd: Path) -> dict[str, Any]:
    """Run `command`, sampling the memory of its process tree; wall, CPU of the tree, peaks, exit code."""
    # stderr to a file, not a pipe: a district build's warnings (the synthetic offices share their prose:
    # thousands of same-text lines) would fill a pipe read only at the end, and the child would block.
    errors = tempfile.TemporaryFile()
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors, env=env, cwd=cwd)
    peak_pss = peak_rss = 0
    status = usage = None
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            break
        pss = rss = 0
        for member in _tree(child.pid):
            one_pss, one_rss = _memory_kb(member)
            pss, rss = pss + one_pss, rss + one_rss
        peak_pss, peak_rss = max(peak_pss, pss), max(peak_rss, rss)
        time.sleep(sample_s)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    errors.seek(max(0, errors.seek(0, os.SEEK_END) - 2400))
    stderr = errors.read().decode("utf-8", "replace")
    errors.close()
    return {"wall_s": round(wall, 4), "cpu_s": round(usage.ru_utime + usage.ru_stime, 4),
            "peak_pss_kb": peak_pss, "peak_rss_sum_kb": peak_rss, "exit": child.returncode,
            "stderr_tail": stderr[-600:]}


# --- the children ----------------------------------------------------------------------------------------


def _cpu_now() -> float:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _plain_chunk(paths: list[tuple[str, tuple[str, ...]]], out: str) -> int:
    from docxtpl import DocxTemplate

    from nianbao.pipeline import check_file, output_path
    from nianbao.render import build_context, jinja_environment

    for path, defaults in paths:
        result = check_file(path, defaults=defaults)
        if not result.ok or result.report is None:
            raise SystemExit(f"plain: {path} failed its checks")
        template = DocxTemplate(str(result.report.spec.docx))
        template.render(build_context(result.report), jinja_env=jinja_environment(), autoescape=True)
        template.save(str(output_path(result.report, Path(out))))
    return len(paths)


def side_plain(folder: Path, out: Path, jobs: int) -> int:
    """The plain docxtpl loop over the offices of `folder`, in `jobs` processes."""
    from nianbao.batch import find_offices

    offices, _ = find_offices([folder])
    out.mkdir(parents=True, exist_ok=True)
    items = [(str(o.path), tuple(str(d) for d in o.defaults)) for o in offices]
    if jobs == 1:
        return _plain_chunk(items, str(out))
    import multiprocessing

    chunk = max(1, min(8, len(items) // (jobs * 8)))
    pieces = [items[i : i + chunk] for i in range(0, len(items), chunk)]
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        done = sum(pool.starmap(_plain_chunk, [(piece, str(out)) for piece in pieces], chunksize=1))
        pool.close()
        pool.join()
    return done


def side_nianbao(folder: Path, out: Path, jobs: int) -> int:
    """The CLI command, run in this process (its terminal output discarded)."""
    from nianbao.cli import cli

    sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - the summary goes nowhere
    try:
        cli.main(["build", str(folder), "-o", str(out), "-j", str(jobs)], prog_name="nianbao")
    except SystemExit as exc:
        if exc.code:
            raise SystemExit(f"nianbao exited with {exc.code}") from None
    finally:
        sys.stdout.close()
        sys.stdout = sys.__stdout__
    return sum(1 for p in folder.iterdir() if not p.name.startswith("_"))


def extract_samples(reports: Path, limit: int = 50) -> list[list[tuple[str, bytes]]]:
    """The members (name, inflated bytes), in package order, of the first `limit` reports in `reports`.
    Equal bytes are one object, so the pickle of them holds each distinct member once."""
    seen: dict[bytes, bytes] = {}
    samples = []
    for path in sorted(reports.glob("*.docx"))[:limit]:
        with zipfile.ZipFile(path) as archive:
            members = [(info.filename, archive.read(info)) for info in archive.infolist()]
        samples.append([(name, seen.setdefault(data, data)) for name, data in members])
    return samples


def varying_members(samples: list[list[tuple[str, bytes]]]) -> list[str]:
    """The names of the members whose bytes are not the same in every sample (a member missing from some
    samples varies too), in order of first appearance: the members nianbao renders or patches per report
    (the document, headers or footers with placeholders, the core properties' title, the provenance),
    which it deflates at zippack.REPORT_LEVEL, the template's own members being packed once at 6."""
    seen: dict[str, set[bytes]] = {}
    present: dict[str, int] = {}
    for members in samples:
        for name, data in members:
            seen.setdefault(name, set()).add(data)
            present[name] = present.get(name, 0) + 1
    return [name for name in seen if len(seen[name]) > 1 or present[name] < len(samples)]


def write_floor_input(reports: Path, target: Path) -> None:
    """The zip floor's input (see zip_floor.py), written by the parent before the clock."""
    from nianbao.zippack import REPORT_LEVEL

    samples = extract_samples(reports)
    if not samples:
        raise SystemExit(f"floor: no reports in {reports}")
    with target.open("wb") as handle:
        pickle.dump({"samples": samples, "varying": varying_members(samples), "report_level": REPORT_LEVEL},
                    handle, protocol=pickle.HIGHEST_PROTOCOL)


def _report_inproc(seconds: float, cpu: float, count: int) -> None:
    target = os.environ.get("NIANBAO_BENCH_RESULT")
    if target:
        Path(target).write_text(json.dumps({"inproc_s": round(seconds, 4), "inproc_cpu_s": round(cpu, 4),
                                            "reports": count}), encoding="utf-8")


def run_side(side: str, folder: Path, out: Path, jobs: int) -> None:
    import docxtpl  # noqa: F401 - both sides start their clock with the libraries imported

    import nianbao.batch  # noqa: F401
    import nianbao.cli  # noqa: F401

    cpu, start = _cpu_now(), time.perf_counter()
    done = side_plain(folder, out, jobs) if side == "plain" else side_nianbao(folder, out, jobs)
    _report_inproc(time.perf_counter() - start, _cpu_now() - cpu, done)


# --- the rounds ------------------------------------------------------------------------------------------


def command_for(variant: str, folders: dict[str, Path], work: Path, n: int) -> tuple[list[str], Path | None]:
    """The command of one run, and the folder it writes to (emptied before the run but for the variants in
    KEPT_OUTPUT; None: it writes nothing)."""
    py, me = sys.executable, str(Path(__file__).resolve())
    jobs = variant.rsplit("-j", 1)[-1] if "-j" in variant else "1"
    out = work / f"out-{variant}-{n}"
    data = folders.get(f"n{n}", ONE_OFFICE)
    if variant.startswith("nianbao-lib"):
        return [py, me, "--side", "nianbao", "--folder", str(data), "--out", str(out), "--jobs", jobs], out
    if variant.startswith("nianbao"):
        return [py, "-m", "nianbao", "build", str(data), "-o", str(out), "-j", jobs], out
    if variant.startswith("plain"):
        return [py, me, "--side", "plain", "--folder", str(data), "--out", str(out), "--jobs", jobs], out
    if variant in FLOORS:
        return [py, str(FLOOR_CHILD), str(folders[f"floor{n}"]), str(out), str(n), FLOORS[variant]], out
    if variant == "one-build":
        return [py, "-m", "nianbao", "build", str(ONE_OFFICE), "-o", str(work / "out-one")], work / "out-one"
    if variant == "one-check":
        return [py, "-m", "nianbao", "check", str(ONE_OFFICE)], None
    if variant == "check-200":
        return [py, "-m", "nianbao", "check", str(folders["n200"])], None
    raise ValueError(variant)


def expected_outputs(variant: str, n: int) -> int | None:
    """How many reports (.docx, or .zip for the floors) a good run of `variant` writes; None: none."""
    if variant in ("one-check", "check-200"):
        return None
    return 1 if variant == "one-build" else n


def count_outputs(folder: Path, since_ns: int) -> int:
    """The .docx and .zip files under `folder` last written at or after `since_ns` (file-system time)."""
    if not folder.is_dir():
        return 0
    return sum(1 for path in folder.rglob("*") if path.suffix in OUTPUT_SUFFIXES and path.is_file()
               and path.stat().st_mtime_ns >= since_ns)


def run_problem(run: dict[str, Any]) -> str | None:
    """Why a recorded run is not a good one (None: it is): it exited with another code than 0, or it wrote
    another number of reports than expected. One rule for the live rounds and for --summarise; a run
    recorded before the output count was kept is judged by its exit code alone."""
    if run.get("exit") != 0:
        return f"exit code {run.get('exit')}"
    expected, written = run.get("expected_outputs"), run.get("outputs")
    if expected is not None and written != expected:
        return f"wrote {written} of {expected} expected reports"
    return None


def good_runs(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The run lines among `lines` that count in summaries and ratios (see run_problem)."""
    return [line for line in lines if "run" in line and run_problem(line) is None]


def summary_lines(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The summary and ratio lines of the good runs among `lines` (the rounds just run, or a recorded
    file); each run left out is said on stderr."""
    runs = [line for line in lines if "run" in line]
    good = good_runs(runs)
    for line in runs:
        problem = run_problem(line)
        if problem:
            print(f"left out of the summaries and ratios: {line['variant']} N = {line['n']} round {line['round']}:"
                  f" {problem}", file=sys.stderr, flush=True)
    summaries = summarise(good)
    return [*summaries, *ratios(good, summaries)]


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 4) if values else float("nan")


def summarise(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    lines = []
    keys = sorted({(r["variant"], r["n"]) for r in runs}, key=lambda k: (k[1], k[0]))
    for variant, n in keys:
        mine = [r for r in runs if r["variant"] == variant and r["n"] == n]
        line: dict[str, Any] = {"summary": variant, "n": n, "rounds": len(mine)}
        for field in ("wall_s", "cpu_s", "peak_pss_kb", "peak_rss_sum_kb", "inproc_s", "inproc_cpu_s"):
            values = [r[field] for r in mine if field in r]
            if values:
                line[f"{field}_min"] = round(min(values), 4)
                line[f"{field}_median"] = _median(values)
        per = n
        if "cpu_s_median" in line and variant not in STARTUP:
            line["cpu_ms_per_office_median"] = round(line["cpu_s_median"] * 1000 / per, 3)
        if "inproc_cpu_s_median" in line and variant not in STARTUP:
            line["inproc_cpu_ms_per_office_median"] = round(line["inproc_cpu_s_median"] * 1000 / per, 3)
        lines.append(line)
    return lines


def _paired(runs: list[dict[str, Any]], n: int, top: str, bottom: str, field: str) -> float | None:
    by_round: dict[int, dict[str, float]] = {}
    for r in runs:
        if r["n"] == n and field in r and r["variant"] in (top, bottom):
            by_round.setdefault(r["round"], {})[r["variant"]] = r[field]
    ratios = [v[top] / v[bottom] for v in by_round.values() if top in v and bottom in v and v[bottom]]
    return round(statistics.median(ratios), 2) if ratios else None


def ratios(runs: list[dict[str, Any]], summaries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    lines = []
    medians = {(s["summary"], s["n"]): s for s in summaries}

    def med(variant: str, n: int, field: str) -> float | None:
        value = medians.get((variant, n), {}).get(f"{field}_median")
        return value if isinstance(value, int | float) else None

    def div(a: float | None, b: float | None) -> float | None:
        return round(a / b, 2) if a is not None and b else None

    for n in sorted({r["n"] for r in runs if r["variant"] not in STARTUP}):
        line: dict[str, Any] = {"ratios": n}
        for jobs in ("1", "2"):
            plain, ours = f"plain-j{jobs}", f"nianbao-j{jobs}"
            line[f"plain_over_nianbao_j{jobs}_cpu"] = div(med(plain, n, "cpu_s"), med(ours, n, "cpu_s"))
            line[f"plain_over_nianbao_j{jobs}_wall"] = div(med(plain, n, "wall_s"), med(ours, n, "wall_s"))
            line[f"paired_plain_over_nianbao_j{jobs}_cpu"] = _paired(runs, n, plain, ours, "cpu_s")
            line[f"inproc_plain_over_nianbao_j{jobs}_cpu"] = div(
                med(plain, n, "inproc_cpu_s"), med(f"nianbao-lib-j{jobs}", n, "inproc_cpu_s"))
        # Like for like: whole process against whole process, in-process against in-process.
        line["nianbao_j1_over_floor_cpu"] = div(med("nianbao-j1", n, "cpu_s"), med("floor", n, "cpu_s"))
        line["inproc_nianbao_j1_over_floor_cpu"] = div(med("nianbao-lib-j1", n, "inproc_cpu_s"),
                                                       med("floor", n, "inproc_cpu_s"))
        line["nianbao_j1_over_floor_same_levels_cpu"] = div(med("nianbao-j1", n, "cpu_s"),
                                                            med("floor-same-levels", n, "cpu_s"))
        line["inproc_nianbao_j1_over_floor_same_levels_cpu"] = div(med("nianbao-lib-j1", n, "inproc_cpu_s"),
                                                                   med("floor-same-levels", n, "inproc_cpu_s"))
        lines.append({k: v for k, v in line.items() if v is not None})
    sizes = sorted({r["n"] for r in runs if r["variant"].startswith("nianbao-j")})
    if len(sizes) > 1:
        for jobs in ("1", "2"):
            small = med(f"nianbao-j{jobs}", sizes[0], "peak_pss_kb")
            large = med(f"nianbao-j{jobs}", sizes[-1], "peak_pss_kb")
            if small and large:
                lines.append({"memory_ratio": f"nianbao-j{jobs}", "from_n": sizes[0], "to_n": sizes[-1],
                              "peak_pss_ratio": round(large / small, 3)})
    return lines


def child_environment(base: dict[str, str], work: Path) -> dict[str, str]:
    """The environment of every child (see Conditions in the module docstring), from `base`, the caller's."""
    from nianbao.summary import _TERMINAL_HINTS

    env = dict(base, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT / "src"), base.get("PYTHONPATH")])))
    env.pop("NIANBAO_DEBUG", None)
    # As installed: Python keeps the compiled bytecode of every module (__pycache__). A sandbox that sets
    # PYTHONDONTWRITEBYTECODE would make each run recompile nianbao's own modules (~0.1 s) instead.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("NIANBAO_CACHE", None)
    for hint in _TERMINAL_HINTS:  # no child draws as on a terminal
        env.pop(hint, None)
    env["NIANBAO_CACHE_DIR"] = str(work / "cache")  # this run's own caches
    return env


def environment() -> dict[str, Any]:
    import nianbao

    try:
        model = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo", encoding="ascii")
                     if line.startswith("model name"))
    except (OSError, StopIteration):
        model = platform.processor()
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    return {"machine": {"cpus": os.cpu_count(), "cpu": model, "python": platform.python_version(),
                        "system": platform.platform(), "load_avg": [round(x, 2) for x in os.getloadavg()]},
            "nianbao": str(Path(nianbao.__file__).parent), "commit": commit}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--offices", nargs="+", default=["2000"],
                        help="number(s) of synthetic offices: 200, or 200 2000, or 200,5000")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    parser.add_argument("--quick", action="store_true", help="N = 200 and 5 rounds (a few minutes)")
    parser.add_argument("--variants", default=",".join(ALL_VARIANTS), help="comma-separated; see the docstring")
    parser.add_argument("--no-startup", action="store_true", help="leave out one-build, one-check, check-200")
    parser.add_argument("--sample-ms", type=float, default=20.0, help="memory sampling period (default 20 ms)")
    parser.add_argument("--json", type=Path, help="also append the JSON lines to this file")
    parser.add_argument("--plain-rounds", type=int, default=None,
                        help="run the plain docxtpl loop only in the first K rounds (a quick look only: "
                             "issue 14's figures use every round)")
    parser.add_argument("--summarise", type=Path, metavar="FILE",
                        help="only print the summary and ratio lines of the runs recorded in FILE (JSON lines)")
    parser.add_argument("--keep", action="store_true", help="keep the generated data and reports")
    parser.add_argument("--side", choices=["nianbao", "plain"], help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--jobs", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        run_side(args.side, args.folder, args.out, args.jobs)
        return
    if args.summarise:
        recorded = [json.loads(line) for line in args.summarise.read_text(encoding="utf-8").splitlines() if line]
        for line in summary_lines(recorded):
            print(json.dumps(line, ensure_ascii=False))
        return

    sizes = [200] if args.quick else [int(x) for item in args.offices for x in item.split(",") if x]
    rounds = 5 if args.quick else args.rounds
    variants = [v for v in args.variants.split(",") if v and not (args.no_startup and v in STARTUP)]
    unknown = set(variants) - set(ALL_VARIANTS)
    if unknown:
        parser.error(f"unknown variants: {', '.join(sorted(unknown))}")
    sink = args.json.open("a", encoding="utf-8") if args.json else None

    def emit(line: dict[str, Any]) -> None:
        text = json.dumps(line, ensure_ascii=False)
        print(text, flush=True)
        if sink:
            sink.write(text + "\n")
            sink.flush()

    work = Path(tempfile.mkdtemp(prefix="nianbao-bench-"))
    env = child_environment(dict(os.environ), work)
    try:
        folders: dict[str, Path] = {}
        for n in sorted(set(sizes) | ({200} if "check-200" in variants else set())):
            folders[f"n{n}"] = work / f"data{n}"
            generate(folders[f"n{n}"], n)
        generate(work / "warm-up", 3)  # fills this run's caches, outside the clock
        subprocess.run([sys.executable, "-m", "nianbao", "build", str(work / "warm-up"), "-o", str(work / "warm-up-out")],
                       env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        emit({"bench": "nianbao speed", "sizes": sizes, "rounds": rounds, "variants": variants,
              "sample_ms": args.sample_ms, **environment()})
        if set(FLOORS) & set(variants):  # the floor copies nianbao's own reports: made and read once, outside the clock
            for n in sizes:
                reports = work / f"reports{n}"
                subprocess.run([sys.executable, "-m", "nianbao", "build", str(folders[f"n{n}"]), "-o",
                                str(reports)], env=env, check=True, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
                folders[f"floor{n}"] = work / f"floor{n}.pickle"
                write_floor_input(reports, folders[f"floor{n}"])
        plan = [(v, n) for n in sizes for v in variants if v not in STARTUP]
        plan += [(v, 200 if v == "check-200" else 1) for v in variants if v in STARTUP]
        runs: list[dict[str, Any]] = []
        for index in range(rounds):
            shift = index % len(plan)
            for variant, n in plan[shift:] + plan[:shift]:  # a rotating order: no variant always goes first
                if variant.startswith("plain") and args.plain_rounds is not None and index >= args.plain_rounds:
                    continue
                command, out = command_for(variant, folders, work, n)
                if out is not None and variant not in KEPT_OUTPUT:
                    shutil.rmtree(out, ignore_errors=True)
                stamp = work / "stamp"  # the file system's own time at the start of the run
                stamp.write_bytes(b"")
                since_ns = stamp.stat().st_mtime_ns
                result_file = work / "result.json"
                result_file.unlink(missing_ok=True)
                run_env = dict(env, NIANBAO_BENCH_RESULT=str(result_file))
                figures = run_measured(command, run_env, args.sample_ms / 1000, ROOT)
                line: dict[str, Any] = {"run": variant, "variant": variant, "n": n, "round": index + 1}
                line.update({k: v for k, v in figures.items() if k != "stderr_tail"})
                if result_file.exists():
                    line.update(json.loads(result_file.read_text(encoding="utf-8")))
                if variant not in STARTUP:
                    line["cpu_ms_per_office"] = round(line["cpu_s"] * 1000 / n, 3)
                expected = expected_outputs(variant, n)
                if expected is not None and out is not None:
                    line["expected_outputs"], line["outputs"] = expected, count_outputs(out, since_ns)
                problem = run_problem(line)
                if problem:
                    line["problem"] = problem
                    line["stderr_tail"] = figures["stderr_tail"]
                    print(f"FAILED RUN, left out of the summaries and ratios: {variant} N = {n} round {index + 1}:"
                          f" {problem}\n{figures['stderr_tail']}", file=sys.stderr, flush=True)
                runs.append(line)
                emit(line)
        for line in summary_lines(runs):
            emit(line)
    finally:
        if sink:
            sink.close()
        if args.keep:
            print(f"kept: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
