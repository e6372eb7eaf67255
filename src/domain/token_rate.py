"""A gateway token's per-minute budget of requests (``rpm``) and tokens (``tpm``).

Counted in fixed one-minute windows (UTC minutes). A call's tokens are counted when it is
admitted, at their worst case: the prompt's estimate plus the reply it may ask for
(``max_tokens``, else the default reply budget), as OpenAI counts its own ``tpm``."""

from __future__ import annotations

from dataclasses import dataclass

WINDOW_S = 60


@dataclass(frozen=True, slots=True)
class TokenRateLimits:
    """None: no limit of that kind."""

    rpm: int | None
    tpm: int | None

    @property
    def any(self) -> bool:
        return self.rpm is not None or self.tpm is not None


@dataclass(frozen=True, slots=True)
class TokenRateUse:
    """A window's counts after a call was admitted (or, refused, as they stand), and the
    seconds until the window ends and they start again from zero."""

    limits: TokenRateLimits
    requests: int
    tokens: int
    reset_s: float

    @property
    def remaining_requests(self) -> int | None:
        rpm = self.limits.rpm
        return None if rpm is None else max(0, rpm - self.requests)

    @property
    def remaining_tokens(self) -> int | None:
        tpm = self.limits.tpm
        return None if tpm is None else max(0, tpm - self.tokens)


def over(limits: TokenRateLimits, requests: int, tokens: int) -> str | None:
    """Which limit counts of ``requests`` and ``tokens`` break: ``"rpm"``, ``"tpm"`` or None."""
    if limits.rpm is not None and requests > limits.rpm:
        return "rpm"
    if limits.tpm is not None and tokens > limits.tpm:
        return "tpm"
    return None
