"""The Dockerfile and .dockerignore as data, for tests that check the image's recipe.

No container runtime runs on the machines this project is built on, so what the image would do
is checked from its text: a Dockerfile is read into stages of instructions the way BuildKit
reads it (comment lines dropped even inside a continuation, ``\\`` joins lines, global ``ARG``
defaults substituted in ``FROM``), and .dockerignore is evaluated with Docker's rules (the
last matching pattern wins, ``!`` re-includes, a pattern that matches a folder covers its
contents).
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True, slots=True)
class Instruction:
    keyword: str
    arguments: str

    @property
    def exec_form(self) -> list[str] | None:
        """The JSON array of ``CMD ["a", "b"]`` and the like; None for the shell form."""
        text = self.arguments
        if self.keyword == "HEALTHCHECK":
            text = text.split("CMD", 1)[1] if "CMD" in text else ""
        text = text.strip()
        if not text.startswith("["):
            return None
        parsed: list[str] = json.loads(text)
        return parsed

    @property
    def words(self) -> list[str]:
        return shlex.split(self.arguments)

    @property
    def flags(self) -> dict[str, str]:
        """Leading ``--name=value`` options (``COPY --from=builder``); repeated ones joined."""
        found: dict[str, list[str]] = {}
        for word in self.words:
            if not word.startswith("--"):
                break
            name, _, value = word[2:].partition("=")
            found.setdefault(name, []).append(value)
        return {name: ",".join(values) for name, values in found.items()}

    @property
    def operands(self) -> list[str]:
        """The words after the leading options (a COPY's sources and destination)."""
        words = self.words
        while words and words[0].startswith("--"):
            words.pop(0)
        return words


@dataclass(frozen=True, slots=True)
class Stage:
    base: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]

    def last(self, keyword: str) -> Instruction:
        found = self.all(keyword)
        assert found, f"stage {self.name or self.base} has no {keyword}"
        return found[-1]

    @property
    def env(self) -> dict[str, str]:
        """``ENV`` values as set (``$PATH`` and the like left unexpanded)."""
        values: dict[str, str] = {}
        for instruction in self.all("ENV"):
            for word in instruction.words:
                name, _, value = word.partition("=")
                values[name] = value
        return values


@dataclass(frozen=True, slots=True)
class Dockerfile:
    args: dict[str, str]
    stages: list[Stage]

    @property
    def final(self) -> Stage:
        return self.stages[-1]

    def stage(self, name: str) -> Stage:
        return next(s for s in self.stages if s.name == name)

    @classmethod
    def read(cls, path: Path = ROOT / "Dockerfile") -> Dockerfile:
        return cls.parse(path.read_text())

    @classmethod
    def parse(cls, text: str) -> Dockerfile:
        args: dict[str, str] = {}
        stages: list[Stage] = []
        for instruction in _instructions(text):
            if instruction.keyword == "FROM":
                words = instruction.operands  # after --platform=…
                base = re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: args[m[1] or m[2]], words[0])
                name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
                stages.append(Stage(base, name))
            elif not stages and instruction.keyword == "ARG":
                name, _, default = instruction.arguments.partition("=")
                args[name.strip()] = default.strip()
            elif stages:
                stages[-1].instructions.append(instruction)
        return cls(args, stages)


def _instructions(text: str) -> list[Instruction]:
    found: list[Instruction] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, arguments = (pending + line).partition(" ")
        found.append(Instruction(keyword.upper(), arguments.strip()))
        pending = ""
    return found


@dataclass(frozen=True, slots=True)
class DockerIgnore:
    patterns: list[tuple[bool, re.Pattern[str]]]
    """(re-includes, pattern) in file order."""

    @classmethod
    def read(cls, path: Path = ROOT / ".dockerignore") -> DockerIgnore:
        patterns = []
        for raw in path.read_text().splitlines():
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            negated = line.startswith("!")
            cleaned = str(PurePosixPath(line.removeprefix("!").strip().strip("/")))
            patterns.append((negated, re.compile(_glob_regex(cleaned))))
        return cls(patterns)

    def sends(self, relative: str) -> bool:
        """Whether the build context holds ``relative`` (a path from the repository root)."""
        path = PurePosixPath(relative)
        candidates = [str(p) for p in (*reversed(path.parents[:-1]), path)]
        excluded = False
        for negated, pattern in self.patterns:
            if any(pattern.fullmatch(c) for c in candidates):
                excluded = not negated
        return not excluded


def _glob_regex(pattern: str) -> str:
    """Go's filepath.Match with Docker's ``**`` (any number of folders)."""
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return out
