//! Trieve's `InvitationApi`, at `/api/invitation`: e-mail invitations, which trieve-lite does
//! not send. The operation is a 501 `{"message"}` that says what to do instead.

use actix_web::{web, HttpResponse};
use utoipa::OpenApi;

use crate::domain::error::{AppError, AppResult};
use crate::http::openapi::Public;

#[derive(OpenApi)]
#[openapi(paths(post_invitation))]
pub struct InvitationApi;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("").route(web::post().to(post_invitation)));
}

crate::error_responses! {
    NoEmail => 501 "trieve-lite sends no e-mail: add members directly";
}

/// Invite a user by e-mail: not offered
#[utoipa::path(post, path = "", security(()), responses(NoEmail, Public))]
async fn post_invitation() -> AppResult<HttpResponse> {
    Err(AppError::NotOffered(
        "trieve-lite sends no e-mail: add the user to the organization with \
         POST /api/organization/{organization_id}/users (or the admin page, or `trieve-lite \
         user add`) and give them the key it answers with."
            .into(),
    ))
}
