"""The same-text groups and warnings as plain objects held in memory: the reference model the running code
(review._repeats, review._Warnings, which keep only numbers of records in a temporary file) is tested
against. Test-only: nianbao itself never holds a district's paragraphs at once."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from nianbao.problems import Problem
from nianbao.same_text import (
    LIMIT,
    Repeat,
    TextPlace,
    across_message,
    across_warning,
    last_year_warning,
    link_pairs,
    others_named,
)


@dataclass
class RepeatGroup:
    """Paragraphs that are the same text: several offices' this year (linked by pairs of repeats), or one
    office's paragraph and its last year's. `similarity` is the highest of the pairs that link them."""

    places: list[TextPlace]
    similarity: float
    last_year: bool

    @property
    def percent(self) -> int:
        return round(self.similarity * 100)

    @property
    def offices(self) -> list[str]:
        return list(dict.fromkeys(p.office for p in self.places))


def group_repeats(repeats: Iterable[Repeat]) -> list[RepeatGroup]:
    """One group per set of linked paragraphs, so a paragraph copied by 50 offices is one entry, not 1,225."""
    place_of: dict[int, TextPlace] = {}  # by id(): the finder hands the same TextPlace objects to every pair
    groups: list[RepeatGroup] = []

    def across() -> Iterator[tuple[int, int, float]]:
        for repeat in repeats:
            if repeat.last_year:
                groups.append(RepeatGroup([repeat.place, repeat.other], repeat.similarity, True))
                continue
            place_of[id(repeat.place)], place_of[id(repeat.other)] = repeat.place, repeat.other
            yield id(repeat.place), id(repeat.other), repeat.similarity

    return groups_of(link_pairs(across()), place_of.__getitem__) + groups


def groups_of(linked: Iterable[tuple[Sequence[int], float]], place: Callable[[int], TextPlace]) -> list[RepeatGroup]:
    """`link_pairs`' sets as groups of places (each sorted by office and place), in the order of their first
    place."""
    across = []
    for keys, similarity in linked:
        places = sorted((place(key) for key in keys), key=lambda p: (p.office, p.location))
        across.append(RepeatGroup(places, similarity, False))
    across.sort(key=lambda g: (g.places[0].office, g.places[0].location))
    return across


def repeat_problems(groups: Iterable[RepeatGroup]) -> dict[str, list[Problem]]:
    """Warnings by office: one per paragraph of a group, naming the other places of the group."""
    result: dict[str, list[Problem]] = {}
    # Most places of a large group get the same message (the same part, naming the same first places):
    # one string for all of them, not one per office.
    messages: dict[str, str] = {}
    for group in groups:
        if group.last_year:
            here, there = group.places
            result.setdefault(here.office, []).append(last_year_warning(here, there, group.percent))
            continue
        described = [p.describe() for p in group.places[: LIMIT + 1]]
        for number, here in enumerate(group.places):
            message = across_message(here, others_named(described, number, len(group.places)), group.percent)
            message = messages.setdefault(message, message)
            result.setdefault(here.office, []).append(across_warning(here, message))
    return result
