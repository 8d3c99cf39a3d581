//! Clients of the outside servers a user names: an embedding server (`--embedding-url`,
//! embedding/) and a language model (`--llm-url`, llm.rs), both speaking the OpenAI API, and the
//! Trieve server `trieve-lite export` sends a dataset to (export/). The model servers' keys
//! are sent as bearer tokens and never shown: not in the log, not in an error, not in Debug.

pub mod embedding;
pub mod export;
pub mod llm;

use std::fmt;
use std::time::Duration;

/// Where an outside server is, as configured.
#[derive(Clone)]
pub struct ServerSettings {
    /// The base URL, without a trailing slash: `http://127.0.0.1:11434/v1`.
    pub url: String,
    pub model: String,
    pub api_key: Option<String>,
    /// How long the server may take to answer one request.
    pub timeout: Duration,
}

impl fmt::Debug for ServerSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerSettings")
            .field("url", &self.url)
            .field("model", &self.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "(set)"))
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl ServerSettings {
    /// Settings from the flags `--{flag}-url` and `--{flag}-model`, the key from `key_variable`:
    /// the URL must be http or https, without credentials.
    pub fn new(
        flag: &str,
        key_variable: &str,
        url: &str,
        model: &str,
        api_key: Option<String>,
        timeout: Duration,
    ) -> Result<ServerSettings, String> {
        let url = base_url(
            &format!("--{flag}-url"),
            key_variable,
            "http://127.0.0.1:11434/v1",
            url,
        )?;
        if model.trim().is_empty() {
            return Err(format!("--{flag}-model must name a model"));
        }
        Ok(ServerSettings {
            url,
            model: model.trim().to_string(),
            api_key: api_key.filter(|key| !key.is_empty()),
            timeout,
        })
    }
}

/// A server's base URL as given in `option` (`--embedding-url`, `--to`): http or https, without
/// credentials or a query string (a key goes in `key_place`), and without a trailing slash.
/// `example` is one, for the error.
pub fn base_url(option: &str, key_place: &str, example: &str, url: &str) -> Result<String, String> {
    let url = url.trim().trim_end_matches('/');
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(format!(
            "{option} must be an http:// or https:// URL, like {example} (not {url:?})"
        ));
    }
    if url
        .split('/')
        .nth(2)
        .is_some_and(|authority| authority.contains('@'))
    {
        return Err(format!(
            "{option} must not hold credentials: put the key in {key_place}"
        ));
    }
    if url.contains('?') || url.contains('#') {
        return Err(format!(
            "{option} must not carry a query string (it would be logged): put a key in {key_place}"
        ));
    }
    Ok(url.to_string())
}

/// The HTTP client of the embedding server and of an export's target: one request may take
/// `timeout`, and an error status is an answer to read, not a failure. (The language model's
/// client has timeouts of its own, for answers that stream.)
pub fn http_agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .build()
        .into()
}
