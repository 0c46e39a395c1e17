"""Load and validate the atlas's data: the one place that knows the schema.

In: a data folder (`papers/*.yml`, `topics.yml`, `external.yml`, `schema/*.schema.json`).
Out: `(raw, problems)` where `raw` holds the validated documents by file, and `problems` lists
every error and warning found in every file, each as `file:line:col: field: message`.

Checking never stops at the first bad file: every file is read, every rule runs, and the
caller decides (the build refuses to write anything while an error remains).

Every file comes from a stranger's pull request: only regular files within the size limit
are read (no symbolic links), schema patterns use JSON Schema's meaning of `$` (no trailing
line break slips through), and ids are checked against every way they could collide with a
generated page or leave the output folder.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

import jsonschema
import jsonschema_rs
import referencing

from .yamlsafe import Doc, Problem, YamlError, char_name, field_name, parse, read_bytes

SCHEMA_FILES = ("paper", "topics", "external", "facets", "reading-paths")
# Ids that would collide with a generated page or folder under papers/.
RESERVED_IDS = frozenset({"index", "404", "search", "assets", "downloads", "feeds", "all", "new"})
# Names Windows cannot create as files: data/papers/con.yml would break every Windows checkout.
WINDOWS_DEVICE_IDS = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))})
# Characters that show nothing on their own: a title made only of these is blank to a reader.
_INVISIBLE = set("\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\u3164\u115f\u1160\uffa0\u180e\u2800\u034f\u17b4\u17b5")
_ASCII_VISIBLE = re.compile("[!-~]")  # printable ASCII other than space: each visible()
_FLOATISH = re.compile(r"^[0-9]+\.[0-9]+$")
_BIDI = {"\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e",
         "\u2066", "\u2067", "\u2068", "\u2069"}


@dataclass
class Loaded:
    """Validated documents, keyed by what they are. Only files without errors are kept."""

    papers: dict[str, tuple[str, Doc]] = field(default_factory=dict)  # id -> (file, doc)
    topics: dict[str, Any] = field(default_factory=dict)
    external: dict[str, Any] = field(default_factory=dict)
    facets: dict[str, Any] = field(default_factory=dict)
    reading_paths: dict[str, Any] = field(default_factory=dict)
    registry_docs: dict[str, tuple[str, Doc]] = field(default_factory=dict)


def load_schemas(data_dir: Path) -> dict[str, dict]:
    paths = {name: data_dir / "schema" / f"{name}.schema.json" for name in SCHEMA_FILES}
    return {name: json.loads(path.read_text(encoding="utf-8")) for name, path in paths.items() if path.exists()}


_ECMA_TOKEN = re.compile(r"\\.|\[(?:\\.|[^\]\\])*\]|\$", re.S)


def ecma_pattern(pattern: str) -> str:
    """`pattern` with JSON Schema's (ECMA-262) meaning of `$` in Python: the very end of the text.

    Python's `$` also matches before a final line break, so `^[a-z]+$` would accept "id\\n" and
    an id, arXiv id or URL could carry a newline into paths and links.
    """
    # An escape or a character class is kept whole; every other `$` is the end of the text.
    return _ECMA_TOKEN.sub(lambda m: r"\Z" if m.group() == "$" else m.group(), pattern)


@lru_cache(maxsize=None)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(ecma_pattern(pattern))


def _pattern(validator: Any, pattern: str, instance: Any, schema: dict) -> Iterable[jsonschema.ValidationError]:
    if validator.is_type(instance, "string") and not _compiled(pattern).search(instance):
        yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")


_Validator = jsonschema.validators.extend(jsonschema.Draft202012Validator, {"pattern": _pattern})


def validators_for(schemas: dict[str, dict]) -> dict[str, Any]:
    """One jsonschema validator per schema, made once per load and reused for every file."""
    # The schema files have no $id and refer to each other by file name, exactly as an editor
    # or check-jsonschema resolves them next to each other on disk.
    registry = referencing.Registry().with_resources(
        (f"{name}.schema.json", referencing.Resource.from_contents(s)) for name, s in schemas.items()
    )
    checker = jsonschema.Draft202012Validator.FORMAT_CHECKER
    out = {name: _Validator(s, registry=registry, format_checker=checker) for name, s in schemas.items()}
    if "paper" in out:  # the schema of thousands of files, which refers to no other file
        out["paper-quick"] = jsonschema_rs.validator_for(schemas["paper"], validate_formats=True)
    return out


def _suggest(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _char_problem(text: str) -> str:
    for i, ch in enumerate(text):
        if ch in _BIDI:
            return f"contains the bidirectional control U+{ord(ch):04X} at character {i + 1}; remove it"
        if ch in "\ufffe\uffff":
            return f"contains the noncharacter U+{ord(ch):04X} at character {i + 1}; remove it"
        cat = unicodedata.category(ch)
        if cat == "Cc" or ch in "\u2028\u2029\ufeff":
            if ch == "\n":
                return f"contains a line break at character {i + 1}; keep it on one line"
            hint = (" (a backslash escape inside double quotes, as in \"\\alpha\", makes one: "
                    "use single quotes or a block scalar for LaTeX)") if ch in "\x00\x07\x08\t\x0b\x0c\r\x1b" else ""
            return f"contains control character U+{ord(ch):04X} ({char_name(ch)}) at character {i + 1}{hint}"
    return "contains characters that are not allowed"


def _describe(value: Any) -> str:
    if value is None:
        return "nothing (blank)"
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:57] + "..."
        return json.dumps(shown, ensure_ascii=False)
    if isinstance(value, (int, float)):  # bool too
        return f"the number {value}"
    return "a list" if isinstance(value, list) else "a mapping" if isinstance(value, dict) else repr(value)


_TYPE_WORDS = {"string": "text", "integer": "a whole number", "array": "a list", "object": "a mapping"}


def _message(err: jsonschema.ValidationError, doc: Doc) -> tuple[list[Any], str]:
    """A contributor-facing message for one schema error, and the path it is about."""
    path = list(err.absolute_path)
    v, inst, sch = err.validator, err.instance, err.schema
    if v == "required":
        # jsonschema reports each missing property as its own error: "'title' is a required property".
        missing = re.match(r"^'([^']+)'", err.message)
        return path + [missing.group(1) if missing else "?"], "required field is missing"
    if v == "oneOf" and isinstance(inst, dict) and "authors" in sch.get("properties", {}):
        both = "authors" in inst and "author_count" in inst
        msg = ("give authors or author_count, not both (author_count is only for unknown names)"
               if both else "give authors (a list of names) or author_count (a number), found neither")
        return path + (["author_count"] if both else ["authors"]), msg
    if v == "type":
        want = err.validator_value
        want_s = _TYPE_WORDS.get(want, want) if isinstance(want, str) else " or ".join(want)
        return path, f"expected {want_s}, got {_describe(inst)}"
    if v == "pattern" and isinstance(inst, str):
        key = path[-1] if path else ""
        if sch.get("pattern", "").startswith("^[^"):
            return path, _char_problem(inst)
        if sch.get("pattern") == "\\S":
            return path, "must not be blank"
        if key == "arxiv" or (len(path) > 1 and path[-2] == "arxiv"):
            if re.match(r"^.*v[0-9]+$", inst):
                return path, f"expected an arXiv id without version suffix, got {_describe(inst)}: write {json.dumps(re.sub(r'v[0-9]+$', '', inst))}"
            return path, f"expected an arXiv id like \"2305.14314\" or \"hep-th/9901001\", got {_describe(inst)}"
        if "https?" in sch.get("pattern", ""):
            return path, f"expected an http:// or https:// URL with no spaces, quotes or angle brackets, got {_describe(inst)}"
        if "https" in sch.get("pattern", ""):
            return path, f"expected an https:// URL with no spaces, quotes or angle brackets, got {_describe(inst)}"
        if sch.get("pattern", "").startswith("^[a-z0-9]+(-"):
            return path, f"expected a slug (lowercase a-z, 0-9, single hyphens), got {_describe(inst)}"
        if key == "published":
            return path, f"expected a date YYYY-MM-DD, got {_describe(inst)}"
        return path, f"does not match the expected form {sch.get('pattern')}, got {_describe(inst)}"
    if v == "format" and err.validator_value == "date":
        return path, f"expected a real date YYYY-MM-DD, got {_describe(inst)}"
    if v == "minLength":
        return path, "must not be blank"
    if v == "maxLength":
        return path, f"is {len(inst)} characters long; the limit is {err.validator_value}"
    if v == "minItems":
        return path, f"needs at least {err.validator_value} item(s), got {len(inst)}"
    if v == "maxItems":
        return path, f"has {len(inst)} items; the limit is {err.validator_value}"
    if v == "uniqueItems":
        keys = [json.dumps(item, sort_keys=True) for item in inst]
        dup = next((item for i, item in enumerate(inst) if keys[i] in keys[:i]), None)
        return path, f"lists {_describe(dup)} more than once"
    if v == "enum":
        allowed = ", ".join(str(x) for x in err.validator_value)
        return path, f"expected one of {allowed}; got {_describe(inst)}{_suggest(str(inst), map(str, err.validator_value))}"
    if v in ("minimum", "maximum"):
        word = "at least" if v == "minimum" else "at most"
        return path, f"expected {word} {err.validator_value}, got {inst}"
    return path, err.message


def _schema_problems(rel: str, doc: Doc, validator: Any, quick: Any = None) -> list[Problem]:
    # jsonschema-rs answers "valid?" about a hundred times faster; jsonschema, the authority,
    # writes every message for the few documents it rejects (tests/test_schema.py compares them).
    if quick is not None and quick.is_valid(doc.value):
        return []
    out = []
    errors = sorted(validator.iter_errors(doc.value), key=lambda e: list(map(str, e.absolute_path)))
    # A value not even of the form YYYY-MM-DD needs one message, not a second about the date.
    misshapen = {tuple(e.absolute_path) for e in errors if e.validator == "pattern"}
    errors = [e for e in errors if not (e.validator == "format" and tuple(e.absolute_path) in misshapen)]
    for err in errors:
        if err.validator == "additionalProperties":  # one problem per unknown key, at the key
            allowed = err.schema.get("properties", {}).keys()
            for key in sorted(set(err.instance) - set(allowed)):
                path = [*err.absolute_path, key]
                line, col = doc.key_marks.get(tuple(path)) or doc.mark(tuple(path))
                out.append(Problem(rel, line, col, field_name(path),
                                   f"unknown field{_suggest(key, allowed)}; allowed: {', '.join(sorted(allowed))}"))
            continue
        path, msg = _message(err, doc)
        out.append(Problem(rel, *doc.mark(tuple(path)), field_name(path), msg))
    return out


def _yaml_problems(rel: str, doc: Doc) -> list[Problem]:
    """Rules JSON Schema cannot see: what YAML would silently turn into something else."""
    out = []
    if not isinstance(doc.value, dict):
        return out
    v = doc.value
    if isinstance(v.get("arxiv"), str) and _FLOATISH.match(v["arxiv"]) and doc.is_plain(("arxiv",)):
        out.append(Problem(rel, *doc.mark(("arxiv",)), "arxiv", f"quote the arXiv id: write arxiv: \"{v['arxiv']}\" "
                           f"(unquoted, YAML reads the number {float(v['arxiv'])!r})"))
    texts: list[tuple[tuple, Any]] = [(("title",), v.get("title")), (("abstract",), v.get("abstract"))]
    texts += [(("authors", i), a) for i, a in enumerate(v.get("authors") or []) if isinstance(v.get("authors"), list)]
    texts += [(("relations", i, "evidence"), r.get("evidence")) for i, r in enumerate(v.get("relations") or [])
              if isinstance(v.get("relations"), list) and isinstance(r, dict)]
    refs = v.get("references")
    cites = refs.get("cites") if isinstance(refs, dict) else None
    texts += [(("references", "cites", i, "ref"), c.get("ref")) for i, c in enumerate(cites or [])
              if isinstance(cites, list) and isinstance(c, dict)]
    for path, text in texts:
        # Almost every text has a printable ASCII character, which is visible: only the rest
        # are looked at character by character.
        if not isinstance(text, str) or _ASCII_VISIBLE.search(text):
            continue
        if re.search(r"\S", text) and not any(visible(ch) for ch in text):
            out.append(Problem(rel, *doc.mark(path), field_name(path),
                               "must not be blank (it holds only invisible characters)"))
    return out


def visible(ch: str) -> bool:
    """Whether a character shows anything on its own (not space, format or filler)."""
    if ch.isspace() or ch in _INVISIBLE:
        return False
    cat = unicodedata.category(ch)
    return cat not in ("Cf", "Cc", "Zs", "Zl", "Zp") and not (0xFE00 <= ord(ch) <= 0xFE0F or 0xE0100 <= ord(ch) <= 0xE01EF)


def _parse(raw: bytes, rel: str) -> tuple[Doc | None, list[Problem]]:
    try:
        doc = parse(raw)
    except YamlError as exc:
        return None, [Problem(rel, exc.line, exc.col, exc.field, exc.message)]
    if doc.value is None:
        return None, [Problem(rel, 1, 1, "", "the file is empty; expected a YAML mapping of fields")]
    if not isinstance(doc.value, dict):
        return None, [Problem(rel, 1, 1, "", f"expected a YAML mapping of fields at the top level, got {_describe(doc.value)}")]
    return doc, []


# Under `mkdocs serve` (load(remember=True)), files are remembered by their bytes, so an edit
# parses again only the file it changed. (Callers copy the list of problems before adding to
# it; nothing changes a parsed Doc.)
_parse_remembered = lru_cache(maxsize=1 << 15)(_parse)


def _checked(path: Path, rel: str, kind: str, validators: dict[str, Any],
             remember: bool = False) -> tuple[Doc | None, list[Problem]]:
    """Read one data file and check it against its schema (and, for a paper, the YAML rules)."""
    raw, problems = read_bytes(path, rel)
    if raw is None:
        return None, problems
    doc, probs = (_parse_remembered if remember else _parse)(raw, rel)
    probs = list(probs)
    if doc is not None and (kind == "paper" or kind in validators):  # a paper needs its schema
        probs += _schema_problems(rel, doc, validators[kind], validators.get(f"{kind}-quick"))
    if doc is not None and kind == "paper":
        probs += _yaml_problems(rel, doc)
    return doc, probs


def load(data_dir: Path, root: Path | None = None, remember: bool = False) -> tuple[Loaded, list[Problem]]:
    """Read and check every data file; return what is valid and every problem found.
    `remember`: keep each parsed file for the next call (see `_parse_remembered`)."""
    data_dir = Path(data_dir)
    root = root or data_dir.parent

    def rel(p: Path) -> str:
        return (p.relative_to(root) if p.is_relative_to(root) else p).as_posix()

    validators = validators_for(load_schemas(data_dir))
    problems: list[Problem] = []
    loaded = Loaded()

    for name in ("topics", "external", "facets", "reading-paths"):
        path = data_dir / f"{name}.yml"
        if not path.exists():
            if name == "topics":
                problems.append(Problem(rel(path), 1, 1, "", "missing: the atlas needs a topic taxonomy"))
            continue
        doc, probs = _checked(path, rel(path), name, validators)
        problems += probs
        if doc is not None and not probs:
            setattr(loaded, name.replace("-", "_"), doc.value)
            loaded.registry_docs[name] = (rel(path), doc)

    misnamed: list[tuple[str, str, str, tuple[int, int]]] = []
    papers_dir = data_dir / "papers"
    if papers_dir.is_symlink():
        problems.append(Problem(rel(papers_dir), 1, 1, "", "is a symbolic link; data/papers must be a real folder"))
    papers_rel = rel(papers_dir)
    for path in sorted(papers_dir.glob("*"), key=lambda p: p.name) if not papers_dir.is_symlink() else []:
        r = f"{papers_rel}/{path.name}"
        if path.suffix != ".yml":
            hint = " (rename it to .yml)" if path.suffix == ".yaml" else ""
            problems.append(Problem(r, 1, 1, "", f"not a paper file: papers are data/papers/<id>.yml{hint}"))
            continue
        doc, probs = _checked(path, r, "paper", validators, remember)
        problems += probs
        if doc is None or any(p.severity == "error" for p in probs):
            continue
        pid = doc.value["id"]
        if pid != path.stem:
            misnamed.append((r, path.stem, pid, doc.mark(("id",))))
            continue
        loaded.papers[pid] = (r, doc)

    facets_path = data_dir / "facets.yml"
    if not facets_path.exists() and any("facets" in doc.value for _, doc in loaded.papers.values()):
        problems.append(Problem(rel(facets_path), 1, 1, "", "missing: papers use facets, whose values this registry lists"))

    for r, stem, pid, (line, col) in misnamed:
        # A second file can only claim an id by not being named after it: say which file has it.
        others = sorted(({loaded.papers[pid][0]} if pid in loaded.papers else set())
                        | {o for o, _, p2, _ in misnamed if p2 == pid and o != r})
        dup = f" (duplicate id: {', '.join(others)} also has it)" if others else ""
        problems.append(Problem(r, line, col, "id", f"the id '{pid}' must equal the file name '{stem}'{dup}"))

    problems += _cross_file(loaded)
    return loaded, sorted(set(problems), key=lambda p: (p.file, p.line, p.col, p.field, p.message))


@dataclass
class Context:
    """What the cross-file rules look up: every known id."""

    loaded: Loaded
    topics: set[str]
    papers: set[str]
    external: set[str]


def _context(loaded: Loaded) -> Context:
    topics = {sid for tid, t in loaded.topics.items() for sid in [tid, *(t.get("subtopics") or {})]}
    return Context(loaded, topics, set(loaded.papers), set(loaded.external))


# Each cross-file rule is one function of (paper id, its file, its document, the context); its
# docstring is the rule as rules.py states it for CONTRIBUTING.md (tests/test_rules_doc.py).

def rule_id(pid: str, rel: str, doc: Doc, ctx: Context) -> list[Problem]:
    """`id` is a slug (lowercase a-z, 0-9, single hyphens), 2 to 80 characters, and not a name the site reserves (`index`, `404`, `search`, `assets`, `downloads`, `feeds`, `all`, `new`)."""
    if pid in RESERVED_IDS:
        return [Problem(rel, *doc.mark(("id",)), "id", f"'{pid}' is reserved for a generated page; choose another id")]
    if pid in WINDOWS_DEVICE_IDS:
        return [Problem(rel, *doc.mark(("id",)), "id",
                        f"'{pid}' is a device name on Windows, where {pid}.yml cannot exist; choose another id")]
    return []


def rule_topics(pid: str, rel: str, doc: Doc, ctx: Context) -> list[Problem]:
    """Every topic id is defined in `data/topics.yml`."""
    return [Problem(rel, *doc.mark(("topics", i)), f"topics[{i}]",
                    f"unknown topic '{t}'{_suggest(t, ctx.topics)}; topics are listed in data/topics.yml")
            for i, t in enumerate(doc.value.get("topics", [])) if t not in ctx.topics]


def rule_cites(pid: str, rel: str, doc: Doc, ctx: Context) -> list[Problem]:
    """Every citation's `target` is another atlas paper (`data/papers/<id>.yml`) or a work in `data/external.yml`, cited once, never the paper itself."""
    refs = doc.value.get("references")
    out: list[Problem] = []
    seen: dict[str, int] = {}
    for i, c in enumerate(refs.get("cites", []) if isinstance(refs, dict) else []):
        t, at, name = c["target"], ("references", "cites", i, "target"), f"references.cites[{i}].target"
        if t == pid:
            out.append(Problem(rel, *doc.mark(at), name, "a paper cannot cite itself"))
        elif t not in ctx.papers and t not in ctx.external:
            out.append(Problem(rel, *doc.mark(at), name,
                               f"unknown paper or external work '{t}'{_suggest(t, ctx.papers | ctx.external)}; a citation names "
                               "an id of data/papers/<id>.yml or data/external.yml"))
        elif t in seen:
            out.append(Problem(rel, *doc.mark(at), name, f"'{t}' is already cited at references.cites[{seen[t]}]; cite a work once"))
        seen.setdefault(t, i)
    return out


def rule_mentions(pid: str, rel: str, doc: Doc, ctx: Context) -> list[Problem]:
    """Every `mentions` id is an atlas paper or a work in `data/external.yml`, never the paper itself."""
    out = []
    for i, w in enumerate(doc.value.get("mentions", [])):
        if w == pid:
            out.append(Problem(rel, *doc.mark(("mentions", i)), f"mentions[{i}]", "a paper cannot name itself"))
        elif w not in ctx.external and w not in ctx.papers:
            out.append(Problem(rel, *doc.mark(("mentions", i)), f"mentions[{i}]",
                               f"unknown paper or external work '{w}'{_suggest(w, ctx.papers | ctx.external)}; "
                               "mentions lists ids of data/papers/<id>.yml or data/external.yml"))
    return out


def rule_relations(pid: str, rel: str, doc: Doc, ctx: Context) -> list[Problem]:
    """Every relation has a `type` (`extends`, `compares-with`, `uses`, `alternative-to`), a `target` that is another atlas paper or a work in `data/external.yml`, and one line of `evidence`."""
    out = []
    for i, r in enumerate(doc.value.get("relations", [])):
        t, at = r["target"], ("relations", i, "target")
        if t == pid:
            out.append(Problem(rel, *doc.mark(at), f"relations[{i}].target", "a paper cannot relate to itself"))
        elif t not in ctx.papers and t not in ctx.external:
            out.append(Problem(rel, *doc.mark(at), f"relations[{i}].target",
                               f"unknown paper or external work '{t}'{_suggest(t, ctx.papers | ctx.external)}"))
    return out


def rule_facets(pid: str, rel: str, doc: Doc, ctx: Context) -> list[Problem]:
    """Every facet value is listed in `data/facets.yml`, which must exist once a paper has facets."""
    out = []
    for kind, values in (doc.value.get("facets") or {}).items():
        registry = set((ctx.loaded.facets or {}).get(kind) or {}) if kind in (ctx.loaded.facets or {}) else None
        if kind in ("scale", "result") or registry is None:
            continue
        for i, v in enumerate(values if isinstance(values, list) else [values]):
            if v not in registry:
                path = ("facets", kind, i) if isinstance(values, list) else ("facets", kind)
                out.append(Problem(rel, *doc.mark(path), field_name(path),
                                   f"unknown {kind} value '{v}'{_suggest(v, registry)}; values are listed in data/facets.yml"))
    return out


def rule_date(pid: str, rel: str, doc: Doc, ctx: Context) -> list[Problem]:
    """`published` is a real date written YYYY-MM-DD, not before 1950; `published_source` is `listing` or `arxiv` and only appears with `published`."""
    p = doc.value
    out = []
    if "published" in p:
        try:
            day = dt.date.fromisoformat(p["published"])
        except ValueError:
            day = None
        if day and day.year < 1950:
            out.append(Problem(rel, *doc.mark(("published",)), "published", f"the year {day.year} is before 1950; check the date"))
    if p.get("published_source") and "published" not in p:
        out.append(Problem(rel, *doc.mark(("published_source",)), "published_source",
                           "published_source without published; add the date or remove this field"))
    return out


def rule_other(pid: str, rel: str, doc: Doc, ctx: Context) -> list[Problem]:
    """`other` means not about memory, distributed training or hardware for large-scale ML: a paper in `other` lists no other topic and has no systems `facets`."""
    topics = doc.value.get("topics")
    if not isinstance(topics, list) or "other" not in topics:
        return []
    out: list[Problem] = []
    at = topics.index("other")
    if len(topics) > 1:
        others = [t for t in topics if t != "other"]
        out.append(Problem(rel, *doc.mark(("topics", at)), f"topics[{at}]",
                           f"'other' means not about memory, distributed training or hardware for large-scale ML; "
                           f"a paper is in other or in a topic, never both (also lists {', '.join(map(str, others))})"))
    if "facets" in doc.value:
        out.append(Problem(rel, *doc.key_marks.get(("facets",), doc.mark(("facets",))), "facets",
                           "a paper in 'other' has no systems facets; remove facets or file the paper under a topic"))
    return out


PAPER_RULES = (rule_id, rule_topics, rule_cites, rule_mentions, rule_relations, rule_facets, rule_date, rule_other)


def rule_arxiv_unique(ctx: Context) -> list[Problem]:
    """No other paper file has the same `arxiv` id."""
    out, seen = [], {}
    for pid, (rel, doc) in sorted(ctx.loaded.papers.items()):
        a = doc.value.get("arxiv")
        if a in seen:
            out.append(Problem(rel, *doc.mark(("arxiv",)), "arxiv", f"arXiv id {a} is already in {seen[a]}"))
        elif a:
            seen[a] = rel
    return out


def rule_registries(ctx: Context) -> list[Problem]:
    """`data/topics.yml`, `data/external.yml`, `data/facets.yml` and `data/reading-paths.yml` follow their schemas: topic ids are unique across levels, an external work's id is not also a paper's id, and an external `arxiv` id comes with the `evidence` URL that verified it."""
    out, loaded = [], ctx.loaded
    if loaded.topics:
        trel, tdoc = loaded.registry_docs["topics"]
        seen: set[str] = set()
        for tid, t in loaded.topics.items():
            for sid in [tid, *(t.get("subtopics") or {})]:
                if sid in seen:
                    out.append(Problem(trel, *tdoc.mark((tid, "subtopics", sid)), sid, "topic id used twice"))
                seen.add(sid)
    if loaded.external:
        erel, edoc = loaded.registry_docs["external"]
        for wid in sorted(ctx.external & ctx.papers):
            out.append(Problem(erel, *edoc.key_marks.get((wid,), (1, 1)), wid,
                               f"external work id '{wid}' is also a paper id; an atlas paper is not external"))
    return out


def rule_reading_paths(ctx: Context) -> list[Problem]:
    """Each path in `data/reading-paths.yml` belongs to a top-level topic and lists atlas papers, each once."""
    loaded, out = ctx.loaded, []
    if not loaded.reading_paths:
        return out
    rrel, rdoc = loaded.registry_docs["reading-paths"]
    for tid, steps in loaded.reading_paths.items():
        if tid not in ctx.topics:
            out.append(Problem(rrel, *rdoc.key_marks.get((tid,), (1, 1)), tid, f"unknown topic '{tid}'{_suggest(tid, ctx.topics)}"))
        elif tid not in loaded.topics:
            out.append(Problem(rrel, *rdoc.key_marks.get((tid,), (1, 1)), tid,
                               f"'{tid}' is a subtopic; reading paths are for top-level topics ({', '.join(loaded.topics)})"))
        seen: dict[str, int] = {}
        for i, step in enumerate(steps):
            if step["paper"] not in ctx.papers:
                out.append(Problem(rrel, *rdoc.mark((tid, i, "paper")), f"{tid}[{i}].paper",
                                   f"unknown paper id '{step['paper']}'{_suggest(step['paper'], ctx.papers)}"))
            elif step["paper"] in seen:
                out.append(Problem(rrel, *rdoc.mark((tid, i, "paper")), f"{tid}[{i}].paper",
                                   f"'{step['paper']}' is already step {seen[step['paper']] + 1} of this path"))
            seen.setdefault(step["paper"], i)
    return out


def rule_thin_subtopic(ctx: Context) -> list[Problem]:
    """A subtopic with fewer than two papers is reported as a warning (consider merging it); warnings do not fail the check."""
    loaded, out = ctx.loaded, []
    if not (loaded.papers and loaded.topics):
        return out
    use = {t: 0 for t in ctx.topics}
    for _, doc in loaded.papers.values():
        for t in doc.value.get("topics", []):
            if t in use:
                use[t] += 1
    trel, tdoc = loaded.registry_docs["topics"]
    for tid, t in loaded.topics.items():
        for sid in t.get("subtopics") or {}:
            if use[sid] < 2:
                out.append(Problem(trel, *tdoc.key_marks.get((tid, "subtopics", sid), (1, 1)), sid,
                                   f"subtopic has {use[sid]} paper(s); consider merging it", "warning"))
    return out


ATLAS_RULES = (rule_arxiv_unique, rule_registries, rule_reading_paths, rule_thin_subtopic)


def _cross_file(loaded: Loaded) -> list[Problem]:
    ctx = _context(loaded)
    out = [p for pid, (rel, doc) in sorted(loaded.papers.items()) for rule in PAPER_RULES for p in rule(pid, rel, doc, ctx)]
    return out + [p for rule in ATLAS_RULES for p in rule(ctx)]
