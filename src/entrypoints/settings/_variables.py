"""What a setting is: the environment variable, its default, its parser and its one-line meaning.

Each field of the settings objects declares itself with ``setting(...)`` (or ``per_provider`` or
``derived``), so the loader and the README's table read the same declaration.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from domain.provider import Provider
from entrypoints.settings._parsers import Parser

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T")
D = TypeVar("D", bound="DataclassInstance")

SPEC = "byom.setting"
"""The dataclass field metadata key under which a field keeps its declaration."""


@dataclass(frozen=True, slots=True)
class Context:
    """What a setting's value may depend on besides its own variable."""

    production: bool
    var_dir: Path
    generated: list[Path] = field(default_factory=list)
    """Secret files a fallback generated while loading (development), for the log to tell."""


class Environ:
    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ

    def text(self, name: str) -> str | None:
        """The variable's value, stripped; None when it is unset or blank."""
        value = self._environ.get(name, "").strip()
        return value or None

    def read(self, var: Var[T]) -> T:
        """The variable's value, parsed, or its default (a context-free read)."""
        raw = self.text(var.name)
        return var.default if raw is None else var.parse(var.name, raw)


@dataclass(frozen=True, slots=True)
class Var(Generic[T]):
    """One environment variable read into one field."""

    name: str
    default: T
    parse: Parser[T]
    doc: str
    shown: str | None = None
    """The README's default column when the default value alone would mislead."""
    secret: bool = False
    """Kept out of repr (secrets, and URLs that may hold a password)."""
    fallback: Callable[[str, Context], str] | None = None
    """The raw value to parse when the variable is unset: a default that depends on the context."""

    def field(self) -> T:
        return field(default=self.default, repr=not self.secret, metadata={SPEC: self})

    def load(self, environ: Environ, context: Context) -> T:
        if self.fallback is None or environ.text(self.name) is not None:
            return environ.read(self)
        return self.parse(self.name, self.fallback(self.name, context))

    @property
    def shown_default(self) -> str:
        if self.shown is not None:
            return self.shown
        if self.default is None:
            return "unset"
        if isinstance(self.default, bool):
            return f"`{str(self.default).lower()}`"
        return f"`{self.default}`"


def setting(
    name: str,
    default: T,
    parse: Parser[T],
    doc: str,
    *,
    shown: str | None = None,
    secret: bool = False,
    fallback: Callable[[str, Context], str] | None = None,
) -> T:
    return declared(Var(name, default, parse, doc, shown, secret, fallback))


def declared(var: Var[T]) -> T:
    """The dataclass field that ``var`` sets (for a ``Var`` the code also reads on its own)."""
    return var.field()


@dataclass(frozen=True, slots=True)
class PerProvider:
    """One variable per provider (``{}`` in ``pattern`` stands for its name), read as a mapping."""

    pattern: str
    doc: str
    secret: bool = True
    shown_default: str = "unset"

    @property
    def name(self) -> str:
        return self.pattern.format("<PROVIDER>")

    def load(self, environ: Environ, context: Context) -> Mapping[str, str]:
        found = ((p.value, environ.text(self.pattern.format(p.value.upper()))) for p in Provider)
        return {provider: value for provider, value in found if value}


def per_provider(pattern: str, doc: str) -> Mapping[str, str]:
    spec = PerProvider(pattern, doc)
    return field(default_factory=dict, repr=not spec.secret, metadata={SPEC: spec})


@dataclass(frozen=True, slots=True)
class Derived:
    """A field no variable sets: it follows from the context."""

    compute: Callable[[Context], Any]

    def load(self, environ: Environ, context: Context) -> object:
        return self.compute(context)


def derived(default: T, compute: Callable[[Context], T]) -> T:
    return field(default=default, metadata={SPEC: Derived(compute)})


@dataclass(frozen=True, slots=True)
class Section(Generic[D]):
    """A field holding a group of settings (another settings dataclass)."""

    of: type[D]

    def load(self, environ: Environ, context: Context) -> D:
        return load(self.of, environ, context)


def section(of: type[D]) -> D:
    return field(default_factory=of, metadata={SPEC: Section(of)})


def load(cls: type[D], environ: Environ, context: Context) -> D:
    """``cls`` with every declared field read; undeclared fields keep their defaults."""
    values = {
        f.name: f.metadata[SPEC].load(environ, context) for f in fields(cls) if SPEC in f.metadata
    }
    return cls(**values)


def variables(cls: type[Any], prefix: str = "") -> Iterator[tuple[str, Var[Any] | PerProvider]]:
    """``(field path, declaration)`` of every environment variable, in declaration order."""
    for f in fields(cls):
        spec = f.metadata.get(SPEC)
        if isinstance(spec, Section):
            yield from variables(spec.of, f"{prefix}{f.name}.")
        elif isinstance(spec, Var | PerProvider):
            yield f"{prefix}{f.name}", spec
