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


# Every character _CONTROL or _LINE_BREAKS changes: a text without one (nearly every text) is kept as it is
# after one search.
_CHANGED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufffe\uffff]")


def clean_text(text: str) -> str:
    """Text as typed, with every line break as "\\n" and without control characters pasted from Word."""
    if _CHANGED.search(text) is None:
        return text
    return _CONTROL.sub("", _LINE_BREAKS.sub("\n", text))


def format_number(value: Number) -> str:
    """Counts as plain integers; amounts as typed (0.092 stays 0.092, never 9.2E-2)."""
    # render.build_context prints a whole count with str() itself (speed): keep the two in step.
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


# Sane bounds of a cell, far above the largest real reports (a prefecture-level city such as 淮安市 2024:
# 3119 applications; the largest fee seen, 9116.36 万元; a province's 行政处罚 decisions run to millions)
# and far below a typing slip such as a pasted 30-digit number.
MAX_COUNT = 1_000_000_000  # 10 亿件
MAX_AMOUNT = Decimal(100_000_000)  # 1 亿万元 = 1 万亿元
_QUOTES = "\"'“”‘’「」"

# A plain count: what a cell is nearly always written as, a whole number read with int() as it is —
# 1 to 9 ASCII digits, nothing else (no sign, space, comma or full-width digit), so always below MAX_COUNT
# and always accepted by number_problem. The one definition of it: `is_plain_count` for one text,
# PLAIN_COUNT inside a larger pattern (source reads a `[1, 2, 3]` row of them without nodes).
PLAIN_COUNT = "[0-9]{1,9}"


def is_plain_count(text: str) -> bool:
    """Whether `text` is a plain count (see PLAIN_COUNT): int(text) is then its value."""
    return 0 < len(text) <= 9 and text.isascii() and text.isdigit()


def read_number(text: str, kind: str) -> Number:
    """The value of a text that `number_problem` accepted."""
    text = text.strip()
    return int(text) if kind == "count" else Decimal(text)


def certain_number(text: str, kind: str) -> Number | None:
    """The number a cell surely means although it was written wrongly — full-width digits, quotes, the
    column's unit (件, 万元) after it, thousands commas — or None when that is not certain (1e3, 1_000,
    1 000, 0x10, 十二 …)."""
    value = unicodedata.normalize("NFKC", text).strip().strip(_QUOTES).strip()
    unit = "万元" if kind == "amount" else "件"
    if value.endswith(unit):
        value = value[: -len(unit)].strip()
    if re.fullmatch(r"[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?", value):
        value = value.replace(",", "")
    pattern = r"[0-9]+(\.[0-9]+)?" if kind == "amount" else r"[0-9]+"
    if not re.fullmatch(pattern, value):
        return None
    number = read_number(value, kind)
    return number if number <= (MAX_AMOUNT if kind == "amount" else MAX_COUNT) else None


def _shown(text: str) -> str:
    """The text in quotes for a message, quoted once: a typed “5” stays “5”."""
    return text if len(text) >= 2 and text[0] in _QUOTES and text[-1] in _QUOTES else f"“{text}”"


def _beyond_bound(value: Number, text: str, where: Location, subject: str, kind: str) -> Problem | None:
    """The problem when `value`, read from `text`, is past the reasonable bound of its kind; else None."""
    bound = MAX_AMOUNT if kind == "amount" else MAX_COUNT
    if value <= bound:
        return None
    unit = "万元" if kind == "amount" else "件"
    limit = "1 亿万元（1 万亿元）" if kind == "amount" else "10 亿件"
    return error(where, f"{subject}“{shorten(text)}”超出合理范围（上限 {limit}）",
                 f"请核对这个数（单位为{unit}）：是否多打了数字或粘贴错了")


def number_problem(text: str, where: Location, subject: str, kind: str) -> Problem | None:
    """None when `text` is a valid number of `kind` ("count" or "amount"); otherwise the problem, with a
    fix suggestion that offers a value only when `certain_number` is sure of it. `subject` names the cell
    by its official labels."""
    return read_cell(text, where, subject, kind)[1]


def read_cell(text: str, where: Location, subject: str, kind: str) -> tuple[Number | None, Problem | None]:
    """A number cell's text read once for both answers: (its value, None) when `number_problem` accepts it;
    else (the number it surely means by `certain_number`, or None, and the problem), the number being what
    the balance rules may still use so that every other mistake shows in the same round."""
    text = text.strip()
    if not text:
        return None, error(where, f"{subject}是空的", "没有数据请填 0（表格中不能有空格）")
    unit = "万元" if kind == "amount" else "件"
    pattern = r"[0-9]+(\.[0-9]+)?" if kind == "amount" else r"[0-9]+"
    if re.fullmatch(pattern, text):
        value = read_number(text, kind)  # read once: for the bound and as the value
        beyond = _beyond_bound(value, text, where, subject, kind)
        return (None, beyond) if beyond is not None else (value, None)
    shown = _shown(shorten(text))
    certain = certain_number(text, kind)
    ascii_text = unicodedata.normalize("NFKC", text)
    if ascii_text != text and re.fullmatch(pattern, ascii_text):
        return certain, _beyond_bound(read_number(ascii_text, kind), ascii_text, where, subject, kind) or error(
            where, f"{subject}{shown}用了全角数字", f"改为半角数字 {ascii_text}")
    if re.fullmatch(r"[-−－]\s*[0-9]+(\.[0-9]+)?", ascii_text):
        return certain, error(where, f"{subject}是负数{shown}", "数量和金额不能为负数，请核对")
    if kind == "count" and re.fullmatch(r"[0-9]+\.[0-9]+", ascii_text):
        return certain, error(where, f"{subject}{shown}不是整数", "件数必须是整数")
    if re.fullmatch(r"[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?", ascii_text):
        return certain, error(where, f"{subject}{shown}含千分位逗号", f"去掉逗号，写作 {ascii_text.replace(',', '')}")
    if re.match(r"[0-9]", ascii_text):
        if certain is not None:
            return certain, error(where, f"{subject}{shown}不是纯数字",
                                  f"只填数字，不要带单位或文字：改为 {format_number(certain)}"
                                  + (f"（单位为{unit}）" if kind == "amount" else ""))
        return None, error(where, f"{subject}{shown}不是纯数字",
                           "只填阿拉伯数字，如 0、12、305：不要带单位或文字，不要用科学记数法、下划线、空格或十六进制")
    if all(c in _CHINESE_DIGITS for c in text):
        number = chinese_number(text)
        fix = f"改为 {number}" if number is not None else "用阿拉伯数字填写"
        return certain, error(where, f"{subject}{shown}是汉字数字", fix)
    if text in ("无", "没有", "/", "—", "-", "－", "——"):
        return certain, error(where, f"{subject}写的是{shown}", "没有数据请填 0（表格中不能写“无”、“/”或“—”）")
    if certain is not None:
        return certain, error(where, f"{subject}{shown}带了引号", f"去掉引号，写作 {format_number(certain)}")
    return None, error(where, f"{subject}{shown}不是数字", "填写阿拉伯数字，如 0、12")


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
