"""Password strength by zxcvbn (zxcvbn-rs-py): dictionaries of common and breached passwords,
names and words, plus keyboard patterns, repeats, sequences and dates; all offline."""

from __future__ import annotations

from collections.abc import Sequence

from domain.ports import PasswordStrength

# zxcvbn's own advice: score 3 is "safely unguessable" (about 10^8 guesses or more), what an
# online attacker cannot reach and a slow-hash offline attacker finds costly.
MIN_SCORE = 3
# zxcvbn's matching grows with length; past this much a prefix that is strong makes the whole so.
_JUDGED_LENGTH = 128


class ZxcvbnPasswordStrength(PasswordStrength):
    def __init__(self, *, min_score: int = MIN_SCORE) -> None:
        self._min_score = min_score

    def weakness(self, password: str, hints: Sequence[str]) -> str | None:
        # Here, not at import: only a sign-up or a new password needs it (1.4 MB a worker).
        from zxcvbn_rs_py import zxcvbn

        result = zxcvbn(password[:_JUDGED_LENGTH], list(hints))
        if int(result.score) >= self._min_score:
            return None
        feedback = result.feedback
        reasons = [str(feedback.warning)] if feedback and feedback.warning else []
        if feedback:
            reasons += [str(suggestion) for suggestion in feedback.suggestions]
        return " ".join(reasons) or "It is too easy to guess."
