"""The paper schema as documentation: one `FieldDoc` per field, for the site's data reference page.

In: `data/schema/paper.schema.json` (a dict). Out: the fields in the schema's order, each with
whether it is required, its type and format in words, its description and its examples as
YAML. The page is rendered from this on every build, so it cannot drift from the schema.
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
}
_TYPE_WORDS = {"string": "text", "integer": "a whole number", "array": "a list", "object": "a mapping",
               "boolean": "true or false", "number": "a number"}


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


def _resolve(node: dict, schema: dict) -> tuple[dict, str | None]:
    """A property's schema with a local `$ref` merged in (local keys win), and the name of the def."""
    ref = node.get("$ref")
    if not ref or not ref.startswith("#/$defs/"):
        return node, None
    name = ref[len("#/$defs/"):]
    merged = {**schema["$defs"][name], **{k: v for k, v in node.items() if k != "$ref"}}
    return merged, name


def _type_words(node: dict, schema: dict) -> str:
    node, ref = _resolve(node, schema)
    if ref in _DEF_WORDS:
        return _DEF_WORDS[ref]
    kind = node.get("type")
    if kind == "array":
        return "a list; each item is " + _type_words(node.get("items", {}), schema)
    if kind == "string" and node.get("format") == "date":
        return "a date, YYYY-MM-DD"
    return _TYPE_WORDS.get(kind, "a value") if isinstance(kind, str) else "a value"


def _constraints(node: dict, schema: dict) -> list[str]:
    node, _ = _resolve(node, schema)
    out = []
    if "enum" in node:
        out.append("one of: " + ", ".join(str(v) for v in node["enum"]))
    if "minLength" in node and node["minLength"] > 1:
        out.append(f"at least {node['minLength']} characters")
    if "maxLength" in node:
        out.append(f"at most {node['maxLength']} characters")
    if "minItems" in node:
        out.append(f"at least {node['minItems']} item(s)")
    if "maxItems" in node:
        out.append(f"at most {node['maxItems']} items")
    if node.get("uniqueItems"):
        out.append("no item twice")
    if "minimum" in node:
        out.append(f"at least {node['minimum']}")
    if "maximum" in node:
        out.append(f"at most {node['maximum']}")
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


def _requirement(name: str, required: list[str], one_of: list[list[str]]) -> str:
    if name in required:
        return "required"
    for group in one_of:
        if name in group:
            others = [g for g in group if g != name]
            return f"required unless {' or '.join(others)} is given (give exactly one)"
    return "optional"


def _field(name: str, key: str, node: dict, schema: dict, required: list[str], one_of: list[list[str]],
           anchor_prefix: str = "") -> FieldDoc:
    resolved, ref = _resolve(node, schema)
    doc = FieldDoc(
        name=name,
        anchor=(anchor_prefix + key).replace("_", "-"),
        requirement=_requirement(key, required, one_of),
        type=_type_words(node, schema),
        constraints=_constraints(node, schema),
        description=resolved.get("description", ""),
        examples=[_example_yaml(key, ex) for ex in resolved.get("examples", [])],
        pattern=resolved.get("pattern") if ref is None else None,
    )
    # Nested fields: the items of a list of mappings (relations) and a mapping's own fields (facets, scale).
    inner = resolved
    if resolved.get("type") == "array":
        inner, _ = _resolve(resolved.get("items", {}), schema)
    if inner.get("type") == "object" and "properties" in inner:
        prefix = f"{name}[]." if resolved.get("type") == "array" else f"{name}."
        for sub, subnode in inner["properties"].items():
            doc.children.append(_field(prefix + sub, sub, subnode, schema, inner.get("required", []), [],
                                       anchor_prefix=doc.anchor + "-"))
    return doc


def field_docs(schema: dict) -> list[FieldDoc]:
    """Every top-level field of the paper schema, in the schema's order, with nested fields."""
    required = schema.get("required", [])
    one_of = [sorted({r for branch in schema.get("oneOf", []) for r in branch.get("required", [])})]
    return [_field(name, name, node, schema, required, one_of) for name, node in schema["properties"].items()]
