//! The command line: serve (no sub-command), `user add`, `backup`, `restore`, `reindex` and
//! `export`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use serde_json::json;

use crate::config::{ServeArgs, Settings, DEFAULT_DB};
use crate::db::{self, backup, Checkpoints};
use crate::domain::bootstrap::FirstStart;
use crate::domain::error::AppError;
use crate::domain::members::{self, AddedMember};
use crate::domain::organizations::organization_to_join;
use crate::outside::export;
use crate::startup::Application;
use crate::types::fields::{Email, Name};
use crate::types::roles::Role;

const ENVIRONMENT_HELP: &str = "\
Environment:
  TRIEVE_BIND, TRIEVE_DB, TRIEVE_MAX_UPLOAD_MB, TRIEVE_REQUEST_TIMEOUT_SECS,
  TRIEVE_MAX_CONNECTIONS, TRIEVE_MAX_CONNECTIONS_PER_IP, TRIEVE_MAX_BODY_MEMORY_MB,
  TRIEVE_MAX_KEY_FAILURES, TRIEVE_METRICS_TOKEN, TRIEVE_WORKERS, TRIEVE_LITESTREAM,
  TRIEVE_EMBEDDING_URL, TRIEVE_EMBEDDING_MODEL, TRIEVE_EMBEDDING_TIMEOUT_SECS,
  TRIEVE_LLM_URL, TRIEVE_LLM_MODEL, TRIEVE_LLM_TIMEOUT_SECS
                  the same as the flags; a flag wins over its variable
  TRIEVE_EMBEDDING_API_KEY, TRIEVE_LLM_API_KEY
                  the keys of the embedding server and the language model, if they need one
  TRIEVE_EXPORT_API_KEY
                  the target server's key for `export` (instead of --api-key)
  ADMIN_API_KEY   if set (16 to 256 characters, not guessable), the owner admin@localhost's API
                  key, kept in step on every start; a new value replaces the previous one
  RUST_LOG        log filter (default: info), for example RUST_LOG=debug

With no sub-command, trieve-lite serves. The first start on an empty database creates
organization `default`, dataset `default` and owner admin@localhost, and prints the owner's
API key once.";

#[derive(Debug, Parser)]
#[command(
    name = "trieve-lite",
    version,
    about = "A Trieve-compatible server in one executable, backed by one SQLite file",
    after_help = ENVIRONMENT_HELP
)]
struct Cli {
    /// SQLite database file; created with its schema on first start.
    #[arg(long, env = "TRIEVE_DB", default_value = DEFAULT_DB, global = true, value_name = "PATH")]
    db: PathBuf,

    /// Leave WAL checkpoints to Litestream, which replicates the database (docs/operations.md,
    /// "Replication with Litestream"): trieve-lite then never checkpoints, not even at shutdown.
    #[arg(long, env = "TRIEVE_LITESTREAM", global = true,
          value_parser = clap::builder::FalseyValueParser::new())]
    litestream: bool,

    #[command(flatten)]
    serve: ServeArgs,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Manage users from the command line (works while the server runs).
    #[command(subcommand)]
    User(UserCommand),
    /// Copy the database to PATH: a consistent snapshot, taken while the server runs.
    Backup {
        /// Where to write the copy.
        path: PathBuf,
        /// Overwrite PATH if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Replace the database (--db) with the backup at PATH, after checking its integrity and
    /// schema version. Stop the server first; the replaced file is kept beside it.
    Restore {
        /// The backup to restore.
        path: PathBuf,
    },
    /// Rebuild the search index and the chunk counts from the chunks, for chunks written around
    /// the server (an import straight into the database). Works while the server runs; writes
    /// wait for it.
    Reindex,
    /// Push a dataset's files and chunks (with their vectors) to another Trieve server (the full
    /// Trieve stack, or another trieve-lite) through its API. Run it again after an
    /// interruption: it resumes, and sends nothing twice. Works while the server runs.
    Export {
        /// The target server's base URL, like https://api.trieve.ai or http://127.0.0.1:8090.
        #[arg(long, value_name = "URL")]
        to: String,
        /// An API key of the target server that may write to its dataset (--dataset).
        #[arg(
            long,
            env = "TRIEVE_EXPORT_API_KEY",
            hide_env_values = true,
            value_name = "KEY"
        )]
        api_key: String,
        /// The target's dataset.
        #[arg(long, value_name = "ID")]
        dataset: uuid::Uuid,
        /// The dataset to export from this database; by default the one with the target's id.
        #[arg(long, value_name = "ID")]
        from_dataset: Option<uuid::Uuid>,
        /// Send chunks without their vectors (for a target with another embedding model, which
        /// embeds them itself).
        #[arg(long)]
        without_vectors: bool,
    },
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Add a user to an organization and print the new user's first API key once.
    Add {
        /// The user's email address.
        #[arg(long)]
        email: String,
        /// Organization name; created, with a `default` dataset, if it does not exist.
        #[arg(long, default_value = "default")]
        org: String,
        /// Role in the organization.
        #[arg(long, default_value = "user", value_parser = ["user", "admin", "owner"])]
        role: String,
        /// The user's display name.
        #[arg(long)]
        name: Option<String>,
        /// Print {"user_id","organization_id","dataset_id","api_key"} as JSON.
        #[arg(long)]
        json: bool,
    },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let checkpoints = if cli.litestream {
        Checkpoints::Litestream
    } else {
        Checkpoints::Own
    };
    let outcome = match cli.command {
        None => serve(&cli.serve, cli.db, checkpoints),
        Some(Command::User(UserCommand::Add {
            email,
            org,
            role,
            name,
            json,
        })) => add_user(
            &cli.db,
            checkpoints,
            &email,
            &org,
            &role,
            name.as_deref(),
            json,
        ),
        Some(Command::Backup { path, force }) => backup::backup(&cli.db, &path, force, checkpoints)
            .map(|report| {
                println!(
                    "Backed up {} to {} ({} bytes, schema version {}).",
                    cli.db.display(),
                    report.path.display(),
                    report.bytes,
                    report.schema_version
                );
            }),
        Some(Command::Restore { path }) => backup::restore(&cli.db, &path).map(|(report, kept)| {
            println!(
                "Restored {} from {} (schema version {}).",
                report.path.display(),
                path.display(),
                report.schema_version
            );
            if let Some(kept) = kept {
                println!("The database it replaced is kept as {}.", kept.display());
            }
        }),
        Some(Command::Reindex) => reindex(&cli.db, checkpoints),
        Some(Command::Export {
            to,
            api_key,
            dataset,
            from_dataset,
            without_vectors,
        }) => {
            let options = export::Options {
                to,
                api_key,
                dataset: dataset.into(),
                from_dataset: from_dataset.map(Into::into),
                vectors: !without_vectors,
            };
            export_dataset(&cli.db, checkpoints, &options)
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn serve(args: &ServeArgs, db_path: PathBuf, checkpoints: Checkpoints) -> Result<(), String> {
    // The HTTP client's debug and trace lines would show the embedding server's key: only its
    // warnings, whatever RUST_LOG says of it.
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"))
        .filter_module("ureq", log::LevelFilter::Warn)
        .filter_module("ureq_proto", log::LevelFilter::Warn)
        .init();
    let settings = Settings::from_args(
        args,
        db_path,
        checkpoints,
        std::env::var("ADMIN_API_KEY").ok(),
    )?;
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(&settings).map_err(|err| err.to_string())?;
        let address = app.address();
        if let Some(first) = &app.first_start {
            print_first_start(first);
        }
        // On every start: where to go (with port 0, the only place the port is said).
        println!("Admin page: {}", page_url(address));
        log::info!(
            "trieve-lite {} listening on http://{} (database {}, schema version {})",
            env!("CARGO_PKG_VERSION"),
            address,
            settings.db_path.display(),
            db::SCHEMA_VERSION
        );
        app.run_until_stopped()
            .await
            .map_err(|err| err.to_string())?;
        match checkpoints {
            Checkpoints::Own => log::info!("trieve-lite stopped; the database is checkpointed"),
            Checkpoints::Litestream => {
                log::info!("trieve-lite stopped; the WAL is left to Litestream")
            }
        }
        Ok(())
    })
}

/// The admin page's address as a browser on this machine reaches it.
fn page_url(address: SocketAddr) -> String {
    let mut shown = address;
    if shown.ip().is_unspecified() {
        shown.set_ip([127, 0, 0, 1].into());
    }
    format!("http://{shown}/")
}

fn print_first_start(first: &FirstStart) {
    println!(
        "First start: created organization \"{}\", dataset \"{}\" and owner {}.",
        first.organization.name, first.dataset.name, first.owner.email
    );
    match &first.api_key {
        Some(key) => println!("Owner API key (shown only this once; keep it safe): {key}"),
        None => println!("Owner API key: the value of ADMIN_API_KEY."),
    }
}

fn add_user(
    db_path: &Path,
    checkpoints: Checkpoints,
    email: &str,
    org: &str,
    role: &str,
    name: Option<&str>,
    as_json: bool,
) -> Result<(), String> {
    db::require_existing(db_path)?;
    let role = Role::from_name(role).ok_or("role must be user, admin or owner")?;
    let pool = db::open_pool(db_path, 1, checkpoints).map_err(|err| err.to_string())?;
    let mut conn = pool.get().map_err(|err| err.to_string())?;
    let added = db::in_write_transaction(&mut conn, |tx| {
        let organization = organization_to_join(tx, &Name::parse("org", org)?, role)?;
        let name = name
            .map(|name| Name::parse_optional("name", name))
            .transpose()?
            .flatten();
        members::add_member(tx, organization, &Email::parse(email)?, name.as_ref(), role)
    })
    .map_err(|err: AppError| err.to_string())?;
    print_added_user(&added, role, as_json);
    Ok(())
}

fn reindex(db_path: &Path, checkpoints: Checkpoints) -> Result<(), String> {
    db::require_existing(db_path)?;
    let pool = db::open_pool(db_path, 1, checkpoints).map_err(|err| err.to_string())?;
    let mut conn = pool.get().map_err(|err| err.to_string())?;
    let started = std::time::Instant::now();
    let count = db::in_write_transaction(&mut conn, |tx| {
        db::chunks::recount(tx)?;
        db::fulltext::reindex_all(tx)
    })
    .map_err(|err: db::Error| err.to_string())?;
    println!(
        "Indexed {count} chunks in {:.1} s.",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn export_dataset(
    db_path: &Path,
    checkpoints: Checkpoints,
    options: &export::Options,
) -> Result<(), String> {
    let started = std::time::Instant::now();
    let summary = export::export(db_path, checkpoints, options)?;
    println!(
        "Exported {} chunks ({} with their vectors) and {} files ({} were there already) to \
         dataset {} at {} in {:.1} s{}.",
        summary.chunks,
        summary.vectors,
        summary.files_uploaded + summary.files_found,
        summary.files_found,
        options.dataset,
        options.to,
        started.elapsed().as_secs_f64(),
        if summary.resumed {
            ", resuming an interrupted export"
        } else {
            ""
        }
    );
    if !summary.files_too_large.is_empty() {
        println!(
            "Not sent, larger than the target takes (their chunks were sent without them): {}.",
            summary.files_too_large.join(", ")
        );
    }
    Ok(())
}

fn print_added_user(added: &AddedMember, role: Role, as_json: bool) {
    if as_json {
        let out = json!({
            "user_id": added.user.id,
            "organization_id": added.organization.id,
            "dataset_id": added.dataset.as_ref().map(|dataset| &dataset.id),
            "api_key": added.api_key,
        });
        println!("{out}");
        return;
    }
    println!(
        "Added {} to organization \"{}\" as {}.",
        added.user.email,
        added.organization.name,
        role.name()
    );
    println!("User id: {}", added.user.id);
    match &added.api_key {
        Some(key) => println!("API key (shown only this once; keep it safe): {key}"),
        None => println!("The user already existed and keeps their API keys."),
    }
}
