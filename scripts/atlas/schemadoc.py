"""The data schemas as documentation: one `FieldDoc` per field, for the site's data reference page.

In: the JSON Schemas of `data/schema/` by name ("paper", "external", ...). Out: the fields of a
paper entry and of each registry file, in the schemas' order: required or not, type and limits
in words, description, examples as YAML. Rendered on every build, so it cannot drift from them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

_DEF_WORDS = {
    "line": "text on one line",
    "text": "text (a block scalar such as >- for long text)",
    "slug": "an id: lowercase a-z, 0-9 and single hyphens",
    "relation": "a mapping (type, target, evidence)",
    "facets": "a mapping of facets",
    "vocabulary": "a mapping: value id -> name and description",
}
_TYPE_WORDS = {"string": "text", "integer": "a whole number", "array": "a list", "object": "a mapping",
               "boolean": "true or false", "number": "a number"}
# Limits in words, in the order they are listed (besides `enum` first and a date format last).
_LIMITS = {"minLength": "at least {} characters", "maxLength": "at most {} characters",
           "minItems": "at least {} item(s)", "maxItems": "at most {} items", "minProperties": "at least {} entry(ies)",
           "uniqueItems": "no item twice", "minimum": "at least {}", "maximum": "at most {}"}
# The registry files the reference documents after the paper entry, by schema name: data/<name>.yml.
REGISTRIES = ("topics", "external", "facets", "reading-paths")


@dataclass
class FieldDoc:
    name: str  # as written in YAML, e.g. "relations[].type" for a nested field
    anchor: str
    requirement: str
    type: str
    constraints: list[str]
    description: str
    examples: list[str]
    pattern: str | None = None  # the regular expression a text must match, where the type words do not say it
    children: list["FieldDoc"] = field(default_factory=list)


@dataclass
class FileDoc:
    """One registry file: what its keys are and the fields of each entry."""

    path: str
    anchor: str
    description: str
    keys: str  # what a top-level key is, in words
    fields: list[FieldDoc]


class _Schemas(dict):
    """The schemas by name, resolving `$ref`s within a schema and across the files as the validator does."""

    def resolve(self, node: dict, schema: dict) -> tuple[dict, str | None, dict]:
        """`node` with its `$ref` target merged in (local keys win), the `$defs` name it names, and the
        schema the target lives in (where its own local references resolve)."""
        ref = node.get("$ref")
        if not ref:
            return node, None, schema
        file, _, pointer = ref.partition("#")
        target_schema = self[file.removesuffix(".schema.json")] if file else schema
        target: Any = target_schema
        for part in pointer.strip("/").split("/"):
            target = target[part]
        target, inner_name, target_schema = self.resolve(target, target_schema)
        if "/properties/" in pointer and "description" in node:
            # Borrowing another field's format (external `evidence` is paper `code`'s URL form): its own
            # description says what it holds, so the other field's examples would mislead.
            target = {k: v for k, v in target.items() if k != "examples"}
        name = pointer.rsplit("/", 1)[-1] if pointer.startswith("/$defs/") else inner_name
        return {**target, **{k: v for k, v in node.items() if k != "$ref"}}, name, target_schema

    def type_words(self, node: dict, schema: dict) -> str:
        node, ref, schema = self.resolve(node, schema)
        if ref in _DEF_WORDS:
            return _DEF_WORDS[ref]
        kind = node.get("type")
        if kind == "array":
            return "a list; each item is " + self.type_words(node.get("items", {}), schema)
        if kind == "string" and node.get("format") == "date":
            return "a date, YYYY-MM-DD"
        if kind == "object" and isinstance(node.get("additionalProperties"), dict) and "properties" not in node:
            return "a mapping: id -> " + self.type_words(node["additionalProperties"], schema).removeprefix("a ")
        return _TYPE_WORDS.get(kind, "a value") if isinstance(kind, str) else "a value"


def _constraints(node: dict) -> list[str]:
    out = ["one of: " + ", ".join(str(v) for v in node["enum"])] if "enum" in node else []
    for key, words in _LIMITS.items():
        # minLength 1 only says "not empty" and a false uniqueItems nothing: neither is listed.
        if key in node and (node[key] > 1 if key == "minLength" else node[key] or key != "uniqueItems"):
            out.append(words.format(node[key]))
    if node.get("format") == "date":
        out.append("a real calendar date")
    return out


class _Dumper(yaml.SafeDumper):
    """Lists indented under their key, as the atlas's files write them."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        return super().increase_indent(flow, False)


def _example_yaml(name: str, value: Any) -> str:
    return yaml.dump({name: value}, Dumper=_Dumper, allow_unicode=True, sort_keys=False,
                     default_flow_style=False, width=1000).rstrip("\n")


def _requirement(name: str, container: dict) -> str:
    if name in container.get("required", []):
        return "required"
    one_of = sorted({r for branch in container.get("oneOf", []) for r in branch.get("required", [])})
    if name in one_of:
        return f"required unless {' or '.join(g for g in one_of if g != name)} is given (give exactly one)"
    for key, needs in (container.get("dependentRequired") or {}).items():
        if name in needs:
            return f"required when {key} is given, else optional"
    return "optional"


def _field(s: _Schemas, name: str, key: str, node: dict, schema: dict, container: dict, anchor: str) -> FieldDoc:
    resolved, ref, where = s.resolve(node, schema)
    return FieldDoc(name=name, anchor=anchor, requirement=_requirement(key, container), type=s.type_words(node, schema),
                    constraints=_constraints(resolved), description=resolved.get("description", ""),
                    examples=[_example_yaml(key, ex) for ex in resolved.get("examples", [])],
                    pattern=resolved.get("pattern") if ref is None else None,
                    children=_children(s, name, resolved, where, anchor))


def _children(s: _Schemas, name: str, node: dict, schema: dict, anchor: str) -> list[FieldDoc]:
    """Nested fields: a mapping's own fields, the fields of each item of a list of mappings, and the
    fields of each entry of an id -> mapping (subtopics, facet values)."""
    prefix = f"{name}." if name else ""
    if node.get("type") == "array":
        inner, _, where = s.resolve(node.get("items", {}), schema)
        return _children(s, f"{name}[]", inner, where, anchor) if inner.get("type") == "object" else []
    if node.get("type") != "object":
        return []
    if "properties" in node:
        return [_field(s, prefix + sub, sub, subnode, schema, node, f"{anchor}-{sub}".strip("-").replace("_", "-"))
                for sub, subnode in node["properties"].items()]
    entry = node.get("additionalProperties")
    if isinstance(entry, dict):
        inner, _, where = s.resolve(entry, schema)
        return _children(s, f"{prefix}<id>", inner, where, anchor)
    return []


def field_docs(schema: dict, schemas: dict[str, dict] | None = None) -> list[FieldDoc]:
    """Every top-level field of the paper schema, in the schema's order, with nested fields."""
    s = _Schemas({"paper": schema, **(schemas or {})})
    return [_field(s, name, name, node, schema, schema, name.replace("_", "-"))
            for name, node in schema["properties"].items()]


def registry_docs(schemas: dict[str, dict]) -> list[FileDoc]:
    """The registry files next to the papers (topics, external works, facet values, reading paths)."""
    s = _Schemas(schemas)
    out = []
    for name in [n for n in REGISTRIES if n in schemas]:
        schema, anchor = schemas[name], "file-" + name
        if "properties" in schema:  # fixed keys (facets.yml: one vocabulary per facet kind)
            keys = "the keys " + ", ".join(schema["properties"])
            fields = [_field(s, k, k, node, schema, schema, f"{anchor}-{k}") for k, node in schema["properties"].items()]
        else:  # id -> entry (topics, external works, reading paths)
            keys = s.type_words({"$ref": "paper.schema.json#/$defs/slug"}, schema)
            if required := schema.get("required"):
                keys += f"; these must be present: {', '.join(required)}"
            value = schema.get("additionalProperties") or {}
            entry, _, where = s.resolve(value, schema)
            keys += f"; each value is {s.type_words(value, schema)}"
            fields = _children(s, "<id>", entry, where, anchor)
        out.append(FileDoc(f"data/{name}.yml", anchor, schema.get("description", ""), keys, fields))
    return out
