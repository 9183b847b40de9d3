"""The one definition of a plain count (values.PLAIN_COUNT / is_plain_count), shared by the quick reader
(source._COUNTS) and the loader's fast paths: its edge cases, and that every reader agrees on them."""

from __future__ import annotations

import re

import pytest

from nianbao import source
from nianbao.problems import Location
from nianbao.values import MAX_COUNT, PLAIN_COUNT, is_plain_count, number_problem

PLAIN = ["0", "7", "00", "012", "999999999", "123456789"]
NOT_PLAIN = [
    "", " ", " 1", "1 ", "-1", "+1", "1.0", "1,000", "1e3", "1_000", "0x10",
    "１２", "٢", "²", "1234567890", "9999999999", "十二", "12件", "1\n", "\t1",
]


@pytest.mark.parametrize("text", PLAIN)
def test_plain_counts_are_read_with_int(text: str) -> None:
    assert is_plain_count(text)
    assert re.fullmatch(PLAIN_COUNT, text)
    assert int(text) < MAX_COUNT
    assert number_problem(text, Location("x"), "表", "count") is None


@pytest.mark.parametrize("text", NOT_PLAIN)
def test_anything_else_is_not_a_plain_count(text: str) -> None:
    assert not is_plain_count(text)
    assert re.fullmatch(PLAIN_COUNT, text) is None


@pytest.mark.parametrize("text", [t for t in PLAIN + NOT_PLAIN if not set(t) & set(",\n\t")])
def test_the_quick_readers_row_pattern_uses_the_same_rule(text: str) -> None:
    item = text.strip(" ")  # the quick reader allows spaces around each item of a row
    assert (source._COUNTS.fullmatch(text) is not None) == is_plain_count(item)
    assert (source._COUNTS.fullmatch(f"1, {text} ,2") is not None) == is_plain_count(item)
