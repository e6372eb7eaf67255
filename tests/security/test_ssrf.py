"""SSRF guard for user-supplied OpenAI-compatible base URLs (docs/security-tests.md, F1-F13).

Resolution is stubbed (no DNS); connections only ever go to 127.0.0.1 servers of the test.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

import httpx
import pytest
from tests.support.llm_local_server import LocalServer, answer, tls_for

from adapters.llm import OpenAiCompatibleProvider, RetryPolicy, SsrfGuard
from adapters.llm.clients import build_guarded_http_client
from adapters.llm.ssrf import (
    PLAIN_HTTP_MESSAGE,
    PORT_MESSAGE,
    PRIVATE_MESSAGE,
    REFUSED_MESSAGE,
    system_resolver,
)
from domain.api_key import ApiKey
from domain.errors import (
    InvalidBaseUrl,
    ProviderProtocolError,
    ProviderUnavailable,
    UnsafeBaseUrl,
)
from domain.llm import ChatMessage, CompletionRequest, Role

KEY = ApiKey("sk-canary-ssrf-0123456789abcdef")
PUBLIC = "93.184.215.14"
MODELS = json.dumps({"object": "list", "data": [{"id": "llama3", "object": "model"}]}).encode()


Guarded = Callable[..., httpx.AsyncClient]


@pytest.fixture
async def guarded() -> AsyncIterator[Guarded]:
    """Builds guarded clients and closes them after the test."""
    made: list[httpx.AsyncClient] = []

    def make(**options: Any) -> httpx.AsyncClient:
        made.append(build_guarded_http_client(**options))
        return made[-1]

    yield make
    for client in made:
        await client.aclose()


class StubResolver:
    """Answers from a script; records every lookup (rebinding tests change the answer)."""

    def __init__(self, *answers: Sequence[str]) -> None:
        self.answers = list(answers)
        self.lookups: list[tuple[str, int]] = []

    async def __call__(self, host: str, port: int) -> list[str]:
        self.lookups.append((host, port))
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        return list(answer)


def guard(*answers: Sequence[str], allow_private: bool = False) -> tuple[SsrfGuard, StubResolver]:
    resolver = StubResolver(*(answers or ([PUBLIC],)))
    return SsrfGuard(allow_private=allow_private, resolver=resolver), resolver


async def refused(url: str, *answers: Sequence[str], allow_private: bool = False) -> None:
    g, _ = guard(*(answers or (["169.254.169.254"],)), allow_private=allow_private)
    with pytest.raises(UnsafeBaseUrl) as caught:
        await g.check(url)
    assert str(caught.value) in (REFUSED_MESSAGE, PRIVATE_MESSAGE, PORT_MESSAGE)


# --- F1-F5: addresses written in the URL ----------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://169.254.169.254/latest/meta-data/",
        "https://[fd00:ec2::254]/",
        "https://127.0.0.1/",
        "https://[::1]/",
        "https://0.0.0.0/",
        "https://10.0.0.1/v1",
        "https://172.16.5.4/v1",
        "https://192.168.1.10/v1",
        "https://100.64.0.1/v1",
        "https://[fe80::1]/v1",
        "https://[fc00::1]/v1",
        "https://224.0.0.1/",
        "https://240.0.0.1/",
        "https://255.255.255.255/",
        "https://168.63.129.16/",
        "https://[fec0::1]/v1",  # site-local (deprecated, RFC 3879): is_global on Python 3.11
        "https://[3fff::1]/v1",  # documentation (RFC 9637)
        "https://[2001:db8::1]/v1",  # documentation
        "https://[5f00::1]/v1",  # SRv6 segment ids (RFC 9602)
    ],
)
async def test_non_public_address_literals_are_refused(url: str) -> None:
    await refused(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://2130706433/",
        "https://0177.0.0.1/",
        "https://0x7f000001/",
        "https://0x7f.1/",
        "https://127.1/",
        "https://017700000001/",
        "https://0251.254.169.254/",
        "https://127.0.0.1./",
        "https://1.2.3.4.5/",
        "https://8.8.8.010/",
        "https://api.example.0x1/",
    ],
)
async def test_odd_ipv4_spellings_are_refused_without_a_lookup(url: str) -> None:
    g, resolver = guard([PUBLIC])
    with pytest.raises(UnsafeBaseUrl):
        await g.check(url)
    assert resolver.lookups == []


@pytest.mark.parametrize(
    "url",
    [
        "https://[::ffff:169.254.169.254]/",
        "https://[::ffff:7f00:1]/",
        "https://[::127.0.0.1]/",
        "https://[64:ff9b::a9fe:a9fe]/",
        "https://[64:ff9b::7f00:1]/",
        "https://[64:ff9b:1::a9fe:a9fe]/",
        "https://[2002:a9fe:a9fe::1]/",
        "https://[::ffff:10.0.0.1]/",
        "https://[fe80::1%25eth0]/",
        "https://[2001:0:a9fe:a9fe::1]/",  # Teredo whose server is the metadata address
    ],
)
async def test_ipv4_hidden_in_ipv6_forms_is_unwrapped_and_refused(url: str) -> None:
    await refused(url)


async def test_metadata_addresses_stay_refused_when_private_urls_are_allowed() -> None:
    for url in (
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/",
        "http://[::ffff:169.254.169.254]/",
        "http://[64:ff9b::a9fe:a9fe]/",
        "http://metadata.google.internal/computeMetadata/v1/",
        "http://[2001:0:a9fe:a9fe::1]/",
    ):
        await refused(url, allow_private=True)


async def test_a_public_address_literal_passes_and_needs_no_lookup() -> None:
    g, resolver = guard()
    checked = await g.check("https://93.184.215.14/v1/")
    assert checked.addresses == ("93.184.215.14",)
    assert checked.base_url == "https://93.184.215.14/v1"
    assert resolver.lookups == []


# --- F6-F7: what a host name resolves to ----------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [["127.0.0.1"], ["::1"], ["10.1.2.3"], ["169.254.169.254"], ["::ffff:127.0.0.1"], ["fd00::5"]],
)
async def test_a_name_resolving_to_a_non_public_address_is_refused(answer: list[str]) -> None:
    await refused("https://127.0.0.1.nip.io/v1", answer)


async def test_a_mixed_answer_set_is_refused_whatever_the_order() -> None:
    await refused("https://api.example.com/v1", [PUBLIC, "127.0.0.1"])
    await refused("https://api.example.com/v1", ["10.0.0.7", PUBLIC])
    await refused("https://api.example.com/v1", ["2606:4700::1111", "::1"])


async def test_an_unresolvable_name_is_unavailable_not_unsafe() -> None:
    g, _ = guard([])
    with pytest.raises(ProviderUnavailable):
        await g.check("https://no-such-host.example.com/v1")


async def test_the_system_resolver_sees_localhost_as_loopback() -> None:
    g = SsrfGuard(resolver=system_resolver)
    with pytest.raises(UnsafeBaseUrl):
        await g.check("https://localhost/v1")


async def test_the_connection_goes_to_the_checked_address_not_a_second_lookup(
    guarded: Guarded,
) -> None:
    """F7: the first lookup says 127.0.0.1 (allowed here), any later one a different address
    with nothing listening. The request must reach the server: one lookup, pinned connect."""
    async with LocalServer(answer(200, MODELS)) as server:
        g, resolver = guard(["127.0.0.1"], ["127.0.0.77"], allow_private=True)
        provider = OpenAiCompatibleProvider(guarded(), g)
        base = f"http://rebind.llm.test:{server.port}/v1"
        models = await provider.list_models(KEY, base_url=base)
        assert [m.id for m in models] == ["llama3"]
        assert resolver.lookups == [("rebind.llm.test", server.port)]
        seen = server.requests[0]
        assert seen.headers["host"] == f"rebind.llm.test:{server.port}"
        assert seen.local == "127.0.0.1"


async def test_rebinding_to_a_private_address_between_calls_is_refused_on_the_next_call() -> None:
    g, resolver = guard([PUBLIC], ["127.0.0.1"])
    await g.check("https://rebind.example.com/v1")
    with pytest.raises(UnsafeBaseUrl):
        await g.check("https://rebind.example.com/v1")
    assert len(resolver.lookups) == 2


async def test_tls_is_verified_for_the_host_name_while_connecting_to_the_pinned_address(
    guarded: Guarded,
) -> None:
    tls = tls_for("api.llm.test")
    async with LocalServer(answer(200, MODELS), tls=tls.server) as server:
        g, _ = guard(["127.0.0.1"], allow_private=True)
        client = guarded(verify=tls.client)
        provider = OpenAiCompatibleProvider(client, g)
        models = await provider.list_models(KEY, base_url=f"https://api.llm.test:{server.port}/v1")
        assert [m.id for m in models] == ["llama3"]
        assert server.requests[0].headers["host"] == f"api.llm.test:{server.port}"


async def test_a_certificate_for_another_name_is_refused(guarded: Guarded) -> None:
    tls = tls_for("other.llm.test")
    async with LocalServer(answer(200, MODELS), tls=tls.server) as server:
        g, _ = guard(["127.0.0.1"], allow_private=True)
        provider = OpenAiCompatibleProvider(guarded(verify=tls.client), g, retry=_no_wait())
        with pytest.raises(ProviderUnavailable, match="TLS"):
            await provider.list_models(KEY, base_url=f"https://api.llm.test:{server.port}/v1")
        assert server.requests == []


async def test_the_guarded_client_refuses_a_destination_no_guard_checked() -> None:
    async with LocalServer(answer(200, MODELS)) as server:
        async with build_guarded_http_client() as client:
            with pytest.raises(httpx.ConnectError):
                await client.get(f"{server.url}/v1/models")
        assert server.requests == []


# --- F8-F9: redirects and proxies -----------------------------------------------------------


async def test_a_redirect_to_the_metadata_service_is_not_followed(guarded: Guarded) -> None:
    async with LocalServer(
        answer(302, b"", {"location": "http://169.254.169.254/latest/meta-data/"})
    ) as server:
        g, _ = guard(["127.0.0.1"], allow_private=True)
        provider = OpenAiCompatibleProvider(guarded(), g, retry=_no_wait())
        with pytest.raises(ProviderProtocolError) as caught:
            await provider.list_models(KEY, base_url=f"http://redirect.llm.test:{server.port}/v1")
        assert "169.254" not in str(caught.value)
        assert len(server.requests) == 1


async def test_proxy_environment_variables_are_ignored(
    monkeypatch: pytest.MonkeyPatch, guarded: Guarded
) -> None:
    async with LocalServer(answer(200, MODELS)) as server:
        for name in (
            "HTTPS_PROXY",
            "HTTP_PROXY",
            "ALL_PROXY",
            "https_proxy",
            "http_proxy",
            "all_proxy",
        ):
            monkeypatch.setenv(name, "http://127.0.0.1:9")  # discard port: nothing listens
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        g, _ = guard(["127.0.0.1"], allow_private=True)
        provider = OpenAiCompatibleProvider(guarded(), g, retry=_no_wait())
        models = await provider.list_models(
            KEY, base_url=f"http://direct.llm.test:{server.port}/v1"
        )
        assert [m.id for m in models] == ["llama3"]
        assert server.requests[0].target == "/v1/models"  # origin-form: not a proxy request


# --- F10-F12: parser tricks, schemes, ports, oracles ----------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://api.openai.com@127.0.0.1/",
        "https://user:pass@api.example.com/",
        "https://127.0.0.1#@api.openai.com",
        "https://api.example.com\\@127.0.0.1/",
        "https://api.example.com\r\nHost: 127.0.0.1/",
        "https://api.example.com%0d%0a/",
        "https://api.example.com/?x=1",
        "javascript:alert(1)",
        "file:///etc/passwd",
        "gopher://127.0.0.1:6379/_INFO",
        "ftp://example.com/",
        "",
    ],
)
async def test_parser_tricks_and_other_schemes_are_refused(url: str) -> None:
    g, resolver = guard()
    with pytest.raises(InvalidBaseUrl):
        await g.check(url)
    assert resolver.lookups == []


async def test_plain_http_is_refused_unless_private_urls_are_allowed() -> None:
    g, _ = guard([PUBLIC])
    with pytest.raises(InvalidBaseUrl):
        await g.check("http://api.example.com/v1")
    allowed, _ = guard(["10.0.0.5"], allow_private=True)
    assert (await allowed.check("http://ollama.internal:11434/v1")).addresses == ("10.0.0.5",)


async def test_a_site_local_name_is_refused_in_public_mode_and_allowed_as_private() -> None:
    await refused("https://llm.example.com/v1", ["fec0::7"])
    allowed, _ = guard(["fec0::7"], allow_private=True)
    assert (await allowed.check("http://llm.internal/v1")).addresses == ("fec0::7",)


@pytest.mark.parametrize(
    "answers",
    [[PUBLIC], ["2606:4700::1111"], ["10.0.0.5", PUBLIC], ["fd00::5", "2606:4700::1111"]],
)
async def test_plain_http_to_a_public_address_is_refused_even_when_private_urls_are_allowed(
    answers: list[str],
) -> None:
    """The key would cross the internet in clear: http only when every address is private."""
    g, _ = guard(answers, allow_private=True)
    with pytest.raises(UnsafeBaseUrl, match="https") as caught:
        await g.check("http://llm.example.com/v1")
    assert str(caught.value) == PLAIN_HTTP_MESSAGE
    assert (await g.check("https://llm.example.com/v1")).addresses == tuple(answers)


async def test_plain_http_to_a_public_address_literal_is_refused_in_private_mode() -> None:
    g, _ = guard(allow_private=True)
    with pytest.raises(UnsafeBaseUrl, match="https"):
        await g.check(f"http://{PUBLIC}/v1")
    for private in ("http://10.0.0.5:8000/v1", "http://127.0.0.1:11434/v1", "http://[fd00::5]/v1"):
        assert (await g.check(private)).base_url == private


@pytest.mark.parametrize(
    ("scheme", "allow_private"), [("https", False), ("https", True), ("http", True)]
)
async def test_port_zero_is_refused_not_read_as_the_default(
    scheme: str, allow_private: bool
) -> None:
    g, resolver = guard(["10.0.0.5"] if allow_private else [PUBLIC], allow_private=allow_private)
    with pytest.raises(UnsafeBaseUrl, match="port"):
        await g.check(f"{scheme}://llm.example.com:0/v1")
    assert resolver.lookups == []


async def test_port_zero_is_refused_even_when_the_operator_lists_it() -> None:
    g = SsrfGuard(resolver=StubResolver([PUBLIC]), allowed_ports=frozenset({0, 443}))
    with pytest.raises(UnsafeBaseUrl, match="port"):
        await g.check("https://llm.example.com:0/v1")


@pytest.mark.parametrize("allow_private", [False, True])
@pytest.mark.parametrize("port", [6379, 5432, 22, 25, 11211])
async def test_ports_of_other_services_are_refused(port: int, allow_private: bool) -> None:
    scheme = "http" if allow_private else "https"
    g, resolver = guard(["10.0.0.5"] if allow_private else [PUBLIC], allow_private=allow_private)
    with pytest.raises(UnsafeBaseUrl):
        await g.check(f"{scheme}://llm.example.com:{port}/v1")
    assert resolver.lookups == []


async def test_public_urls_are_limited_to_https_ports() -> None:
    g, _ = guard([PUBLIC])
    assert (await g.check("https://llm.example.com:8443/v1")).port == 8443
    with pytest.raises(UnsafeBaseUrl):
        await g.check("https://llm.example.com:8080/v1")


async def test_closed_and_open_internal_ports_get_the_identical_answer(guarded: Guarded) -> None:
    async with LocalServer(answer(200, b'{"secret": "internal banner"}')) as server:
        messages = []
        for port in (server.port, 1):  # open (a live server) and closed
            resolver = StubResolver(["127.0.0.1"])
            g = SsrfGuard(resolver=resolver, allowed_ports=frozenset({server.port, 1}))
            provider = OpenAiCompatibleProvider(guarded(), g)
            with pytest.raises(UnsafeBaseUrl) as caught:
                await provider.list_models(KEY, base_url=f"https://internal.example.com:{port}/v1")
            messages.append(str(caught.value))
        assert messages[0] == messages[1]
        assert "banner" not in messages[0]
        assert server.requests == []


# --- F13: every outbound path runs the guard ------------------------------------------------


async def test_models_complete_and_stream_each_run_the_guard_before_sending() -> None:
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, content=MODELS)

    resolver = StubResolver(["127.0.0.1"])
    provider = OpenAiCompatibleProvider(
        httpx.AsyncClient(transport=httpx.MockTransport(handler)),
        SsrfGuard(resolver=resolver),
    )
    request = CompletionRequest(model="llama3", messages=(ChatMessage(Role.USER, "hi"),))
    base = "https://sneaky.example.com/v1"
    with pytest.raises(UnsafeBaseUrl):
        await provider.list_models(KEY, base_url=base)
    with pytest.raises(UnsafeBaseUrl):
        await provider.complete(KEY, request, base_url=base)
    with pytest.raises(UnsafeBaseUrl):
        async for _ in provider.stream(KEY, request, base_url=base):
            pass
    assert len(resolver.lookups) == 3
    assert sent == []


async def test_every_call_looks_the_host_up_again(guarded: Guarded) -> None:
    async with LocalServer(answer(200, MODELS)) as server:
        resolver = StubResolver(["127.0.0.1"])
        provider = OpenAiCompatibleProvider(
            guarded(), SsrfGuard(allow_private=True, resolver=resolver)
        )
        base = f"http://again.llm.test:{server.port}/v1"
        await provider.list_models(KEY, base_url=base)
        await provider.list_models(KEY, base_url=base)
        assert len(resolver.lookups) == 2
        assert len(server.requests) == 2


def _no_wait() -> RetryPolicy:
    async def no_sleep(delay: float) -> None:
        await asyncio.sleep(0)

    return RetryPolicy(sleep=no_sleep)


@pytest.mark.parametrize(
    ("url", "answer"),
    [
        ("http://10.0.0.5:11434/v1", "10.0.0.5"),  # Ollama's default port
        ("http://vllm.internal:8000/v1", "192.168.1.20"),
        ("https://10.0.0.5/v1", "10.0.0.5"),
        ("https://ollama.lan/v1", "172.16.0.9"),
    ],
)
async def test_a_refused_private_server_names_the_operator_setting_that_allows_it(
    url: str, answer: str
) -> None:
    """Issue 13, item 9: the cause is BYOM_ALLOW_PRIVATE_BASE_URLS, not (only) "use https"."""
    g, _ = guard([answer])
    with pytest.raises((InvalidBaseUrl, UnsafeBaseUrl)) as caught:
        await g.check(url)
    assert "BYOM_ALLOW_PRIVATE_BASE_URLS" in str(caught.value)
    allowed, _ = guard([answer], allow_private=True)
    assert (await allowed.check(url)).addresses == (answer,)
