"""Dependency providers: names are checked against the container's fields when a controller is
defined, and each provider hands out that field, annotated with its type."""

from __future__ import annotations

from typing import get_type_hints

import pytest
from litestar.datastructures import State

from application.accounts.register_user import RegisterUser
from application.credentials.add_credential import AddCredential
from entrypoints.http.deps import use_case, use_cases
from tests.support.builders import memory_world


def test_a_name_the_container_lacks_fails_at_once() -> None:
    with pytest.raises(LookupError, match="register_usr"):
        use_cases("register_user", "register_usr")


def test_a_provider_hands_out_the_containers_field_with_its_type() -> None:
    world = memory_world()
    provide = use_case("register_user").dependency
    assert provide(State({"container": world.container})) is world.container.register_user
    assert get_type_hints(provide)["return"] is RegisterUser


def test_use_cases_keys_are_the_handler_parameter_names() -> None:
    provided = use_cases("register_user", "add_credential")
    assert list(provided) == ["register_user", "add_credential"]
    assert get_type_hints(provided["add_credential"].dependency)["return"] is AddCredential
