"""Browser tests: the real app on a local port, driven by Playwright in the system's Chromium."""

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from helpers import BUNDLED_CONTENT

CHROMIUM = os.environ.get("LMS_CHROMIUM", "/usr/bin/chromium")
# Chromium's own background traffic is refused on a closed network; keep it quiet and local.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium_path():
    if shutil.which(CHROMIUM) is None and not os.path.exists(CHROMIUM):
        message = (
            f"Chromium not found at {CHROMIUM}: install it with `apt-get install -y chromium` to run browser tests"
        )
        if os.environ.get("CI"):
            pytest.fail(message)  # in CI browser tests always run
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture(scope="session")
def playwright_instance(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_instance, chromium_path):
    browser = playwright_instance.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def serve(app_factory):
    """Start the app on some content, served by a real HTTP server in a thread; returns the app."""
    servers = []

    def start(content_dir=BUNDLED_CONTENT):
        app = app_factory(CONTENT_DIR=str(content_dir))
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        app.config["LIVE_URL"] = app.config["PUBLIC_URL"] = f"http://127.0.0.1:{server.server_port}"
        return app

    yield start
    for server in servers:
        server.shutdown()


@pytest.fixture
def live_app(serve):
    """The app on the bundled content."""
    return serve()
