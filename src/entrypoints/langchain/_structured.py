"""Structured output as JSON (``json_schema`` or ``json_mode``), parsed back to the schema."""

from __future__ import annotations

from operator import itemgetter
from typing import Any

from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.output_parsers import JsonOutputParser, PydanticOutputParser
from langchain_core.runnables import Runnable, RunnableMap, RunnablePassthrough
from langchain_core.utils.function_calling import convert_to_json_schema, convert_to_openai_tool
from langchain_core.utils.pydantic import is_basemodel_subclass
from pydantic import BaseModel


def json_output(
    model: BaseChatModel,
    schema: dict[str, Any] | type,
    method: str,
    *,
    include_raw: bool,
    strict: bool | None,
) -> Runnable[LanguageModelInput, dict[str, Any] | BaseModel]:
    """The model bound to OpenAI's ``response_format`` (which ``ByomChatModel`` maps to an
    ``OutputFormat``), its text parsed into ``schema``."""
    is_model = isinstance(schema, type) and is_basemodel_subclass(schema)
    output_format = {"kwargs": {"method": method}, "schema": convert_to_json_schema(schema)}
    if method == "json_schema":
        function = convert_to_openai_tool(schema, strict=strict)["function"]
        spec = {"name": function["name"], "schema": function["parameters"], "strict": strict}
        response_format: dict[str, Any] = {"type": "json_schema", "json_schema": spec}
    else:
        response_format = {"type": "json_object"}
    llm = model.bind(response_format=response_format, ls_structured_output_format=output_format)
    parser: Runnable[Any, Any] = (
        PydanticOutputParser(pydantic_object=schema)  # type: ignore[arg-type]
        if is_model
        else JsonOutputParser()
    )
    if not include_raw:
        return llm | parser
    parsed = RunnablePassthrough.assign(
        parsed=itemgetter("raw") | parser, parsing_error=lambda _: None
    )
    failed = RunnablePassthrough.assign(parsed=lambda _: None)
    return RunnableMap(raw=llm) | parsed.with_fallbacks([failed], exception_key="parsing_error")
