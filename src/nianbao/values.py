"""The smallest values of a report, shared by every reader and writer: numbers, text cleaning, labels.

A number cell holds a count (件, a non-negative integer) or an amount (万元, a non-negative decimal), as the
official format (国办公开办函〔2021〕30号) prints them; every cell holds a number, zeros included.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

from .problems import Location, Problem, error

Number = int | Decimal

# C0 controls except tab and newline, DEL, C1 controls, and non-characters: invalid or invisible in Word
# XML. NEL (U+0085) is a line break to YAML and to Unicode, so `clean_text` turns it into one first
# instead of dropping it (which would glue two lines together).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
_LINE_BREAKS = re.compile("\r\n|\r|\x85|\u2028|\u2029")
_CHINESE_DIGITS = "零〇一二两三四五六七八九十百千万"
_SUBHEAD = re.compile(r"^\s*[(（]\s*([一二三四五六七八九十]+)\s*[)）]\s*")


def clean_text(text: str) -> str:
    """Text as typed, with every line break as "\\n" and without control characters pasted from Word."""
    return _CONTROL.sub("", _LINE_BREAKS.sub("\n", text))


def format_number(value: Number) -> str:
    """Counts as plain integers; amounts as typed (0.092 stays 0.092, never 9.2E-2)."""
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def read_number(text: str, kind: str) -> Number:
    """The value of a text that `number_problem` accepted."""
    text = text.strip()
    return int(text) if kind == "count" else Decimal(text)


def number_problem(text: str, where: Location, subject: str, kind: str) -> Problem | None:
    """None when `text` is a valid number of `kind` ("count" or "amount"); otherwise the problem, with a
    fix suggestion. `subject` names the cell by its official labels."""
    text = text.strip()
    if not text:
        return error(where, f"{subject}是空的", "没有数据请填 0（表格中不能有空格）")
    unit = "万元" if kind == "amount" else "件"
    pattern = r"[0-9]+(\.[0-9]+)?" if kind == "amount" else r"[0-9]+"
    if re.fullmatch(pattern, text):
        return None
    ascii_text = unicodedata.normalize("NFKC", text)
    if ascii_text != text and re.fullmatch(pattern, ascii_text):
        return error(where, f"{subject}“{text}”用了全角数字", f"改为半角数字 {ascii_text}")
    if re.fullmatch(r"[-−－]\s*[0-9]+(\.[0-9]+)?", ascii_text):
        return error(where, f"{subject}是负数“{text}”", "数量和金额不能为负数，请核对")
    if kind == "count" and re.fullmatch(r"[0-9]+\.[0-9]+", ascii_text):
        return error(where, f"{subject}“{text}”不是整数", "件数必须是整数")
    if re.fullmatch(r"[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?", ascii_text):
        return error(where, f"{subject}“{text}”含千分位逗号", f"去掉逗号，写作 {ascii_text.replace(',', '')}")
    digits = re.match(r"[0-9]+(\.[0-9]+)?", ascii_text)
    if digits:
        return error(where, f"{subject}“{text}”不是纯数字", f"只填数字，不要带单位或文字：改为 {digits.group(0)}"
                     + (f"（单位为{unit}）" if kind == "amount" else ""))
    if all(c in _CHINESE_DIGITS for c in text):
        number = chinese_number(text)
        fix = f"改为 {number}" if number is not None else "用阿拉伯数字填写"
        return error(where, f"{subject}“{text}”是汉字数字", fix)
    if text in ("无", "没有", "/", "—", "-", "－", "——"):
        return error(where, f"{subject}写的是“{text}”", "没有数据请填 0（表格中不能写“无”、“/”或“—”）")
    return error(where, f"{subject}“{text}”不是数字", "填写阿拉伯数字，如 0、12")


def chinese_number(text: str) -> int | None:
    """Read a simple Chinese numeral (up to 万), e.g. 十二 → 12, 一百零五 → 105; None if not one."""
    digits = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
              "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
    units = {"十": 10, "百": 100, "千": 1000, "万": 10000}
    total, section, number = 0, 0, 0
    for char in text:
        if char in digits:
            number = digits[char]
        elif char in units:
            unit = units[char]
            if unit == 10000:
                total += (section + number) * unit
                section = 0
            else:
                section += (number or 1) * unit
            number = 0
        else:
            return None
    return total + section + number


def full_width_enumeration(title: str) -> str:
    """`(一) 主动公开` → `（一）主动公开`: sub-heads print with the official full-width parentheses."""
    match = _SUBHEAD.match(title)
    if match:
        return f"（{match.group(1)}）" + title[match.end() :].strip()
    return title


def shorten(text: str, limit: int = 30) -> str:
    """A long paragraph cut for a message: its first `limit` characters and "…"."""
    return text if len(text) <= limit else text[:limit] + "…"
