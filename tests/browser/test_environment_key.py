"""The owner's key set by ADMIN_API_KEY, as the admin page shows it (issue 11, finding 8): revoked,
it comes back on the next start while the variable is set, and the page says so before it is
revoked."""

from selenium.webdriver.common.by import By

from browser_page import assert_console_clean, call, confirm, row, sign_in, wait_visible

SERVER_ENV = {"ADMIN_API_KEY": "browser-env-owner-key-7f6e5d4c3b2a1908"}


def test_the_key_set_by_the_environment_is_marked_as_such(page, server):
    sign_in(page, server.owner_key)
    _, keys = call(server, "GET", "/api/user/get_api_key", server.owner_key)
    managed = [key for key in keys if key["managed_by_environment"]]
    assert len(managed) == 1, keys

    key_row = row(page, f'#keys-body tr[data-key-id="{managed[0]["id"]}"]')
    note = key_row.find_element(By.CSS_SELECTOR, '[data-testid="key-environment"]')
    assert "ADMIN_API_KEY" in note.text and "restarts" in note.text
    # Revoking it asks with the same warning; cancelled, nothing changes.
    key_row.find_element(By.CSS_SELECTOR, '[data-testid="key-revoke"]').click()
    wait_visible(page, "confirm-dialog")
    assert "ADMIN_API_KEY" in page.find_element(By.ID, "confirm-message").text
    confirm(page, accept=False)
    assert call(server, "GET", "/api/auth/me", server.owner_key)[0] == 200
    assert_console_clean(page)
