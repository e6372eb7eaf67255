"""A real HTTP KMS for tests: moto's server mode on a free port, behind a small forwarding proxy
that can be switched to answer 503 (a KMS outage) and back, without restarting anything.

Credentials are moto's dummies; they reach aiobotocore through AWS's own variables, as real ones
would (the tests set them with monkeypatch).
"""

from __future__ import annotations

import asyncio
import http.client
import threading
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING

from moto.server import ThreadedMotoServer

from adapters.crypto.aws_kms import shared_session
from adapters.crypto.kms_key_ref import KmsKeyRef
from entrypoints.settings import KeyWrapperKind, KeyWrapperSettings, Settings

if TYPE_CHECKING:
    from types_aiobotocore_kms import KMSClient

REGION = "eu-west-1"
AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
}
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


class _Switch:
    """What the proxy does: forward, or answer 503 (KMS's own shape for an internal failure)."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.down = False
        self.requests = 0
        self.lock = threading.Lock()


def _handler(switch: _Switch) -> type[BaseHTTPRequestHandler]:
    class Forward(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with switch.lock:
                switch.requests += 1
                down = switch.down
            if down:
                self._answer(
                    503,
                    b'{"__type":"KMSInternalException","message":"stand-in outage"}',
                    {"Content-Type": "application/x-amz-json-1.1"},
                )
                return
            upstream = http.client.HTTPConnection("127.0.0.1", switch.upstream_port, timeout=10)
            try:
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
                upstream.request("POST", self.path, body=body, headers=headers)
                reply = upstream.getresponse()
                payload = reply.read()
                kept = {k: v for k, v in reply.getheaders() if k.lower() not in _HOP_BY_HOP}
                self._answer(reply.status, payload, kept)
            finally:
                upstream.close()

        def _answer(self, status: int, payload: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:
            return  # quiet: pytest shows stderr of failing tests

    return Forward


@dataclass
class KmsStandin:
    """moto's KMS at ``endpoint_url``, with an outage switch."""

    endpoint_url: str
    _switch: _Switch
    key_arn: str = ""
    """A key made at start, for tests that need any key (making one costs a round trip)."""

    async def create_key(self) -> str:
        """A new symmetric key; returns its ARN."""
        async with self.client() as kms:
            key = await kms.create_key(Description="byom test key")
        return key["KeyMetadata"]["Arn"]

    async def create_alias(self, name: str, key_arn: str) -> None:
        async with self.client() as kms:
            await kms.create_alias(AliasName=name, TargetKeyId=key_arn)

    @asynccontextmanager
    async def client(self) -> AsyncIterator[KMSClient]:
        """A client straight to moto (past the outage switch)."""
        async with shared_session().create_client(
            "kms",
            region_name=REGION,
            endpoint_url=f"http://127.0.0.1:{self._switch.upstream_port}",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        ) as kms:
            yield kms

    @property
    def requests(self) -> int:
        """Requests that reached the proxy (answered or refused)."""
        return self._switch.requests

    @contextmanager
    def outage(self) -> Iterator[None]:
        """Every KMS call answers 503 until the block ends."""
        self._switch.down = True
        try:
            yield
        finally:
            self._switch.down = False


@contextmanager
def running_kms_standin() -> Iterator[KmsStandin]:
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    switch = _Switch(moto.get_host_and_port()[1])
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), _handler(switch))
    proxy.daemon_threads = True
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    try:
        standin = KmsStandin(f"http://127.0.0.1:{proxy.server_address[1]}", switch)
        # In a thread of its own: this may run inside a test's event loop (an async fixture).
        with ThreadPoolExecutor(1) as pool:
            standin.key_arn = pool.submit(asyncio.run, standin.create_key()).result()
        yield standin
    finally:
        proxy.shutdown()
        proxy.server_close()
        moto.stop()


def with_kms(settings: Settings, standin: KmsStandin, key: str | None = None) -> Settings:
    """``settings`` with BYOM_KEY_WRAPPER=aws-kms on the stand-in (its start key by default);
    the local keyring in ``settings`` stays, as it does during a move to KMS."""
    wrapper = KeyWrapperSettings(
        kind=KeyWrapperKind.AWS_KMS,
        kms_key_id=KmsKeyRef.parse(key or standin.key_arn),
        kms_region=REGION,
        kms_endpoint_url=standin.endpoint_url,
    )
    return replace(settings, key_wrapper=wrapper)


def kms_only(settings: Settings, standin: KmsStandin, key: str | None = None) -> Settings:
    """The same with no local keyring (after the move)."""
    moved = with_kms(settings, standin, key)
    return replace(moved, crypto=replace(moved.crypto, keys=None, keys_file=None))
