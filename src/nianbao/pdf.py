"""PDF stage: written .docx reports → PDFs beside them, with one LibreOffice process for the whole run.

LibreOffice (`soffice`) is optional. It runs headless with a private, throw-away user profile, so it
neither collides with a LibreOffice the user has open nor with a parallel run. The inputs are copied
under plain ASCII names into a temporary folder (two offices of different districts may share a file
name), converted in one call, and each PDF is then written atomically beside its .docx.

On Linux the official fonts (仿宋_GB2312, 方正小标宋简体 …) are usually missing; a private fontconfig
file maps them to installed CJK fonts of the same kind (Song/Fangsong → a serif CJK font, 黑体 → a sans
CJK font) instead of whatever the system picks first.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from .errors import FileTrouble, os_error_text
from .write import write_atomic

SOFFICE_SETTING = "NIANBAO_SOFFICE"
"""Environment variable: the soffice program to use (a path or a name looked up on PATH)."""

INSTALL_HINT = (
    "未找到 LibreOffice（soffice），无法生成 PDF；Word 报告已照常生成。"
    "安装方法：Debian/Ubuntu 运行 sudo apt-get install libreoffice-writer-nogui；"
    "Windows 请安装 LibreOffice（https://zh-cn.libreoffice.org/），或在 Word/WPS 中打开报告后“另存为 PDF”。"
)

_WELL_KNOWN = [
    Path("C:/Program Files/LibreOffice/program/soffice.exe"),
    Path("C:/Program Files (x86)/LibreOffice/program/soffice.exe"),
    Path("/Applications/LibreOffice.app/Contents/MacOS/soffice"),
]

# Official font → installed CJK fonts that look alike, best first (fontconfig takes the first present).
_SERIF = ["Noto Serif CJK SC", "Source Han Serif SC", "Source Han Serif CN", "AR PL UMing CN"]
_KAI = ["AR PL UKai CN", *_SERIF]
_SANS = ["Noto Sans CJK SC", "Source Han Sans SC", "Source Han Sans CN", "WenQuanYi Zen Hei"]
FONT_SUBSTITUTES: dict[str, list[str]] = {
    "仿宋_GB2312": _SERIF,
    "仿宋": _SERIF,
    "FangSong": _SERIF,
    "楷体_GB2312": _KAI,
    "楷体": _KAI,
    "KaiTi": _KAI,
    "方正小标宋简体": _SERIF,
    "宋体": _SERIF,
    "SimSun": _SERIF,
    "黑体": _SANS,
    "SimHei": _SANS,
}


class OfficeSuiteMissing(FileTrouble):
    """LibreOffice is not installed (or not where the setting says): no PDF can be made."""

    def __init__(self) -> None:
        super().__init__(INSTALL_HINT)


@dataclass
class PdfResult:
    """What one conversion run produced: `written` PDFs, and the .docx files that gave none."""

    written: list[Path] = field(default_factory=list)
    failed: list[Path] = field(default_factory=list)
    detail: str = ""


def find_soffice(path: str | None = None) -> str | None:
    """The LibreOffice program: the NIANBAO_SOFFICE setting, else `soffice`/`libreoffice` on `path`
    (default: the PATH environment variable), else the usual install folders on Windows and macOS."""
    setting = os.environ.get(SOFFICE_SETTING)
    if setting:
        found = shutil.which(setting, path=path)
        return found or (setting if Path(setting).is_file() else None)
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name, path=path)
        if found:
            return found
    if path is None:
        for candidate in _WELL_KNOWN:
            if candidate.is_file():
                return str(candidate)
    return None


def fontconfig_file(directory: Path) -> Path | None:
    """Write a fontconfig file (the system's plus the official-font aliases); None off Linux/BSD."""
    if sys.platform.startswith(("win", "darwin")):
        return None
    base = os.environ.get("FONTCONFIG_FILE") or "/etc/fonts/fonts.conf"
    if not Path(base).is_file():
        return None
    aliases = "".join(
        f'  <alias binding="same"><family>{escape(name)}</family><prefer>'
        + "".join(f"<family>{escape(f)}</family>" for f in families)
        + "</prefer></alias>\n"
        for name, families in FONT_SUBSTITUTES.items()
    )
    conf = directory / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        f'  <include ignore_missing="yes">{escape(str(Path(base).resolve()))}</include>\n'
        f"{aliases}</fontconfig>\n",
        encoding="utf-8",
    )
    return conf


def pdf_path(docx: Path) -> Path:
    """Where the PDF of a report goes: beside it, same name, `.pdf`."""
    return docx.with_suffix(".pdf")


def convert_to_pdf(docx_paths: Sequence[Path], soffice: str | None = None, timeout: float | None = None) -> PdfResult:
    """Convert every .docx to a PDF beside it with ONE LibreOffice process.

    Raises OfficeSuiteMissing when LibreOffice cannot be found. Files LibreOffice could not convert are
    listed in `PdfResult.failed` (with its output in `detail`); the other PDFs are written regardless.
    """
    result = PdfResult()
    if not docx_paths:
        return result
    program = soffice or find_soffice()
    if program is None:
        raise OfficeSuiteMissing()
    with tempfile.TemporaryDirectory(prefix="nianbao-pdf-") as temp:
        work = Path(temp)
        inputs, outdir, profile = work / "in", work / "out", work / "profile"
        inputs.mkdir()
        names: list[Path] = []
        for index, docx in enumerate(docx_paths):
            name = inputs / f"r{index:05d}.docx"
            try:
                shutil.copyfile(docx, name)
            except OSError as exc:
                raise FileTrouble(f"无法读取 {docx}：{os_error_text(exc, reading=True)}") from None
            names.append(name)
        env = dict(os.environ)
        conf = fontconfig_file(work)
        if conf is not None:
            env["FONTCONFIG_FILE"] = str(conf)
        command = [
            program,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--invisible",
            "--norestore",
            "--nologo",
            "--nodefault",
            "--nolockcheck",
            "--convert-to",
            "pdf:writer_pdf_Export",
            "--outdir",
            str(outdir),
            *map(str, names),
        ]
        try:
            done = subprocess.run(
                command,
                env=env,
                cwd=work,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                errors="replace",
                timeout=timeout or 120 + 15 * len(names),
            )
            result.detail = (done.stderr or "").strip()
        except FileNotFoundError:
            raise OfficeSuiteMissing() from None
        except subprocess.TimeoutExpired:
            result.detail = "LibreOffice 超时未完成"
        for docx, name in zip(docx_paths, names, strict=True):
            produced = outdir / f"{name.stem}.pdf"
            if produced.is_file() and produced.stat().st_size > 0:
                target = pdf_path(Path(docx))
                write_atomic(target, produced.read_bytes())
                result.written.append(target)
            else:
                result.failed.append(Path(docx))
    return result
