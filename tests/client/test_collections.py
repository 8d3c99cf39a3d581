"""ChunkCollectionApi through trieve-python-client 1.0.0, all ten calls: members make
collections of a dataset's chunks and bookmark chunks in them; the author, an admin or an owner
changes one; everyone in the organization reads them; the dataset's search runs within one."""

import json
import time

import pytest
import trieve_python_client as tc
from trieve_python_client.exceptions import ApiException


def unique(prefix):
    return f"{prefix}-{time.time_ns()}"


@pytest.fixture()
def dataset(server):
    """A fresh dataset, and clients in it for its owner and for a member (role 0)."""
    client = server.client(server.owner_key)
    org_id = tc.AuthApi(client).get_me().orgs[0].id
    made = tc.DatasetApi(client).create_dataset(
        tc.CreateDatasetRequest(dataset_name=unique("collections"), organization_id=org_id,
                                server_configuration={}, client_configuration={})
    )
    status, member = server.call("POST", f"/api/organization/{org_id}/users", server.owner_key,
                                 {"email": f"{unique('member')}@example.com", "role": 0})
    assert status == 200
    return {
        "id": made.id,
        "owner": server.client(server.owner_key, made.id),
        "member": server.client(member["api_key"], made.id),
        "member_id": member["user"]["id"],
    }


def chunk(client, html, **fields):
    return tc.ChunkApi(client).create_chunk(
        tc.CreateChunkData(chunk_html=html, **fields)
    ).chunk_metadata


def collection(client, name="Reading list", description="to read again"):
    return tc.ChunkCollectionApi(client).create_chunk_collection(
        tc.CreateChunkCollectionData(name=name, description=description)
    )


def refused(call):
    with pytest.raises(ApiException) as error:
        call()
    return error.value.status, json.loads(error.value.body)["message"]


def test_create_update_and_delete_a_collection(dataset):
    api = tc.ChunkCollectionApi(dataset["owner"])
    made = collection(dataset["owner"])
    assert isinstance(made, tc.ChunkCollection)
    assert (made.name, made.description, made.dataset_id) == (
        "Reading list", "to read again", dataset["id"])

    assert api.update_chunk_collection(
        tc.UpdateChunkCollectionData(collection_id=made.id, name="Renamed")) is None
    page = api.get_all_bookmarks(made.id, 1)
    assert (page.collection.name, page.collection.description) == ("Renamed", "to read again")

    assert refused(lambda: collection(dataset["owner"], name=" "))[0] == 400
    assert refused(lambda: collection(dataset["owner"], name="x" * 201))[0] == 400

    assert api.delete_chunk_collection(made.id) is None
    status, message = refused(lambda: api.get_all_bookmarks(made.id, 1))
    assert status == 404 and "collection" in message


def test_bookmarks_are_added_listed_in_pages_and_removed(dataset):
    owner = dataset["owner"]
    api = tc.ChunkCollectionApi(owner)
    made = collection(owner)
    chunks = [chunk(owner, f"<p>note {i}</p>") for i in range(12)]
    for item in chunks:
        assert api.add_bookmark(made.id, tc.AddChunkToCollectionData(chunk_id=item.id)) is None
    api.add_bookmark(made.id, tc.AddChunkToCollectionData(chunk_id=chunks[0].id))  # twice: fine

    first = api.get_all_bookmarks(made.id, 1)
    assert isinstance(first, tc.BookmarkData)
    assert first.total_pages == 2
    assert [b.metadata[0].id for b in first.bookmarks] == [c.id for c in reversed(chunks)][:10]
    assert api.get_all_bookmarks(made.id, 0).bookmarks[0].metadata[0].id == chunks[-1].id
    second = api.get_all_bookmarks(made.id, 2)
    assert [b.metadata[0].id for b in second.bookmarks] == [chunks[1].id, chunks[0].id]

    assert api.delete_bookmark(made.id, chunks[0].id) is None
    assert refused(lambda: api.delete_bookmark(made.id, chunks[0].id))[0] == 404
    # Deleting a chunk takes it out of its collections.
    tc.ChunkApi(owner).delete_chunk(chunks[1].id)
    left = api.get_all_bookmarks(made.id, 2)
    assert (left.total_pages, left.bookmarks) == (1, [])
    assert len(api.get_all_bookmarks(made.id, 1).bookmarks) == 10

    # A chunk of another dataset, or none, is not bookmarked.
    status, message = refused(lambda: api.add_bookmark(
        made.id, tc.AddChunkToCollectionData(chunk_id="00000000-0000-4000-8000-000000000000")))
    assert status == 404 and "chunk" in message


def test_collection_id_on_chunk_create_bookmarks_the_new_chunk(dataset):
    owner = dataset["owner"]
    made = collection(owner)
    item = chunk(owner, "<p>filed at birth</p>", collection_id=made.id)
    page = tc.ChunkCollectionApi(owner).get_all_bookmarks(made.id, 1)
    assert [b.metadata[0].id for b in page.bookmarks] == [item.id]

    status, _ = refused(lambda: chunk(owner, "<p>nowhere</p>", tracking_id="orphan",
                                      collection_id="00000000-0000-4000-8000-000000000000"))
    assert status == 404
    # Refused whole: the chunk was not created either.
    assert refused(lambda: tc.ChunkApi(owner).get_chunk_by_tracking_id("orphan"))[0] == 404


def test_lists_of_collections_and_the_collections_of_chunks(dataset):
    owner, member = dataset["owner"], dataset["member"]
    mine = [collection(owner, name=f"mine {i}") for i in range(11)]
    theirs = collection(member, name="theirs")
    api = tc.ChunkCollectionApi(owner)

    page = api.get_logged_in_user_chunk_collections(1)
    assert isinstance(page, tc.CollectionData)
    assert page.total_pages == 2
    assert [c.name for c in page.collections] == [f"mine {i}" for i in range(10, 0, -1)]
    assert [c.name for c in api.get_logged_in_user_chunk_collections(2).collections] == ["mine 0"]
    of_member = api.get_specific_user_chunk_collections(dataset["member_id"], 1)
    assert ([c.id for c in of_member.collections], of_member.total_pages) == ([theirs.id], 1)
    assert tc.ChunkCollectionApi(member).get_logged_in_user_chunk_collections(1).collections[0].id \
        == theirs.id

    a, b = chunk(owner, "<p>a</p>"), chunk(owner, "<p>b</p>")
    api.add_bookmark(mine[0].id, tc.AddChunkToCollectionData(chunk_id=a.id))
    tc.ChunkCollectionApi(member).add_bookmark(
        theirs.id, tc.AddChunkToCollectionData(chunk_id=a.id))
    found = api.get_collections_chunk_is_in(tc.GetCollectionsForChunksData(chunk_ids=[a.id, b.id]))
    assert [r.chunk_uuid for r in found] == [a.id]  # b is in none
    slim = {c.id: c for c in found[0].slim_collections}
    assert set(slim) == {mine[0].id, theirs.id}
    assert (slim[mine[0].id].of_current_user, slim[theirs.id].of_current_user) == (True, False)
    status, _ = refused(lambda: api.get_collections_chunk_is_in(
        tc.GetCollectionsForChunksData(chunk_ids=[a.id] * 1001)))
    assert status == 400


def test_only_the_author_or_an_admin_changes_a_collection(dataset):
    owner, member = dataset["owner"], dataset["member"]
    owners = collection(owner)
    theirs = collection(member)
    item = chunk(owner, "<p>shared</p>")
    member_api = tc.ChunkCollectionApi(member)
    for call in (
        lambda: member_api.update_chunk_collection(
            tc.UpdateChunkCollectionData(collection_id=owners.id, name="taken over")),
        lambda: member_api.add_bookmark(owners.id, tc.AddChunkToCollectionData(chunk_id=item.id)),
        lambda: member_api.delete_chunk_collection(owners.id),
    ):
        status, message = refused(call)
        assert status == 403 and "author" in message
    assert member_api.get_all_bookmarks(owners.id, 1).collection.name == "Reading list"
    # Their own, they change; the owner (an admin's role or above) changes anyone's.
    member_api.add_bookmark(theirs.id, tc.AddChunkToCollectionData(chunk_id=item.id))
    tc.ChunkCollectionApi(owner).delete_bookmark(theirs.id, item.id)
    tc.ChunkCollectionApi(owner).delete_chunk_collection(theirs.id)
    assert refused(lambda: member_api.get_all_bookmarks(theirs.id, 1))[0] == 404


def test_search_collections_finds_only_the_collections_chunks(dataset):
    owner = dataset["owner"]
    api = tc.ChunkCollectionApi(owner)
    made = collection(owner)
    inside = [chunk(owner, f"<p>salmon recipe {i}</p>", tag_set="fish") for i in range(12)]
    outside = chunk(owner, "<p>salmon recipe outside</p>")
    for item in inside:
        api.add_bookmark(made.id, tc.AddChunkToCollectionData(chunk_id=item.id))

    found = api.search_collections(tc.SearchCollectionsData(
        collection_id=made.id, query="salmon", search_type="fulltext"))
    assert isinstance(found, tc.SearchCollectionsResult)
    assert (found.collection.id, found.total_pages, len(found.bookmarks)) == (made.id, 2, 10)
    second = api.search_collections(tc.SearchCollectionsData(
        collection_id=made.id, query="salmon", search_type="fulltext", page=2))
    ids = {b.metadata[0].id for b in found.bookmarks + second.bookmarks}
    assert ids == {c.id for c in inside} and outside.id not in ids
    assert "<b>" in found.bookmarks[0].metadata[0].chunk_html
    # Filters apply within the collection.
    none = api.search_collections(tc.SearchCollectionsData(
        collection_id=made.id, query="salmon", search_type="fulltext", tag_set=["meat"]))
    assert (none.bookmarks, none.total_pages) == ([], 0)

    status, _ = refused(lambda: api.search_collections(tc.SearchCollectionsData(
        collection_id="00000000-0000-4000-8000-000000000000", query="salmon",
        search_type="fulltext")))
    assert status == 404
    status, message = refused(lambda: api.search_collections(tc.SearchCollectionsData(
        collection_id=made.id, query="salmon", search_type="semantic")))
    assert status == 400 and "embedding" in message
