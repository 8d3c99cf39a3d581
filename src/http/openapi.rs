//! The pieces of the OpenAPI document that every routes file shares: the error body, the error
//! responses each grant brings, the scope headers and the security schemes. The document itself
//! is assembled in `routes/mod.rs` from each resource's own piece; this module knows no route.

use std::borrow::Cow;
use std::collections::BTreeMap;

use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::openapi::{ContentBuilder, ObjectBuilder, Ref, RefOr, Response, ResponseBuilder, Type};
use utoipa::{IntoParams, IntoResponses, Modify, PartialSchema, ToResponse, ToSchema};
use uuid::Uuid;

use crate::domain::grants::{
    Caller, DatasetAdmin, DatasetOwner, DatasetReader, InstanceOwner, OrgAdmin, OrgMember,
    OrgOwner, Write,
};
use crate::http::errors::ErrorBody;

/// The two ways to present a key; either one is enough. Named by the document's `security`.
pub struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "ApiKey",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Authorization",
                "An API key (`tr-` and 32 alphanumerics), raw or as `Bearer <key>`",
            ))),
        );
        components.add_security_scheme(
            "XApiKey",
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
pub struct CamelCaseLinks;

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
        let links = operations
            .flat_map(|operation| operation.responses.responses.values_mut())
            .filter_map(|response| match response {
                RefOr::T(response) => Some(response),
                RefOr::Ref(_) => None,
            })
            .flat_map(|response| response.links.values_mut())
            .filter_map(|link| match link {
                RefOr::T(link) => Some(link),
                RefOr::Ref(_) => None,
            });
        for link in links {
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

/// Every error body: `{"message": "...", "field"?: "..."}`, named as Trieve's client names it.
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

/// A response with a `DefaultError` body and this description.
pub fn error_response(description: &str) -> Response {
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

/// Reusable error responses, each a `DefaultError` body, kept once under `components`.
macro_rules! shared_responses {
    ($($name:ident => $description:literal,)*) => {$(
        pub struct $name;

        impl<'r> ToResponse<'r> for $name {
            fn response() -> (&'r str, RefOr<Response>) {
                (stringify!($name), error_response($description).into())
            }
        }
    )*};
}

shared_responses! {
    Unauthorized => "No API key, or one that is malformed, unknown, revoked or expired",
    Timeout => "The request body took too long to arrive",
    TooLarge => "The request body is over its limit (1 MiB; a file upload, the upload limit)",
    Internal => "Internal server error; the detail is only in the server's log",
    Busy => "The database is busy, or request bodies being received fill their memory; try again",
    Throttled => "Too many wrong API keys from this address within a minute; try again after Retry-After seconds",
}

type Responses = BTreeMap<String, RefOr<Response>>;

fn shared(name: &str) -> RefOr<Response> {
    RefOr::Ref(Ref::from_response_name(name))
}

/// What any request may get: 429 (from an address guessing keys), 500 and 503.
fn always() -> Responses {
    BTreeMap::from([
        ("429".to_string(), shared("Throttled")),
        ("500".to_string(), shared("Internal")),
        ("503".to_string(), shared("Busy")),
    ])
}

/// What an authenticated request may get, with the grant's own 400, 403 and 404.
fn authenticated(specific: &[(u16, &str)]) -> Responses {
    let mut responses = always();
    responses.insert("401".into(), shared("Unauthorized"));
    responses.insert(
        "400".into(),
        error_response("A malformed TR-Dataset or TR-Organization header").into(),
    );
    for (status, description) in specific {
        responses.insert(status.to_string(), error_response(description).into());
    }
    responses
}

/// No key needed.
pub struct Public;

impl IntoResponses for Public {
    fn responses() -> Responses {
        always()
    }
}

/// A JSON request body: 400 when it is not the body the operation takes, 408 and 413.
pub struct JsonBody;

impl IntoResponses for JsonBody {
    fn responses() -> Responses {
        BTreeMap::from([
            (
                "400".to_string(),
                error_response("An invalid body or header").into(),
            ),
            ("408".to_string(), shared("Timeout")),
            ("413".to_string(), shared("TooLarge")),
        ])
    }
}

/// Error responses named for what went wrong, for operations to list after their grant's (a
/// later entry replaces an earlier one of the same status).
#[macro_export]
macro_rules! error_responses {
    ($($(#[$doc:meta])* $name:ident => $status:literal $description:literal;)*) => {$(
        $(#[$doc])*
        pub struct $name;

        impl utoipa::IntoResponses for $name {
            fn responses() -> std::collections::BTreeMap<String, utoipa::openapi::RefOr<utoipa::openapi::Response>> {
                std::collections::BTreeMap::from([(
                    $status.to_string(),
                    $crate::http::openapi::error_response($description).into(),
                )])
            }
        }
    )*};
}

const NO_DATASET: (u16, &str) = (400, "A malformed header, or no TR-Dataset");
const NO_SUCH_DATASET: (u16, &str) = (404, "No such dataset");
const NO_SUCH_ORGANIZATION: (u16, &str) = (404, "No such organization");
const DISK_FULL: (u16, &str) = (
    507,
    "The server's disk is full: nothing was written (reads still work)",
);

/// The error responses of each grant, so that an operation documents them by naming the grant
/// its handler takes.
macro_rules! grant_responses {
    ($($grant:ty => [$($specific:expr),*],)*) => {$(
        impl IntoResponses for $grant {
            fn responses() -> Responses {
                authenticated(&[$($specific),*])
            }
        }
    )*};
}

grant_responses! {
    Caller => [],
    Write<Caller> => [(403, "A read-only key"), DISK_FULL],
    DatasetReader => [NO_DATASET, (403, "Not a member of the dataset's organization"), NO_SUCH_DATASET],
    Write<DatasetReader> => [
        NO_DATASET,
        (403, "A read-only key, or not a member of the dataset's organization"),
        NO_SUCH_DATASET,
        DISK_FULL
    ],
    Write<DatasetAdmin> => [
        NO_DATASET,
        (403, "A read-only key, or not an admin or owner of the dataset's organization"),
        NO_SUCH_DATASET,
        DISK_FULL
    ],
    Write<DatasetOwner> => [
        (403, "A read-only key, or not an owner of the dataset's organization"),
        NO_SUCH_DATASET,
        DISK_FULL
    ],
    OrgMember => [(403, "Not a member of the organization"), NO_SUCH_ORGANIZATION],
    OrgAdmin => [(403, "Not an admin or owner of the organization"), NO_SUCH_ORGANIZATION],
    Write<OrgAdmin> => [
        (403, "A read-only key, or not an admin or owner of the organization"),
        NO_SUCH_ORGANIZATION,
        DISK_FULL
    ],
    Write<OrgOwner> => [
        (403, "A read-only key, or not an owner of the organization"),
        NO_SUCH_ORGANIZATION,
        DISK_FULL
    ],
    InstanceOwner => [(403, "Not an owner of the instance's first organization")],
}

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

/// An organization named in the path, as several resources do.
#[derive(serde::Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct OrganizationPath {
    /// The organization's id.
    pub organization_id: crate::types::ids::OrganizationId,
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
