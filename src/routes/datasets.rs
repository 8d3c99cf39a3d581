use actix_web::web;
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::Credentials;
use crate::db::{datasets, Database};
use crate::error::{AppError, AppResult, ErrorBody};
use crate::extract::Json;
use crate::models::{Dataset, DatasetAndUsage, Role};
use crate::openapi::{Busy, Internal, OrganizationHeader, Timeout, TooLarge, Unauthorized};

const MAX_DATASET_NAME_LEN: usize = 100;

#[derive(Deserialize, ToSchema)]
struct CreateDatasetRequest {
    /// 1 to 100 characters, unique in the organization.
    dataset_name: String,
    organization_id: Uuid,
    /// A JSON object; `{}` when absent or null.
    #[schema(value_type = Option<Object>)]
    server_configuration: Option<Value>,
    /// A JSON object; `{}` when absent or null.
    #[schema(value_type = Option<Object>)]
    client_configuration: Option<Value>,
}

/// `POST /api/dataset`: owners of the organization only.
#[utoipa::path(
    post,
    path = "/api/dataset",
    tag = "dataset",
    summary = "Create a dataset in an organization",
    security(("ApiKey" = []), ("XApiKey" = [])),
    request_body(
        content = CreateDatasetRequest,
        example = json!({"dataset_name": "docs", "organization_id": "5b0e6f7a-3c2d-4e1f-8a9b-0c1d2e3f4a5b",
            "server_configuration": {}, "client_configuration": {"theme": "dark"}})
    ),
    responses(
        (status = 200, description = "The dataset", body = Dataset,
            links(
                ("Dataset" = (operation_id = "get_dataset", parameters(("dataset_id" = "$response.body#/id")))),
                ("Datasets" = (operation_id = "list_datasets", parameters(("organization_id" = "$response.body#/organization_id")))),
            )
        ),
        (status = 400, description = "An invalid body (name, configurations) or header", body = ErrorBody),
        (status = 401, response = Unauthorized),
        (status = 403, description = "A read-only key, or not an owner of the organization", body = ErrorBody),
        (status = 404, description = "No such organization", body = ErrorBody),
        (status = 408, response = Timeout),
        (status = 413, response = TooLarge),
        (status = 409, description = "The organization has a dataset of that name", body = ErrorBody),
        (status = 500, response = Internal),
        (status = 503, response = Busy),
    )
)]
async fn create_dataset(
    db: web::Data<Database>,
    credentials: Credentials,
    body: Json<CreateDatasetRequest>,
) -> AppResult<web::Json<Dataset>> {
    let request = body.into_inner();
    let name = request.dataset_name.trim().to_string();
    if name.is_empty() || name.chars().count() > MAX_DATASET_NAME_LEN {
        return Err(AppError::invalid(
            "dataset_name",
            format!("dataset_name must be 1 to {MAX_DATASET_NAME_LEN} characters"),
        ));
    }
    let configuration = |field: &'static str, value: Option<Value>| match value {
        None | Some(Value::Null) => Ok(Value::Object(Default::default())),
        Some(object @ Value::Object(_)) => Ok(object),
        Some(_) => Err(AppError::invalid(
            field,
            "server_configuration and client_configuration must be JSON objects",
        )),
    };
    let server = configuration("server_configuration", request.server_configuration)?;
    let client = configuration("client_configuration", request.client_configuration)?;
    db.write(move |tx| {
        let scope = credentials
            .authenticate(tx)?
            .in_organization(tx, &request.organization_id.to_string())?;
        scope.require(Role::Owner)?;
        datasets::insert_dataset(tx, &scope.organization.id, &name, &server, &client)
    })
    .await
    .map(web::Json)
}

/// `GET /api/dataset/{dataset_id}`: members of its organization.
#[utoipa::path(
    get,
    path = "/api/dataset/{dataset_id}",
    tag = "dataset",
    summary = "A dataset",
    security(("ApiKey" = []), ("XApiKey" = [])),
    params(
        ("dataset_id" = Uuid, Path, description = "The dataset's id"),
    ),
    responses(
        (status = 200, description = "The dataset", body = Dataset),
        (status = 400, description = "A malformed dataset_id or header", body = ErrorBody),
        (status = 401, response = Unauthorized),
        (status = 403, description = "Not a member of the dataset's organization", body = ErrorBody),
        (status = 404, description = "No such dataset", body = ErrorBody),
        (status = 500, response = Internal),
        (status = 503, response = Busy),
    )
)]
async fn get_dataset(
    db: web::Data<Database>,
    credentials: Credentials,
    path: web::Path<Uuid>,
) -> AppResult<web::Json<Dataset>> {
    let dataset_id = path.into_inner().to_string();
    db.read(move |conn| {
        let scope = credentials
            .authenticate(conn)?
            .in_dataset(conn, &dataset_id)?;
        Ok(scope.dataset)
    })
    .await
    .map(web::Json)
}

/// `GET /api/dataset/organization/{organization_id}`: members of the organization.
#[utoipa::path(
    get,
    path = "/api/dataset/organization/{organization_id}",
    tag = "dataset",
    summary = "An organization's datasets, with their chunk counts",
    security(("ApiKey" = []), ("XApiKey" = [])),
    params(
        ("organization_id" = Uuid, Path, description = "The organization's id"),
        OrganizationHeader,
    ),
    responses(
        (status = 200, description = "The datasets", body = Vec<DatasetAndUsage>),
        (status = 400, description = "A malformed organization_id or header", body = ErrorBody),
        (status = 401, response = Unauthorized),
        (status = 403, description = "Not a member of the organization", body = ErrorBody),
        (status = 404, description = "No such organization", body = ErrorBody),
        (status = 500, response = Internal),
        (status = 503, response = Busy),
    )
)]
async fn list_datasets(
    db: web::Data<Database>,
    credentials: Credentials,
    path: web::Path<Uuid>,
) -> AppResult<web::Json<Vec<DatasetAndUsage>>> {
    let organization_id = path.into_inner().to_string();
    db.read(move |conn| {
        let scope = credentials
            .authenticate(conn)?
            .in_organization(conn, &organization_id)?;
        datasets::list_datasets_with_usage(conn, &scope.organization.id)
    })
    .await
    .map(web::Json)
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/dataset").route(web::post().to(create_dataset)))
        .service(
            web::resource("/api/dataset/organization/{organization_id}")
                .route(web::get().to(list_datasets)),
        )
        .service(web::resource("/api/dataset/{dataset_id}").route(web::get().to(get_dataset)));
}
