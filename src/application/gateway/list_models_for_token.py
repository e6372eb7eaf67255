"""The models a gateway token may use: its owner's reach, within its ``allowed_models``."""

from __future__ import annotations

from application.gateway._token_scopes import model_key
from application.gateway.list_gateway_models import GatewayModel, ListGatewayModels
from domain.gateway_token import GatewayToken


class ListModelsForToken:
    """- what its owner can reach (``ListGatewayModels``), less the models the token's
    ``allowed_models`` leaves out (compared in routed form, like a call's model): a client
    that lists models before calling only sees ones it may call."""

    def __init__(self, models: ListGatewayModels) -> None:
        self._models = models

    async def execute(self, token: GatewayToken) -> list[GatewayModel]:
        reachable = await self._models.execute(token.user_id)
        return [m for m in reachable if token.allows(model_key(m.id))]
