"""The LLM a session runs on: the one recorded when it started, never another."""

from __future__ import annotations

from uuid import UUID

from application.llm.resolve_llm import ResolvedLlm, ResolveLlm
from domain.agent_session import AgentSession
from domain.errors import (
    CredentialNotFound,
    CredentialRevoked,
    DataKeyDestroyed,
    NoLlmConfigured,
    SessionCredentialRevoked,
)


async def session_llm(resolve: ResolveLlm, user_id: UUID, session: AgentSession) -> ResolvedLlm:
    """Its credential (a deleted one is never used again: ``SessionCredentialRevoked``), or the
    system default when it has none, as long as that is still the same provider."""
    if session.llm_credential_id is not None:
        try:
            return await resolve.execute(
                user_id, credential_id=session.llm_credential_id, model=session.llm_model
            )
        except (CredentialRevoked, CredentialNotFound, DataKeyDestroyed) as exc:
            raise SessionCredentialRevoked() from exc
    llm = resolve.system_default(user_id, session.llm_model)
    if llm.choice.provider.value != session.llm_provider:
        raise NoLlmConfigured(
            "the system default LLM this session was started on has changed; start a new session"
        )
    return llm
