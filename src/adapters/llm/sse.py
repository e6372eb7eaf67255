"""A server-sent events reader (WHATWG HTML, "Parsing an event stream") over raw bytes.

Lines end with CRLF, LF or CR; ``:`` starts a comment; ``data`` lines of one event are joined
with newlines; an event is dispatched on a blank line and an unterminated event at the end of
the stream is dropped, as the spec says. Lines, events and (optionally) the whole stream are
bounded so a hostile or broken server cannot make us buffer or read without limit.

``SseParser`` is fed the body's chunks as they arrive and returns the events each completes,
with no coroutine of its own: a short stream arrives in one or two reads, and its caller hands
out what one read completed without awaiting anything per event.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

DONE = "[DONE]"
DEFAULT_MAX_LINE_BYTES = 1024 * 1024
DEFAULT_MAX_EVENT_BYTES = 4 * 1024 * 1024
_BOM = b"\xef\xbb\xbf"


class SseLimitExceeded(ValueError):
    """A line or an event is larger than the reader allows.

    ``completed``: the events the same chunk completed before the limit broke; a reader hands
    them out first, as it would have had it read the chunk's lines one at a time."""

    def __init__(self, message: str, completed: Sequence[SseEvent] = ()) -> None:
        super().__init__(message)
        self.completed = list(completed)


class SseStreamTooLarge(SseLimitExceeded):
    """The stream as a whole is longer than the reader allows (events before it were read)."""


@dataclass(frozen=True, slots=True)
class SseEvent:
    data: str
    event: str = "message"
    id: str | None = None

    @property
    def is_done(self) -> bool:
        """OpenAI's end-of-stream sentinel (``data: [DONE]``)."""
        return self.data.strip() == DONE


class SseParser:
    """Server-sent events from a byte stream fed chunk by chunk (the chunks of a
    response's body as sent, ``raw_chunks``), then ``close()`` at its end.

    Holds at most one unfinished line and one unfinished event. Past ``max_stream_bytes`` fed
    in all, ``SseStreamTooLarge`` before the chunk that crossed it is read: comments, pings and
    blank lines count too, so a server cannot keep a reader busy without sending an event."""

    __slots__ = (
        "_buf",
        "_data",
        "_first",
        "_id",
        "_kind",
        "_max_event",
        "_max_line",
        "_max_stream",
        "_size",
        "_total",
    )

    def __init__(
        self,
        *,
        max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
        max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
        max_stream_bytes: int | None = None,
    ) -> None:
        self._max_line = max_line_bytes
        self._max_event = max_event_bytes
        self._max_stream = max_stream_bytes
        self._total = 0
        self._buf = bytearray()  # the unfinished line, with a CR that may be half of a CRLF
        self._first = True  # a byte order mark may still come
        self._data: list[str] = []
        self._size = 0
        self._kind = ""
        self._id: str | None = None

    def feed(self, chunk: bytes) -> list[SseEvent]:
        """The events ``chunk`` completes, in order."""
        self._total += len(chunk)
        if self._max_stream is not None and self._total > self._max_stream:
            raise SseStreamTooLarge("server-sent event stream is too long")
        buf = self._buf
        held_cr = buf.endswith(b"\r")
        buf += chunk
        if self._first and len(buf) >= len(_BOM):
            self._first = False
            if buf.startswith(_BOM):
                del buf[: len(_BOM)]
        events: list[SseEvent] = []
        # Only the new bytes are searched: a long line arriving in small chunks costs no rescans.
        if held_cr or b"\n" in chunk or b"\r" in chunk:
            self._split(events)
        if len(self._buf) > self._max_line:
            raise SseLimitExceeded("server-sent event line is too long", events)
        return events

    def close(self) -> list[SseEvent]:
        """The end of the stream: its last line needs no line end (so a CR held as the possible
        first half of a CRLF ends it); an event left without its blank line is dropped."""
        buf, self._buf = self._buf, bytearray()
        events: list[SseEvent] = []
        if buf:
            if buf.endswith(b"\r"):
                del buf[-1:]
            self._lines([buf.decode("utf-8", errors="replace")], events)
        return events

    def _split(self, events: list[SseEvent]) -> None:
        buf = self._buf
        held_cr = buf.endswith(b"\r")  # a CR at the end of the chunk may be the first half of CRLF
        text = buf[:-1] if held_cr else buf
        if b"\r" in text:
            text = text.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        whole, newline, rest = text.rpartition(b"\n")
        if not newline:
            return
        if held_cr:
            rest += b"\r"
        self._buf = rest
        # Split after decoding: UTF-8 never uses a line end's byte inside a character, and a
        # malformed sequence never swallows one, so each line decodes as it would alone.
        self._lines(whole.decode("utf-8", errors="replace").split("\n"), events)

    def _lines(self, lines: list[str], events: list[SseEvent]) -> None:
        data, size, kind, last_id = self._data, self._size, self._kind, self._id
        try:
            for line in lines:
                if not line:
                    if data:
                        events.append(SseEvent("\n".join(data), kind or "message", last_id))
                    data, size, kind = [], 0, ""
                    continue
                if line[0] == ":":
                    continue
                field, sep, value = line.partition(":")
                if sep and value[:1] == " ":
                    value = value[1:]
                if field == "data":
                    size += len(value) + 1
                    if size > self._max_event:
                        raise SseLimitExceeded("server-sent event is too large", events)
                    data.append(value)
                elif field == "event":
                    kind = value
                elif field == "id" and "\0" not in value:
                    last_id = value
                # "retry" and unknown fields are ignored, as the spec says.
        finally:
            self._data, self._size, self._kind, self._id = data, size, kind, last_id
