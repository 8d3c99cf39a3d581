"""Vectors the client sends (`CreateChunkData.chunk_vector`) through trieve-python-client 1.0.0:
stored, given a point id, checked for length, and used by get_recommended_chunks."""

import pytest
import trieve_python_client as tc
from trieve_python_client.exceptions import ApiException


@pytest.fixture(scope="module")
def chunk_api(server):
    client = server.client(server.owner_key)
    me = tc.AuthApi(client).get_me()
    dataset_id = tc.DatasetApi(client).get_datasets_from_organization(me.orgs[0].id)[0].dataset.id
    return tc.ChunkApi(server.client(server.owner_key, dataset_id))


def test_chunk_vectors_are_stored_and_recommend_follows_them(chunk_api):
    created = {}
    for html, vector in [
        ("<p>north</p>", [0.0, 1.0, 0.0]),
        ("<p>north by east</p>", [0.2, 1.0, 0.0]),
        ("<p>east</p>", [1.0, 0.1, 0.0]),
        ("<p>up</p>", [0.0, 0.0, 1.0]),
    ]:
        chunk = chunk_api.create_chunk(tc.CreateChunkData(chunk_html=html, chunk_vector=vector)).chunk_metadata
        assert chunk.qdrant_point_id == chunk.id
        created[chunk.content] = chunk.id
    with pytest.raises(ApiException) as refused:
        chunk_api.create_chunk(tc.CreateChunkData(chunk_html="<p>flat</p>", chunk_vector=[1.0, 0.0]))
    assert refused.value.status == 400
    assert "chunk_vector" in refused.value.body

    found = chunk_api.get_recommended_chunks(tc.RecommendChunksRequest(positive_chunk_ids=[created["north"]]))
    assert [chunk.content for chunk in found] == ["north by east", "east", "up"]
    assert all(isinstance(chunk, tc.ChunkMetadataWithFileData) for chunk in found)
    assert found[0].qdrant_point_id == created["north by east"]
