//! Trieve's `NotificationsApi.mark_all_notifications_as_read`, at `/api/notifications_readall`
//! (the rest of the notifications' calls are in notifications.rs).

use actix_web::{web, HttpResponse};
use utoipa::OpenApi;

use super::Db;
use crate::domain::error::AppResult;
use crate::domain::grants::{DatasetReader, Write};
use crate::domain::notifications;
use crate::http::auth::Auth;
use crate::http::openapi::DatasetHeader;

#[derive(OpenApi)]
#[openapi(paths(mark_all_notifications_as_read))]
pub struct ReadAllApi;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("").route(web::put().to(mark_all_notifications_as_read)));
}

/// Mark all the caller's notifications in the dataset read
#[utoipa::path(put, path = "", params(DatasetHeader),
    responses((status = 204, description = "Marked"), Write<DatasetReader>))]
async fn mark_all_notifications_as_read(
    db: Db,
    auth: Auth<Write<DatasetReader>>,
) -> AppResult<HttpResponse> {
    auth.write(&db, |tx, member| {
        notifications::mark_read(tx, &member, None)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
