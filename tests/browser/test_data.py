"""The admin page in headless Chromium: a user's chunks and files, the served modules, the
screenshot and a phone-width layout (the search box has tests/browser/test_search_box.py).

Every flow checks both what the page shows and what the server then holds (over HTTP), and that
the browser logged no error on the way. Chromium logs a failed fetch (any 4xx) as a SEVERE
"network" entry; a flow that provokes a server error on purpose allows exactly those statuses.
"""

import base64
import re

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from browser_page import (
    ROOT,
    SCREENSHOT,
    call,
    fill,
    suffix,
    wait,
    wait_text,
    assert_console_clean,
    sign_in,
    wait_settled,
    confirm,
)


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

    # Download: the browser saves exactly the uploaded bytes. The page's blob URLs (on its own
    # origin) are recorded: each must be plain bytes, and revoked once used.
    page.execute_script(
        """
        window.blobsMade = [];
        const create = URL.createObjectURL.bind(URL);
        const revoke = URL.revokeObjectURL.bind(URL);
        URL.createObjectURL = (blob) => {
          const url = create(blob);
          window.blobsMade.push({ url, type: blob.type, revoked: false });
          return url;
        };
        URL.revokeObjectURL = (url) => {
          for (const made of window.blobsMade) if (made.url === url) made.revoked = true;
          revoke(url);
        };
        """
    )
    before = set(downloads.iterdir())
    file_row.find_element(By.CSS_SELECTOR, '[data-testid="file-download"]').click()

    def downloaded(_):
        new = [p for p in set(downloads.iterdir()) - before if not p.name.endswith(".crdownload")]
        return new[0] if new and new[0].stat().st_size == len(content) else False

    saved = wait(page, downloaded)
    assert saved.read_bytes() == content
    made = wait(
        page,
        lambda d: d.execute_script(
            "return window.blobsMade.length && window.blobsMade.every((b) => b.revoked)"
            " ? window.blobsMade : null"
        ),
    )
    assert [b["type"] for b in made] == ["application/octet-stream"]

    selector = f'#files-body tr[data-file-id="{stored["id"]}"]'
    page.find_element(By.CSS_SELECTOR, f'{selector} [data-testid="file-delete"]').click()
    confirm(page)
    wait(page, lambda d: not d.find_elements(By.CSS_SELECTOR, selector))
    _, files = call(server, "GET", f"/api/user/files/{owner_id}", server.owner_key, dataset=dataset_id)
    assert stored["id"] not in [f["id"] for f in files]
    assert_console_clean(page)


def allow_listed_modules():
    """The admin page's modules as src/http/admin.rs serves them (`module!("panels/keys.js")`)."""
    source = (ROOT / "src" / "http" / "admin.rs").read_text()
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
        assert_fits(page, ("signout", "org-select", "dataset-select", "search-query", "search-submit",
                           "profile-save", "key-create", "member-add", "data-user", "file-input",
                           "file-upload"))
        # Another member's data: 23 chunks, the members table with several rows.
        Select(page.find_element(By.ID, "data-user")).select_by_value(writer["user_id"])
        wait_page(page, "Page 1 of 3", 22, 13)
        assert_fits(page, ("chunks-prev", "chunks-next", "show-mine"))
        # Search results, several pages of them.
        fill(page, "search-query", "chunk")
        page.find_element(By.ID, "search-submit").click()
        wait_text(page, "search-page", "Page 1 of 3")
        assert_fits(page, ("search-list", "search-prev", "search-next"))
        assert_console_clean(page)
    finally:
        page.set_window_size(1280, 900)
