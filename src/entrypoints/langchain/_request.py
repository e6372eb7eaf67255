"""A LangChain call (the model's fields, then the call's kwargs) -> the facade's ``RelayRequest``;
what the reply carries back (usage, metadata)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from langchain_core.messages import BaseMessage
from langchain_core.messages.ai import UsageMetadata

from application.gateway.relay_completion import RelayRequest
from domain.llm import Sampling, Usage
from domain.resolution import LlmChoice
from entrypoints.langchain._messages import to_messages, to_output, to_tool_choice, to_tools

SAMPLING = ("top_p", "seed", "frequency_penalty", "presence_penalty", "reasoning_effort", "user")
# The model's own fields a request reads.
FIELDS = ("model", "max_tokens", "temperature", "stop", *SAMPLING)
# What a call may add to the model's own fields (``bind``, ``invoke(..., **kwargs)``).
KWARGS = frozenset(
    {
        "model",
        "max_tokens",
        "temperature",
        "tools",
        "tool_choice",
        "parallel_tool_calls",
        "response_format",
        *SAMPLING,
    }
)


def relay_request(
    fields: Mapping[str, Any],
    messages: list[BaseMessage],
    stop: list[str] | None,
    kwargs: Mapping[str, Any],
) -> RelayRequest:
    """``fields``: the model's own (``model``, ``max_tokens``, ``temperature``, ``stop`` and the
    sampling ones); a kwarg of the call wins over its field. An unknown kwarg is refused rather
    than dropped (LangChain's own ``ls_*`` ones aside)."""
    unknown = sorted(k for k in kwargs if k not in KWARGS and not k.startswith("ls_"))
    if unknown:
        known = ", ".join(sorted(KWARGS))
        raise ValueError(f"ByomChatModel does not take {', '.join(unknown)}; it takes {known}")

    def given(name: str) -> Any:
        return kwargs[name] if kwargs.get(name) is not None else fields.get(name)

    return RelayRequest(
        model=given("model") or "default",
        messages=to_messages(messages),
        max_tokens=given("max_tokens"),
        temperature=given("temperature"),
        stop=tuple(stop or fields.get("stop") or ()),
        tools=to_tools(kwargs.get("tools") or ()),
        tool_choice=to_tool_choice(kwargs.get("tool_choice")),
        parallel_tool_calls=kwargs.get("parallel_tool_calls"),
        output=to_output(kwargs.get("response_format")),
        sampling=Sampling(**{name: given(name) for name in SAMPLING}),
    )


def usage_metadata(usage: Usage) -> UsageMetadata:
    return UsageMetadata(
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        total_tokens=usage.total_tokens,
    )


def response_metadata(choice: LlmChoice, finish_reason: str | None) -> dict[str, Any]:
    return {
        "model_name": choice.model,
        "byom_provider": choice.provider.value,
        "credential_id": str(choice.credential_id) if choice.credential_id else None,
        "finish_reason": finish_reason,
    }
