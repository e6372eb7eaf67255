"""The server-sent events reader: framing per the WHATWG spec, and its size bounds."""

from __future__ import annotations

import pytest

from adapters.llm.sse import SseEvent, SseLimitExceeded, SseParser, SseStreamTooLarge


def read(*parts: bytes, **limits: int) -> list[SseEvent]:
    return read_into([], *parts, **limits)


def read_into(into: list[SseEvent], *parts: bytes, **limits: int) -> list[SseEvent]:
    """Feeds ``parts`` as a stream's chunks, then ends it; what a limit broke after is kept."""
    parser = SseParser(**limits)
    try:
        for part in parts:
            into += parser.feed(part)
        into += parser.close()
    except SseLimitExceeded as exc:
        into += exc.completed
        raise
    return into


def test_named_events_with_data_and_id() -> None:
    events = read(b'event: message_start\ndata: {"a": 1}\nid: 7\n\n')
    assert events == [SseEvent(data='{"a": 1}', event="message_start", id="7")]


def test_multi_line_data_is_joined_with_newlines() -> None:
    assert [e.data for e in read(b"data: one\ndata: two\ndata:three\n\n")] == ["one\ntwo\nthree"]


def test_comments_and_unknown_fields_are_ignored() -> None:
    events = read(b": keep-alive\nretry: 1000\nfoo: bar\ndata: x\n\n")
    assert [(e.event, e.data) for e in events] == [("message", "x")]


def test_crlf_cr_and_lf_line_ends_all_work_even_split_across_chunks() -> None:
    events = read(b"data: a\r", b"\n\r", b"\ndata: b\r\rdata: c\n\n")
    assert [e.data for e in events] == ["a", "b", "c"]


def test_a_cr_that_is_not_half_of_a_crlf_ends_its_line_when_the_next_chunk_comes() -> None:
    parser = SseParser()
    assert parser.feed(b"data: a\r") == []  # a CRLF's first half, perhaps
    assert [e.data for e in parser.feed(b"\rdata: b\r\r")] == ["a"]
    assert [e.data for e in parser.close()] == ["b"]  # the stream's end ends the held CR's line


def test_a_line_split_across_many_chunks_is_reassembled() -> None:
    body = b'data: {"text": "h\xc3\xa9llo"}\n\n'
    events = read(*(body[i : i + 1] for i in range(len(body))))
    assert [e.data for e in events] == ['{"text": "héllo"}']


# Every framing rule at once: BOM, CRLF, CR, comments, names, ids (one with a NUL), a
# multi-byte character, multi-line data and an unterminated last event.
STREAM = (
    b'\xef\xbb\xbfevent: start\r\nid: 1\r\ndata: {"a": "\xc3\xa9"}\r\n\r\n'
    b": ping\r\rdata: two\rdata: lines\rid: 2\0x\r\r"
    b"data: three\n\ndata: [DONE]\n\ndata: cut"
)
WHOLE = [
    SseEvent('{"a": "é"}', "start", "1"),
    SseEvent("two\nlines", "message", "1"),
    SseEvent("three", "message", "1"),
    SseEvent("[DONE]", "message", "1"),
]


def test_the_reference_stream_read_whole() -> None:
    assert read(STREAM) == WHOLE


def test_the_reference_stream_fed_a_byte_at_a_time() -> None:
    assert read(*(STREAM[i : i + 1] for i in range(len(STREAM)))) == WHOLE


@pytest.mark.parametrize("cut", range(1, len(STREAM)))
def test_events_split_across_two_chunks_at_any_byte_read_the_same(cut: int) -> None:
    assert read(STREAM[:cut], STREAM[cut:]) == WHOLE


@pytest.mark.parametrize("cut", range(1, len(STREAM) - 1))
def test_events_split_across_three_chunks_read_the_same(cut: int) -> None:
    """Two cuts: at ``cut`` and at ``cut + 1`` (a one-byte chunk in the middle)."""
    assert read(STREAM[:cut], STREAM[cut : cut + 1], STREAM[cut + 1 :], b"") == WHOLE


def test_each_chunk_returns_the_events_it_completes() -> None:
    parser = SseParser()
    assert [e.data for e in parser.feed(b"data: a\n\ndata: b\n\ndata: c")] == ["a", "b"]
    assert parser.feed(b"\n") == []
    assert [e.data for e in parser.feed(b"\n")] == ["c"]
    assert parser.close() == []


def test_an_empty_event_is_not_dispatched_and_the_type_resets() -> None:
    events = read(b"event: ping\n\ndata: x\n\n")
    assert [(e.event, e.data) for e in events] == [("message", "x")]


def test_an_id_with_a_nul_is_ignored_and_the_last_id_carries_over() -> None:
    events = read(b"id: 1\ndata: a\n\nid: 2\0\ndata: b\n\n")
    assert [(e.data, e.id) for e in events] == [("a", "1"), ("b", "1")]


def test_the_done_sentinel_is_recognised() -> None:
    events = read(b"data: [DONE]\n\n")
    assert events[0].is_done


def test_an_unterminated_last_event_is_dropped() -> None:
    assert [e.data for e in read(b"data: whole\n\ndata: cut sho")] == ["whole"]


def test_a_leading_byte_order_mark_is_skipped() -> None:
    assert [e.data for e in read(b"\xef\xbb\xbfdata: x\n\n")] == ["x"]
    assert [e.data for e in read(b"\xef", b"\xbb", b"\xbfdata: x\n\n")] == ["x"]


def test_a_line_longer_than_the_limit_is_refused() -> None:
    with pytest.raises(SseLimitExceeded):
        read(b"data: " + b"x" * 5000, b"x" * 5000, max_line_bytes=4096)


def test_an_event_larger_than_the_limit_is_refused() -> None:
    with pytest.raises(SseLimitExceeded):
        read(b"data: 1234567890\n" * 20 + b"\n", max_event_bytes=100)


def test_events_a_chunk_completed_before_it_broke_a_limit_are_kept() -> None:
    """A reader hands them out before the error, as if it had read line by line."""
    received: list[SseEvent] = []
    with pytest.raises(SseLimitExceeded):
        read_into(received, b"data: a\n\ndata: " + b"x" * 200 + b"\n\n", max_event_bytes=100)
    assert [e.data for e in received] == ["a"]
    received = []
    with pytest.raises(SseLimitExceeded):
        read_into(received, b"data: b\n\ndata: " + b"x" * 200, max_line_bytes=100)
    assert [e.data for e in received] == ["b"]


def test_a_stream_longer_than_its_limit_ends_after_the_events_that_fit() -> None:
    received: list[SseEvent] = []
    with pytest.raises(SseStreamTooLarge):
        read_into(received, *[b"data: 12345678\n\n"] * 10, max_stream_bytes=50)
    assert [e.data for e in received] == ["12345678"] * 3  # 16 bytes each: the fourth crosses 50


def test_comments_and_blank_lines_count_towards_the_stream_limit() -> None:
    with pytest.raises(SseStreamTooLarge):
        read(*[b": keep-alive\n\n"] * 100, max_stream_bytes=1000)
