//! Trieve's `DatasetApi`: `/api/dataset`.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi};

use super::Db;
use crate::domain::datasets::{
    self, CreateDatasetRequest, DatasetChanges, DeleteDatasetRequest, NewDataset,
    UpdateDatasetRequest,
};
use crate::domain::error::AppResult;
use crate::domain::grants::{DatasetOwner, DatasetReader, OrgMember, OrgOwner, Write};
use crate::http::auth::Auth;
use crate::http::extract::Json;
use crate::http::openapi::{DatasetHeader, JsonBody, OrganizationHeader, OrganizationPath};
use crate::http::v1;
use crate::http::v1::datasets::Dataset;
use crate::http::v1::datasets::DatasetAndUsage;
use crate::types::ids::{DatasetId, OrganizationId};

#[derive(OpenApi)]
#[openapi(paths(
    create_dataset,
    update_dataset,
    delete_dataset,
    client_configuration,
    get_dataset,
    list_datasets
))]
pub struct DatasetApi;

pub fn configure(cfg: &mut web::ServiceConfig) {
    // Literal paths before `/{dataset_id}`, which would take them for an id.
    cfg.service(
        web::resource("")
            .route(web::post().to(create_dataset))
            .route(web::put().to(update_dataset))
            .route(web::delete().to(delete_dataset)),
    )
    .service(web::resource("/envs").route(web::get().to(client_configuration)))
    .service(web::resource("/organization/{organization_id}").route(web::get().to(list_datasets)))
    .service(web::resource("/{dataset_id}").route(web::get().to(get_dataset)));
}

crate::error_responses! {
    DatasetNameTaken => 409 "The organization has a dataset of that name";
    NameTakenOrLast => 409 "The organization has a dataset of that name, or (deleting) this is its last dataset";
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
struct DatasetPath {
    /// The dataset's id.
    dataset_id: DatasetId,
}

/// Create a dataset in an organization
///
/// Owners of the organization only.
#[utoipa::path(post, path = "", request_body = CreateDatasetRequest, responses(
    (status = 200, description = "The dataset", body = Dataset, links(
        ("Dataset" = (operation_id = "get_dataset", parameters(("dataset_id" = "$response.body#/id")))),
        ("Datasets" = (operation_id = "list_datasets", parameters(("organization_id" = "$response.body#/organization_id")))))),
    Write<OrgOwner>, JsonBody, DatasetNameTaken))]
async fn create_dataset(
    db: Db,
    auth: Auth<Write<OrgOwner>>,
    body: Json<CreateDatasetRequest>,
) -> AppResult<web::Json<Dataset>> {
    let request = body.into_inner();
    let organization_id = OrganizationId::from(request.organization_id);
    let new = NewDataset::parse(request)?;
    auth.write_in(&db, organization_id, move |tx, owner| {
        datasets::create_dataset(tx, &owner, new)
    })
    .await
    .map(v1::json)
}

/// Change a dataset's name or configurations
///
/// Owners of its organization. What the request leaves out (or sends as null) stays.
#[utoipa::path(put, path = "", request_body = UpdateDatasetRequest, responses(
    (status = 200, description = "The dataset as changed", body = Dataset),
    Write<DatasetOwner>, JsonBody, DatasetNameTaken))]
async fn update_dataset(
    db: Db,
    auth: Auth<Write<DatasetOwner>>,
    body: Json<UpdateDatasetRequest>,
) -> AppResult<web::Json<Dataset>> {
    let request = body.into_inner();
    let dataset_id = DatasetId::from(request.dataset_id);
    let changes = DatasetChanges::parse(request)?;
    auth.write_in(&db, dataset_id, move |tx, owner| {
        datasets::update_dataset(tx, &owner, changes)
    })
    .await
    .map(v1::json)
}

/// Delete a dataset with everything in it
///
/// Owners of its organization. Its chunks, their vectors, its files: all gone in one
/// transaction. Not the organization's last dataset (409): create another first.
#[utoipa::path(delete, path = "", request_body = DeleteDatasetRequest, responses(
    (status = 204, description = "Deleted"), Write<DatasetOwner>, JsonBody, NameTakenOrLast))]
async fn delete_dataset(
    db: Db,
    auth: Auth<Write<DatasetOwner>>,
    body: Json<DeleteDatasetRequest>,
) -> AppResult<HttpResponse> {
    let dataset_id = DatasetId::from(body.into_inner().dataset_id);
    // A dataset of a million chunks is a long transaction: the light writes queued meanwhile
    // are not held behind it.
    auth.write_heavy_in(&db, dataset_id, |tx, owner| {
        datasets::delete_dataset(tx, &owner)
    })
    .await?;
    db.vectors().forget(dataset_id);
    Ok(HttpResponse::NoContent().finish())
}

/// The dataset's client configuration
///
/// Members of its organization: the dataset's `client_configuration` (its keys of Trieve's
/// `ClientDatasetConfiguration` when they have their type there, and any others).
#[utoipa::path(get, path = "/envs", params(DatasetHeader), responses(
    (status = 200, description = "The client configuration", body = Object), DatasetReader))]
async fn client_configuration(
    db: Db,
    auth: Auth<DatasetReader>,
) -> AppResult<web::Json<serde_json::Value>> {
    auth.read(&db, |conn, reader| {
        datasets::client_configuration(conn, &reader)
    })
    .await
    .map(web::Json)
}

/// A dataset
///
/// Members of its organization.
#[utoipa::path(get, path = "/{dataset_id}", params(DatasetPath),
    responses((status = 200, description = "The dataset", body = Dataset), DatasetReader))]
async fn get_dataset(
    db: Db,
    auth: Auth<DatasetReader>,
    path: web::Path<DatasetPath>,
) -> AppResult<web::Json<Dataset>> {
    auth.read_in(&db, path.dataset_id, |conn, reader| {
        datasets::get_dataset(conn, &reader)
    })
    .await
    .map(v1::json)
}

/// An organization's datasets, with their chunk counts
///
/// Members of the organization.
#[utoipa::path(get, path = "/organization/{organization_id}", params(OrganizationPath, OrganizationHeader),
    responses((status = 200, description = "The datasets", body = Vec<DatasetAndUsage>), OrgMember))]
async fn list_datasets(
    db: Db,
    auth: Auth<OrgMember>,
    path: web::Path<OrganizationPath>,
) -> AppResult<web::Json<Vec<DatasetAndUsage>>> {
    auth.read_in(&db, path.organization_id, |conn, member| {
        datasets::list_datasets(conn, &member)
    })
    .await
    .map(v1::json_each)
}
