//! The middleware that keeps every error a `{"message"}` body: it turns a handler's panic into a
//! 500 and rewrites actix's own plain-text errors (unknown route, wrong method, ...) as JSON.

use std::panic::AssertUnwindSafe;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::InternalError;
use actix_web::http::{header, Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::Error;
use futures_util::FutureExt;

use crate::domain::error::AppError;
use crate::http::errors::message_response;

pub async fn json_errors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    // The request cannot be kept aside for a panic (the router needs it unshared), so a panic
    // and an inner error leave as an `Error`, which actix renders with our JSON response; the
    // method and URI are kept (cheap clones, no allocation) to say where a panic happened.
    let (method, uri) = (req.method().clone(), req.uri().clone());
    let response = match AssertUnwindSafe(next.call(req)).catch_unwind().await {
        Ok(Ok(response)) => response,
        Ok(Err(err)) => {
            let status = err.as_response_error().status_code();
            return Err(InternalError::from_response(
                err,
                message_response(status, message_for(status)),
            )
            .into());
        }
        Err(_) => {
            let detail = format!("a handler panicked on {method} {}", uri.path());
            return Err(AppError::Internal(detail).into());
        }
    };
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return Ok(response.map_into_boxed_body());
    }
    let (request, original) = response.into_parts();
    let mut rewritten = message_response(status, message_for(status));
    // Keep headers such as Allow on a 405.
    for (name, value) in original.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            rewritten.headers_mut().insert(name.clone(), value.clone());
        }
    }
    Ok(ServiceResponse::new(request, rewritten))
}

/// HEAD is GET without the body (RFC 9110): route it as GET. The HTTP layer already knows the
/// request was HEAD and sends the answer's headers only.
pub async fn head_as_get(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    if req.method() == Method::HEAD {
        req.head_mut().method = Method::GET;
    }
    next.call(req).await
}

fn message_for(status: StatusCode) -> &'static str {
    match status.as_u16() {
        404 => "Not found",
        405 => "Method not allowed",
        413 => "The request body is too large",
        _ => status.canonical_reason().unwrap_or("Request failed"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::middleware::from_fn;
    use actix_web::{test, web, App, HttpResponse};

    #[actix_web::test]
    async fn a_panicking_handler_answers_500_json() {
        let app = test::init_service(App::new().wrap(from_fn(json_errors)).route(
            "/boom",
            web::get().to(|| async {
                if true {
                    panic!("boom");
                }
                HttpResponse::Ok().finish()
            }),
        ))
        .await;
        let request = test::TestRequest::get().uri("/boom").to_request();
        let Err(err) = test::try_call_service(&app, request).await else {
            panic!("the panic should leave as an error");
        };
        let res = err.error_response();
        assert_eq!(res.status(), 500);
        let bytes = actix_web::body::to_bytes(res.into_body()).await.unwrap();
        let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(body["message"], "Internal server error");
    }

    #[actix_web::test]
    async fn plain_text_errors_become_json() {
        let app = test::init_service(
            App::new()
                .wrap(from_fn(json_errors))
                .service(web::resource("/only-get").route(web::get().to(HttpResponse::Ok))),
        )
        .await;
        let res = test::call_service(
            &app,
            test::TestRequest::post().uri("/only-get").to_request(),
        )
        .await;
        assert_eq!(res.status(), 405);
        let body: serde_json::Value = test::read_body_json(res).await;
        assert_eq!(body["message"], "Method not allowed");
    }
}
