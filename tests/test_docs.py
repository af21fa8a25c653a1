"""docs/derivation.md points at real lines of the code."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DERIVATION = ROOT / "docs" / "derivation.md"
LINK = re.compile(r"\[`([^`]+)`\]\(\.\./(sknnscratch/[\w/.]+)#L(\d+)\)")

pytestmark = pytest.mark.skipif(not DERIVATION.exists(), reason="needs the source")


def test_every_code_link_lands_on_the_line_it_names():
    links = LINK.findall(DERIVATION.read_text())
    assert len(links) >= 10
    for text, path, line in links:
        source = (ROOT / path).read_text().splitlines()
        assert text in source[int(line) - 1], f"{path}#L{line} lacks {text!r}"


def test_every_tag_of_the_code_is_linked():
    linked = {text for text, _, _ in LINK.findall(DERIVATION.read_text())}
    for tag in ["(F1)", "(F2)", "(F3)", "(B1)", "(B2)", "(B3)", "(B4)", "(B5)"]:
        assert tag in linked


def test_readme_links_the_derivation():
    assert "docs/derivation.md" in (ROOT / "README.md").read_text()


def test_every_guarantee_names_a_real_test():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## What is guaranteed")[1].split("\n## ")[0]
    named = re.findall(r"`(test_\w+\.py)(?:::(\w+))?`", section)
    assert len(named) >= 15
    for path, test in named:
        source = (ROOT / "tests" / path).read_text()
        if test:
            assert f"def {test}(" in source, f"{path}::{test}"
