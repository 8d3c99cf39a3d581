"""What the admin page's browser tests share: the server over plain HTTP, and waiting on and
driving the page."""

import os
import tempfile
import uuid
from pathlib import Path

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

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
    """(status, parsed JSON or None) of one API request (tests/conftest.py's Server.call)."""
    return server.call(method, path, key, body, dataset, org)


def suffix():
    return uuid.uuid4().hex[:8]


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
