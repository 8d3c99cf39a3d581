//! Trieve's `StripeApi`, at `/api/stripe`: billing, which trieve-lite does not offer. Each
//! operation is a 501 `{"message"}` that says so.

use actix_web::{web, HttpResponse};
use utoipa::OpenApi;

use crate::domain::error::{AppError, AppResult};
use crate::http::openapi::Public;

#[derive(OpenApi)]
#[openapi(paths(
    cancel_subscription,
    direct_to_payment_link,
    get_all_plans,
    update_subscription_plan
))]
pub struct StripeApi;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/subscription/{subscription_id}")
            .route(web::delete().to(cancel_subscription)),
    )
    .service(
        web::resource("/payment_link/{plan_id}/{organization_id}")
            .route(web::get().to(direct_to_payment_link)),
    )
    .service(web::resource("/plans").route(web::get().to(get_all_plans)))
    .service(
        web::resource("/subscription_plan/{subscription_id}/{plan_id}")
            .route(web::patch().to(update_subscription_plan)),
    );
}

crate::error_responses! {
    NoBilling => 501 "trieve-lite has no billing: every feature is there, without plans";
}

fn no_billing() -> AppResult<HttpResponse> {
    Err(AppError::NotOffered(
        "trieve-lite has no billing (Stripe): every feature is available without a plan or a \
         subscription."
            .into(),
    ))
}

/// Cancel a subscription: not offered
#[utoipa::path(delete, path = "/subscription/{subscription_id}", security(()),
    params(("subscription_id" = String, Path)), responses(NoBilling, Public))]
async fn cancel_subscription() -> AppResult<HttpResponse> {
    no_billing()
}

/// A payment link: not offered
#[utoipa::path(get, path = "/payment_link/{plan_id}/{organization_id}", security(()),
    params(("plan_id" = String, Path), ("organization_id" = String, Path)), responses(NoBilling, Public))]
async fn direct_to_payment_link() -> AppResult<HttpResponse> {
    no_billing()
}

/// The plans: not offered
#[utoipa::path(get, path = "/plans", security(()), responses(NoBilling, Public))]
async fn get_all_plans() -> AppResult<HttpResponse> {
    no_billing()
}

/// Change a subscription's plan: not offered
#[utoipa::path(patch, path = "/subscription_plan/{subscription_id}/{plan_id}", security(()),
    params(("subscription_id" = String, Path), ("plan_id" = String, Path)), responses(NoBilling, Public))]
async fn update_subscription_plan() -> AppResult<HttpResponse> {
    no_billing()
}
