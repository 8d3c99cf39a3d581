//! One Settings struct for the server: defaults < environment (TRIEVE_*) < flags. clap does the
//! layering; this module names the defaults and checks what clap cannot.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

pub const DEFAULT_BIND: &str = "127.0.0.1:8090";
pub const DEFAULT_DB: &str = "./trieve-lite.db";
pub const DEFAULT_MAX_UPLOAD_MB: u64 = 32;
/// The body limit of every endpoint but file upload.
pub const DEFAULT_JSON_LIMIT_BYTES: usize = 1024 * 1024;
pub const DEFAULT_REQUEST_TIMEOUT_SECS: u64 = 30;
pub const DEFAULT_MAX_CONNECTIONS: u64 = 1024;
const MIN_ADMIN_KEY_LEN: usize = 16;
const MAX_ADMIN_KEY_LEN: usize = 256;

/// The serve options, as flags and environment variables.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "TRIEVE_BIND", default_value = DEFAULT_BIND, value_name = "ADDR:PORT")]
    pub bind: String,

    /// Largest file upload accepted, in MiB (decoded size); also bounds the upload request body.
    #[arg(long, env = "TRIEVE_MAX_UPLOAD_MB", default_value_t = DEFAULT_MAX_UPLOAD_MB,
          value_parser = clap::value_parser!(u64).range(1..=4096), value_name = "MIB")]
    pub max_upload_mb: u64,

    /// Seconds a client has to send a request's headers, and again its body; slower clients get
    /// 408 and are disconnected, so they cannot hold the server.
    #[arg(long, env = "TRIEVE_REQUEST_TIMEOUT_SECS", default_value_t = DEFAULT_REQUEST_TIMEOUT_SECS,
          value_parser = clap::value_parser!(u64).range(1..=3600), value_name = "SECS")]
    pub request_timeout_secs: u64,

    /// Open connections each worker accepts before new ones wait in the listen queue.
    #[arg(long, env = "TRIEVE_MAX_CONNECTIONS", default_value_t = DEFAULT_MAX_CONNECTIONS,
          value_parser = clap::value_parser!(u64).range(1..=100_000), value_name = "N")]
    pub max_connections: u64,

    /// HTTP worker threads (default: one per CPU core).
    #[arg(long, env = "TRIEVE_WORKERS", value_parser = clap::value_parser!(u16).range(1..=256),
          value_name = "N")]
    pub workers: Option<u16>,
}

/// The owner's key taken from ADMIN_API_KEY. Never printed: Debug shows only that it is set.
#[derive(Clone)]
pub struct AdminKey(String);

impl AdminKey {
    pub fn new(value: String) -> Result<AdminKey, String> {
        if value.len() < MIN_ADMIN_KEY_LEN || value.len() > MAX_ADMIN_KEY_LEN {
            return Err(format!(
                "ADMIN_API_KEY must be {MIN_ADMIN_KEY_LEN} to {MAX_ADMIN_KEY_LEN} characters long"
            ));
        }
        if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err("ADMIN_API_KEY must not contain spaces or control characters".into());
        }
        Ok(AdminKey(value))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for AdminKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AdminKey(<redacted>)")
    }
}

/// The size limits the routes enforce, derived from Settings.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Every request body but a file upload.
    pub json_body_bytes: usize,
    /// A file's decoded size.
    pub upload_bytes: usize,
    /// How long reading a request's body may take.
    pub body_timeout: Duration,
}

impl Limits {
    /// An upload's body: the file in base64 (4 bytes per 3) plus room for the other fields.
    pub fn upload_body_bytes(&self) -> usize {
        self.upload_bytes / 3 * 4 + 4 + self.json_body_bytes
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub bind: String,
    pub db_path: PathBuf,
    pub max_upload_bytes: usize,
    pub json_limit_bytes: usize,
    pub request_timeout: Duration,
    pub max_connections: usize,
    pub workers: Option<usize>,
    pub admin_api_key: Option<AdminKey>,
}

impl Settings {
    pub fn limits(&self) -> Limits {
        Limits {
            json_body_bytes: self.json_limit_bytes,
            upload_bytes: self.max_upload_bytes,
            body_timeout: self.request_timeout,
        }
    }

    /// Settings from parsed arguments and the ADMIN_API_KEY variable (empty counts as unset).
    pub fn from_args(
        args: &ServeArgs,
        db_path: PathBuf,
        admin_api_key: Option<String>,
    ) -> Result<Settings, String> {
        let admin_api_key = admin_api_key
            .filter(|value| !value.is_empty())
            .map(AdminKey::new)
            .transpose()?;
        Ok(Settings {
            bind: args.bind.clone(),
            db_path,
            max_upload_bytes: (args.max_upload_mb as usize) * 1024 * 1024,
            json_limit_bytes: DEFAULT_JSON_LIMIT_BYTES,
            request_timeout: Duration::from_secs(args.request_timeout_secs),
            max_connections: args.max_connections as usize,
            workers: args.workers.map(usize::from),
            admin_api_key,
        })
    }

    /// Settings for tests and embedding: the defaults, with the given database and address.
    pub fn for_database(db_path: PathBuf, bind: &str) -> Settings {
        Settings {
            bind: bind.to_string(),
            db_path,
            max_upload_bytes: (DEFAULT_MAX_UPLOAD_MB as usize) * 1024 * 1024,
            json_limit_bytes: DEFAULT_JSON_LIMIT_BYTES,
            request_timeout: Duration::from_secs(DEFAULT_REQUEST_TIMEOUT_SECS),
            max_connections: DEFAULT_MAX_CONNECTIONS as usize,
            workers: Some(1),
            admin_api_key: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_key_is_checked_and_never_debug_printed() {
        assert!(AdminKey::new("short".into()).is_err());
        assert!(AdminKey::new("has a space in it, long".into()).is_err());
        let key = AdminKey::new("a-long-enough-admin-key".into()).unwrap();
        assert!(!format!("{key:?}").contains("long-enough"));
    }
}
