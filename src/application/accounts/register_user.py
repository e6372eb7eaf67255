"""Sign up with email and password."""

from __future__ import annotations

from domain.account import check_password, parse_email
from domain.errors import EmailTaken
from domain.ports import Clock, IdGenerator, PasswordHasher, UnitOfWorkFactory
from domain.user import User


class RegisterUser:
    """- emails are trimmed and lower-cased, and unique;
    - passwords are 10 to 1024 characters, stored only as an argon2id hash."""

    def __init__(
        self, uow: UnitOfWorkFactory, hasher: PasswordHasher, ids: IdGenerator, clock: Clock
    ) -> None:
        self._uow = uow
        self._hasher = hasher
        self._ids = ids
        self._clock = clock

    async def execute(self, *, email: str, password: str) -> User:
        address = parse_email(email)
        check_password(password)
        async with self._uow() as uow:
            if await uow.users.by_email(address) is not None:
                raise EmailTaken()
        user = User(
            id=self._ids.new_id(),
            email=address,
            password_hash=await self._hasher.hash(password),
            created_at=self._clock.now(),
        )
        async with self._uow() as uow:
            await uow.users.add(user)
            await uow.commit()
        return user
