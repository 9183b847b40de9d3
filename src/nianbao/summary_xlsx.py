"""The summary spreadsheet 年报汇总.xlsx, written without openpyxl on a build.

The workbook's frame (its styles, the sheets' layout, the district total sheet's merged cells, labels,
formulas and conditional formats) depends only on the template and on the number of figure columns, never
on the offices' values. So the frame is made once with openpyxl (form_writer lays out the total sheet as the
fill-in form's tables are laid out), saved, and kept in nianbao's cache (disk_cache) keyed by everything it
is made from; each run then writes the .xlsx zip in pieces to the temporary file of write_atomic: the
frame's unchanging members copied as they are kept, compressed (zippack.PackedMember), and the rows of sheets
汇总 and 问题清单 (summary.SummaryBook, one pass over the outcomes) deflated into temporary spills as they are
made, so that every member is stored as zipfile stores it in a seekable file (sizes before the data): the
same bytes as the workbook openpyxl and zipfile wrote before, but for docProps/core.xml's time. Neither the
workbook nor a sheet is ever whole in memory.

A cache entry carries a SHA-256 of its content and is checked member by member when read (each sheet where
the rows go, each value's place in the total sheet): an entry that is missing, damaged or made by other code
or another openpyxl is made again (openpyxl imported only then). Cache trouble never fails a run.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import struct
import zipfile
import zlib
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .batch import OfficeOutcome
from .disk_cache import cache_dir, code_mark, prune_entries, read_quietly, write_quietly
from .errors import FileTrouble
from .form_layout import FormLayout, stacked_layout, total_formula
from .model import CellKey, ReportData
from .summary import (
    PROBLEM_WIDTHS,
    PROBLEMS_SHEET,
    SUMMARY_SHEET,
    SummaryBook,
    SummaryStyles,
    Tally,
    _cell_xml,
    summary_widths,
)
from .write import os_error_text, write_atomic
from .zippack import COMPRESS_LEVEL, PackedMember, end_record, member_headers, pack_member

TOTAL_SHEET = "全区合计"

_MAGIC = b"nianbao-summary-frame-1\n"
_DIGEST = hashlib.sha256().digest_size
_LENGTH = struct.Struct("<I")
# A value's place in the frame's total sheet: a cell holding `\ue000N\ue001` (private-use characters, which no
# label holds), written by openpyxl as character references or as UTF-8.
_MARK_OPEN, _MARK_CLOSE = "\ue000", "\ue001"
_HOLE = re.compile(rb'<c r="([A-Z]+[0-9]+)"(?: s="([0-9]+)")? t="inlineStr"><is><t>'
                   rb"(?:&#57344;|\xee\x80\x80)([0-9]+)(?:&#57345;|\xee\x80\x81)</t></is></c>")
# The rows go where openpyxl left a sheet's data empty, in either form it may write.
_EMPTY_SHEET_DATA = re.compile(rb"<sheetData\s*/>|<sheetData>\s*</sheetData>")
_CORE = "docProps/core.xml"
_STAMPS = re.compile(rb"(<dcterms:(created|modified)\b[^>]*>)[^<]*(</dcterms:\2>)")
_PIECE = 1 << 16
_OFFSET = struct.Struct("<L")  # bytes gathered before they are handed on to the file


@dataclass(frozen=True)
class TotalPlan:
    """What the district total sheet's frame is made from: the tables' layout and which inputs are formulas
    (a total whose data differs from the sum of its parts is kept as a number, form_layout.total_formula)."""

    layout: FormLayout
    formulas: tuple[bool, ...]

    @classmethod
    def of(cls, total: ReportData) -> TotalPlan:
        layout = stacked_layout(total.spec, TOTAL_SHEET)
        formulas: list[bool] = []
        for table in layout.tables:
            places = {i.key: i.ref for i in table.inputs}
            formulas.extend(total_formula(item, places, total) is not None for item in table.inputs)
        return cls(layout, tuple(formulas))


@dataclass
class Frame:
    """A workbook frame: its members in order, each as the frame holds it compressed (a PackedMember, copied
    into every workbook as it is) or, for those written anew each run (the sheets that take rows or values,
    docProps/core.xml with its time), as its content; where the rows and values go, and the styles the rows
    use. `total_pieces`: the total sheet as literal bytes and holes (ref, style, the total's cell, or None for
    the line under the tables)."""

    members: list[tuple[str, PackedMember | bytes]]
    styles: SummaryStyles
    summary_member: str
    problems_member: str
    total_member: str | None
    total_pieces: list[bytes | tuple[str, str | None, CellKey | None]]

    @property
    def contents(self) -> dict[str, bytes]:
        return {name: member for name, member in self.members if isinstance(member, bytes)}


class UnusableFrame(ValueError):
    """A frame that cannot be used: `member` is the zip member at fault ("" for the frame's description)."""

    def __init__(self, member: str = "") -> None:
        super().__init__(member)
        self.member = member


def _package_mark(package: str) -> str:
    """Which installed `package` (openpyxl, lxml) would make the frame: its package folder's and module's size
    and modification time, found without importing it (importlib.metadata alone costs more than a kept
    frame saves; template_cache marks docxtpl, python-docx and lxml the same way)."""
    from importlib.util import find_spec

    try:
        spec = find_spec(package)
        origin = spec.origin if spec is not None else None
        if origin is None:
            return f"{package}:?"
        marks = []
        for path in (origin, os.path.dirname(origin)):
            stat = os.stat(path)
            marks.append(f"{path}:{stat.st_size}:{stat.st_mtime_ns}")
        return "|".join(marks)
    except (ImportError, OSError, ValueError):
        return f"{package}:?"


# The code that makes a frame: this module, the rows' and layout's, form_writer's (which lays out the total
# sheet and tidies styles.xml with lxml) and zippack's (which packs the tidied styles.xml).
_FRAME_CODE = ("summary_xlsx.py", "summary.py", "form_writer.py", "form_layout.py", "zippack.py")


def frame_key(columns: int, plan: TotalPlan | None) -> str:
    """The cache key of a frame: the code, openpyxl and lxml that make it, the summary's width and the total
    sheet's plan (its repr holds every label, place and formula choice of the tables)."""
    here = os.path.dirname(os.path.abspath(__file__))
    code = code_mark(*(os.path.join(here, name) for name in _FRAME_CODE))
    parts = [_MAGIC.decode(), code, _package_mark("openpyxl"), _package_mark("lxml"), str(columns), repr(plan)]
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


def _frame_path(key: str) -> Path | None:
    folder = cache_dir()
    return None if folder is None else folder / f"summary-frame-{key[:40]}.bin"


# The frames kept: those of the districts (templates, widths) in use, and of the code and libraries installed
# now; a frame of code since changed is never asked for again. A run writing a new frame removes the older
# ones beyond these, and temporary files of write_quietly left by a run killed while writing one.
KEEP_FRAMES = 8
_FRAME_FILE = re.compile(r"summary-frame-[0-9a-f]{40}\.bin")
_FRAME_TEMPORARY = re.compile(r"\.summary-frame-[0-9a-f]{40}\.bin\.[a-z0-9_]+\.tmp")


def prune_frames(kept: Path) -> list[str]:
    """Remove the frames of the cache folder of `kept` (just written) beyond the KEEP_FRAMES newest, `kept`
    always among those left, and stale temporary frame files; the names removed (disk_cache.prune_entries)."""
    return prune_entries(kept, _FRAME_FILE, _FRAME_TEMPORARY, KEEP_FRAMES)


# --- making a frame (openpyxl) ------------------------------------------------------------------------------


def build_frame(columns: int, total: ReportData | None, plan: TotalPlan | None) -> tuple[dict[str, Any], bytes]:
    """Make a frame with openpyxl: its description and the saved workbook (fonts in schema order)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill

    from .form_layout import get_column_letter
    from .form_writer import workbook_bytes

    book = Workbook(write_only=True)
    sheet = book.create_sheet(SUMMARY_SHEET)
    problems = book.create_sheet(PROBLEMS_SHEET)
    for index, width in enumerate(summary_widths(columns), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "B2"
    for index, width in enumerate(PROBLEM_WIDTHS, start=1):
        problems.column_dimensions[get_column_letter(index)].width = width
    problems.freeze_panes = "A2"

    def style_id(**style: Any) -> str:
        cell = WriteOnlyCell(sheet)
        for name, setting in style.items():
            setattr(cell, name, setting)
        return str(cell.style_id)  # registers the style in the book, which writes it to styles.xml

    bold = Font(bold=True)
    styles = SummaryStyles(header=style_id(font=bold, alignment=Alignment(horizontal="center")),
                           bold=style_id(font=bold),
                           failed=style_id(fill=PatternFill("solid", fgColor="FFE0E0")),
                           skipped=style_id(fill=PatternFill("solid", fgColor="FFF4CC")))
    holes: list[CellKey | None] = []
    total_sheet = None
    if total is not None and plan is not None:
        total_sheet = _add_total_sheet(book, total, plan, holes)
    saved = workbook_bytes(book)  # the sheets' members are named when the book is saved
    meta = {"styles": list(styles), "summary": _member(sheet), "problems": _member(problems),
            "total": _member(total_sheet) if total_sheet is not None else None,
            "holes": [list(key) if key is not None else None for key in holes]}
    return meta, saved


def _member(sheet: Any) -> str:
    return str(sheet.path).lstrip("/")


def _add_total_sheet(book: Any, total: ReportData, plan: TotalPlan, holes: list[CellKey | None]) -> Any:
    """The district total sheet (tables 二, 三, 四 in the official shape) as the book's second sheet, each
    value (an input that is not a formula, and the line under the tables) a numbered mark, in `holes`."""
    from openpyxl.worksheet.worksheet import Worksheet

    from .form_writer import streamed_copy, write_table

    sheet = Worksheet(book, TOTAL_SHEET)  # laid out here, then streamed into the book
    formulas = iter(plan.formulas)
    for table in plan.layout.tables:
        write_table(sheet, table, total, editable=False)
        for item in table.inputs:
            if not next(formulas):
                sheet.cell(item.row, item.column).value = f"{_MARK_OPEN}{len(holes)}{_MARK_CLOSE}"
                holes.append(item.key)
    last = plan.layout.tables[-1].last_row + 2
    sheet.cell(last, 1, f"{_MARK_OPEN}{len(holes)}{_MARK_CLOSE}")
    holes.append(None)
    streamed_copy(book, sheet, 1)
    return book.worksheets[1]


# --- reading a frame ----------------------------------------------------------------------------------------


def parse_frame(meta: dict[str, Any], saved: bytes) -> Frame:
    """A frame from its description and saved workbook, every place checked; UnusableFrame (or a zip error)
    when it is not a usable frame."""
    import io

    styles = SummaryStyles(*(str(s) for s in meta["styles"]))
    if not all(s.isdigit() for s in styles):
        raise UnusableFrame()
    holes = [tuple(key) if key is not None else None for key in meta["holes"]]
    if not all(key is None or (len(key) == 3 and all(isinstance(k, str) for k in key)) for key in holes):
        raise UnusableFrame()
    names = {"summary": meta["summary"], "problems": meta["problems"], "total": meta["total"]}
    anew = {names["summary"], names["problems"], names["total"], _CORE}
    members: list[tuple[str, PackedMember | bytes]] = []
    with zipfile.ZipFile(io.BytesIO(saved)) as archive:
        for item in archive.infolist():
            if item.filename in anew:
                members.append((item.filename, archive.read(item)))  # its CRC checked
            else:
                members.append((item.filename, _packed_as_is(saved, item)))
    contents = {name: member for name, member in members if isinstance(member, bytes)}
    for role in ("summary", "problems"):
        content = contents.get(names[role])
        if content is None or len(_EMPTY_SHEET_DATA.findall(content)) != 1:
            raise UnusableFrame(str(names[role]))
    pieces: list[bytes | tuple[str, str | None, CellKey | None]] = []
    if names["total"] is not None:
        content = contents.get(names["total"])
        if content is None:
            raise UnusableFrame(str(names["total"]))
        start = 0
        for number, hole in enumerate(_HOLE.finditer(content)):
            if int(hole.group(3)) != number or number >= len(holes):
                raise UnusableFrame(names["total"])
            pieces.append(content[start : hole.start()])
            style = hole.group(2)
            pieces.append((hole.group(1).decode(), style.decode() if style else None, holes[number]))  # type: ignore[arg-type]
            start = hole.end()
        if len(pieces) != 2 * len(holes) or b"&#57344;" in content[start:] or b"\xee\x80\x80" in content[start:]:
            raise UnusableFrame(names["total"])
        pieces.append(content[start:])
    elif holes:
        raise UnusableFrame()
    return Frame(members, styles, names["summary"], names["problems"], names["total"], pieces)


_LOCAL_HEADER = struct.Struct("<4s22x2H")  # signature, then the name and extra field lengths


def _packed_as_is(saved: bytes, item: zipfile.ZipInfo) -> PackedMember:
    """A member of the saved frame as it is compressed (not inflated and deflated again each run), with the
    header zipfile gives a member it writes (zippack): a member stored otherwise makes the frame unusable."""
    if item.compress_type != zipfile.ZIP_DEFLATED or item.flag_bits & ~0x800 or item.extra:
        raise UnusableFrame(item.filename)
    signature, name_length, extra_length = _LOCAL_HEADER.unpack_from(saved, item.header_offset)
    begin = item.header_offset + _LOCAL_HEADER.size + name_length + extra_length
    deflated = saved[begin : begin + item.compress_size]
    if signature != b"PK\003\004" or len(deflated) != item.compress_size:
        raise UnusableFrame(item.filename)
    return PackedMember(item.filename, item.CRC, item.file_size, deflated)


def _pack(meta: dict[str, Any], saved: bytes) -> bytes:
    head = json.dumps(meta, ensure_ascii=False).encode("utf-8")
    payload = _LENGTH.pack(len(head)) + head + saved
    return _MAGIC + hashlib.sha256(payload).digest() + payload


def _unpack(entry: bytes) -> tuple[dict[str, Any], bytes]:
    if not entry.startswith(_MAGIC):
        raise ValueError("magic")
    digest, payload = entry[len(_MAGIC) : len(_MAGIC) + _DIGEST], entry[len(_MAGIC) + _DIGEST :]
    if hashlib.sha256(payload).digest() != digest:
        raise ValueError("digest")
    (length,) = _LENGTH.unpack_from(payload)
    meta = json.loads(payload[_LENGTH.size : _LENGTH.size + length].decode("utf-8"))
    if not isinstance(meta, dict):
        raise ValueError("meta")
    return meta, payload[_LENGTH.size + length :]


def load_frame(columns: int, total: ReportData | None) -> Frame:
    """The frame for a summary of `columns` columns (with the district total sheet of `total`): from the
    cache when a sound entry is there, else made with openpyxl (and kept for next time)."""
    plan = TotalPlan.of(total) if total is not None else None
    path = _frame_path(frame_key(columns, plan))
    entry = read_quietly(path) if path is not None else None
    if entry is not None:
        try:
            frame = parse_frame(*_unpack(entry))
            with contextlib.suppress(OSError):  # used now: among the newest that prune_frames keeps
                os.utime(path)  # type: ignore[arg-type]  # entry is None without a path
            return frame
        except (ValueError, KeyError, TypeError, IndexError, struct.error, zipfile.BadZipFile, EOFError,
                zipfile.LargeZipFile, NotImplementedError, RuntimeError, OSError, zlib.error):
            pass  # damaged or foreign: made again below
    try:
        meta, saved = build_frame(columns, total, plan)
    except OSError as exc:  # openpyxl's write-only sheets wait in temporary files
        raise _temp_trouble(exc) from None
    try:
        frame = parse_frame(meta, saved)
    except (ValueError, KeyError, zipfile.BadZipFile) as exc:  # an openpyxl that writes its sheets otherwise
        member = exc.member if isinstance(exc, UnusableFrame) else ""
        where = f"中的 {member} " if member else ""
        raise FileTrouble(f"openpyxl 生成的汇总表骨架{where}不是 nianbao 预期的格式，汇总表没有写成；报告已生成。"
                          "请安装 nianbao 要求的 openpyxl 版本（重新运行 pip install nianbao），"
                          "或把这条信息反馈给维护者") from None
    if path is not None:
        write_quietly(path, _pack(meta, saved))
        prune_frames(path)
    return frame


# --- writing the workbook -----------------------------------------------------------------------------------


def _stamped(core: bytes) -> bytes:
    """docProps/core.xml with the time of this run as its created and modified times (as openpyxl sets them)."""
    import datetime

    now = datetime.datetime.now(tz=datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    return _STAMPS.sub(lambda m: m.group(1) + now + m.group(3), core)


class _Deflated:
    """A member deflated as its pieces come (zipfile's level, so the same bytes as zipfile writes), kept in a
    SpooledTemporaryFile (in memory up to SPILL_AT bytes, then an anonymous temporary file, removed by the
    system whatever happens to the run) until its CRC and sizes are known and its header can be written
    before it, as zipfile writes a member into a file it can seek in."""

    # A district of a few hundred offices stays in memory; a longer sheet goes to the file (issue 14: memory
    # flat in the number of offices; 1 MB each was ~0.7 MB more at 5,000 offices than at 200).
    SPILL_AT = 1 << 16

    def __init__(self) -> None:
        import tempfile

        self.file = tempfile.SpooledTemporaryFile(max_size=self.SPILL_AT)
        self._compressor = zlib.compressobj(COMPRESS_LEVEL, zlib.DEFLATED, -15)
        self.crc = self.size = self.compress_size = 0
        self._rows: list[str] = []

    def add_row(self, row: str) -> None:
        """One row of SpreadsheetML, deflated with the next 63 (one call of zlib for 64 rows, not 64)."""
        self._rows.append(row)
        if len(self._rows) >= 64:
            self._write_rows()

    def _write_rows(self) -> None:
        if self._rows:
            self.write("".join(self._rows).encode("utf-8"))
            self._rows = []

    def write(self, data: bytes) -> None:
        self.crc = zlib.crc32(data, self.crc)
        self.size += len(data)
        deflated = self._compressor.compress(data)
        if deflated:
            self.file.write(deflated)

    def finish(self, tail: bytes) -> None:
        self._write_rows()
        self.write(tail)
        self.file.write(self._compressor.flush())
        self.compress_size = self.file.tell()

    def pieces(self) -> Iterator[bytes]:
        self.file.seek(0)
        while piece := self.file.read(_PIECE):
            yield piece

    def close(self) -> None:
        with contextlib.suppress(OSError):  # its data are no longer wanted: a full disk met here is no news
            self.file.close()


def _temp_trouble(exc: OSError) -> FileTrouble:
    import tempfile

    return FileTrouble(f"汇总表无法写入临时文件夹 {tempfile.gettempdir()}：{os_error_text(exc)}；也可以用环境变量 "
                       "TMPDIR 指定另一个临时文件夹（报告已生成，原有的汇总表没有改动；改正后再运行一次）")


def workbook_chunks(frame: Frame, book: SummaryBook, total: ReportData | None = None,
                    included: Sequence[str] = ()) -> Generator[bytes, None, None]:
    """The workbook's bytes in pieces: the frame's members with the rows and the total's values in, laid out
    as zipfile lays them out in a file it can seek in (each member's CRC and sizes in its header, before its
    data): the unchanging members are copied as the frame holds them, compressed.

    The outcomes are read once: the rows of sheets 汇总 and 问题清单 are made in one pass, each deflated into
    its own spill (_Deflated) until its member's turn comes. Nothing is handed on before every row is made,
    so a row that cannot be written leaves nothing written. A temporary folder that cannot take the spill
    is said as such (FileTrouble), not as trouble with the workbook's own folder."""
    assert frame.total_member is None or total is not None
    spills: dict[str, _Deflated] = {}
    try:
        try:
            summary_sheet = spills[frame.summary_member] = _Deflated()
            problems_sheet = spills[frame.problems_member] = _Deflated()
            summary_head, summary_tail = _around_rows(frame.contents[frame.summary_member])
            problems_head, problems_tail = _around_rows(frame.contents[frame.problems_member])
            summary_sheet.write(summary_head)
            problems_sheet.write(problems_head)
            for row in book.summary_rows(problems_sheet.add_row):
                summary_sheet.add_row(row)
            summary_sheet.finish(summary_tail)
            problems_sheet.finish(problems_tail)
            offset = 0
            central: list[bytes] = []
            for name, member in frame.members:
                spill = spills.get(name)
                if spill is not None:
                    header, record, filename = member_headers(name, spill.crc, spill.size, spill.compress_size)
                    yield header
                    yield from spill.pieces()
                    size = spill.compress_size
                else:
                    if not isinstance(member, PackedMember):  # written anew each run
                        content = _stamped(member) if name == _CORE else b"".join(_total_sheet(frame, total, included))
                        member = pack_member(name, content)
                    header, record, filename = member.header, member.record, member.filename
                    yield header + member.deflated
                    size = len(member.deflated)
                central += [record, _OFFSET.pack(offset), filename]
                offset += len(header) + size
            directory = b"".join(central)
            yield directory + end_record(len(frame.members), len(directory), offset)
        except OSError as exc:  # only the spills meet the file system here
            raise _temp_trouble(exc) from None
    finally:
        for spill in spills.values():
            spill.close()


def _around_rows(content: bytes) -> tuple[bytes, bytes]:
    """A sheet of the frame cut where its rows (SpreadsheetML) go."""
    empty = _EMPTY_SHEET_DATA.search(content)
    assert empty is not None  # parse_frame checked it
    return content[: empty.start()] + b"<sheetData>", b"</sheetData>" + content[empty.end() :]


def _total_sheet(frame: Frame, total: ReportData | None, included: Sequence[str]) -> Iterator[bytes]:
    """The district total sheet: its values written as openpyxl writes them (ASCII, other characters as
    character references), like the rest of the sheet."""
    assert total is not None
    note = f"以上为 {len(included)} 个机关（{'、'.join(included)}）的数据之和，有错误的机关不计入。"
    for piece in frame.total_pieces:
        if isinstance(piece, bytes):
            yield piece
        else:
            ref, style, key = piece
            value = note if key is None else total.value(*key)
            yield _cell_xml(ref, value, style).encode("ascii", "xmlcharrefreplace")


def write_summary_workbook(path: Path, outcomes: Sequence[OfficeOutcome], tally: Tally | None = None,
                           total: ReportData | None = None, included: Sequence[str] = ()) -> None:
    """Write 年报汇总.xlsx atomically: sheets 汇总 and 问题清单 of `outcomes`, and with `total` the district
    total sheet (the sums of the offices `included`)."""
    tally = tally if tally is not None else Tally(outcomes)
    frame = load_frame(len(tally.header) + 3, total)
    book = SummaryBook(outcomes, frame.styles, tally)
    # Closed here whatever happens (its spills with it), not later by the garbage collector.
    with contextlib.closing(workbook_chunks(frame, book, total, included)) as chunks:
        write_atomic(path, chunks)

