"""Reading a built site: every link and anchor of every HTML page, resolved as a browser would."""

from __future__ import annotations

import html.parser
import posixpath
from pathlib import Path
from urllib.parse import unquote, urlsplit


class Collector(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[tuple[str, str, str]] = []  # (tag, attribute, value)

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("id", "name") and value is not None:
                self.ids.add(value)
            if value is not None and (
                (name == "href" and tag in ("a", "link", "area"))
                or (name == "src" and tag in ("script", "img", "iframe", "source", "audio", "video"))
            ):
                self.links.append((tag, name, value))


def parse(path: Path) -> Collector:
    c = Collector()
    c.feed(path.read_text(encoding="utf-8"))
    return c


def page_url(site: Path, path: Path) -> str:
    """Site-relative URL of an HTML file (`papers/x/index.html` -> `papers/x/`)."""
    rel = path.relative_to(site).as_posix()
    return rel[: -len("index.html")] if rel.endswith("index.html") else rel


def resolve(site: Path, from_url: str, link: str) -> tuple[Path | None, str]:
    """The file a relative link points to, and its fragment. None for external links."""
    parts = urlsplit(link)
    if parts.scheme or parts.netloc:
        return None, ""
    base = posixpath.dirname(from_url) if not from_url.endswith("/") else from_url.rstrip("/")
    target = posixpath.normpath(posixpath.join(base, unquote(parts.path))) if parts.path else from_url.rstrip("/")
    if target in (".", ""):
        target = ""
    path = site / target
    if path.is_dir() or parts.path.endswith("/") or target == "":
        path = path / "index.html"
    return path, parts.fragment


def broken_links(site: Path, subpath: str = "/ml-systems-paper-atlas/") -> list[str]:
    """Broken links and anchors. Only 404.html may link by absolute path, and only under `subpath`."""
    problems = []
    cache: dict[Path, Collector] = {}
    for page in sorted(site.rglob("*.html")):
        info = cache.setdefault(page, parse(page))
        url = page_url(site, page)
        for tag, attr, link in info.links:
            if link.startswith("/") and not link.startswith("//"):
                if url == "404.html" and link.startswith(subpath):
                    link = "./" + link[len(subpath):]
                else:
                    problems.append(f"{url}: root-absolute {attr}={link}")
                    continue
            if link.startswith(("mailto:", "javascript:", "data:")):
                if link.startswith("javascript:"):
                    problems.append(f"{url}: javascript: link {link}")
                continue
            target, frag = resolve(site, url, link)
            if target is None:
                continue
            if link.startswith("#"):
                target = page
            if not target.exists():
                problems.append(f"{url}: {attr}={link} -> missing {target.relative_to(site)}")
                continue
            if frag and target.suffix == ".html":
                ids = cache.setdefault(target, parse(target)).ids
                if unquote(frag) not in ids:
                    problems.append(f"{url}: {attr}={link} -> no element with id '{frag}'")
    return problems
