"""The GitHub workflows: valid against the GitHub workflow schema (offline), pinned, and doing what they say."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from atlas.yamlsafe import parse
from conftest import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"
FILES = sorted(WORKFLOWS.glob("*.yml"))
# Any attempt to reach the network goes to a closed local port and fails.
OFFLINE = dict(os.environ, HTTP_PROXY="http://127.0.0.1:9", HTTPS_PROXY="http://127.0.0.1:9",
               http_proxy="http://127.0.0.1:9", https_proxy="http://127.0.0.1:9", NO_PROXY="", no_proxy="")


def check(*files: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
                           *map(str, files)], capture_output=True, text=True, env=OFFLINE, timeout=120)


def load(name: str) -> dict:
    return parse((WORKFLOWS / name).read_bytes()).value


def test_the_three_workflows_exist():
    assert [f.name for f in FILES] == ["ci.yml", "links.yml", "pages.yml"]


def test_every_workflow_passes_the_github_workflow_schema_offline():
    result = check(*FILES)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok -- validation done" in result.stdout


def test_a_broken_workflow_is_rejected(tmp_path):
    broken = tmp_path / "ci.yml"
    text = (WORKFLOWS / "ci.yml").read_text(encoding="utf-8")
    broken.write_text(text.replace("runs-on: ubuntu-24.04", "runs_on: ubuntu-24.04"), encoding="utf-8")
    result = check(broken)
    assert result.returncode == 1
    assert "Schema validation errors were encountered." in result.stdout + result.stderr


def test_every_action_is_pinned_to_a_full_commit_sha():
    uses = []
    for f in FILES:
        for line in f.read_text(encoding="utf-8").splitlines():
            m = re.match(r"^\s*(?:- )?uses: (\S+)(.*)$", line)
            if m:
                uses.append((f.name, m.group(1), m.group(2)))
    assert len(uses) >= 8
    for name, ref, rest in uses:
        assert re.fullmatch(r"actions/[a-z-]+@[0-9a-f]{40}", ref), (name, ref)
        assert re.fullmatch(r" # v[0-9]+\.[0-9]+\.[0-9]+", rest), (name, ref, "needs its version as a comment")


def steps(job: dict) -> list[str]:
    return [s.get("run", "") for s in job["steps"]]


def test_ci_runs_every_check_on_pull_requests_and_pushes():
    ci = load("ci.yml")
    assert set(ci["on"]) == {"pull_request", "push"}
    assert ci["concurrency"]["cancel-in-progress"] == "true"  # yamlsafe keeps YAML booleans as text
    assert ci["permissions"] == {"contents": "read"}
    job = ci["jobs"]["check"]
    runs = steps(job)
    order = [next(i for i, r in enumerate(runs) if r.startswith(cmd))
             for cmd in ("make validate", "make test", "make build")]
    assert order == sorted(order)
    diff = next(s for s in job["steps"] if s.get("run", "").startswith("make diff"))
    assert diff["run"] == 'make diff BASE="origin/$BASE_REF" >> "$GITHUB_STEP_SUMMARY"'
    assert "github.event_name == 'pull_request'" in diff["if"]
    assert any("apt-get install" in r and "chromium" in r for r in runs)
    assert job["container"] == "python:3.11-bookworm"


def test_pages_deploys_from_main_only_with_least_privilege():
    pages = load("pages.yml")
    assert pages["on"] == {"push": {"branches": ["main"]}}
    assert pages["permissions"] == {}
    build, deploy = pages["jobs"]["build"], pages["jobs"]["deploy"]
    assert build["permissions"] == {"contents": "read", "pages": "read"}
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["needs"] == "build"
    make = next(s for s in build["steps"] if s.get("run") == "make build")
    assert make["env"] == {"ATLAS_SITE_URL": "${{ steps.pages.outputs.base_url }}/",
                           "ATLAS_REPO_URL": "${{ github.server_url }}/${{ github.repository }}"}
    used = [s.get("uses", "").split("@")[0] for j in (build, deploy) for s in j["steps"]]
    assert {"actions/configure-pages", "actions/upload-pages-artifact", "actions/deploy-pages"} <= set(used)


def test_the_link_check_is_weekly_and_never_on_pull_requests():
    links = load("links.yml")
    assert set(links["on"]) == {"schedule", "workflow_dispatch"}
    cron = links["on"]["schedule"][0]["cron"].split()
    assert len(cron) == 5 and cron[2:4] == ["*", "*"] and cron[4] != "*"  # one weekday: weekly
    assert any("make -s links" in r for r in steps(links["jobs"]["links"]))


@pytest.mark.parametrize("name", ["ci.yml", "pages.yml", "links.yml"])
def test_no_untrusted_expression_is_expanded_inside_a_script(name):
    """Event data reaches scripts through env:, never through ${{ }} in run: (script injection)."""
    for job in load(name)["jobs"].values():
        for step in job["steps"]:
            assert "${{" not in step.get("run", ""), step
