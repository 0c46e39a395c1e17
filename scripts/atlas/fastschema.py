"""A fast yes/no answer to "is this document valid?" for the JSON Schema subset the atlas uses.

In: a schema (draft 2020-12), the schemas it refers to by file name, and the jsonschema
validator that stays the authority. Out: `compile_check(...)`, a function `document -> bool`,
or None when the schema uses a keyword this module does not implement.

jsonschema walks the schema anew for every document (about 1.3 ms for a paper file, which
is most of the build at 10,000 papers). Almost every document is valid, so the build asks this
compiled predicate first (tens of microseconds) and runs jsonschema, which writes the error
messages, only for a document the predicate rejects. The predicate must therefore never
accept what jsonschema rejects: each keyword below reproduces jsonschema's own check (the
same regular expressions, `uniq`, `equal` and format checker), anything else makes
`compile_check` return None so the caller falls back to jsonschema for every document, and
tests compare the two on generated documents.
"""

from __future__ import annotations

import numbers
import re
from typing import Any, Callable

from jsonschema._utils import equal, uniq

Check = Callable[[Any], bool]

# Keywords that never affect validity.
_ANNOTATIONS = frozenset({"$schema", "$comment", "$defs", "definitions", "title", "description",
                          "examples", "default", "deprecated", "readOnly", "writeOnly"})
_SUPPORTED = frozenset({"type", "properties", "additionalProperties", "required", "pattern",
                        "minLength", "maxLength", "minItems", "maxItems", "uniqueItems", "items",
                        "enum", "const", "minimum", "maximum", "exclusiveMinimum",
                        "exclusiveMaximum", "oneOf", "anyOf", "allOf", "not", "$ref", "format",
                        "dependentRequired", "minProperties", "maxProperties", "propertyNames"}) | _ANNOTATIONS


class Unsupported(Exception):
    """The schema uses something this compiler does not implement."""


def _is_integer(x: Any) -> bool:
    if isinstance(x, bool):
        return False
    return isinstance(x, int) or (isinstance(x, float) and x.is_integer())


def _is_number(x: Any) -> bool:
    return not isinstance(x, bool) and isinstance(x, numbers.Number)


_TYPES: dict[str, Check] = {
    "string": lambda x: isinstance(x, str),
    "array": lambda x: isinstance(x, list),
    "object": lambda x: isinstance(x, dict),
    "null": lambda x: x is None,
    "boolean": lambda x: isinstance(x, bool),
    "integer": _is_integer,
    "number": _is_number,
}
_CLASSES = {"string": str, "array": list, "object": dict}


def _pointer(doc: Any, fragment: str) -> Any:
    if not fragment.startswith("/") and fragment:
        raise Unsupported(f"anchor reference #{fragment}")
    node = doc
    for part in fragment.split("/")[1:]:
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


class _Parts:
    """What one schema (with the `allOf` members and `$ref` targets merged into it) asks of an instance.

    Merging is sound because `allOf` and a `$ref` next to other keywords are conjunctions: the
    instance must pass every part. Keeping the constraints as data until the end lets `_build`
    write one closure per type (a string's lengths and patterns in one function, an object's
    `properties`, `additionalProperties: false` and `required` in one loop) instead of a closure
    per keyword."""

    __slots__ = ("types", "general", "min_len", "max_len", "searches", "strings", "numbers",
                 "min_items", "max_items", "unique", "items", "items_str", "arrays",
                 "required", "props", "closed", "objects")

    def __init__(self) -> None:
        self.types: frozenset[str] | None = None  # None: any type
        self.general: list[Check] = []   # checks that apply to every instance
        self.min_len, self.max_len = 0, None
        self.searches: list[Callable[[str], Any]] = []  # bound `search` methods of the patterns
        self.strings: list[Check] = []   # other checks of a string
        self.numbers: list[Check] = []   # ... of a number
        self.min_items, self.max_items, self.unique = 0, None, False
        self.items: list[Check] = []     # each item must pass all of these
        self.items_str = False           # the items are certainly strings once `items` passed
        self.arrays: list[Check] = []
        self.required: list[str] = []
        self.props: list[dict[str, Check]] = []   # one mapping per `properties` keyword
        self.closed: list[frozenset[str]] = []    # the known keys of each `additionalProperties: false`
        self.objects: list[Check] = []

    def merge(self, o: "_Parts") -> None:
        if o.types is not None:
            if self.types is None:
                self.types = o.types
            elif o.types != self.types:
                # Both constrain the type: keep the other one as a check of its own (a set
                # intersection would drop integers from `integer` and `number`).
                preds = tuple(_TYPES[t] for t in sorted(o.types))
                self.general.append(lambda x: any(f(x) for f in preds))
        self.general += o.general
        self.min_len = max(self.min_len, o.min_len)
        if o.max_len is not None:
            self.max_len = o.max_len if self.max_len is None else min(self.max_len, o.max_len)
        self.searches += o.searches
        self.strings += o.strings
        self.numbers += o.numbers
        self.min_items = max(self.min_items, o.min_items)
        if o.max_items is not None:
            self.max_items = o.max_items if self.max_items is None else min(self.max_items, o.max_items)
        self.unique = self.unique or o.unique
        self.items += o.items
        self.items_str = self.items_str or o.items_str
        self.arrays += o.arrays
        self.required += o.required
        self.props += o.props
        self.closed += o.closed
        self.objects += o.objects

class _Compiler:
    def __init__(self, resources: dict[str, dict], format_checker: Any,
                 pattern: Callable[[str], re.Pattern[str]] = re.compile) -> None:
        self.resources = resources
        self.format_checker = format_checker
        self.pattern = pattern
        self.refs: dict[tuple[str, str], list[Check]] = {}  # a recursive reference's check, once built
        self.open: list[tuple[str, str]] = []               # references being resolved right now

    def ref(self, base: str, ref: str) -> _Parts:
        """The referenced schema's parts, to merge into the referring one; a reference back
        into a schema still being resolved (recursion) becomes a check filled in once built."""
        name, _, fragment = ref.partition("#")
        name = name or base
        if name not in self.resources:
            raise Unsupported(f"reference to {ref}")
        key = (name, fragment)
        if key in self.open:
            cell = self.refs.setdefault(key, [])
            out = _Parts()
            out.general.append(lambda x: cell[0](x))
            return out
        self.open.append(key)
        try:
            parts = self.parts(_pointer(self.resources[name], fragment), name)
        finally:
            self.open.pop()
        if key in self.refs and not self.refs[key]:
            self.refs[key].append(_build(parts))
        return parts

    def compile(self, schema: Any, base: str) -> Check:
        return _build(self.parts(schema, base))

    def parts(self, schema: Any, base: str) -> _Parts:
        p = _Parts()
        if schema is True:
            return p
        if schema is False:
            p.general.append(lambda x: False)
            return p
        if not isinstance(schema, dict):
            raise Unsupported(f"schema {schema!r}")
        unknown = set(schema) - _SUPPORTED
        if unknown:
            raise Unsupported(", ".join(sorted(unknown)))
        s = schema

        if "type" in s:
            types = s["type"] if isinstance(s["type"], list) else [s["type"]]
            for t in types:
                _TYPES[t]  # KeyError (unsupported) for an unknown type name
            p.types = frozenset(types)
        if "enum" in s:
            enum = list(s["enum"])
            if all(isinstance(e, str) for e in enum):
                strs = frozenset(enum)
                p.general.append(lambda x: x in strs if isinstance(x, str) else any(equal(e, x) for e in enum))
            else:
                p.general.append(lambda x: any(equal(e, x) for e in enum))
        if "const" in s:
            const = s["const"]
            p.general.append(lambda x: equal(const, x))

        if "pattern" in s:
            p.searches.append(self.pattern(s["pattern"]).search)
        if "minLength" in s:
            p.min_len = max(p.min_len, s["minLength"])
        if "maxLength" in s:
            p.max_len = s["maxLength"]
        if "format" in s and self.format_checker is not None:
            fmt, conforms = s["format"], self.format_checker.conforms
            p.general.append(lambda x: conforms(x, fmt))

        for key, ok in (("minimum", lambda x, m: x >= m), ("maximum", lambda x, m: x <= m),
                        ("exclusiveMinimum", lambda x, m: x > m), ("exclusiveMaximum", lambda x, m: x < m)):
            if key in s:
                p.numbers.append(lambda x, m=s[key], ok=ok: ok(x, m))

        if "minItems" in s:
            p.min_items = max(p.min_items, s["minItems"])
        if "maxItems" in s:
            p.max_items = s["maxItems"]
        if s.get("uniqueItems"):
            p.unique = True
        if "items" in s:
            item = self.parts(s["items"], base)
            p.items.append(_build(item))
            p.items_str = item.types == frozenset({"string"})

        if "required" in s:
            p.required += list(s["required"])
        if "minProperties" in s:
            lo2 = s["minProperties"]
            p.objects.append(lambda x: len(x) >= lo2)
        if "maxProperties" in s:
            hi2 = s["maxProperties"]
            p.objects.append(lambda x: len(x) <= hi2)
        if "dependentRequired" in s:
            deps = {k: tuple(v) for k, v in s["dependentRequired"].items()}
            p.objects.append(lambda x: all(all(d in x for d in ds) for k, ds in deps.items() if k in x))
        props = {k: self.compile(v, base) for k, v in (s.get("properties") or {}).items()}
        if props:
            p.props.append(props)
        if "propertyNames" in s:
            key_check = self.compile(s["propertyNames"], base)
            p.objects.append(lambda x: all(key_check(k) for k in x))
        if "additionalProperties" in s:
            ap, known = s["additionalProperties"], frozenset(s.get("properties") or {})
            if ap is False:
                p.closed.append(known)
            else:
                extra = self.compile(ap, base)
                p.objects.append(lambda x: all(extra(v) for k, v in x.items() if k not in known))

        if "$ref" in s:
            p.merge(self.ref(base, s["$ref"]))
        for sub in s.get("allOf") or ():
            p.merge(self.parts(sub, base))
        if "anyOf" in s:
            subs_any = tuple(self.compile(x, base) for x in s["anyOf"])
            p.general.append(lambda x: any(f(x) for f in subs_any))
        if "oneOf" in s:
            subs_one = tuple(self.compile(x, base) for x in s["oneOf"])
            p.general.append(lambda x: sum(1 for f in subs_one if f(x)) == 1)
        if "not" in s:
            negated = self.compile(s["not"], base)
            p.general.append(lambda x: not negated(x))
        return p


_NO_LIMIT = float("inf")
_MEMO_MAX_LEN = 200    # strings checked against a schema with a maxLength at most this are remembered
_MEMO_SIZE = 100_000   # ... up to this many of them


def _all(checks: list[Check]) -> Check | None:
    """One check for a list of checks (None: nothing to check)."""
    if not checks:
        return None
    if len(checks) == 1:
        return checks[0]
    checks_t = tuple(checks)

    def run(x: Any) -> bool:
        for c in checks_t:
            if not c(x):
                return False
        return True
    return run


def _string_body(p: _Parts) -> Check | None:
    """Lengths, patterns and other string checks in one function (for an instance known to be a str)."""
    lo, hi = p.min_len, _NO_LIMIT if p.max_len is None else p.max_len
    searches, extra = tuple(p.searches), _all(p.strings)
    if not lo and hi == _NO_LIMIT and not searches and extra is None:
        return None

    def run(x: str) -> bool:
        if not lo <= len(x) <= hi:
            return False
        for search in searches:
            if search(x) is None:
                return False
        return extra is None or extra(x)
    if len(searches) == 1 and extra is None:
        (search,) = searches
        run = lambda x: lo <= len(x) <= hi and search(x) is not None  # noqa: E731
    if hi > _MEMO_MAX_LEN:
        return run
    # Short strings (ids, topic ids, names) recur across thousands of files: a string that
    # passed once passes again (the checks depend on its text alone), so remember it.
    passed: set[str] = set()
    check = run

    def memo(x: str) -> bool:
        if x in passed:
            return True
        if not check(x):
            return False
        if len(passed) < _MEMO_SIZE:
            passed.add(x)
        return True
    return memo


def _array_body(p: _Parts) -> Check | None:
    lo, hi = p.min_items, _NO_LIMIT if p.max_items is None else p.max_items
    item, unique, extra = _all(p.items), p.unique, _all(p.arrays)
    # Once every item passed a `type: string` schema, `uniq` (jsonschema's equality) is set equality.
    unique_str = unique and item is not None and p.items_str
    if not lo and hi == _NO_LIMIT and item is None and not unique and extra is None:
        return None

    def run(x: list) -> bool:
        n = len(x)
        if not lo <= n <= hi:
            return False
        if item is not None:
            for v in x:
                if not item(v):
                    return False
        if unique_str:
            if len(set(x)) != n:
                return False
        elif unique and not uniq(x):
            return False
        return extra is None or extra(x)
    return run


def _object_body(p: _Parts) -> Check | None:
    required, extra = tuple(dict.fromkeys(p.required)), _all(p.objects)
    if len(p.props) == 1 and len(p.closed) == 1 and p.closed[0] == frozenset(p.props[0]):
        # The usual shape: known properties and nothing else. One pass over the instance's keys.
        get = p.props[0].get

        def closed_run(x: dict) -> bool:
            for k in required:
                if k not in x:
                    return False
            for k, v in x.items():
                check = get(k)
                if check is None or not check(v):
                    return False
            return extra is None or extra(x)
        return closed_run
    props = tuple(tuple(d.items()) for d in p.props)
    closed = tuple(p.closed)
    if not required and not props and not closed and extra is None:
        return None

    def run(x: dict) -> bool:
        for k in required:
            if k not in x:
                return False
        for known in closed:
            if not known.issuperset(x):
                return False
        for pairs in props:
            for k, check in pairs:
                if k in x and not check(x[k]):
                    return False
        return extra is None or extra(x)
    return run


def _number_body(p: _Parts) -> Check | None:
    return _all(p.numbers)


def _build(p: _Parts) -> Check:
    """One predicate for the parts: a single `type` becomes one guarded call of that type's checks."""
    general = _all(p.general)
    bodies = {"string": _string_body(p), "array": _array_body(p), "object": _object_body(p),
              "number": _number_body(p)}
    if p.types is not None and len(p.types) == 1:
        (t,) = p.types
        guard = _TYPES[t]
        body = bodies["number"] if t in ("integer", "number") else bodies.get(t)
        if body is None and general is None:
            return guard
        cls = _CLASSES.get(t)
        if cls is not None:  # isinstance inline: one call less for every string, list and mapping
            if general is None:
                return lambda x: isinstance(x, cls) and body(x)
            if body is None:
                return lambda x: isinstance(x, cls) and general(x)
            return lambda x: isinstance(x, cls) and body(x) and general(x)
        if general is None:
            return lambda x: guard(x) and body(x)
        if body is None:
            return lambda x: guard(x) and general(x)
        return lambda x: guard(x) and body(x) and general(x)
    checks = list(p.general)
    if p.types is not None:
        preds = tuple(_TYPES[t] for t in sorted(p.types))
        checks.insert(0, lambda x: any(f(x) for f in preds))
    first = _all(checks)
    s_, a_, o_, n_ = bodies["string"], bodies["array"], bodies["object"], bodies["number"]
    if s_ is None and a_ is None and o_ is None and n_ is None:
        return first if first is not None else (lambda x: True)

    def run(x: Any) -> bool:
        if first is not None and not first(x):
            return False
        if isinstance(x, str):
            return s_ is None or s_(x)
        if isinstance(x, dict):
            return o_ is None or o_(x)
        if isinstance(x, list):
            return a_ is None or a_(x)
        if n_ is not None and _is_number(x):
            return n_(x)
        return True
    return run


def compile_check(schema: dict, resources: dict[str, dict], format_checker: Any, name: str,
                  pattern: Callable[[str], re.Pattern[str]] = re.compile) -> Check | None:
    """A validity predicate for `schema` (known to `resources` as `name`), or None if unsupported.

    `pattern` compiles a schema's `pattern` exactly as the authoritative validator does (the
    atlas gives `$` its ECMA-262 meaning, see data.ecma_pattern): the predicate must never
    accept what the validator rejects."""
    try:
        return _Compiler(resources, format_checker, pattern).compile(schema, name)
    except (Unsupported, KeyError, IndexError, ValueError, TypeError, re.error):
        return None


class FastValidator:
    """A jsonschema validator that answers valid documents from a compiled predicate.

    `iter_errors` yields nothing when the predicate accepts the document, and otherwise
    exactly what the jsonschema validator yields; everything else is the validator's own.
    """

    def __init__(self, validator: Any, check: Check | None) -> None:
        self.validator = validator
        self.check = check

    def iter_errors(self, instance: Any):
        if self.check is not None and self.check(instance):
            return iter(())
        return self.validator.iter_errors(instance)

    def is_valid(self, instance: Any) -> bool:
        if self.check is not None and self.check(instance):
            return True
        return self.validator.is_valid(instance)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.validator, name)
