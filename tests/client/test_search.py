"""ChunkApi.search_chunk and ChunkApi.get_recommended_chunks through the real
trieve-python-client 1.0.0: the answers deserialize, and the search rules hold as the client
sends them (its `[{}, {}]` for time_range and weights means "not given")."""

import pytest
import trieve_python_client as tc
from trieve_python_client.exceptions import ApiException


@pytest.fixture(scope="module")
def chunk_api(server):
    client = server.client(server.owner_key)
    me = tc.AuthApi(client).get_me()
    dataset_id = tc.DatasetApi(client).get_datasets_from_organization(me.orgs[0].id)[0].dataset.id
    api = tc.ChunkApi(server.client(server.owner_key, dataset_id))
    texts = [
        ("<p>Sourdough bread needs a lively starter</p>", ["bread"], 1.0),
        ("<p>Baking sourdough loaves at home</p>", ["bread", "home"], 1.0),
        ("<p>The weather is sunny today</p>", ["weather"], 1.0),
        ("<p>Café crème and croissants</p>", ["breakfast"], 2.0),
    ]
    ids = []
    for html, tags, weight in texts:
        created = api.create_chunk(tc.CreateChunkData(chunk_html=html, tag_set=",".join(tags), weight=weight))
        ids.append(created.chunk_metadata.id)
    return api, ids


def search(api, query, **fields):
    return api.search_chunk(tc.SearchChunkData(query=query, search_type="fulltext", **fields))


def test_search_chunk_deserializes_with_scores_pages_and_highlights(chunk_api):
    api, _ = chunk_api
    found = search(api, "sourdough")
    assert isinstance(found, tc.SearchChunkQueryResponseBody)
    assert found.total_chunk_pages == 1
    assert len(found.score_chunks) == 2
    for hit in found.score_chunks:
        assert isinstance(hit, tc.ScoreChunkDTO)
        assert hit.score > 0
        assert "<b>sourdough</b>" in hit.metadata[0].chunk_html.lower()
        assert "<b>" not in hit.metadata[0].content
    assert found.score_chunks[0].score >= found.score_chunks[1].score


def test_the_clients_empty_time_range_and_weights_mean_not_given(chunk_api):
    api, _ = chunk_api
    empty = [tc.SearchChunkDataTimeRangeInner(), tc.SearchChunkDataTimeRangeInner()]
    weights = [tc.SearchChunkDataWeightsInner(), tc.SearchChunkDataWeightsInner()]
    found = search(api, "sourdough", time_range=empty, weights=weights, page=0, date_bias=True)
    assert len(found.score_chunks) == 2


def test_filters_typos_diacritics_and_exclusions_through_the_client(chunk_api):
    api, _ = chunk_api
    assert [h.metadata[0].content for h in search(api, "sourdough", tag_set=["HOME"]).score_chunks] == [
        "Baking sourdough loaves at home"
    ]
    assert [h.metadata[0].content for h in search(api, "sourdouhg ").score_chunks] != []
    assert search(api, "cafe creme").score_chunks[0].metadata[0].content == "Café crème and croissants"
    assert [h.metadata[0].content for h in search(api, "sourdough -starter").score_chunks] == [
        "Baking sourdough loaves at home"
    ]


def test_semantic_search_is_a_clear_400(chunk_api):
    api, _ = chunk_api
    with pytest.raises(ApiException) as refused:
        api.search_chunk(tc.SearchChunkData(query="bread", search_type="semantic"))
    assert refused.value.status == 400
    assert "fulltext" in refused.value.body


def test_get_recommended_chunks_excludes_the_positives(chunk_api):
    api, ids = chunk_api
    similar = api.get_recommended_chunks(tc.RecommendChunksRequest(positive_chunk_ids=[ids[0]]))
    assert all(isinstance(chunk, tc.ChunkMetadataWithFileData) for chunk in similar)
    assert similar[0].id == ids[1]
    assert ids[0] not in [chunk.id for chunk in similar]
    with pytest.raises(ApiException) as unknown:
        api.get_recommended_chunks(
            tc.RecommendChunksRequest(positive_chunk_ids=["00000000-0000-4000-8000-000000000000"])
        )
    assert unknown.value.status == 404
