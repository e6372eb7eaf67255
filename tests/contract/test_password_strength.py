"""PasswordStrength: every adapter refuses what a guesser tries first and says why."""

from __future__ import annotations

import pytest

from adapters.auth.zxcvbn_strength import ZxcvbnPasswordStrength
from domain.ports import PasswordStrength


@pytest.fixture(params=["zxcvbn"])
def strength(request: pytest.FixtureRequest) -> PasswordStrength:
    return ZxcvbnPasswordStrength()


@pytest.mark.parametrize(
    "password", ["aaaaaaaaaa", "1234567890", "password12", "qwertyuiop", "iloveyou12"]
)
def test_common_and_patterned_passwords_are_weak_with_a_reason(
    strength: PasswordStrength, password: str
) -> None:
    reason = strength.weakness(password, hints=())
    assert reason
    assert password not in reason, "the reason never repeats the password"


def test_the_users_own_email_counts_against_them(strength: PasswordStrength) -> None:
    email = "margaretthatcher@example.com"
    assert strength.weakness("margaretthatcher", hints=(email, "margaretthatcher"))


@pytest.mark.parametrize(
    "password", ["correct horse battery staple", "a long enough password", "Tr0ub4dor&3x!"]
)
def test_passphrases_and_random_passwords_pass(strength: PasswordStrength, password: str) -> None:
    assert strength.weakness(password, hints=("trader@example.com",)) is None


def test_a_password_of_the_longest_length_allowed_is_judged(strength: PasswordStrength) -> None:
    assert strength.weakness("correct horse battery staple " * 35, hints=()) is None
    assert strength.weakness("a" * 1024, hints=())
