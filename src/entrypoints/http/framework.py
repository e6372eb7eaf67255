"""Litestar as BYOM runs it: without the plugins Litestar adds for libraries that merely happen to
be installed."""

from __future__ import annotations

from litestar import Litestar
from litestar.plugins import PluginProtocol
from litestar.plugins.core import MsgspecDIPlugin


class ByomLitestar(Litestar):
    """Litestar appends its pydantic plugins whenever pydantic is importable, and it is whenever
    anything else installed needs it (the development tools do; an extra could in production):
    importing them costs each worker 8 MB and 0.1 s of its start, for a library no handler
    takes, returns or injects (every body is a msgspec Struct). Litestar offers no setting for
    this; its list of defaults is this one static method, so the app says its own: the msgspec
    injection plugin Litestar always adds, and neither pydantic's nor attrs'. If a Litestar
    release stops calling this method, tests/integration/test_serving_imports.py sees pydantic
    in a worker again."""

    @staticmethod
    def _get_default_plugins(plugins: list[PluginProtocol]) -> list[PluginProtocol]:
        return [*plugins, MsgspecDIPlugin()]
