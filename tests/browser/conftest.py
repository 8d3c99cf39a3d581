"""The admin page's fixtures: the owner and a writer with chunks on the module's server, and
headless Chromium."""

import json
import shutil
import tempfile
from pathlib import Path

import pytest
import trieve_python_client as tc
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from browser_page import CHROMEDRIVER, CHROMIUM, call, wait_visible

@pytest.fixture(scope="module")
def owner(server):
    """The first-start owner: (user id, organization id, dataset id)."""
    status, me = call(server, "GET", "/api/auth/me", server.owner_key)
    assert status == 200
    org_id = me["orgs"][0]["id"]
    path = f"/api/dataset/organization/{org_id}"
    status, datasets = call(server, "GET", path, server.owner_key, org=org_id)
    assert status == 200
    return me["id"], org_id, datasets[0]["dataset"]["id"]


@pytest.fixture(scope="module")
def writer(server, owner):
    """An admin of the default organization with 23 chunks ("chunk 0" .. "chunk 22", oldest first)."""
    added = json.loads(
        server.run_cli(
            "user", "add", "--email", "writer@example.com", "--name", "Wren Writer", "--role", "admin", "--json"
        )
    )
    chunk_api = tc.ChunkApi(server.client(added["api_key"], added["dataset_id"]))
    for number in range(23):
        chunk_api.create_chunk(
            tc.CreateChunkData(chunk_html=f"<p>chunk {number}</p>", tracking_id=f"writer-{number}")
        )
    return added


# ----------------------------------------------------------------------------------------------
# The browser


@pytest.fixture(scope="module")
def downloads():
    with tempfile.TemporaryDirectory(prefix="trieve-downloads-") as path:
        yield Path(path)


@pytest.fixture(scope="module")
def driver(downloads):
    assert Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists(), "install chromium and chromium-driver"
    profile = tempfile.mkdtemp(prefix="trieve-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--window-size=1280,900",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    browser = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    browser.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    yield browser
    browser.quit()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def page(driver, server):
    """The page freshly loaded in a signed-out tab, 1280 px wide. The console log is drained
    first, so anything the page logs while loading counts."""
    driver.set_window_size(1280, 900)
    driver.get(server.base + "/api/health")  # same origin, not the page: clear its session
    driver.execute_script("sessionStorage.clear()")
    driver.get_log("browser")
    driver.get(server.base + "/")
    wait_visible(driver, "signin-key")
    return driver
