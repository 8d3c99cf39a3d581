"""The admin page's chat panel, in headless Chromium, with the test suite's language model
(tests/fake_chat.py): a question starts a conversation named by the model, the answer streams
in with the dataset's chunk it was given listed as a source, and the conversation can be shown
again from the list."""

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from browser_page import assert_console_clean, call, fill, sign_in, wait
from fake_chat import FakeChatServer

FAKE = FakeChatServer()
SERVER_ARGS = ("--llm-url", FAKE.url, "--llm-model", "fake-chat")


def test_a_question_is_answered_from_the_dataset_and_kept(page, server, owner):
    _, _, dataset_id = owner
    status, created = call(server, "POST", "/api/chunk", server.owner_key,
                           body={"chunk_html": "<p>Herons nest in tall trees</p>"},
                           dataset=dataset_id)
    assert status == 200, created

    sign_in(page, server.owner_key)
    wait(page, lambda d: d.find_element(By.ID, "chat-message").is_enabled())
    fill(page, "chat-message", "Where do herons nest?")
    page.find_element(By.ID, "chat-send").click()
    wait(page, lambda d: "Cited: [1]" in d.find_element(
        By.CSS_SELECTOR, '[data-testid="chat-answer"]').text)
    answer = page.find_element(By.CSS_SELECTOR, '[data-testid="chat-assistant"]')
    assert "Answer to: Where do herons nest? (model fake-chat)" in answer.text
    assert "Herons nest in tall trees" in answer.find_element(By.CLASS_NAME, "chat-sources").text
    topics = Select(page.find_element(By.ID, "chat-topic"))
    assert topics.first_selected_option.text == "Chat about Where"

    # Shown again from the list: the stored question and answer.
    topics.select_by_index(0)
    topics.select_by_visible_text("Chat about Where")
    wait(page, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#chat-messages li")) == 2)
    assert page.find_element(By.CSS_SELECTOR, '[data-testid="chat-user"]').text \
        == "Where do herons nest?"
    assert_console_clean(page)
