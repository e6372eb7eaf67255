"""OpenAI Chat Completions request -> BYOM's provider-neutral ``RelayRequest``.

The provider adapters already speak each provider's wire (system prompt placement, roles,
tools, images, stop reasons, usage), so the gateway only translates between OpenAI's shape and
the domain's. Messages are translated in ``gateway.messages``; replies in ``gateway.replies``.
"""

from __future__ import annotations

from typing import Any

from application.gateway.relay_completion import RelayRequest
from domain.errors import InvalidMessage
from domain.llm import Sampling
from domain.tools import OutputFormat, OutputKind, Tool, ToolChoice, ToolChoiceMode, check_tools
from entrypoints.http.gateway import wire
from entrypoints.http.gateway.errors import NOT_SUPPORTED, BadRequest, UnsupportedRequest, param_of
from entrypoints.http.gateway.messages import messages

__all__ = ["NOT_SUPPORTED", "BadRequest", "UnsupportedRequest", "relay_request"]

_EMPTY_PARAMETERS: dict[str, Any] = {"type": "object", "properties": {}}
_CHOICE_MODES = {m.value: m for m in ToolChoiceMode}


def relay_request(body: wire.ChatCompletionIn) -> RelayRequest:
    _refuse_unsupported(body)
    tools, choice = _tools(body)
    if not tools and choice is not None and choice.mode is not ToolChoiceMode.REQUIRED:
        choice = None  # "auto" or "none" without tools: no call either way, nothing to send
    output = _output(body.response_format)
    try:
        check_tools(tools, choice, output)
    except InvalidMessage as exc:
        raise BadRequest(exc.message, param_of(exc.message)) from None
    stop = (body.stop,) if isinstance(body.stop, str) else tuple(body.stop or ())
    return RelayRequest(
        model=body.model,
        messages=messages(body.messages),
        max_tokens=body.max_completion_tokens or body.max_tokens,
        temperature=body.temperature,
        stop=stop,
        tools=tools,
        tool_choice=choice,
        parallel_tool_calls=body.parallel_tool_calls,
        output=output,
        sampling=Sampling(
            top_p=body.top_p,
            seed=body.seed,
            frequency_penalty=body.frequency_penalty,
            presence_penalty=body.presence_penalty,
            reasoning_effort=body.reasoning_effort,
            user=body.user,
        ),
    )


def _refuse_unsupported(body: wire.ChatCompletionIn) -> None:
    if body.n not in (None, 1):
        raise UnsupportedRequest(f"n > 1 (several choices) {NOT_SUPPORTED}", "n")
    if body.logprobs or body.top_logprobs:
        raise UnsupportedRequest(f"logprobs {NOT_SUPPORTED}", "logprobs")
    if body.audio is not None or "audio" in (body.modalities or ()):
        raise UnsupportedRequest(f"audio output {NOT_SUPPORTED}", "audio")
    # The legacy functions would want legacy function_call answers: refused, not half-served.
    if body.functions is not None:
        raise BadRequest(
            f"the legacy functions parameter {NOT_SUPPORTED}: declare them in tools "
            '({"type": "function", "function": {...}})',
            "functions",
        )
    if body.function_call is not None:
        raise BadRequest(
            f"the legacy function_call parameter {NOT_SUPPORTED}: use tool_choice",
            "function_call",
        )


def _tools(body: wire.ChatCompletionIn) -> tuple[tuple[Tool, ...], ToolChoice | None]:
    found = []
    for i, raw in enumerate(body.tools or ()):
        if raw.type != "function":
            raise UnsupportedRequest(
                f"tools of type {raw.type!r} {NOT_SUPPORTED} (only 'function')",
                f"tools[{i}].type",
            )
        found.append(_tool(raw.function))
    return tuple(found), _choice(body.tool_choice, "tool_choice")


def _tool(function: wire.FunctionIn) -> Tool:
    return Tool(
        name=function.name,
        parameters=function.parameters if function.parameters is not None else _EMPTY_PARAMETERS,
        description=function.description,
        strict=function.strict,
    )


def _choice(raw: str | wire.ChatNamedToolChoice | None, param: str) -> ToolChoice | None:
    if raw is None:
        return None
    if isinstance(raw, wire.ChatNamedToolChoice):
        if raw.type != "function":
            raise UnsupportedRequest(f"{param} of type {raw.type!r} {NOT_SUPPORTED}", param)
        return ToolChoice(ToolChoiceMode.REQUIRED, raw.function.name)
    mode = _CHOICE_MODES.get(raw)
    if mode is None:
        allowed = ", ".join(repr(m) for m in _CHOICE_MODES)
        raise BadRequest(f"{param} must be one of {allowed} or a named function", param)
    return ToolChoice(mode)


def _output(raw: wire.ResponseFormat | None) -> OutputFormat | None:
    if raw is None or raw.type == "text":
        return None
    if raw.type == "json_object":
        return OutputFormat(OutputKind.JSON_OBJECT)
    if raw.type != "json_schema":
        raise UnsupportedRequest(
            f"response_format {raw.type!r} {NOT_SUPPORTED}", "response_format.type"
        )
    spec = raw.json_schema
    if spec is None or spec.schema_ is None:
        raise BadRequest(
            "response_format.json_schema.schema is required with type 'json_schema'",
            "response_format.json_schema",
        )
    return OutputFormat(
        OutputKind.JSON_SCHEMA, spec.schema_, spec.name, spec.strict, description=spec.description
    )
