"""`mcplite dev` in a real headless Chromium (the distribution's package), driven by
Playwright with the system browser.  Skips, saying why, only where Chromium or Playwright is
missing; `.ci/run` installs both so CI runs it.  With MCPLITE_DEV_SCREENSHOTS=DIR set the
test also writes the screenshots docs/cli.md shows (scripts/dev_screenshots.sh)."""

from __future__ import annotations

import os
import pathlib
import shutil
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest

from tests.cli._dev_process import TARGET, dev_process, stderr_of

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install '.[browser]')"
)
if CHROMIUM is None:
    pytest.skip("no chromium on PATH (apt-get install chromium)", allow_module_level=True)

TIMEOUT_MS = 15_000
# The first page of a run waits for Chromium's first start and the target's first import
# (no bytecode cache yet in a fresh CI venv): longer than any later step.
FIRST_CONNECT_MS = 60_000
SHOTS = os.environ.get("MCPLITE_DEV_SCREENSHOTS")
# Chromium's own network use fails on a closed network and slows every start; none is needed.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with tempfile.TemporaryDirectory() as profile, sync_api.sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            headless=True,
            args=FLAGS,
            viewport={"width": 1280, "height": 800},
            bypass_csp=True,  # lets wait_for_function poll; the page itself needs no eval
        )
        context.set_default_timeout(TIMEOUT_MS)
        try:
            yield context
        finally:
            context.close()


@pytest.fixture(scope="module")
def page(browser: Any) -> Iterator[Any]:
    with dev_process(TARGET) as (base, token):
        page = browser.new_page()
        seen: list[str] = []  # what the page asked and heard, for a failure's message
        page.on("response", lambda r: seen.append(f"{r.status} {r.url}"))
        page.on("console", lambda m: seen.append(f"console {m.type}: {m.text}"))
        page.on("pageerror", lambda e: seen.append(f"pageerror: {e}"))
        page.goto(f"{base}/?token={token}")
        try:
            page.wait_for_function(
                "document.getElementById('server').textContent.includes('dev-target')",
                timeout=FIRST_CONNECT_MS,
            )
        except sync_api.TimeoutError:
            shown = page.evaluate("document.getElementById('server').textContent")
            pytest.fail(
                f"the page shows {shown!r}; it saw {seen[-20:]}; "
                f"mcplite dev wrote: {stderr_of(base)}"
            )
        yield page
        page.close()


def shot(page: Any, name: str) -> None:
    if SHOTS:
        pathlib.Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(pathlib.Path(SHOTS) / f"dev-{name}.png"))


def open_tool(page: Any, name: str) -> None:
    page.click(f"#tab-tools .item[data-tool='{name}']")
    page.wait_for_selector(f"#tool h2:text-is('{name}')")


def test_the_token_url_becomes_a_cookie_and_the_bar_loses_it(page: Any) -> None:
    assert page.url.endswith("/") and "token" not in page.url
    assert "1.2.3" in page.inner_text("#server")


def test_a_stale_state_snapshot_does_not_undo_a_newer_one(page: Any) -> None:
    # The race CI hit: an /api/state answer taken before the target connected, read after
    # the /events state of the connect, left the page on "connecting…" for good.
    page.evaluate("applyState({...state, revision: state.revision - 1, connected: false})")
    assert "dev-target" in page.inner_text("#server")
    page.evaluate("applyState({...state})")  # the same revision again still applies
    assert "dev-target" in page.inner_text("#server")


def test_call_a_tool_with_a_generated_form(page: Any) -> None:
    open_tool(page, "add")
    page.fill("#tool [data-field='a']", "2")
    page.fill("#tool [data-field='b']", "40")
    page.fill("#tool [data-field='label']", "answer")
    page.click("#call")
    page.wait_for_selector("#tool .result .tree")
    text = page.text_content("#tool .result")
    assert "42" in text and "answer" in text and "matches outputSchema" in text
    shot(page, "tools")


def test_an_image_result_is_shown(page: Any) -> None:
    open_tool(page, "picture")
    page.click("#call")
    img = page.wait_for_selector("#tool .result img")
    assert img.get_attribute("src").startswith("data:image/png;base64,")
    assert page.evaluate("document.querySelector('#tool .result img').naturalWidth") == 2


def test_a_huge_result_is_truncated_and_the_page_stays_usable(page: Any) -> None:
    open_tool(page, "big")
    page.click("#call")
    button = page.wait_for_selector("#tool .result button:text('show all')")
    assert "10,485,760" in button.inner_text()
    shown = page.evaluate("document.querySelector('#tool .result pre').textContent.length")
    assert shown == 100_000
    wire = page.evaluate("[...document.querySelectorAll('#wire tr')].map(r => r.textContent)")
    assert any("(truncated)" in row for row in wire)  # the wire panel keeps a preview only
    open_tool(page, "add")  # still responsive


def test_is_error_is_shown_as_such(page: Any) -> None:
    open_tool(page, "fail")
    page.click("#call")
    page.wait_for_selector("#tool .result.error")
    assert "this tool always fails" in page.inner_text("#tool .result")


def test_answer_an_elicitation_dialog(page: Any) -> None:
    open_tool(page, "ask_name")
    page.click("#call")
    page.wait_for_selector("#dialog .box h2:text('asks for input')")
    assert "Who are you?" in page.inner_text("#dialog")
    shot(page, "elicitation")
    page.fill("#dialog [data-field='name']", "Grace")
    page.click("#elicit-accept")
    page.wait_for_selector("#tool .result pre:text('Hello, Grace!')")
    assert not page.is_visible("#dialog")


def test_progress_shows_and_a_slow_call_is_cancelled(page: Any) -> None:
    open_tool(page, "slow")
    page.click("#call")
    page.wait_for_function("document.querySelector('#tool .row .dim').textContent.includes('step')")
    assert page.is_visible("#tool progress")
    shot(page, "progress")
    page.click("#cancel")
    page.wait_for_selector("#tool .result.error:text('cancelled')")
    page.click("#tabs [data-tab='wire']")
    page.wait_for_selector("#wire tr:has-text('notifications/cancelled')")
    page.fill("#wirefilter", "tools/call")
    visible = page.eval_on_selector_all("#wire tr:not(.hidden)", "rows => rows.length")
    hidden = page.eval_on_selector_all("#wire tr.hidden", "rows => rows.length")
    assert visible > 0 and hidden > 0
    page.fill("#wirefilter", "")
    page.click("#wire tr:has-text('tools/call')")
    page.wait_for_selector("#wire tr.detail pre")
    shot(page, "wire")
    page.click("#tabs [data-tab='logs']")
    assert "step 0 of 50" in page.inner_text("#logs")
    page.click("#tabs [data-tab='tools']")


def test_read_a_resource_and_see_its_update(page: Any) -> None:
    page.click("#tabs [data-tab='resources']")
    page.click("#resources .item[data-uri='note://hello']")
    page.wait_for_selector("#resource pre:text('Hello, world')")
    page.click("#resource button:text('Subscribe')")
    page.wait_for_selector("#resource button:text('Unsubscribe')")
    shot(page, "resources")
    page.click("#tabs [data-tab='tools']")
    open_tool(page, "bump")
    page.click("#call")
    page.wait_for_selector("#tool .result")
    page.click("#tabs [data-tab='resources']")
    page.wait_for_selector("#updated:text('updated')")
    assert "Hello, world!" in page.inner_text("#resource")


def test_get_a_prompt_with_completion(page: Any) -> None:
    page.click("#tabs [data-tab='prompts']")
    page.click("#prompts .item:has-text('greet')")
    page.type("#prompt [data-arg='name']", "a")
    page.wait_for_function("document.querySelectorAll('#pl-name option').length === 2")
    page.fill("#prompt [data-arg='name']", "Ada")
    page.click("#prompt button:text('Get prompt')")
    page.wait_for_selector("#prompt .result:has-text('Say hello to Ada.')")
    shot(page, "prompts")


def test_a_request_without_the_token_is_refused(browser: Any) -> None:
    with dev_process(TARGET) as (base, _):
        other = browser.new_page()  # a fresh page of a second server: no cookie for it
        try:
            response = other.goto(base + "/")
            assert response.status == 403
            assert "token" in other.inner_text("body")
        finally:
            other.close()


def test_a_refused_event_stream_is_opened_again(browser: Any) -> None:
    # EventSource gives up on a non-200 answer; the page opens the stream again (a dev
    # server restart, or a cookie the browser had not stored yet), and asks for the state
    # again when that request failed.
    with dev_process(TARGET) as (base, token):
        other = browser.new_page()
        refused: list[str] = []

        def route(r: Any) -> None:
            if len(refused) < 2:
                refused.append(r.request.url)
                r.fulfill(status=403, body="no")
            else:
                r.continue_()

        other.route("**/events", route)
        other.route("**/api/state", route)
        try:
            other.goto(f"{base}/?token={token}")
            other.wait_for_function(
                "document.getElementById('server').textContent.includes('dev-target')",
                timeout=FIRST_CONNECT_MS,
            )
            assert len(refused) == 2
        finally:
            other.close()
