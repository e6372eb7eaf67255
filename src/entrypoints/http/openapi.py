"""OpenAPI: the problem schema, per-route error responses and the two bearer-token schemes.

Every operation takes the access token (a JWT, ``BearerToken``) unless it says otherwise: the
public routes take none (``PublicOperation``), the gateway's ``/v1/*`` take a gateway token
(``GatewayToken``, see ``entrypoints.http.gateway.openapi``).
"""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus

import msgspec
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import (
    Components,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Reference,
    Schema,
    SecurityRequirement,
    SecurityScheme,
)
from litestar.security.jwt import JWTAuth

from domain.user import User
from entrypoints.http.access_tokens import AccessTokenClaims

GATEWAY_SCHEME = "GatewayToken"
GATEWAY_SECURITY: list[SecurityRequirement] = [{GATEWAY_SCHEME: []}]

ACCESS_TOKEN = SecurityScheme(
    type="http",
    scheme="Bearer",
    bearer_format="JWT",
    description="Access token from `POST /api/v1/auth/login` (`access_token`), sent as "
    "`Authorization: Bearer <jwt>` to the `/api/v1/*` routes.",
)
GATEWAY_TOKEN = SecurityScheme(
    type="http",
    scheme="Bearer",
    description="Gateway token for the OpenAI-compatible `/v1/*` routes, sent as "
    "`Authorization: Bearer byom_...` (what an OpenAI SDK sends as its `api_key`), created by "
    "`POST /api/v1/users/me/gateway-tokens` and shown once. Its expiry, `allowed_models`, "
    "`rpm`, `tpm` and `monthly_usd` apply to every call; an access token is not accepted "
    "there.",
)


class AccessTokenAuth(JWTAuth[User, AccessTokenClaims]):
    """Litestar's JWT authentication, declaring both token schemes in the document."""

    @property
    def openapi_components(self) -> Components:
        # Litestar's own scheme carries ``name``, which OpenAPI allows on apiKey schemes only:
        # openapi-spec-validator rejects the document (litestar#5050; the 2.x we use has it).
        return Components(
            security_schemes={
                self.openapi_security_scheme_name: ACCESS_TOKEN,
                GATEWAY_SCHEME: GATEWAY_TOKEN,
            }
        )


@dataclass
class PublicOperation(Operation):
    """An operation that takes no token: ``security: []`` overrides the document's default."""

    def __post_init__(self) -> None:
        self.security = []


def json_or_event_stream(events: str) -> type[Operation]:
    """An operation whose ``200`` is JSON or, as ``events`` describes, an event stream. Litestar
    describes a handler returning ``Struct | Stream`` as one JSON ``oneOf`` that any body
    matches (the stream's schema is empty)."""

    @dataclass
    class JsonOrEventStream(Operation):
        def __post_init__(self) -> None:
            ok = (self.responses or {}).get("200")
            if isinstance(ok, OpenAPIResponse) and ok.content:
                schema = ok.content["application/json"].schema
                if isinstance(schema, Schema) and schema.one_of:
                    # Litestar's own reference: its registry keeps the path up to date.
                    body = next(s for s in schema.one_of if isinstance(s, Reference))
                    ok.content = {
                        "application/json": OpenAPIMediaType(schema=body),
                        "text/event-stream": OpenAPIMediaType(
                            schema=Schema(type=OpenAPIType.STRING, description=events)
                        ),
                    }

    return JsonOrEventStream


class FieldError(msgspec.Struct):
    field: str
    message: str


class ProblemDetail(msgspec.Struct, omit_defaults=True):
    """RFC 9457 problem details (``application/problem+json``)."""

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = None


def problem_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """Error responses a route documents, all with the problem-details schema."""
    every = (401, 400, *statuses)
    return {
        status: ResponseSpec(
            data_container=ProblemDetail,
            description=HTTPStatus(status).phrase,
            media_type="application/problem+json",
        )
        for status in sorted(set(every))
    }
