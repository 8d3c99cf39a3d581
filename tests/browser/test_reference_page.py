"""The API reference page (/api-docs) in headless Chromium: it renders every operation and schema
of the OpenAPI document under the page's CSP, with nothing logged and nothing fetched elsewhere.
The browser is the admin page tests' (conftest.py)."""

import json
import urllib.request

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


def test_the_reference_page_renders_the_whole_document(driver, server):
    with urllib.request.urlopen(server.base + "/api-docs/openapi.json", timeout=10) as response:
        assert response.headers["Content-Type"].startswith("application/json")
        document = json.load(response)
    operations = [
        (method, path) for path, item in document["paths"].items() for method in METHODS if method in item
    ]

    driver.get(server.base + "/api-docs")
    WebDriverWait(driver, 10).until(
        lambda d: d.find_element(By.ID, "reference").get_attribute("aria-busy") is None
    )
    assert not driver.find_element(By.ID, "reference-error").is_displayed()

    cards = driver.find_elements(By.CSS_SELECTOR, "#operations section.card")
    labels = {card.get_attribute("aria-label") for card in cards}
    assert labels == {f"{method.upper()} {path}" for method, path in operations}
    schemas = driver.find_elements(By.CSS_SELECTOR, "#schemas-body > section")
    assert {schema.get_attribute("id") for schema in schemas} == {
        f"schema-{name}" for name in document["components"]["schemas"]
    }
    upload = driver.find_element(By.CSS_SELECTOR, "section[aria-label='POST /api/file']").text
    for text in ("TR-Dataset", "UploadFileData", "413", "Example:"):
        assert text in upload

    # A CSP violation or a failed load is a SEVERE console entry; every resource is this server's.
    assert [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"] == []
    resources = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    assert resources and all(url.startswith(server.base + "/") for url in resources), resources
