"""A server-sent events reader (WHATWG HTML, "Parsing an event stream") over raw bytes.

Lines end with CRLF, LF or CR; ``:`` starts a comment; ``data`` lines of one event are joined
with newlines; an event is dispatched on a blank line and an unterminated event at the end of
the stream is dropped, as the spec says. Lines, events and (optionally) the whole stream are
bounded so a hostile or broken server cannot make us buffer or read without limit.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterable
from contextlib import aclosing
from dataclasses import dataclass

DONE = "[DONE]"
DEFAULT_MAX_LINE_BYTES = 1024 * 1024
DEFAULT_MAX_EVENT_BYTES = 4 * 1024 * 1024
_BOM = b"\xef\xbb\xbf"


class SseLimitExceeded(ValueError):
    """A line or an event is larger than the reader allows."""


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


async def iter_lines(
    chunks: AsyncIterable[bytes],
    *,
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    max_stream_bytes: int | None = None,
) -> AsyncGenerator[str, None]:
    """Split a byte stream into lines at CRLF, LF or CR, never holding more than one line."""
    buf = bytearray()
    first = True
    total = 0
    async for chunk in chunks:
        total += len(chunk)
        if max_stream_bytes is not None and total > max_stream_bytes:
            raise SseStreamTooLarge("server-sent event stream is too long")
        buf += chunk
        if first and len(buf) >= len(_BOM):
            first = False
            if buf.startswith(_BOM):
                del buf[: len(_BOM)]
        start = 0
        while True:
            lf = buf.find(b"\n", start)
            cr = buf.find(b"\r", start)
            if lf < 0 and cr < 0:
                break
            end = lf if cr < 0 or (0 <= lf < cr) else cr
            if buf[end] == 0x0D and end == len(buf) - 1:
                break  # a CR at the end of the chunk may be the first half of CRLF
            yield buf[start:end].decode("utf-8", errors="replace")
            start = end + 2 if buf[end] == 0x0D and buf[end + 1] == 0x0A else end + 1
        del buf[:start]
        if len(buf) > max_line_bytes:
            raise SseLimitExceeded("server-sent event line is too long")
    if buf:
        if buf.endswith(b"\r"):
            del buf[-1:]
            yield buf.decode("utf-8", errors="replace")
        else:
            yield buf.decode("utf-8", errors="replace")


async def iter_events(
    chunks: AsyncIterable[bytes],
    *,
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
    max_stream_bytes: int | None = None,
) -> AsyncGenerator[SseEvent, None]:
    """Server-sent events from a byte stream (for httpx: ``response.aiter_raw()``).

    Past ``max_stream_bytes`` read in all, ``SseStreamTooLarge``: comments, pings and blank
    lines count too, so a server cannot keep a reader busy without sending an event."""
    data: list[str] = []
    size = 0
    event_type = ""
    last_id: str | None = None
    lines_of = iter_lines(chunks, max_line_bytes=max_line_bytes, max_stream_bytes=max_stream_bytes)
    async with aclosing(lines_of) as lines:
        async for line in lines:
            if not line:
                if data:
                    yield SseEvent(data="\n".join(data), event=event_type or "message", id=last_id)
                data, size, event_type = [], 0, ""
                continue
            if line.startswith(":"):
                continue
            field, sep, value = line.partition(":")
            if sep and value.startswith(" "):
                value = value[1:]
            if field == "data":
                size += len(value) + 1
                if size > max_event_bytes:
                    raise SseLimitExceeded("server-sent event is too large")
                data.append(value)
            elif field == "event":
                event_type = value
            elif field == "id" and "\0" not in value:
                last_id = value
            # "retry" and unknown fields are ignored, as the spec says.
