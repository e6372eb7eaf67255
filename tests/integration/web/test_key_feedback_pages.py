"""What the 'Your models' page says after an action on a key: which key a notice is about,
that a refused new key left the current one in place, and that a default model was not
checked against the key's own model list."""

from __future__ import annotations

import html
import re

from domain.provider import Provider
from tests.support.constants import ANTHROPIC_KEY, OPENAI_KEY, OPENAI_ROTATED
from tests.support.site import Site


def _card(page: str, credential_id: object) -> str:
    return page.split(f'id="key-{credential_id}"', 1)[1].split("</li>", 1)[0]


def _alerts(text: str) -> list[str]:
    found = re.findall(r'<div class="alert" role="alert">(.*?)</div>', text, re.S)
    return [html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", a))).strip() for a in found]


async def test_a_refused_rotation_says_the_new_key_was_refused_and_the_current_one_stays(
    signed_in: Site,
) -> None:
    await signed_in.add_key("openai", OPENAI_KEY)
    (credential,) = signed_in.world.db.credentials.values()
    wrong = "sk-proj-" + "Wr0ng" * 8
    response = await signed_in.post(f"/models/{credential.id}/rotate", {"api_key": wrong})
    assert response.status_code == 422
    assert _alerts(_card(response.text, credential.id)) == [
        "The new OpenAI key was refused and not saved. The provider rejected the API key: "
        "Openai says the API key is invalid. "
        "Your current key sk-…wxyz is unchanged and stays in use."
    ]
    # The badge is about the key in use, which the provider did not refuse.
    assert '<span class="badge valid">Valid</span>' in _card(response.text, credential.id)
    assert signed_in.world.db.credentials[credential.id].key_hint == "wxyz"
    assert wrong not in response.text


async def test_a_refused_model_change_says_the_model_was_not_changed(signed_in: Site) -> None:
    await signed_in.add_key("openai", OPENAI_KEY)
    (credential,) = signed_in.world.db.credentials.values()
    response = await signed_in.post(f"/models/{credential.id}/model", {"model_name": "model-z"})
    assert response.status_code == 422
    (alert,) = _alerts(_card(response.text, credential.id))
    assert alert.startswith("The model was not changed. Model not available to this key:")
    assert alert.endswith("Your current key sk-…wxyz is unchanged and stays in use.")


async def test_notices_name_the_key_they_are_about(signed_in: Site) -> None:
    await signed_in.add_key("openai", OPENAI_KEY)
    added = await signed_in.add_key("anthropic", ANTHROPIC_KEY)
    ids = {c.provider: c.id for c in signed_in.world.db.credentials.values()}
    openai, anthropic = ids[Provider.OPENAI], ids[Provider.ANTHROPIC]
    assert added.headers["location"] == f"/models?done=added&key={anthropic}"

    async def notice_after(path: str, form: dict[str, str]) -> str:
        response = await signed_in.post(path, form)
        assert response.status_code == 303, response.text
        page = (await signed_in.client.get(response.headers["location"])).text
        found = re.search(r'<div class="notice[^"]*" role="status"><p>(.*?)</p>', page)
        assert found is not None
        return found.group(1)

    assert await notice_after(f"/models/{openai}/rotate", {"api_key": OPENAI_ROTATED}) == (
        "Your OpenAI key sk-…n3w1 replaced the old key. OpenAI accepted it first; "
        "the old key is gone."
    )
    assert await notice_after(f"/models/{anthropic}/validate", {}) == (
        "Anthropic accepted your Anthropic key sk-ant-…AAAA."
    )
    signed_in.world.providers.get(Provider.OPENAI).valid_keys.clear()
    assert await notice_after(f"/models/{openai}/validate", {}) == (
        "OpenAI rejected your OpenAI key sk-…n3w1. Its reason is shown on the key below."
    )
    assert await notice_after(f"/models/{anthropic}/delete", {}) == (
        "Your Anthropic key sk-ant-…AAAA is deleted. Its encrypted copy was erased."
    )


async def test_a_key_id_in_the_url_that_is_not_yours_shows_only_the_generic_notice(
    site: Site,
) -> None:
    await site.sign_up("owner@example.com")
    await site.add_key("openai", OPENAI_KEY)
    (theirs,) = site.world.db.credentials.values()
    await site.post("/logout", {})
    await site.sign_up("intruder@example.com")
    page = (await site.client.get(f"/models?done=rotated&key={theirs.id}")).text
    assert "Key rotated. The provider accepted the new key; the old one is gone." in page
    assert "sk-…wxyz" not in page


async def test_a_key_saved_without_a_model_says_its_default_model_was_not_checked(
    signed_in: Site,
) -> None:
    # The catalog's default for OpenAI is model-a; this key lists only model-b.
    signed_in.world.providers.get(Provider.OPENAI).models = ("model-b",)
    await signed_in.add_key("openai", OPENAI_KEY)
    (saved,) = signed_in.world.db.credentials.values()
    card = _card((await signed_in.client.get("/models")).text, saved.id)
    model = re.search(r'<dd class="model">(.*?)</dd>', card, re.S)
    assert model is not None
    assert html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", model.group(1)))) == (
        "Provider default (model-a) Not checked against this key's models: the catalog names "
        'it. Choose a model under "Change model" to have OpenAI check it.'
    )
    choice = (await signed_in.client.get("/models")).text.split('class="card choice"', 1)[1]
    assert "(the catalog&#39;s choice, not checked against this key&#39;s models)" in choice
    # A chosen model was checked: no such caveat.
    await signed_in.post(f"/models/{saved.id}/model", {"model_name": "model-b"})
    card = _card((await signed_in.client.get("/models")).text, saved.id)
    assert "Not checked" not in card

    # "Check key" tells before saving: the default cannot be picked, the key's model is.
    fragment = await signed_in.post(
        "/models/check",
        {"provider": "openai", "api_key": OPENAI_KEY},
        headers={"HX-Request": "true"},
    )
    assert (
        '<option value="" disabled>The provider\'s default model (model-a) is not available '
        "to this key</option>" in fragment.text
    )


async def test_the_default_model_offered_after_a_check_is_named(signed_in: Site) -> None:
    fragment = await signed_in.post(
        "/models/check",
        {"provider": "openai", "api_key": OPENAI_KEY},
        headers={"HX-Request": "true"},
    )
    assert '<option value="">The provider\'s default model (model-a)</option>' in fragment.text
    response = await signed_in.add_key("openai", OPENAI_KEY)
    (saved,) = signed_in.world.db.credentials.values()
    assert saved.model_name is None
    assert response.headers["location"] == f"/models?done=added&key={saved.id}"
