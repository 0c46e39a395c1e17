"""Parse the captured Hugging Face Daily Papers listing that seeded the atlas.

In: tests/fixtures/seed/hf-daily-papers-2025-12-09.txt (page text as captured on 2025-12-09).
Out: one SeedEntry per paper, in listing order, with exactly what the listing states.

The listing's shape is: title line, blank, abstract line, blank, then (for most entries)
"  • N authors", "·", and a date line "Mon D[, YYYY][ UPVOTES]". A date without a year is
in the capture year (2025).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures" / "seed"
LISTING = FIXTURES / "hf-daily-papers-2025-12-09.txt"
REFERENCE = FIXTURES / "seed_arxiv.tsv"
CAPTURE_YEAR = 2025

_AUTHORS = re.compile(r"^\s+•\s+(\d+) authors?$")
_DATE = re.compile(r"^([A-Z][a-z]{2}) (\d{1,2})(?:, (\d{4}))?(?: (\d+))?$")
_MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


@dataclass(frozen=True)
class SeedEntry:
    title: str
    abstract: str
    author_count: int | None
    published: dt.date | None
    upvotes: int | None


def parse_listing(path: Path = LISTING) -> list[SeedEntry]:
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    # Page chrome ends at the listing's own date heading ("Dec 9").
    start = lines.index("Dec 9") + 1
    lines = lines[start:]
    entries: list[SeedEntry] = []
    i = 0
    while i < len(lines):
        title, abstract = lines[i], lines[i + 1]
        i += 2
        count = published = upvotes = None
        if i < len(lines) and (m := _AUTHORS.match(lines[i])):
            count = int(m.group(1))
            assert lines[i + 1] == "·", lines[i + 1]
            d = _DATE.match(lines[i + 2])
            assert d, lines[i + 2]
            year = int(d.group(3)) if d.group(3) else CAPTURE_YEAR
            published = dt.date(year, _MONTHS.index(d.group(1)) + 1, int(d.group(2)))
            upvotes = int(d.group(4)) if d.group(4) else None
            i += 3
        entries.append(SeedEntry(title, abstract, count, published, upvotes))
    return entries


def parse_reference(path: Path = REFERENCE) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    return {row["title"]: row for row in rows}
