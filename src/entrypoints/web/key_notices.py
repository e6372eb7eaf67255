"""The notice after an action on a key names the key (provider and hint), so nobody has to
guess which card it is about. Only our fixed texts and the user's own key are shown, never
text taken from the URL: the URL carries the key's id, looked up among the user's keys."""

from __future__ import annotations

from uuid import UUID

from domain.errors import CredentialNotFound
from domain.user import User
from entrypoints.bootstrap.container import Container
from entrypoints.web.views import Notice, notice_for

_KEY_NOTICES = {
    "added": "Your {key} is saved. {provider} accepted it before it was stored.",
    "default": "Your {key} is now the default: new agent sessions use it.",
    "rotated": (
        "Your {key} replaced the old key. {provider} accepted it first; the old key is gone."
    ),
    "model": "Model changed for your {key}.",
    "validated": "{provider} accepted your {key}.",
    "rejected": "{provider} rejected your {key}. Its reason is shown on the key below.",
    "deleted": "Your {key} is deleted. Its encrypted copy was erased.",
    "expiry": "Expiry saved for your {key}.",
}


async def key_notice(
    container: Container, user: User, done: str | None, key_id: UUID | None
) -> Notice | None:
    """The notice for ``done`` about the key ``key_id``; the generic text when the key is
    not (or no longer) one of the user's."""
    generic = notice_for(done)
    template = _KEY_NOTICES.get(done or "")
    if generic is None or template is None or key_id is None:
        return generic
    try:
        credential = await container.get_credential.execute(user.id, key_id)
    except CredentialNotFound:
        return generic
    label = credential.provider.label
    text = template.format(key=f"{label} key {credential.masked_key}", provider=label)
    return Notice(text, warning=generic.warning)
