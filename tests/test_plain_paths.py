"""spec.plain_path: the Path that pathlib makes, without passing its parts to sys.intern (CPython 3.11's
pathlib interns every part of every path it parses: with one path or more made per office, the table of
interned strings grew with the number of offices). The paths made once per office use it."""

from __future__ import annotations

import os
import sys
from pathlib import Path, PurePosixPath

import pytest

from nianbao import spec as spec_module
from nianbao.batch import OfficeJob, OfficeJobs, OfficeOutcome, OutcomeStore, Status
from nianbao.pipeline import check_file, output_path
from nianbao.spec import plain_path

from .conftest import ROOT

_TEXTS = ["", ".", "/", "//", "///", "//a/b", "///a//b/", "a/./b", "./a", "../x/..", "a//b/", "/tmp/示例1街道.yaml",
          "~/x", "a/b.tar.gz", "/.hidden", "a/.", "./"]

# Only where plain_path avoids pathlib's interning (POSIX, Python 3.11); elsewhere it is Path itself.
needs_plain = pytest.mark.skipif(spec_module._FROM_PARTS is None, reason="Path(text) is used as it is")


def _interned(text: str) -> bool:
    """Whether this very string object is the interned one (a fresh equal string is interned instead)."""
    return sys.intern("".join(list(text))) is text


def _fresh(stem: str) -> str:
    return f"{stem}{id(object())}未见过"  # a name nobody has interned yet


@pytest.mark.parametrize("text", _TEXTS)
def test_plain_path_is_the_path_pathlib_makes(text: str) -> None:
    made, reference = plain_path(text), Path(text)
    assert type(made) is type(reference)
    assert made == reference and hash(made) == hash(reference)
    assert str(made) == str(reference) and made.parts == reference.parts
    assert (made.name, made.anchor, made.is_absolute()) == (reference.name, reference.anchor, reference.is_absolute())
    assert made.parent == reference.parent and made / "x.yaml" == reference / "x.yaml"


def test_plain_path_takes_a_path_or_a_path_like() -> None:
    given = Path("/srv/区/a.yaml")
    assert plain_path(given) == given
    assert plain_path(PurePosixPath("/srv/区/a.yaml")) == given
    assert type(plain_path(PurePosixPath("a"))) is type(given)


@needs_plain
def test_a_path_given_is_not_made_again() -> None:
    given = plain_path(f"/srv/{_fresh('区')}.yaml")
    assert plain_path(given) is given  # Path(given) would intern its parts
    assert not _interned(given.name)


@needs_plain
def test_plain_path_does_not_intern_the_parts() -> None:
    name = _fresh("街道") + ".yaml"
    assert not _interned(plain_path(f"/tmp/{name}").name)
    assert _interned(Path(f"/tmp/{_fresh('街道')}.yaml").name)  # what pathlib does, which this avoids


@needs_plain
def test_per_office_paths_are_not_interned(tmp_path: Path) -> None:
    jobs = OfficeJobs()
    jobs.append(OfficeJob(plain_path(os.path.join(tmp_path, _fresh("机关") + ".yaml"))))
    assert not _interned(jobs[0].path.name)

    store = OutcomeStore()
    try:
        store.append(OfficeOutcome(Path("x.yaml"), "x.yaml", "x", Status.BUILT, target=Path("out/x.docx")))
        store.append(OfficeOutcome(Path("/d") / "placeholder", "y", "y", Status.FAILED))
        kept = store[0]
        assert kept.path == Path("x.yaml") and kept.target == Path("out/x.docx")
        fresh = _fresh("办")
        store[1] = OfficeOutcome(Path("/d"), "y", "y", Status.BUILT, target=Path("out"))
        store[1] = _with_paths(store[1], f"/d/{fresh}.yaml", f"out/{fresh}.docx")
        again = store[1]
        assert again.path == Path(f"/d/{fresh}.yaml") and again.target == Path(f"out/{fresh}.docx")
        assert not _interned(again.path.name) and not _interned(again.target.name)
    finally:
        store.close()


def _with_paths(outcome: OfficeOutcome, path: str, target: str) -> OfficeOutcome:
    # Built from texts, as a worker's outcome arrives: no Path of these names was ever made by pathlib.
    outcome.path, outcome.target = plain_path(path), plain_path(target)
    return outcome


@needs_plain
def test_checked_file_and_output_path_are_not_interned(tmp_path: Path) -> None:
    district = ROOT / "data" / "龙马潭区" / "2024"
    office = _fresh("镇")
    for name in ("_共同.yaml", "长安镇.yaml"):
        text = (district / name).read_text(encoding="utf-8").replace("机关: 长安镇", f"机关: {office}")
        # Written without pathlib, which would intern the name.
        with open(os.path.join(tmp_path, name.replace("长安镇", office)), "w", encoding="utf-8") as file:
            file.write(text)
    data = os.path.join(tmp_path, f"{office}.yaml")
    result = check_file(data)
    assert result.ok and result.report is not None and result.report.office == office
    target = output_path(result.report, tmp_path / "out")
    assert not _interned(result.path.name) and not _interned(target.name)
    assert result.path == Path(data)
    assert target == tmp_path / "out" / f"{office}2024年政府信息公开工作年度报告.docx"


@needs_plain
def test_an_office_job_sent_to_a_worker_does_not_intern_its_path() -> None:
    import pickle

    job = OfficeJob(plain_path(f"/srv/{_fresh('街道')}.yaml"), (Path("/srv/_共同.yaml"),))
    sent = pickle.loads(pickle.dumps(job, pickle.HIGHEST_PROTOCOL))
    assert sent == job and type(sent.path) is type(job.path)
    assert not _interned(sent.path.name)
