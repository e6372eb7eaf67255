"""The README runs as typed: its ``sh`` blocks (in order, in one bash shell) and its in-process
example (twice) against a real ``byom serve`` whose OpenAI is the README's own stand-in
(``python -m tests.support.standin``). Which blocks run is told in tests/support/readme.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.browser import CHROMIUM
from tests.support.live_server import REPO, LiveServer, served, server_env, standin_served
from tests.support.readme import README, example, outputs, script, shell_blocks
from tests.support.screenshot_models import MODEL, capture

TEXT = README.read_text()


@pytest.fixture(scope="module")
def byom(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, dict[str, str]]]:
    """One stand-in and one server for both tests (each takes seconds to start)."""
    var_dir = tmp_path_factory.mktemp("readme")
    with standin_served() as standin:
        env = server_env(var_dir, BYOM_OPENAI_BASE_URL=standin.base_url)
        with served(env, log_path=var_dir / "serve.log") as server:
            yield server, env


@pytest.mark.slow
def test_the_readme_shell_blocks_run_top_to_bottom(
    byom: tuple[LiveServer, dict[str, str]], tmp_path: Path
) -> None:
    server, env = byom
    shell = shell_blocks(TEXT)
    assert len(shell) >= 2, "the walk-through is marked ```sh"
    ran = subprocess.run(  # noqa: S603 (our README, our bash)
        ["/bin/bash", "-c", script(shell)],
        env={**env, "B": server.url},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    done = outputs(ran.stdout, shell)
    failed = next((block.line for block in shell if block.line not in done), None)
    report = f"--- stdout\n{ran.stdout[-3000:]}\n--- stderr\n{ran.stderr[-3000:]}"
    assert failed is None, f"README.md line {failed}: its block failed\n{report}"
    assert ran.returncode == 0, report
    said = "\n".join(done.values())
    assert '"email":"ada@example.com"' in said  # signed up
    assert '"key_hint":"…1234"' in said  # a key stored, shown by its last four
    assert '"reason":"user_default"' in said  # the LLM factory chose it
    assert '"valid":false' in said  # the bad key was refused, stored nothing
    deleted = next(block for block in shell if "-X DELETE" in block.code)
    assert done[deleted.line].split()[0] == "204"  # a key deleted ...
    assert '"reason":"none"' in done[deleted.line]  # ... and with it the only key: nothing serves
    assert '"text":" carry"' in said  # a session reply, streamed (the stand-in echoes)
    assert "event: done" in said  # ... streamed to the end
    assert '"object":"chat.completion"' in said  # the gateway answered in OpenAI's shape
    assert ran.stderr == ""  # curl complained of nothing
    document = json.loads((tmp_path / "openapi.json").read_text())  # /schema/openapi.json
    assert document["openapi"].startswith("3.")
    docs = next(block for block in shell if "/schema/swagger" in block.code)
    assert done[docs.line].split()[-1] == "200"  # the interactive docs


@pytest.mark.slow
def test_the_in_process_example_runs_and_runs_again(
    byom: tuple[LiveServer, dict[str, str]], tmp_path: Path
) -> None:
    _, env = byom
    code = example(TEXT).code
    (tmp_path / "example.py").write_text(code)
    for run in ("first", "second"):
        ran = subprocess.run(  # noqa: S603 (our README's example)
            [sys.executable, str(tmp_path / "example.py")],
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert ran.returncode == 0, f"{run} run:\n{ran.stdout}\n{ran.stderr[-3000:]}"
        assert "(user_default)" in ran.stdout, f"{run} run: the key it stored serves"
        assert "You said: How is EUR/USD carry looking?" in ran.stdout, f"{run} run"
        assert "You said: And the main risk?" in ran.stdout, f"{run} run"


@pytest.mark.slow
@pytest.mark.browser
def test_the_readme_screenshot_shows_a_real_page_with_a_real_model(
    byom: tuple[LiveServer, dict[str, str]], tmp_path: Path
) -> None:
    """What ``make screenshot`` takes for docs/screenshot-models.png."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but {CHROMIUM} is missing: apt-get install -y chromium")
        pytest.skip(f"{CHROMIUM} not installed (apt-get install -y chromium); runs in CI")
    server, _ = byom
    picture = tmp_path / "models.png"
    shown = capture(server.url, picture)
    assert f"OpenAI · {MODEL}" in shown  # the model the stand-in listed, chosen on the page
    assert "model-b" not in shown
    assert picture.read_bytes().startswith(b"\x89PNG")
