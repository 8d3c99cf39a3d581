//! The admin page: static files compiled into the binary (rust-embed) and served from an
//! allow-list, never from a path joined onto a folder. Anything else under `/` is the JSON 404.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use rust_embed::RustEmbed;
use sha2::{Digest, Sha256};

#[derive(RustEmbed)]
#[folder = "static/"]
struct Static;

/// (URL path, embedded file, content type). The only files the page serves.
const ASSETS: &[(&str, &str, &str)] = &[
    ("/", "index.html", "text/html; charset=utf-8"),
    ("/app.js", "app.js", "text/javascript; charset=utf-8"),
    ("/style.css", "style.css", "text/css; charset=utf-8"),
    ("/favicon.svg", "favicon.svg", "image/svg+xml"),
    ("/api-docs", "api.html", "text/html; charset=utf-8"),
    (
        "/api-docs/api.js",
        "api.js",
        "text/javascript; charset=utf-8",
    ),
];

/// Scripts and styles only from this server, no inline script, no framing, nothing from
/// elsewhere; the page talks to this server's API only.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; \
     base-uri 'none'";

fn asset_response(req: &HttpRequest, file: &str, content_type: &'static str) -> HttpResponse {
    let Some(asset) = Static::get(file) else {
        log::error!("embedded asset {file} is missing from the build");
        return crate::error::message_response(
            actix_web::http::StatusCode::INTERNAL_SERVER_ERROR,
            "Internal server error",
        );
    };
    let digest = Sha256::digest(&asset.data);
    let etag = format!(
        "\"{}\"",
        digest[..12]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    let unchanged = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.split(',').any(|tag| tag.trim() == etag));
    let mut response = if unchanged {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((header::ETAG, etag))
        // Revalidate every time: the files are small and change with each release.
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"));
    if unchanged {
        response.finish()
    } else {
        response.body(asset.data.into_owned())
    }
}

/// The paths the page serves, for tests that must cover every route.
pub fn asset_paths() -> impl Iterator<Item = &'static str> {
    ASSETS.iter().map(|(path, _, _)| *path)
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    for &(path, file, content_type) in ASSETS {
        cfg.service(web::resource(path).route(
            web::get().to(move |req: HttpRequest| async move {
                asset_response(&req, file, content_type)
            }),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_allowed_asset_is_embedded() {
        for (_, file, _) in ASSETS {
            assert!(Static::get(file).is_some(), "{file} is not in static/");
        }
    }
}
