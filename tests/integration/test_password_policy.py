"""Password policy (issue 13, item 7): common, guessable and control-character passwords are
refused wherever a password is chosen, with a problem that says why."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.support.api import Api
from tests.support.site import Site, open_site

# The four the red team had accepted (before: 201 for each).
WEAK = {
    "a repeated character": "aaaaaaaaaa",
    "a digit sequence": "1234567890",
    "a common password": "password12",
    "ten NULs": "\x00" * 10,
}
WHY = {
    "a repeated character": "repeats like",
    "a digit sequence": "top-100 common password",
    "a common password": "common password",
    "ten NULs": "control characters",
}


@pytest.mark.parametrize("case", WEAK)
async def test_weak_passwords_are_refused_at_sign_up_with_the_reason(api: Api, case: str) -> None:
    response = await api.client.post(
        "/api/v1/auth/signup", json={"email": "weak@example.com", "password": WEAK[case]}
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"] == "/problems/weak-password"
    assert WHY[case] in problem["detail"].lower()
    assert await api.rows("users") == [], "nothing stored"


async def test_a_password_made_of_the_email_is_refused(api: Api) -> None:
    response = await api.client.post(
        "/api/v1/auth/signup",
        json={"email": "margaretthatcher@example.com", "password": "margaretthatcher"},
    )
    assert response.status_code == 422


async def test_a_passphrase_is_accepted(api: Api) -> None:
    await api.signup_and_login("phrase@example.com")


@pytest.mark.parametrize("case", WEAK)
async def test_the_sign_up_page_explains_a_weak_password(site: Site, case: str) -> None:
    response = await site.post("/signup", {"email": "weak@example.com", "password": WEAK[case]})
    assert response.status_code == 422
    assert WHY[case] in response.text.lower()
    assert site.world.db.users == {}


@pytest.fixture
async def site() -> AsyncIterator[Site]:
    async for opened in open_site():
        yield opened
