//! Trieve's `NotificationsApi`: the caller's notifications in the `TR-Dataset`, at
//! `/api/notifications` (marking all read is at `/api/notifications_readall`, in
//! notifications_readall.rs).

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi};

use super::Db;
use crate::domain::error::AppResult;
use crate::domain::grants::{DatasetReader, Write};
use crate::domain::notifications::{self, NotificationIdData};
use crate::http::auth::Auth;
use crate::http::extract::Json;
use crate::http::openapi::{DatasetHeader, JsonBody};
use crate::http::v1::{self, notifications::NotificationReturn};
use crate::types::ids::NotificationId;

#[derive(OpenApi)]
#[openapi(paths(mark_notification_as_read, get_notifications))]
pub struct NotificationApi;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("").route(web::put().to(mark_notification_as_read)))
        .service(web::resource("/{page}").route(web::get().to(get_notifications)));
}

crate::error_responses! {
    NotYourNotification => 404 "No such dataset, or the caller has no such notification in it";
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
struct PagePath {
    /// 1 first; 0 is 1.
    #[param(minimum = 0)]
    page: i64,
}

/// The caller's notifications in the dataset
///
/// Ten a page, newest first: one for each of the caller's uploads split into chunks, naming the
/// collection of its chunks.
#[utoipa::path(get, path = "/{page}", params(PagePath, DatasetHeader),
    responses((status = 200, description = "A page of notifications", body = NotificationReturn),
        DatasetReader))]
async fn get_notifications(
    db: Db,
    auth: Auth<DatasetReader>,
    path: web::Path<PagePath>,
) -> AppResult<web::Json<NotificationReturn>> {
    let page = path.page;
    auth.read(&db, move |conn, reader| {
        notifications::list(conn, &reader, page)
    })
    .await
    .map(v1::json)
}

/// Mark one of the caller's notifications read
#[utoipa::path(put, path = "", params(DatasetHeader), request_body = NotificationIdData,
    responses((status = 204, description = "Marked"), Write<DatasetReader>, JsonBody, NotYourNotification))]
async fn mark_notification_as_read(
    db: Db,
    auth: Auth<Write<DatasetReader>>,
    body: Json<NotificationIdData>,
) -> AppResult<HttpResponse> {
    let id = NotificationId::from(body.into_inner().notification_id);
    auth.write(&db, move |tx, member| {
        notifications::mark_read(tx, &member, Some(id))
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
