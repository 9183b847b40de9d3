"""Same text (雷同): paragraphs of one office that repeat another office's (this year) or its own last year's.

Evaluators deduct points for reports whose text is the same as another office's or as last year's. Every
report must contain some official wording, so before comparing, each paragraph loses: the phrases listed
under `same_text.boilerplate` in the template's defaults.yaml, the standard statistics sentences (the spans
the `text_numbers` and `text_claims` rules of rules.yaml recognise, e.g. “共收到政府信息公开申请9件”), the
office and district names, and the digits (a copy with the numbers changed is still a copy). What remains is
cut into overlapping character runs; two paragraphs are the same text when the runs of the shorter one are
found in the other at `threshold` or more. Paragraphs with fewer than `min_chars` characters left are not
compared. Rules here are handed their data; they never open a file.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .model import ReportData
from .problems import Location, Problem, warning
from .spec import Spec

RULE_ID = "文字雷同"


@dataclass(frozen=True)
class SameTextSettings:
    threshold: float = 0.7
    min_chars: int = 30
    shingle: int = 4
    skip_parts: tuple[str, ...] = ("开头说明",)
    boilerplate: tuple[str, ...] = ()
    patterns: tuple[re.Pattern[str], ...] = ()


def settings_for(spec: Spec) -> SameTextSettings:
    """The settings of a template: `same_text:` of its defaults.yaml, and its statistics-sentence patterns."""
    given = spec.defaults.get("same_text", {}) or {}
    patterns: list[re.Pattern[str]] = []
    for rule in spec.rules:
        for entry in rule.params.get("patterns", []) + rule.params.get("claims", []):
            if isinstance(entry, dict) and "regex" in entry:
                patterns.append(re.compile(entry["regex"]))
    phrases = sorted((_fold(p) for p in given.get("boilerplate", [])), key=len, reverse=True)
    return SameTextSettings(
        threshold=float(given.get("threshold", 0.7)),
        min_chars=int(given.get("min_chars", 30)),
        shingle=int(given.get("shingle", 4)),
        skip_parts=tuple(given.get("skip_parts", ["开头说明"])),
        boilerplate=tuple(p for p in phrases if p),
        patterns=tuple(patterns),
    )


@dataclass(frozen=True, slots=True)
class TextPlace:
    """One paragraph of one office's report: whose, which part, where it was written, and its text."""

    office: str
    year: str
    part: str
    location: Location
    text: str

    def describe(self) -> str:
        return f"{self.office}{self.year}年「{self.part}」（{self.location}）"


@dataclass(frozen=True)
class Repeat:
    """`place` repeats `other` (another office this year, or the same office last year)."""

    place: TextPlace
    other: TextPlace
    similarity: float
    last_year: bool

    @property
    def percent(self) -> int:
        return round(self.similarity * 100)


def text_places(report: ReportData, settings: SameTextSettings) -> list[TextPlace]:
    """Every paragraph of the report's text parts (sub-head titles and skipped parts left out)."""
    places: list[TextPlace] = []

    def add(label: str, paragraphs: Sequence[object]) -> None:
        many = len(paragraphs) > 1
        for number, paragraph in enumerate(paragraphs, start=1):
            text = getattr(paragraph, "text", "")
            where = getattr(paragraph, "location", Location(report.source))
            # The part's name is the same for every office: held once (sys.intern), not once per office.
            part = sys.intern(f"{label}第{number}段" if many else label)
            places.append(TextPlace(report.office, report.year, part, where, text))

    for part in report.spec.parts:
        if part.key in settings.skip_parts:
            continue
        if part.kind == "paragraphs":
            add(part.key, report.paragraphs.get(part.context, []))
        elif part.kind == "sections":
            for section in part.sections:
                add(f"{part.key}{section.key}", report.paragraphs.get(section.context, []))
        else:
            add(f"{part.key}{part.intro}", report.paragraphs.get(part.context, []))
            for sub in report.subparts.get(part.context, []):
                add(f"{part.key}{sub.title}", sub.paragraphs)
    return places


def _fold(text: str) -> str:
    return re.sub(r"[^\w]|_", "", unicodedata.normalize("NFKC", text))


def fingerprint(text: str, names: Iterable[str], settings: SameTextSettings) -> frozenset[str]:
    """The character runs of a paragraph once the boilerplate, names and digits are taken out (empty when
    too little is left to compare)."""
    return _runs(text, _folded_names(names), settings)


class _Names:
    """The folded names to strip from a paragraph, longest first (as `str.replace` in that order would).

    With thousands of offices, trying every name on every paragraph is quadratic in the district's size;
    instead the paragraph's substrings of each name length are looked up in a set, and only the names
    found are replaced, in the same order and with the same result."""

    def __init__(self, names: Iterable[str]) -> None:
        self.order = tuple(sorted({_fold(n) for n in names if n}, key=len, reverse=True))
        self.rank = {name: index for index, name in enumerate(self.order)}
        self.lengths = sorted({len(n) for n in self.order}, reverse=True)

    def strip(self, text: str) -> str:
        if len(self.order) <= len(self.lengths) * len(text) // 2:  # few names: replacing each is cheaper
            for name in self.order:
                text = text.replace(name, "")
            return text
        last = -1
        while True:
            # The next name, in the longest-first order, that is in the text as it now is.
            found = [self.rank[piece] for size in self.lengths for i in range(len(text) - size + 1)
                     if (piece := text[i : i + size]) in self.rank and self.rank[piece] > last]
            if not found:
                return text
            last = min(found)
            text = text.replace(self.order[last], "")


def _folded_names(names: Iterable[str]) -> _Names:
    return _Names(names)


def _runs(text: str, folded_names: _Names, settings: SameTextSettings) -> frozenset[str]:
    text = unicodedata.normalize("NFKC", text)
    for pattern in settings.patterns:
        text = pattern.sub("", text)
    folded = folded_names.strip(_fold(text))
    for phrase in settings.boilerplate:
        folded = folded.replace(phrase, "")
    folded = re.sub(r"\d+", "", folded)
    if len(folded) < settings.min_chars:
        return frozenset()
    k = settings.shingle
    return frozenset(folded[i : i + k] for i in range(len(folded) - k + 1))


def _similarity(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / min(len(a), len(b))


@dataclass
class _Indexed:
    place: TextPlace
    office: int
    runs: frozenset[str]


def _across(one: Sequence[_Indexed], two: Sequence[_Indexed]) -> tuple[_Indexed, _Indexed] | None:
    """A paragraph of each set from different offices, if there is such a pair."""
    for a in one:
        for b in two:
            if a.office != b.office:
                return a, b
    return None


@dataclass
class SameTextFinder:
    """Finds repeats among many offices without comparing every pair: an index from character run to the
    paragraphs holding it proposes candidates, and only those are measured."""

    settings: SameTextSettings
    names: set[str] = field(default_factory=set)

    def across_offices(self, offices: Sequence[Sequence[TextPlace]]) -> list[Repeat]:
        """Pairs of paragraphs of different offices that are the same text. Paragraphs left identical
        after folding are measured once (a text copied by every office costs one comparison, not one per
        pair) and linked in a chain; every paragraph that repeats another is in at least one pair."""
        folded = _folded_names(self.names | {p.office for places in offices for p in places})
        identical: dict[frozenset[str], list[_Indexed]] = {}
        for index, places in enumerate(offices):
            for place in places:
                runs = _runs(place.text, folded, self.settings)
                if runs:
                    # Paragraphs that fold to the same runs share one set: a text copied by every office
                    # is held once, not once per office (memory flat in the number of offices).
                    members = identical.setdefault(runs, [])
                    members.append(_Indexed(place, index, members[0].runs if members else runs))
        repeats: list[Repeat] = []
        for members in identical.values() if self.settings.threshold <= 1 else ():
            first = members[0]
            anchor = next((m for m in members if m.office != first.office), None)
            for member in members[1:]:
                partner = first if member.office != first.office else anchor
                if partner is not None and partner is not member:
                    repeats.append(Repeat(partner.place, member.place, 1.0, last_year=False))
        sets = list(identical.values())
        postings: dict[str, list[int]] = {}
        for number, members in enumerate(sets):
            for run in members[0].runs:
                postings.setdefault(run, []).append(number)
        for number, members in enumerate(sets):
            runs = members[0].runs
            shared: dict[int, int] = {}
            for run in runs:
                for other in postings[run]:
                    if other > number:
                        shared[other] = shared.get(other, 0) + 1
            for other, count in shared.items():
                similarity = count / min(len(runs), len(sets[other][0].runs))
                pair = _across(members, sets[other])
                if similarity >= self.settings.threshold and pair is not None:
                    repeats.append(Repeat(pair[0].place, pair[1].place, similarity, last_year=False))
        return repeats

    def against_last_year(self, this_year: Sequence[TextPlace], last_year: Sequence[TextPlace]) -> list[Repeat]:
        """Paragraphs of one office that repeat its own last year's (each this-year paragraph once, with
        the most similar paragraph of last year)."""
        names = _folded_names(self.names | {p.office for p in this_year} | {p.office for p in last_year})
        old = [(place, _runs(place.text, names, self.settings)) for place in last_year]
        repeats = []
        for place in this_year:
            runs = _runs(place.text, names, self.settings)
            if not runs:
                continue
            best = max(((_similarity(runs, o), p) for p, o in old if o), default=None, key=lambda pair: pair[0])
            if best is not None and best[0] >= self.settings.threshold:
                repeats.append(Repeat(place, best[1], best[0], last_year=True))
        return repeats


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
    parent: dict[int, int] = {}  # by id(): the finder hands the same TextPlace objects to every pair
    place_of: dict[int, TextPlace] = {}

    def root(key: int) -> int:
        parent.setdefault(key, key)
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    groups: list[RepeatGroup] = []
    best: dict[int, float] = {}
    for repeat in repeats:
        if repeat.last_year:
            groups.append(RepeatGroup([repeat.place, repeat.other], repeat.similarity, True))
            continue
        place_of[id(repeat.place)], place_of[id(repeat.other)] = repeat.place, repeat.other
        a, b = root(id(repeat.place)), root(id(repeat.other))
        if a != b:
            parent[b] = a
            best[a] = max(best.get(a, 0.0), best.pop(b, 0.0))
        best[a] = max(best.get(a, 0.0), repeat.similarity)
    members: dict[int, list[TextPlace]] = {}
    for key in parent:
        members.setdefault(root(key), []).append(place_of[key])
    across = []
    for head, places in members.items():
        places.sort(key=lambda p: (p.office, p.location))
        across.append(RepeatGroup(places, best[head], False))
    across.sort(key=lambda g: (g.places[0].office, g.places[0].location))
    return across + groups


def _names(places: Sequence[TextPlace], limit: int = 3) -> str:
    shown = "、".join(p.describe() for p in places[:limit])
    return shown + (f"等 {len(places)} 处" if len(places) > limit else "")


def repeat_problems(groups: Iterable[RepeatGroup]) -> dict[str, list[Problem]]:
    """Warnings by office: one per paragraph of a group, naming the other places of the group."""
    result: dict[str, list[Problem]] = {}
    hint_other = "各单位的报告应按本单位的实际工作撰写；与其他单位雷同会被扣分（国办公开办函〔2021〕30号）"
    hint_last = "评议时与往年雷同会被扣分：请按本年的实际工作重写这一段"
    for group in groups:
        if group.last_year:
            here, there = group.places
            message = f"「{here.part}」与本单位上年报告{there.describe()}的文字雷同（相似度 {group.percent}%）"
            result.setdefault(here.office, []).append(warning(here.location, message, hint_last, RULE_ID))
            continue
        for here in group.places:
            others = [p for p in group.places if p is not here]
            message = f"「{here.part}」与{_names(others)}的文字雷同（相似度 {group.percent}%）"
            result.setdefault(here.office, []).append(warning(here.location, message, hint_other, RULE_ID))
    return result
