"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

Mark tests ``pytest.mark.browser`` and ``pytest.mark.django_db(transaction=True, serialized_rollback=True)``
(the live server needs committed data; serialized rollback restores the migrations' seeded rows,
such as roles and disclaimers, that the flush after each test would otherwise remove).

Pages run under the site's real Content-Security-Policy header; any violation on any page of any
browser context fails the test that caused it.
"""

import os
import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.db import connections
from django.urls import reverse
from playwright.sync_api import sync_playwright

from tests.conftest import make_staff

# Playwright's sync API keeps an asyncio loop running in this thread for the whole session, and Django
# refuses ORM calls from a thread with a running loop. Tests only touch the database between page calls,
# never concurrently with the browser, so lifting the guard is safe here.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
# We run as root with the network closed: no sandbox, no GPU, no calls home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"  # gitignored
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}
BLOCKING_IMPACTS = {"serious", "critical"}


# Reported by every page: the securitypolicyviolation event, and Chromium's console line for the same refusal.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) =>
  window.reportCspViolation(`${event.violatedDirective} blocked ${event.blockedURI || "inline"} on ${location.href}`)
);
"""
csp_violations = []


def _watch_content_security_policy(context):
    context.expose_function("reportCspViolation", lambda violation: csp_violations.append(violation))
    context.add_init_script(REPORT_VIOLATIONS)
    context.on(
        "console",
        lambda message: csp_violations.append(message.text) if "Content Security Policy" in message.text else None,
    )


@pytest.fixture(autouse=True)
def no_content_security_policy_violations():
    csp_violations.clear()
    yield
    assert csp_violations == [], "pages broke the Content-Security-Policy:\n" + "\n".join(csp_violations)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: install Debian's chromium package to run browser tests"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    # Django keeps database connections thread-local only while no event loop runs in the thread; under
    # Playwright's loop it would hand out fresh ones, losing the test database's serialized contents and
    # leaving a connection open that blocks dropping the database. Keep using the connections we have.
    current_connections = {alias: connections[alias] for alias in connections}
    with sync_playwright() as playwright:
        for alias, connection in current_connections.items():
            connections[alias] = connection
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        # Every context a test opens, here or in a test module, reports policy violations.
        open_context = browser.new_context

        def new_context(**options):
            context = open_context(**options)
            _watch_content_security_policy(context)
            return context

        browser.new_context = new_context
        yield browser
        browser.close()


def _new_page(browser, viewport, **options):
    context = browser.new_context(viewport=viewport, **options)
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, page


@pytest.fixture
def page(browser):
    """A desktop-sized page in a fresh browser context."""
    context, page = _new_page(browser, DESKTOP)
    yield page
    context.close()


@pytest.fixture
def phone_page(browser):
    """A 360px-wide touch page, the narrowest phone we design for."""
    context, page = _new_page(browser, PHONE, is_mobile=True, has_touch=True)
    yield page
    context.close()


def _save_screenshot(page, name):
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{re.sub(r'[^a-z0-9_-]+', '-', name.lower())}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# axe's CSSOM preload rebuilds @import-ed stylesheets (the admin's change form has them) as inline <style>
# elements, which the CSP refuses and the watcher reports; only css-orientation-lock needs it, and nothing
# of ours locks the orientation.
AXE_OPTIONS = {"resultTypes": ["violations"], "preload": False}


def _assert_accessible(page):
    results = Axe().run(page, options=AXE_OPTIONS)
    blocking = [violation for violation in results.response["violations"] if violation["impact"] in BLOCKING_IMPACTS]
    report = "\n".join(
        f"- {violation['id']} ({violation['impact']}): {violation['help']} "
        f"at {', '.join(str(node['target']) for node in violation['nodes'])}"
        for violation in blocking
    )
    assert not blocking, f"axe found serious or critical accessibility violations on {page.url}:\n{report}"


def _assert_no_horizontal_overflow(page):
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    viewport_width = page.viewport_size["width"]
    assert scroll_width <= viewport_width, f"the page is {scroll_width}px wide in a {viewport_width}px viewport"


@pytest.fixture
def screenshot():
    """``screenshot(page, name)`` saves a full-page PNG under test-artifacts/screenshots/ for people to look at."""
    return _save_screenshot


@pytest.fixture
def assert_accessible():
    """``assert_accessible(page)`` runs axe and fails listing every violation of impact serious or critical."""
    return _assert_accessible


@pytest.fixture
def assert_no_horizontal_overflow():
    """``assert_no_horizontal_overflow(page)``: nothing sticks out sideways, the page fits its viewport."""
    return _assert_no_horizontal_overflow


@pytest.fixture
def open_as(browser, live_server, django_user_model):
    """``open_as(username, role, viewport=DESKTOP, **names)``: a page signed in through the admin's login form.

    The staff user is made on first use, in ``role`` (a group) with ``names`` (first_name, last_name).
    """
    contexts = []

    def open_page(username, role, viewport=DESKTOP, **names):
        if not django_user_model.objects.filter(username=username).exists():
            make_staff(django_user_model, username, role, **names)
        context = browser.new_context(viewport=viewport)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(live_server.url + reverse("admin:login"))
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill("pw")
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(live_server.url + reverse("admin:index"))
        return page

    yield open_page
    for context in contexts:
        context.close()
