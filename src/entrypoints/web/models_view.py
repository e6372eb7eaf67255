"""The 'Your models' page as rendered: the keys, which model serves now and why, the add
form (with what went wrong where)."""

from __future__ import annotations

from uuid import UUID

from litestar.datastructures import State
from litestar.response import Template

from domain.user import User
from entrypoints.http.deps import container_of
from entrypoints.web.errors import Friendly
from entrypoints.web.forms import AddKeyForm
from entrypoints.web.views import (
    CheckView,
    CredentialView,
    Notice,
    explain_choice,
    no_choice,
    provider_options,
)


async def models_page(
    state: State,
    user: User,
    *,
    notice: Notice | None = None,
    form: AddKeyForm | None = None,
    add_error: Friendly | None = None,
    check: CheckView | None = None,
    card_error: Friendly | None = None,
    error_for: UUID | None = None,
    card_action: str | None = None,
    status: int = 200,
) -> Template:
    container = container_of(state)
    options = provider_options(container.catalog)
    by_value = {o.value: o for o in options}
    found = await container.list_credentials.execute(user.id)
    now = container.clock.now()
    credentials = [CredentialView.of(c, by_value, now) for c in found]
    explained = await container.explain_llm.execute(user.id)
    choice = (
        explain_choice(explained.choice, credentials)
        if explained.choice
        else no_choice(explained.detail or "")
    )
    context = {
        "user": user,
        "active": "models",
        "notice": notice,
        "credentials": credentials,
        "choice": choice,
        "providers": options,
        "form": form or AddKeyForm(provider=options[0].value),
        "add_error": add_error,
        "check": check,
        "card_error": card_error,
        "error_for": error_for,
        "card_action": card_action,
    }
    return Template(template_name="models.html", context=context, status_code=status)
