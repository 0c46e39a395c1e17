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


def _pointer(doc: Any, fragment: str) -> Any:
    if not fragment.startswith("/") and fragment:
        raise Unsupported(f"anchor reference #{fragment}")
    node = doc
    for part in fragment.split("/")[1:]:
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


class _Compiler:
    def __init__(self, resources: dict[str, dict], format_checker: Any,
                 pattern: Callable[[str], re.Pattern[str]] = re.compile) -> None:
        self.resources = resources
        self.format_checker = format_checker
        self.pattern = pattern
        self.refs: dict[tuple[str, str], list[Check]] = {}

    def ref(self, base: str, ref: str) -> Check:
        name, _, fragment = ref.partition("#")
        name = name or base
        if name not in self.resources:
            raise Unsupported(f"reference to {ref}")
        key = (name, fragment)
        if key not in self.refs:
            cell: list[Check] = []
            self.refs[key] = cell  # recursion-safe: filled once compiled
            cell.append(self.compile(_pointer(self.resources[name], fragment), name))
        cell = self.refs[key]
        if cell:  # compiled already: call it directly
            return cell[0]
        return lambda x: cell[0](x)  # a recursive reference, filled in once compiled

    def compile(self, schema: Any, base: str) -> Check:
        if schema is True:
            return lambda x: True
        if schema is False:
            return lambda x: False
        if not isinstance(schema, dict):
            raise Unsupported(f"schema {schema!r}")
        unknown = set(schema) - _SUPPORTED
        if unknown:
            raise Unsupported(", ".join(sorted(unknown)))
        s = schema
        anything: list[Check] = []   # checks that apply to every instance
        strings: list[Check] = []    # checks that apply only when the instance is a string
        numbers_: list[Check] = []   # ... a number
        arrays: list[Check] = []     # ... a list
        objects: list[Check] = []    # ... a dict

        if "type" in s:
            types = s["type"] if isinstance(s["type"], list) else [s["type"]]
            preds = [_TYPES[t] for t in types]
            anything.append(preds[0] if len(preds) == 1 else (lambda x, p=preds: any(f(x) for f in p)))
        if "enum" in s:
            enum = list(s["enum"])
            if all(isinstance(e, str) for e in enum):
                strs = frozenset(enum)
                anything.append(lambda x: x in strs if isinstance(x, str) else any(equal(e, x) for e in enum))
            else:
                anything.append(lambda x: any(equal(e, x) for e in enum))
        if "const" in s:
            const = s["const"]
            anything.append(lambda x: equal(const, x))

        if "pattern" in s:
            search = self.pattern(s["pattern"]).search
            strings.append(lambda x: search(x) is not None)
        if "minLength" in s:
            n = s["minLength"]
            strings.append(lambda x: len(x) >= n)
        if "maxLength" in s:
            n2 = s["maxLength"]
            strings.append(lambda x: len(x) <= n2)
        if "format" in s and self.format_checker is not None:
            fmt, conforms = s["format"], self.format_checker.conforms
            anything.append(lambda x: conforms(x, fmt))

        for key, ok in (("minimum", lambda x, m: x >= m), ("maximum", lambda x, m: x <= m),
                        ("exclusiveMinimum", lambda x, m: x > m), ("exclusiveMaximum", lambda x, m: x < m)):
            if key in s:
                numbers_.append(lambda x, m=s[key], ok=ok: ok(x, m))

        if "minItems" in s:
            lo = s["minItems"]
            arrays.append(lambda x: len(x) >= lo)
        if "maxItems" in s:
            hi = s["maxItems"]
            arrays.append(lambda x: len(x) <= hi)
        if s.get("uniqueItems"):
            arrays.append(uniq)
        if "items" in s:
            arrays.append(_each(self.compile(s["items"], base)))

        if "required" in s:
            req = tuple(s["required"])
            objects.append(lambda x: all(k in x for k in req))
        if "minProperties" in s:
            lo2 = s["minProperties"]
            objects.append(lambda x: len(x) >= lo2)
        if "maxProperties" in s:
            hi2 = s["maxProperties"]
            objects.append(lambda x: len(x) <= hi2)
        if "dependentRequired" in s:
            deps = {k: tuple(v) for k, v in s["dependentRequired"].items()}
            objects.append(lambda x: all(all(d in x for d in ds) for k, ds in deps.items() if k in x))
        props = tuple((k, self.compile(v, base)) for k, v in (s.get("properties") or {}).items())
        if props:
            objects.append(_properties(props))
        if "propertyNames" in s:
            key_check = self.compile(s["propertyNames"], base)
            objects.append(lambda x: all(key_check(k) for k in x))
        if "additionalProperties" in s:
            ap, known = s["additionalProperties"], frozenset(s.get("properties") or {})
            if ap is False:
                objects.append(known.issuperset)
            else:
                extra = self.compile(ap, base)
                objects.append(lambda x: all(extra(v) for k, v in x.items() if k not in known))

        if "$ref" in s:
            anything.append(self.ref(base, s["$ref"]))
        if "allOf" in s:
            anything.append(_all([self.compile(x, base) for x in s["allOf"]]))
        if "anyOf" in s:
            subs_any = [self.compile(x, base) for x in s["anyOf"]]
            anything.append(lambda x: any(f(x) for f in subs_any))
        if "oneOf" in s:
            subs_one = [self.compile(x, base) for x in s["oneOf"]]
            anything.append(lambda x: sum(1 for f in subs_one if f(x)) == 1)
        if "not" in s:
            negated = self.compile(s["not"], base)
            anything.append(lambda x: not negated(x))
        return _combine(anything, strings, numbers_, arrays, objects)


def _all(checks: list[Check]) -> Check:
    if not checks:
        return lambda x: True
    if len(checks) == 1:
        return checks[0]
    checks_t = tuple(checks)

    def run(x: Any) -> bool:
        for c in checks_t:
            if not c(x):
                return False
        return True
    return run


def _each(item: Check) -> Check:
    def run(xs: list) -> bool:
        for x in xs:
            if not item(x):
                return False
        return True
    return run


def _properties(props: tuple[tuple[str, Check], ...]) -> Check:
    def run(x: dict) -> bool:
        for k, check in props:
            if k in x and not check(x[k]):
                return False
        return True
    return run


def _combine(anything: list[Check], strings: list[Check], numbers_: list[Check],
             arrays: list[Check], objects: list[Check]) -> Check:
    """One predicate: the general checks, then the checks for the instance's own type."""
    general, s_, a_, o_ = _all(anything), _all(strings), _all(arrays), _all(objects)
    n_ = _all(numbers_)
    has_s, has_n, has_a, has_o = bool(strings), bool(numbers_), bool(arrays), bool(objects)

    def run(x: Any) -> bool:
        if not general(x):
            return False
        if isinstance(x, str):
            return s_(x) if has_s else True
        if isinstance(x, dict):
            return o_(x) if has_o else True
        if isinstance(x, list):
            return a_(x) if has_a else True
        if has_n and _is_number(x):
            return n_(x)
        return True
    if not (has_s or has_n or has_a or has_o):
        return general
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
