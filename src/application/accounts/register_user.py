"""Sign up with email and password."""

from __future__ import annotations

from application.accounts._password_policy import check_new_password
from domain.account import parse_email
from domain.errors import EmailTaken
from domain.ports import Clock, IdGenerator, PasswordHasher, PasswordStrength, UnitOfWorkFactory
from domain.user import User


class RegisterUser:
    """- emails are trimmed and lower-cased, and unique;
    - passwords are 10 to 1024 characters without control characters, not common or easy to
      guess (``check_new_password``), and stored only as an argon2id hash."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        hasher: PasswordHasher,
        strength: PasswordStrength,
        ids: IdGenerator,
        clock: Clock,
    ) -> None:
        self._uow = uow
        self._strength = strength
        self._hasher = hasher
        self._ids = ids
        self._clock = clock

    async def execute(self, *, email: str, password: str) -> User:
        address = parse_email(email)
        check_new_password(password, address, self._strength)
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
