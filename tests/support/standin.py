"""A local stand-in for the OpenAI API: try BYOM end to end without a real key or the internet.

    make standin      # .venv/bin/python -m tests.support.standin --port 9100
    BYOM_OPENAI_BASE_URL=http://127.0.0.1:9100/v1 make run

Once it accepts connections it prints one line: where it listens and how to point BYOM at it
(``--port 0`` takes a free port, which that line names).

Any key that starts with ``sk-`` and does not contain ``bad`` is accepted. Replies echo the last
user message; streaming follows OpenAI's SSE chunks with ``stream_options.include_usage``. So that
clients' tools and structured output can be tried too: asked with ``tools`` after a user message
(``tool_choice`` not ``none``), it calls the named or first tool with arguments made from its
schema; asked for a ``json_schema`` (or ``json_object``) reply, it answers JSON of that shape.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import uvicorn
from litestar import Litestar, Request, Response, get, post
from litestar.response import Stream

from tests.support.wire import openai

MODELS = ("gpt-4o-mini", "gpt-4o", "gpt-4.1-mini", "o3-mini")


def _authorised(request: Request[Any, Any, Any]) -> bool:
    key = request.headers.get("authorization", "").removeprefix("Bearer ")
    return key.startswith("sk-") and "bad" not in key


def _unauthorised() -> Response[dict[str, Any]]:
    error = openai.error("Incorrect API key provided.", "invalid_request_error", "invalid_api_key")
    return Response(error, status_code=401)


@get("/v1/models", sync_to_thread=False)
def models(request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
    if not _authorised(request):
        return _unauthorised()
    return Response(openai.models(*((m, "standin") for m in MODELS)))


@post("/v1/chat/completions", status_code=200)
async def chat(request: Request[Any, Any, Any]) -> Response[Any]:
    if not _authorised(request):
        return _unauthorised()
    body = await request.json()
    messages = body["messages"]
    prompt = sum(len(_text(m.get("content")).split()) for m in messages)
    call = _tool_call(body)
    if call is not None:
        calls = [openai.tool_call("call_1", call[0], call[1])]
        if not body.get("stream"):
            return Response(openai.tool_calls_completion(*calls, tokens=(prompt, 5)))
        events = openai.tool_calls_stream([("call_1", call[0], [call[1]])], tokens=(prompt, 5))
        return _replayed(events)
    last = next((_text(m.get("content")) for m in reversed(messages) if m["role"] == "user"), "")
    words = (_structured(body) or f"You said: {last}").split(" ")
    tokens = (prompt, len(words))
    if not body.get("stream"):
        return Response(openai.completion(" ".join(words), tokens=tokens, model=body["model"]))
    pieces = [w if n == 0 else " " + w for n, w in enumerate(words)]
    return _replayed(openai.stream(pieces, tokens=tokens, model=body["model"]))


def _replayed(events: list[str]) -> Stream:
    async def replay() -> AsyncIterator[bytes]:
        for event in events:
            yield (event + "\n\n").encode()

    return Stream(replay(), media_type="text/event-stream")


def _text(content: Any) -> str:
    """A message's text: ``content`` is a string, null (a turn of tool calls) or parts."""
    if isinstance(content, list):
        return " ".join(p.get("text", "") for p in content if isinstance(p, dict))
    return content if isinstance(content, str) else ""


def _tool_call(body: dict[str, Any]) -> tuple[str, str] | None:
    """(name, arguments) of the call to make: only right after a user message, so that a
    client's tool loop ends once it has sent the results."""
    tools = [t["function"] for t in body.get("tools") or [] if t.get("type") == "function"]
    choice = body.get("tool_choice", "auto")
    if not tools or choice == "none" or body["messages"][-1]["role"] != "user":
        return None
    named = choice.get("function", {}).get("name") if isinstance(choice, dict) else None
    tool = next((t for t in tools if t["name"] == named), tools[0])
    parameters = tool.get("parameters") or {}
    return tool["name"], json.dumps(_example(parameters, parameters))


def _structured(body: dict[str, Any]) -> str | None:
    """The JSON a ``response_format`` asks for, or None for plain text."""
    wanted = body.get("response_format") or {}
    if wanted.get("type") == "json_object":
        return json.dumps({"reply": "You said something"})
    if wanted.get("type") == "json_schema":
        schema = wanted.get("json_schema", {}).get("schema") or {}
        return json.dumps(_example(schema, schema))
    return None


def _example(schema: dict[str, Any], root: dict[str, Any]) -> Any:
    """A value of the shape ``schema`` describes (``root`` holds its ``$defs``)."""
    if "$ref" in schema:
        return _example(root.get("$defs", {}).get(schema["$ref"].rsplit("/", 1)[-1], {}), root)
    for key in ("anyOf", "oneOf", "allOf"):
        if schema.get(key):
            return _example(schema[key][0], root)
    if schema.get("enum"):
        return schema["enum"][0]
    kind = schema.get("type", "object")
    kind = kind[0] if isinstance(kind, list) else kind
    if kind == "object":
        properties = schema.get("properties", {})
        return {name: _example(sub, root) for name, sub in properties.items()}
    if kind == "array":
        return [_example(schema.get("items", {}), root)]
    examples = {"string": "standin", "integer": 1, "number": 1.5, "boolean": True}
    return examples.get(kind)


app = Litestar([models, chat], debug=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=9100)
    args = parser.parse_args()
    asyncio.run(_serve(args.port))


async def _serve(port: int) -> None:
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    serving = asyncio.create_task(server.serve())
    while not server.started:  # set once the socket listens and the app has started
        if serving.done():
            await serving  # it failed to start (e.g. the port is taken): uvicorn said why
            return
        await asyncio.sleep(0.01)
    bound = server.servers[0].sockets[0].getsockname()[1]
    base_url = f"http://127.0.0.1:{bound}/v1"
    how = f"point BYOM at it: BYOM_OPENAI_BASE_URL={base_url}"
    print(f"OpenAI stand-in listening on {base_url}; {how}", flush=True)
    await serving


if __name__ == "__main__":
    main()
