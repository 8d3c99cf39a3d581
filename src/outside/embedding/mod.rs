//! Vectors from an embedding server the user runs (Ollama, llama.cpp's server, vLLM, Hugging
//! Face TEI, OpenAI): `POST {url}/embeddings {"model", "input": [texts]}`, the OpenAI API. The
//! client here embeds a search's query; `worker` embeds the chunks without a vector in the
//! background. The key (`TRIEVE_EMBEDDING_API_KEY`) is sent as a bearer token and never shown:
//! not in the log, not in an error, not in Debug.

pub mod worker;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use serde::Deserialize;

use crate::domain::error::AppError;
use crate::domain::vectors::{check_vector, MAX_VECTOR_LENGTH};
use crate::outside::{http_agent, ServerSettings};

/// The longest answer read from the server: 4,096 numbers of 25 characters for each of a
/// batch's texts, and room.
const MAX_ANSWER_BYTES: u64 = (worker::BATCH * MAX_VECTOR_LENGTH * 25 + 65_536) as u64;
/// The most characters of a chunk sent to be embedded (models read a few thousand words at
/// most; the server cuts what it cannot read).
pub const MAX_TEXT_CHARS: usize = 32_768;

/// Why the server gave no vectors.
#[derive(Debug, Clone, thiserror::Error)]
pub enum EmbedError {
    /// Not reachable, too slow, or answering with an error status: try again later.
    #[error("the embedding server at {url} cannot be reached or failed: {detail}")]
    Unavailable { url: String, detail: String },
    /// It answered, but not with one usable vector per text.
    #[error("the embedding server at {url} gave an unusable answer: {detail}")]
    BadAnswer { url: String, detail: String },
}

/// What a search is told: not the server's address nor its answer (which may echo part of the
/// key); those go to the log.
impl From<EmbedError> for AppError {
    fn from(err: EmbedError) -> AppError {
        log::warn!("embedding a query: {err}");
        match err {
            EmbedError::Unavailable { .. } => AppError::Unavailable(
                "Cannot embed the query: the embedding server cannot be reached, is too slow or \
                 failed (the server's log says why). Try again, or search with search_type \
                 \"fulltext\""
                    .into(),
            ),
            EmbedError::BadAnswer { .. } => AppError::BadGateway(
                "Cannot embed the query: the embedding server's answer is unusable (the \
                 server's log says why). Search with search_type \"fulltext\" meanwhile"
                    .into(),
            ),
        }
    }
}

/// A client of the embedding server; cheap to clone.
#[derive(Clone)]
pub struct Embedder {
    settings: ServerSettings,
    agent: ureq::Agent,
    /// How many numbers the model's vectors have, learnt from its first answer: an answer of
    /// another length is unusable (a model gives vectors of one length).
    dimensions: Arc<AtomicUsize>,
}

#[derive(Deserialize)]
struct Answer {
    data: Vec<Embedding>,
}

#[derive(Deserialize)]
struct Embedding {
    embedding: Vec<f64>,
    index: Option<usize>,
}

impl Embedder {
    pub fn new(settings: ServerSettings) -> Embedder {
        let agent = http_agent(settings.timeout);
        Embedder {
            settings,
            agent,
            dimensions: Arc::default(),
        }
    }

    pub fn model(&self) -> &str {
        &self.settings.model
    }

    /// One vector per text, in order: each 1 to 4,096 finite numbers, not all zero, all of one
    /// length. Blocks for up to the timeout.
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let url = &self.settings.url;
        let unavailable = |detail: String| EmbedError::Unavailable {
            url: url.clone(),
            detail,
        };
        let bad = |detail: String| EmbedError::BadAnswer {
            url: url.clone(),
            detail,
        };
        let input: Vec<String> = texts
            .iter()
            .map(|text| text.chars().take(MAX_TEXT_CHARS).collect())
            .collect();
        let body = serde_json::json!({"model": self.settings.model, "input": input}).to_string();
        let mut request = self
            .agent
            .post(format!("{url}/embeddings"))
            .content_type("application/json");
        if let Some(key) = &self.settings.api_key {
            request = request.header("Authorization", format!("Bearer {key}"));
        }
        let mut response = request
            .send(body)
            .map_err(|err| unavailable(err.to_string()))?;
        let status = response.status();
        let text = response
            .body_mut()
            .with_config()
            .limit(MAX_ANSWER_BYTES)
            .read_to_string()
            .map_err(|err| unavailable(err.to_string()))?;
        if !status.is_success() {
            let excerpt: String = text.chars().take(200).collect();
            let detail = format!("HTTP {}: {excerpt}", status.as_u16());
            // 400, 413 and 422 refuse these texts (one too long for the model, say): another
            // text may do, so it counts as an unusable answer, and the batch is retried a text
            // at a time. Anything else (a wrong key or model, overload, an error of its own) is
            // the server's state, and waits for it to change.
            return Err(match status.as_u16() {
                400 | 413 | 422 => bad(detail),
                _ => unavailable(detail),
            });
        }
        let answer: Answer = serde_json::from_str(&text)
            .map_err(|err| bad(format!("not an OpenAI embeddings answer ({err})")))?;
        if answer.data.len() != texts.len() {
            return Err(bad(format!(
                "{} vectors for {} texts",
                answer.data.len(),
                texts.len()
            )));
        }
        let mut vectors: Vec<Option<Vec<f32>>> = vec![None; texts.len()];
        for (at, item) in answer.data.into_iter().enumerate() {
            let slot = item.index.unwrap_or(at);
            let vector: Vec<f32> = item.embedding.iter().map(|&x| x as f32).collect();
            check_vector(&vector).map_err(|problem| bad(format!("vector {slot}: {problem}")))?;
            match vectors.get_mut(slot) {
                Some(place @ None) => *place = Some(vector),
                _ => return Err(bad(format!("index {slot} is out of place"))),
            }
        }
        let vectors: Vec<Vec<f32>> = vectors.into_iter().flatten().collect();
        let length = vectors[0].len();
        if vectors.iter().any(|v| v.len() != length) {
            return Err(bad("vectors of different lengths".into()));
        }
        match self
            .dimensions
            .compare_exchange(0, length, Ordering::Relaxed, Ordering::Relaxed)
        {
            Ok(_) => Ok(vectors),
            Err(known) if known == length => Ok(vectors),
            Err(known) => Err(bad(format!(
                "vectors of {length} numbers, where the model gave {known} before"
            ))),
        }
    }
}

/// The embedding server as the routes see it: there may be none.
#[derive(Clone, Default)]
pub struct Embeddings {
    pub embedder: Option<Embedder>,
    pub stats: std::sync::Arc<worker::EmbeddingStats>,
}

impl Embeddings {
    /// The server, or a 400 saying how to configure one.
    pub fn require(&self) -> Result<&Embedder, AppError> {
        self.embedder.as_ref().ok_or_else(|| {
            AppError::invalid(
                "search_type",
                "Semantic and hybrid search need an embedding server: start trieve-lite with \
                 --embedding-url (or TRIEVE_EMBEDDING_URL), e.g. Ollama's \
                 http://127.0.0.1:11434/v1 with --embedding-model nomic-embed-text; or use \
                 search_type \"fulltext\"",
            )
        })
    }

    /// The vector of a query, off the async workers: a 400 without a server, a 503 when it
    /// cannot be reached in time, a 502 when its answer is unusable.
    pub async fn embed_query(&self, text: String) -> Result<Vec<f32>, AppError> {
        let embedder = self.require()?.clone();
        let mut vectors = actix_web::web::block(move || embedder.embed(&[text.as_str()]))
            .await
            .map_err(|_| AppError::Internal("the embedding call panicked".into()))??;
        Ok(vectors.remove(0))
    }
}
