"""The in-process facade (``build_byom``): the container's use cases for other modules."""

from __future__ import annotations

from application.byom import Byom
from domain.ports import Clock, IdGenerator, LlmProviderRegistry, ModelCatalog
from entrypoints.bootstrap.adapters import Database
from entrypoints.bootstrap.wiring import build
from entrypoints.settings import Settings


def build_byom(
    settings: Settings | None = None,
    *,
    database: Database | None = None,
    providers: LlmProviderRegistry | None = None,
    catalog: ModelCatalog | None = None,
    clock: Clock | None = None,
    ids: IdGenerator | None = None,
) -> Byom:
    """The in-process facade for other modules; ``settings`` default to the environment."""
    container = build(
        settings or Settings.from_env(),
        database=database,
        providers=providers,
        catalog=catalog,
        clock=clock,
        ids=ids,
    )
    return Byom(
        resolve=container.resolve_llm,
        start_session=container.start_agent_session,
        send_message=container.send_message,
        get_session=container.get_agent_session,
        list_sessions=container.list_agent_sessions,
        list_messages=container.list_session_messages,
        get_usage=container.get_usage,
        complete=container.in_process_completion,
        aclose=container.aclose,
        open_=container.open,
    )
