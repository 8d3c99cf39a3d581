//! One Settings struct for the server: defaults < environment (TRIEVE_*) < flags. clap does the
//! layering; this module names the defaults and checks what clap cannot.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use crate::db::Checkpoints;
use crate::outside::ServerSettings;

pub const DEFAULT_BIND: &str = "127.0.0.1:8090";
pub const DEFAULT_DB: &str = "./trieve-lite.db";
pub const DEFAULT_MAX_UPLOAD_MB: u64 = 32;
/// The body limit of every endpoint but file upload.
pub const DEFAULT_JSON_LIMIT_BYTES: usize = 1024 * 1024;
pub const DEFAULT_REQUEST_TIMEOUT_SECS: u64 = 30;
pub const DEFAULT_MAX_CONNECTIONS: u64 = 1024;
pub const DEFAULT_MAX_CONNECTIONS_PER_IP: u64 = 128;
pub const DEFAULT_MAX_BODY_MEMORY_MB: u64 = 512;
pub const DEFAULT_MAX_KEY_FAILURES: u32 = 30;
/// Ollama's general-purpose embedding model (`ollama pull nomic-embed-text`).
pub const DEFAULT_EMBEDDING_MODEL: &str = "nomic-embed-text";
pub const DEFAULT_EMBEDDING_TIMEOUT_SECS: u64 = 30;
/// A small general model Ollama runs on a laptop (`ollama pull llama3.2`).
pub const DEFAULT_LLM_MODEL: &str = "llama3.2";
pub const DEFAULT_LLM_TIMEOUT_SECS: u64 = 60;
/// What an upload holds in memory while it is prepared, in multiples of its body: the body, the
/// base64 text parsed out of it, the decoded bytes.
pub const UPLOAD_MEMORY_FACTOR: usize = 3;
/// A client has this long to send a request's headers (at most the request timeout).
pub const HEADERS_TIMEOUT: Duration = Duration::from_secs(5);
/// An idle keep-alive connection is closed after this long.
pub const KEEP_ALIVE: Duration = Duration::from_secs(5);
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

    /// Seconds a client has to send a request's body (its headers: 5 seconds, or this if
    /// shorter); slower clients get 408 and are disconnected, so they cannot hold the server.
    #[arg(long, env = "TRIEVE_REQUEST_TIMEOUT_SECS", default_value_t = DEFAULT_REQUEST_TIMEOUT_SECS,
          value_parser = clap::value_parser!(u64).range(1..=3600), value_name = "SECS")]
    pub request_timeout_secs: u64,

    /// Open connections each worker accepts before new ones wait in the listen queue.
    #[arg(long, env = "TRIEVE_MAX_CONNECTIONS", default_value_t = DEFAULT_MAX_CONNECTIONS,
          value_parser = clap::value_parser!(u64).range(1..=100_000), value_name = "N")]
    pub max_connections: u64,

    /// Connections one client address may hold at once; past it, its new connections are
    /// closed at once (other addresses are not affected). Behind a reverse proxy every client
    /// has the proxy's address: raise it there, and cap per client in the proxy.
    #[arg(long, env = "TRIEVE_MAX_CONNECTIONS_PER_IP", default_value_t = DEFAULT_MAX_CONNECTIONS_PER_IP,
          value_parser = clap::value_parser!(u64).range(1..=100_000), value_name = "N")]
    pub max_connections_per_ip: u64,

    /// Memory, in MiB, that request bodies being received and handled may hold together (a
    /// body over 64 KiB is read only for a valid key); a body that would go past it is refused
    /// with 503. Never less than one largest upload needs.
    #[arg(long, env = "TRIEVE_MAX_BODY_MEMORY_MB", default_value_t = DEFAULT_MAX_BODY_MEMORY_MB,
          value_parser = clap::value_parser!(u64).range(1..=1_048_576), value_name = "MIB")]
    pub max_body_memory_mb: u64,

    /// Wrong API keys one client address may present within a minute; past it, that address
    /// is answered 429 with Retry-After until the minute is over (other addresses are not
    /// affected). Behind a reverse proxy every client has the proxy's address.
    #[arg(long, env = "TRIEVE_MAX_KEY_FAILURES", default_value_t = DEFAULT_MAX_KEY_FAILURES,
          value_parser = clap::value_parser!(u32).range(1..), value_name = "N")]
    pub max_key_failures: u32,

    /// A token that reads /metrics (as `Authorization: Bearer <token>`) for a Prometheus that
    /// holds no user's key; without it, only owners of the instance's first organization read
    /// them. 16 to 256 characters.
    #[arg(
        long,
        env = "TRIEVE_METRICS_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    pub metrics_token: Option<String>,

    /// An embedding server speaking the OpenAI API (Ollama: http://127.0.0.1:11434/v1): chunks
    /// without a vector are embedded in the background, and semantic and hybrid search embed
    /// the query there. Its key, if it needs one, goes in TRIEVE_EMBEDDING_API_KEY.
    #[arg(long, env = "TRIEVE_EMBEDDING_URL", value_name = "URL")]
    pub embedding_url: Option<String>,

    /// The embedding server's model.
    #[arg(long, env = "TRIEVE_EMBEDDING_MODEL", default_value = DEFAULT_EMBEDDING_MODEL,
          value_name = "MODEL")]
    pub embedding_model: String,

    /// Seconds one request to the embedding server may take (a search waiting for its query's
    /// vector answers 503 after it).
    #[arg(long, env = "TRIEVE_EMBEDDING_TIMEOUT_SECS", default_value_t = DEFAULT_EMBEDDING_TIMEOUT_SECS,
          value_parser = clap::value_parser!(u64).range(1..=600), value_name = "SECS")]
    pub embedding_timeout_secs: u64,

    /// A language model speaking the OpenAI chat completions API (Ollama:
    /// http://127.0.0.1:11434/v1): chat over a dataset (topics and messages), generation from
    /// chunks and suggested queries. Its key, if it needs one, goes in TRIEVE_LLM_API_KEY.
    #[arg(long, env = "TRIEVE_LLM_URL", value_name = "URL")]
    pub llm_url: Option<String>,

    /// The language model (a request may name only this one, or none).
    #[arg(long, env = "TRIEVE_LLM_MODEL", default_value = DEFAULT_LLM_MODEL, value_name = "MODEL")]
    pub llm_model: String,

    /// Seconds the language model may take to start answering (503 after it); a streamed
    /// answer may take ten times as long to finish.
    #[arg(long, env = "TRIEVE_LLM_TIMEOUT_SECS", default_value_t = DEFAULT_LLM_TIMEOUT_SECS,
          value_parser = clap::value_parser!(u64).range(1..=600), value_name = "SECS")]
    pub llm_timeout_secs: u64,

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
        check_secret("ADMIN_API_KEY", &value)?;
        Ok(AdminKey(value))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Guess-resistance asked of a secret set by hand, in bits: its length times the Shannon
/// entropy of its own characters, which a repeated or ordered string does not reach
/// (`aaaaaaaaaaaaaaaa` has 0; 22 random base64 characters about 90).
const MIN_SECRET_BITS: f64 = 64.0;

/// A secret set by hand (ADMIN_API_KEY, the metrics token): its length, its characters, and
/// that it is not guessable from its shape. `name` is what the message calls it.
pub fn check_secret(name: &str, value: &str) -> Result<(), String> {
    if value.len() < MIN_ADMIN_KEY_LEN || value.len() > MAX_ADMIN_KEY_LEN {
        return Err(format!(
            "{name} must be {MIN_ADMIN_KEY_LEN} to {MAX_ADMIN_KEY_LEN} characters long"
        ));
    }
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "{name} must not contain spaces or control characters"
        ));
    }
    let chars: Vec<char> = value.chars().collect();
    let mut counts = std::collections::HashMap::new();
    for c in &chars {
        *counts.entry(*c).or_insert(0usize) += 1;
    }
    let n = chars.len() as f64;
    let per_char: f64 = counts
        .values()
        .map(|&k| {
            let p = k as f64 / n;
            -p * p.log2()
        })
        .sum();
    // Each character that only continues a run (the same as the last, or the next or previous
    // letter or digit) is as good as known.
    let steps = chars
        .windows(2)
        .filter(|w| (w[1] as i64 - w[0] as i64).abs() <= 1)
        .count();
    let bits = per_char * (n - steps as f64);
    if bits < MIN_SECRET_BITS {
        return Err(format!(
            "{name} is too easy to guess (repeated or ordered characters); use a random value, \
             for example: openssl rand -base64 24"
        ));
    }
    Ok(())
}

impl fmt::Debug for AdminKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AdminKey(<redacted>)")
    }
}

/// The digest of the token that reads /metrics, when one is set.
#[derive(Debug, Clone, Copy)]
pub struct MetricsToken(pub Option<[u8; 32]>);

/// The size limits the routes enforce, derived from Settings.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Every request body but a file upload or a batch of chunks.
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

    /// A batch of chunks (`POST /api/chunk` with an array of up to 120, vectors included):
    /// 16 times the JSON limit.
    pub fn batch_body_bytes(&self) -> usize {
        self.json_body_bytes.saturating_mul(16)
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub bind: String,
    pub db_path: PathBuf,
    /// Whether trieve-lite or Litestream checkpoints the WAL.
    pub checkpoints: Checkpoints,
    pub max_upload_bytes: usize,
    pub json_limit_bytes: usize,
    pub request_timeout: Duration,
    pub max_connections: usize,
    pub max_connections_per_ip: usize,
    /// Wrong keys one address may present per minute before it is answered 429.
    pub max_key_failures: u32,
    /// Bytes all request bodies may hold together (at least one largest upload's body).
    pub max_body_memory: usize,
    pub workers: Option<usize>,
    pub admin_api_key: Option<AdminKey>,
    /// The digest of the token that reads /metrics without a user's key.
    pub metrics_token: Option<[u8; 32]>,
    /// The embedding server, when there is one.
    pub embedding: Option<ServerSettings>,
    /// The language model, when there is one.
    pub llm: Option<ServerSettings>,
}

impl Settings {
    /// The memory request bodies may hold together: the setting, but room for one largest
    /// upload at least, so that an upload the limits allow is never refused on an idle server.
    pub fn body_budget(&self) -> usize {
        self.max_body_memory.max(
            self.limits()
                .upload_body_bytes()
                .saturating_mul(UPLOAD_MEMORY_FACTOR),
        )
    }

    pub fn limits(&self) -> Limits {
        Limits {
            json_body_bytes: self.json_limit_bytes,
            upload_bytes: self.max_upload_bytes,
            body_timeout: self.request_timeout,
        }
    }

    /// Settings from parsed arguments, the ADMIN_API_KEY variable (empty counts as unset) and
    /// TRIEVE_EMBEDDING_API_KEY.
    pub fn from_args(
        args: &ServeArgs,
        db_path: PathBuf,
        checkpoints: Checkpoints,
        admin_api_key: Option<String>,
    ) -> Result<Settings, String> {
        let admin_api_key = admin_api_key
            .filter(|value| !value.is_empty())
            .map(AdminKey::new)
            .transpose()?;
        Ok(Settings {
            bind: args.bind.clone(),
            db_path,
            checkpoints,
            max_upload_bytes: (args.max_upload_mb as usize) * 1024 * 1024,
            json_limit_bytes: DEFAULT_JSON_LIMIT_BYTES,
            request_timeout: Duration::from_secs(args.request_timeout_secs),
            max_connections: args.max_connections as usize,
            max_connections_per_ip: args.max_connections_per_ip as usize,
            max_key_failures: args.max_key_failures,
            max_body_memory: (args.max_body_memory_mb as usize).saturating_mul(1024 * 1024),
            workers: args.workers.map(usize::from),
            admin_api_key,
            metrics_token: args
                .metrics_token
                .as_deref()
                .filter(|token| !token.is_empty())
                .map(|token| {
                    check_secret("TRIEVE_METRICS_TOKEN", token)
                        .map(|_| crate::domain::keys::hash_api_key(token))
                })
                .transpose()?,
            embedding: args
                .embedding_url
                .as_deref()
                .filter(|url| !url.trim().is_empty())
                .map(|url| {
                    ServerSettings::new(
                        "embedding",
                        "TRIEVE_EMBEDDING_API_KEY",
                        url,
                        &args.embedding_model,
                        std::env::var("TRIEVE_EMBEDDING_API_KEY").ok(),
                        Duration::from_secs(args.embedding_timeout_secs),
                    )
                })
                .transpose()?,
            llm: args
                .llm_url
                .as_deref()
                .filter(|url| !url.trim().is_empty())
                .map(|url| {
                    ServerSettings::new(
                        "llm",
                        "TRIEVE_LLM_API_KEY",
                        url,
                        &args.llm_model,
                        std::env::var("TRIEVE_LLM_API_KEY").ok(),
                        Duration::from_secs(args.llm_timeout_secs),
                    )
                })
                .transpose()?,
        })
    }

    /// Settings for tests and embedding: the defaults, with the given database and address.
    pub fn for_database(db_path: PathBuf, bind: &str) -> Settings {
        Settings {
            bind: bind.to_string(),
            db_path,
            checkpoints: Checkpoints::Own,
            max_upload_bytes: (DEFAULT_MAX_UPLOAD_MB as usize) * 1024 * 1024,
            json_limit_bytes: DEFAULT_JSON_LIMIT_BYTES,
            request_timeout: Duration::from_secs(DEFAULT_REQUEST_TIMEOUT_SECS),
            max_connections: DEFAULT_MAX_CONNECTIONS as usize,
            max_connections_per_ip: DEFAULT_MAX_CONNECTIONS_PER_IP as usize,
            max_key_failures: DEFAULT_MAX_KEY_FAILURES,
            max_body_memory: (DEFAULT_MAX_BODY_MEMORY_MB as usize) * 1024 * 1024,
            workers: Some(1),
            admin_api_key: None,
            metrics_token: None,
            embedding: None,
            llm: None,
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
        for guessable in [
            "aaaaaaaaaaaaaaaa",
            "abcdefghijklmnopqrstuvwxyz",
            "1234567890123456",
            "abababababababababab",
            "password12345678",
        ] {
            let refused = AdminKey::new(guessable.into()).unwrap_err();
            assert!(
                refused.contains("too easy to guess"),
                "{guessable}: {refused}"
            );
        }
        for random in [
            "Zk3q9XvLp0wR7tYb2nHs4c",
            "tr-4f9c2a7be01d4c3f9a8e6b5d",
            "correct-horse-battery-staple",
        ] {
            assert!(AdminKey::new(random.into()).is_ok(), "{random}");
        }
        let key = AdminKey::new("a-long-enough-admin-key".into()).unwrap();
        assert!(!format!("{key:?}").contains("long-enough"));
    }
}
