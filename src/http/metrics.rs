//! Request counts and latency histograms per route, and the writer's counters, kept with
//! `prometheus-client` and rendered in Prometheus's text format at `GET /metrics` (see
//! `routes::metrics`). Recording a request takes a shared read lock on the family and touches
//! only its own route's series: no lock is shared by every request.

use std::fmt;
use std::sync::atomic::Ordering;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{web, Error};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{
    prometheus_text, DescriptorEncoder, EncodeLabelSet, EncodeMetric,
};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::db::Database;
use crate::outside::embedding::worker::EmbeddingStats;
use crate::outside::embedding::Embeddings;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

/// The `Content-Type` of what `Metrics::render` writes.
pub const CONTENT_TYPE: &str = prometheus_text::CONTENT_TYPE;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: &'static str,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResponseLabels {
    method: &'static str,
    route: String,
    status: u16,
}

/// The server's metrics. Unmatched paths share one route label and made-up methods one method
/// label, so that requests cannot grow the series without bound.
pub struct Metrics {
    registry: Registry,
    requests: Family<ResponseLabels, Counter>,
    durations: Family<RouteLabels, Histogram, fn() -> Histogram>,
    /// Chunks waiting for a vector, when there is an embedding server (set at each scrape).
    embedding_backlog: Option<Gauge>,
}

impl Metrics {
    pub fn new(database: Database, embeddings: Embeddings) -> Metrics {
        let mut registry = Registry::with_prefix("trieve_lite");
        let requests = Family::<ResponseLabels, Counter>::default();
        let durations: Family<RouteLabels, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(|| Histogram::new(BUCKETS));
        registry.register(
            "http_requests",
            "Requests answered, by method, route and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to answer, by method and route",
            durations.clone(),
        );
        registry.register_collector(Box::new(WriterCounters(database)));
        let embedding_backlog = embeddings.embedder.as_ref().map(|_| {
            let gauge = Gauge::default();
            registry.register(
                "embedding_backlog_chunks",
                "Chunks waiting for a vector from the embedding server",
                gauge.clone(),
            );
            registry.register_collector(Box::new(EmbeddingCounters(embeddings.stats.clone())));
            gauge
        });
        Metrics {
            registry,
            requests,
            durations,
            embedding_backlog,
        }
    }

    /// Whether the embedding backlog is reported (there is an embedding server).
    pub fn reports_backlog(&self) -> bool {
        self.embedding_backlog.is_some()
    }

    pub fn set_backlog(&self, chunks: i64) {
        if let Some(gauge) = &self.embedding_backlog {
            gauge.set(chunks);
        }
    }

    fn record(&self, method: &'static str, route: String, status: u16, seconds: f64) {
        let labels = RouteLabels { method, route };
        self.durations.get_or_create(&labels).observe(seconds);
        let labels = ResponseLabels {
            method,
            route: labels.route,
            status,
        };
        self.requests.get_or_create(&labels).inc();
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        let mut text = String::new();
        prometheus_text::encode(&mut text, &self.registry)
            .expect("writing to a String cannot fail");
        text
    }
}

/// The writer's own counters, read at each scrape.
struct WriterCounters(Database);

impl fmt::Debug for WriterCounters {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WriterCounters")
    }
}

impl Collector for WriterCounters {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), fmt::Error> {
        let stats = self.0.writer_stats();
        for (name, help, value) in [
            (
                "db_write_transactions",
                "Transactions the writer committed (group commit)",
                &stats.transactions,
            ),
            (
                "db_writes",
                "Writes those transactions carried",
                &stats.writes,
            ),
        ] {
            encode_counter(&mut encoder, name, help, value)?;
        }
        Ok(())
    }
}

/// One counter read from its atomic at a scrape.
fn encode_counter(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    value: &std::sync::atomic::AtomicU64,
) -> Result<(), fmt::Error> {
    let counter = ConstCounter::new(value.load(Ordering::Relaxed));
    let metric = encoder.encode_descriptor(name, help, None, counter.metric_type())?;
    counter.encode(metric)
}

/// The embedder's counters, read at each scrape.
#[derive(Debug)]
struct EmbeddingCounters(std::sync::Arc<EmbeddingStats>);

impl Collector for EmbeddingCounters {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), fmt::Error> {
        let stats = &self.0;
        for (name, help, value) in [
            (
                "embedding_chunks_embedded",
                "Chunks given a vector by the embedding server",
                &stats.embedded,
            ),
            (
                "embedding_failed_requests",
                "Requests to the embedding server that failed or gave no usable vectors",
                &stats.failed_requests,
            ),
            (
                "embedding_chunks_set_aside",
                "Chunks the embedding server gave no usable vector for, left without one until the next start",
                &stats.set_aside,
            ),
        ] {
            encode_counter(&mut encoder, name, help, value)?;
        }
        let failing = ConstGauge::new(i64::from(stats.failing.load(Ordering::Relaxed)));
        let metric = encoder.encode_descriptor(
            "embedding_failing",
            "1 while the embedding server's last answer was a failure",
            None,
            failing.metric_type(),
        )?;
        failing.encode(metric)
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
    let result = next.call(req).await;
    if let Some(metrics) = metrics {
        // Asked after routing, the pattern is read off the route already matched; asked before,
        // actix would match the path against every pattern again.
        let (route, status) = match &result {
            Ok(response) => (
                response.request().match_pattern(),
                response.status().as_u16(),
            ),
            // An error that escaped the handlers (a panic) has left its request behind; the log
            // names its path.
            Err(err) => (
                Some("errored".to_string()),
                err.as_response_error().status_code().as_u16(),
            ),
        };
        let route = route.unwrap_or_else(|| "unmatched".to_string());
        metrics.record(method, route, status, started.elapsed().as_secs_f64());
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Checkpoints;

    #[test]
    fn buckets_are_cumulative_and_routes_kept_apart() {
        let dir = tempfile::tempdir().unwrap();
        let database = Database::open(&dir.path().join("m.db"), 1, Checkpoints::Own).unwrap();
        let metrics = Metrics::new(database, Embeddings::default());
        metrics.record("GET", "/a".into(), 200, 0.0001);
        metrics.record("GET", "/a".into(), 404, 0.3);
        metrics.record("POST", "/b".into(), 200, 10.0);
        let text = metrics.render();
        assert!(
            text.contains(
                "trieve_lite_http_requests_total{method=\"GET\",route=\"/a\",status=\"404\"} 1"
            ),
            "{text}"
        );
        assert!(text.contains("trieve_lite_http_request_duration_seconds_bucket{le=\"0.0005\",method=\"GET\",route=\"/a\"} 1")
            || text.contains("trieve_lite_http_request_duration_seconds_bucket{method=\"GET\",route=\"/a\",le=\"0.0005\"} 1"), "{text}");
        assert!(
            text.contains("route=\"/a\",le=\"0.5\"} 2")
                || text.contains("le=\"0.5\",method=\"GET\",route=\"/a\"} 2"),
            "{text}"
        );
        assert!(
            text.contains(
                "trieve_lite_http_request_duration_seconds_count{method=\"POST\",route=\"/b\"} 1"
            ),
            "{text}"
        );
        assert!(
            text.contains("trieve_lite_db_write_transactions_total 0"),
            "{text}"
        );
    }
}
