"""A provider client bound to one user's share of calls in flight."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from uuid import UUID

from domain.api_key import ApiKey
from domain.llm import Completion, CompletionChunk, CompletionRequest, ModelInfo
from domain.ports import LlmProvider, ProviderCallSlots


class UserCalls(LlmProvider):
    """- each call takes one of the user's slots first (``TooManyProviderCalls`` when they hold
      them all: nothing is sent) and gives it back when it ends, however it ends;
    - a stream takes its slot on its first read and holds it until the provider's stream ended,
      failed or was closed (a client that left, a reply cut short); a stream dropped unclosed
      gives it back when the event loop finalises it."""

    def __init__(self, inner: LlmProvider, slots: ProviderCallSlots, user_id: UUID) -> None:
        self._inner = inner
        self._slots = slots
        self._user_id = user_id

    async def list_models(self, key: ApiKey, *, base_url: str | None = None) -> list[ModelInfo]:
        slot = self._slots.take(self._user_id)
        try:
            return await self._inner.list_models(key, base_url=base_url)
        finally:
            slot.release()

    async def complete(
        self, key: ApiKey, request: CompletionRequest, *, base_url: str | None = None
    ) -> Completion:
        slot = self._slots.take(self._user_id)
        try:
            return await self._inner.complete(key, request, base_url=base_url)
        finally:
            slot.release()

    async def stream(
        self, key: ApiKey, request: CompletionRequest, *, base_url: str | None = None
    ) -> AsyncGenerator[CompletionChunk, None]:
        slot = self._slots.take(self._user_id)
        chunks = None
        try:
            # Inside: an adapter may refuse the call when it is made; the slot goes back.
            chunks = self._inner.stream(key, request, base_url=base_url)
            async for chunk in chunks:
                yield chunk
        finally:
            try:
                aclose = getattr(chunks, "aclose", None)
                if aclose is not None:
                    await aclose()
            finally:
                slot.release()
