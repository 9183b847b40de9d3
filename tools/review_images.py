"""Images of the district workflow for the README: the review page and a fill-in workbook.

Run from the repository root (needs Debian's chromium, the playwright package, LibreOffice
Calc and poppler-utils' pdftoppm/pdftotext)::

    python tools/review_images.py [output folder]

Default output: ``docs/images/``. Written:

- ``review-page.png``: ``index.html`` of a build of the sample district plus two test offices (示例数据):
  雷同街道, whose text copies 红星街道's, and 不平衡街道, whose table 三 does not balance.
- ``form-table-3.png``: sheet 表三 of 红星街道's workbook as LibreOffice prints it, after a clerk typed 4
  instead of 3 into 「一、本年新收」自然人: the status cells of that column and of 总计 turn red.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from openpyxl import load_workbook  # noqa: E402

from nianbao.form_writer import make_forms  # noqa: E402
from nianbao.review_page import REVIEW_PAGE, write_district_outputs  # noqa: E402
from nianbao.runs import build_paths  # noqa: E402

DISTRICT = ROOT / "data" / "龙马潭区" / "2024"
EXTRA = [ROOT / "tests" / "fixtures" / "same-text" / "雷同街道.yaml",
         ROOT / "tests" / "fixtures" / "broken-district" / "不平衡街道.yaml"]
OUTPUT = ROOT / "docs" / "images"


def page_screenshot(page: Path, target: Path) -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as profile, sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path="/usr/bin/chromium", headless=True, viewport={"width": 1280, "height": 1500},
            args=["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--hide-scrollbars"])
        try:
            view = context.new_page()
            view.goto(page.as_uri())
            view.evaluate("document.querySelector('tr.details details').open = true")
            view.screenshot(path=str(target))
        finally:
            context.close()


def review_page(work: Path, target: Path) -> None:
    folder = work / "2024"
    folder.mkdir(parents=True)
    for path in [*DISTRICT.glob("*.yaml"), *EXTRA]:
        shutil.copy(path, folder / path.name)
    out = work / "out"
    result = build_paths([folder], out_dir=out, jobs=1)
    write_district_outputs(result, out)
    page_screenshot(out / REVIEW_PAGE, target)


def workbook_page(work: Path, target: Path) -> None:
    forms = work / "forms"
    outcome = make_forms([DISTRICT / "红星街道.yaml"], forms)[0]
    assert outcome.target is not None
    book = load_workbook(outcome.target)
    book["表三"]["D7"] = 4  # one typing slip: 一 + 二 no longer equals 三（七）+ 四 in two columns
    only = work / "表三.xlsx"
    for name in book.sheetnames:
        if name != "表三":
            book[name].sheet_state = "hidden"
    book.active = book.sheetnames.index("表三")
    book.save(only)
    profile = (work / "profile").as_uri()
    subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(work), str(only)], check=True, capture_output=True, timeout=180)
    pdf = work / "表三.pdf"
    pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout.split("\f")
    number = next(i for i, text in enumerate(pages, start=1) if "本行核对" in text)
    subprocess.run(["pdftoppm", "-png", "-r", "100", "-f", str(number), "-l", str(number), "-singlefile",
                    str(pdf), str(target.with_suffix(""))], check=True)


def main() -> None:
    output = Path(sys.argv[1]) if len(sys.argv) > 1 else OUTPUT
    output.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as temp:
        review_page(Path(temp) / "review", output / "review-page.png")
        (Path(temp) / "form").mkdir()
        workbook_page(Path(temp) / "form", output / "form-table-3.png")
    print(f"已生成：{output / 'review-page.png'}、{output / 'form-table-3.png'}")


if __name__ == "__main__":
    main()
