"""Syntax rules for a user-supplied OpenAI-compatible base URL.

This is the cheap, offline half of the SSRF guard; the network half (resolve, refuse
non-global addresses, pin the checked address) lives in the provider adapter.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from domain.errors import InvalidBaseUrl

MAX_BASE_URL_LENGTH = 2048


def normalise_base_url(raw: str, *, allow_http: bool) -> str:
    """Return the URL without trailing slash, or raise ``InvalidBaseUrl`` saying why."""
    url = raw.strip()
    if not url:
        raise InvalidBaseUrl("base_url is empty")
    if len(url) > MAX_BASE_URL_LENGTH:
        raise InvalidBaseUrl("base_url is too long")
    if not url.isascii() or not url.isprintable() or "\\" in url or any(c.isspace() for c in url):
        raise InvalidBaseUrl("base_url contains characters a URL cannot have")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http"):
        raise InvalidBaseUrl("base_url must start with https://")
    if scheme == "http" and not allow_http:
        raise InvalidBaseUrl(
            "base_url must use https: plain http is only for a server on a private network, "
            "which the operator must allow with BYOM_ALLOW_PRIVATE_BASE_URLS=true"
        )
    if "@" in parts.netloc:
        raise InvalidBaseUrl("base_url must not contain a user name or password")
    if parts.query or parts.fragment or url.endswith(("?", "#")):
        raise InvalidBaseUrl("base_url must not have a query string or fragment")
    try:
        host, port = parts.hostname, parts.port
    except ValueError as exc:
        raise InvalidBaseUrl("base_url has an invalid port") from exc
    if not host:
        raise InvalidBaseUrl("base_url has no host")
    netloc = parts.netloc.lower()
    path = parts.path.rstrip("/")
    del port
    return urlunsplit((scheme, netloc, path, "", ""))
