"""Log in: email and password for an access token."""

from __future__ import annotations

from dataclasses import dataclass

from domain.account import MAX_PASSWORD_LENGTH, parse_email
from domain.errors import InvalidEmail, InvalidLogin
from domain.ports import PasswordHasher, TokenIssuer, UnitOfWorkFactory
from domain.user import User


@dataclass(frozen=True, slots=True)
class AccessToken:
    token: str
    expires_in: int
    user: User


class AuthenticateUser:
    """- an unknown email, a wrong password and a deactivated account give the same answer,
      after the same amount of hashing work (a dummy hash for unknown emails);
    - hashes made with weaker parameters are upgraded on a successful login."""

    def __init__(self, uow: UnitOfWorkFactory, hasher: PasswordHasher, tokens: TokenIssuer) -> None:
        self._uow = uow
        self._hasher = hasher
        self._tokens = tokens

    async def execute(self, *, email: str, password: str) -> AccessToken:
        if len(password) > MAX_PASSWORD_LENGTH:
            raise InvalidLogin()
        try:
            address = parse_email(email)
        except InvalidEmail:
            await self._hasher.verify_dummy(password)
            raise InvalidLogin() from None
        async with self._uow() as uow:
            user = await uow.users.by_email(address)
        if user is None:
            await self._hasher.verify_dummy(password)
            raise InvalidLogin()
        if not await self._hasher.verify(user.password_hash, password) or not user.is_active:
            raise InvalidLogin()
        if self._hasher.needs_rehash(user.password_hash):
            user.password_hash = await self._hasher.hash(password)
            async with self._uow() as uow:
                await uow.users.save(user)
                await uow.commit()
        token, expires_in = self._tokens.issue(user.id)
        return AccessToken(token, expires_in, user)
