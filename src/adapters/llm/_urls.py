"""Provider URLs, parsed once."""

from __future__ import annotations

import httpx

_PARSED_URLS: dict[str, httpx.URL] = {}
_KEPT_URLS = 1024


def parsed_url(url: str) -> httpx.URL:
    """``url`` parsed once: httpx parses a string again on every request (about a third of
    building one). Keys travel in headers; a URL with userinfo (a user's own server's
    credentials) is never kept, and past so many URLs each is parsed every time."""
    found = _PARSED_URLS.get(url)
    if found is None:
        found = httpx.URL(url)
        if len(_PARSED_URLS) < _KEPT_URLS and "@" not in url:
            _PARSED_URLS[url] = found
    return found
