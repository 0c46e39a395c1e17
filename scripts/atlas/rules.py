"""The validator's rules in words: one list for CONTRIBUTING.md, the pull request template and the site.

Each rule names what `make validate` (atlas.data, atlas.yamlsafe) checks. The tests prove each
with a bad entry and the validator's exact message, and check that both documents carry this list
verbatim between `<!-- rules:start -->` and `<!-- rules:end -->` (`python -m atlas.rules --write`).
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
START, END = "<!-- rules:start -->", "<!-- rules:end -->"
DOCS = ("CONTRIBUTING.md", ".github/PULL_REQUEST_TEMPLATE.md")


@dataclass(frozen=True)
class Rule:
    id: str
    text: str  # what a good entry does, as one Markdown sentence
    severity: str = "error"


RULES: tuple[Rule, ...] = (
    Rule("encoding", "The file is UTF-8 and indented with spaces, never tabs."),
    Rule("yaml-syntax", "The file is valid YAML: a value that contains a colon followed by a space, or starts with a "
                        "special character is quoted."),
    Rule("one-mapping", "The file is one YAML document holding a mapping of fields: not empty, no `---`, at most "
                        "256 KB, nested at most 8 levels."),
    Rule("plain-yaml", "No anchors (`&x`), aliases (`*x`) or explicit tags (`!!str`), and no key appears twice."),
    Rule("file-name", "The file is `data/papers/<id>.yml` (`.yml`, not `.yaml`) and `id` equals the file name."),
    Rule("id", "`id` is a slug (lowercase a-z, 0-9, single hyphens), 2 to 80 characters, and not a name the site "
               "reserves (`index`, `404`, `search`, `assets`, `downloads`, `feeds`, `all`, `new`)."),
    Rule("required", "`id`, `title`, `abstract` and `topics` are present."),
    Rule("authors", "Either `authors` (every name, in the paper's order) or `author_count` (only when the names are "
                    "unknown), never both."),
    Rule("known-fields", "Every field is one the schema defines (a misspelt name is reported with a suggestion)."),
    Rule("types", "Every value has its type: text, a list (`authors`, `topics`, `mentions`, `relations`, `references.cites`) "
                  "or a whole number (`author_count`, `upvotes`)."),
    Rule("clean-text", "Titles, names and evidence are on one line; no text is blank or holds control or "
                       "bidirectional characters (a backslash escape inside double quotes makes one: quote LaTeX "
                       "with single quotes)."),
    Rule("limits", "Texts, lists and numbers stay within the schema's limits, and no list repeats an item."),
    Rule("date", "`published` is a real date written YYYY-MM-DD, not before 1950; `published_source` is `listing` "
                 "or `arxiv` and only appears with `published`."),
    Rule("arxiv-id", "`arxiv` is a verified id in quotes, without a version suffix: `\"2305.14314\"`, not "
                     "`2305.14314v2` nor an unquoted number; an id that cannot exist (month 13, 4 digits after the "
                     "dot after 2014, 5 before 2015) is refused."),
    Rule("arxiv-unique", "No other paper file has the same `arxiv` id."),
    Rule("code-url", "`code` is an `https://` URL with no spaces, quotes or angle brackets."),
    Rule("topics", "Every topic id is defined in `data/topics.yml`."),
    Rule("references", "`references` is there only once the paper's bibliography has been read: `version` says which "
                       "text was read (`arXiv v2`, a proceedings version, or `unknown`), and every citation has a "
                       "`target` and its reference line `ref`, copied verbatim from the bibliography."),
    Rule("cites", "Every citation's `target` is another atlas paper (`data/papers/<id>.yml`) or a work in "
                  "`data/external.yml`, cited once, never the paper itself."),
    Rule("mentions", "Every `mentions` id is an atlas paper or a work in `data/external.yml`, never the paper itself."),
    Rule("other", "`other` means not about memory, distributed training or hardware for large-scale ML: a paper in "
                  "`other` lists no other topic and has no systems `facets`."),
    Rule("relations", "Every relation has a `type` (`extends`, `compares-with`, `uses`, `alternative-to`), a "
                      "`target` that is another atlas paper or a work in `data/external.yml`, and one line of "
                      "`evidence`."),
    Rule("facets", "Every facet value is listed in `data/facets.yml`, which must exist once a paper has facets."),
    Rule("registries", "`data/topics.yml`, `data/external.yml`, `data/facets.yml` and `data/reading-paths.yml` "
                       "follow their schemas: topic ids are unique across levels, an external work's id is not also "
                       "a paper's id, and an external `arxiv` id comes with the `evidence` URL that verified it."),
    Rule("reading-paths", "Each path in `data/reading-paths.yml` belongs to a top-level topic and lists atlas "
                          "papers, each once."),
    Rule("thin-subtopic", "A subtopic with fewer than two papers is reported as a warning (consider merging it); "
                          "warnings do not fail the check.", "warning"),
)


def block(rel: str) -> str:
    """The rules as document `rel` carries them: a checklist in the pull request template, else a list."""
    if rel.endswith("PULL_REQUEST_TEMPLATE.md"):
        return "\n".join(f"- [ ] `{r.id}`: {r.text}" for r in RULES)
    return "\n".join(f"- `{r.id}`{' (warning)' if r.severity == 'warning' else ''}: {r.text}" for r in RULES)


def replace_block(text: str, body: str) -> str:
    pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), re.S)
    if not pattern.search(text):
        raise ValueError(f"no {START} ... {END} block")
    return pattern.sub(lambda _: f"{START}\n{body}\n{END}", text, count=1)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m atlas.rules")
    ap.add_argument("--write", action="store_true", help="update the rules block of " + " and ".join(DOCS))
    args = ap.parse_args(argv)
    if not args.write:
        print(block(".github/PULL_REQUEST_TEMPLATE.md"))
        return 0
    for rel in DOCS:
        path = ROOT / rel
        path.write_text(replace_block(path.read_text(encoding="utf-8"), block(rel)), encoding="utf-8")
        print(f"updated {rel}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
