"""'Your models': list, add (checked live first), make default, rotate, re-check, delete."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Response, Template

from application.credentials.add_credential import AddCredential
from application.credentials.revalidate_credential import RevalidateCredential
from application.credentials.revoke_credential import RevokeCredential
from application.credentials.set_default_credential import SetDefaultCredential
from application.credentials.update_credential import UpdateCredential
from application.credentials.validate_api_key import ValidateApiKey
from domain.errors import DomainError
from domain.user import User
from entrypoints.http.deps import container_of, use_cases
from entrypoints.web.errors import Friendly, friendly
from entrypoints.web.forms import AddKeyForm, ExpiryForm, ModelForm, RotateKeyForm, expiry_of
from entrypoints.web.key_notices import key_notice
from entrypoints.web.models_view import models_page
from entrypoints.web.session import WEB_USER
from entrypoints.web.views import CheckView


class ModelsPage(Controller):
    path = "/models"
    dependencies = {
        **WEB_USER,
        **use_cases(
            "add_credential",
            "update_credential",
            "set_default_credential",
            "revoke_credential",
            "validate_api_key",
            "revalidate_credential",
        ),
    }

    @get("/", name="web-models")
    async def show(
        self,
        user: NamedDependency[User],
        state: State,
        done: FromQuery[str | None] = None,
        key: FromQuery[UUID | None] = None,
    ) -> Template:
        notice = await key_notice(container_of(state), user, done, key)
        return await models_page(state, user, notice=notice)

    @post("/", name="web-add-key")
    async def add(
        self,
        data: URLEncodedBody[AddKeyForm],
        user: NamedDependency[User],
        state: State,
        add_credential: NamedDependency[AddCredential],
    ) -> Response[Any]:
        try:
            added = await add_credential.execute(
                user.id,
                provider=data.provider,
                api_key=data.api_key,
                model_name=data.model_name or None,
                is_default=data.wants_default,
                base_url=data.base_url_or_none,
                expires_at=expiry_of(data.expires_on),
            )
        except DomainError as exc:
            error = friendly(exc)
            return await models_page(
                state, user, form=data.without_key(), add_error=error, status=error.status
            )
        return _done("added", added.id)

    @post("/check", name="web-check-key")
    async def check(
        self,
        request: Request[Any, Any, Any],
        data: URLEncodedBody[AddKeyForm],
        user: NamedDependency[User],
        state: State,
        validate_api_key: NamedDependency[ValidateApiKey],
    ) -> Template:
        """The models a key can use, asked live. htmx swaps in the model field only; without
        JavaScript the whole page comes back. Either way the key field stays empty."""
        catalog = container_of(state).catalog
        try:
            result = await validate_api_key.execute(
                user_id=user.id,
                provider=data.provider,
                api_key=data.api_key,
                base_url=data.base_url_or_none,
            )
        except DomainError as exc:
            check = CheckView.failed(friendly(exc))
        else:
            check = CheckView.of(
                result, catalog.default_model(result.provider), data.model_name.strip()
            )
        form = data.without_key()
        if request.headers.get("hx-request"):
            return Template(
                template_name="_model_field.html", context={"form": form, "check": check}
            )
        return await models_page(state, user, form=form, check=check)

    @post("/{credential_id:uuid}/default", name="web-set-default")
    async def set_default(
        self,
        credential_id: FromPath[UUID],
        user: NamedDependency[User],
        state: State,
        set_default_credential: NamedDependency[SetDefaultCredential],
    ) -> Response[Any]:
        try:
            await set_default_credential.execute(user.id, credential_id)
        except DomainError as exc:
            return await _card_failed(state, user, credential_id, friendly(exc))
        return _done("default", credential_id)

    @post("/{credential_id:uuid}/rotate", name="web-rotate-key")
    async def rotate(
        self,
        credential_id: FromPath[UUID],
        data: URLEncodedBody[RotateKeyForm],
        user: NamedDependency[User],
        state: State,
        update_credential: NamedDependency[UpdateCredential],
    ) -> Response[Any]:
        try:
            await update_credential.execute(user.id, credential_id, api_key=data.api_key)
        except DomainError as exc:
            return await _card_failed(state, user, credential_id, friendly(exc), "rotate")
        return _done("rotated", credential_id)

    @post("/{credential_id:uuid}/model", name="web-change-model")
    async def change_model(
        self,
        credential_id: FromPath[UUID],
        data: URLEncodedBody[ModelForm],
        user: NamedDependency[User],
        state: State,
        update_credential: NamedDependency[UpdateCredential],
    ) -> Response[Any]:
        try:
            await update_credential.execute(
                user.id, credential_id, model_name=data.model_name.strip() or None
            )
        except DomainError as exc:
            return await _card_failed(state, user, credential_id, friendly(exc), "model")
        return _done("model", credential_id)

    @post("/{credential_id:uuid}/expiry", name="web-set-expiry")
    async def set_expiry(
        self,
        credential_id: FromPath[UUID],
        data: URLEncodedBody[ExpiryForm],
        user: NamedDependency[User],
        state: State,
        update_credential: NamedDependency[UpdateCredential],
    ) -> Response[Any]:
        """Sets the expiry to the date given, or clears it (the "Clear" button sends none)."""
        try:
            await update_credential.execute(user.id, credential_id, expires_at=data.expires_at)
        except DomainError as exc:
            return await _card_failed(state, user, credential_id, friendly(exc))
        return _done("expiry", credential_id)

    @post("/{credential_id:uuid}/validate", name="web-validate-key")
    async def validate(
        self,
        credential_id: FromPath[UUID],
        user: NamedDependency[User],
        state: State,
        revalidate_credential: NamedDependency[RevalidateCredential],
    ) -> Response[Any]:
        try:
            result = await revalidate_credential.execute(user.id, credential_id)
        except DomainError as exc:
            return await _card_failed(state, user, credential_id, friendly(exc))
        return _done("validated" if result.valid else "rejected", credential_id)

    @post("/{credential_id:uuid}/delete", name="web-delete-key")
    async def delete(
        self,
        credential_id: FromPath[UUID],
        user: NamedDependency[User],
        state: State,
        revoke_credential: NamedDependency[RevokeCredential],
    ) -> Response[Any]:
        try:
            await revoke_credential.execute(user.id, credential_id)
        except DomainError as exc:
            return await _card_failed(state, user, credential_id, friendly(exc))
        return _done("deleted", credential_id)


def _done(notice: str, credential_id: UUID) -> Redirect:
    # Post/redirect/get: reloading the page never re-posts a form. The notice names the key.
    return Redirect(f"/models?done={notice}&key={credential_id}", status_code=303)


async def _card_failed(
    state: State, user: User, credential_id: UUID, error: Friendly, action: str | None = None
) -> Template:
    """The page again, the error on the key's card; ``action`` ("rotate", "model") lets the
    card say what was refused and that the key as stored is unchanged."""
    return await models_page(
        state,
        user,
        card_error=error,
        error_for=credential_id,
        card_action=action,
        status=error.status,
    )
