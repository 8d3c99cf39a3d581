//! Request counts and latency histograms per route, kept in memory and rendered in Prometheus's
//! text format at `GET /metrics` (see `routes::metrics`).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{web, Error};

use crate::db::Database;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

#[derive(Default)]
struct RouteStats {
    by_status: BTreeMap<u16, u64>,
    /// Counts per bucket (not cumulative); the last slot counts what exceeds every bound.
    buckets: [u64; BUCKETS.len() + 1],
    seconds: f64,
    count: u64,
}

/// The counters, by (method, route pattern). Unmatched paths share one route label, so random
/// URLs cannot grow the table.
#[derive(Default)]
pub struct Metrics {
    routes: Mutex<BTreeMap<(String, String), RouteStats>>,
}

impl Metrics {
    fn record(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let mut routes = self.routes.lock().unwrap_or_else(|e| e.into_inner());
        let stats = routes
            .entry((method.to_string(), route.to_string()))
            .or_default();
        *stats.by_status.entry(status).or_default() += 1;
        let bucket = BUCKETS
            .iter()
            .position(|bound| seconds <= *bound)
            .unwrap_or(BUCKETS.len());
        stats.buckets[bucket] += 1;
        stats.seconds += seconds;
        stats.count += 1;
    }

    /// The Prometheus text exposition of every counter, and the writer's.
    pub fn render(&self, database: &Database) -> String {
        let routes = self.routes.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = String::new();
        out.push_str("# HELP trieve_lite_http_requests_total Requests answered, by method, route and status.\n");
        out.push_str("# TYPE trieve_lite_http_requests_total counter\n");
        for ((method, route), stats) in routes.iter() {
            for (status, count) in &stats.by_status {
                let _ = writeln!(
                    out,
                    "trieve_lite_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {count}"
                );
            }
        }
        out.push_str("# HELP trieve_lite_http_request_duration_seconds Time to answer, by method and route.\n");
        out.push_str("# TYPE trieve_lite_http_request_duration_seconds histogram\n");
        for ((method, route), stats) in routes.iter() {
            let labels = format!("method=\"{method}\",route=\"{route}\"");
            let mut cumulative = 0;
            for (bound, count) in BUCKETS.iter().zip(stats.buckets) {
                cumulative += count;
                let _ = writeln!(out, "trieve_lite_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {cumulative}");
            }
            let _ = writeln!(
                out,
                "trieve_lite_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                stats.count
            );
            let _ = writeln!(
                out,
                "trieve_lite_http_request_duration_seconds_sum{{{labels}}} {}",
                stats.seconds
            );
            let _ = writeln!(
                out,
                "trieve_lite_http_request_duration_seconds_count{{{labels}}} {}",
                stats.count
            );
        }
        let writer = database.writer_stats();
        out.push_str("# HELP trieve_lite_db_write_transactions_total Transactions the writer committed (group commit).\n");
        out.push_str("# TYPE trieve_lite_db_write_transactions_total counter\n");
        let _ = writeln!(
            out,
            "trieve_lite_db_write_transactions_total {}",
            writer
                .transactions
                .load(std::sync::atomic::Ordering::Relaxed)
        );
        out.push_str("# HELP trieve_lite_db_writes_total Writes those transactions carried.\n");
        out.push_str("# TYPE trieve_lite_db_writes_total counter\n");
        let _ = writeln!(
            out,
            "trieve_lite_db_writes_total {}",
            writer.writes.load(std::sync::atomic::Ordering::Relaxed)
        );
        out
    }
}

/// Middleware: time every request and count its answer under its route's pattern.
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    // Methods are client-chosen tokens: only the standard ones get their own label.
    let method = match *req.method() {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    };
    let route = req
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_string());
    let result = next.call(req).await;
    if let Some(metrics) = metrics {
        let status = match &result {
            Ok(response) => response.status().as_u16(),
            Err(err) => err.as_response_error().status_code().as_u16(),
        };
        metrics.record(method, &route, status, started.elapsed().as_secs_f64());
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_cumulative_and_routes_kept_apart() {
        let metrics = Metrics::default();
        metrics.record("GET", "/a", 200, 0.0001);
        metrics.record("GET", "/a", 404, 0.3);
        metrics.record("POST", "/b", 200, 10.0);
        let dir = tempfile::tempdir().unwrap();
        let database = Database::open(&dir.path().join("m.db"), 1).unwrap();
        let text = metrics.render(&database);
        assert!(text.contains(
            "trieve_lite_http_requests_total{method=\"GET\",route=\"/a\",status=\"404\"} 1"
        ));
        assert!(text.contains("trieve_lite_http_request_duration_seconds_bucket{method=\"GET\",route=\"/a\",le=\"0.0005\"} 1"));
        assert!(text.contains("trieve_lite_http_request_duration_seconds_bucket{method=\"GET\",route=\"/a\",le=\"0.5\"} 2"));
        assert!(text.contains("trieve_lite_http_request_duration_seconds_bucket{method=\"POST\",route=\"/b\",le=\"5\"} 0"));
        assert!(text.contains(
            "trieve_lite_http_request_duration_seconds_count{method=\"POST\",route=\"/b\"} 1"
        ));
    }
}
