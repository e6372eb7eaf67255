"""Change the password: the current one first, then a new one by the sign-up rules."""

from __future__ import annotations

from uuid import UUID

from application.accounts._password_policy import check_new_password
from application.accounts.authenticate_user import AccessToken
from application.caching._changes import announce
from domain.account import MAX_PASSWORD_LENGTH
from domain.errors import TooManyLoginAttempts, UserNotFound, WrongPassword
from domain.ports import (
    ChangeFeed,
    LoginThrottle,
    PasswordHasher,
    PasswordStrength,
    SessionRevocations,
    TokenIssuer,
    UnitOfWorkFactory,
)


class ChangePassword:
    """- the current password must be given (a stolen session alone cannot take the account), and
      guessing it is throttled like logins (same account and address counters);
    - the new one follows the sign-up rules (length, no control characters, not guessable);
    - every token issued before is revoked, other devices included; the caller gets a fresh
      token so the session that changed it goes on."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        hasher: PasswordHasher,
        strength: PasswordStrength,
        revocations: SessionRevocations,
        tokens: TokenIssuer,
        throttle: LoginThrottle,
        *,
        changes: ChangeFeed | None = None,
    ) -> None:
        self._changes = changes
        self._throttle = throttle
        self._uow = uow
        self._hasher = hasher
        self._strength = strength
        self._revocations = revocations
        self._tokens = tokens

    async def execute(
        self, user_id: UUID, *, current_password: str, new_password: str, client: str = ""
    ) -> AccessToken:
        async with self._uow() as uow:
            user = await uow.users.get(user_id)
        if user is None or not user.is_active:
            raise UserNotFound()
        wait = await self._throttle.retry_after(user.email, client)
        if wait is not None:
            raise TooManyLoginAttempts(wait)
        if len(current_password) > MAX_PASSWORD_LENGTH or not await self._hasher.verify(
            user.password_hash, current_password
        ):
            await self._throttle.failed(user.email, client)
            raise WrongPassword()
        check_new_password(new_password, user.email, self._strength)
        new_hash = await self._hasher.hash(new_password)
        async with self._uow() as uow:
            await uow.users.lock(user_id)
            user = await uow.users.get(user_id)
            if user is None or not user.is_active:
                raise UserNotFound()
            user.password_hash = new_hash
            await uow.users.save(user)
            await uow.commit()
            await announce(self._changes, user_id)
        stamp = await self._revocations.revoke(user_id)
        token, expires_in = self._tokens.issue(user_id, stamp)
        return AccessToken(token, expires_in, user)
