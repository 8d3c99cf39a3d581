//! The admin page: static files compiled into the binary (rust-embed) and served from an
//! allow-list, never from a path joined onto a folder. Anything else under `/` is the JSON 404.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use rust_embed::RustEmbed;
use sha2::{Digest, Sha256};

#[derive(RustEmbed)]
#[folder = "static/"]
struct Static;

const JAVASCRIPT: &str = "text/javascript; charset=utf-8";

/// An ES module of the admin page, at `/js/<file>` from `static/js/<file>`: the URL mirrors the
/// file's place, since the modules import each other by relative URL.
macro_rules! module {
    ($file:literal) => {
        (concat!("/js/", $file), concat!("js/", $file), JAVASCRIPT)
    };
}

/// (URL path, embedded file, content type). The only files the page serves. `/js/main.js` is the
/// admin page's entry module; every module it imports, directly or not, must be listed.
const ASSETS: &[(&str, &str, &str)] = &[
    ("/", "index.html", "text/html; charset=utf-8"),
    module!("main.js"),
    module!("api-client.js"),
    module!("session.js"),
    module!("dom.js"),
    module!("format.js"),
    module!("form-errors.js"),
    module!("dialogs.js"),
    module!("chunk-view.js"),
    module!("panels/signin.js"),
    module!("panels/profile.js"),
    module!("panels/keys.js"),
    module!("panels/context.js"),
    module!("panels/search.js"),
    module!("panels/chat.js"),
    module!("panels/members.js"),
    module!("panels/user-data.js"),
    module!("panels/chunks.js"),
    module!("panels/files.js"),
    ("/style.css", "style.css", "text/css; charset=utf-8"),
    ("/favicon.svg", "favicon.svg", "image/svg+xml"),
    ("/api-docs", "api.html", "text/html; charset=utf-8"),
    ("/api-docs/api.js", "api.js", JAVASCRIPT),
];

/// Scripts and styles only from this server, no inline script, no framing, nothing from
/// elsewhere; the page talks to this server's API only.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; \
     base-uri 'none'";

fn asset_response(req: &HttpRequest, file: &str, content_type: &'static str) -> HttpResponse {
    let Some(asset) = Static::get(file) else {
        log::error!("embedded asset {file} is missing from the build");
        return crate::http::errors::message_response(
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

    #[test]
    fn every_module_under_static_js_is_served() {
        for file in Static::iter().filter(|file| file.starts_with("js/")) {
            assert!(
                ASSETS.iter().any(|(_, served, _)| *served == file),
                "static/{file} is not in ASSETS"
            );
        }
    }

    /// A module imported but not listed would be a 404, and the page would not start.
    #[test]
    fn every_module_a_module_imports_is_served() {
        let modules = ASSETS
            .iter()
            .filter(|(path, _, _)| path.starts_with("/js/"));
        for (path, file, _) in modules {
            let source = Static::get(file).unwrap().data;
            let source = std::str::from_utf8(&source).unwrap();
            for rest in source.split(" from '").skip(1) {
                let specifier = &rest[..rest.find('\'').unwrap()];
                let url = resolve(path, specifier);
                assert!(
                    asset_paths().any(|served| served == url),
                    "{path} imports {specifier} ({url}), which is not in ASSETS"
                );
            }
        }
    }

    /// A relative module specifier (`./x.js`, `../x.js`) as the URL path it names.
    fn resolve(from: &str, specifier: &str) -> String {
        let mut segments: Vec<&str> = from.split('/').collect();
        segments.pop();
        for segment in specifier.split('/') {
            match segment {
                "." => {}
                ".." => {
                    segments.pop();
                }
                name => segments.push(name),
            }
        }
        segments.join("/")
    }
}
