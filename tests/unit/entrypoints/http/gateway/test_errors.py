"""Domain refusals in OpenAI's error shape, with the ``param`` they are about."""

from __future__ import annotations

import pytest

from domain.errors import InvalidMessage, UnsupportedFeature
from entrypoints.http.gateway import wire
from entrypoints.http.gateway.errors import error_body, param_of


def test_a_feature_the_provider_lacks_is_a_bad_request_naming_the_field() -> None:
    refused = UnsupportedFeature("google", "messages[0].content[1]", "google: image URLs ...")

    assert error_body(refused) == (
        400,
        wire.ErrorOut(
            wire.ErrorBody(
                "google: image URLs ...",
                "invalid_request_error",
                "messages[0].content[1]",
                "unsupported_parameter",
            )
        ),
    )


@pytest.mark.parametrize(
    ("message", "param"),
    [
        ("messages[2]: tool_call_id 'c' answers no call", "messages[2]"),
        ("tools[0].function.name 'x' is declared twice", "tools[0].function.name"),
        ("tool_choice names 'x', which is not in tools", "tool_choice"),
        ("response_format.json_schema.schema is required", "response_format.json_schema.schema"),
        ("the tool calls ['c'] of the last assistant message are not answered", None),
    ],
)
def test_an_invalid_message_names_the_param_it_starts_with(message: str, param: str | None) -> None:
    status, body = error_body(InvalidMessage(message))

    assert (status, body.error.param, body.error.type) == (400, param, "invalid_request_error")
    assert param_of(message) == param
