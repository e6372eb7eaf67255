"""Log in: email and password for an access token."""

from __future__ import annotations

from dataclasses import dataclass

from application.caching._changes import announce
from domain.account import MAX_PASSWORD_LENGTH, parse_email
from domain.errors import InvalidEmail, InvalidLogin, TooManyLoginAttempts, UserNotFound
from domain.login_failures import address_prefix
from domain.ports import (
    ChangeFeed,
    Clock,
    LoginThrottle,
    PasswordHasher,
    SessionRevocations,
    TokenIssuer,
    UnitOfWorkFactory,
)
from domain.user import User


@dataclass(frozen=True, slots=True)
class AccessToken:
    token: str
    expires_in: int
    user: User


class AuthenticateUser:
    """- an unknown email, a wrong password and a deactivated account give the same answer,
      after the same amount of hashing work (a dummy hash for unknown emails);
    - repeated failures for one account from one client address slow that address down (known
      account or not, so nothing is revealed); other addresses, the owner's, are not slowed;
    - each failure on a known account is recorded for its owner to see (count, time, network);
    - hashes made with weaker parameters are upgraded on a successful login."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        hasher: PasswordHasher,
        tokens: TokenIssuer,
        throttle: LoginThrottle,
        revocations: SessionRevocations,
        clock: Clock,
        *,
        changes: ChangeFeed | None = None,
    ) -> None:
        self._changes = changes
        self._clock = clock
        self._revocations = revocations
        self._uow = uow
        self._hasher = hasher
        self._tokens = tokens
        self._throttle = throttle

    async def execute(self, *, email: str, password: str, client: str = "") -> AccessToken:
        """``client`` is the caller's network address (empty when unknown, as in-process)."""
        if len(password) > MAX_PASSWORD_LENGTH:
            raise InvalidLogin()
        try:
            address = parse_email(email)
        except InvalidEmail:
            await self._hasher.verify_dummy(password)
            raise InvalidLogin() from None
        wait = await self._throttle.retry_after(address, client)
        if wait is not None:
            raise TooManyLoginAttempts(wait)
        async with self._uow() as uow:
            user = await uow.users.by_email(address)
        if user is None:
            await self._hasher.verify_dummy(password)
        if (
            user is None
            or not await self._hasher.verify(user.password_hash, password)
            or not user.is_active
        ):
            await self._throttle.failed(address, client)
            if user is not None:
                await self._record_failure(user, client)
            raise InvalidLogin()
        await self._throttle.succeeded(address, client)
        if self._hasher.needs_rehash(user.password_hash):
            user.password_hash = await self._hasher.hash(password)
            try:
                async with self._uow() as uow:
                    await uow.users.save(user)
                    await uow.commit()
                    await announce(self._changes, user.id)
            except UserNotFound:
                raise InvalidLogin() from None  # deleted while logging in: same answer as gone
        token, expires_in = self._tokens.issue(user.id, await self._revocations.stamp(user.id))
        return AccessToken(token, expires_in, user)

    async def _record_failure(self, user: User, client: str) -> None:
        async with self._uow() as uow:
            await uow.users.record_failed_login(user.id, self._clock.now(), address_prefix(client))
            await uow.commit()
            await announce(self._changes, user.id)
