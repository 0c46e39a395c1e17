"""One test per validation rule: a small bad entry in, the exact error line out."""

from __future__ import annotations

from pathlib import Path

import pytest

from datafixture import ALLOWED_FIELDS, GOOD, problem_lines, small_data_dir



@pytest.fixture
def data_dir(tmp_path) -> Path:
    return small_data_dir(tmp_path, GOOD.replace("good-paper", "other-paper").replace("2405.00001", "2405.00002"))


def errors(data_dir: Path, text: str | bytes, name: str = "good-paper") -> list[str]:
    return problem_lines(data_dir, f"{name}.yml", text)


F = "data/papers/good-paper.yml"


def test_the_good_entry_is_accepted(data_dir):
    assert errors(data_dir, GOOD) == []


def test_missing_title(data_dir):
    text = GOOD.replace('title: "Good: A Paper"\n', "")
    assert errors(data_dir, text) == [f"{F}:2:1: title: required field is missing"]


def test_unknown_field_with_suggestion(data_dir):
    text = GOOD.replace("topics:", "titel: x\ntopics:")
    assert errors(data_dir, text) == [
        f"{F}:8:1: titel: unknown field (did you mean 'title'?); allowed: {ALLOWED_FIELDS}"
    ]


def test_wrong_type(data_dir):
    text = GOOD.replace("  - Ada Lovelace\n", "").replace("authors:", "authors: Ada Lovelace")
    assert errors(data_dir, text) == [f'{F}:4:10: authors: expected a list, got "Ada Lovelace"']


def test_authors_and_author_count_together(data_dir):
    text = GOOD.replace("published:", "author_count: 3\npublished:")
    assert errors(data_dir, text) == [
        f"{F}:6:15: author_count: give authors or author_count, not both (author_count is only for unknown names)"
    ]


def test_impossible_date(data_dir):
    text = GOOD.replace("2024-05-01", "2023-13-45")
    assert errors(data_dir, text) == [f'{F}:6:12: published: expected a real date YYYY-MM-DD, got "2023-13-45"']


def test_unquoted_arxiv_id_read_as_a_number(data_dir):
    text = GOOD.replace('"2405.00001"', "2312.99910")
    assert errors(data_dir, text) == [
        f'{F}:7:8: arxiv: quote the arXiv id: write arxiv: "2312.99910" (unquoted, YAML reads the number 2312.9991)'
    ]


def test_arxiv_version_suffix(data_dir):
    text = GOOD.replace('"2405.00001"', '"2405.00001v2"')
    assert errors(data_dir, text) == [
        f'{F}:7:8: arxiv: expected an arXiv id without version suffix, got "2405.00001v2": write "2405.00001"'
    ]


def test_duplicate_arxiv_id(data_dir):
    text = GOOD.replace("2405.00001", "2405.00002")
    # Files are checked in name order, so the later file is the one reported.
    assert errors(data_dir, text) == [
        "data/papers/other-paper.yml:7:8: arxiv: arXiv id 2405.00002 is already in data/papers/good-paper.yml"
    ]


def test_id_differs_from_file_name(data_dir):
    assert errors(data_dir, GOOD, name="good") == [
        "data/papers/good.yml:2:5: id: the id 'good-paper' must equal the file name 'good'"
    ]


def test_unknown_topic_with_suggestion(data_dir):
    text = GOOD.replace("  - offloading", "  - ofloading")
    assert errors(data_dir, text) == [
        f"{F}:9:5: topics[0]: unknown topic 'ofloading' (did you mean 'offloading'?); topics are listed in data/topics.yml"
    ]


CITE = "references:\n  version: arXiv v1\n  cites:\n    - target: {}\n      ref: \"[1] A. Author. A paper. 2024.\"\n"


def test_unknown_cited_paper_with_suggestion(data_dir):
    text = GOOD.replace("abstract:", CITE.format("other-papr") + "abstract:")
    assert errors(data_dir, text) == [
        f"{F}:13:15: references.cites[0].target: unknown paper or external work 'other-papr' (did you mean "
        "'other-paper'?); a citation names an id of data/papers/<id>.yml or data/external.yml"
    ]


def test_a_citation_may_name_an_outside_work(data_dir):
    assert errors(data_dir, GOOD.replace("abstract:", CITE.format("deepspeed") + "abstract:")) == []


def test_self_citation(data_dir):
    text = GOOD.replace("abstract:", CITE.format("good-paper") + "abstract:")
    assert errors(data_dir, text) == [f"{F}:13:15: references.cites[0].target: a paper cannot cite itself"]


def test_a_work_is_cited_once(data_dir):
    cite = CITE.format("other-paper")
    twice = cite + cite.split("  cites:\n", 1)[1].replace("[1]", "[9]")
    assert errors(data_dir, GOOD.replace("abstract:", twice + "abstract:")) == [
        f"{F}:15:15: references.cites[1].target: 'other-paper' is already cited at references.cites[0]; cite a work once"
    ]


def test_a_citation_without_its_reference_line_fails(data_dir):
    text = GOOD.replace("abstract:", CITE.format("other-paper").split("      ref:")[0] + "abstract:")
    assert errors(data_dir, text) == [f"{F}:13:7: references.cites[0].ref: required field is missing"]


def test_references_without_the_version_read_fail(data_dir):
    text = GOOD.replace("abstract:", CITE.format("other-paper").replace("  version: arXiv v1\n", "") + "abstract:")
    assert errors(data_dir, text) == [f"{F}:11:3: references.version: required field is missing"]


def test_unknown_external_work(data_dir):
    text = GOOD.replace("abstract:", "mentions: [deepspeedd]\nabstract:")
    assert errors(data_dir, text) == [
        f"{F}:10:12: mentions[0]: unknown paper or external work 'deepspeedd' (did you mean 'deepspeed'?); mentions lists "
        "ids of data/papers/<id>.yml or data/external.yml"
    ]


def test_a_paper_in_other_lists_no_other_topic_and_no_facets(data_dir):
    text = GOOD.replace("  - offloading", "  - other\n  - offloading")
    assert errors(data_dir, text) == [
        f"{F}:9:5: topics[0]: 'other' means not about memory, distributed training or hardware for large-scale ML; "
        "a paper is in other or in a topic, never both (also lists offloading)"
    ]


def test_url_must_be_https(data_dir):
    text = GOOD.replace("topics:", "code: javascript:alert(1)\ntopics:")
    assert errors(data_dir, text) == [
        f'{F}:8:7: code: expected an https:// URL with no spaces, quotes or angle brackets, got "javascript:alert(1)"'
    ]


def test_yaml_no_where_a_url_is_expected(data_dir):
    text = GOOD.replace("topics:", "code: no\ntopics:")
    assert errors(data_dir, text) == [
        f'{F}:8:7: code: expected an https:// URL with no spaces, quotes or angle brackets, got "no"'
    ]


def test_duplicate_key_names_both_lines(data_dir):
    text = GOOD.replace("topics:", 'title: "Again"\ntopics:')
    assert errors(data_dir, text) == [f"{F}:8:1: title: duplicate key 'title' (first on line 3); keep one"]


def test_control_character_from_a_latex_escape(data_dir):
    text = GOOD.replace('"Good: A Paper"', '"Good \\alpha"')
    assert errors(data_dir, text) == [
        f"{F}:3:8: title: contains control character U+0007 (BELL) at character 6 "
        "(a backslash escape inside double quotes, as in \"\\alpha\", makes one: use single quotes or a block scalar for LaTeX)"
    ]


def test_empty_file(data_dir):
    assert errors(data_dir, b"") == [f"{F}:1:1: (file): the file is empty; expected a YAML mapping of fields"]


def test_syntax_error_with_hint(data_dir):
    text = GOOD.replace('"Good: A Paper"', "Good: A Paper")
    assert errors(data_dir, text) == [
        f"{F}:3:12: (file): YAML syntax error: mapping values are not allowed in this context "
        "(hint: a value contains ': ' (colon and space); put the whole value in quotes)"
    ]


def test_non_utf8_bytes_give_a_line(data_dir):
    raw = GOOD.replace("Ada Lovelace", "Ada Lovel\xe6ce").encode("latin-1")
    assert errors(data_dir, raw) == [f"{F}:5:14: (file): the file is not UTF-8 (byte 0xe6); save it as UTF-8"]


def test_errors_in_several_files_are_all_reported(data_dir):
    (data_dir / "papers" / "other-paper.yml").write_text("id: other-paper\n", encoding="utf-8")
    out = errors(data_dir, GOOD.replace("  - offloading", "  - nope"))
    assert any(line.startswith("data/papers/other-paper.yml:1:1: abstract:") for line in out)
    assert any(line.startswith(f"{F}:9:5: topics[0]: unknown topic 'nope'") for line in out)


@pytest.mark.parametrize("arxiv", ["2313.00001", "1501.0001", "1412.00001", "0013.00001"])
def test_an_arxiv_id_that_cannot_exist_is_refused(data_dir, arxiv):
    assert errors(data_dir, GOOD.replace('"2405.00001"', f'"{arxiv}"')) == [
        f'{F}:7:8: arxiv: expected an arXiv id like "2305.14314" or "hep-th/9901001", got "{arxiv}"']
