from tests.unit.application.sessions.conftest import user_id, world  # noqa: F401 (fixtures)
