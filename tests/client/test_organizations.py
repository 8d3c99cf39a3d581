"""OrganizationApi's create_organization, update_organization and get_organization_usage through
trieve-python-client 1.0.0: any user starts an organization and owns it, owners rename it,
members read what it holds."""

import base64
import json
import time

import pytest
import trieve_python_client as tc
from trieve_python_client.exceptions import ApiException


def unique(prefix):
    return f"{prefix}-{time.time_ns()}"


def test_create_organization_makes_the_caller_its_owner_with_a_default_dataset(server):
    client = server.client(server.owner_key)
    name = unique("acme")
    organization = tc.OrganizationApi(client).create_organization(
        tc.CreateOrganizationData(name=name)
    )
    assert isinstance(organization, tc.Organization)
    assert organization.name == name
    me = tc.AuthApi(client).get_me()
    membership = [o for o in me.user_orgs if o.organization_id == organization.id]
    assert [m.role for m in membership] == [2]
    datasets = tc.DatasetApi(client).get_datasets_from_organization(organization.id)
    assert [d.dataset.name for d in datasets] == ["default"]

    with pytest.raises(ApiException) as taken:
        tc.OrganizationApi(client).create_organization(tc.CreateOrganizationData(name=name))
    assert taken.value.status == 409
    with pytest.raises(ApiException) as empty:
        tc.OrganizationApi(client).create_organization(tc.CreateOrganizationData(name=" "))
    assert empty.value.status == 400


def test_update_organization_renames_for_owners_only(server):
    client = server.client(server.owner_key)
    organization = tc.OrganizationApi(client).create_organization(
        tc.CreateOrganizationData(name=unique("old"))
    )
    new_name = unique("new")
    renamed = tc.OrganizationApi(client).update_organization(
        tc.UpdateOrganizationData(organization_id=organization.id, name=new_name)
    )
    assert (renamed.id, renamed.name) == (organization.id, new_name)
    assert tc.OrganizationApi(client).get_organization_by_id(organization.id).name == new_name
    kept = tc.OrganizationApi(client).update_organization(
        tc.UpdateOrganizationData(organization_id=organization.id)
    )
    assert kept.name == new_name

    # A member who is not an owner is refused, and the name stays.
    status, added = server.call(
        "POST", f"/api/organization/{organization.id}/users", server.owner_key,
        {"email": f"{unique('m')}@example.com", "role": 1},
    )
    assert status == 200
    with pytest.raises(ApiException) as refused:
        tc.OrganizationApi(server.client(added["api_key"])).update_organization(
            tc.UpdateOrganizationData(organization_id=organization.id, name=unique("hijack"))
        )
    assert refused.value.status == 403
    assert tc.OrganizationApi(client).get_organization_by_id(organization.id).name == new_name


def test_get_organization_usage_counts_what_the_organization_holds(server):
    client = server.client(server.owner_key)
    organization = tc.OrganizationApi(client).create_organization(
        tc.CreateOrganizationData(name=unique("usage"))
    )
    usage = tc.OrganizationApi(client).get_organization_usage(organization.id)
    assert isinstance(usage, tc.OrganizationUsageCount)
    assert (usage.org_id, usage.dataset_count, usage.user_count, usage.file_storage) == (
        organization.id, 1, 1, 0)

    dataset = tc.DatasetApi(client).get_datasets_from_organization(organization.id)[0].dataset
    content = b"twelve bytes"
    tc.FileApi(server.client(server.owner_key, dataset.id)).upload_file_handler(
        tc.UploadFileData(
            base64_file=base64.urlsafe_b64encode(content).decode().rstrip("="),
            file_name="note.txt", file_mime_type="text/plain",
        )
    )
    status, _ = server.call("POST", f"/api/organization/{organization.id}/users",
                            server.owner_key, {"email": f"{unique('m')}@example.com", "role": 0})
    assert status == 200
    usage = tc.OrganizationApi(client).get_organization_usage(organization.id)
    assert (usage.dataset_count, usage.user_count, usage.file_storage) == (1, 2, len(content))

    stranger = json.loads(server.run_cli("user", "add", "--email", f"{unique('s')}@example.com",
                                         "--org", unique("elsewhere"), "--role", "owner",
                                         "--json"))
    with pytest.raises(ApiException) as refused:
        tc.OrganizationApi(server.client(stranger["api_key"])).get_organization_usage(
            organization.id)
    assert refused.value.status == 403


def test_health_and_the_members_of_an_organization(server):
    client = server.client(server.owner_key)
    assert tc.HealthApi(client).health_check() is None
    organization = tc.OrganizationApi(client).create_organization(
        tc.CreateOrganizationData(name=unique("members")))
    members = tc.OrganizationApi(client).get_organization_users(organization.id)
    assert [m.email for m in members] == ["admin@localhost"]
    assert [o.role for o in members[0].user_orgs] == [2]
