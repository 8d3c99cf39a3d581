"""FileApi.get_image_file through trieve-python-client 1.0.0: an image upload of the dataset,
by its file name, served with its type and the download's safety headers."""

import base64
import time
import urllib.request

import pytest
import trieve_python_client as tc
from trieve_python_client.exceptions import ApiException

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def upload(client, name, content, mime):
    return tc.FileApi(client).upload_file_handler(tc.UploadFileData(
        base64_file=base64.urlsafe_b64encode(content).decode(), file_name=name,
        file_mime_type=mime, create_chunks=False,
    )).file_metadata


def test_get_image_file_serves_the_newest_image_of_that_name(server):
    client = server.client(server.owner_key)
    me = tc.AuthApi(client).get_me()
    dataset = tc.DatasetApi(client).get_datasets_from_organization(me.orgs[0].id)[0].dataset
    in_dataset = server.client(server.owner_key, dataset.id)
    name = f"logo-{time.time_ns()}.png"
    upload(in_dataset, name, b"an older logo", "image/png")
    upload(in_dataset, name, PNG, "image/png")
    upload(in_dataset, f"{name}.txt", b"not an image", "text/plain")

    assert tc.FileApi(in_dataset).get_image_file(name) is None  # the client reads no model
    request = urllib.request.Request(f"{server.base}/api/image/{name}", headers={
        "Authorization": server.owner_key, "TR-Dataset": dataset.id})
    with urllib.request.urlopen(request) as response:
        assert response.read() == PNG
        assert response.headers["Content-Type"] == "image/png"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Security-Policy"] == "sandbox"

    for missing in (f"{name}.txt", "nothing.png"):
        with pytest.raises(ApiException) as error:
            tc.FileApi(in_dataset).get_image_file(missing)
        assert error.value.status == 404
    # Another dataset's members do not see it.
    other = tc.DatasetApi(client).create_dataset(tc.CreateDatasetRequest(
        dataset_name=f"other-{time.time_ns()}", organization_id=me.orgs[0].id,
        server_configuration={}, client_configuration={}))
    with pytest.raises(ApiException) as error:
        tc.FileApi(server.client(server.owner_key, other.id)).get_image_file(name)
    assert error.value.status == 404
