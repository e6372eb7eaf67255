"""``ByomChatModel``: a LangChain chat model served by the in-process facade."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Coroutine, Iterator, Sequence
from typing import Any, Literal, TypeVar, cast
from uuid import UUID

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.language_models.base import LangSmithParams
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, ToolCallChunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import BaseModel, ConfigDict, Field

from application.byom import Byom
from application.gateway.relay_completion import RelayRequest
from entrypoints.langchain._messages import tool_calls_of
from entrypoints.langchain._request import FIELDS, relay_request, response_metadata, usage_metadata
from entrypoints.langchain._structured import json_output

T = TypeVar("T")


class ByomChatModel(BaseChatModel):
    """A user's own model, as the LLM factory picks it (``model="default"``: their default;
    ``gpt-…`` / ``claude-…`` / ``gemini-…`` / ``provider/model``: that one on their key),
    with usage recorded (source ``in-process``). ``invoke``/``stream`` run the call on an event
    loop of their own: with a database bound to a running loop use ``ainvoke``/``astream``."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    byom: Byom = Field(exclude=True)
    user_id: UUID
    model: str = "default"
    temperature: float | None = None
    max_tokens: int | None = None
    stop: list[str] | None = None
    top_p: float | None = None
    seed: int | None = None
    frequency_penalty: float | None = None
    presence_penalty: float | None = None
    reasoning_effort: str | None = None
    user: str | None = None

    @property
    def _llm_type(self) -> str:
        return "byom"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model": self.model, "temperature": self.temperature}

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        params = LangSmithParams(
            ls_provider="byom", ls_model_name=kwargs.get("model", self.model), ls_model_type="chat"
        )
        if self.temperature is not None:
            params["ls_temperature"] = self.temperature
        if self.max_tokens is not None:
            params["ls_max_tokens"] = self.max_tokens
        if stop or self.stop:
            params["ls_stop"] = stop or self.stop
        return params

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: str | bool | dict[str, Any] | None = None,
        parallel_tool_calls: bool | None = None,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        formatted = [convert_to_openai_tool(tool, strict=strict) for tool in tools]
        if tool_choice is not None:
            kwargs["tool_choice"] = tool_choice
        if parallel_tool_calls is not None:
            kwargs["parallel_tool_calls"] = parallel_tool_calls
        return self.bind(tools=formatted, **kwargs)

    def with_structured_output(
        self,
        schema: dict[str, Any] | type,
        *,
        method: Literal["function_calling", "json_schema", "json_mode"] = "function_calling",
        include_raw: bool = False,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, dict[str, Any] | BaseModel]:
        """``function_calling`` (a forced tool call), ``json_schema`` (the provider's JSON
        output following the schema) or ``json_mode`` (any JSON object)."""
        if method == "function_calling":
            return super().with_structured_output(schema, include_raw=include_raw, **kwargs)
        if kwargs:
            raise ValueError(f"unsupported arguments {sorted(kwargs)}")
        return json_output(self, schema, method, include_raw=include_raw, strict=strict)

    def _request(
        self, messages: list[BaseMessage], stop: list[str] | None, **kwargs: Any
    ) -> RelayRequest:
        fields = {name: getattr(self, name) for name in FIELDS}
        return relay_request(fields, messages, stop, kwargs)

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        relayed = await self.byom.complete(self.user_id, self._request(messages, stop, **kwargs))
        completion = relayed.completion
        calls, invalid = tool_calls_of(completion.tool_calls)
        message = AIMessage(
            content=completion.text,
            tool_calls=calls,
            invalid_tool_calls=invalid,
            usage_metadata=usage_metadata(completion.usage),
            response_metadata=response_metadata(relayed.choice, completion.finish_reason.value),
        )
        return ChatResult(generations=[ChatGeneration(message=message)])

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        request = self._request(messages, stop, **kwargs)
        finish: str | None = None
        async with self.byom.stream_completion(self.user_id, request) as stream:
            async for chunk in stream.chunks():
                if chunk.finish_reason is not None:
                    finish = chunk.finish_reason.value
                if not chunk.delta and not chunk.tool_calls:
                    continue
                pieces = [
                    ToolCallChunk(
                        name=d.name,
                        args=d.arguments,
                        id=d.id,
                        index=d.index,
                        type="tool_call_chunk",
                    )
                    for d in chunk.tool_calls
                ]
                out = ChatGenerationChunk(
                    message=AIMessageChunk(content=chunk.delta, tool_call_chunks=pieces)
                )
                if run_manager is not None and chunk.delta:
                    await run_manager.on_llm_new_token(chunk.delta, chunk=out)
                yield out
            kept = await stream.finish()
        if kept is None:
            return
        last = AIMessageChunk(
            content="",
            usage_metadata=usage_metadata(kept.usage) if kept.usage is not None else None,
            response_metadata=response_metadata(kept.choice, finish),
            chunk_position="last",
        )
        yield ChatGenerationChunk(message=last)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return _run(self._agenerate(messages, stop, **kwargs))

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        _no_running_loop()
        loop = asyncio.new_event_loop()
        chunks = cast(
            "AsyncGenerator[ChatGenerationChunk, None]", self._astream(messages, stop, **kwargs)
        )
        try:
            while True:
                try:
                    out = loop.run_until_complete(anext(chunks))
                except StopAsyncIteration:
                    return
                if run_manager is not None and out.text:
                    run_manager.on_llm_new_token(out.text, chunk=out)
                yield out
        finally:
            loop.run_until_complete(chunks.aclose())
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()


def _no_running_loop() -> None:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    raise RuntimeError("ByomChatModel inside a running event loop: use ainvoke / astream")


def _run(call: Coroutine[Any, Any, T]) -> T:
    try:
        _no_running_loop()
    except RuntimeError:
        call.close()
        raise
    return asyncio.run(call)
