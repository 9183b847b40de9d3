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

import heapq
import re
import sys
import unicodedata
from array import array
from collections.abc import Iterable, Iterator, Sequence
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

    def __reduce__(self) -> tuple[type[TextPlace], tuple[str, str, str, Location, str]]:
        # Pickled by its constructor, like Location: a slotted dataclass's own pickling calls
        # dataclasses.fields() for every object, and the review reads every office's paragraphs back.
        return (TextPlace, (self.office, self.year, self.part, self.location, self.text))


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
    found are replaced, in the same order and with the same result. Only the places where a name's first
    characters are need looking at, and most paragraphs have none: those are returned unchanged."""

    def __init__(self, names: Iterable[str]) -> None:
        self.order = tuple(sorted({_fold(n) for n in names if n}, key=len, reverse=True))
        self.rank = {name: index for index, name in enumerate(self.order)}
        self.lengths = sorted({len(n) for n in self.order}, reverse=True)
        # Every name begins with one of these (its first `shortest` characters): a name can only be where
        # one of them is.
        self.shortest = self.lengths[-1] if self.lengths else 0
        self.starts = frozenset(name[: self.shortest] for name in self.order)

    def name_starts(self, text: str) -> list[int]:
        """Where a name may begin in `text` (every place where one does begin is among them)."""
        size, starts = self.shortest, self.starts
        return [i for i in range(len(text) - size + 1) if text[i : i + size] in starts] if starts else []

    def strip(self, text: str) -> str:
        if len(self.order) <= len(self.lengths) * len(text) // 2:  # few names: replacing each is cheaper
            for name in self.order:
                text = text.replace(name, "")
            return text
        at = self.name_starts(text)
        if not at:  # taking names out is the only change made here: a text holding none stays as it is
            return text
        # The text is scanned once; after each name is taken out, only the substrings across the places where
        # it was (the joins) can be names that were not there before. The next name is always the first, in
        # the longest-first order, of those in the text as it now is.
        rank = self.rank
        found = [rank[piece] for i in at for size in self.lengths if (piece := text[i : i + size]) in rank]
        heapq.heapify(found)
        last = -1
        while found:
            number = heapq.heappop(found)
            name = self.order[number]
            if number <= last or name not in text:
                continue
            pieces = text.split(name)
            text = "".join(pieces)
            last = number
            join = 0
            for piece in pieces[:-1]:
                join += len(piece)
                for size in self.lengths:
                    for i in range(max(0, join - size + 1), min(join, len(text) - size + 1)):
                        if (other := rank.get(text[i : i + size], -1)) > last:
                            heapq.heappush(found, other)
        return text


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


# A paragraph as the finder keeps it: one int, its office's number * PER_OFFICE + its number in the office
# (not the paragraph's text and place, which the caller regenerates for the paragraphs reported).
PER_OFFICE = 1 << 20


def _across(one: Sequence[int], two: Sequence[int]) -> tuple[int, int] | None:
    """A paragraph of each set from different offices, if there is such a pair."""
    for a in one:
        for b in two:
            if a // PER_OFFICE != b // PER_OFFICE:
                return a, b
    return None


@dataclass
class SameTextFinder:
    """Finds repeats among many offices without comparing every pair: an index from character run to the
    paragraphs holding it proposes candidates, and only those are measured."""

    settings: SameTextSettings
    names: set[str] = field(default_factory=set)
    # The folded `names`, made once (against_last_year is asked once per office) and dropped with the finder.
    # Keyed by the size of `names` (never changed once the finder is made) and the names of `more` not in it.
    _folded: tuple[tuple[int, frozenset[str]], _Names] | None = field(default=None, init=False, repr=False,
                                                                      compare=False)
    _released: bool = field(default=False, init=False, repr=False, compare=False)

    def release(self) -> None:
        """Drop `names` and their folded form (a district's thousands of names) once the caller is done
        with the finder: it finds nothing more afterwards."""
        self.names, self._folded, self._released = set(), None, True

    def folded_names(self, more: Iterable[str] = ()) -> _Names:
        """`names` and `more`, folded; made again only when `more` adds other names than at the last call
        (usually none: `names` holds every office's name), without going through all of `names` per call."""
        if self._released:
            raise RuntimeError("this SameTextFinder was released")
        names = self.names
        key = (len(names), frozenset(n for n in more if n not in names))
        if self._folded is None or self._folded[0] != key:
            self._folded = (key, _folded_names(names | key[1]))
        return self._folded[1]

    def across_offices(self, offices: Sequence[Sequence[TextPlace]]) -> list[Repeat]:
        """Pairs of paragraphs of different offices that are the same text (`pairs_across`)."""
        finder = SameTextFinder(self.settings, self.names | {p.office for places in offices for p in places})

        def place(key: int) -> TextPlace:
            return offices[key // PER_OFFICE][key % PER_OFFICE]

        return [Repeat(place(a), place(b), similarity, last_year=False)
                for a, b, similarity in finder.pairs_across(enumerate(offices))]

    def pairs_across(self, offices: Iterable[tuple[int, Sequence[TextPlace]]]) -> Iterator[tuple[int, int, float]]:
        """Pairs of paragraphs of different offices that are the same text, as paragraph keys (PER_OFFICE),
        from (office number, paragraphs) read one office at a time: only each paragraph's key and its
        character runs are kept (a set of runs once for paragraphs that fold to the same runs), never its
        text. `names` must hold every office's name. Paragraphs left identical after folding are measured
        once (a text copied by every office costs one comparison, not one per pair) and linked in a chain;
        every paragraph that repeats another is in at least one pair."""
        folded = self.folded_names()
        identical: dict[frozenset[str], array[int]] = {}
        for index, places in offices:
            for number, place in enumerate(places):
                runs = _runs(place.text, folded, self.settings)
                if runs:
                    members = identical.get(runs)
                    if members is None:
                        members = identical[runs] = array("q")
                    members.append(index * PER_OFFICE + number)
        for members in identical.values() if self.settings.threshold <= 1 else ():
            first = members[0]
            anchor = next((m for m in members if m // PER_OFFICE != first // PER_OFFICE), None)
            for member in members[1:]:
                partner = first if member // PER_OFFICE != first // PER_OFFICE else anchor
                if partner is not None and partner != member:
                    yield partner, member, 1.0
        sets = list(identical.items())
        postings: dict[str, list[int]] = {}
        for number, (runs, _) in enumerate(sets):
            for run in runs:
                postings.setdefault(run, []).append(number)
        for number, (runs, members) in enumerate(sets):
            shared: dict[int, int] = {}
            for run in runs:
                for other in postings[run]:
                    if other > number:
                        shared[other] = shared.get(other, 0) + 1
            for other, count in shared.items():
                similarity = count / min(len(runs), len(sets[other][0]))
                pair = _across(members, sets[other][1])
                if similarity >= self.settings.threshold and pair is not None:
                    yield pair[0], pair[1], similarity

    def against_last_year(self, this_year: Sequence[TextPlace], last_year: Sequence[TextPlace]) -> list[Repeat]:
        """Paragraphs of one office that repeat its own last year's (each this-year paragraph once, with
        the most similar paragraph of last year)."""
        names = self.folded_names([p.office for places in (this_year, last_year) for p in places])
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


class _KeyNumbers:
    """Numbers 0, 1, 2, ... for paragraph keys in the order they are first seen: an open-addressing hash
    table in two arrays (about 16 bytes a key: the slots hold 4-byte numbers), not a dict of Python ints
    (about 100 bytes a key and its number), so that linking the repeats of thousands of offices grows memory
    as little as it can. `forget_slots` drops the table once no more keys come (the keys stay)."""

    def __init__(self) -> None:
        self.keys = array("q")  # the key of each number
        self._bits = 4
        self._slots = array("i", [-1]) * (1 << self._bits)  # the number in each slot, -1 where none

    def _slot(self, key: int) -> int:
        # Fibonacci hashing: the office (the high bits of a key) and the paragraph both spread the slots.
        slot = ((key * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF) >> (64 - self._bits)
        mask, slots, keys = (1 << self._bits) - 1, self._slots, self.keys
        while (number := slots[slot]) >= 0 and keys[number] != key:
            slot = (slot + 1) & mask
        return slot

    def number(self, key: int) -> int:
        """The number of `key`, given it now if it has none."""
        slot = self._slot(key)
        number = self._slots[slot]
        if number >= 0:
            return number
        number = len(self.keys)
        self.keys.append(key)
        self._slots[slot] = number
        if 2 * len(self.keys) > len(self._slots):  # at most half full: probes stay short
            if len(self.keys) >= 1 << 30:
                raise OverflowError("too many paragraph keys")  # the slots hold 4-byte numbers
            self._bits += 1
            self._slots = array("i")  # the old table is not needed for the new: freed before it is made
            self._slots = array("i", [-1]) * (1 << self._bits)
            for each, old in enumerate(self.keys):
                self._slots[self._slot(old)] = each
        return number

    def forget_slots(self) -> None:
        """Drop the hash table: `keys` stays; `number` may not be asked again."""
        self._slots = array("i")


def link_pairs(pairs: Iterable[tuple[int, int, float]]) -> list[tuple[array[int], float]]:
    """The paragraphs (keys) linked by pairs of repeats, set by set, each with its highest similarity: the
    sets in the order their first key was first seen, each set's keys in the order they were first seen.

    Kept in arrays (a number per key in the order first seen, its parent and its best similarity), not in
    dicts of Python ints: every paragraph of a text copied by thousands of offices is a key here."""
    numbers = _KeyNumbers()
    parent = array("i")  # numbers below 2**30 (_KeyNumbers)
    best = array("d")

    def root(key: int) -> int:
        number = numbers.number(key)
        if number == len(parent):
            parent.append(number)
            best.append(0.0)
        return _root(parent, number)

    for one, two, similarity in pairs:
        a, b = root(one), root(two)
        if a != b:
            parent[b] = a
            best[a] = max(best[a], best[b])
            best[b] = 0.0
        best[a] = max(best[a], similarity)
    numbers.forget_slots()  # the keys are numbered: the table is not needed for the sets
    group_of = array("i", [-1]) * len(parent)  # the set of each root, numbered in the order first seen
    sets: list[tuple[array[int], int]] = []
    for number, key in enumerate(numbers.keys):
        head = _root(parent, number)
        if group_of[head] < 0:
            group_of[head] = len(sets)
            sets.append((array("q"), head))
        sets[group_of[head]][0].append(key)
    return [(keys, best[head]) for keys, head in sets]


def _root(parent: array[int], number: int) -> int:
    while parent[number] != number:
        parent[number] = parent[parent[number]]
        number = parent[number]
    return number


LIMIT = 3  # the other places a warning names: the first few, and how many in all
HINT_OTHER = "各单位的报告应按本单位的实际工作撰写；与其他单位雷同会被扣分（国办公开办函〔2021〕30号）"
HINT_LAST = "评议时与往年雷同会被扣分：请按本年的实际工作重写这一段"


def others_named(described: Sequence[str], here: int, total: int) -> str:
    """The places of a group other than its `here`-th, as a warning names them: of the described first
    `LIMIT + 1` places of the group, the first `LIMIT` that are not `here`, and how many there are in all
    (without making the list of all the others for every place of a large group)."""
    shown = "、".join([d for number, d in enumerate(described[: LIMIT + 1]) if number != here][:LIMIT])
    return shown + (f"等 {total - 1} 处" if total - 1 > LIMIT else "")


def across_message(here: TextPlace, others: str, percent: int) -> str:
    return f"「{here.part}」与{others}的文字雷同（相似度 {percent}%）"


def last_year_warning(here: TextPlace, there: TextPlace, percent: int) -> Problem:
    message = f"「{here.part}」与本单位上年报告{there.describe()}的文字雷同（相似度 {percent}%）"
    return warning(here.location, message, HINT_LAST, RULE_ID)


def across_warning(here: TextPlace, message: str) -> Problem:
    return warning(here.location, message, HINT_OTHER, RULE_ID)
