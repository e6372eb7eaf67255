"""The README's runnable code, as tests/integration/test_readme.py runs it.

The convention (README.md says it where the walk-through starts):

- a fence whose info string is ``sh`` runs: every ``sh`` block, in document order, in ONE bash
  shell (variables such as ``$TOKEN`` carry from one block to the next) under
  ``set -euo pipefail``, so a failing command fails its block;
- ``console``, ``bash``, ``json`` and the rest are shown, never run (they need a human: a
  background server, a real key, a placeholder like ``MjAyNi0…``);
- a ``python`` fence right under the line ``<!-- example.py -->`` is the in-process example,
  saved as example.py and run (twice: it must be re-runnable).

Blocks take their addresses from variables with defaults (``B=${B:-http://127.0.0.1:8000}``), so
they run as typed for a newcomer and against any port for the test.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"
EXAMPLE_MARK = "<!-- example.py -->"
_FENCE = re.compile(r"^```(\S*)[^\n]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


@dataclass(frozen=True, slots=True)
class Block:
    language: str
    code: str
    line: int
    """The README line of the opening fence (1-based), for failure messages."""
    marked_example: bool


def blocks(text: str) -> list[Block]:
    found = []
    for match in _FENCE.finditer(text):
        before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        line = text.count("\n", 0, match.start()) + 1
        found.append(Block(match.group(1), match.group(2), line, before.strip() == EXAMPLE_MARK))
    return found


def shell_blocks(text: str) -> list[Block]:
    return [block for block in blocks(text) if block.language == "sh"]


def example(text: str) -> Block:
    (marked,) = [block for block in blocks(text) if block.marked_example]
    assert marked.language == "python", f"README line {marked.line}: {EXAMPLE_MARK} marks Python"
    return marked


def _begin(block: Block) -> str:
    return f"::readme-block {block.line}::"


def _end(block: Block) -> str:
    return f"::readme-block {block.line} ok::"


def script(shell: list[Block]) -> str:
    """One bash script: the blocks in order, each between markers that name its README line
    (on lines of their own: a block's output may not end with a newline)."""
    parts = ["set -euo pipefail"]
    for block in shell:
        parts += [f"printf '\\n%s\\n' '{_begin(block)}'", block.code]
        parts += [f"printf '\\n%s\\n' '{_end(block)}'"]
    return "\n".join(parts) + "\n"


def outputs(stdout: str, shell: list[Block]) -> dict[int, str]:
    """Each finished block's output by README line (a block that failed is missing)."""
    done = {}
    for block in shell:
        begin, end = f"\n{_begin(block)}\n", f"\n{_end(block)}\n"
        if begin in stdout and end in stdout:
            done[block.line] = stdout.split(begin, 1)[1].split(end, 1)[0]
    return done
