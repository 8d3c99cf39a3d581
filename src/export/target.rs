//! The Trieve server an export sends to (the full Trieve stack, or another trieve-lite), over
//! its REST API: the API key in `Authorization`, the dataset in `TR-Dataset`. What the server is
//! too busy or too far to take is tried again with growing waits; what it refuses stops the
//! export with the server's own message.

use std::time::Duration;

use serde_json::Value;

use crate::domain::ids::DatasetId;

/// Tries of one request before the export gives up (waits of 1, 2, 4, 8 and 16 seconds).
const ATTEMPTS: u32 = 6;
/// One request may take this long (a batch of 120 chunks with their vectors, a large file).
const TIMEOUT: Duration = Duration::from_secs(300);
/// The longest answer read: a file downloaded to compare, base64 in JSON.
const MAX_ANSWER_BYTES: u64 = 1 << 30;

/// Why a request failed.
enum Failure {
    /// Worth another try: no connection, a timeout, 408, 429 or a 5xx.
    Passing(String),
    /// Refused for what was sent: trying again would be refused again.
    Refused(String),
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
        let url = url.trim().trim_end_matches('/');
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(format!(
                "--to must be an http:// or https:// URL, like https://api.trieve.ai (not {url:?})"
            ));
        }
        if api_key.trim().is_empty() {
            return Err("--api-key must be an API key of the target server".into());
        }
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(TIMEOUT))
            .http_status_as_error(false)
            .build()
            .into();
        Ok(Target {
            agent,
            url: url.to_string(),
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
        let host = rest.split('/').next().unwrap_or_default();
        let host = host.rsplit_once(':').map_or(host, |(host, _port)| host);
        !matches!(host, "localhost" | "127.0.0.1" | "[::1]")
    }

    pub fn get(&self, path: &str) -> Result<Value, String> {
        self.with_retries(path, || {
            let request = self
                .agent
                .get(format!("{}{path}", self.url))
                .header("Authorization", &self.api_key)
                .header("TR-Dataset", self.dataset.to_string());
            read_answer(request.call())
        })
    }

    pub fn post(&self, path: &str, body: &Value) -> Result<Value, String> {
        let body = body.to_string();
        self.with_retries(path, || {
            let request = self
                .agent
                .post(format!("{}{path}", self.url))
                .header("Authorization", &self.api_key)
                .header("TR-Dataset", self.dataset.to_string())
                .content_type("application/json");
            read_answer(request.send(body.as_str()))
        })
    }

    fn with_retries(
        &self,
        path: &str,
        once: impl Fn() -> Result<Value, Failure>,
    ) -> Result<Value, String> {
        let mut wait = Duration::from_secs(1);
        for attempt in 1..=ATTEMPTS {
            match once() {
                Ok(answer) => return Ok(answer),
                Err(Failure::Refused(message)) => return Err(message),
                Err(Failure::Passing(message)) if attempt == ATTEMPTS => {
                    return Err(format!("{message} (tried {ATTEMPTS} times)"))
                }
                Err(Failure::Passing(message)) => {
                    eprintln!(
                        "{}{path}: {message}; trying again in {} s",
                        self.url,
                        wait.as_secs()
                    );
                    std::thread::sleep(wait);
                    wait *= 2;
                }
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
        return serde_json::from_str(&text)
            .map_err(|err| Failure::Refused(format!("the answer is not JSON: {err}")));
    }
    let message = serde_json::from_str::<Value>(&text)
        .ok()
        .and_then(|body| {
            body.get("message")
                .and_then(Value::as_str)
                .map(String::from)
        })
        .unwrap_or_else(|| text.chars().take(300).collect());
    let said = format!("HTTP {status}: {message}");
    Err(match status {
        408 | 429 | 500..=599 => Failure::Passing(said),
        _ => Failure::Refused(said),
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
        assert!(at("http://trieve.example.com").sends_key_in_the_clear());
        assert!(at("http://10.0.0.5:8090").sends_key_in_the_clear());
    }

    #[test]
    fn a_target_needs_an_http_url_and_a_key() {
        let dataset = DatasetId::random();
        assert!(Target::new("ftp://example.com", "key", dataset).is_err());
        assert!(Target::new("example.com", "key", dataset).is_err());
        assert!(Target::new("http://example.com", " ", dataset).is_err());
        assert_eq!(
            Target::new("http://example.com/", "key", dataset)
                .unwrap()
                .url(),
            "http://example.com"
        );
    }
}
