"""Facet registries and reading paths: the real data, and one test per rule with its exact message."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from datafixture import problem_lines, small_data_dir
from conftest import DATA

PAPERS = {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((DATA / "papers").glob("*.yml"))}
REGISTRY = yaml.safe_load((DATA / "facets.yml").read_text(encoding="utf-8"))
PATHS = yaml.safe_load((DATA / "reading-paths.yml").read_text(encoding="utf-8"))


def test_registries_have_the_four_facet_kinds_and_every_value_is_used():
    assert list(REGISTRY) == ["optimizes", "techniques", "hardware", "artifact"]
    assert {"memory", "throughput", "latency", "communication", "cost", "accuracy"} <= set(REGISTRY["optimizes"])
    assert {"offloading", "paging", "quantization", "recomputation", "sharding-zero", "pipeline-parallelism",
            "tensor-parallelism", "sequence-parallelism", "compute-communication-overlap", "compression",
            "zeroth-order", "federated", "decentralized", "agent-memory-design"} <= set(REGISTRY["techniques"])
    assert set(REGISTRY["artifact"]) == {"code", "code-promised", "project-page", "none-stated"}
    used = {k: set() for k in REGISTRY}
    for p in PAPERS.values():
        for kind, values in (p.get("facets") or {}).items():
            if kind in used:
                used[kind].update(values if isinstance(values, list) else [values])
    for kind, values in REGISTRY.items():
        assert sorted(set(values) - used[kind]) == [], kind


def test_every_on_mission_paper_has_curated_facets_and_an_artifact_statement():
    assert len(PAPERS) >= 58
    for pid, p in PAPERS.items():
        if "other" in p["topics"]:
            assert "facets" not in p, pid  # off-mission papers fill no systems facet page
            continue
        assert "facets" in p, pid
        assert p["facets"]["artifact"] in REGISTRY["artifact"], pid


def test_facet_numbers_come_from_the_abstract():
    """Every number in a headline result or a scale appears in the paper's own abstract."""
    checked = 0
    for pid, p in PAPERS.items():
        abstract = " ".join(p["abstract"].split())
        f = p.get("facets", {})
        for text in [f.get("result", ""), *(f.get("scale") or {}).values()]:
            for number in re.findall(r"\d[\d,.]*\d|\d", text):
                assert number in abstract, (pid, number, text)
                checked += 1
    assert checked > 100


def test_code_is_claimed_only_where_the_abstract_says_so():
    artifact = {pid: p.get("facets", {}).get("artifact") for pid, p in PAPERS.items()}
    promised = sorted(pid for pid, a in artifact.items() if a == "code-promised")
    assert {"bmojo", "lightseq", "se-moe"} <= set(promised)
    for pid in promised:
        assert re.search(r"will\s+be\s+(available|released)|to\s+be\s+open\s+sourced", PAPERS[pid]["abstract"]), pid
    for pid, p in PAPERS.items():
        if artifact[pid] == "code":
            abstract = " ".join(p["abstract"].split())
            assert re.search(r"\bcodes?\b|released|open[- ]?source|available at https://|github", abstract, re.I), pid
    assert PAPERS["llamarl"]["facets"]["result"] == (
        "Up to 10.7x speed-up compared to DeepSpeed-Chat-like systems on a 405B-parameter policy model.")


def test_reading_paths_cover_the_three_areas_with_existing_papers():
    assert list(PATHS) == ["memory", "distributed-training", "hardware"]
    for tid, steps in PATHS.items():
        assert len(steps) >= 5, tid
        assert len({s["paper"] for s in steps}) == len(steps), tid
        for s in steps:
            assert s["paper"] in PAPERS, s
    assert PATHS["memory"][0]["paper"] == "zero-infinity"


def test_independent_validator_accepts_the_registries():
    for name in ("facets", "reading-paths"):
        result = subprocess.run([sys.executable, "-m", "check_jsonschema", "--schemafile",
                                 str(DATA / "schema" / f"{name}.schema.json"), str(DATA / f"{name}.yml")],
                                capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr


GOOD = """\
# yaml-language-server: $schema=../schema/paper.schema.json
id: good-paper
title: "Good: A Paper"
authors:
  - Ada Lovelace
published: 2024-05-01
topics:
  - offloading
facets:
  optimizes: [memory]
  techniques: [offloading]
  hardware: [nvme]
  artifact: none-stated
abstract: >-
  A short abstract.
"""

PATH = """\
memory:
  - paper: good-paper
    why: Start here.
  - paper: other-paper
    why: Then this.
"""


@pytest.fixture
def data_dir(tmp_path) -> Path:
    return small_data_dir(tmp_path, GOOD.replace("good-paper", "other-paper"),
                          registries=("topics.yml", "external.yml", "facets.yml"))


def errors(data_dir: Path, paper: str = GOOD, paths: str | None = None, registry: str | None = None) -> list[str]:
    if paths is not None:
        (data_dir / "reading-paths.yml").write_text(paths, encoding="utf-8")
    if registry is not None:
        (data_dir / "facets.yml").write_text(registry, encoding="utf-8")
    return problem_lines(data_dir, "good-paper.yml", paper)


F = "data/papers/good-paper.yml"
R = "data/reading-paths.yml"


def test_good_facets_and_path_are_accepted(data_dir):
    assert errors(data_dir, paths=PATH) == []


def test_unknown_facet_value_with_suggestion(data_dir):
    text = GOOD.replace("techniques: [offloading]", "techniques: [ofloading]")
    assert errors(data_dir, text) == [
        f"{F}:11:16: facets.techniques[0]: unknown techniques value 'ofloading' (did you mean 'offloading'?); "
        "values are listed in data/facets.yml"
    ]


def test_unknown_artifact_value(data_dir):
    text = GOOD.replace("artifact: none-stated", "artifact: released")
    assert errors(data_dir, text) == [
        f"{F}:13:13: facets.artifact: unknown artifact value 'released'; values are listed in data/facets.yml"
    ]


def test_unknown_facet_kind(data_dir):
    text = GOOD.replace("  artifact: none-stated", "  artifact: none-stated\n  venue: mlsys")
    assert errors(data_dir, text) == [
        f"{F}:14:3: facets.venue: unknown field; allowed: artifact, hardware, optimizes, result, scale, techniques"
    ]


def test_facet_value_listed_twice(data_dir):
    text = GOOD.replace("optimizes: [memory]", "optimizes: [memory, memory]")
    assert errors(data_dir, text) == [f'{F}:10:14: facets.optimizes: lists "memory" more than once']


def test_scale_must_be_text_on_one_line(data_dir):
    text = GOOD.replace("  artifact:", "  scale:\n    devices: 512\n  artifact:")
    assert errors(data_dir, text) == [f"{F}:14:14: facets.scale.devices: expected text, got the number 512"]


def test_registry_value_needs_a_description(data_dir):
    registry = (DATA / "facets.yml").read_text(encoding="utf-8").replace(
        "    description: Ethernet, TCP/IP or internet WAN links with limited bandwidth.\n", "")
    out = errors(data_dir, registry=registry)
    assert len(out) == 1 and re.fullmatch(r"data/facets\.yml:\d+:\d+: hardware\.commodity-network\.description: "
                                          r"required field is missing", out[0]), out


def test_reading_path_names_an_unknown_paper(data_dir):
    assert errors(data_dir, paths=PATH.replace("paper: other-paper", "paper: other-papr")) == [
        f"{R}:4:12: memory[1].paper: unknown paper id 'other-papr' (did you mean 'other-paper'?)"
    ]


def test_reading_path_for_a_subtopic(data_dir):
    assert errors(data_dir, paths=PATH.replace("memory:", "offloading:")) == [
        f"{R}:1:1: offloading: 'offloading' is a subtopic; reading paths are for top-level topics "
        "(memory, distributed-training, hardware, other)"
    ]


def test_reading_path_repeats_a_paper(data_dir):
    assert errors(data_dir, paths=PATH.replace("paper: other-paper", "paper: good-paper")) == [
        f"{R}:4:12: memory[1].paper: 'good-paper' is already step 1 of this path"
    ]


def test_reading_path_step_without_why(data_dir):
    assert errors(data_dir, paths=PATH.replace("    why: Then this.\n", "")) == [
        f"{R}:4:5: memory[1].why: required field is missing"
    ]


def test_facets_without_a_registry(data_dir):
    (data_dir / "facets.yml").unlink()
    assert errors(data_dir) == ["data/facets.yml:1:1: (file): missing: papers use facets, whose values this registry lists"]
