//! Trieve's `DatasetApi`: `/api/dataset`.

use actix_web::web;
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi};

use super::Db;
use crate::auth::Auth;
use crate::domain::datasets::{self, CreateDatasetRequest, NewDataset};
use crate::domain::grants::{DatasetReader, OrgMember, OrgOwner, Write};
use crate::domain::ids::{DatasetId, OrganizationId};
use crate::error::AppResult;
use crate::extract::Json;
use crate::models::{Dataset, DatasetAndUsage};
use crate::openapi::{JsonBody, OrganizationHeader, OrganizationPath};

#[derive(OpenApi)]
#[openapi(paths(create_dataset, get_dataset, list_datasets))]
pub struct DatasetApi;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("").route(web::post().to(create_dataset)))
        .service(
            web::resource("/organization/{organization_id}").route(web::get().to(list_datasets)),
        )
        .service(web::resource("/{dataset_id}").route(web::get().to(get_dataset)));
}

crate::error_responses! {
    DatasetNameTaken => 409 "The organization has a dataset of that name";
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
    .map(web::Json)
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
    .map(web::Json)
}
