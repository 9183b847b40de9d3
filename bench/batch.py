"""Benchmark: nianbao's district batch against a plain docxtpl loop, on N synthetic offices.

    python bench/batch.py --offices 200
    python bench/batch.py --offices 5000 --jobs 2

Both sides do the same work per office (read the YAML with the district defaults, check it, build the
context, render the same template, write the .docx); they differ only in how they render:

* nianbao  — `runs.build_paths` (template loaded, patched and compiled once per worker process, offices
             spread over `--jobs` processes, atomic writes, provenance, summary spreadsheet);
* nianbao -j1 — the same in one process (the per-core speed-up);
* plain    — a loop that makes a new `docxtpl.DocxTemplate` per office and renders it with the same strict,
             escaping Jinja environment.

Each side runs in its own child process (`--side`), so the peak memory of one does not hide the other.
Times start after the libraries are imported (in both sides) and include everything else: discovery,
compiling the template, starting the workers, writing every file and the summary spreadsheet.
Peak RSS is measured with the Linux kernel's high-water mark (VmHWM in /proc/<pid>/status): the side's main
process reads its own at the end; the benchmark process samples the side's worker processes every 20 ms
until the side exits and reports the largest (each worker holds its own compiled template and a few
offices at a time). Not getrusage(RUSAGE_CHILDREN): it would mix the sides and miss fork-server workers.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

from make_sample_district import OFFICES, SHARED, office_yaml  # noqa: E402


def generate(folder: Path, count: int) -> None:
    """`count` synthetic, balanced offices (varied numbers) plus the district defaults file."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "_共同.yaml").write_text(SHARED.format(what="基准测试用的合成数据（示例数据）"), encoding="utf-8")
    for index in range(count):
        base = OFFICES[index % len(OFFICES)]
        name = f"合成{index + 1:05d}{'镇' if base[0].endswith('镇') else '街道'}"
        (folder / f"{name}.yaml").write_text(office_yaml((name, *base[1:]), "基准测试用的合成数据"),
                                              encoding="utf-8")


# --- memory --------------------------------------------------------------------------------------------


def _hwm_kb(pid: int | str) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _descendants(root: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                    parents[int(entry)] = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    found, frontier = [], [root]
    while frontier:
        pid = frontier.pop()
        children = [child for child, parent in parents.items() if parent == pid]
        found += children
        frontier += children
    return found


# --- the sides -------------------------------------------------------------------------------------------


def side_nianbao(folder: Path, out: Path, jobs: int) -> int:
    from nianbao import Status, build_paths

    result = build_paths([folder], out, jobs=jobs, summary=True)
    built = sum(o.status is Status.BUILT for o in result.outcomes)
    if built != len(result.outcomes):
        raise SystemExit(f"nianbao built {built} of {len(result.outcomes)} offices")
    return built


def side_plain(folder: Path, out: Path) -> int:
    from docxtpl import DocxTemplate

    from nianbao.batch import find_offices
    from nianbao.pipeline import check_file, output_path
    from nianbao.render import build_context, jinja_environment

    offices, _ = find_offices([folder])
    out.mkdir(parents=True, exist_ok=True)
    for office in offices:
        result = check_file(office.path, defaults=office.defaults)
        assert result.ok and result.report is not None, result.problems
        template = DocxTemplate(str(result.report.spec.docx))
        template.render(build_context(result.report), jinja_env=jinja_environment(), autoescape=True)
        template.save(str(output_path(result.report, out)))
    return len(offices)


def run_side(side: str, folder: Path, out: Path, jobs: int) -> None:
    """In the child process: run one side, print its figures as JSON (no thread here: the batch forks).

    The libraries are imported before the clock starts (both sides); compiling the template is timed."""
    import docxtpl  # noqa: F401

    import nianbao.runs  # noqa: F401

    start = time.perf_counter()
    count = side_plain(folder, out) if side == "plain" else side_nianbao(folder, out, jobs)
    seconds = time.perf_counter() - start
    print(json.dumps({"side": side, "jobs": jobs, "reports": count, "seconds": seconds,
                      "main_peak_kb": _hwm_kb("self")}))


def spawn(side: str, folder: Path, out: Path, jobs: int) -> dict[str, float]:
    """Run one side in a child process; meanwhile sample the peak RSS of the child's own children."""
    command = [sys.executable, __file__, "--side", side, "--folder", str(folder), "--out", str(out),
               "--jobs", str(jobs)]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    worker_peak = 0
    while child.poll() is None:
        for pid in _descendants(child.pid):
            worker_peak = max(worker_peak, _hwm_kb(pid))
        time.sleep(0.02)
    stdout, stderr = child.communicate()
    if child.returncode != 0:
        raise SystemExit(f"{side} failed:\n{stderr}")
    figures: dict[str, float] = json.loads(stdout.strip().splitlines()[-1])
    figures["worker_peak_kb"] = worker_peak
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--offices", type=int, default=200, help="number of synthetic offices (default 200)")
    parser.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1, help="nianbao worker processes")
    parser.add_argument("--keep", action="store_true", help="keep the generated data and reports")
    parser.add_argument("--no-plain", action="store_true", help="skip the (slow) plain docxtpl loop")
    parser.add_argument("--side", choices=["nianbao", "plain"], help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        run_side(args.side, args.folder, args.out, args.jobs)
        return

    work = Path(tempfile.mkdtemp(prefix="nianbao-bench-"))
    try:
        folder = work / "data"
        generate(folder, args.offices)
        print(f"{args.offices} synthetic offices in {folder}; {os.cpu_count()} CPU cores", flush=True)
        rows = [
            spawn("nianbao", folder, work / "out-nianbao", args.jobs),
            spawn("nianbao", folder, work / "out-nianbao-j1", 1),
        ]
        if not args.no_plain:
            rows.append(spawn("plain", folder, work / "out-plain", 1))
        print(f"{'side':<14}{'jobs':>5}{'reports':>9}{'total s':>10}{'ms/report':>11}"
              f"{'main peak MB':>14}{'worker peak MB':>16}")
        for row in rows:
            ms = row["seconds"] * 1000 / row["reports"]
            print(f"{row['side']:<14}{row['jobs']:>5}{row['reports']:>9}{row['seconds']:>10.1f}{ms:>11.2f}"
                  f"{row['main_peak_kb'] / 1024:>14.1f}{row['worker_peak_kb'] / 1024:>16.1f}")
        if args.no_plain:
            return
        plain = rows[2]["seconds"]
        print(f"plain / nianbao -j{args.jobs}: {plain / rows[0]['seconds']:.1f}x faster per report; "
              f"plain / nianbao -j1: {plain / rows[1]['seconds']:.1f}x")
    finally:
        if args.keep:
            print(f"kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
