//! A language model the user runs (Ollama, llama.cpp's server, vLLM, OpenAI), over the OpenAI
//! chat completions API: `POST {url}/chat/completions {"model", "messages", "stream"}`. Chat
//! and generation stream its answer to the client as it comes (server-sent events read a line at
//! a time on a thread of their own); a server that answers a stream request with one JSON
//! completion is read whole. The key (`TRIEVE_LLM_API_KEY`) is sent as a bearer token and never
//! shown.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use serde::Deserialize;
use tokio::sync::mpsc;

use crate::domain::chat::ChatMessage;
use crate::domain::error::AppError;
use crate::outside::ServerSettings;
use crate::types::ids::TopicId;

/// The most completions running at once: each holds a thread while its answer streams.
pub const MAX_RUNNING: usize = 16;
/// The longest answer read (a whole completion, or one event of a stream).
const MAX_ANSWER_BYTES: u64 = 4 * 1024 * 1024;
/// The most characters of an answer kept (what a stream sends beyond is dropped).
const MAX_ANSWER_CHARS: usize = 200_000;

/// Why the language model gave no answer: what the client is told is generic; the detail goes
/// to the log (it may name the server, or echo part of a key).
#[derive(Debug, thiserror::Error)]
pub enum LlmError {
    #[error("the language model at {url} cannot be reached or failed: {detail}")]
    Unavailable { url: String, detail: String },
    #[error("the language model at {url} gave an unusable answer: {detail}")]
    BadAnswer { url: String, detail: String },
}

impl From<LlmError> for AppError {
    fn from(err: LlmError) -> AppError {
        log::warn!("language model: {err}");
        match err {
            LlmError::Unavailable { .. } => AppError::Unavailable(
                "The language model cannot be reached, is too slow or failed (the server's log \
                 says why); try again"
                    .into(),
            ),
            LlmError::BadAnswer { .. } => AppError::BadGateway(
                "The language model's answer is unusable (the server's log says why)".into(),
            ),
        }
    }
}

#[derive(Deserialize)]
struct Completion {
    choices: Vec<Choice>,
}

#[derive(Deserialize)]
struct Choice {
    message: Option<ChatMessage>,
    delta: Option<Delta>,
}

#[derive(Deserialize)]
struct Delta {
    content: Option<String>,
}

/// An answer as it streams: its pieces, then the end (or an error, after which nothing comes).
pub type Pieces = mpsc::Receiver<Result<String, LlmError>>;

/// A client of the language model; cheap to clone.
#[derive(Clone)]
pub struct Llm {
    settings: ServerSettings,
    agent: ureq::Agent,
    running: Arc<AtomicUsize>,
}

/// A completion's place among the `MAX_RUNNING`, given back when dropped.
struct Slot(Arc<AtomicUsize>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Llm {
    pub fn new(settings: ServerSettings) -> Llm {
        let agent = ureq::Agent::config_builder()
            .timeout_recv_response(Some(settings.timeout))
            // A streamed answer may take a while to finish; not forever.
            .timeout_recv_body(Some(settings.timeout.saturating_mul(10)))
            .http_status_as_error(false)
            .build()
            .into();
        Llm {
            settings,
            agent,
            running: Arc::default(),
        }
    }

    pub fn model(&self) -> &str {
        &self.settings.model
    }

    fn slot(&self) -> Result<Slot, AppError> {
        if self.running.fetch_add(1, Ordering::Relaxed) >= MAX_RUNNING {
            self.running.fetch_sub(1, Ordering::Relaxed);
            return Err(AppError::Unavailable(format!(
                "{MAX_RUNNING} answers are being written already; try again shortly"
            )));
        }
        Ok(Slot(self.running.clone()))
    }

    fn unavailable(&self, detail: String) -> LlmError {
        LlmError::Unavailable {
            url: self.settings.url.clone(),
            detail,
        }
    }

    fn bad(&self, detail: String) -> LlmError {
        LlmError::BadAnswer {
            url: self.settings.url.clone(),
            detail,
        }
    }

    /// Send the conversation; the response once its status says it is an answer. Blocks.
    fn send(
        &self,
        messages: &[ChatMessage],
        stream: bool,
    ) -> Result<ureq::http::Response<ureq::Body>, LlmError> {
        let body = serde_json::json!({
            "model": self.settings.model,
            "messages": messages,
            "stream": stream,
        })
        .to_string();
        let mut request = self
            .agent
            .post(format!("{}/chat/completions", self.settings.url))
            .content_type("application/json");
        if let Some(key) = &self.settings.api_key {
            request = request.header("Authorization", format!("Bearer {key}"));
        }
        let mut response = request
            .send(body)
            .map_err(|err| self.unavailable(err.to_string()))?;
        let status = response.status();
        if !status.is_success() {
            let text = response
                .body_mut()
                .with_config()
                .limit(65_536)
                .read_to_string()
                .unwrap_or_default();
            let excerpt: String = text.chars().take(200).collect();
            return Err(self.unavailable(format!("HTTP {}: {excerpt}", status.as_u16())));
        }
        Ok(response)
    }

    /// The whole answer to a conversation. Blocks for up to the timeouts.
    pub fn complete(&self, messages: &[ChatMessage]) -> Result<String, AppError> {
        let _slot = self.slot()?;
        let response = self.send(messages, false)?;
        Ok(self.whole_answer(response)?)
    }

    /// The message of an answer that is one JSON completion.
    fn whole_answer(
        &self,
        mut response: ureq::http::Response<ureq::Body>,
    ) -> Result<String, LlmError> {
        let text = response
            .body_mut()
            .with_config()
            .limit(MAX_ANSWER_BYTES)
            .read_to_string()
            .map_err(|err| self.unavailable(err.to_string()))?;
        let completion: Completion = serde_json::from_str(&text)
            .map_err(|err| self.bad(format!("not an OpenAI chat completion ({err})")))?;
        completion
            .choices
            .into_iter()
            .next()
            .and_then(|choice| choice.message)
            .map(|message| message.content)
            .ok_or_else(|| self.bad("no message in the answer".into()))
    }

    /// Start an answer: blocks until the model's server has answered with a success status
    /// (or failed: the error), then its pieces arrive on the returned channel as the server
    /// sends them, read by a thread of their own. A server that answers with one JSON
    /// completion instead is read (and checked) here, and sent as one piece.
    pub fn stream(&self, messages: &[ChatMessage]) -> Result<Pieces, AppError> {
        let slot = self.slot()?;
        let response = self.send(messages, true)?;
        let is_events = response
            .headers()
            .get("content-type")
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.starts_with("text/event-stream"));
        let (sender, receiver) = mpsc::channel(64);
        if !is_events {
            let answer = self.whole_answer(response)?;
            let _ = sender.try_send(Ok(answer));
            return Ok(receiver);
        }
        let llm = self.clone();
        std::thread::Builder::new()
            .name("llm-stream".into())
            .spawn(move || {
                let _slot = slot;
                if let Err(err) = llm.read_events(response, &sender) {
                    let _ = sender.blocking_send(Err(err));
                }
            })
            .map_err(|err| AppError::Internal(format!("starting a stream: {err}")))?;
        Ok(receiver)
    }

    /// Forward a streamed answer's pieces (server-sent events) as they come.
    fn read_events(
        &self,
        mut response: ureq::http::Response<ureq::Body>,
        sender: &mpsc::Sender<Result<String, LlmError>>,
    ) -> Result<(), LlmError> {
        let reader = response
            .body_mut()
            .with_config()
            .limit(MAX_ANSWER_BYTES.saturating_mul(16))
            .reader();
        let mut reader = BufReader::new(reader);
        let mut sent = 0;
        let mut bytes = Vec::new();
        loop {
            bytes.clear();
            // One event's line at most MAX_ANSWER_BYTES: a longer one is not an answer.
            let read = (&mut reader)
                .take(MAX_ANSWER_BYTES)
                .read_until(b'\n', &mut bytes)
                .map_err(|err| self.unavailable(err.to_string()))?;
            if read == 0 {
                break;
            }
            if read as u64 == MAX_ANSWER_BYTES && bytes.last() != Some(&b'\n') {
                return Err(self.bad("an event longer than an answer may be".into()));
            }
            let line = String::from_utf8_lossy(&bytes);
            let Some(data) = line.trim_end().strip_prefix("data:").map(str::trim) else {
                continue;
            };
            if data == "[DONE]" {
                break;
            }
            let event: Completion = serde_json::from_str(data)
                .map_err(|err| self.bad(format!("not a chat completion event ({err})")))?;
            let piece = event
                .choices
                .into_iter()
                .next()
                .and_then(|choice| choice.delta.and_then(|delta| delta.content))
                .unwrap_or_default();
            if piece.is_empty() || sent >= MAX_ANSWER_CHARS {
                continue;
            }
            sent += piece.chars().count();
            if sender.blocking_send(Ok(piece)).is_err() {
                // Nobody reads any more (the answer is stored by whoever holds the receiver).
                break;
            }
        }
        Ok(())
    }
}

/// The language model as the routes see it: there may be none. `replying`: the topics an answer
/// is being written in (one at a time in each, so that answers and edits keep their order).
#[derive(Clone, Default)]
pub struct Llms {
    pub llm: Option<Llm>,
    replying: Arc<Mutex<HashSet<TopicId>>>,
}

/// A topic's turn to be answered, given back when dropped.
pub struct Replying {
    topics: Arc<Mutex<HashSet<TopicId>>>,
    topic: TopicId,
}

impl Drop for Replying {
    fn drop(&mut self) {
        if let Ok(mut topics) = self.topics.lock() {
            topics.remove(&self.topic);
        }
    }
}

impl Llms {
    pub fn new(llm: Option<Llm>) -> Llms {
        Llms {
            llm,
            replying: Arc::default(),
        }
    }

    /// The whole answer to a conversation, off the async workers: a 400 without a model.
    pub async fn answer(&self, messages: Vec<ChatMessage>) -> Result<String, AppError> {
        let llm = self.require()?.clone();
        actix_web::web::block(move || llm.complete(&messages))
            .await
            .map_err(|_| AppError::Internal("the language model call panicked".into()))?
    }

    /// An answer's pieces as the model writes them (`Llm::stream`), off the async workers: a 400
    /// without a model.
    pub async fn stream(&self, messages: Vec<ChatMessage>) -> Result<Pieces, AppError> {
        let llm = self.require()?.clone();
        actix_web::web::block(move || llm.stream(&messages))
            .await
            .map_err(|_| AppError::Internal("the language model call panicked".into()))?
    }

    /// The topic's turn to be answered: a 409 while another answer is written in it.
    pub fn reply_in(&self, topic: TopicId) -> Result<Replying, AppError> {
        let mut topics = self
            .replying
            .lock()
            .map_err(|_| AppError::Internal("the replying set is poisoned".into()))?;
        if !topics.insert(topic) {
            return Err(AppError::Conflict(
                "An answer is being written in this topic; wait for it to end".into(),
            ));
        }
        Ok(Replying {
            topics: self.replying.clone(),
            topic,
        })
    }

    /// The model, or a 400 saying how to configure one.
    pub fn require(&self) -> Result<&Llm, AppError> {
        self.llm.as_ref().ok_or_else(|| {
            AppError::BadRequest(
                "This needs a language model: start trieve-lite with --llm-url (or \
                 TRIEVE_LLM_URL), e.g. Ollama's http://127.0.0.1:11434/v1 with --llm-model \
                 llama3.2 (a key, if the server needs one, in TRIEVE_LLM_API_KEY)"
                    .into(),
            )
        })
    }
}
