"""Liveness and readiness."""

from __future__ import annotations

import msgspec
from litestar import Controller, Response, get
from litestar.datastructures import State

from adapters.persistence.errors import SchemaNotCurrent, StoreUnavailable
from domain.errors import DecryptionFailed, KeyServiceUnavailable, UnknownMasterKey
from entrypoints.http.deps import container_of, draining_of
from entrypoints.http.openapi import PublicOperation


class Health(msgspec.Struct, omit_defaults=True):
    status: str
    database: str | None = None
    keyring: str | None = None


class HealthController(Controller):
    path = "/health"
    tags = ["Operations"]
    opt = {"exclude_from_auth": True}
    include_in_schema = True

    @get("/live", operation_id="Live", cache=False, operation_class=PublicOperation)
    async def live(self) -> Health:
        return Health("ok")

    @get("/ready", operation_id="Ready", cache=False, operation_class=PublicOperation)
    async def ready(self, state: State) -> Response[Health]:
        container = container_of(state)
        if draining_of(state).begun:  # told to stop: take no new work (a balancer moves on)
            return Response(Health("stopping"), status_code=503)
        try:
            await container.health.check()
            await container.prove_keyring.execute()
        except SchemaNotCurrent:  # its migrations have not run yet (`byom serve --migrate`)
            schema = Health("unavailable", "schema not at head", "loaded")
            return Response(schema, status_code=503)
        except StoreUnavailable:
            return Response(Health("unavailable", "unreachable", "loaded"), status_code=503)
        except KeyServiceUnavailable:
            # The KMS did not answer the canary's unwrap (it is cached for a while, so this
            # probe costs KMS one call per cache lifetime, not one per probe).
            return Response(Health("unavailable", "ok", "key service unreachable"), status_code=503)
        except (DecryptionFailed, UnknownMasterKey):
            # The primary's id is known but its bytes are not the ones that wrapped the data.
            primary = container.keyring.primary_key_id
            failed = f"primary key {primary} cannot unwrap its canary"
            return Response(Health("unavailable", "ok", failed), status_code=503)
        return Response(Health("ok", "ok", f"{len(container.keyring.key_ids())} keys loaded"))
