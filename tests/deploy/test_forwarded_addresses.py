"""The recipe's proxy and BYOM agree on who may forward a client's address (issue 17): the
proxy sends X-Forwarded-For, and BYOM believes it from the proxy's address and nobody else's."""

from __future__ import annotations

import re
from ipaddress import ip_address, ip_network

from entrypoints.settings import Settings
from tests.support.dockerfile import ROOT
from tests.support.recipe import compose, compose_environment, example_dotenv, filled

BYOM_SERVICES = ["migrate", "byom-1", "byom-2"]


def test_nginx_replaces_the_client_s_forwarded_for_with_the_peer_it_saw() -> None:
    nginx = (ROOT / "deploy/nginx.conf").read_text()
    headers = dict(re.findall(r"proxy_set_header (X-Forwarded-[\w]+) (\S+);", nginx))
    # $remote_addr, not $proxy_add_x_forwarded_for: nginx is the edge, nothing before it to trust.
    assert headers == {"X-Forwarded-For": "$remote_addr", "X-Forwarded-Proto": "$scheme"}


def test_compose_trusts_the_proxy_s_fixed_address_and_only_it() -> None:
    proxy_at = compose()["services"]["proxy"]["networks"]["default"]["ipv4_address"]
    subnet = compose()["networks"]["default"]["ipam"]["config"][0]["subnet"]
    assert ip_address(proxy_at) in ip_network(subnet)
    for service in BYOM_SERVICES:
        env = compose_environment(service, filled(example_dotenv()))
        assert Settings.from_env(env).server.forwarded_allow_ips == (proxy_at,)
