"""Whether a gateway token may make this call now: its model list and its rates."""

from __future__ import annotations

from application.gateway._routing import route
from application.gateway._token_scopes import model_key
from application.gateway.relay_completion import RelayRequest
from application.llm._generation_limits import check_generation
from application.usage._meter import DEFAULT_MAX_OUTPUT_TOKENS, UsageMeter
from domain.errors import ModelNotAllowedForToken, TokenRateLimited
from domain.gateway_token import GatewayToken
from domain.history import estimated_tokens, prompt_tokens
from domain.ports import TokenRateMeter
from domain.token_rate import TokenRateLimits, TokenRateUse


class AdmitGatewayCall:
    """- a model outside the token's ``allowed_models`` (compared in routed form, so
      ``openai/gpt-4o`` and ``gpt-4o`` are one model) is ``ModelNotAllowedForToken``, before
      anything is counted and before any provider is asked;
    - with ``rpm`` or ``tpm``, the call is counted in the token's current minute unless it
      would go over: then ``TokenRateLimited`` until the minute ends, and nothing is counted;
    - a call's tokens, counted when admitted: the prompt's estimate (about 4 bytes a token, as
      ``domain.history``) plus ``max_tokens``, else the model's default reply budget: the most
      it can use, as OpenAI counts its own ``tpm``;
    - a call larger than ``tpm`` on its own says so (lower ``max_tokens``): no wait helps it;
    - returns the window's counts (None: the token has no rates) for ``x-ratelimit-*``."""

    def __init__(self, meter: TokenRateMeter, usage: UsageMeter) -> None:
        self._meter = meter
        self._usage = usage

    async def execute(self, token: GatewayToken, request: RelayRequest) -> TokenRateUse | None:
        # An impossible max_tokens is a 400 before it is counted against tpm.
        check_generation(request.max_tokens, request.temperature)
        if not token.allows(model_key(request.model)):
            raise ModelNotAllowedForToken(request.model)
        limits = TokenRateLimits(token.rpm, token.tpm)
        if not limits.any:
            return None
        cost = self.worst_case(request)
        refused, use = await self._meter.admit(token.id, cost, limits)
        if refused is not None:
            limit = limits.rpm if refused == "rpm" else limits.tpm
            wait = max(1, -int(-use.reset_s // 1))
            too_large = cost if refused == "tpm" and cost > (limit or 0) else None
            raise TokenRateLimited(refused, limit or 0, wait, use, too_large=too_large)
        return use

    def worst_case(self, request: RelayRequest) -> int:
        prompt = sum(estimated_tokens(m) for m in request.messages)
        prompt += prompt_tokens(None, request.tools)
        return prompt + (request.max_tokens or self._reply_budget(request.model))

    def _reply_budget(self, model: str) -> int:
        target = route(model)
        if target.provider is None or target.model is None:
            return DEFAULT_MAX_OUTPUT_TOKENS
        known = self._usage.max_output_tokens(target.provider, target.model)
        return known or DEFAULT_MAX_OUTPUT_TOKENS
