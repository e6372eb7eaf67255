"""What the LLM factory would pick for a user now, and why — "nothing yet" is an answer too."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.llm.resolve_llm import ResolveLlm
from domain.errors import NoLlmConfigured
from domain.resolution import ExpiredKey, LlmChoice, ResolutionReason


@dataclass(frozen=True, slots=True)
class LlmExplanation:
    """``choice`` is None when nothing would serve; ``detail`` then says what to do.
    ``expired``: the user's key passed over because it expired (either way)."""

    choice: LlmChoice | None
    detail: str | None = None
    expired: ExpiredKey | None = None

    @property
    def reason(self) -> ResolutionReason:
        return self.choice.reason if self.choice else ResolutionReason.NONE


class ExplainLlm:
    """- never opens a key and never calls a provider;
    - answers for the user's agents as they are now: the default, else the system default."""

    def __init__(self, resolve: ResolveLlm) -> None:
        self._resolve = resolve

    async def execute(self, user_id: UUID) -> LlmExplanation:
        try:
            choice = await self._resolve.explain(user_id)
        except NoLlmConfigured as exc:
            return LlmExplanation(None, exc.message, exc.expired)
        expired = choice.expired
        detail = None if expired is None else f"{expired.note}; the system default serves instead"
        return LlmExplanation(choice, detail, expired)
