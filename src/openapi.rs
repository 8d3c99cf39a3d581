//! The API's OpenAPI 3.1 document, generated from the handlers' `#[utoipa::path]` annotations and
//! the models' `ToSchema` derives, served at `/api-docs/openapi.json`. The readable reference
//! page that renders it (`/api-docs`) is one of the admin page's embedded assets.

use std::borrow::Cow;
use std::sync::OnceLock;

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use utoipa::openapi::schema::{KnownFormat, SchemaFormat};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::openapi::{
    AllOfBuilder, ContentBuilder, ObjectBuilder, Ref, RefOr, ResponseBuilder, Type,
};
use utoipa::{IntoParams, Modify, OpenApi, PartialSchema, ToResponse, ToSchema};
use uuid::Uuid;

use crate::content::ChunkUpdate;
use crate::error::ErrorBody;
use crate::routes::{auth, chunks, datasets, files, health, metrics, organizations, users};

/// Names of the security schemes; the handlers' `security(...)` name them too.
const API_KEY: &str = "ApiKey";
const X_API_KEY: &str = "XApiKey";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "trieve-lite",
        description = "A Trieve-compatible server in one executable, backed by one SQLite file.\n\n\
            Every error is a JSON object `{\"message\": \"...\"}` (`DefaultError`) with its status. \
            Authenticate with an API key in `Authorization` (raw or `Bearer <key>`) or in `x-api-key`. \
            A `TR-Dataset` or `TR-Organization` header, wherever it is sent, must be a UUID (400 otherwise). \
            A read-only key (role 0) may only GET; anything else is a 403."
    ),
    paths(
        health::health,
        auth::me,
        users::set_api_key,
        users::delete_api_key,
        users::get_api_keys,
        users::update_user,
        users::user_files,
        users::user_with_chunks,
        chunks::create_chunk,
        chunks::update_chunk_by_id,
        chunks::get_chunk_by_tracking_id,
        chunks::delete_chunk_by_tracking_id,
        chunks::update_chunk_by_tracking_id,
        chunks::get_chunk_by_id,
        chunks::delete_chunk_by_id,
        files::upload_file,
        files::get_file,
        files::download_file,
        files::delete_file,
        datasets::create_dataset,
        datasets::get_dataset,
        datasets::list_datasets,
        organizations::get_organization,
        organizations::list_members,
        organizations::add_member,
        organizations::remove_member,
        metrics::metrics,
        openapi_json,
    ),
    components(
        schemas(ErrorBody),
        responses(Unauthorized, Timeout, TooLarge, Internal, Busy)
    ),
    modifiers(&SecuritySchemes, &CamelCaseLinks),
    tags(
        (name = "health", description = "Liveness; no key needed"),
        (name = "auth", description = "The caller"),
        (name = "user", description = "Trieve's UserApi: keys, profiles and a user's data"),
        (name = "chunk", description = "Trieve's ChunkApi, in the TR-Dataset"),
        (name = "file", description = "Trieve's FileApi, in the TR-Dataset"),
        (name = "dataset", description = "Trieve's DatasetApi"),
        (name = "organization", description = "Trieve's OrganizationApi and trieve-lite's member management"),
        (name = "meta", description = "Metrics and this document"),
    )
)]
pub struct ApiDoc;

/// The two ways to present a key; either one is enough.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            API_KEY,
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Authorization",
                "An API key (`tr-` and 32 alphanumerics), raw or as `Bearer <key>`",
            ))),
        );
        components.add_security_scheme(
            X_API_KEY,
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "x-api-key",
                "The same key, in `x-api-key` instead of `Authorization`",
            ))),
        );
    }
}

/// utoipa 5 writes a Link object's fields in snake_case (`operation_id`, `request_body`), where
/// OpenAPI names them `operationId` and `requestBody`: move them to the link's extensions, which
/// are written under the names given.
struct CamelCaseLinks;

impl Modify for CamelCaseLinks {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let operations = openapi.paths.paths.values_mut().flat_map(|item| {
            [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.options,
                &mut item.head,
                &mut item.patch,
                &mut item.trace,
            ]
            .into_iter()
            .flatten()
        });
        for operation in operations {
            for response in operation.responses.responses.values_mut() {
                let RefOr::T(response) = response else {
                    continue;
                };
                for link in response.links.values_mut() {
                    let RefOr::T(link) = link else {
                        continue;
                    };
                    let extensions = link.extensions.get_or_insert_with(Default::default);
                    if !link.operation_id.is_empty() {
                        let id = std::mem::take(&mut link.operation_id);
                        extensions.insert("operationId".into(), id.into());
                    }
                    if !link.operation_ref.is_empty() {
                        let reference = std::mem::take(&mut link.operation_ref);
                        extensions.insert("operationRef".into(), reference.into());
                    }
                    if let Some(body) = link.request_body.take() {
                        extensions.insert("requestBody".into(), body);
                    }
                }
            }
        }
    }
}

/// Every error body: `{"message": "..."}`, named as Trieve's client names it.
impl PartialSchema for ErrorBody<'_> {
    fn schema() -> RefOr<utoipa::openapi::schema::Schema> {
        ObjectBuilder::new()
            .property(
                "message",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .description(Some("What went wrong, for a person to read")),
            )
            .property(
                "field",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .description(Some(
                        "The request body's field the error is about, when it is about one",
                    )),
            )
            .required("message")
            .description(Some("Every error the API answers with"))
            .into()
    }
}

impl ToSchema for ErrorBody<'_> {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("DefaultError")
    }
}

/// Reusable error responses, each a `DefaultError` body.
macro_rules! error_responses {
    ($($name:ident => $description:literal,)*) => {$(
        pub struct $name;

        impl<'r> ToResponse<'r> for $name {
            fn response() -> (&'r str, RefOr<utoipa::openapi::Response>) {
                (stringify!($name), error_response($description).into())
            }
        }
    )*};
}

error_responses! {
    Unauthorized => "No API key, or one that is malformed, unknown, revoked or expired",
    Timeout => "The request body took too long to arrive",
    TooLarge => "The request body is over its limit (1 MiB; a file upload, the upload limit)",
    Internal => "Internal server error; the detail is only in the server's log",
    Busy => "The database is busy; try again",
}

/// A response with a `DefaultError` body and this description.
fn error_response(description: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name(<ErrorBody as ToSchema>::name())))
                .build(),
        )
        .build()
}

/// `ChunkUpdate` with one field required and not null: the two chunk updates name the chunk
/// differently. Named as Trieve's client names the two bodies.
macro_rules! chunk_update_body {
    ($name:ident, $field:literal, $format:expr, $description:literal) => {
        #[doc = $description]
        pub struct $name;

        impl PartialSchema for $name {
            fn schema() -> RefOr<utoipa::openapi::schema::Schema> {
                let field = ObjectBuilder::new()
                    .schema_type(Type::String)
                    .format($format);
                AllOfBuilder::new()
                    .item(Ref::from_schema_name(<ChunkUpdate as ToSchema>::name()))
                    .item(
                        ObjectBuilder::new()
                            .property($field, field)
                            .required($field),
                    )
                    .description(Some($description))
                    .into()
            }
        }

        impl ToSchema for $name {
            fn schemas(schemas: &mut Vec<(String, RefOr<utoipa::openapi::schema::Schema>)>) {
                schemas.push((
                    <ChunkUpdate as ToSchema>::name().into(),
                    <ChunkUpdate as PartialSchema>::schema(),
                ));
                <ChunkUpdate as ToSchema>::schemas(schemas);
            }
        }
    };
}

chunk_update_body!(
    UpdateChunkData,
    "chunk_uuid",
    Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)),
    "A chunk update by id: `chunk_uuid` names the chunk; `tracking_id`, if sent, is its new tracking id."
);
chunk_update_body!(
    UpdateChunkByTrackingIdData,
    "tracking_id",
    None,
    "A chunk update by tracking id: `tracking_id` names the chunk."
);

/// Raw bytes of any type: a file's download.
pub struct Binary;

impl PartialSchema for Binary {
    fn schema() -> RefOr<utoipa::openapi::schema::Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .into()
    }
}

impl ToSchema for Binary {}

/// `TR-Dataset`: the dataset a chunk, file or user-data request acts in.
#[derive(IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub struct DatasetHeader {
    /// The dataset to act in; the caller must be a member of its organization. Missing or not a
    /// UUID: 400.
    #[param(rename = "TR-Dataset")]
    tr_dataset: Uuid,
}

/// `TR-Dataset` where it only names an organization, optional.
#[derive(IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub struct OptionalDatasetHeader {
    /// Names the organization by one of its datasets when TR-Organization is absent. Not a
    /// UUID: 400.
    #[param(rename = "TR-Dataset", required = false)]
    tr_dataset: Uuid,
}

/// `TR-Organization`, optional.
#[derive(IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub struct OrganizationHeader {
    /// The organization to act in. Not a UUID: 400.
    #[param(rename = "TR-Organization", required = false)]
    tr_organization: Uuid,
}

/// The document as JSON.
pub fn document() -> String {
    ApiDoc::openapi()
        .to_json()
        .expect("the OpenAPI document serializes")
}

/// `GET /api-docs/openapi.json`: this document.
#[utoipa::path(
    get,
    path = "/api-docs/openapi.json",
    tag = "meta",
    summary = "This OpenAPI document",
    responses((status = 200, description = "This OpenAPI document", body = Object))
)]
async fn openapi_json() -> HttpResponse {
    static DOCUMENT: OnceLock<String> = OnceLock::new();
    let document = DOCUMENT.get_or_init(document);
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(document.as_str())
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api-docs/openapi.json").route(web::get().to(openapi_json)));
}
