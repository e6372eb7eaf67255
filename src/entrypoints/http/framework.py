"""Litestar as BYOM runs it: without the plugins Litestar adds for libraries that merely happen to
be installed, and with its ``before_send`` hooks run on a response's start only."""

from __future__ import annotations

from litestar import Litestar
from litestar.plugins import PluginProtocol
from litestar.plugins.core import MsgspecDIPlugin
from litestar.types import Message, Scope, Send


class ByomLitestar(Litestar):
    """Litestar appends its pydantic plugins whenever pydantic is importable, and it is whenever
    anything else installed needs it (the development tools do; an extra could in production):
    importing them costs each worker 8 MB and 0.1 s of its start, for a library no handler
    takes, returns or injects (every body is a msgspec Struct). Litestar offers no setting for
    this; its list of defaults is this one static method, so the app says its own: the msgspec
    injection plugin Litestar always adds, and neither pydantic's nor attrs'. If a Litestar
    release stops calling this method, tests/integration/test_serving_imports.py sees pydantic
    in a worker again.

    Every ``before_send`` hook of BYOM's (headers, the access log) acts on a response's start
    and returns at once on anything else; Litestar awaits each of them on every message, so a
    stream paid for all of them on every chunk (about 2 us of a chunk's 12-14). Here they are
    awaited on the start (``http.response.start``) only. If a Litestar release stops calling
    ``_wrap_send``, its own wrapper runs them on every message again, as before (slower, still
    right); tests/unit/entrypoints/http/test_response_start_hooks.py sees that."""

    @staticmethod
    def _get_default_plugins(plugins: list[PluginProtocol]) -> list[PluginProtocol]:
        return [*plugins, MsgspecDIPlugin()]

    def _wrap_send(self, send: Send, scope: Scope) -> Send:
        hooks = self.before_send
        if not hooks:
            return send

        async def send_after_hooks(message: Message) -> None:
            if message["type"] == "http.response.start":
                for hook in hooks:
                    await hook(message, scope)
            await send(message)

        return send_after_hooks
