"""The admin page in headless Chromium: signing in, the profile, keys and members.

Every flow checks both what the page shows and what the server then holds (over HTTP), and that
the browser logged no error on the way. Chromium logs a failed fetch (any 4xx) as a SEVERE
"network" entry; a flow that provokes a server error on purpose allows exactly those statuses.
"""

import json

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from browser_page import (
    call,
    suffix,
    wait,
    wait_visible,
    wait_text,
    fill,
    assert_console_clean,
    sign_in,
    session_key,
    row,
    confirm,
    read_secret_once,
)


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
