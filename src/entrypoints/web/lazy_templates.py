"""The pages' Jinja engine, made on the first page rendered, not at start.

A worker that only serves the API and the gateway never imports Jinja (``litestar.plugins.jinja``
imports it at once). Litestar registers its template helpers (``url_for``, ``csrf_token``) on the
engine when the app is built: they are kept and handed to the real engine when it is made.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from litestar.template import TemplateEngineProtocol

if TYPE_CHECKING:
    from jinja2 import Template
    from litestar.plugins.jinja import JinjaTemplateEngine


class LazyJinjaTemplateEngine(TemplateEngineProtocol["Template", Mapping[str, Any]]):
    def __init__(self, directory: Path | list[Path] | None, engine_instance: Any | None) -> None:
        self._directory = directory
        self._callables: dict[str, Callable[..., Any]] = {}
        self._engine: JinjaTemplateEngine | None = None

    def get_template(self, template_name: str) -> Template:
        return self._jinja().get_template(template_name)

    def render_string(self, template_string: str, context: Mapping[str, Any]) -> str:
        return self._jinja().render_string(template_string, context)

    def register_template_callable(self, key: str, template_callable: Callable[..., Any]) -> None:
        self._callables[key] = template_callable
        if self._engine is not None:
            self._engine.register_template_callable(key, template_callable)

    def _jinja(self) -> JinjaTemplateEngine:
        if self._engine is None:
            from litestar.plugins.jinja import JinjaTemplateEngine

            engine = JinjaTemplateEngine(directory=self._directory, engine_instance=None)
            for key, template_callable in self._callables.items():
                engine.register_template_callable(key, template_callable)
            self._engine = engine
        return self._engine
