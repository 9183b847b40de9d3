"""The data of one report, as read from its YAML file(s), with where every value came from."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .problems import Location
from .spec import Row, Spec
from .values import Number

CellKey = tuple[str, str, str]  # (table id, row id, column id)


@dataclass
class Paragraph:
    text: str
    location: Location


@dataclass
class SubPart:
    """A sub-head of a part, such as （一）主动公开政府信息情况, and its paragraphs."""

    title: str
    location: Location
    paragraphs: list[Paragraph]


@dataclass(slots=True)
class Cell:
    """One table cell. `value` is None only while a reader has not yet computed a total left out."""

    value: Number | None
    location: Location | None = None  # where it was written; None when left out


@dataclass
class ReportData:
    """One office's report: facts, texts, and every table cell keyed by (table, row, column) ids."""

    path: Path
    source: str  # the data file as shown in messages
    spec: Spec
    facts: dict[str, str] = field(default_factory=dict)
    fact_locations: dict[str, Location] = field(default_factory=dict)
    paragraphs: dict[str, list[Paragraph]] = field(default_factory=dict)  # context name → paragraphs
    subparts: dict[str, list[SubPart]] = field(default_factory=dict)  # context name → sub-heads
    part_locations: dict[str, Location] = field(default_factory=dict)  # part key → where written
    cells: dict[CellKey, Cell] = field(default_factory=dict)
    row_locations: dict[tuple[str, str], Location] = field(default_factory=dict)
    table_locations: dict[str, Location] = field(default_factory=dict)
    source_paths: list[Path] = field(default_factory=list)
    invalid_cells: set[CellKey] = field(default_factory=set)  # written, but not a valid number
    # Tables the source did not have (written `表三: 缺失`): their cells hold 0 only so that nothing
    # breaks; rules that need them are skipped and a report with one cannot be built.
    absent_tables: set[str] = field(default_factory=set)
    # Cells written 【待补】 (a number the import could not read): also in invalid_cells; listed once a row
    # as a to-do, so the balance rules around them wait silently.
    pending_cells: set[CellKey] = field(default_factory=set)

    @property
    def office(self) -> str:
        return self.facts.get("机关", "")

    @property
    def year(self) -> str:
        return self.facts.get("年度", "")

    def value(self, table: str, row: str, column: str) -> Number:
        """A cell's number. Readers compute every total before handing a report on (totals.py), so a
        missing value here is a bug, never a silent 0 in a printed 总计."""
        value = self.cells[(table, row, column)].value
        if value is None:
            raise _not_computed((table, row, column))
        return value

    def sum_of(self, keys: Iterable[CellKey]) -> Number:
        """The sum of the cells' numbers, each read as `value` says (one call for all the cells: the
        balance rules sum some 70 000 times in a 200-office district, text rules a few per office)."""
        cells = self.cells
        total: Number = 0
        for key in keys:
            value = cells[key].value
            if value is None:
                raise _not_computed(key)
            total += value
        return total

    def where(self, table: str, row: str | None = None, column: str | None = None) -> Location:
        """The best place to point at: the cell, else its row, else its table, else the file."""
        if row is not None and column is not None:
            cell = self.cells.get((table, row, column))
            if cell is not None and cell.location is not None:
                return cell.location
        if row is not None and (table, row) in self.row_locations:
            return self.row_locations[(table, row)]
        return self.table_locations.get(table, Location(self.source))

    def row_values(self, row: Row) -> list[Number]:
        return [self.value(row.table, row.id, c.id) for c in row.columns]

    def text_blocks(self) -> Iterator[tuple[str, list[Paragraph]]]:
        """Every text block as (name as shown, paragraphs): 开头说明, each intro, sub-part and section."""
        for part in self.spec.parts:
            if part.kind == "paragraphs":
                yield part.key, self.paragraphs.get(part.context, [])
            elif part.kind == "sections":
                for section in part.sections:
                    yield f"{part.key}{section.key}", self.paragraphs.get(section.context, [])
            else:
                yield f"{part.key}{part.intro}", self.paragraphs.get(part.context, [])
                for sub in self.subparts.get(part.context, []):
                    yield f"{part.key}{sub.title}", sub.paragraphs

    def part_paragraphs(self, part_key: str) -> list[Paragraph]:
        """Every paragraph of a part (sub-head titles included), for rules that read the text."""
        spec_part = next((p for p in self.spec.parts if p.key == part_key), None)
        if spec_part is None:
            return []
        result: list[Paragraph] = []
        names = [spec_part.context] if spec_part.context else []
        names += [s.context for s in spec_part.sections]
        for name in names:
            result.extend(self.paragraphs.get(name, []))
            for sub in self.subparts.get(name, []):
                result.append(Paragraph(sub.title, sub.location))
                result.extend(sub.paragraphs)
        return result


def _not_computed(key: CellKey) -> ValueError:
    """A total read before it was computed: a bug of the reader that handed the report on."""
    return ValueError(f"{' '.join(key)}: total not computed (use load_report or read_report)")
