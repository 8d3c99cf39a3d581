"""The admin page (static/) in headless Chromium, against the real server.

Every flow checks both what the page shows and what the server then holds (over HTTP), and that
the browser logged no error on the way. Chromium logs a failed fetch (any 4xx) as a SEVERE
"network" entry; a flow that provokes a server error on purpose allows exactly those statuses.
"""

import base64
import json
import os
import re
import shutil
import tempfile
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
import trieve_python_client as tc
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_BIN", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER_BIN", "/usr/bin/chromedriver")
# The README's screenshot is rewritten only when asked (UPDATE_SCREENSHOT=1), so a test run
# leaves the work tree clean; otherwise it goes to a temporary file.
SCREENSHOT = (
    ROOT / "docs" / "admin-page.png"
    if os.environ.get("UPDATE_SCREENSHOT") == "1"
    else Path(tempfile.gettempdir()) / "trieve-lite-admin-page.png"
)
STORAGE_KEY = "trieve-lite.api-key"
WAIT_SECONDS = 10


# ----------------------------------------------------------------------------------------------
# The server, over plain HTTP


def call(server, method, path, key, body=None, dataset=None, org=None):
    """(status, parsed JSON or None) of one API request."""
    headers = {"Authorization": key}
    if dataset:
        headers["TR-Dataset"] = dataset
    if org:
        headers["TR-Organization"] = org
    data = None
    if body is not None:
        headers["Content-Type"] = "application/json"
        data = json.dumps(body).encode()
    request = urllib.request.Request(server.base + path, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        raw = error.read()
        return error.code, json.loads(raw) if raw else None


def suffix():
    return uuid.uuid4().hex[:8]


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


def wait(driver, condition, timeout=WAIT_SECONDS):
    ignored = (StaleElementReferenceException,)
    return WebDriverWait(driver, timeout, ignored_exceptions=ignored).until(condition)


def wait_visible(driver, element_id):
    return wait(driver, EC.visibility_of_element_located((By.ID, element_id)))


def wait_text(driver, element_id, text):
    wait(driver, EC.text_to_be_present_in_element((By.ID, element_id), text))
    return driver.find_element(By.ID, element_id).text


def fill(driver, element_id, text):
    field = driver.find_element(By.ID, element_id)
    field.clear()
    field.send_keys(text)


def assert_console_clean(driver, allowed_statuses=()):
    """No SEVERE browser log entry, except failed fetches with a status this flow provoked."""
    allowed = tuple(f"status of {status} " for status in allowed_statuses)
    severe = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
    unexpected = [
        entry
        for entry in severe
        if not (
            entry.get("source") == "network"
            and "/api/" in entry["message"]
            and any(text in entry["message"] for text in allowed)
        )
    ]
    assert not unexpected, unexpected


def sign_in(driver, key):
    fill(driver, "signin-key", key)
    driver.find_element(By.ID, "signin-submit").click()
    wait_visible(driver, "app-view")
    wait(driver, lambda d: d.find_element(By.ID, "whoami-email").text != "")
    wait_settled(driver)


def wait_settled(driver):
    """Until the page has no request in flight (the API client keeps the count in body[data-pending])."""
    wait(driver, lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-pending") == "0")


def session_key(driver):
    return driver.execute_script(f"return sessionStorage.getItem('{STORAGE_KEY}')")


def row(driver, selector):
    return wait(driver, EC.presence_of_element_located((By.CSS_SELECTOR, selector)))


def confirm(driver, accept=True):
    wait_visible(driver, "confirm-dialog")
    driver.find_element(By.ID, "confirm-ok" if accept else "confirm-cancel").click()
    wait(driver, EC.invisibility_of_element_located((By.ID, "confirm-dialog")))


def read_secret_once(driver):
    """The key in the shown-once dialog; closes the dialog and checks it left no trace."""
    wait_visible(driver, "secret-dialog")
    secret = driver.find_element(By.ID, "secret-value").text
    assert secret.startswith("tr-") and len(secret) == 35
    driver.find_element(By.ID, "secret-close").click()
    wait(driver, EC.invisibility_of_element_located((By.ID, "secret-dialog")))
    assert driver.find_element(By.ID, "secret-value").get_attribute("textContent") == ""
    assert secret not in driver.page_source
    return secret


# ----------------------------------------------------------------------------------------------
# The flows


def test_a_wrong_key_is_refused_and_sign_out_clears_the_session(page, server):
    fill(page, "signin-key", "tr-" + "x" * 32)
    page.find_element(By.ID, "signin-submit").click()
    message = wait_text(page, "signin-error", "Invalid API key")
    assert "refused" in message
    assert page.find_element(By.ID, "app-view").is_displayed() is False
    assert session_key(page) is None

    sign_in(page, server.owner_key)
    assert page.find_element(By.ID, "whoami-email").text == "admin@localhost"
    assert session_key(page) == server.owner_key
    assert server.owner_key not in page.current_url
    assert page.find_element(By.ID, "signin-key").get_attribute("value") == ""

    # A reload in the same tab signs in again from sessionStorage.
    page.refresh()
    wait_visible(page, "app-view")
    wait_text(page, "whoami-email", "admin@localhost")

    page.find_element(By.ID, "signout").click()
    wait_visible(page, "signin-view")
    assert page.execute_script("return sessionStorage.length") == 0
    assert page.find_element(By.ID, "app-view").is_displayed() is False
    assert page.find_elements(By.CSS_SELECTOR, "#keys-body tr, #members-body tr") == []
    assert_console_clean(page, allowed_statuses=(401,))


def test_screenshot_for_the_readme(page, server, writer):
    """docs/admin-page.png: the signed-in page at 1280 px, a member's chunks shown, whole height."""
    sign_in(page, server.owner_key)
    Select(page.find_element(By.ID, "data-user")).select_by_value(writer["user_id"])
    wait_page(page, "Page 1 of 3", 22, 13)
    wait_settled(page)
    page.execute_script("document.activeElement.blur(); window.scrollTo(0, 0)")
    height = page.execute_script("return document.documentElement.scrollHeight")
    clip = {"x": 0, "y": 0, "width": 1280, "height": height, "scale": 1}
    shot = page.execute_cdp_cmd(
        "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": clip}
    )
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    SCREENSHOT.write_bytes(base64.b64decode(shot["data"]))
    assert SCREENSHOT.stat().st_size > 10_000
    assert_console_clean(page)


def test_profile_edit_and_the_servers_validation_messages(page, server):
    tag = suffix()
    sign_in(page, server.owner_key)
    fill(page, "profile-name", "Ada Owner")
    fill(page, "profile-username", f"ada-{tag}")
    fill(page, "profile-website", "https://ada.example")
    page.find_element(By.ID, "profile-save").click()
    wait_text(page, "profile-status", "Saved.")
    _, me = call(server, "GET", "/api/auth/me", server.owner_key)
    assert (me["name"], me["username"], me["website"]) == ("Ada Owner", f"ada-{tag}", "https://ada.example")

    # A username another user holds: the 409 appears next to the username field.
    other = json.loads(server.run_cli("user", "add", "--email", f"other-{tag}@example.com", "--json"))
    status, _ = call(server, "PUT", "/api/user", other["api_key"], body={"username": f"taken-{tag}"})
    assert status == 200
    fill(page, "profile-username", f"taken-{tag}")
    page.find_element(By.ID, "profile-save").click()
    assert "already taken" in wait_text(page, "profile-username-error", "taken")
    assert page.find_element(By.ID, "profile-username").get_attribute("aria-invalid") == "true"
    assert page.find_element(By.ID, "profile-status").text == ""

    # No username and a hidden email: the 400 appears next to the checkbox.
    page.find_element(By.ID, "profile-username").clear()
    checkbox = page.find_element(By.ID, "profile-visible-email")
    assert checkbox.is_selected()
    checkbox.click()
    page.find_element(By.ID, "profile-save").click()
    wait_text(page, "profile-visible-email-error", "A user without a username must keep visible_email true")
    assert not page.find_element(By.ID, "profile-username-error").is_displayed()

    _, me = call(server, "GET", "/api/auth/me", server.owner_key)
    assert (me["username"], me["visible_email"]) == (f"ada-{tag}", True)
    assert_console_clean(page, allowed_statuses=(400, 409))


def test_create_a_key_read_it_once_and_revoke_it(page, server):
    name = f"ui key {suffix()}"
    sign_in(page, server.owner_key)
    fill(page, "key-name", name)
    Select(page.find_element(By.ID, "key-role")).select_by_value("0")
    expires = page.find_element(By.ID, "key-expires")
    page.execute_script("arguments[0].value = '2030-06-01T12:00'", expires)
    page.find_element(By.ID, "key-create").click()
    secret = read_secret_once(page)

    status, me = call(server, "GET", "/api/auth/me", secret)
    assert (status, me["email"]) == (200, "admin@localhost")
    _, keys = call(server, "GET", "/api/user/get_api_key", server.owner_key)
    stored = next(key for key in keys if key["name"] == name)
    assert stored["role"] == 0
    assert stored["expires_at"].startswith("2030-06-0")
    assert call(server, "POST", "/api/user/set_api_key", secret, body={"name": "x"})[0] == 403

    selector = f'#keys-body tr[data-key-id="{stored["id"]}"]'
    key_row = row(page, selector)
    assert key_row.find_element(By.CSS_SELECTOR, ".key-name").text == name
    assert "read-only" in key_row.text

    # Cancel keeps it; confirming revokes it.
    key_row.find_element(By.CSS_SELECTOR, '[data-testid="key-revoke"]').click()
    confirm(page, accept=False)
    assert call(server, "GET", "/api/auth/me", secret)[0] == 200
    page.find_element(By.CSS_SELECTOR, f'{selector} [data-testid="key-revoke"]').click()
    confirm(page)
    wait(page, lambda d: not d.find_elements(By.CSS_SELECTOR, selector))
    wait_text(page, "keys-list-status", "Revoked")

    status, body = call(server, "GET", "/api/auth/me", secret)
    assert status == 401 and body["message"]
    assert secret not in page.page_source
    assert_console_clean(page)


def test_the_key_form_marks_the_field_the_server_names(page, server):
    """A 400 about the body's `expires_at`, then one about its `name`: each is shown by its input,
    and the next attempt clears the previous mark."""
    name = f"past key {suffix()}"
    sign_in(page, server.owner_key)
    fill(page, "key-name", name)
    expires = page.find_element(By.ID, "key-expires")
    page.execute_script("arguments[0].value = '2020-06-01T12:00'", expires)
    page.find_element(By.ID, "key-create").click()
    assert "in the future" in wait_text(page, "key-expires-error", "future")
    assert expires.get_attribute("aria-invalid") == "true"
    assert page.switch_to.active_element == expires
    assert not page.find_element(By.ID, "key-error").is_displayed()

    # A name longer than the input lets one type (set by script): the name is marked, not the date.
    page.execute_script("arguments[0].value = ''", expires)
    name_input = page.find_element(By.ID, "key-name")
    page.execute_script("arguments[0].value = 'k'.repeat(101)", name_input)
    page.find_element(By.ID, "key-create").click()
    wait_text(page, "key-name-error", "name must be 1 to 100 characters")
    assert name_input.get_attribute("aria-invalid") == "true"
    assert expires.get_attribute("aria-invalid") is None
    assert not page.find_element(By.ID, "key-expires-error").is_displayed()

    _, keys = call(server, "GET", "/api/user/get_api_key", server.owner_key)
    assert [key for key in keys if key["name"] in (name, "k" * 101)] == []
    assert_console_clean(page, allowed_statuses=(400,))


def test_add_a_member_change_their_role_and_remove_them(page, server, owner):
    _, org_id, _ = owner
    email = f"member-{suffix()}@example.com"
    sign_in(page, server.owner_key)
    fill(page, "member-email", email)
    fill(page, "member-name", "Grace")
    Select(page.find_element(By.ID, "member-role")).select_by_value("0")
    page.find_element(By.ID, "member-add").click()
    first_key = read_secret_once(page)
    status, me = call(server, "GET", "/api/auth/me", first_key)
    assert (status, me["email"], me["name"]) == (200, email, "Grace")

    selector = f'#members-body tr[data-email="{email}"]'
    member_row = row(page, selector)
    assert "Grace" in member_row.text
    role_select = Select(member_row.find_element(By.CSS_SELECTOR, '[data-testid="member-role"]'))
    assert role_select.first_selected_option.text == "user"

    # Adding the same address again is the server's 409 about the body's `email`: the form marks
    # its email input rather than showing a general error.
    fill(page, "member-email", email)
    page.find_element(By.ID, "member-add").click()
    wait_text(page, "member-email-error", "already a member")
    assert page.find_element(By.ID, "member-email").get_attribute("aria-invalid") == "true"
    assert not page.find_element(By.ID, "member-error").is_displayed()

    Select(page.find_element(By.CSS_SELECTOR, f'{selector} [data-testid="member-role"]')).select_by_value("1")
    page.find_element(By.CSS_SELECTOR, f'{selector} [data-testid="member-role-save"]').click()
    wait_text(page, "members-list-status", f"{email} is now admin")
    _, members = call(server, "GET", f"/api/organization/users/{org_id}", server.owner_key)
    member = next(m for m in members if m["email"] == email)
    assert member["user_orgs"][0]["role"] == 1
    wait(
        page,
        lambda d: Select(d.find_element(By.CSS_SELECTOR, f'{selector} [data-testid="member-role"]'))
        .first_selected_option.text
        == "admin",
    )

    page.find_element(By.CSS_SELECTOR, f'{selector} [data-testid="member-remove"]').click()
    confirm(page)
    wait(page, lambda d: not d.find_elements(By.CSS_SELECTOR, selector))
    _, members = call(server, "GET", f"/api/organization/users/{org_id}", server.owner_key)
    assert email not in [m["email"] for m in members]
    # The removed user keeps their key.
    assert call(server, "GET", "/api/auth/me", first_key)[0] == 200
    assert_console_clean(page, allowed_statuses=(409,))


def test_upload_download_and_delete_a_file(page, server, owner, downloads, tmp_path):
    owner_id, _, dataset_id = owner
    # A name that would be markup if the page ever used innerHTML.
    name = f"<img src=x onerror=alert(1)> {suffix()}.bin"
    content = bytes(range(256)) * 12
    path = tmp_path / name
    path.write_bytes(content)

    sign_in(page, server.owner_key)
    chosen = Select(page.find_element(By.ID, "data-user")).first_selected_option
    assert chosen.get_attribute("value") == owner_id
    page.find_element(By.ID, "file-input").send_keys(str(path))
    page.find_element(By.ID, "file-upload").click()
    wait_text(page, "upload-status", "Uploaded")
    file_row = wait(
        page,
        lambda d: next(
            (r for r in d.find_elements(By.CSS_SELECTOR, '#files-body [data-testid="file-row"]')
             if r.find_element(By.CSS_SELECTOR, '[data-testid="file-name"]').text == name),
            False,
        ),
    )
    assert file_row.find_element(By.CSS_SELECTOR, '[data-testid="file-size"]').text == "3.0 KiB"
    assert page.find_elements(By.CSS_SELECTOR, "#files-body img") == []

    status, files = call(server, "GET", f"/api/user/files/{owner_id}", server.owner_key, dataset=dataset_id)
    assert status == 200
    stored = next(f for f in files if f["file_name"] == name)
    assert stored["size"] == len(content)
    assert file_row.get_attribute("data-file-id") == stored["id"]

    # Download: the browser saves exactly the uploaded bytes.
    before = set(downloads.iterdir())
    file_row.find_element(By.CSS_SELECTOR, '[data-testid="file-download"]').click()

    def downloaded(_):
        new = [p for p in set(downloads.iterdir()) - before if not p.name.endswith(".crdownload")]
        return new[0] if new and new[0].stat().st_size == len(content) else False

    saved = wait(page, downloaded)
    assert saved.read_bytes() == content

    selector = f'#files-body tr[data-file-id="{stored["id"]}"]'
    page.find_element(By.CSS_SELECTOR, f'{selector} [data-testid="file-delete"]').click()
    confirm(page)
    wait(page, lambda d: not d.find_elements(By.CSS_SELECTOR, selector))
    _, files = call(server, "GET", f"/api/user/files/{owner_id}", server.owner_key, dataset=dataset_id)
    assert stored["id"] not in [f["id"] for f in files]
    assert_console_clean(page)


def test_a_plain_member_sees_a_note_and_the_servers_403(page, server, tmp_path):
    tag = suffix()
    plain = json.loads(
        server.run_cli("user", "add", "--email", f"plain-{tag}@example.com", "--role", "user", "--json")
    )
    sign_in(page, plain["api_key"])
    assert page.find_element(By.ID, "org-role").text == "user"
    assert page.find_element(By.ID, "members-note").is_displayed()
    assert not page.find_element(By.ID, "members-admin").is_displayed()
    users = Select(page.find_element(By.ID, "data-user"))
    assert [o.get_attribute("value") for o in users.options] == [plain["user_id"]]

    # Uploading needs admin: the server's 403 message appears by the upload form.
    path = tmp_path / "notes.txt"
    path.write_text("a paragraph")
    page.find_element(By.ID, "file-input").send_keys(str(path))
    page.find_element(By.ID, "file-upload").click()
    wait_text(page, "upload-error", "This needs the admin role or higher in the organization")
    assert page.find_element(By.ID, "file-upload").is_enabled()
    files_path = f"/api/user/files/{plain['user_id']}"
    _, files = call(server, "GET", files_path, plain["api_key"], dataset=plain["dataset_id"])
    assert files == []

    # Revoking the key in use signs out, saying why.
    page.find_element(By.CSS_SELECTOR, '#keys-body [data-testid="key-revoke"]').click()
    confirm(page)
    wait_visible(page, "signin-view")
    wait_text(page, "signin-error", "refused")
    assert session_key(page) is None
    assert call(server, "GET", "/api/auth/me", plain["api_key"])[0] == 401
    assert_console_clean(page, allowed_statuses=(401, 403))


def allow_listed_modules():
    """The admin page's modules as src/admin.rs serves them (`module!("panels/keys.js")`)."""
    source = (ROOT / "src" / "admin.rs").read_text()
    return {f"/js/{name}" for name in re.findall(r'module!\("([^"]+)"\)', source)}


def test_the_page_runs_only_its_allow_listed_modules(page, server):
    """One script element, the entry module; the scripts the browser fetched are exactly the
    allow-listed modules, all from this server; the old single script is gone."""
    sign_in(page, server.owner_key)
    modules = allow_listed_modules()
    assert "/js/main.js" in modules and len(modules) > 5
    scripts = page.execute_script(
        "return [...document.scripts].map(s => [s.getAttribute('src'), s.type, s.text])"
    )
    assert scripts == [["/js/main.js", "module", ""]]
    fetched = page.execute_script(
        "return performance.getEntriesByType('resource')"
        ".filter(e => e.initiatorType === 'script' || new URL(e.name).pathname.endsWith('.js'))"
        ".map(e => e.name)"
    )
    assert all(url.startswith(server.base + "/js/") for url in fetched), fetched
    assert {url[len(server.base):] for url in fetched} == modules
    assert call(server, "GET", "/app.js", server.owner_key)[0] == 404
    assert_console_clean(page)


def chunk_texts(driver):
    items = driver.find_elements(By.CSS_SELECTOR, '#chunks-list [data-testid="chunk-content"]')
    return [item.text for item in items]


def wait_page(driver, label, first, last):
    wait_text(driver, "chunks-page", label)
    expected = [f"chunk {n}" for n in range(first, last - 1, -1)]
    wait(driver, lambda d: chunk_texts(d) == expected)


def test_page_through_a_users_chunks(page, server, writer):
    sign_in(page, server.owner_key)
    Select(page.find_element(By.ID, "data-user")).select_by_value(writer["user_id"])
    wait_text(page, "chunks-total", "23")
    wait_page(page, "Page 1 of 3", 22, 13)
    assert not page.find_element(By.ID, "chunks-prev").is_enabled()

    page.find_element(By.ID, "chunks-next").click()
    wait_page(page, "Page 2 of 3", 12, 3)
    page.find_element(By.ID, "chunks-next").click()
    wait_page(page, "Page 3 of 3", 2, 0)
    wait(page, lambda d: not d.find_element(By.ID, "chunks-next").is_enabled())
    page.find_element(By.ID, "chunks-prev").click()
    wait_page(page, "Page 2 of 3", 12, 3)
    assert page.find_element(By.ID, "chunks-total").text == "23"
    assert "No files yet" in wait_text(page, "files-empty", "No files yet")
    assert_console_clean(page)


def assert_fits(driver, element_ids):
    """No horizontal overflow of the page, and each control shown within the viewport's width."""
    width = driver.execute_script("return window.innerWidth")
    assert width <= 400
    assert driver.execute_script("return document.documentElement.scrollWidth") <= width
    for element_id in element_ids:
        element = driver.find_element(By.ID, element_id)
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
        assert element.is_displayed(), element_id
        rect = element.rect
        assert rect["x"] >= 0 and rect["x"] + rect["width"] <= width, element_id


def test_phone_width_has_no_horizontal_overflow(page, server, writer):
    page.set_window_size(375, 800)
    try:
        sign_in(page, server.owner_key)
        assert_fits(page, ("signout", "org-select", "dataset-select", "profile-save", "key-create",
                           "member-add", "data-user", "file-input", "file-upload"))
        # Another member's data: 23 chunks, the members table with several rows.
        Select(page.find_element(By.ID, "data-user")).select_by_value(writer["user_id"])
        wait_page(page, "Page 1 of 3", 22, 13)
        assert_fits(page, ("chunks-prev", "chunks-next", "show-mine"))
        assert_console_clean(page)
    finally:
        page.set_window_size(1280, 900)
