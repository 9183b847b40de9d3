"""Render the seed office's report as page images, to look at what a clerk will see.

Run from the repository root (needs LibreOffice and poppler-utils' pdftoppm/pdftotext)::

    python tools/page_images.py [data file] [output folder]

Defaults: ``data/龙马潭区/2024/安宁街道.yaml`` → ``docs/images/``. The report is built into a temporary
folder, converted to PDF the way ``nianbao build --pdf`` does it, and two pages are written at 110 dpi:
``seed-page-1.png`` (title, opening, first headings) and ``seed-table-3.png`` (the page where table 三
starts). Pages are grey-scale with 16 levels so the committed images stay small.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from nianbao.pdf import convert_to_pdf  # noqa: E402
from nianbao.pipeline import build_file  # noqa: E402

SEED = ROOT / "data" / "龙马潭区" / "2024" / "安宁街道.yaml"
OUTPUT = ROOT / "docs" / "images"
DPI = 110
TABLE_THREE_MARK = "本年新收政府信息公开申请数量"


def page_texts(pdf: Path) -> list[str]:
    """The text of each page (pdftotext separates pages with form feeds)."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True)
    return text.stdout.split("\f")


def render_page(pdf: Path, page: int, target: Path) -> Path:
    """One page as a small grey-scale PNG."""
    with tempfile.TemporaryDirectory() as temp:
        stem = Path(temp) / "page"
        subprocess.run(
            ["pdftoppm", "-r", str(DPI), "-gray", "-png", "-f", str(page), "-l", str(page), "-singlefile",
             str(pdf), str(stem)],
            check=True,
        )
        png = stem.with_suffix(".png")
        try:
            from PIL import Image
        except ImportError:  # Pillow is optional: keep pdftoppm's image as it is
            target.write_bytes(png.read_bytes())
        else:
            with Image.open(png) as image:
                image.convert("L").quantize(16).save(target, optimize=True)
    return target


def main(argv: list[str]) -> int:
    data = Path(argv[1]) if len(argv) > 1 else SEED
    out = Path(argv[2]) if len(argv) > 2 else OUTPUT
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="nianbao-pages-") as temp:
        _, docx = build_file(data, out_dir=temp)
        result = convert_to_pdf([docx])
        if not result.written:
            print(f"LibreOffice 未能生成 PDF：{result.detail}", file=sys.stderr)
            return 1
        pdf = result.written[0]
        texts = page_texts(pdf)
        table_page = next(i for i, text in enumerate(texts, start=1) if TABLE_THREE_MARK in text)
        for page, name in ((1, "seed-page-1.png"), (table_page, "seed-table-3.png")):
            path = render_page(pdf, page, out / name)
            print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}（第 {page} 页，共 "
                  f"{len([t for t in texts if t.strip()])} 页，{path.stat().st_size // 1024} KB）")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
