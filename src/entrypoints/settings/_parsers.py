"""Parsers of environment values: ``(variable name, stripped non-empty value) -> value``.

They raise ``SettingsError`` naming the variable, never the value (it may be a secret).
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from ipaddress import ip_network
from pathlib import Path
from typing import TypeAlias, TypeVar

from domain.errors import InvalidModelName
from domain.model_name import parse_model_name

T = TypeVar("T")
E = TypeVar("E", bound=StrEnum)
L = TypeVar("L", bound=str)

Parser: TypeAlias = Callable[[str, str], T]


class SettingsError(ValueError):
    """The configuration cannot run. The message names the variable, never its value."""


def text(name: str, raw: str) -> str:
    return raw


def upper(name: str, raw: str) -> str:
    return raw.upper()


def path(name: str, raw: str) -> Path:
    return Path(raw)


def whole(name: str, raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number") from None
    if value < 0:
        raise SettingsError(f"{name} must not be negative")
    return value


def flag(name: str, raw: str) -> bool:
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name} must be true or false")


def choice(enum: type[E]) -> Parser[E]:
    def parse(name: str, raw: str) -> E:
        try:
            return enum(raw.lower())
        except ValueError:
            accepted = ", ".join(e.value for e in enum)
            raise SettingsError(f"{name} must be one of: {accepted}") from None

    return parse


def literal(*accepted: L) -> Parser[L]:
    def parse(name: str, raw: str) -> L:
        for option in accepted:
            if raw.lower() == option:
                return option
        raise SettingsError(f"{name} must be one of: {', '.join(accepted)}")

    return parse


def at_least_bytes(minimum: int) -> Parser[str]:
    def parse(name: str, raw: str) -> str:
        if len(raw.encode()) < minimum:
            raise SettingsError(f"{name} must be at least {minimum} bytes")
        return raw

    return parse


def positive(name: str, raw: str) -> int:
    value = whole(name, raw)
    if value == 0:
        raise SettingsError(f"{name} must be at least 1")
    return value


def model_names(name: str, raw: str) -> tuple[str, ...]:
    """A comma-separated list of model names, in order, without repeats."""
    names: list[str] = []
    for part in raw.split(","):
        try:
            model = parse_model_name(part)
        except InvalidModelName as exc:
            raise SettingsError(f"{name}: {exc.message}") from None
        if model is not None and model not in names:
            names.append(model)
    if not names:
        raise SettingsError(f"{name} must name at least one model")
    return tuple(names)


def networks(name: str, raw: str) -> tuple[str, ...]:
    """A comma-separated list of IP addresses and CIDR networks, normalised (``10.0.0.1/8`` is
    refused: host bits set). uvicorn would take a typo as a literal host name that never
    matches, and an operator would not learn why the proxy's header is ignored."""
    found: list[str] = []
    for part in (p.strip() for p in raw.split(",")):
        if not part:
            continue
        try:
            network = ip_network(part)
        except ValueError:
            raise SettingsError(
                f"{name} must list IP addresses or CIDR networks (such as 10.0.0.0/8), "
                "separated by commas"
            ) from None
        shown = str(network.network_address) if network.num_addresses == 1 else str(network)
        if shown not in found:
            found.append(shown)
    return tuple(found)
