"""The network half of the SSRF guard for user-supplied OpenAI-compatible base URLs.

``SsrfGuard.check`` takes the syntax rules of ``domain.base_url``, then refuses hosts spelled as
odd IPv4 numbers, resolves the host once, unwraps IPv4 embedded in IPv6 (mapped, compatible,
NAT64, 6to4, Teredo), and refuses the whole answer if any address is not globally routable or
is on the deny list (a mixed answer is how DNS rebinding gets in). Plain http is for private
networks only, even when the operator allows them. The result pins the checked addresses: the
guarded client's ``PinnedNetworkBackend`` (``pinning.py``) connects only to them (no second
lookup), while the URL keeps the host name so the Host header, TLS SNI and certificate
verification still use it. Official providers take no user base URL at all
(``refuse_user_base_url``).
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Awaitable, Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Final
from urllib.parse import urlsplit

from adapters.llm.pinning import pin
from domain.base_url import normalise_base_url
from domain.errors import InvalidBaseUrl, ProviderUnavailable, UnsafeBaseUrl
from domain.provider import Provider

Resolver = Callable[[str, int], Awaitable[Sequence[str]]]
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

REFUSED_MESSAGE: Final = (
    "base_url must point to a publicly reachable server; local, private and reserved "
    "network addresses are not allowed"
)
PRIVATE_MESSAGE: Final = (
    "base_url points to a private network address; the operator must allow self-hosted "
    "servers on private networks with BYOM_ALLOW_PRIVATE_BASE_URLS=true"
)
PORT_MESSAGE: Final = "base_url uses a port that is not allowed"
PLAIN_HTTP_MESSAGE: Final = (
    "base_url may use plain http only for a server on a private network; a public server "
    "must use https (the API key would otherwise cross the internet unencrypted)"
)
RESOLVE_TIMEOUT_S: Final = 5.0

# Refused even when the operator allows private endpoints: cloud metadata and control planes.
ALWAYS_DENIED: Final[tuple[str, ...]] = (
    "169.254.0.0/16",  # IPv4 link-local, incl. 169.254.169.254 (AWS, GCP, Azure metadata)
    "fd00:ec2::254/128",  # AWS IMDS over IPv6
    "168.63.129.16/32",  # Azure WireServer: a public address reachable only from inside Azure
    "100.100.100.200/32",  # Alibaba Cloud metadata
    "192.0.0.192/32",  # Oracle Cloud metadata
    "64:ff9b:1::/48",  # local-use NAT64 (RFC 8215)
    "fe80::/10",  # IPv6 link-local
)
PUBLIC_PORTS: Final = frozenset({443, 8443})
# Ports of protocols an HTTP request must never be smuggled into (Fetch "bad ports" excerpt,
# plus common databases and control planes); refused even for operator-allowed private URLs.
# Port 0 is refused on its own: it is not a port one can connect to.
BAD_PORTS: Final = frozenset(
    {
        1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95,
        101, 102, 103, 104, 109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161,
        179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563,
        587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 2375, 2376, 2379, 2380,
        3306, 3659, 4045, 4190, 5060, 5061, 5432, 6000, 6379, 6566, 6665, 6666, 6667, 6668,
        6669, 6697, 9200, 10080, 10250, 11211, 27017,
    }
)  # fmt: skip
# Not globally routable although Python 3.11's ``is_global`` says they are.
NOT_GLOBAL: Final[tuple[str, ...]] = (
    "fec0::/10",  # IPv6 site-local, deprecated (RFC 3879) but still routed inside some sites
    "3fff::/20",  # IPv6 documentation (RFC 9637)
    "5f00::/16",  # SRv6 segment identifiers (RFC 9602)
)

_NAT64: Final = ipaddress.IPv6Network("64:ff9b::/96")
_CGNAT: Final = ipaddress.IPv4Network("100.64.0.0/10")
_BROADCAST: Final = ipaddress.IPv4Address("255.255.255.255")
_NOT_GLOBAL: Final = tuple(ipaddress.IPv6Network(n) for n in NOT_GLOBAL)
_HOSTNAME: Final = re.compile(r"[a-z0-9_]([a-z0-9_\-]{0,62})(\.[a-z0-9_]([a-z0-9_\-]{0,62}))*\.?")
_NUMERIC_LABEL: Final = re.compile(r"0x[0-9a-f]*|[0-9]+")
_CANONICAL_QUAD: Final = re.compile(
    r"(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}"
)


async def system_resolver(host: str, port: int) -> list[str]:
    """The event loop's ``getaddrinfo``: every A/AAAA answer, in order, without duplicates."""
    infos = await asyncio.get_running_loop().getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
    )
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def refuse_user_base_url(base_url: str | None, provider: Provider) -> None:
    """Official providers go only to the operator's configured URL, never to a user's."""
    if base_url is not None:
        raise InvalidBaseUrl(
            f"base_url is accepted only for openai_compatible, not {provider.value}"
        )


@dataclass(frozen=True, slots=True)
class CheckedBaseUrl:
    """A base URL that passed the guard, with the only addresses it may connect to."""

    base_url: str
    host: str
    port: int
    addresses: tuple[str, ...]

    def pinned(self) -> AbstractContextManager[None]:
        """While open, connections to ``host:port`` go only to the checked addresses."""
        return pin(self.host, self.port, self.addresses)


@dataclass(frozen=True, slots=True)
class SsrfGuard:
    """Checks a user-supplied base URL before every outbound call.

    ``allow_private`` is the operator's ``BYOM_ALLOW_PRIVATE_BASE_URLS``: it allows plain http,
    private, loopback and CGNAT addresses and any port that is not a known non-HTTP service.
    The always-denied networks (cloud metadata) stay refused.
    """

    allow_private: bool = False
    resolver: Resolver = system_resolver
    deny: Sequence[str] = ()
    allowed_ports: frozenset[int] | None = None
    provider: str = Provider.OPENAI_COMPATIBLE.value
    _denied: tuple[IpNetwork, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        nets = tuple(ipaddress.ip_network(n, strict=False) for n in (*ALWAYS_DENIED, *self.deny))
        object.__setattr__(self, "_denied", nets)

    async def check(self, raw_base_url: str) -> CheckedBaseUrl:
        base_url = normalise_base_url(raw_base_url, allow_http=self.allow_private)
        parts = urlsplit(base_url)
        host = (parts.hostname or "").lower()
        port = parts.port if parts.port is not None else (443 if parts.scheme == "https" else 80)
        self._check_port(port)
        literal = _literal_address(parts.netloc, host)
        if literal is not None:
            addresses: Sequence[str] = [literal]
        else:
            addresses = await self._resolve(host, port)
        checked = [c for address in addresses for c in self._check_address(address)]
        if parts.scheme == "http" and not all(_is_internal(c) for c in checked):
            raise UnsafeBaseUrl(PLAIN_HTTP_MESSAGE)
        return CheckedBaseUrl(base_url=base_url, host=host, port=port, addresses=tuple(addresses))

    def _check_port(self, port: int) -> None:
        if port == 0:
            allowed = False
        elif self.allowed_ports is not None:
            allowed = port in self.allowed_ports
        elif self.allow_private:
            allowed = port not in BAD_PORTS
        else:
            allowed = port in PUBLIC_PORTS
        if not allowed:
            raise UnsafeBaseUrl(PORT_MESSAGE)

    async def _resolve(self, host: str, port: int) -> Sequence[str]:
        try:
            async with asyncio.timeout(RESOLVE_TIMEOUT_S):
                answers = await self.resolver(host, port)
        except (OSError, TimeoutError, UnicodeError):
            answers = []
        if not answers:
            raise ProviderUnavailable(self.provider, "the base_url host name could not be resolved")
        return answers

    def _check_address(self, raw: str) -> list[IpAddress]:
        """The address and the IPv4 addresses it carries, when every one of them passes."""
        try:
            address = ipaddress.ip_address(raw.split("%", 1)[0])
        except ValueError:
            raise UnsafeBaseUrl(REFUSED_MESSAGE) from None
        candidates = _with_embedded(address)
        for candidate in candidates:
            if refusal := self._refusal(candidate):
                raise UnsafeBaseUrl(refusal)
        return candidates

    def _refusal(self, address: IpAddress) -> str | None:
        """Why ``address`` is refused (naming the operator's setting when it would let the
        address through), or None when it may be reached."""
        if _within(address, self._denied) or address == _BROADCAST:
            return REFUSED_MESSAGE
        if address.is_multicast or address.is_unspecified or address.is_reserved:
            return REFUSED_MESSAGE
        if _is_internal(address):
            return None if self.allow_private else PRIVATE_MESSAGE
        global_ = address.is_global and not _within(address, _NOT_GLOBAL)
        return None if global_ else REFUSED_MESSAGE


def _within(address: IpAddress, networks: Iterable[IpNetwork]) -> bool:
    return any(address in net for net in networks if net.version == address.version)


def _is_internal(address: IpAddress) -> bool:
    """Private, loopback, CGNAT or IPv6 site-local: what ``allow_private`` lets through."""
    if isinstance(address, ipaddress.IPv4Address):
        return address.is_private or address.is_loopback or address in _CGNAT
    return address.is_private or address.is_loopback or address.is_site_local


def _with_embedded(address: IpAddress) -> list[IpAddress]:
    """The address and every IPv4 address an IPv6 form carries (all must pass)."""
    found: list[IpAddress] = [address]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            found.append(address.ipv4_mapped)
        if address.sixtofour is not None:
            found.append(address.sixtofour)
        if address.teredo is not None:
            found.extend(address.teredo)  # (server, client)
        if address in _NAT64 or int(address) >> 32 == 0:  # NAT64 or IPv4-compatible ::a.b.c.d
            found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return found


def _literal_address(netloc: str, host: str) -> str | None:
    """The host as an IP literal, or None for a name. Refuses names that are numbers in disguise."""
    hostport = netloc.rpartition("@")[2]
    if hostport.startswith("["):
        if "%" in host:
            raise UnsafeBaseUrl(REFUSED_MESSAGE)  # zone ids (fe80::1%eth0)
        try:
            return str(ipaddress.IPv6Address(host))
        except ValueError:
            raise UnsafeBaseUrl(REFUSED_MESSAGE) from None
    if _CANONICAL_QUAD.fullmatch(host):
        return host
    if not _HOSTNAME.fullmatch(host):
        raise UnsafeBaseUrl(REFUSED_MESSAGE)
    # WHATWG URL: a host whose last label is a number is an IPv4 address (2130706433,
    # 0x7f.1, 127.1, 0177.0.0.1 all mean 127.0.0.1). Anything but a canonical quad is refused.
    last = host.rstrip(".").rsplit(".", 1)[-1]
    if _NUMERIC_LABEL.fullmatch(last):
        raise UnsafeBaseUrl(REFUSED_MESSAGE)
    return None
