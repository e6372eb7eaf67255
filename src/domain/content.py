"""What a message holds: text and images."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from domain.errors import InvalidMessage

# What every provider takes inline (OpenAI, Anthropic and Gemini alike).
IMAGE_MEDIA_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
# Anthropic's limit per image, the lowest of the three; a message holds a few of them at most.
MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_IMAGES_PER_MESSAGE = 8
_DATA_URL = re.compile(r"^data:(?P<type>[\w.+-]+/[\w.+-]+);base64,(?P<data>[A-Za-z0-9+/=\s]*)$")


@dataclass(frozen=True, slots=True)
class TextPart:
    text: str


@dataclass(frozen=True, slots=True)
class ImagePart:
    """An image, inline (``data`` with its ``media_type``) or by an https ``url``."""

    media_type: str | None = None
    data: bytes | None = None
    url: str | None = None
    detail: str | None = None  # OpenAI's "low" / "high" / "auto"

    def data_url(self) -> str:
        assert self.data is not None  # noqa: S101 - only asked of an inline image
        return f"data:{self.media_type};base64,{base64.b64encode(self.data).decode()}"

    def base64(self) -> str:
        return base64.b64encode(self.data or b"").decode()


ContentPart = TextPart | ImagePart


def image_from_url(url: str, *, detail: str | None = None, where: str = "image_url") -> ImagePart:
    """- a ``data:`` URL is decoded (a supported image type, valid base64, at most
      ``MAX_IMAGE_BYTES``);
    - otherwise it must be an ``https://`` URL, which the provider fetches."""
    if url.startswith("data:"):
        match = _DATA_URL.match(url)
        if match is None:
            raise InvalidMessage(f"{where} is not a base64 data URL (data:image/png;base64,...)")
        media_type = match.group("type").lower()
        if media_type not in IMAGE_MEDIA_TYPES:
            allowed = ", ".join(sorted(IMAGE_MEDIA_TYPES))
            raise InvalidMessage(f"{where}: {media_type} is not supported (one of {allowed})")
        try:
            data = base64.b64decode("".join(match.group("data").split()), validate=True)
        except (binascii.Error, ValueError):
            raise InvalidMessage(f"{where} holds invalid base64") from None
        if not data:
            raise InvalidMessage(f"{where} holds no image")
        if len(data) > MAX_IMAGE_BYTES:
            raise InvalidMessage(f"{where}: an image is at most {MAX_IMAGE_BYTES} bytes")
        return ImagePart(media_type=media_type, data=data, detail=detail)
    if not url.startswith("https://") or len(url) > 2048:
        raise InvalidMessage(f"{where} must be an https:// URL or a base64 data: URL")
    return ImagePart(url=url, detail=detail)


def text_of(parts: tuple[ContentPart, ...]) -> str:
    return "".join(p.text for p in parts if isinstance(p, TextPart))


def check_images(parts: tuple[ContentPart, ...], where: str) -> None:
    if sum(isinstance(p, ImagePart) for p in parts) > MAX_IMAGES_PER_MESSAGE:
        raise InvalidMessage(f"{where}: at most {MAX_IMAGES_PER_MESSAGE} images per message")
