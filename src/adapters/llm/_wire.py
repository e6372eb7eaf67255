"""What every provider's wire bodies share: the ``{"error": {...}}`` envelope around an error
and a table of finish reasons. Each adapter names its own shapes (``*_wire.py``) and tables."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol, TypeVar

import msgspec

from adapters.llm._errors import ErrorDetail, ErrorReader
from domain.llm import FinishReason

B = TypeVar("B")
B_co = TypeVar("B_co", covariant=True)


def decode_error(body: bytes, shape: type[Any]) -> Any | None:
    """Best-effort decode of an error body; ``None`` when it is not the expected JSON."""
    if not body:
        return None
    try:
        return msgspec.json.decode(body, type=shape)
    except (msgspec.DecodeError, UnicodeDecodeError):
        return None


class ErrorEnvelope(Protocol[B_co]):
    """``{"error": {...}}``: the outer shape of every provider's error body."""

    @property
    def error(self) -> B_co: ...


def error_reader(
    envelope: type[ErrorEnvelope[B]], detail: Callable[[B], ErrorDetail]
) -> ErrorReader:
    """An ``ErrorReader`` for one provider's envelope; ``detail`` also serves its stream errors."""

    def read(body: bytes) -> ErrorDetail | None:
        found = decode_error(body, envelope)
        return None if found is None else detail(found.error)

    return read


def finish_reason(table: Mapping[str, FinishReason], raw: str | None) -> FinishReason:
    """A provider's finish reason in the domain's terms: none given is a stop, an unknown one
    (providers add them) is ``OTHER``."""
    if raw is None:
        return FinishReason.STOP
    return table.get(raw, FinishReason.OTHER)
