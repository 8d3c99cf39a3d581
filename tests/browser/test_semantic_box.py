"""The admin page's search box by meaning, in headless Chromium, with the test suite's embedding
server (tests/fake_openai.py: "kitten" and "feline" point the same way): the choices of search
are enabled, the backlog line names the model, and a semantic search finds a chunk that shares
no word with the query. (test_search_box.py checks the box without an embedding server.)"""

import time

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from browser_page import assert_console_clean, call, sign_in, wait, wait_text
from fake_openai import FakeEmbeddingServer

FAKE = FakeEmbeddingServer()
SERVER_ARGS = ("--embedding-url", FAKE.url, "--embedding-model", "fake-embed")


def test_searching_by_meaning_finds_what_shares_no_word(page, server, owner):
    _, _, dataset_id = owner
    ids = {}
    for html in ["<p>A feline naps in the sun</p>", "<p>An engine roars</p>"]:
        status, created = call(server, "POST", "/api/chunk", server.owner_key,
                               body={"chunk_html": html}, dataset=dataset_id)
        assert status == 200, created
        ids[html] = created["chunk_metadata"]["id"]
    deadline = time.time() + 20
    while call(server, "GET", "/api/embedding", server.owner_key)[1]["backlog"] > 0:
        assert time.time() < deadline, "the chunks were never embedded"
        time.sleep(0.2)

    sign_in(page, server.owner_key)
    wait(page, lambda d: "Vectors from fake-embed" in d.find_element(By.ID, "search-vectors").text)
    assert "0 chunks wait" in page.find_element(By.ID, "search-vectors").text
    choices = Select(page.find_element(By.ID, "search-type"))
    assert all(option.is_enabled() for option in choices.options)
    choices.select_by_value("semantic")
    page.find_element(By.ID, "search-query").send_keys("kitten\n")
    wait_text(page, "search-page", "Page 1 of 1")
    first = page.find_element(By.CSS_SELECTOR, '#search-list [data-testid="search-result"]')
    assert first.get_attribute("data-chunk-id") == ids["<p>A feline naps in the sun</p>"]
    assert_console_clean(page)
