"""``trim_history``: the newest whole turns that fit, a tool call never apart from its results,
the message being sent always kept (or a clear refusal)."""

from __future__ import annotations

import random

import pytest

from domain.content import ImagePart, TextPart
from domain.conversation import check_conversation
from domain.errors import HistoryTooLarge
from domain.history import (
    BYTES_PER_TOKEN,
    IMAGE_TOKENS,
    estimated_tokens,
    from_first_turn,
    prompt_tokens,
    text_bytes,
    trim_history,
)
from domain.llm import ChatMessage, Role
from domain.tools import Tool, ToolCall

UNBOUNDED = 10**12


def user(text: str) -> ChatMessage:
    return ChatMessage(Role.USER, text)


def reply(text: str) -> ChatMessage:
    return ChatMessage(Role.ASSISTANT, text)


def tool_turn(rng: random.Random, n: int) -> list[ChatMessage]:
    """A reply calling ``k`` tools, then their ``k`` results."""
    k = rng.randint(1, 3)
    calls = tuple(ToolCall(f"call_{n}_{i}", "quote", '{"pair": "EURUSD"}') for i in range(k))
    results = [
        ChatMessage(Role.TOOL, "x" * rng.randint(0, 400), tool_call_id=c.id, name=c.name)
        for c in calls
    ]
    return [ChatMessage(Role.ASSISTANT, "", tool_calls=calls), *results]


def conversation(rng: random.Random, turns: int) -> list[ChatMessage]:
    """User turns, each answered by text, or by tool-call rounds and then text."""
    messages: list[ChatMessage] = []
    for n in range(turns):
        messages.append(user(f"question {n} " + "q" * rng.randint(0, 2000)))
        for round_ in range(rng.randint(0, 2)):
            messages += tool_turn(rng, n * 10 + round_)
        messages.append(reply("a" * rng.randint(1, 3000)))
    return messages


def _tokens(messages: tuple[ChatMessage, ...] | list[ChatMessage]) -> int:
    return sum(estimated_tokens(m) for m in messages)


@pytest.mark.parametrize("seed", range(40))
def test_whatever_is_dropped_what_is_sent_is_a_whole_suffix_of_turns(seed: int) -> None:
    rng = random.Random(seed)
    messages = conversation(rng, rng.randint(1, 12))
    messages.append(user("the newest question"))
    budget = rng.randint(_tokens(messages[-1:]), _tokens(messages) + 10)

    sent = trim_history(messages, max_tokens=budget, max_bytes=UNBOUNDED)

    # Newest kept, a suffix of the conversation, starting at a user turn, within the budget.
    assert sent[-1] == user("the newest question")
    assert list(sent) == messages[len(messages) - len(sent) :]
    assert sent[0].role is Role.USER
    assert _tokens(sent) <= budget
    # Pairing whole: no result without its call, no call without its results.
    check_conversation(sent)
    # Nothing that fits was dropped: the turn before the first one kept would not have fitted.
    dropped = messages[: len(messages) - len(sent)]
    if dropped:
        start = max(i for i, m in enumerate(dropped) if m.role is Role.USER)
        assert _tokens([*dropped[start:], *sent]) > budget


def test_the_byte_budget_trims_too_and_counts_call_arguments_and_results() -> None:
    rng = random.Random(7)
    messages = [*conversation(rng, 6), user("now")]
    size = sum(text_bytes(m) for m in messages)

    sent = trim_history(messages, max_tokens=None, max_bytes=size - 1)

    assert sent[-1] == user("now")
    assert len(sent) < len(messages)
    assert sum(text_bytes(m) for m in sent) <= size - 1
    check_conversation(sent)


def test_tool_results_being_sent_keep_the_reply_that_called_and_the_question_before_it() -> None:
    rng = random.Random(3)
    calls = tool_turn(rng, 99)
    messages = [user("old " + "o" * 40_000), reply("old answer"), user("price it"), *calls]

    sent = trim_history(
        messages, max_tokens=_tokens([user("price it"), *calls]), max_bytes=UNBOUNDED
    )

    assert sent == (user("price it"), *calls)


def test_a_newest_turn_that_does_not_fit_is_refused_not_sent() -> None:
    messages = [user("hi"), reply("hello"), user("y" * 4_000)]
    with pytest.raises(HistoryTooLarge, match="too long for the model's context window"):
        trim_history(messages, max_tokens=100, max_bytes=UNBOUNDED)
    with pytest.raises(HistoryTooLarge):
        trim_history(messages, max_tokens=None, max_bytes=3_999)
    with pytest.raises(HistoryTooLarge):
        trim_history([], max_tokens=None, max_bytes=UNBOUNDED)


def test_a_history_read_from_its_newest_end_starts_at_its_first_user_turn() -> None:
    rng = random.Random(1)
    calls = tool_turn(rng, 1)
    messages = [*calls[1:], reply("after the tools"), user("next"), reply("ok")]
    assert from_first_turn(messages) == (user("next"), reply("ok"))
    assert from_first_turn(calls) == ()


def test_the_estimate_is_bytes_over_four_and_a_flat_cost_per_image() -> None:
    image = ImagePart(media_type="image/png", data=bytes(5_000_000))
    with_image = ChatMessage(Role.USER, (TextPart("abcd" * 10), image))
    assert estimated_tokens(with_image) == 40 // BYTES_PER_TOKEN + IMAGE_TOKENS + 4
    assert text_bytes(with_image) == 40  # images have their own byte caps
    tool = Tool("quote", {"type": "object"}, "Latest price")
    assert prompt_tokens("s" * 400, [tool]) == -(-(400 + 5 + 12 + 17) // BYTES_PER_TOKEN)
