"""The server-sent events reader: framing per the WHATWG spec, and its size bounds."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from adapters.llm.sse import SseEvent, SseLimitExceeded, SseStreamTooLarge, iter_events


async def chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


async def read(*parts: bytes, **limits: int) -> list[SseEvent]:
    return [event async for event in iter_events(chunks(*parts), **limits)]


async def test_named_events_with_data_and_id() -> None:
    events = await read(b'event: message_start\ndata: {"a": 1}\nid: 7\n\n')
    assert events == [SseEvent(data='{"a": 1}', event="message_start", id="7")]


async def test_multi_line_data_is_joined_with_newlines() -> None:
    assert [e.data for e in await read(b"data: one\ndata: two\ndata:three\n\n")] == [
        "one\ntwo\nthree"
    ]


async def test_comments_and_unknown_fields_are_ignored() -> None:
    events = await read(b": keep-alive\nretry: 1000\nfoo: bar\ndata: x\n\n")
    assert [(e.event, e.data) for e in events] == [("message", "x")]


async def test_crlf_cr_and_lf_line_ends_all_work_even_split_across_chunks() -> None:
    events = await read(b"data: a\r", b"\n\r", b"\ndata: b\r\rdata: c\n\n")
    assert [e.data for e in events] == ["a", "b", "c"]


async def test_a_line_split_across_many_chunks_is_reassembled() -> None:
    body = b'data: {"text": "h\xc3\xa9llo"}\n\n'
    events = await read(*(body[i : i + 1] for i in range(len(body))))
    assert [e.data for e in events] == ['{"text": "héllo"}']


async def test_an_empty_event_is_not_dispatched_and_the_type_resets() -> None:
    events = await read(b"event: ping\n\ndata: x\n\n")
    assert [(e.event, e.data) for e in events] == [("message", "x")]


async def test_the_done_sentinel_is_recognised() -> None:
    events = await read(b"data: [DONE]\n\n")
    assert events[0].is_done


async def test_an_unterminated_last_event_is_dropped() -> None:
    assert [e.data for e in await read(b"data: whole\n\ndata: cut sho")] == ["whole"]


async def test_a_leading_byte_order_mark_is_skipped() -> None:
    assert [e.data for e in await read(b"\xef\xbb\xbfdata: x\n\n")] == ["x"]


async def test_a_line_longer_than_the_limit_is_refused() -> None:
    with pytest.raises(SseLimitExceeded):
        await read(b"data: " + b"x" * 5000, b"x" * 5000, max_line_bytes=4096)


async def test_an_event_larger_than_the_limit_is_refused() -> None:
    with pytest.raises(SseLimitExceeded):
        await read(b"data: 1234567890\n" * 20 + b"\n", max_event_bytes=100)


async def test_a_stream_longer_than_its_limit_ends_after_the_events_that_fit() -> None:
    received: list[str] = []
    with pytest.raises(SseStreamTooLarge):
        await collect(
            iter_events(chunks(*[b"data: 12345678\n\n"] * 10), max_stream_bytes=50), received
        )
    assert received == ["12345678"] * 3  # 16 bytes each: the fourth chunk crosses 50


async def collect(events: AsyncIterator[SseEvent], into: list[str]) -> None:
    async for event in events:
        into.append(event.data)


async def test_comments_and_blank_lines_count_towards_the_stream_limit() -> None:
    with pytest.raises(SseStreamTooLarge):
        await read(*[b": keep-alive\n\n"] * 100, max_stream_bytes=1000)
