"""values.clean_text keeps a text without any character it would change after one search (nearly every
text), and changes any other exactly as its two substitutions do."""

from __future__ import annotations

import random

from nianbao import values


def _by_substitutions(text: str) -> str:
    return values._CONTROL.sub("", values._LINE_BREAKS.sub("\n", text))


def test_clean_text_is_its_two_substitutions() -> None:
    special = [chr(c) for c in range(0x00, 0xA0)] + ["\u2028", "\u2029", "\ufffe", "\uffff", "\ufeff", "\u3000"]
    rng = random.Random(20)
    pool = special + ["年", "报", "a", " ", "\n", "\r\n"] * 10
    texts = ["", "政府信息公开", "a\tb\nc"] + ["".join(rng.choice(pool) for _ in range(rng.randint(0, 10)))
                                              for _ in range(5000)]
    texts += [f"x{c}y" for c in special]
    for text in texts:
        assert values.clean_text(text) == _by_substitutions(text), repr(text)


def test_a_clean_text_is_kept_after_one_search(monkeypatch) -> None:
    class _Refuse:
        def sub(self, *args: object) -> str:
            raise AssertionError("substituted a clean text")

    monkeypatch.setattr(values, "_CONTROL", _Refuse())
    monkeypatch.setattr(values, "_LINE_BREAKS", _Refuse())
    text = "2024年，主动公开政府信息404条。\n\t（一）\u3000规章"
    assert values.clean_text(text) is text
