"""Model lists that come in pages: Anthropic's ``GET /v1/models`` (``has_more``, then
``after_id=last_id``) and Gemini's ``models.list`` (``nextPageToken``, then ``pageToken``) are
read to the end, and a server that never stops saying "more" is read a bounded number of times.
OpenAI's (and OpenAI-compatible servers') ``GET /v1/models`` is one page."""

from __future__ import annotations

from adapters.llm._policy import MODEL_LIST_PAGES
from tests.support.fake_http_api import reply
from tests.support.llm_contract import CASE, make_harness
from tests.support.wire import anthropic, gemini


async def test_anthropic_pages_are_followed_with_after_id() -> None:
    h = make_harness(
        CASE["anthropic"],
        reply(200, anthropic.model_page(["claude-sonnet-4-5-20250929"], has_more=True)),
        reply(200, anthropic.model_page(["claude-haiku-4-5-20251001"])),
    )

    assert await h.list_models() == ["claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001"]

    first, second = (r.url.params for r in h.api.requests)
    assert (first.get("limit"), first.get("after_id")) == ("1000", None)
    assert (second.get("limit"), second.get("after_id")) == ("1000", "claude-sonnet-4-5-20250929")


async def test_gemini_pages_are_followed_with_page_token() -> None:
    h = make_harness(
        CASE["gemini"],
        reply(200, gemini.model_page(["gemini-2.5-pro"], next_token="page-2")),
        reply(200, gemini.model_page(["gemini-3-pro-preview"])),
    )

    assert await h.list_models() == ["gemini-2.5-pro", "gemini-3-pro-preview"]

    first, second = (r.url.params for r in h.api.requests)
    assert (first.get("pageSize"), first.get("pageToken")) == ("1000", None)
    assert second.get("pageToken") == "page-2"


async def test_a_list_that_never_ends_is_read_a_bounded_number_of_pages() -> None:
    endless = reply(200, anthropic.model_page(["claude-sonnet-4-5-20250929"], has_more=True))
    h = make_harness(CASE["anthropic"], endless)

    listed = await h.list_models()

    assert len(h.api.requests) == MODEL_LIST_PAGES
    assert len(listed) == MODEL_LIST_PAGES


async def test_an_empty_next_page_token_ends_the_gemini_list() -> None:
    page = gemini.models()  # the real shape ends with "nextPageToken": ""
    h = make_harness(CASE["gemini"], reply(200, page))

    assert await h.list_models() == ["gemini-2.5-flash", "gemini-2.5-pro"]
    assert len(h.api.requests) == 1
