"""The admin page's search box in headless Chromium: hits with their highlights and scores, paging,
a hostile chunk's HTML shown as text, the server's message for a refused query, no stale answer,
and the search following the dataset selector.

Every flow checks what the page shows against what the server answers over HTTP, and that the
browser logged no error on the way (a flow that provokes a 400 on purpose allows exactly that).
"""

import pytest
from selenium.common.exceptions import NoAlertPresentException, TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

from browser_page import (
    assert_console_clean,
    call,
    fill,
    sign_in,
    suffix,
    wait,
    wait_settled,
    wait_text,
)

SALMON_CHUNKS = 13  # two pages of hits: 10 and 3
# Markup that must never become elements of the page: the server stores it as the chunk's HTML,
# and highlights "kraken" inside it.
HOSTILE_HTML = (
    '<p title="a>b" onmouseover="window.pwned = 3">kraken <img src=x onerror=alert(1)>'
    "<script>if (1<window.x) {} window.pwned = 1</script> &lt;img src=x onerror=alert(1)&gt;</p>"
    '<p><b onclick="window.pwned = 2" class="evil">deep</b>  <a href="javascript:alert(2)">sea</a>'
    "<!-- <img src=x onerror=alert(4)> --><style>p { color: red }</style></p>"
)
# HTML of every shape a chunk may hold, a query that finds it (None: none can) and the words its
# hit shows in bold. Each hit must read on the page as the server's `content`.
ODD_HTML = [
    ("plain text, no markup", "plain", ["plain"]),
    ("<h1>Title</h1><ul><li>one</li><li>two <em>three</em></li></ul>"
     "<table><tr><td>a</td><td>b</td></tr></table>", "three", ["three"]),
    ("a<br>b<br/>c<hr>d", "d", ["d"]),
    ("Fish &amp; chips &eacute;t&eacute; &#x263A; &nbsp;x 1 < 2 <3 > 0", "chips", ["chips"]),
    # The server reads tags as a browser does: the `'` of it's is part of an unquoted value.
    ("<a title=it's>text</a> <!doctype html><?php echo 1 ?>after</ odd>end", "text", ["text"]),
    # The server marks no word in a textarea: the hit has no <b>, and shows as its content.
    ("<textarea><img src=x onerror=alert(1)> &amp; kept</textarea> and <title>hidden</title> shown",
     "kept", []),
    ("<script>never <b>closed", None, []),
    ("<noscript><img src=x onerror=alert(1)>hidden</noscript><template><b>hidden</b></template>shown",
     "shown", ["shown"]),
    ("<svg><style><img src=x onerror=alert(1)></style><text>vector</text></svg> after",
     "vector", ["vector"]),
    ("<o:p>word</o:p> <p =x onclick=y>z</p ><b\n class='a'\n>bold</b\n> <!-->a<!--->b<!---->c",
     "bold", ["bold"]),
    ("<div>\n  indented\n    <span>inline</span>\n</div>", "indented", ["indented"]),
    # Whole words only: "ice" is not bold in "price".
    ("<p>The ice, the price, the Ice</p>", "ice", ["ice", "Ice"]),
    # A bare <b> of the chunk's own counts as a highlight; its references decoded, as text.
    ("<p><b>&lt;img src=x onerror=alert(1)&gt;</b> fish &amp; chips</p>", "fish",
     ["<img src=x onerror=alert(1)>", "fish"]),
]


@pytest.fixture(scope="module")
def chunks(server, owner):
    """The chunks seeded into the owner's default dataset, by id."""
    _, _, dataset_id = owner
    bodies = [
        {
            "chunk_html": f"<h3>Salmon {n}</h3>\n  <p>Wild <em>salmon</em> run, number {n}.</p>",
            "tracking_id": f"salmon-{n}",
        }
        for n in range(SALMON_CHUNKS)
    ]
    bodies += [
        {"chunk_html": HOSTILE_HTML, "tracking_id": "hostile"},
        {"chunk_html": "<p>A walrus on the ice</p>", "tracking_id": "walrus"},
        {"chunk_html": "<p>A narwhal under the ice</p>", "tracking_id": "narwhal"},
    ]
    stored = {}
    for body in bodies:
        status, created = call(server, "POST", "/api/chunk", server.owner_key, body=body, dataset=dataset_id)
        assert status == 200, created
        stored[created["chunk_metadata"]["id"]] = created["chunk_metadata"]
    return stored


@pytest.fixture(scope="module")
def other_dataset(server, owner):
    """A second dataset of the owner's organization, without chunks."""
    _, org_id, _ = owner
    body = {"dataset_name": f"ocean-{suffix()}", "organization_id": org_id}
    status, dataset = call(server, "POST", "/api/dataset", server.owner_key, body=body, org=org_id)
    assert status == 200, dataset
    return dataset["id"]


def id_of(chunks, tracking_id):
    return next(cid for cid, chunk in chunks.items() if chunk["tracking_id"] == tracking_id)


def search_api(server, key, dataset_id, query, page=1):
    body = {"query": query, "search_type": "fulltext", "page": page}
    return call(server, "POST", "/api/chunk/search", key, body=body, dataset=dataset_id)


def search(driver, query, enter=True):
    """Types `query` into the search box; Enter searches at once, else the pause in typing does."""
    fill(driver, "search-query", query)
    if enter:
        driver.find_element(By.ID, "search-query").send_keys(Keys.ENTER)


def shown_hits(driver):
    """[(chunk id, text, score label, score title, [highlighted words])] of the results shown."""
    return driver.execute_script(
        """
        return [...document.querySelectorAll('#search-list [data-testid="search-result"]')].map(
          (item) => {
            const content = item.querySelector('[data-testid="search-content"]');
            const score = item.querySelector('[data-testid="search-score"]');
            return [item.dataset.chunkId, content.textContent, score.textContent, score.title,
                    [...content.querySelectorAll('b')].map((b) => b.textContent)];
          });
        """
    )


def wait_hits(driver, label, ids):
    """Until the page shows "Page N of M" `label` and exactly the hits `ids`, in that order."""
    wait_text(driver, "search-page", label)
    wait(driver, lambda d: [hit[0] for hit in shown_hits(d)] == ids)
    wait_settled(driver)
    return shown_hits(driver)


def ids_of(answer):
    return [hit["metadata"][0]["id"] for hit in answer["score_chunks"]]


def test_hits_show_their_highlights_and_scores_and_page_by_ten(page, server, owner, chunks):
    _, _, dataset_id = owner
    _, first = search_api(server, server.owner_key, dataset_id, "salmon")
    _, second = search_api(server, server.owner_key, dataset_id, "salmon", page=2)
    assert first["total_chunk_pages"] == 2
    assert (len(first["score_chunks"]), len(second["score_chunks"])) == (10, SALMON_CHUNKS - 10)

    sign_in(page, server.owner_key)
    assert page.find_element(By.ID, "search-results").is_displayed() is False
    search(page, "salmon", enter=False)  # searched once typing pauses
    hits = wait_hits(page, "Page 1 of 2", ids_of(first))
    for (chunk_id, text, label, title, highlighted), answer in zip(hits, first["score_chunks"]):
        # The text reads as the chunk's content; the matched words (both cases) are in <b>.
        assert text == chunks[chunk_id]["content"]
        assert [word.lower() for word in highlighted] == ["salmon", "salmon"]
        assert label.startswith("score ") and label != "score "
        assert float(title) == pytest.approx(answer["score"])
    assert page.find_element(By.ID, "search-list").get_attribute("start") == "1"
    assert not page.find_element(By.ID, "search-prev").is_enabled()

    page.find_element(By.ID, "search-next").click()
    hits = wait_hits(page, "Page 2 of 2", ids_of(second))
    assert page.find_element(By.ID, "search-list").get_attribute("start") == "11"
    assert not page.find_element(By.ID, "search-next").is_enabled()
    salmon = {cid for cid, chunk in chunks.items() if chunk["tracking_id"].startswith("salmon-")}
    assert set(ids_of(first)) | set(ids_of(second)) == salmon

    page.find_element(By.ID, "search-prev").click()
    wait_hits(page, "Page 1 of 2", ids_of(first))

    # Searching again starts from page 1.
    page.find_element(By.ID, "search-next").click()
    wait_hits(page, "Page 2 of 2", ids_of(second))
    page.find_element(By.ID, "search-submit").click()
    wait_hits(page, "Page 1 of 2", ids_of(first))
    assert_console_clean(page)


def test_without_an_embedding_server_only_words_can_be_searched(page, server, chunks):
    sign_in(page, server.owner_key)
    wait(page, lambda d: "--embedding-url" in d.find_element(By.ID, "search-vectors").text)
    choices = Select(page.find_element(By.ID, "search-type"))
    assert choices.first_selected_option.get_attribute("value") == "fulltext"
    assert [option.is_enabled() for option in choices.options] == [True, False, False]
    assert_console_clean(page)


def test_a_hostile_chunk_html_is_shown_as_text(page, server, chunks):
    hostile = id_of(chunks, "hostile")
    sign_in(page, server.owner_key)
    search(page, "kraken")
    [(_, text, _, _, highlighted)] = wait_hits(page, "Page 1 of 1", [hostile])

    assert text == "kraken <img src=x onerror=alert(1)> deep sea" == chunks[hostile]["content"]
    # The matched word only: the chunk's own <b onclick class> is not a highlight.
    assert highlighted == ["kraken"]
    # Only bare <b> elements of the page's own making: no image, script, link or attribute.
    elements = page.execute_script(
        "return [...document.querySelectorAll('#search-list [data-testid=\"search-content\"] *')]"
        ".map((node) => [node.localName, node.attributes.length])"
    )
    assert elements == [["b", 0]]
    assert page.find_elements(By.CSS_SELECTOR, "#search img, #search script, #search a") == []
    assert page.execute_script("return window.pwned === undefined")
    with pytest.raises(TimeoutException):
        wait(page, EC.alert_is_present(), timeout=1)
    with pytest.raises(NoAlertPresentException):
        page.switch_to.alert.text
    assert_console_clean(page)


def test_a_hit_of_any_shape_reads_as_the_chunks_content(page, server, owner):
    """The page's rendering of a search hit, run on the server's hit for each of ODD_HTML in the
    page itself: the text the server stored as `content`, the matched words in bare <b> elements
    and nothing else, and not one CSP report."""
    _, _, dataset_id = owner
    hits = []
    for html, query, _ in ODD_HTML:
        status, created = call(server, "POST", "/api/chunk", server.owner_key,
                               body={"chunk_html": html}, dataset=dataset_id)
        assert status == 200, created
        chunk = created["chunk_metadata"]
        if query:
            status, answer = search_api(server, server.owner_key, dataset_id, query)
            assert status == 200, answer
            [chunk] = [hit["metadata"][0] for hit in answer["score_chunks"]
                       if hit["metadata"][0]["id"] == chunk["id"]]
        hits.append(chunk)

    sign_in(page, server.owner_key)
    read = page.execute_async_script(
        """
        const [hits, done] = arguments;
        import('/js/chunk-view.js').then(({ highlightedContent }) => done(hits.map((hit) => {
          const node = document.createElement('p');
          node.append(highlightedContent(hit));
          return [node.textContent,
                  [...node.querySelectorAll('*')].map((e) => [e.localName, e.attributes.length]),
                  [...node.querySelectorAll('b')].map((b) => b.textContent)];
        })));
        """,
        hits,
    )
    for (html, _, bold), hit, (text, elements, highlighted) in zip(ODD_HTML, hits, read):
        assert text == hit["content"], html
        assert all(element == ["b", 0] for element in elements), html
        assert highlighted == bold, html
    assert page.execute_script("return window.pwned === undefined")
    with pytest.raises(TimeoutException):
        wait(page, EC.alert_is_present(), timeout=1)
    assert_console_clean(page)


def test_a_refused_query_shows_the_servers_message(page, server, owner, chunks):
    _, _, dataset_id = owner
    status, refused = search_api(server, server.owner_key, dataset_id, "-only")
    assert status == 400 and refused["field"] == "query"

    sign_in(page, server.owner_key)
    search(page, "salmon")
    wait_text(page, "search-page", "Page 1 of 2")
    search(page, "-only")
    assert wait_text(page, "search-error", refused["message"]) == refused["message"]
    wait(page, lambda d: not d.find_element(By.ID, "search-results").is_displayed())
    assert shown_hits(page) == []

    # The next search clears the message.
    search(page, "walrus")
    wait_hits(page, "Page 1 of 1", [id_of(chunks, "walrus")])
    assert not page.find_element(By.ID, "search-error").is_displayed()
    assert_console_clean(page, allowed_statuses=(400,))


def test_a_slow_answer_to_an_earlier_query_never_replaces_a_later_one(page, server, chunks):
    narwhal = id_of(chunks, "narwhal")
    sign_in(page, server.owner_key)
    # The server's answer to "walrus" reaches the page 1.5 s late.
    page.execute_script(
        """
        const realFetch = window.fetch;
        window.fetch = (url, init) => {
          const body = init && typeof init.body === 'string' ? JSON.parse(init.body) : {};
          if (body.query !== 'walrus') return realFetch(url, init);
          return new Promise((resolve) => setTimeout(resolve, 1500))
            .then(() => realFetch(url, init))
            .finally(() => { window.slowAnswered = true; });
        };
        """
    )
    search(page, "walrus")
    search(page, "narwhal")
    wait_hits(page, "Page 1 of 1", [narwhal])
    wait(page, lambda d: d.execute_script("return window.slowAnswered === true"))
    wait_settled(page)
    assert [hit[0] for hit in shown_hits(page)] == [narwhal]
    assert page.find_element(By.ID, "search-status").text == ""
    assert_console_clean(page)


def test_the_search_follows_the_chosen_dataset(page, server, owner, chunks, other_dataset):
    _, _, dataset_id = owner
    sign_in(page, server.owner_key)
    search(page, "salmon")
    wait_text(page, "search-page", "Page 1 of 2")

    # Another dataset: the results and the query are gone; its own search finds none of them.
    Select(page.find_element(By.ID, "dataset-select")).select_by_value(other_dataset)
    wait(page, lambda d: not d.find_element(By.ID, "search-results").is_displayed())
    assert page.find_element(By.ID, "search-query").get_attribute("value") == ""
    assert shown_hits(page) == []
    search(page, "salmon")
    empty = wait_text(page, "search-empty", "No chunk")
    assert empty == "No chunk of this dataset matches “salmon”."
    assert shown_hits(page) == []
    _, answer = search_api(server, server.owner_key, other_dataset, "salmon")
    assert answer == {"score_chunks": [], "total_chunk_pages": 0}

    Select(page.find_element(By.ID, "dataset-select")).select_by_value(dataset_id)
    wait(page, lambda d: not d.find_element(By.ID, "search-results").is_displayed())
    assert_console_clean(page)


def test_a_read_only_key_searches_too(page, server, chunks):
    status, created = call(server, "POST", "/api/user/set_api_key", server.owner_key,
                           body={"name": f"reader-{suffix()}", "role": 0})
    assert status == 200
    narwhal = id_of(chunks, "narwhal")
    sign_in(page, created["api_key"])
    search(page, "narwhal")
    [(_, text, _, _, highlighted)] = wait_hits(page, "Page 1 of 1", [narwhal])
    assert (text, highlighted) == ("A narwhal under the ice", ["narwhal"])
    assert_console_clean(page)
