"""What the LLM factory answers, and what it remembers of its answers."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.caching._remembered import Remembered
from domain.api_key import ApiKey
from domain.credential import LlmCredential
from domain.ports import LlmProvider
from domain.provider import Provider
from domain.resolution import LlmChoice

# Who asks for what: the remembered answer is the choice and the credential as read (its key
# still sealed: plaintext keys are never kept across requests), or None for the system default.
ChoiceKey = tuple[UUID, Provider | None, str | None, UUID | None]
KnownChoices = Remembered[ChoiceKey, tuple[LlmChoice, LlmCredential | None]]


@dataclass(frozen=True, slots=True)
class ResolvedLlm:
    """A choice ready to call: the provider client (bound to the user's share of calls in
    flight) and the opened key."""

    choice: LlmChoice
    client: LlmProvider
    api_key: ApiKey
