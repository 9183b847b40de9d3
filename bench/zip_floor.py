"""The child process of speed.py's zip floor variants: nothing but writing zips.

    python bench/zip_floor.py SAMPLES OUT COUNT LEVELS

SAMPLES is a pickle that speed.py wrote before the clock: ``{"samples": [[(name, bytes), ...], ...],
"varying": [name, ...], "report_level": int}``, the members of nianbao's sample reports already read out of
their packages (inflated), the names of the members that differ between them, and the level nianbao deflates
its per-report members at. This process loads that file, then writes COUNT zips, one per office, into the
folder OUT, the i-th holding the members of sample ``i % len(samples)`` in their order, each deflated at
level 6 (LEVELS ``6``) or, with LEVELS ``same``, at ``report_level`` for the members named in ``varying``
and 6 for the rest. It imports only the standard library modules it needs (no nianbao, no speed.py), so
the whole-process figure is interpreter start-up, these imports, loading the pickle and the zips.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import resource
import sys
import time
import zipfile
from pathlib import Path

TEMPLATE_LEVEL = 6  # the floor: "the same zip members (deflate level 6)"


def _cpu_now() -> float:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def write_zips(samples: list[list[tuple[str, bytes]]], levels: dict[str, int], out: Path, count: int) -> None:
    """`count` zips in `out`, the i-th with the members of sample i % len(samples), each deflated at
    levels.get(name, TEMPLATE_LEVEL), dated 1980-01-01 as nianbao's are."""
    out.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in samples[index % len(samples)]:
                level = levels.get(name, TEMPLATE_LEVEL)
                archive.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data,
                                 compress_type=zipfile.ZIP_DEFLATED, compresslevel=level)
        (out / f"{index:05d}.zip").write_bytes(buffer.getvalue())


def main(argv: list[str]) -> None:
    source, out, count, mode = Path(argv[0]), Path(argv[1]), int(argv[2]), argv[3]
    # Read whole, then unpickled: freeing that one large block raises glibc's mmap and trim thresholds,
    # as reading the reports themselves did and as nianbao's own process has them by the time it writes.
    # Unpickled straight from the file, the thresholds stay at their defaults and every deflate stream
    # then maps and unmaps its ~256 KB state: +50 % CPU for the zips (measured at N = 200), which would
    # flatter nianbao's ratio to the floor.
    loaded = pickle.loads(source.read_bytes())
    samples = loaded["samples"]
    if not samples:
        raise SystemExit("floor: no reports to copy")
    if mode == "same":
        levels = {name: loaded["report_level"] for name in loaded["varying"]}
    elif mode == "6":
        levels = {}
    else:
        raise SystemExit(f"floor: unknown levels {mode!r}")
    cpu, start = _cpu_now(), time.perf_counter()  # the in-process figure: the zips only
    write_zips(samples, levels, out, count)
    target = os.environ.get("NIANBAO_BENCH_RESULT")
    if target:
        Path(target).write_text(json.dumps({"inproc_s": round(time.perf_counter() - start, 4),
                                            "inproc_cpu_s": round(_cpu_now() - cpu, 4), "reports": count}),
                                encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
