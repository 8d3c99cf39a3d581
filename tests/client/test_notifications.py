"""NotificationsApi through trieve-python-client 1.0.0: an upload split into chunks leaves its
uploader a notification naming a collection of those chunks (named after the file); only the
uploader sees and marks it."""

import base64
import time

import pytest
import trieve_python_client as tc
from trieve_python_client.exceptions import ApiException


def upload(client, name, text, create_chunks=True):
    return tc.FileApi(client).upload_file_handler(tc.UploadFileData(
        base64_file=base64.urlsafe_b64encode(text.encode()).decode(), file_name=name,
        file_mime_type="text/plain", create_chunks=create_chunks,
    )).file_metadata


@pytest.fixture()
def dataset(server):
    client = server.client(server.owner_key)
    org_id = tc.AuthApi(client).get_me().orgs[0].id
    made = tc.DatasetApi(client).create_dataset(tc.CreateDatasetRequest(
        dataset_name=f"notes-{time.time_ns()}", organization_id=org_id,
        server_configuration={}, client_configuration={}))
    status, admin = server.call("POST", f"/api/organization/{org_id}/users", server.owner_key,
                                {"email": f"admin-{time.time_ns()}@example.com", "role": 1})
    assert status == 200
    return server.client(server.owner_key, made.id), server.client(admin["api_key"], made.id)


def test_an_upload_split_into_chunks_notifies_its_uploader(dataset):
    owner, admin = dataset
    file = upload(owner, "handbook.txt", "First paragraph.\n\nSecond paragraph.")
    upload(owner, "raw.txt", "kept whole", create_chunks=False)  # not split: no notification

    page = tc.NotificationsApi(owner).get_notifications(1)
    assert isinstance(page, tc.NotificationReturn)
    assert (page.full_count, page.total_pages, len(page.notifications)) == (1, 1, 1)
    note = page.notifications[0].actual_instance
    assert isinstance(note, tc.FileUploadCompletedNotificationWithName)
    assert (note.collection_name, note.user_read) == ("handbook.txt", False)

    # The collection holds the file's chunks, and lists show the file.
    bookmarks = tc.ChunkCollectionApi(owner).get_all_bookmarks(note.collection_uuid, 1)
    assert bookmarks.collection.name == "handbook.txt"
    assert len(bookmarks.bookmarks) >= 1
    assert all(b.metadata[0].file_id == file.id for b in bookmarks.bookmarks)
    mine = tc.ChunkCollectionApi(owner).get_logged_in_user_chunk_collections(1).collections
    assert [(c.id, c.file_id) for c in mine] == [(note.collection_uuid, file.id)]

    # Someone else has none, and cannot mark the uploader's.
    assert tc.NotificationsApi(admin).get_notifications(1).full_count == 0
    with pytest.raises(ApiException) as error:
        tc.NotificationsApi(admin).mark_notification_as_read(
            tc.NotificationId(notification_id=note.id))
    assert error.value.status == 404

    assert tc.NotificationsApi(owner).mark_notification_as_read(
        tc.NotificationId(notification_id=note.id)) is None
    assert tc.NotificationsApi(owner).get_notifications(1).notifications[0].actual_instance.user_read

    # Deleting the file takes its collection (the chunks stay unless asked).
    tc.FileApi(owner).delete_file_handler(file.id)
    with pytest.raises(ApiException) as error:
        tc.ChunkCollectionApi(owner).get_all_bookmarks(note.collection_uuid, 1)
    assert error.value.status == 404


def test_mark_all_read_and_pages(dataset):
    owner, _ = dataset
    for i in range(11):
        upload(owner, f"note-{i}.txt", f"note number {i}")
    api = tc.NotificationsApi(owner)
    first = api.get_notifications(1)
    assert (first.full_count, first.total_pages, len(first.notifications)) == (11, 2, 10)
    assert first.notifications[0].actual_instance.collection_name == "note-10.txt"
    assert [n.actual_instance.collection_name for n in api.get_notifications(2).notifications] \
        == ["note-0.txt"]
    assert api.mark_all_notifications_as_read() is None
    every = api.get_notifications(1).notifications + api.get_notifications(2).notifications
    assert all(n.actual_instance.user_read for n in every)
