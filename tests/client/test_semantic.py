"""Semantic and hybrid search through trieve-python-client 1.0.0, with vectors from an
embedding server (the fake one in tests/fake_openai.py, which gives "kitten" and "feline" the
same direction): chunks acknowledged at once and embedded in the background, the embedding
server's outages and wrong answers survived without a 500, a lost chunk or a bad vector, and a
restart resuming the backlog."""

import json
import time
import urllib.request

import pytest
import trieve_python_client as tc
from trieve_python_client.exceptions import ApiException

from fake_openai import TOO_LONG, FakeEmbeddingServer

FAKE = FakeEmbeddingServer()
API_KEY = "sk-fake-embedding-key-5d8a0c"
SERVER_ARGS = (
    "--embedding-url", FAKE.url,
    "--embedding-model", "fake-embed",
    "--embedding-timeout-secs", "2",
)
SERVER_ENV = {"TRIEVE_EMBEDDING_API_KEY": API_KEY}


def wait_until(check, timeout=20.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out waiting")


@pytest.fixture()
def api(server):
    """A fresh dataset's ChunkApi, the fake server answering well."""
    FAKE.mode = "ok"
    client = server.client(server.owner_key)
    me = tc.AuthApi(client).get_me()
    dataset = tc.DatasetApi(client).create_dataset(
        tc.CreateDatasetRequest(
            dataset_name=f"semantic-{time.time_ns()}",
            organization_id=me.orgs[0].id,
            server_configuration={},
            client_configuration={},
        )
    )
    return tc.ChunkApi(server.client(server.owner_key, dataset.id))


def create(api, html, **fields):
    return api.create_chunk(tc.CreateChunkData(chunk_html=html, **fields)).chunk_metadata


def embedded(api, chunk_id):
    return api.get_chunk_by_id(chunk_id).qdrant_point_id == chunk_id


def search(api, query, search_type, **fields):
    return api.search_chunk(tc.SearchChunkData(query=query, search_type=search_type, **fields))


def metrics(server) -> dict:
    request = urllib.request.Request(f"{server.base}/metrics", headers={"Authorization": server.owner_key})
    text = urllib.request.urlopen(request, timeout=10).read().decode()
    return {
        line.split()[0]: float(line.split()[1])
        for line in text.splitlines()
        if line.startswith("trieve_lite_embedding")
    }


def test_chunks_are_embedded_in_the_background_and_found_by_meaning(api, server):
    cat = create(api, "<p>A small <b>feline</b> sleeps on the sofa</p>", tag_set="pets")
    dog = create(api, "<p>The puppy chews a shoe</p>", tag_set="pets")
    car = create(api, "<p>An automobile with a loud engine</p>", tag_set="garage")
    bread = create(api, "<p>Sourdough loaves from the bakery</p>")
    for chunk in (cat, dog, car, bread):
        wait_until(lambda: embedded(api, chunk.id))

    found = search(api, "kitten", "semantic")
    assert found.score_chunks[0].metadata[0].id == cat.id  # no word in common
    assert all(result.score > 0 for result in found.score_chunks)
    assert found.total_chunk_pages == 1
    assert [r.metadata[0].id for r in search(api, "puppy", "semantic", tag_set=["garage"]).score_chunks] == [car.id]
    assert search(api, "kitten", "semantic", page=2).score_chunks == []
    assert search(api, "kitten", "semantic", date_bias=True).score_chunks[0].metadata[0].id == cat.id

    # The key went to the embedding server as a bearer token, and never into the log.
    assert f"Bearer {API_KEY}" in FAKE.authorizations
    assert API_KEY not in server.log_text()


def test_hybrid_fuses_both_lists_and_highlights_the_words(api, server):
    words = create(api, "<p>kitten mittens for sale</p>")
    meaning = create(api, "<p>felines purr when content</p>")
    create(api, "<p>a vehicle on the road</p>")
    for chunk in (words, meaning):
        wait_until(lambda: embedded(api, chunk.id))
    found = search(api, "kitten", "hybrid")
    ids = [r.metadata[0].id for r in found.score_chunks]
    assert ids[:2] == [words.id, meaning.id]  # in both lists, then in the semantic one
    assert "<b>kitten</b>" in found.score_chunks[0].metadata[0].chunk_html
    assert found.total_chunk_pages == 1
    # Weights [semantic, fulltext] as numbers (the 1.0.0 client can only send `{}`): full text
    # alone finds only the words.
    request = urllib.request.Request(
        f"{server.base}/api/chunk/search",
        data=json.dumps({"query": "kitten", "search_type": "hybrid", "weights": [0, 1]}).encode(),
        headers={
            "Authorization": server.owner_key,
            "TR-Dataset": words.dataset_id,
            "Content-Type": "application/json",
        },
    )
    only_words = json.loads(urllib.request.urlopen(request, timeout=10).read())
    assert [r["metadata"][0]["id"] for r in only_words["score_chunks"]] == [words.id]


def test_search_collections_by_meaning_finds_only_the_collections_chunks(api):
    collections = tc.ChunkCollectionApi(api.api_client)
    shelf = collections.create_chunk_collection(
        tc.CreateChunkCollectionData(name="shelf", description=""))
    cat = create(api, "<p>A small feline sleeps</p>", collection_id=shelf.id)
    car = create(api, "<p>An automobile with a loud engine</p>", collection_id=shelf.id)
    other_cat = create(api, "<p>A feline outside the collection</p>")
    for chunk in (cat, car, other_cat):
        wait_until(lambda: embedded(api, chunk.id))

    for kind in ("semantic", "hybrid"):
        found = collections.search_collections(tc.SearchCollectionsData(
            collection_id=shelf.id, query="kitten", search_type=kind))
        ids = [b.metadata[0].id for b in found.bookmarks]
        assert ids[0] == cat.id, kind
        assert set(ids) == {cat.id, car.id}, kind
        assert found.total_pages == 1


def test_updates_re_embed_and_recommend_uses_the_vectors(api):
    chunk = create(api, "<p>a dog in the park</p>")
    other = create(api, "<p>kittens and cats</p>")
    wait_until(lambda: embedded(api, chunk.id) and embedded(api, other.id))
    api.update_chunk(tc.UpdateChunkData(chunk_uuid=chunk.id, chunk_html="<p>a feline in the park</p>"))
    wait_until(lambda: embedded(api, chunk.id))
    assert search(api, "cat", "semantic").score_chunks[0].metadata[0].id in (chunk.id, other.id)
    similar = api.get_recommended_chunks(tc.RecommendChunksRequest(positive_chunk_ids=[other.id]))
    assert similar[0].id == chunk.id


def test_an_outage_delays_vectors_loses_nothing_and_survives_a_restart(api, server):
    FAKE.mode = "down"
    created = [create(api, f"<p>dog number {i} barks</p>") for i in range(5)]
    with pytest.raises(ApiException) as refused:
        search(api, "dog", "semantic")
    assert refused.value.status == 503
    message = json.loads(refused.value.body)["message"]
    assert "fulltext" in message and FAKE.url not in message
    wait_until(lambda: metrics(server).get("trieve_lite_embedding_failing") == 1)
    assert metrics(server)["trieve_lite_embedding_backlog_chunks"] >= 5
    assert not any(embedded(api, chunk.id) for chunk in created)

    # Down across a restart: the backlog is in the database, not in memory.
    FAKE.stop()
    server.restart()
    api = tc.ChunkApi(server.client(server.owner_key, created[0].dataset_id))
    time.sleep(1.5)
    assert not any(embedded(api, chunk.id) for chunk in created)
    FAKE.restart()
    FAKE.mode = "ok"
    for chunk in created:
        wait_until(lambda: embedded(api, chunk.id), timeout=40)
    assert wait_until(lambda: metrics(server)["trieve_lite_embedding_backlog_chunks"] == 0, timeout=40)
    assert metrics(server)["trieve_lite_embedding_failing"] == 0
    assert len(search(api, "puppy", "semantic").score_chunks) == 5
    log = server.log_text()
    # The embedder's failure once per outage and start, not once per retry.
    assert log.count("chunks wait for their vectors") <= 2
    # The failed search's cause is in the log, not in its answer.
    assert "embedding a query" in log
    assert API_KEY not in log


@pytest.mark.parametrize("mode", ["nan", "short", "count", "garbage", "slow"])
def test_wrong_answers_are_a_clear_error_and_never_a_stored_vector(api, server, mode):
    first = create(api, "<p>a bicycle</p>")
    wait_until(lambda: embedded(api, first.id))
    FAKE.mode, FAKE.delay = mode, 3.0
    chunk = create(api, f"<p>a car for the {mode} test</p>")
    with pytest.raises(ApiException) as refused:
        search(api, "car", "semantic")
    assert refused.value.status in (502, 503), refused.value.body
    assert json.loads(refused.value.body)["message"]
    time.sleep(0.5)
    assert api.get_chunk_by_id(chunk.id).qdrant_point_id != chunk.id
    FAKE.mode = "ok"
    # Good again: the chunk gets its vector (once its back-off is over).
    wait_until(lambda: embedded(api, chunk.id), timeout=70)
    assert search(api, "vehicle", "semantic").score_chunks[0].metadata[0].id == chunk.id


def test_a_text_the_server_refuses_is_set_aside_and_holds_up_no_other(api, server):
    set_aside = metrics(server)["trieve_lite_embedding_chunks_set_aside_total"]
    before = create(api, "<p>a dog before</p>")
    refused = create(api, f"<p>{TOO_LONG}</p>")
    after = create(api, "<p>a car after</p>")
    for chunk in (before, after):
        wait_until(lambda: embedded(api, chunk.id), timeout=40)
    assert not embedded(api, refused.id)
    assert metrics(server)["trieve_lite_embedding_chunks_set_aside_total"] == set_aside + 1
    assert search(api, "vehicle", "semantic").score_chunks[0].metadata[0].id == after.id


def test_a_dataset_of_vectors_of_another_length_is_a_clear_error(api):
    chunk = create(api, "<p>three numbers</p>", chunk_vector=[0.1, 0.2, 0.3])
    with pytest.raises(ApiException) as refused:
        search(api, "three", "semantic")
    assert refused.value.status == 502
    message = json.loads(refused.value.body)["message"]
    assert "32" in message and "3" in message
    # The client's vector was kept, not replaced by the server's.
    assert search(api, "three", "fulltext").score_chunks[0].metadata[0].qdrant_point_id == chunk.id
