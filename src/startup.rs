//! Building the server: used by `main` and by every test, so tests run the real thing.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::http::header;
use actix_web::middleware::{from_fn, Condition, DefaultHeaders, Logger};
use actix_web::{web, App, HttpMessage, HttpServer};

use crate::config::{MetricsToken, Settings, HEADERS_TIMEOUT, KEEP_ALIVE};
use crate::db::{self, Database, OpenError};
use crate::domain::bootstrap::{self, FirstStart};
use crate::domain::error::{AppError, AppResult};
use crate::http::auth::CallerId;
use crate::http::connections::PerAddress;
use crate::http::extract::BodyBudget;
use crate::http::metrics::{self, Metrics};
use crate::http::middleware::{head_as_get, json_errors};
use crate::http::routes;
use crate::http::throttle::{throttle_key_guessing, AuthThrottle};
use crate::outside::embedding::worker::{EmbeddingStats, Worker};
use crate::outside::embedding::{Embedder, Embeddings};
use crate::outside::llm::{Llm, Llms};

/// How long a stopping server waits for in-flight requests.
const SHUTDOWN_TIMEOUT_SECS: u64 = 10;

/// Reader threads, each with a pooled connection; writes go through the one writer thread.
const READERS: u32 = 4;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("{0}")]
    Database(#[from] OpenError),
    #[error("cannot prepare the database: {0}")]
    Bootstrap(AppError),
    #[error("cannot start the embedder: {0}")]
    Embedder(std::io::Error),
    #[error("cannot listen on {bind}: {source}")]
    Bind {
        bind: String,
        source: std::io::Error,
    },
}

/// A built server, bound and ready to run.
pub struct Application {
    address: SocketAddr,
    server: Server,
    database: Database,
    /// The embedder, when there is an embedding server.
    embedder: Option<Worker>,
    /// What the first start created, with the key to show once; None on later starts.
    pub first_start: Option<FirstStart>,
}

impl Application {
    /// Open the database (creating and bootstrapping it if needed) and bind the listener.
    pub fn build(settings: &Settings) -> Result<Application, StartupError> {
        raise_open_files_limit();
        let database = Database::open(&settings.db_path, READERS, settings.checkpoints)?;
        let first_start = first_start(&database, settings).map_err(StartupError::Bootstrap)?;
        let listener = TcpListener::bind(&settings.bind).map_err(|source| StartupError::Bind {
            bind: settings.bind.clone(),
            source,
        })?;
        let address = listener.local_addr().map_err(|source| StartupError::Bind {
            bind: settings.bind.clone(),
            source,
        })?;
        let embeddings = Embeddings {
            embedder: settings.embedding.clone().map(Embedder::new),
            stats: Arc::new(EmbeddingStats::default()),
        };
        let server =
            serve(listener, database.clone(), embeddings.clone(), settings).map_err(|source| {
                StartupError::Bind {
                    bind: settings.bind.clone(),
                    source,
                }
            })?;
        if let Some(llm) = &settings.llm {
            log::info!("chat answered by {} at {}", llm.model, llm.url);
        }
        let embedder = match (&embeddings.embedder, &settings.embedding) {
            (Some(embedder), Some(config)) => {
                log::info!(
                    "embedding chunks without a vector with {} at {}",
                    config.model,
                    config.url
                );
                Some(
                    Worker::start(database.clone(), embedder.clone(), embeddings.stats)
                        .map_err(StartupError::Embedder)?,
                )
            }
            _ => None,
        };
        Ok(Application {
            address,
            server,
            database,
            embedder,
            first_start,
        })
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    pub fn port(&self) -> u16 {
        self.address.port()
    }

    pub fn database(&self) -> &Database {
        &self.database
    }

    /// Serve until stopped (SIGINT, SIGTERM or the server handle): stop accepting, let
    /// in-flight requests finish for up to `SHUTDOWN_TIMEOUT_SECS`, then finish the queued writes
    /// and checkpoint the WAL.
    pub async fn run_until_stopped(mut self) -> std::io::Result<()> {
        let served = self.server.await;
        if let Some(embedder) = self.embedder.as_mut() {
            embedder.stop();
        }
        let closed = self.database.close();
        served?;
        closed.map_err(|err| std::io::Error::other(err.to_string()))
    }
}

/// Every connection is a file descriptor: the soft limit (often 1,024) is raised to the hard
/// one, so that a flood of connections is refused by the per-address cap, not by accept()
/// failing for everyone.
fn raise_open_files_limit() {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit read and write the one rlimit struct passed by pointer.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur < limit.rlim_max
        {
            limit.rlim_cur = limit.rlim_max;
            if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
                log::warn!("cannot raise the open-files limit");
            }
        }
    }
}

fn first_start(database: &Database, settings: &Settings) -> AppResult<Option<FirstStart>> {
    let mut conn = database.pool().get().map_err(db::Error::from)?;
    let admin_key = settings
        .admin_api_key
        .as_ref()
        .map(|key| key.expose().to_string());
    db::in_write_transaction(&mut conn, |tx| {
        bootstrap::bootstrap(tx, admin_key.as_deref())
    })
}

/// One line per request: method, path, status, bytes, time and the caller's user id once
/// authenticated. Never a header or the query string, so never a key.
fn request_log() -> Logger {
    Logger::new("%{method}xi %U %s %bB %Dms user=%{user}xo")
        .custom_request_replace("method", |req| req.method().to_string())
        .custom_response_replace("user", |res| {
            res.request()
                .extensions()
                .get::<CallerId>()
                .and_then(|caller| caller.get().map(|id| id.to_string()))
                .unwrap_or_else(|| "-".to_string())
        })
}

fn serve(
    listener: TcpListener,
    database: Database,
    embeddings: Embeddings,
    settings: &Settings,
) -> std::io::Result<Server> {
    let embeddings = web::Data::new(embeddings);
    let llms = web::Data::new(Llms::new(settings.llm.clone().map(Llm::new)));
    let database = web::Data::new(database);
    let limits = settings.limits();
    let metrics_token = settings.metrics_token;
    let bodies = web::Data::new(BodyBudget::new(settings.body_budget()));
    let per_address = PerAddress::new(settings.max_connections_per_ip);
    let throttle = web::Data::new(AuthThrottle::new(settings.max_key_failures));
    let metrics = web::Data::new(Metrics::new(
        database.get_ref().clone(),
        embeddings.get_ref().clone(),
    ));
    let mut server = HttpServer::new(move || {
        App::new()
            .app_data(database.clone())
            .app_data(metrics.clone())
            .app_data(embeddings.clone())
            .app_data(llms.clone())
            .app_data(web::Data::new(limits))
            .app_data(bodies.clone())
            .app_data(throttle.clone())
            .app_data(web::Data::new(MetricsToken(metrics_token)))
            .app_data(web::PathConfig::default().error_handler(|err, _| {
                AppError::BadRequest(format!("Invalid path: {err}")).into()
            }))
            .app_data(web::QueryConfig::default().error_handler(|err, _| {
                AppError::BadRequest(format!("Invalid query: {err}")).into()
            }))
            .configure(routes::configure)
            .configure(crate::http::admin::configure)
            .default_service(web::to(|| async {
                Err::<actix_web::HttpResponse, _>(AppError::NotFound("Not found".into()))
            }))
            .wrap(from_fn(head_as_get))
            .wrap(from_fn(json_errors))
            .wrap(from_fn(throttle_key_guessing))
            .wrap(from_fn(metrics::record))
            // No answer is to be read by a browser as anything but its declared type (an error
            // that leaves the middleware as an `Error` gets it from `http::errors::message_response`).
            .wrap(DefaultHeaders::new().add((header::X_CONTENT_TYPE_OPTIONS, "nosniff")))
            // Formatting the line costs on every request: skipped when it would not be logged.
            .wrap(Condition::new(
                log::log_enabled!(target: "actix_web::middleware::logger", log::Level::Info),
                request_log(),
            ))
    })
    .shutdown_timeout(SHUTDOWN_TIMEOUT_SECS)
    // Idle and slow connections are closed quickly, and one address holds only so many: a
    // client that opens thousands of sockets and sends nothing cannot fill every slot.
    .client_request_timeout(HEADERS_TIMEOUT.min(settings.request_timeout))
    .client_disconnect_timeout(std::time::Duration::from_secs(5))
    .keep_alive(KEEP_ALIVE)
    .max_connections(settings.max_connections)
    .on_connect(move |io, extensions| per_address.on_connect(io, extensions))
    .listen(listener)?;
    if let Some(workers) = settings.workers {
        server = server.workers(workers);
    }
    Ok(server.run())
}
