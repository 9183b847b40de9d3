"""Stripping office names from a paragraph: the set lookup used for large districts gives exactly what
replacing every name in turn (longest first) gives."""

from __future__ import annotations

import random

from nianbao.same_text import _fold, _Names


def _replace_each(names: _Names, text: str) -> str:
    for name in names.order:
        text = text.replace(name, "")
    return text


def test_many_names_are_stripped_as_replacing_each_in_turn_would() -> None:
    rng = random.Random(14)
    alphabet = "合成街道镇龙马潭区安宁红星一二"
    names = _Names({"".join(rng.choice(alphabet) for _ in range(rng.randint(2, 6))) for _ in range(400)}
                   | {f"合成{n:05d}街道" for n in range(3000)})
    assert len(names.order) > len(names.lengths) * 60  # texts below are at most 120 characters: the lookup path
    stripped = 0
    for _ in range(300):
        pieces = [rng.choice(names.order) if rng.random() < 0.3 else rng.choice(alphabet) for _ in range(40)]
        text = _fold("".join(pieces))[:120]
        expected = _replace_each(names, text)
        assert names.strip(text) == expected
        stripped += expected != text
    assert stripped > 100  # names were really found and removed


def test_a_name_formed_by_removing_a_longer_one_is_removed_too() -> None:
    names = _Names(["龙马潭区红星街道", "安宁"] + [f"合成{n:05d}街道" for n in range(2000)])
    text = "安龙马潭区红星街道宁开展工作"
    assert names.strip(text) == _replace_each(names, text) == "开展工作"


def test_names_formed_again_and_again_at_the_joins_are_stripped_in_order() -> None:
    """A tiny alphabet: taking a name out keeps forming others across the place it was, of every rank."""
    rng = random.Random(19)
    alphabet = "甲乙丙"
    for _ in range(200):
        names = _Names({"".join(rng.choice(alphabet) for _ in range(rng.randint(2, 4))) for _ in range(40)}
                       | {f"合成{n:05d}街道" for n in range(200)})
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(5, 30)))
        assert len(names.order) > len(names.lengths) * len(text) // 2  # the lookup path
        assert names.strip(text) == _replace_each(names, text)


def test_a_text_naming_no_office_is_returned_as_it_is() -> None:
    names = _Names([f"合成{n:05d}街道" for n in range(2000)] + ["龙马潭区"])
    assert names.shortest == 4
    text = "本年度认真贯彻落实政府信息公开条例合成街道"  # pieces of names, but no name's beginning
    assert names.name_starts(text) == []
    assert names.strip(text) is text
    named = "龙马潭区合成00042街道认真贯彻落实合成00"
    assert names.name_starts(named) == [0, 4, 19]  # 合成00 begins names, though no name follows it
    assert names.strip(named) == _replace_each(names, named) == "认真贯彻落实合成00"


def test_no_names_strip_nothing() -> None:
    names = _Names(["", ""])
    assert names.name_starts("任何文字") == [] and names.strip("任何文字") == "任何文字"


def test_the_names_of_a_district_are_prepared_once_for_every_office() -> None:
    from nianbao.same_text import SameTextFinder, SameTextSettings

    district = {f"合成{n:05d}街道" for n in range(300)}
    finder = SameTextFinder(SameTextSettings(), district)
    first = finder.folded_names()
    assert finder.folded_names(["合成00007街道"]) is first  # against_last_year asks once per office
    other = finder.folded_names(["上年的旧名称"])
    assert other is not first and "上年的旧名称" in other.order and finder.folded_names() is not other
