"""The one set of test credentials: provider keys in each provider's real format, passwords and
e-mails. Fake providers accept these keys; the stand-in upstreams expect them."""

from __future__ import annotations

from domain.provider import Provider

OPENAI_KEY = "sk-proj-" + "Qw3rTy7u" * 20 + "wxyz"
# The same user's OpenAI key after rotation (accepted wherever OPENAI_KEY is).
OPENAI_ROTATED = OPENAI_KEY.replace("wxyz", "n3w1")
ANTHROPIC_KEY = "sk-ant-api03-" + "Zy9_" * 23 + "AAAA"
GOOGLE_KEY = "AIzaSyD" + "x" * 28 + "g00g"
COMPAT_KEY = "sk-local-0123456789abcdef"
COMPAT_URL = "https://llm.example.com/v1"
# The operator's own key, used as the system default fallback.
SYSTEM_KEY = "sk-ant-api03-" + "SyS_" * 23 + "PLAT"

KEYS = {
    Provider.OPENAI: OPENAI_KEY,
    Provider.ANTHROPIC: ANTHROPIC_KEY,
    Provider.GOOGLE: GOOGLE_KEY,
    Provider.OPENAI_COMPATIBLE: COMPAT_KEY,
}

PASSWORD = "correct horse battery staple"
EMAIL = "trader@example.com"
