//! The Trieve server an export sends to (the full Trieve stack, or another trieve-lite), over
//! its REST API: the API key in `Authorization`, the dataset in `TR-Dataset`. What the server is
//! too busy or too far to take is tried again with growing waits; what it refuses stops the
//! export with the server's own message.

use std::time::Duration;

use serde_json::Value;

use crate::outside::{base_url, http_agent};
use crate::types::ids::DatasetId;

/// Tries of one request before the export gives up (waits of 1, 2, 4, 8 and 16 seconds).
const ATTEMPTS: u32 = 6;
/// One request may take this long (a batch of chunks, a large file).
const TIMEOUT: Duration = Duration::from_secs(300);
/// The longest answer read: a file downloaded to compare, base64 in JSON.
const MAX_ANSWER_BYTES: u64 = 1 << 30;

/// Why a request failed.
pub enum Failure {
    /// Worth another try: no connection, a timeout, 408, 429 or a 5xx.
    Passing(String),
    /// Refused for what was sent: trying again would be refused again.
    Refused { status: u16, message: String },
}

impl Failure {
    pub fn said(self) -> String {
        match self {
            Failure::Passing(message) | Failure::Refused { message, .. } => message,
        }
    }
}

pub struct Target {
    agent: ureq::Agent,
    /// The base URL, without a trailing slash: `https://api.trieve.ai`.
    url: String,
    api_key: String,
    dataset: DatasetId,
}

impl Target {
    /// A target at `url` (http or https), reached with `api_key` in `dataset`.
    pub fn new(url: &str, api_key: &str, dataset: DatasetId) -> Result<Target, String> {
        let url = base_url(
            "--to",
            "--api-key or TRIEVE_EXPORT_API_KEY",
            "https://trieve.example.com",
            url,
        )?;
        if api_key.trim().is_empty() {
            return Err("--api-key must be an API key of the target server".into());
        }
        Ok(Target {
            agent: http_agent(TIMEOUT),
            url,
            api_key: api_key.trim().to_string(),
            dataset,
        })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// Whether the key would cross a network in the clear: plain http to another machine.
    pub fn sends_key_in_the_clear(&self) -> bool {
        let Some(rest) = self.url.strip_prefix("http://") else {
            return false;
        };
        let authority = rest.split('/').next().unwrap_or_default();
        let host = match authority.strip_prefix('[') {
            Some(bracketed) => bracketed.split(']').next().unwrap_or_default(),
            None => authority.split(':').next().unwrap_or_default(),
        };
        !matches!(host, "localhost" | "127.0.0.1" | "::1")
    }

    /// GET, tried again while the failure passes.
    pub fn get(&self, path: &str) -> Result<Value, String> {
        self.with_retries(path, |_| {
            let request = self
                .agent
                .get(format!("{}{path}", self.url))
                .header("Authorization", &self.api_key)
                .header("TR-Dataset", self.dataset.to_string());
            read_answer(request.call())
        })
        .map_err(Failure::said)
    }

    /// POST of what may be sent again (it replaces itself), tried again while the failure
    /// passes.
    pub fn post(&self, path: &str, body: &str) -> Result<Value, Failure> {
        self.with_retries(path, |_| self.post_once(path, body))
    }

    /// POST of a JSON body, once.
    pub fn post_once(&self, path: &str, body: &str) -> Result<Value, Failure> {
        let request = self
            .agent
            .post(format!("{}{path}", self.url))
            .header("Authorization", &self.api_key)
            .header("TR-Dataset", self.dataset.to_string())
            .content_type("application/json");
        read_answer(request.send(body))
    }

    /// `once(attempt)` until it succeeds, is refused, or has failed `ATTEMPTS` times, with
    /// growing waits between; `once` may look before sending again (whether an attempt that
    /// failed was stored after all).
    pub fn with_retries(
        &self,
        path: &str,
        mut once: impl FnMut(u32) -> Result<Value, Failure>,
    ) -> Result<Value, Failure> {
        let mut wait = Duration::from_secs(1);
        for attempt in 1..=ATTEMPTS {
            match once(attempt) {
                Ok(answer) => return Ok(answer),
                Err(Failure::Passing(message)) if attempt < ATTEMPTS => {
                    eprintln!(
                        "{}{path}: {message}; trying again in {} s",
                        self.url,
                        wait.as_secs()
                    );
                    std::thread::sleep(wait);
                    wait *= 2;
                }
                Err(Failure::Passing(message)) => {
                    return Err(Failure::Passing(format!(
                        "{message} (tried {ATTEMPTS} times)"
                    )))
                }
                Err(refused) => return Err(refused),
            }
        }
        unreachable!("the last attempt returns")
    }
}

/// The answer's JSON (null for an empty body), or why there is none.
fn read_answer(
    sent: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
) -> Result<Value, Failure> {
    let mut response = sent.map_err(|err| Failure::Passing(err.to_string()))?;
    let status = response.status().as_u16();
    let text = response
        .body_mut()
        .with_config()
        .limit(MAX_ANSWER_BYTES)
        .read_to_string()
        .map_err(|err| Failure::Passing(format!("the answer was cut: {err}")))?;
    if (200..300).contains(&status) {
        if text.trim().is_empty() {
            return Ok(Value::Null);
        }
        return serde_json::from_str(&text).map_err(|err| Failure::Refused {
            status,
            message: format!("the answer is not JSON: {err}"),
        });
    }
    let message = serde_json::from_str::<Value>(&text)
        .ok()
        .and_then(|body| {
            body.get("message")
                .and_then(Value::as_str)
                .map(String::from)
        })
        .unwrap_or_else(|| text.chars().take(300).collect());
    let message = format!("HTTP {status}: {message}");
    Err(match status {
        408 | 429 | 500..=599 => Failure::Passing(message),
        _ => Failure::Refused { status, message },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_http_to_another_machine_sends_the_key_in_the_clear() {
        let dataset = DatasetId::random();
        let at = |url: &str| Target::new(url, "key", dataset).unwrap();
        assert!(!at("http://127.0.0.1:8090").sends_key_in_the_clear());
        assert!(!at("http://localhost:8090/").sends_key_in_the_clear());
        assert!(!at("https://api.trieve.ai").sends_key_in_the_clear());
        assert!(!at("http://[::1]:8090/").sends_key_in_the_clear());
        assert!(at("http://trieve.example.com").sends_key_in_the_clear());
        assert!(at("http://10.0.0.5:8090").sends_key_in_the_clear());
    }

    #[test]
    fn a_target_needs_an_http_url_and_a_key() {
        let dataset = DatasetId::random();
        assert!(Target::new("ftp://example.com", "key", dataset).is_err());
        assert!(Target::new("example.com", "key", dataset).is_err());
        assert!(Target::new("http://example.com", " ", dataset).is_err());
        assert!(Target::new("http://user:secret@example.com", "key", dataset).is_err());
        assert_eq!(
            Target::new("http://example.com/", "key", dataset)
                .unwrap()
                .url(),
            "http://example.com"
        );
    }
}
