"""LangChain over the in-process facade: ``ByomChatModel`` (the ``byom[langchain]`` extra)."""

from entrypoints.langchain.chat_model import ByomChatModel

__all__ = ["ByomChatModel"]
