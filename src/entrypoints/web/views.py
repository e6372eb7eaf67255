"""What the templates show, built from domain objects. Never holds a key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from application.credentials.validate_api_key import ValidationResult
from domain.credential import LlmCredential
from domain.ports import ModelCatalog
from domain.provider import Provider
from domain.resolution import LlmChoice, ResolutionReason
from entrypoints.web.errors import Friendly, sentence


@dataclass(frozen=True, slots=True)
class Notice:
    text: str
    warning: bool = False


def notice_for(done: str | None) -> Notice | None:
    """The message after a redirect: only our fixed texts, never anything from the URL."""
    text = _NOTICES.get(done or "")
    return None if text is None else Notice(text, warning=done in _WARNINGS)


_WARNINGS = frozenset({"rejected", "expired"})
_NOTICES = {
    "added": "Key saved. The provider accepted it before it was stored.",
    "default": "Default changed: new agent sessions use it from now on.",
    "rotated": "Key rotated. The provider accepted the new key; the old one is gone.",
    "model": "Model changed.",
    "validated": "The provider accepted the key.",
    "rejected": "The provider rejected the key. The reason is shown on the key below.",
    "deleted": "Key deleted. Its encrypted copy was erased.",
    "expiry": "Expiry saved.",
    "welcome": "Welcome! Add a provider key below to run your agents on your own model.",
    "logged_out": "You are logged out.",
    "password": "Password changed. Every other session was logged out.",
    "budget": "Budget saved.",
    "expired": "Your session has ended. Please log in again.",
    "token_updated": "Token changed: its next call uses the new scopes.",
    "token_revoked": "Token revoked: it is refused from now on.",
}


@dataclass(frozen=True, slots=True)
class ProviderOption:
    value: str
    label: str
    default_model: str | None
    models: tuple[str, ...]


def provider_options(catalog: ModelCatalog) -> list[ProviderOption]:
    known = {p.provider: tuple(m.name for m in p.models) for p in catalog.providers()}
    return [
        ProviderOption(p.value, p.label, catalog.default_model(p), known.get(p.value, ()))
        for p in Provider
    ]


# How long before its expiry a key is shown with a warning.
EXPIRY_WARNING = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class CredentialView:
    id: UUID
    provider: str
    provider_label: str
    masked_key: str
    model_name: str | None
    default_model: str | None
    base_url: str | None
    is_default: bool
    last_validated_at: datetime | None
    last_error: str | None
    known_models: tuple[str, ...]
    expires_at: datetime | None = None
    expired: bool = False
    expires_in_days: int | None = None
    """Days left (0 is today) when the expiry is within ``EXPIRY_WARNING``; else None."""

    @property
    def status(self) -> str:
        if self.last_error:
            return "rejected"
        return "valid" if self.last_validated_at else "unchecked"

    @classmethod
    def of(
        cls, c: LlmCredential, options: dict[str, ProviderOption], now: datetime
    ) -> CredentialView:
        option = options.get(c.provider.value)
        left = None if c.expires_at is None else c.expires_at - now
        soon = left is not None and timedelta(0) < left <= EXPIRY_WARNING
        return cls(
            id=c.id,
            provider=c.provider.value,
            provider_label=c.provider.label,
            masked_key=c.masked_key,
            model_name=c.model_name,
            default_model=option.default_model if option else None,
            base_url=c.base_url,
            is_default=c.is_default,
            last_validated_at=c.last_validated_at,
            last_error=c.last_error,
            known_models=option.models if option else (),
            expires_at=c.expires_at,
            expired=c.is_expired(now),
            expires_in_days=left.days if soon and left is not None else None,
        )


@dataclass(frozen=True, slots=True)
class ChoiceView:
    """Which model agents use now, and a sentence that says why."""

    provider_label: str | None
    model: str | None
    masked_key: str | None
    reason: str
    why: str


def explain_choice(choice: LlmChoice, credentials: list[CredentialView]) -> ChoiceView:
    label = choice.provider.label
    if choice.reason is ResolutionReason.SYSTEM_DEFAULT and choice.expired is not None:
        return ChoiceView(
            label,
            choice.model,
            None,
            choice.reason.value,
            sentence(choice.expired.note)[:-1] + ", so your agents run on the platform's "
            "default model until you rotate it or set a later expiry.",
        )
    if choice.reason is ResolutionReason.SYSTEM_DEFAULT:
        return ChoiceView(
            label,
            choice.model,
            None,
            choice.reason.value,
            "You have no default key, so your agents run on the platform's default model "
            "(the platform pays). Add a key and make it your default to use your own.",
        )
    used = next((c for c in credentials if c.id == choice.credential_id), None)
    why = "It is your default key."
    if used is not None and used.model_name is None:
        why += (
            f" No model is set on it, so the {label} default model is used"
            " (the catalog's choice, not checked against this key's models)."
        )
    if used is not None and used.last_error:
        why += " Careful: the provider rejected this key at its last check."
    return ChoiceView(
        label, choice.model, used.masked_key if used else None, choice.reason.value, why
    )


def no_choice(detail: str) -> ChoiceView:
    sentence = detail[:1].upper() + detail[1:]
    return ChoiceView(None, None, None, ResolutionReason.NONE.value, sentence.rstrip(".") + ".")


@dataclass(frozen=True, slots=True)
class CheckView:
    """The answer to "check this key": the models it can use, or why not."""

    valid: bool
    models: tuple[str, ...] = ()
    suggested: str | None = None
    error: Friendly | None = None
    default_model: str | None = None
    """The catalog's default for the provider, what "no model" serves."""

    @property
    def default_available(self) -> bool:
        """Whether the key's live list has the default (saving without a model needs it)."""
        return self.default_model is not None and self.default_model in self.models

    @classmethod
    def of(cls, result: ValidationResult, default_model: str | None, wanted: str) -> CheckView:
        if not result.valid:
            reason = sentence(result.detail or "the provider did not say why")
            return cls(False, error=Friendly(422, "The provider rejected this key", reason))
        models = tuple(result.models)
        suggested = wanted if wanted in models else default_model
        return cls(True, models, suggested if suggested in models else None, None, default_model)

    @classmethod
    def failed(cls, error: Friendly) -> CheckView:
        return cls(False, error=error)
