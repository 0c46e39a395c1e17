"""Start a paper entry from its arXiv record: `make new-paper ARXIV=2305.14314`.

In: an arXiv id (a version suffix is accepted). Out: `data/papers/<slug>.yml` with the record's
title, authors, first-version date and abstract verbatim (whitespace normalised), the id without
its version, a proposed slug, and commented placeholders for what only a curator can add.

It never overwrites a file nor adds an arXiv id or title the atlas has; without network it says
so in one line. Either way nothing is written, and a half-written entry never exists. The URL
opener is a parameter, so the tests replay recorded Atom responses (tests/fixtures/arxiv/).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import textwrap
import unicodedata
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import jinja2

from .data import RESERVED_IDS
from .yamlsafe import parse

ROOT = Path(__file__).resolve().parents[2]
API = "https://export.arxiv.org/api/query?id_list={}"
ATOM = "{http://www.w3.org/2005/Atom}"
# The same id forms as data/schema/paper.schema.json's `arxiv`, plus an optional version.
_ID = re.compile(r"^(?P<id>[0-9]{4}\.[0-9]{4,5}|[a-z]+(-[a-z]+)*(\.[A-Z]{2})?/[0-9]{7})(?P<version>v[0-9]+)?$")
_STOP = frozenset("a an and are as at by for from in into is of on or the to via with".split())
_PLAIN = re.compile(r"^[A-Za-z\u00c0-\u024f][A-Za-z0-9\u00c0-\u024f.' -]*[A-Za-z0-9\u00c0-\u024f.]$")

Opener = Callable[[str], bytes]


class NewPaperError(Exception):
    """Something the contributor must act on; the message is one line."""


@dataclass(frozen=True)
class Record:
    arxiv: str  # without version
    version: str | None
    title: str
    authors: tuple[str, ...]
    published: str  # YYYY-MM-DD of the first version
    abstract: str


def parse_id(text: str) -> tuple[str, str | None]:
    """`2305.14314v2`, `arXiv:2305.14314` or an arxiv.org/abs URL -> ('2305.14314', 'v2')."""
    raw = re.sub(r"^(?:https?://(?:export\.)?arxiv\.org/(?:abs|pdf)/)", "", text.strip())
    raw = re.sub(r"^arxiv:", "", raw, flags=re.IGNORECASE)
    raw = re.sub(r"\.pdf$", "", raw)
    m = _ID.match(raw)
    if not m:
        raise NewPaperError(f"'{text}' is not an arXiv id; expected a form like 2305.14314, 2305.14314v2 or hep-th/9901001")
    return m.group("id"), m.group("version")


def urlopen_bytes(url: str, timeout: float = 30) -> bytes:
    req = urllib.request.Request(url, headers={"User-Agent": "ml-systems-paper-atlas new-paper (make new-paper)"})
    with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - fixed https URL
        return resp.read()


def fetch(arxiv_id: str, opener: Opener = urlopen_bytes) -> bytes:
    """The arXiv API's Atom response for one id (version suffix kept, as asked)."""
    url = API.format(urllib.parse.quote(arxiv_id, safe="./"))
    try:
        return opener(url)
    except OSError as exc:  # URLError and TimeoutError are OSErrors
        reason = getattr(exc, "reason", None) or exc
        raise NewPaperError(f"cannot reach export.arxiv.org ({reason}); check the network and try again; nothing was written") from None


def _text(el: ET.Element, tag: str) -> str:
    """The text of `el`'s first Atom child `tag`, whitespace normalised ('' when there is none)."""
    return " ".join(el.findtext(ATOM + tag, "").split())


def parse_atom(raw: bytes, arxiv_id: str, version: str | None = None) -> Record:
    """The one entry of an arXiv API response, or a NewPaperError saying why there is none."""
    asked = arxiv_id + (version or "")
    try:
        feed = ET.fromstring(raw)
    except ET.ParseError as exc:
        raise NewPaperError(f"the arXiv API answered with something that is not Atom XML ({exc}); nothing was written") from None
    entries = feed.findall(ATOM + "entry")
    for entry in entries:
        if "arxiv.org/api/errors" in _text(entry, "id"):
            detail = _text(entry, "summary") or "unknown error"
            raise NewPaperError(f"arXiv has no record {asked}: the API says '{detail}'; nothing was written")
    found = [(entry, m.group(2)) for entry in entries
             if (m := re.search(r"arxiv\.org/abs/(.+?)(v[0-9]+)?$", _text(entry, "id")))
             and m.group(1) == arxiv_id and _text(entry, "title")]
    if not found:
        raise NewPaperError(f"arXiv has no record {asked}; check the id; nothing was written")
    entry, got_version = found[0]
    if version and got_version and got_version != version:
        raise NewPaperError(f"asked arXiv for {asked} but it answered with {arxiv_id}{got_version}; nothing was written")
    published = _text(entry, "published")[:10]
    if not re.match(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", published):
        raise NewPaperError(f"the arXiv record {asked} has no publication date; nothing was written")
    authors = tuple(a for a in (_text(el, "name") for el in entry.findall(ATOM + "author")) if a)
    return Record(arxiv_id, got_version, _text(entry, "title"), authors, published, _text(entry, "summary"))


def propose_slug(title: str, arxiv_id: str) -> str:
    """A short readable id: the name before a colon ('QLoRA: ...' -> 'qlora'), else key title words."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    head, sep, _ = ascii_title.partition(":")
    words = re.findall(r"[a-z0-9]+", head)
    if not (sep and 0 < len(words) <= 6):
        words = [w for w in re.findall(r"[a-z0-9]+", ascii_title) if w not in _STOP][:5]
    slug = "-".join(words)[:60].strip("-")
    if len(slug) < 2:
        slug = "arxiv-" + re.sub(r"[^a-z0-9]+", "-", arxiv_id.lower())
    if slug in RESERVED_IDS:
        slug += "-paper"
    return slug


def existing_arxiv_ids(papers_dir: Path) -> dict[str, Path]:
    """arXiv id -> the file that has it. Read line by line, so a file with errors still counts."""
    out: dict[str, Path] = {}
    pattern = re.compile(r"""^arxiv:\s*["']?([^"'\s#]+)""")
    for path in sorted(papers_dir.glob("*.yml")):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            if m := pattern.match(line):
                out.setdefault(m.group(1), path)
    return out


def _title_key(title: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", unicodedata.normalize("NFKD", title).casefold())


def _mapping(path: Path) -> dict:
    """The top-level mapping of a data file; {} when the file is missing or broken (validate reports that)."""
    try:
        value = parse(path.read_bytes()).value
    except Exception:  # noqa: BLE001 - what is read here only adds checks and hints
        return {}
    return value if isinstance(value, dict) else {}


def paper_with_title(papers_dir: Path, title: str) -> Path | None:
    """The paper file whose title is `title` (ignoring case, spacing and punctuation), if any."""
    key = _title_key(title)
    for path in sorted(papers_dir.glob("*.yml")):
        value = _mapping(path).get("title")
        if isinstance(value, str) and _title_key(value) == key:
            return path
    return None


def external_with_arxiv(data_dir: Path, arxiv_id: str) -> str | None:
    """The id of the data/external.yml work that has this arXiv id, if any."""
    works = sorted(_mapping(data_dir / "external.yml").items())
    return next((wid for wid, w in works if isinstance(w, dict) and w.get("arxiv") == arxiv_id), None)


def _scalar(text: str) -> str:
    """A YAML scalar for one line of text: plain when that is unambiguous, else double-quoted."""
    return text if _PLAIN.match(text) and ": " not in text and " #" not in text else json.dumps(text, ensure_ascii=False)


def fold_lines(text: str, width: int = 96, indent: str = "  ") -> list[str]:
    """Lines of a `>-` block scalar that reads back as exactly `text` (single-spaced, one paragraph)."""
    return [indent + line for line in textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False)]


def topic_ids(data_dir: Path) -> dict[str, list[str]]:
    """Top-level topic -> its subtopic ids, read from data/topics.yml (for the placeholder comment)."""
    topics = _mapping(data_dir / "topics.yml")
    return {tid: sorted(t.get("subtopics") or {}) for tid, t in topics.items() if isinstance(t, dict)}


def artifact_ids(data_dir: Path) -> list[str]:
    """The `artifact` facet values of data/facets.yml (for the placeholder comment)."""
    value = _mapping(data_dir / "facets.yml").get("artifact")
    return list(value) if isinstance(value, dict) else []


def render_entry(record: Record, slug: str, topics: dict[str, list[str]], artifacts: list[str] | None = None) -> str:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"), autoescape=False,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(scalar=_scalar, quoted=lambda text: json.dumps(text, ensure_ascii=False))
    return env.get_template("new_paper.yml.j2").render(r=record, slug=slug, topics=topics, artifacts=artifacts,
                                                       abstract=fold_lines(record.abstract))


def write_new(path: Path, text: str) -> None:
    """Write `path` atomically, never replacing an existing file."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)  # atomic, and fails if the file appeared meanwhile: never overwrites
        except OSError as exc:  # FileExistsError, or a file system without hard links: check, then rename
            if isinstance(exc, FileExistsError) or path.exists():
                raise NewPaperError(f"{path} already exists; nothing was written") from None
            os.rename(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def new_paper(arg: str, data_dir: Path, slug: str | None = None, opener: Opener = urlopen_bytes,
              notes: list[str] | None = None) -> Path:
    """Fetch, check and write one new entry; return its path. Raises NewPaperError.

    `notes` collects advice for the contributor (for example an outside work the paper replaces)."""
    notes = notes if notes is not None else []
    data_dir = Path(data_dir).resolve()
    papers = data_dir / "papers"

    def rel(p: Path) -> str:  # every path named here is under data_dir
        return p.relative_to(data_dir.parent).as_posix()

    arxiv_id, version = parse_id(arg)
    have = existing_arxiv_ids(papers)
    if arxiv_id in have:
        raise NewPaperError(f"arXiv id {arxiv_id} is already in {rel(have[arxiv_id])}; edit that file instead")
    if slug is not None and not re.match(r"^[a-z0-9]+(-[a-z0-9]+)*$", slug):
        raise NewPaperError(f"'{slug}' is not a valid id: use lowercase a-z, 0-9 and single hyphens")
    record = parse_atom(fetch(arxiv_id + (version or ""), opener), arxiv_id, version)
    if same := paper_with_title(papers, record.title):
        raise NewPaperError(f"{rel(same)} already has the title '{record.title}'; if it is the same paper, "
                            f"add arxiv: \"{arxiv_id}\" there instead")
    slug = slug or propose_slug(record.title, arxiv_id)
    target = papers / f"{slug}.yml"
    if target.exists():
        raise NewPaperError(f"{rel(target)} already exists; choose another id with SLUG=<id>")
    write_new(target, render_entry(record, slug, topic_ids(data_dir), artifact_ids(data_dir)))
    if work := external_with_arxiv(data_dir, arxiv_id):
        notes.append(f"data/external.yml lists this arXiv id as the outside work '{work}': now that the paper is in "
                     f"the atlas, make the papers that mention or relate to '{work}' point at '{slug}', then remove "
                     f"'{work}' from data/external.yml")
    return target


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="make new-paper", description=__doc__.split("\n\n")[0])
    ap.add_argument("arxiv", help="arXiv id, e.g. 2305.14314 (a version suffix such as v2 is accepted)")
    ap.add_argument("--slug", default=None, help="the paper id (file name); default: proposed from the title")
    ap.add_argument("--data", type=Path, default=ROOT / "data")
    args = ap.parse_args(argv)
    notes: list[str] = []
    try:
        path = new_paper(args.arxiv, args.data, args.slug, notes=notes)
    except NewPaperError as exc:
        print(f"new-paper: {exc}", file=sys.stderr)
        return 1
    shown = path.relative_to(args.data.resolve().parent).as_posix()
    print(f"wrote {shown}: add its topics, check it against the paper, then run `make validate`")
    for note in notes:
        print(f"note: {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
