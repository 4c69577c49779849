"""The fenced code blocks of the README and the docs, as the tests that run them read them."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from tests.cli import REPO

DOCS = REPO / "docs"
#: Every page whose examples are run: the README and the docs site.
PAGES = (REPO / "README.md", *sorted(DOCS.glob("*.md")))

_FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```\s*$", re.S | re.M)
_FILE = re.compile(r"\A(?:#[^\n]*\n)*?# file: (\S+)\n")


@dataclass(frozen=True)
class Block:
    """One fenced block: its page, the line its fence opens on, its language and its text."""

    page: Path
    line: int
    lang: str
    text: str

    @property
    def file(self) -> str | None:
        """The path a ``# file: <path>`` first line names, else None."""
        m = _FILE.match(self.text)
        return m.group(1) if m else None

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(REPO)}:{self.line}"


def blocks(page: Path) -> list[Block]:
    """The fenced blocks of `page`, in order."""
    text = page.read_text()
    return [
        Block(page, text.count("\n", 0, m.start()) + 1, m.group(1), m.group(2)) for m in _FENCE.finditer(text)
    ]


def sections(page: Path) -> dict[str, list[Block]]:
    """The blocks of each ``## `` section of `page`, by the section's title."""
    text = page.read_text()
    heads = [(m.start(), m.group(1)) for m in re.finditer(r"^## (.+)$", text, re.M)]
    out: dict[str, list[Block]] = {}
    for b in blocks(page):
        offset = sum(len(line) + 1 for line in text.split("\n")[: b.line - 1])
        title = next((t for start, t in reversed(heads) if start <= offset), "")
        out.setdefault(title, []).append(b)
    return out


def commands(block: Block) -> list[str]:
    """The shell commands of a bash block: comments dropped, continuation lines joined."""
    joined = block.text.replace("\\\n", " ")
    out = []
    for line in joined.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        words = shlex.split(line, comments=True)
        if words:
            out.append(shlex.join(words))
    return out
