"""A ``CompletionRequest`` in Gemini's wire: contents (text, inline images, function calls and
their answers), tools, JSON output and sampling, with what Gemini cannot take refused before any
call (``UnsupportedFeature``)."""

from __future__ import annotations

from adapters.llm import gemini_tools as tools
from adapters.llm import gemini_wire as wire
from domain.content import ImagePart, TextPart
from domain.errors import UnsupportedFeature
from domain.llm import ChatMessage, CompletionRequest, Role
from domain.tools import OutputKind

PROVIDER = tools.PROVIDER
# reasoning_effort on Gemini 2.5 models: a thinking budget, as Gemini's own OpenAI-compatible
# endpoint maps it (ai.google.dev/gemini-api/docs/openai#thinking).
_THINKING_BUDGET = {"low": 1024, "medium": 8192, "high": 24576}


def body(request: CompletionRequest) -> wire.GenerateRequest:
    system_parts = [request.system] if request.system else []
    system_parts += [m.text for m in request.messages if m.role is Role.SYSTEM]
    config = _generation_config(request)
    return wire.GenerateRequest(
        contents=_contents(request.messages),
        system_instruction=wire.Content(parts=[wire.Part(text="\n\n".join(system_parts))])
        if system_parts
        else None,
        generation_config=config if config != wire.GenerationConfig() else None,
        tools=tools.declarations(request),
        tool_config=tools.tool_config(request),
    )


def _contents(messages: tuple[ChatMessage, ...]) -> list[wire.Content]:
    """One content per turn; the tool turns answering one assistant turn become one user
    content of ``functionResponse`` parts, in the order of that turn's calls, and a user turn
    right after them joins that content (its parts after the answers), as Gemini wants user
    and model contents to alternate."""
    contents: list[wire.Content] = []
    calls: dict[str, tuple[int, str]] = {}  # call id -> (position, name) of the last model turn
    answers: list[tuple[int, wire.Part]] = []
    for i, message in enumerate(messages):
        if message.role is Role.SYSTEM:
            continue
        if message.role is Role.TOOL:
            position, name = calls.get(message.tool_call_id or "", (len(calls), message.name))
            answers.append((position, tools.function_response(name or "", message.text)))
            continue
        if answers and message.role is Role.USER:
            answered = _answers(answers)
            answered.parts += [p for p in _user_parts(message, i) if p != wire.Part(text="")]
            contents.append(answered)
            answers = []
            continue
        if answers:
            contents.append(_answers(answers))
            answers = []
        if message.role is Role.ASSISTANT:
            calls = {c.id: (n, c.name) for n, c in enumerate(message.tool_calls)}
            parts = [wire.Part(text=message.text)] if message.text else []
            parts += [tools.function_call(c) for c in message.tool_calls]
            contents.append(wire.Content(parts=parts or [wire.Part(text="")], role="model"))
        else:
            contents.append(wire.Content(parts=_user_parts(message, i), role="user"))
    if answers:
        contents.append(_answers(answers))
    return contents


def _answers(answers: list[tuple[int, wire.Part]]) -> wire.Content:
    ordered = sorted(answers, key=lambda answer: answer[0])
    return wire.Content(parts=[part for _, part in ordered], role="user")


def _user_parts(message: ChatMessage, index: int) -> list[wire.Part]:
    parts: list[wire.Part] = []
    for j, part in enumerate(message.parts):
        if isinstance(part, TextPart):
            parts.append(wire.Part(text=part.text))
        elif isinstance(part, ImagePart):
            if part.data is None:
                where = f"messages[{index}].content[{j}].image_url"
                raise UnsupportedFeature(
                    PROVIDER,
                    where,
                    f"{where}: Gemini takes images inline: send a data: URL",
                )
            parts.append(wire.Part(inline_data=wire.Blob(part.media_type or "", part.base64())))
    return parts or [wire.Part(text="")]


def _generation_config(request: CompletionRequest) -> wire.GenerationConfig:
    """``user`` has no Gemini field and is not forwarded (it names the end user for the
    provider's abuse monitoring; it changes no output)."""
    sampling = request.sampling
    mime_type = schema = None
    output = request.output
    if output is not None and output.kind is not OutputKind.TEXT:
        mime_type = "application/json"
        if output.kind is OutputKind.JSON_SCHEMA and output.schema is not None:
            schema = tools.check_schema(output.schema, "response_format.json_schema.schema")
    return wire.GenerationConfig(
        max_output_tokens=request.max_tokens,
        temperature=request.temperature,
        stop_sequences=list(request.stop) or None,
        top_p=sampling.top_p,
        seed=sampling.seed,
        frequency_penalty=sampling.frequency_penalty,
        presence_penalty=sampling.presence_penalty,
        response_mime_type=mime_type,
        response_json_schema=schema,
        thinking_config=_thinking(request),
    )


def _thinking(request: CompletionRequest) -> wire.ThinkingConfig | None:
    effort = request.sampling.reasoning_effort
    if effort is None:
        return None
    model = request.model.removeprefix("models/")
    budget = _THINKING_BUDGET.get(effort)
    if budget is None or not model.startswith("gemini-2.5"):
        raise UnsupportedFeature(
            PROVIDER,
            "reasoning_effort",
            "reasoning_effort: on Gemini only 'low', 'medium' or 'high' on a gemini-2.5 model "
            "(a thinking budget of 1024, 8192 or 24576 tokens)",
        )
    return wire.ThinkingConfig(thinking_budget=budget)
