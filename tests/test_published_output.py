"""What a published report carries: no absolute path, user or host name in any part, and Word opens it
cleanly according to openxml-audit (a port of the Open XML SDK validator; Word itself cannot run here)."""

from __future__ import annotations

import getpass
import re
import shutil
import socket
import zipfile
from pathlib import Path

import pytest
from docx import Document
from openxml_audit import OpenXmlValidator, predict

from nianbao import build_file, build_paths

ROOT = Path(__file__).resolve().parents[1]
DISTRICT = ROOT / "data" / "龙马潭区" / "2024"
WORD_OPENS = "Microsoft Word: expected to open cleanly (no findings)"
# An absolute POSIX path under a usual root, a Windows drive path (either slash), or a UNC share.
ABSOLUTE = re.compile(
    r"(?<![\w.:/])/(?:home|root|tmp|Users|usr|var|mnt|media|opt|srv|work|private)/"
    r"|(?<![A-Za-z])[A-Za-z]:[\\/]"
    r"|\\\\[\w.-]+\\"
)


@pytest.fixture(scope="module")
def district_reports(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    work = tmp_path_factory.mktemp("发布")
    data = shutil.copytree(DISTRICT, work / "data" / "2024")
    out = work / "out"
    result = build_paths([data], out_dir=out, jobs=1, summary=False)
    reports = sorted(out.glob("*.docx"))
    assert result.exit_code == 0 and len(reports) == len(list(DISTRICT.glob("[!_]*.yaml")))
    return reports


def personal_strings(path: Path) -> list[str]:
    found = []
    names = [name for name in (getpass.getuser(), socket.gethostname()) if len(name) >= 4]
    with zipfile.ZipFile(path) as archive:
        for part in archive.namelist():
            text = archive.read(part).decode("utf-8", errors="replace")
            found += [f"{part}: {m.group(0)}" for m in ABSOLUTE.finditer(text)]
            found += [f"{part}: {name}" for name in names if name in text]
            found += [f"{part}: {str(ROOT)}" for _ in [1] if str(ROOT) in text]
    return found


def audit(path: Path) -> tuple[int, str]:
    result = OpenXmlValidator().validate(path)
    return result.error_count, predict(result).headline


def test_the_scan_finds_what_it_looks_for() -> None:
    for leak in ("C:\\Users\\zhang\\年报", "c:/data/x.yaml", "/home/zhang/x.yaml", "\\\\server\\share\\x"):
        assert ABSOLUTE.search(leak), leak
    for fine in ("http://schemas.openxmlformats.org/wordprocessingml/2006/main", "../安宁街道.yaml", "w:val"):
        assert not ABSOLUTE.search(fine), fine


def test_no_generated_part_holds_an_absolute_path_or_user_or_host(district_reports: list[Path]) -> None:
    assert {p.name: personal_strings(p) for p in district_reports} == {p.name: [] for p in district_reports}


def test_data_files_are_recorded_relative_to_the_report(district_reports: list[Path]) -> None:
    from nianbao.provenance import read_provenance

    provenance = read_provenance(district_reports[0])
    assert provenance is not None and provenance.template_name == "official-2021"
    assert all(not Path(s).is_absolute() for s in provenance.sources)
    assert provenance.sources == ("../data/2024/_共同.yaml", f"../data/2024/{read_office(district_reports[0])}")


def read_office(report: Path) -> str:
    return report.name.split("2024年")[0] + ".yaml"


def test_every_sample_office_report_opens_cleanly_in_word(district_reports: list[Path]) -> None:
    assert {p.name: audit(p) for p in district_reports} == {p.name: (0, WORD_OPENS) for p in district_reports}


def test_report_after_a_word_style_edit_opens_cleanly(district_reports: list[Path], tmp_path: Path) -> None:
    edited = tmp_path / "改过.docx"
    document = Document(str(district_reports[0]))
    document.paragraphs[-1].add_run("（已由经办人修改）")
    document.add_paragraph("补充说明：本报告经审核后发布。")
    document.save(str(edited))
    assert audit(edited) == (0, WORD_OPENS)


def test_report_from_a_copied_template_opens_cleanly(tmp_path: Path) -> None:
    template = tmp_path / "我们的模板"
    shutil.copytree(ROOT / "templates" / "official-2021", template)
    _, written = build_file(DISTRICT / "安宁街道.yaml", out_dir=tmp_path / "out",
                            defaults=[DISTRICT / "_共同.yaml"], template=template)
    assert audit(written) == (0, WORD_OPENS)


def test_users_template_in_a_templates_folder_beside_the_data(tmp_path: Path) -> None:
    from nianbao.spec import resolve_template

    own = tmp_path / "templates" / "本区模板"
    shutil.copytree(ROOT / "templates" / "official-2021", own)
    assert resolve_template("本区模板", base=tmp_path) == own.resolve()
