"""Golden files: a few outputs of `generate()` for a small fixed corpus, compared byte for byte.

The corpus is tests/fixtures/golden-corpus/: ten real papers of data/papers (their citations,
mentions and relations cut to what stays inside the ten) with registries cut to what they use,
checked against the schemas of data/schema/. Editing data/ therefore leaves the goldens alone;
changing what the build makes of a paper, a topic or the graph does not.

The expected files are tests/golden/<output path>. After an intended change to the output,
rewrite them with the update flag (defined in tests/conftest.py) and review the difference:

    .venv/bin/python -m pytest tests/test_golden.py --update-golden
    git diff tests/golden/
"""

from __future__ import annotations

import difflib
import json
import shutil

import pytest

from atlas.build import generate
from conftest import DATA, ROOT

CORPUS = ROOT / "tests" / "fixtures" / "golden-corpus"
GOLDEN = ROOT / "tests" / "golden"
FILES = ("papers/vattention.md", "papers/vattention/graph.json", "topics/memory.md", "downloads/graph.json", "downloads/papers.bib",
         "downloads/timeline.svg", "stylesheets/atlas-vocabulary.css", "javascripts/atlas-vocabulary.js")
DIFF_LINES = 60


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> dict[str, bytes]:
    data = tmp_path_factory.mktemp("golden") / "data"
    shutil.copytree(CORPUS, data)
    shutil.copytree(DATA / "schema", data / "schema")
    return generate(data, site_url="https://example.invalid/atlas/").files


def readable(path: str, content: bytes) -> list[str]:
    """The lines a diff shows: JSON indented (the file itself is one line), anything else (or JSON
    that does not parse, such as a golden file with merge conflict markers) as it is."""
    text = content.decode("utf-8", errors="replace")
    if path.endswith(".json"):
        try:
            text = json.dumps(json.loads(text), indent=1, sort_keys=True, ensure_ascii=False)
        except ValueError:
            pass
    return text.splitlines(keepends=True)


@pytest.mark.parametrize("path", FILES)
def test_output_equals_golden_file(path, outputs, request):
    golden = GOLDEN / path
    actual = outputs[path]
    if request.config.getoption("update_golden"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(actual)
        return
    assert golden.is_file(), f"no golden file {golden.relative_to(ROOT)}: run pytest {__file__} --update-golden"
    expected = golden.read_bytes()
    if actual != expected:
        diff = list(difflib.unified_diff(readable(path, expected), readable(path, actual),
                                         f"tests/golden/{path}", f"generated {path}"))
        shown = "".join(diff[:DIFF_LINES]) + (f"... ({len(diff) - DIFF_LINES} more diff lines)\n" if len(diff) > DIFF_LINES else "")
        pytest.fail(f"{path} differs from its golden file (if intended: pytest tests/test_golden.py --update-golden, "
                    f"then review git diff tests/golden/):\n{shown}", pytrace=False)
