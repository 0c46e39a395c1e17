"""Check the atlas's external links (arXiv records, code repositories, evidence pages): `make links`.

In: `data/`. Out: Markdown listing every link that failed, and a non-zero exit when one did.
It runs weekly (`.github/workflows/links.yml`), never on a pull request: a site going down is
not the contributor's fault. Requests are sequential and spaced out, as arXiv asks of automated clients.
"""

from __future__ import annotations

import argparse
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .build import ROOT, load_atlas

USER_AGENT = "ml-systems-paper-atlas link check (weekly; make links)"


@dataclass(frozen=True)
class Link:
    url: str
    where: str  # the data file and field that hold it


@dataclass(frozen=True)
class Result:
    link: Link
    ok: bool
    detail: str  # "HTTP 200", "HTTP 404", or the network error


def collect(data_dir: Path) -> list[Link]:
    """Every external URL the site shows from data, once, sorted."""
    atlas, _ = load_atlas(data_dir)
    found: dict[str, str] = {}
    for p in atlas.papers.values():
        if p.arxiv:
            found.setdefault(f"https://arxiv.org/abs/{p.arxiv}", f"{p.source}: arxiv")
        if p.code:
            found.setdefault(p.code, f"{p.source}: code")
    for w in atlas.external.values():
        if w.arxiv:
            found.setdefault(f"https://arxiv.org/abs/{w.arxiv}", f"data/external.yml: {w.id}.arxiv")
        if w.evidence:
            found.setdefault(w.evidence, f"data/external.yml: {w.id}.evidence")
    return [Link(url, where) for url, where in sorted(found.items())]


def status(url: str, timeout: float = 30) -> int:
    """The HTTP status of `url` (HEAD, then GET where HEAD is refused). Raises on network errors."""
    for method in ("HEAD", "GET"):
        req = urllib.request.Request(url, method=method, headers={"User-Agent": USER_AGENT})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - https URLs from data
                return resp.status
        except urllib.error.HTTPError as exc:
            if method == "GET" or exc.code not in (403, 405, 501):  # else HEAD was refused: try GET
                return exc.code
    return 0  # not reached: GET returns or raises


def check(links: list[Link], get_status: Callable[[str], int] = status, pause: float = 1.0) -> list[Result]:
    out = []
    for i, link in enumerate(links):
        if i and pause:
            time.sleep(pause)
        try:
            code = get_status(link.url)
            out.append(Result(link, 200 <= code < 400, f"HTTP {code}"))
        except OSError as exc:  # URLError and TimeoutError are OSErrors
            out.append(Result(link, False, str(getattr(exc, "reason", exc))))
    return out


def report(results: list[Result]) -> str:
    bad = [r for r in results if not r.ok]
    lines = [f"### External links: {len(results) - len(bad)} of {len(results)} answered", ""]
    if bad:
        lines += ["| Link | Where | Answer |", "| --- | --- | --- |"]
        lines += [f"| <{r.link.url}> | {r.link.where} | {r.detail} |" for r in bad]
    else:
        lines.append("Every link answered.")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="make links", description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT / "data")
    ap.add_argument("--pause", type=float, default=1.0, help="seconds between requests (default 1)")
    args = ap.parse_args(argv)
    results = check(collect(args.data), pause=args.pause)
    sys.stdout.write(report(results))
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
