"""LangChain's own standard tests for chat models, on ``ByomChatModel`` over the in-memory
world (its fake providers answer as ``tests.support.scripted_model`` says)."""

from __future__ import annotations

import asyncio
import base64
from typing import Any
from uuid import UUID

import httpx
import pytest
from langchain_tests.integration_tests import ChatModelIntegrationTests
from langchain_tests.unit_tests import ChatModelUnitTests

from adapters.persistence.memory import MemoryKeyCanaryStore
from application.byom import Byom
from entrypoints.bootstrap import Database, build_byom
from entrypoints.langchain import ByomChatModel
from tests.support.builders import World
from tests.support.fakes import FakeCatalog
from tests.support.scenarios import add_key, keyed_world, new_user

# A 1x1 PNG: the image test fetches a picture from the web; this sandbox has no network.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def byom_world() -> tuple[World, Byom, UUID]:
    world = keyed_world()

    async def close() -> None:
        return None

    async def user() -> UUID:
        user_id = await new_user(world)
        await add_key(world, user_id, "openai")
        return user_id

    user_id = asyncio.run(user())
    byom = build_byom(
        world.container.settings,
        database=Database(
            world.db.unit_of_work, world.health, close, MemoryKeyCanaryStore(world.db.key_canaries)
        ),
        providers=world.providers,
        catalog=FakeCatalog(),
        clock=world.clock,
    )
    return world, byom, user_id


_WORLD, _BYOM, _USER = byom_world()


class _Declared:
    """What ``ByomChatModel`` declares (the standard suites run what these say)."""

    @property
    def chat_model_class(self) -> type[ByomChatModel]:
        return ByomChatModel

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"byom": _BYOM, "user_id": _USER, "model": "default"}

    @property
    def standard_chat_model_params(self) -> dict[str, Any]:
        # No timeout / max_retries: the facade has none to set.
        return {"temperature": 0, "max_tokens": 100, "stop": []}

    @property
    def has_tool_calling(self) -> bool:
        return True

    @property
    def has_tool_choice(self) -> bool:
        return True

    @property
    def has_structured_output(self) -> bool:
        return True

    @property
    def structured_output_kwargs(self) -> dict[str, Any]:
        return {"method": "json_schema"}

    @property
    def supports_json_mode(self) -> bool:
        return True

    @property
    def supports_image_inputs(self) -> bool:
        return True

    @property
    def returns_usage_metadata(self) -> bool:
        return True

    @property
    def model_override_value(self) -> str | None:
        return "model-b"


class TestByomChatModelUnit(_Declared, ChatModelUnitTests):
    pass


class TestByomChatModelIntegration(_Declared, ChatModelIntegrationTests):
    @pytest.fixture(autouse=True)
    def _local_image(self, monkeypatch: pytest.MonkeyPatch) -> None:
        def get(url: str, **_: Any) -> httpx.Response:
            return httpx.Response(200, content=PNG, request=httpx.Request("GET", url))

        monkeypatch.setattr(httpx, "get", get)
