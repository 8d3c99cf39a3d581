"""DatasetApi's update_dataset, delete_dataset and get_client_dataset_config through
trieve-python-client 1.0.0: owners change and delete datasets (everything in them goes, the
organization's last one stays), members read the client configuration."""

import json
import time

import pytest
import trieve_python_client as tc
from trieve_python_client.exceptions import ApiException


@pytest.fixture()
def owner(server):
    client = server.client(server.owner_key)
    org_id = tc.AuthApi(client).get_me().orgs[0].id
    return client, org_id


def new_dataset(client, org_id, configuration=None):
    return tc.DatasetApi(client).create_dataset(
        tc.CreateDatasetRequest(
            dataset_name=f"ds-{time.time_ns()}",
            organization_id=org_id,
            server_configuration={},
            client_configuration=configuration or {},
        )
    )


def test_update_dataset_changes_what_it_names(owner):
    client, org_id = owner
    dataset = new_dataset(client, org_id, {"SHOW_GITHUB_STARS": False})
    updated = tc.DatasetApi(client).update_dataset(
        tc.UpdateDatasetRequest(dataset_id=dataset.id, dataset_name=f"{dataset.name}-renamed")
    )
    assert isinstance(updated, tc.Dataset)
    assert updated.name == f"{dataset.name}-renamed"
    assert updated.client_configuration == {"SHOW_GITHUB_STARS": False}  # not named: kept
    updated = tc.DatasetApi(client).update_dataset(
        tc.UpdateDatasetRequest(dataset_id=dataset.id, server_configuration={"k": 1})
    )
    assert (updated.name, updated.server_configuration) == (f"{dataset.name}-renamed", {"k": 1})
    with pytest.raises(ApiException) as refused:
        tc.DatasetApi(client).update_dataset(
            tc.UpdateDatasetRequest(dataset_id=dataset.id, dataset_name="default")
        )
    assert refused.value.status == 409


def test_get_client_dataset_config_reads_the_client_configuration(server, owner):
    client, org_id = owner
    dataset = new_dataset(
        client, org_id, {"CREATE_CHUNK_FEATURE": True, "SEARCH_QUERIES": "fish", "theme": "dark"}
    )
    config = tc.DatasetApi(server.client(server.owner_key, dataset.id)).get_client_dataset_config()
    assert isinstance(config, tc.ClientDatasetConfiguration)
    assert (config.create_chunk_feature, config.search_queries) == (True, "fish")


def test_delete_dataset_takes_everything_in_it_and_spares_the_last(server, owner):
    client, org_id = owner
    dataset = new_dataset(client, org_id)
    in_dataset = server.client(server.owner_key, dataset.id)
    chunk = tc.ChunkApi(in_dataset).create_chunk(
        tc.CreateChunkData(chunk_html="<p>doomed fish</p>", chunk_vector=[0.5, 0.5])
    ).chunk_metadata
    assert tc.DatasetApi(client).delete_dataset(tc.DeleteDatasetRequest(dataset_id=dataset.id)) is None
    with pytest.raises(ApiException) as gone:
        tc.DatasetApi(client).get_dataset(dataset.id)
    assert gone.value.status == 404
    with pytest.raises(ApiException) as gone:
        tc.ChunkApi(in_dataset).get_chunk_by_id(chunk.id)
    assert gone.value.status == 404

    # An organization of one dataset keeps it.
    solo = json.loads(
        server.run_cli("user", "add", "--email", f"solo-{time.time_ns()}@example.com", "--org",
                       f"solo-{time.time_ns()}", "--role", "owner", "--json")
    )
    with pytest.raises(ApiException) as last:
        tc.DatasetApi(server.client(solo["api_key"])).delete_dataset(
            tc.DeleteDatasetRequest(dataset_id=solo["dataset_id"])
        )
    assert last.value.status == 409
    assert "last dataset" in last.value.body
