//! Building the server: used by `main` and by every test, so tests run the real thing.

use std::net::{SocketAddr, TcpListener};

use actix_web::dev::Server;
use actix_web::middleware::{from_fn, Logger};
use actix_web::{web, App, HttpServer};

use crate::accounts::{self, FirstStart};
use crate::config::Settings;
use crate::db::{self, OpenError, Pool};
use crate::error::{AppError, AppResult};
use crate::middleware::json_errors;
use crate::routes;

/// Database connections in the pool. SQLite has one writer at a time; the rest serve reads.
const POOL_SIZE: u32 = 16;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("{0}")]
    Database(#[from] OpenError),
    #[error("cannot prepare the database: {0}")]
    Bootstrap(AppError),
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
    pool: Pool,
    /// What the first start created, with the key to show once; None on later starts.
    pub first_start: Option<FirstStart>,
}

impl Application {
    /// Open the database (creating and bootstrapping it if needed) and bind the listener.
    pub fn build(settings: &Settings) -> Result<Application, StartupError> {
        let pool = db::open_pool(&settings.db_path, POOL_SIZE)?;
        let first_start = bootstrap(&pool, settings).map_err(StartupError::Bootstrap)?;
        let listener = TcpListener::bind(&settings.bind).map_err(|source| StartupError::Bind {
            bind: settings.bind.clone(),
            source,
        })?;
        let address = listener.local_addr().map_err(|source| StartupError::Bind {
            bind: settings.bind.clone(),
            source,
        })?;
        let server =
            serve(listener, pool.clone(), settings).map_err(|source| StartupError::Bind {
                bind: settings.bind.clone(),
                source,
            })?;
        Ok(Application {
            address,
            server,
            pool,
            first_start,
        })
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    pub fn port(&self) -> u16 {
        self.address.port()
    }

    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// The server future; await it (or spawn it) to serve until stopped.
    pub fn into_server(self) -> Server {
        self.server
    }
}

fn bootstrap(pool: &Pool, settings: &Settings) -> AppResult<Option<FirstStart>> {
    let mut conn = pool.get()?;
    let admin_key = settings
        .admin_api_key
        .as_ref()
        .map(|key| key.expose().to_string());
    db::in_write_transaction(&mut conn, |tx| {
        accounts::bootstrap(tx, admin_key.as_deref())
    })
}

fn serve(listener: TcpListener, pool: Pool, settings: &Settings) -> std::io::Result<Server> {
    let pool = web::Data::new(pool);
    let limits = settings.limits();
    let mut server = HttpServer::new(move || {
        App::new()
            .app_data(pool.clone())
            .app_data(web::Data::new(limits))
            .app_data(web::PathConfig::default().error_handler(|err, _| {
                AppError::BadRequest(format!("Invalid path: {err}")).into()
            }))
            .app_data(web::QueryConfig::default().error_handler(|err, _| {
                AppError::BadRequest(format!("Invalid query: {err}")).into()
            }))
            .configure(routes::configure)
            .configure(crate::admin::configure)
            .default_service(web::to(|| async {
                Err::<actix_web::HttpResponse, _>(AppError::NotFound("Not found".into()))
            }))
            .wrap(from_fn(json_errors))
            // Method, path, status, size and time; never headers, so never a key.
            .wrap(Logger::new("%r %s %b %Dms"))
    })
    .listen(listener)?;
    if let Some(workers) = settings.workers {
        server = server.workers(workers);
    }
    Ok(server.run())
}
