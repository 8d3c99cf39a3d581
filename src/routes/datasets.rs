use actix_web::web;
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use crate::auth::Credentials;
use crate::db::{datasets, Database};
use crate::error::{AppError, AppResult};
use crate::extract::Json;
use crate::models::{Dataset, DatasetAndUsage, Role};

const MAX_DATASET_NAME_LEN: usize = 100;

#[derive(Deserialize)]
struct CreateDatasetRequest {
    dataset_name: String,
    organization_id: Uuid,
    server_configuration: Option<Value>,
    client_configuration: Option<Value>,
}

/// `POST /api/dataset`: owners of the organization only.
async fn create_dataset(
    db: web::Data<Database>,
    credentials: Credentials,
    body: Json<CreateDatasetRequest>,
) -> AppResult<web::Json<Dataset>> {
    let request = body.into_inner();
    let name = request.dataset_name.trim().to_string();
    if name.is_empty() || name.chars().count() > MAX_DATASET_NAME_LEN {
        return Err(AppError::BadRequest(format!(
            "dataset_name must be 1 to {MAX_DATASET_NAME_LEN} characters"
        )));
    }
    let configuration = |value: Option<Value>| match value {
        None | Some(Value::Null) => Ok(Value::Object(Default::default())),
        Some(object @ Value::Object(_)) => Ok(object),
        Some(_) => Err(AppError::BadRequest(
            "server_configuration and client_configuration must be JSON objects".into(),
        )),
    };
    let server = configuration(request.server_configuration)?;
    let client = configuration(request.client_configuration)?;
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
