//! The benchmark's yardstick: an actix-web server with one route that answers a fixed body of
//! the size trieve-lite's answer has, on the same number of workers. Built by `make bench`.
//!
//! Usage: hello ADDR:PORT BODY_BYTES

use actix_web::{web, App, HttpResponse, HttpServer};

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let bind = args.next().unwrap_or_else(|| "127.0.0.1:8091".into());
    let size: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(1024);
    let body = web::Bytes::from(vec![b'x'; size]);
    HttpServer::new(move || {
        let body = body.clone();
        App::new().default_service(web::to(move || {
            let body = body.clone();
            async move {
                HttpResponse::Ok()
                    .content_type("application/json")
                    .body(body)
            }
        }))
    })
    .bind(bind)?
    .run()
    .await
}
