"""The platform's key serves the operator's allow-list only, whichever way a call arrives: the
LLM factory (execute, explain, a session's system default), session start and send, the
in-process facade and its LangChain model. Nothing refused ever reaches a provider."""

from __future__ import annotations

from dataclasses import replace
from uuid import uuid4

import pytest
from langchain_core.messages import HumanMessage

from adapters.persistence.memory import MemoryKeyCanaryStore
from application.byom import Byom
from application.gateway.relay_completion import RelayRequest
from domain.api_key import ApiKey
from domain.errors import ModelNotAllowed
from domain.llm import ChatMessage, Role
from domain.provider import Provider
from domain.resolution import Payer, ResolutionReason, SystemDefault
from entrypoints.bootstrap import Database, build_byom
from entrypoints.langchain import ByomChatModel
from tests.support.builders import World
from tests.support.fakes import FakeCatalog
from tests.support.scenarios import add_key, new_user, system_default_world

REFUSED = ("model-a", "claude-opus-4", "anthropic/model-x", "openai/model-b", "made-up")


def _byom_on(world: World) -> Byom:
    async def close() -> None:
        return None

    return build_byom(
        world.container.settings,
        database=Database(
            world.db.unit_of_work, world.health, close, MemoryKeyCanaryStore(world.db.key_canaries)
        ),
        providers=world.providers,
        catalog=FakeCatalog(),
        clock=world.clock,
    )


def _hi(model: str) -> RelayRequest:
    return RelayRequest(model=model, messages=(ChatMessage(Role.USER, "hi"),))


@pytest.mark.parametrize(
    ("requested", "served"),
    [
        (None, "model-b"),
        ("model-b", "model-b"),
        ("MODEL-B", "model-b"),
        ("anthropic/model-b", "model-b"),
        ("claude/Model-B", "model-b"),
        ("anthropic/openai/model-b", None),
        ("openai/model-b", None),
        ("model-b2", None),
        ("model", None),
    ],
)
def test_admit_compares_names_as_the_gateway_routes_them(
    requested: str | None, served: str | None
) -> None:
    system = SystemDefault(Provider.ANTHROPIC, "model-b", ApiKey("sk-platform-key-0001"))
    if served is None:
        with pytest.raises(ModelNotAllowed, match="serves model-b"):
            system.admit(requested)
    else:
        assert system.admit(requested) == served


def test_a_google_default_admits_the_models_prefix() -> None:
    system = SystemDefault(Provider.GOOGLE, "gemini-2.5-flash", None, models=("gemini-2.5-flash",))
    assert system.admit("models/gemini-2.5-flash") == "gemini-2.5-flash"
    assert system.admit("google/models/gemini-2.5-flash") == "gemini-2.5-flash"


async def test_the_factory_refuses_models_outside_the_list_without_opening_anything() -> None:
    world = system_default_world(model="model-b", models=("model-b", "claude-haiku"))
    user_id = await new_user(world)
    resolve = world.container.resolve_llm

    for model in REFUSED:
        with pytest.raises(ModelNotAllowed):
            await resolve.execute(user_id, model=model)
        with pytest.raises(ModelNotAllowed):
            await resolve.explain(user_id, provider="anthropic", model=model)
        with pytest.raises(ModelNotAllowed):
            resolve.system_default(user_id, model)

    served = await resolve.execute(user_id, provider="anthropic", model="Claude-Haiku")
    assert (served.choice.model, served.choice.reason) == (
        "claude-haiku",
        ResolutionReason.SYSTEM_DEFAULT,
    )
    assert world.providers.calls == 0


async def test_a_users_own_key_serves_any_model_of_its_provider() -> None:
    world = system_default_world(model="model-b")
    user_id = await new_user(world)
    credential = await add_key(world, user_id, "anthropic")

    choice = await world.container.resolve_llm.explain(user_id, model="claude-opus-4")

    assert (choice.model, choice.credential_id) == ("claude-opus-4", credential)


async def test_session_start_and_a_later_message_are_refused_before_any_call() -> None:
    world = system_default_world(model="model-b")
    user_id = await new_user(world)

    for model in REFUSED:
        with pytest.raises(ModelNotAllowed):
            await world.container.start_agent_session.execute(user_id, model=model)
    assert world.db.sessions == {}

    # A session from before the list narrowed (or an edited row) holds another model.
    session = await world.container.start_agent_session.execute(user_id)
    world.db.sessions[session.id] = replace(world.db.sessions[session.id], llm_model="model-a")
    with pytest.raises(ModelNotAllowed):
        await world.container.send_message.execute(user_id, session.id, "hi")
    with pytest.raises(ModelNotAllowed):
        await world.container.send_message.stream(user_id, session.id, "hi").start()

    assert world.providers.calls == 0
    assert world.db.messages == {}
    assert world.db.usage == {}


async def test_the_facade_refuses_on_every_entry_point() -> None:
    world = system_default_world(model="model-b")
    user_id = await new_user(world)
    byom = _byom_on(world)

    with pytest.raises(ModelNotAllowed):
        await byom.resolve_llm(user_id, model="model-a")
    with pytest.raises(ModelNotAllowed):
        await byom.start_session(user_id, model="model-a")
    with pytest.raises(ModelNotAllowed):
        await byom.complete(user_id, _hi("anthropic/model-a"))
    with pytest.raises(ModelNotAllowed):
        await byom.stream_completion(user_id, _hi("model-a")).start()

    completed = await byom.complete(user_id, _hi("default"))
    assert completed.choice.model == "model-b"
    assert world.providers.calls == 1
    await byom.aclose()


async def test_the_langchain_model_is_refused_like_any_in_process_call() -> None:
    world = system_default_world(model="model-b")
    user_id = await new_user(world)
    byom = _byom_on(world)

    with pytest.raises(ModelNotAllowed):
        await ByomChatModel(byom=byom, user_id=user_id, model="claude-opus-4").ainvoke(
            [HumanMessage("hi")]
        )
    answered = await ByomChatModel(byom=byom, user_id=user_id).ainvoke([HumanMessage("hi")])

    assert answered.response_metadata["model_name"] == "model-b"
    assert world.providers.calls == 1
    await byom.aclose()


def test_the_refusal_names_what_the_platform_serves() -> None:
    system = SystemDefault(
        Provider.OPENAI, "gpt-4o-mini", None, models=("gpt-4o-mini", "gpt-4.1-nano")
    )
    with pytest.raises(ModelNotAllowed) as refused:
        system.admit(f"gpt-4.1-{uuid4().hex[:6]}")
    assert "gpt-4o-mini, gpt-4.1-nano" in refused.value.message
    assert "OpenAI key" in refused.value.message


async def test_models_offer_the_platforms_list_only_where_no_key_of_the_user_serves() -> None:
    world = system_default_world(model="model-b", models=("model-b", "claude-haiku"))
    user_id = await new_user(world)
    listing = world.container.list_gateway_models

    keyless = await listing.execute(user_id)
    assert [(m.id, m.name, m.paid_by, m.credential_id) for m in keyless] == [
        ("anthropic/model-b", "model-b", Payer.PLATFORM, None),
        ("claude-haiku", "claude-haiku", Payer.PLATFORM, None),
    ]
    for m in keyless:  # each id is served by what the listing says
        choice = await world.container.resolve_llm.explain(user_id, model=m.id)
        assert (choice.model, choice.credential_id) == (m.name, None)

    credential = await add_key(world, user_id, "anthropic")
    keyed = await listing.execute(user_id)
    assert {(m.paid_by, m.credential_id) for m in keyed} == {(Payer.USER, credential)}
