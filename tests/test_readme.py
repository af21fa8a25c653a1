"""README.md's Python snippets run as written: in order, in one session.

Each ```python block is executed in a namespace shared with the blocks
before it, as a reader pasting them one after the other into one Python
session would, with matplotlib drawing off screen and a fresh temporary
directory as the current directory (for the files the snippets write). Each
block is its own step (a subtest) named by its line, section and first line.
A block preceded by ``<!-- readme-test: skip (reason) -->`` is skipped with
that reason.
"""

import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
SKIP_MARKER = re.compile(r"<!-- readme-test: skip \((?P<reason>.+)\) -->")
HEADING = re.compile(r"#{1,6} (?P<title>.+)")

pytestmark = pytest.mark.skipif(not README.exists(), reason="needs the source")


@dataclass
class Block:
    line: int  # of the block's first line of code in README.md
    section: str
    code: str
    skip_reason: str | None

    @property
    def name(self):
        first = next((line for line in self.code.splitlines() if line.strip()), "")
        return f"README.md:{self.line} ({self.section}): {first.strip()}"


def python_blocks(text):
    """Every ```python block of a Markdown text, in order."""
    blocks, section, skip_reason, code, start = [], "", None, None, 0
    for number, line in enumerate(text.splitlines(), start=1):
        if code is not None:
            if line.strip() == "```":
                # A block inside a list item is indented with the item.
                source = textwrap.dedent("\n".join(code))
                blocks.append(Block(start, section, source, skip_reason))
                code, skip_reason = None, None
            else:
                code.append(line)
            continue
        if heading := HEADING.fullmatch(line):
            section = heading["title"]
        elif marker := SKIP_MARKER.fullmatch(line.strip()):
            skip_reason = marker["reason"]
        elif line.strip() == "```python":
            code, start = [], number + 1
        elif line.strip():
            skip_reason = None  # a marker applies only right before its block
    return blocks


def test_blocks_are_found_with_their_sections_and_skip_markers():
    text = "\n".join(
        [
            "# Title",
            "```python",
            "a = 1",
            "```",
            "## Part two",
            "<!-- readme-test: skip (needs a GPU) -->",
            "```python",
            "b = a + 1",
            "```",
            "<!-- readme-test: skip (too far away) -->",
            "Some text in between.",
            "```python",
            "c = 2",
            "```",
            "```sh",
            "echo not python",
            "```",
            "- a list item:",
            "",
            "  ```python",
            "  if c:",
            "      d = 3",
            "  ```",
        ]
    )
    blocks = python_blocks(text)
    assert [(b.line, b.section, b.code, b.skip_reason) for b in blocks] == [
        (3, "Title", "a = 1", None),
        (8, "Part two", "b = a + 1", "needs a GPU"),
        (13, "Part two", "c = 2", None),
        (21, "Part two", "if c:\n    d = 3", None),
    ]
    assert blocks[1].name == "README.md:8 (Part two): b = a + 1"


@pytest.mark.slow
def test_every_python_block_runs_as_written(subtests, tmp_path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    monkeypatch.chdir(tmp_path)
    blocks = python_blocks(README.read_text())
    assert len(blocks) >= 7
    namespace = {"__name__": "__readme__"}
    failed = None
    try:
        for block in blocks:
            with subtests.test(msg=block.name):
                if block.skip_reason:
                    pytest.skip(block.skip_reason)
                if failed:
                    pytest.skip(f"an earlier block failed: {failed}")
                # Padded so that a traceback points at the line in README.md.
                source = "\n" * (block.line - 1) + block.code
                try:
                    exec(compile(source, str(README), "exec"), namespace)
                except BaseException:
                    failed = block.name
                    raise
    finally:
        plt.close("all")
