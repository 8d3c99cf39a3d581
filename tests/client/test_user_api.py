"""Every UserApi method and AuthApi.get_me through the real trieve-python-client 1.0.0."""

import base64
import json
import urllib.request
import uuid
from datetime import datetime

import pytest
import trieve_python_client as tc
from trieve_python_client.exceptions import ApiException


def new_id() -> str:
    return str(uuid.uuid4())


NOTES = b"first paragraph\n\nsecond paragraph"


def owner_context(server):
    client = server.client(server.owner_key)
    me = tc.AuthApi(client).get_me()
    dataset = tc.DatasetApi(client).get_datasets_from_organization(me.orgs[0].id)[0].dataset
    return me, dataset.id


def list_keys(server, key):
    request = urllib.request.Request(f"{server.base}/api/user/get_api_key", headers={"Authorization": key})
    with urllib.request.urlopen(request) as response:
        return json.load(response)


def test_get_me_deserializes_as_slim_user(server):
    me, _ = owner_context(server)
    assert isinstance(me, tc.SlimUser)
    assert me.email == "admin@localhost"
    assert me.orgs[0].name == "default"
    assert me.user_orgs[0].role == 2
    assert isinstance(me.user_orgs[0].created_at, datetime)


def test_set_and_delete_user_api_key(server):
    user_api = tc.UserApi(server.client(server.owner_key))
    created = user_api.set_user_api_key(tc.SetUserApiKeyRequest(name="from the client"))
    assert isinstance(created, tc.SetUserApiKeyResponse)
    assert created.api_key.startswith("tr-") and len(created.api_key) == 35

    new_key_client = server.client(created.api_key)
    assert tc.AuthApi(new_key_client).get_me().email == "admin@localhost"

    key_id = next(k["id"] for k in list_keys(server, server.owner_key) if k["name"] == "from the client")
    remaining = user_api.delete_user_api_key(tc.DeleteUserApiKeyRequest(api_key_id=key_id))
    assert all(isinstance(k, tc.ApiKeyDTO) for k in remaining)
    assert key_id not in [k.id for k in remaining]
    with pytest.raises(ApiException) as refused:
        tc.AuthApi(new_key_client).get_me()
    assert refused.value.status == 401
    assert "message" in json.loads(refused.value.body)


def test_deleting_an_unknown_key_raises_404(server):
    user_api = tc.UserApi(server.client(server.owner_key))
    with pytest.raises(ApiException) as missing:
        user_api.delete_user_api_key(tc.DeleteUserApiKeyRequest(api_key_id=new_id()))
    assert missing.value.status == 404


def test_update_user_returns_the_slim_user(server):
    user_api = tc.UserApi(server.client(server.owner_key))
    updated = user_api.update_user(
        tc.UpdateUserData(name="Ada", username="ada-client", website="https://ada.example", visible_email=False)
    )
    assert isinstance(updated, tc.SlimUser)
    assert (updated.name, updated.username, updated.website, updated.visible_email) == (
        "Ada",
        "ada-client",
        "https://ada.example",
        False,
    )
    restored = user_api.update_user(tc.UpdateUserData(visible_email=True))
    assert restored.visible_email is True and restored.username == "ada-client"


def test_an_owner_changes_a_members_role_through_the_client(server):
    added = json.loads(server.run_cli("user", "add", "--email", "member@client.example", "--json"))
    user_api = tc.UserApi(server.client(server.owner_key))
    updated = user_api.update_user(tc.UpdateUserData(user_id=added["user_id"], role=1))
    assert updated.id == added["user_id"]
    assert updated.user_orgs[0].role == 1

    member_api = tc.UserApi(server.client(added["api_key"]))
    with pytest.raises(ApiException) as refused:
        member_api.update_user(tc.UpdateUserData(user_id=updated.id, role=2))
    assert refused.value.status == 403


def test_user_chunks_and_files(server):
    """A member's chunks and files, created through ChunkApi and FileApi, as the user endpoints
    show them: pages of ten, newest first, totals right."""
    added = json.loads(server.run_cli("user", "add", "--email", "writer@client.example", "--role", "admin", "--json"))
    client = server.client(added["api_key"], added["dataset_id"])
    chunk_api, file_api = tc.ChunkApi(client), tc.FileApi(client)
    for i in range(12):
        chunk_api.create_chunk(
            tc.CreateChunkData(chunk_html=f"<p>text {i}</p>", metadata={"i": i}, tracking_id=f"writer-{i}")
        )
    uploaded = file_api.upload_file_handler(
        tc.UploadFileData(
            base64_file=base64.urlsafe_b64encode(NOTES).decode(),
            file_name="notes.txt",
            file_mime_type="text/plain",
            create_chunks=False,
        )
    )
    user_api = tc.UserApi(client)

    first = user_api.get_user_with_chunks_by_id(added["user_id"], 1)
    assert isinstance(first, tc.UserDTOWithChunks)
    assert first.total_chunks_created == 12
    assert [c.content for c in first.chunks][:2] == ["text 11", "text 10"]
    assert len(first.chunks) == 10
    assert first.chunks[0].metadata == {"i": 11}
    assert first.chunks[0].tracking_id == "writer-11"
    second = user_api.get_user_with_chunks_by_id(added["user_id"], 2)
    assert [c.content for c in second.chunks] == ["text 1", "text 0"]
    assert user_api.get_user_with_chunks_by_id(added["user_id"], 3).chunks == []

    with pytest.raises(ApiException) as bad_page:
        user_api.get_user_with_chunks_by_id(added["user_id"], 0)
    assert bad_page.value.status == 400

    files = user_api.get_user_files_handler(added["user_id"])
    assert [f.id for f in files] == [uploaded.file_metadata.id]
    assert isinstance(files[0], tc.File)
    assert files[0].file_name == "notes.txt" and files[0].size == len(NOTES)


def test_chunk_api(server):
    _, dataset_id = owner_context(server)
    chunk_api = tc.ChunkApi(server.client(server.owner_key, dataset_id))
    created = chunk_api.create_chunk(
        tc.CreateChunkData(
            chunk_html="<h1>Fish &amp; chips</h1>",
            tracking_id="client-chunk",
            metadata={"price": 9.5},
            time_stamp="2026-01-31T12:00:00",
            weight=2.0,
        )
    )
    assert isinstance(created, tc.ReturnCreatedChunk)
    assert created.duplicate is False
    chunk = created.chunk_metadata
    assert chunk.content == "Fish & chips"
    assert chunk.time_stamp == datetime.fromisoformat("2026-01-31T12:00:00+00:00")

    assert chunk_api.get_chunk_by_id(chunk.id).tracking_id == "client-chunk"
    assert chunk_api.get_chunk_by_tracking_id("client-chunk").id == chunk.id

    chunk_api.update_chunk(tc.UpdateChunkData(chunk_uuid=chunk.id, chunk_html="<p>Updated</p>"))
    updated = chunk_api.get_chunk_by_id(chunk.id)
    assert updated.content == "Updated"
    assert updated.metadata == {"price": 9.5}
    assert updated.updated_at > chunk.updated_at

    chunk_api.update_chunk_by_tracking_id(tc.UpdateChunkByTrackingIdData(tracking_id="client-chunk", weight=3.0))
    assert chunk_api.get_chunk_by_tracking_id("client-chunk").weight == 3.0

    with pytest.raises(ApiException) as duplicate:
        chunk_api.create_chunk(tc.CreateChunkData(chunk_html="again", tracking_id="client-chunk"))
    assert duplicate.value.status == 409

    assert chunk_api.delete_chunk(chunk.id) is None
    with pytest.raises(ApiException) as gone:
        chunk_api.get_chunk_by_id(chunk.id)
    assert gone.value.status == 404

    chunk_api.create_chunk(tc.CreateChunkData(chunk_html="<p>by tracking id</p>", tracking_id="doomed"))
    assert chunk_api.delete_chunk_by_tracking_id("doomed") is None
    with pytest.raises(ApiException) as gone:
        chunk_api.get_chunk_by_tracking_id("doomed")
    assert gone.value.status == 404


def test_file_api(server):
    _, dataset_id = owner_context(server)
    file_api = tc.FileApi(server.client(server.owner_key, dataset_id))
    payload = bytes(range(256)) * 40
    uploaded = file_api.upload_file_handler(
        tc.UploadFileData(
            base64_file=base64.urlsafe_b64encode(payload).decode().rstrip("="),
            file_name="blob.bin",
            file_mime_type="application/octet-stream",
        )
    )
    assert isinstance(uploaded, tc.UploadFileResult)
    file_id = uploaded.file_metadata.id
    assert uploaded.file_metadata.size == len(payload)

    fetched = file_api.get_file_handler(file_id)
    assert isinstance(fetched, tc.FileDTO)
    assert base64.urlsafe_b64decode(fetched.base64url_content) == payload

    assert file_api.delete_file_handler(file_id) is None
    with pytest.raises(ApiException) as gone:
        file_api.get_file_handler(file_id)
    assert gone.value.status == 404
