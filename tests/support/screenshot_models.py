"""Regenerates docs/screenshot-models.png, the README's picture of "Your models": a real
``byom serve`` on the README's OpenAI stand-in, a key added through the page with a model the
stand-in lists, photographed by Chromium through Playwright.

    make screenshot        # .venv/bin/python -m tests.support.screenshot_models
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, DESKTOP, add_key, sign_up
from tests.support.live_server import REPO, served, server_env, standin_served

OUTPUT = REPO / "docs" / "screenshot-models.png"
MODEL = "gpt-4o-mini"
KEY = "sk-proj-my-real-key-1234"  # the README walk-through's key: the stand-in accepts it


def capture(url: str, output: Path) -> str:
    """Signs up on the BYOM at ``url``, adds an OpenAI key on ``MODEL``, saves the page as a
    PNG at ``output``; returns the page's text (what the picture shows)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            page = browser.new_page(base_url=url, viewport=DESKTOP)
            sign_up(page)
            add_key(page, "OpenAI", KEY, MODEL)
            page.screenshot(path=str(output), full_page=True)
            return page.locator("main").inner_text()
        finally:
            browser.close()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, standin_served() as standin:
        env = server_env(Path(tmp), BYOM_OPENAI_BASE_URL=standin.base_url)
        with served(env, log_path=Path(tmp) / "serve.log") as server:
            shown = capture(server.url, OUTPUT)
    if MODEL not in shown:
        raise SystemExit(f"the page does not show {MODEL}:\n{shown}")
    print(f"wrote {OUTPUT.relative_to(REPO)}")


if __name__ == "__main__":
    main()
