use actix_web::web;

use crate::accounts;
use crate::auth::Credentials;
use crate::db::Database;
use crate::error::AppResult;
use crate::models::SlimUser;

/// `GET /api/auth/me`: the caller, with all their organizations.
async fn me(db: web::Data<Database>, credentials: Credentials) -> AppResult<web::Json<SlimUser>> {
    db.read(move |conn| {
        let caller = credentials.authenticate(conn)?;
        accounts::slim_user(conn, caller.user, None)
    })
    .await
    .map(web::Json)
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/auth/me").route(web::get().to(me)));
}
