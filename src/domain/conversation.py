"""The pairing rules of a conversation with tool calls, checked before any provider sees it."""

from __future__ import annotations

from domain.content import ImagePart, check_images
from domain.errors import InvalidMessage
from domain.llm import ChatMessage, Role
from domain.tools import MAX_CALL_ID_LENGTH, MAX_TOOL_NAME_LENGTH


def check_conversation(messages: tuple[ChatMessage, ...]) -> None:
    """- a tool turn answers, once, a call of the assistant turn before it (by ``tool_call_id``);
    - every call of an assistant turn is answered before the next user or assistant turn, and
      the conversation does not end with calls unanswered (every provider refuses both);
    - only user turns hold images; tool calls only assistant turns; call ids are unique."""
    open_calls: dict[str, str] = {}
    seen_ids: set[str] = set()
    for i, message in enumerate(messages):
        where = f"messages[{i}]"
        if message.role is Role.TOOL:
            call_id = message.tool_call_id
            if not call_id:
                raise InvalidMessage(f"{where}: a tool message needs tool_call_id")
            if call_id not in open_calls:
                raise InvalidMessage(
                    f"{where}: tool_call_id {call_id!r} answers no call of the assistant "
                    "message before it"
                )
            del open_calls[call_id]
            continue
        if open_calls:
            raise InvalidMessage(
                f"{where}: the tool calls {sorted(open_calls)} of the assistant message before "
                "it are not answered (each needs a tool message)"
            )
        if message.tool_calls and message.role is not Role.ASSISTANT:
            raise InvalidMessage(f"{where}: only assistant messages hold tool_calls")
        if any(isinstance(p, ImagePart) for p in message.parts) and message.role is not Role.USER:
            raise InvalidMessage(f"{where}: only user messages hold images")
        check_images(message.parts, where)
        for call in message.tool_calls:
            if not call.id or call.id in seen_ids:
                raise InvalidMessage(f"{where}: tool call ids must be present and unique")
            if len(call.id) > MAX_CALL_ID_LENGTH or "\x00" in call.id:
                raise InvalidMessage(
                    f"{where}: a tool call id is at most {MAX_CALL_ID_LENGTH} characters, no NUL"
                )
            if not call.name or len(call.name) > MAX_TOOL_NAME_LENGTH or "\x00" in call.name:
                raise InvalidMessage(
                    f"{where}: a tool call names its tool in 1-{MAX_TOOL_NAME_LENGTH} "
                    "characters, no NUL"
                )
            seen_ids.add(call.id)
            open_calls[call.id] = call.name
    if open_calls:
        raise InvalidMessage(
            f"the tool calls {sorted(open_calls)} of the last assistant message are not answered"
        )
