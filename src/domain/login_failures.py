"""Failed logins an account's owner is shown: how many, when and from where the last was."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime

# Enough to tell "my office" from "somewhere else", not enough to name a household.
_IPV4_PREFIX = 24
_IPV6_PREFIX = 48
UNKNOWN_ADDRESS = "unknown"


@dataclass(frozen=True, slots=True)
class LoginFailures:
    count: int
    last_at: datetime
    last_from: str


def address_prefix(address: str) -> str:
    """The network an address is in (IPv4 /24, IPv6 /48): what is kept, never the address."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return UNKNOWN_ADDRESS
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = _IPV4_PREFIX if ip.version == 4 else _IPV6_PREFIX
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))
