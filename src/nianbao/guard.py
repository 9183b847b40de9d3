"""Never clobber a person's work: decide whether an existing output may be replaced.

A generated .docx carries its fingerprints in its document properties (see provenance.py). An output is
replaced freely only while its parts are still exactly what nianbao wrote. A file edited and saved in Word
(even saved without changes: Word rewrites every part), or a file without nianbao's properties, is kept
unless the caller forces it.
"""

from __future__ import annotations

import errno
import hashlib
import stat
from collections.abc import Callable, Iterable, Mapping, Sequence
from enum import Enum
from pathlib import Path
from typing import Any

from .errors import FOLDER_AT_OUTPUT, FileTrouble, OutputProtected, os_error_text
from .provenance import (
    CUSTOM_PROPERTIES_PART,
    Provenance,
    content_hash,
    in_package_hash,
    package_hash,
    package_hash_of_digests,
    provenance_in,
)
from .source import display_name, read_bytes
from .wordml import MAX_DOCX_BYTES, read_zip_parts

DOCUMENT = "word/document.xml"
# The stat errors Path.exists() answers False for (pathlib's _IGNORED_ERRNOS): nothing readable stands there.
_NOTHING_THERE = frozenset({errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP})


class OutputState(Enum):
    NEW = "new"  # nothing there yet
    UNCHANGED = "unchanged"  # ours, exactly as generated: may be regenerated
    EDITED = "edited"  # ours, but changed since it was generated
    FOREIGN = "foreign"  # not made by nianbao (or its properties were removed)
    FOLDER = "folder"  # a folder stands where the file goes: nothing can replace it


# A template's members as packed into every report (see render.CompiledTemplate.known_members): name →
# (CRC-32, size, deflated bytes, SHA-256 of the inflated bytes) of each variant.
KnownMembers = Mapping[str, Sequence[tuple[int, int, bytes, bytes]]]
_LOCAL_HEADER = b"PK\x03\x04"


def output_state(
    target: Path, known: Callable[[], KnownMembers] | None = None, inspect: bool = True
) -> OutputState:
    """What is at `target` now, as far as overwriting it is concerned. With `inspect=False` a file standing
    there is not read: it is FOREIGN (nothing vouched for), only NEW and FOLDER are told apart.

    With `known` (called only when the existing file is a report whose package hash is to be checked), a
    part whose compressed bytes (and CRC-32 and size) are exactly those of a member the
    template packs into every report is not inflated and hashed again: the same deflated bytes inflate to
    the same part, whose SHA-256 is known. Any other part is read as always; the verdict is the same."""
    try:
        mode = target.stat().st_mode
    except OSError as exc:
        if exc.errno in _NOTHING_THERE:  # as Path.exists() takes them: the rename replaces a looping link
            return OutputState.NEW
        raise FileTrouble(f"无法写入：{os_error_text(exc)}", display_name(target)) from None
    if stat.S_ISDIR(mode):
        return OutputState.FOLDER
    if not inspect:
        return OutputState.FOREIGN
    import zipfile  # only with an existing output: `check` starts without zipfile

    try:
        # Bounded, and never from a FIFO or a device (a FileTrouble, so FOREIGN: nothing nianbao made).
        data = read_bytes(target, display_name(target), what="Word 文档", limit=MAX_DOCX_BYTES)
        found: list[Provenance | None] = []

        def after_the_properties(custom: bytes) -> Iterable[str] | None | bool:
            # The properties first: a file without them is foreign, and its other parts are never inflated.
            found.append(provenance_in(custom))
            if found[0] is None:
                return False
            if not found[0].package_hash:
                return [DOCUMENT]
            members = known() if known is not None else None  # the template, only when it is of use
            if members:
                lazy.append(_known_parts(data, members, skipped))
            return None

        skipped: dict[str, bytes] = {}
        lazy: list[Callable[[Any], bool]] = []  # the skip, once the properties ask for every part

        def skip(info: Any) -> bool:
            return bool(lazy) and lazy[0](info)

        parts = read_zip_parts(data, first=CUSTOM_PROPERTIES_PART, then=after_the_properties, skip=skip)  # each once
        provenance = found[0]
        if provenance is None:
            return OutputState.FOREIGN
        if provenance.package_hash:
            if skipped:
                digests = {name: hashlib.sha256(part).digest() for name, part in parts.items()
                           if in_package_hash(name)}
                digests.update(skipped)  # a name met twice: the first one, as read_zip_parts keeps it
                same = package_hash_of_digests(digests) == provenance.package_hash
            else:
                same = package_hash(parts) == provenance.package_hash
        elif provenance.content_hash:
            same = content_hash(parts.get(DOCUMENT, b"")) == provenance.content_hash
        else:
            return OutputState.FOREIGN
    except (OSError, zipfile.BadZipFile, KeyError, ValueError, RuntimeError, NotImplementedError,
            SyntaxError, FileTrouble):  # lxml's and expat's XML errors are SyntaxErrors
        # Unreadable, not a zip, encrypted, beyond the reading bounds, or malformed XML: nothing nianbao
        # can vouch for.
        return OutputState.FOREIGN
    return OutputState.UNCHANGED if same else OutputState.EDITED


def _known_parts(data: bytes, known: KnownMembers, skipped: dict[str, bytes]) -> Callable[[Any], bool]:
    """read_zip_parts' `skip`: true for a part whose stored bytes are a known member's (its digest then goes
    into `skipped`); false (read it) for anything else, encrypted or not deflated, or a name met before."""
    view = memoryview(data)

    def skip(info: Any) -> bool:
        variants = known.get(info.filename)
        # Encrypted, patched or strongly encrypted (flag bits 0, 5, 6): read as always (and refused there).
        if not variants or info.filename in skipped or info.compress_type != 8 or info.flag_bits & 0x61:
            return False
        at = info.header_offset
        if view[at : at + 4] != _LOCAL_HEADER:
            return False
        name_length, extra_length = int.from_bytes(view[at + 26 : at + 28], "little"), int.from_bytes(
            view[at + 28 : at + 30], "little")
        # The local header must name the central directory's entry, as zipfile checks on opening a member:
        # else the member is read the usual way, and refused there.
        local_flags = int.from_bytes(view[at + 6 : at + 8], "little")
        try:
            local_name = bytes(view[at + 30 : at + 30 + name_length]).decode(
                "utf-8" if local_flags & 0x800 else "cp437")
        except UnicodeDecodeError:
            return False
        if local_name != info.orig_filename:
            return False
        start = at + 30 + name_length + extra_length
        stored = view[start : start + info.compress_size]
        for crc, size, deflated, digest in variants:
            if info.CRC == crc and info.file_size == size and len(deflated) == len(stored) and stored == deflated:
                skipped[info.filename] = digest
                return True
        return False

    return skip


def ensure_replaceable(
    target: Path, force: bool = False, known: Callable[[], KnownMembers] | None = None
) -> OutputState:
    """Raise `OutputProtected` unless `target` is new, unchanged since generation, or `force` is set; raise
    FileTrouble when a folder stands there (found by write.ensure_writable_name first, but one may appear
    before the rename: it is said as a folder, not as an edited or foreign file). Forced, the file standing
    there is replaced whatever it holds: it is not read (only a folder is looked for), and the state returned
    is FOREIGN for it. `known`: see output_state. Returns the state found."""
    state = output_state(target, known, inspect=not force)
    if state is OutputState.FOLDER:
        raise FileTrouble(FOLDER_AT_OUTPUT, display_name(target))
    if force or state in (OutputState.NEW, OutputState.UNCHANGED):
        return state
    if state is OutputState.EDITED:
        reason = "生成后被修改过（有人用 Word 编辑或保存过）"
    else:
        reason = "不是 nianbao 生成的文件（或其中的生成记录已被删除）"
    raise OutputProtected(f"{target} {reason}，为免丢失修改未覆盖；确认要用新生成的报告替换它，请加 --force", target)


def ensure_absent(target: Path, force: bool = False) -> None:
    """A data file about to be written (import, new) never replaces an existing one unless `force`: it
    may hold a clerk's typing, and it carries no fingerprint to tell."""
    if target.exists() and not force:
        raise OutputProtected(f"{display_name(target)} 已存在，为免覆盖未写入；确认要替换它，请加 --force", target)
