"""Start an agent session on the LLM the factory picks for the user."""

from __future__ import annotations

from collections.abc import Mapping
from uuid import UUID

from application.llm.resolve_llm import ResolveLlm
from domain.agent_session import AgentSession
from domain.errors import InvalidMessage
from domain.ports import Clock, IdGenerator, UnitOfWorkFactory
from domain.provider import Provider

MAX_TITLE_LENGTH = 200
MAX_SYSTEM_PROMPT_LENGTH = 100_000


class StartAgentSession:
    """- the LLM factory decides (explicit credential, the user's credential for a requested
      provider, the user's default, the system default) without opening any key;
    - the session records the provider, the model and the credential; a null credential means
      the system default serves it;
    - ``system_prompts`` holds a prompt per provider (``openai``, ``anthropic``, ``google``,
      ``openai_compatible``): the one for the session's provider is used, ``system_prompt``
      otherwise;
    - nothing usable: ``NoLlmConfigured``, and nothing is stored."""

    def __init__(
        self, uow: UnitOfWorkFactory, resolve: ResolveLlm, ids: IdGenerator, clock: Clock
    ) -> None:
        self._uow = uow
        self._resolve = resolve
        self._ids = ids
        self._clock = clock

    async def execute(
        self,
        user_id: UUID,
        *,
        title: str | None = None,
        provider: str | Provider | None = None,
        model: str | None = None,
        credential_id: UUID | None = None,
        system_prompt: str | None = None,
        system_prompts: Mapping[str | Provider, str] | None = None,
    ) -> AgentSession:
        title = _clean(title, "title", MAX_TITLE_LENGTH)
        system_prompt = _clean(system_prompt, "system prompt", MAX_SYSTEM_PROMPT_LENGTH)
        prompts = _per_provider(system_prompts or {})
        choice = await self._resolve.explain(
            user_id, provider=provider, model=model, credential_id=credential_id
        )
        now = self._clock.now()
        session = AgentSession(
            id=self._ids.new_id(),
            user_id=user_id,
            title=title,
            llm_provider=choice.provider.value,
            llm_model=choice.model,
            llm_credential_id=choice.credential_id,
            system_prompt=system_prompt,
            created_at=now,
            updated_at=now,
            system_prompts=prompts,
        )
        async with self._uow() as uow:
            await uow.sessions.add(session)
            await uow.commit()
        return session


def _clean(text: str | None, what: str, limit: int) -> str | None:
    if text is None or not text.strip():
        return None
    if len(text) > limit:
        raise InvalidMessage(f"the {what} is too long (at most {limit} characters)")
    if "\x00" in text:  # PostgreSQL text cannot hold it
        raise InvalidMessage(f"the {what} contains a NUL character")
    return text.strip() if what == "title" else text


def _per_provider(prompts: Mapping[str | Provider, str]) -> dict[str, str]:
    known = {p.value for p in Provider}
    cleaned: dict[str, str] = {}
    for provider, prompt in prompts.items():
        name = provider.value if isinstance(provider, Provider) else provider
        if name not in known:
            raise InvalidMessage(
                f"system_prompts: {name!r} is not a provider (one of {', '.join(sorted(known))})"
            )
        text = _clean(prompt, f"system prompt for {name}", MAX_SYSTEM_PROMPT_LENGTH)
        if text is not None:
            cleaned[name] = text
    return cleaned
