//! A search request as the client sends it (`SearchChunkData`), checked into a `Search`.

use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::*;

/// `POST /api/chunk/search`.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"query": "fish and chips", "search_type": "fulltext", "page": 1}))]
pub struct SearchChunkData {
    /// 1 to 1,000 characters. Every word must match (the last, while typed, also as a prefix
    /// when it is not a word of the dataset); when none then matches, any word. `"a phrase"` must
    /// appear as written; `-word` must not appear.
    #[schema(min_length = 1, max_length = 1000)]
    pub query: String,
    /// `fulltext`; `semantic` (by meaning: the query's vector from the embedding server, cosine
    /// similarity with the chunks' vectors) and `hybrid` (both lists fused by reciprocal rank)
    /// need an embedding server (`--embedding-url`).
    #[schema(value_type = String, pattern = "^(fulltext|semantic|hybrid)$")]
    pub search_type: String,
    /// 1 first; 0 or absent is 1. Ten results a page.
    #[schema(minimum = 0)]
    pub page: Option<i64>,
    /// Chunks carrying any of these tags (whole tags, any case).
    pub tag_set: Option<Vec<String>>,
    /// Chunks whose link is one of these.
    pub link: Option<Vec<String>>,
    /// For every key, the chunk's `metadata[key]` equals the value (strings in any case; an
    /// array means any of its items).
    #[schema(value_type = Option<Object>)]
    pub filters: Option<Value>,
    /// `[start, end]` of `time_stamp`, ISO 8601; either may be null or `"null"`. `[{}, {}]` (what
    /// the 1.0.0 client sends) means not given.
    #[schema(value_type = Option<Vec<TimeBound>>)]
    pub time_range: Option<Vec<Value>>,
    /// Favour recent chunks: the score is multiplied by 1 + 1 / (1 + age in days / 30), the age
    /// taken from `time_stamp`, else `created_at`.
    pub date_bias: Option<bool>,
    /// For hybrid search: `[semantic, fulltext]`, each a number of 0 or more, how much each
    /// list counts in the fusion (1 and 1 when not given); `[{}, {}]` means not given.
    #[schema(value_type = Option<Vec<WeightValue>>)]
    pub weights: Option<Vec<Value>>,
    /// Accepted and ignored: there is no cross-encoder here.
    pub cross_encoder: Option<bool>,
}

/// `POST /api/chunk_collection/search`: the search of `POST /api/chunk/search`, of one
/// collection's chunks.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"collection_id": "5b0e6f7a-3c2d-4e1f-8a9b-0c1d2e3f4a5b", "query": "fish", "search_type": "fulltext"}))]
pub struct SearchCollectionsData {
    /// The collection, in the TR-Dataset.
    pub collection_id: uuid::Uuid,
    #[serde(flatten)]
    pub search: SearchChunkData,
}

impl SearchCollectionsData {
    /// The collection, and the search to run within it.
    pub fn split(self) -> (CollectionId, SearchChunkData) {
        (CollectionId::from(self.collection_id), self.search)
    }
}

/// A bound of `time_range`: an ISO 8601 time, null, `"null"`, or `{}` (not given).
#[derive(ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum TimeBound {
    Time(String),
    NotGiven(Option<EmptyObject>),
}

/// A weight of `weights`: a number, or `{}` (not given).
#[derive(ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum WeightValue {
    Weight(f64),
    NotGiven(EmptyObject),
}

/// `{}`.
#[derive(ToSchema)]
pub struct EmptyObject {}

/// How a search finds its chunks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchKind {
    Fulltext,
    Semantic,
    Hybrid,
}

/// A search request, checked.
pub struct Search {
    /// The query as typed, trimmed: what the embedding server embeds.
    pub text: String,
    pub kind: SearchKind,
    pub(super) query: Query,
    pub(super) page: i64,
    pub(super) filters: Filters,
    pub(super) ranking: Ranking,
    /// How much the semantic and the full-text lists count in a hybrid search.
    pub(super) weights: (f64, f64),
}

impl Search {
    /// Whether the search needs the query's vector.
    pub fn needs_vector(&self) -> bool {
        self.kind != SearchKind::Fulltext
    }

    /// The same search, of one collection's chunks only.
    pub fn within_collection(mut self, collection: CollectionId) -> Search {
        self.filters.collection = Some(collection.to_string());
        self
    }

    pub fn parse(data: SearchChunkData) -> AppResult<Search> {
        let text = data.query.trim();
        if text.is_empty() || text.chars().count() > MAX_QUERY_CHARS {
            return Err(AppError::invalid(
                "query",
                format!("query must be 1 to {MAX_QUERY_CHARS} characters"),
            ));
        }
        let kind = match data.search_type.as_str() {
            "fulltext" => SearchKind::Fulltext,
            "semantic" => SearchKind::Semantic,
            "hybrid" => SearchKind::Hybrid,
            _ => {
                return Err(AppError::invalid(
                    "search_type",
                    "search_type must be \"fulltext\", \"semantic\" or \"hybrid\"",
                ))
            }
        };
        let page = match data.page {
            None | Some(0) => 1,
            Some(page) if page > 0 => page,
            Some(_) => return Err(AppError::invalid("page", "page must be 0 or more")),
        };
        let query = Query::parse(&data.query).ok_or_else(|| {
            AppError::invalid(
                "query",
                "The query has no word to search for: it needs a letter or a digit outside an \
                 exclusion",
            )
        })?;
        let (from, to) = time_range(data.time_range.as_deref())?;
        let weights = weights(data.weights.as_deref())?;
        let filters = Filters {
            tags: data.tag_set.map(|tags| json_list(&tags)),
            links: data.link.map(|links| json_list(&links)),
            metadata: metadata_filter(data.filters)?,
            from,
            to,
            excluded: None,
            with_vector: false,
            collection: None,
        };
        let ranking = if data.date_bias == Some(true) {
            Ranking::RecentFirst {
                now: Timestamp::now(),
            }
        } else {
            Ranking::Relevance
        };
        Ok(Search {
            text: text.to_string(),
            kind,
            query,
            page,
            filters,
            ranking,
            weights,
        })
    }
}

/// `weights`: `[semantic, fulltext]`, numbers of 0 or more, not both 0; one not given (`{}` or
/// missing) is 1.
fn weights(weights: Option<&[Value]>) -> AppResult<(f64, f64)> {
    let invalid = || {
        AppError::invalid(
            "weights",
            "weights must be [semantic, fulltext], each a number of 0 or more, not both 0",
        )
    };
    let Some(weights) = weights else {
        return Ok((1.0, 1.0));
    };
    if weights.len() > 2 {
        return Err(invalid());
    }
    let weight = |value: Option<&Value>| match value {
        None | Some(Value::Object(_)) => Ok(None),
        Some(Value::Number(number)) => match number.as_f64() {
            Some(weight) if weight.is_finite() && weight >= 0.0 => Ok(Some(weight)),
            _ => Err(invalid()),
        },
        Some(_) => Err(invalid()),
    };
    match (weight(weights.first())?, weight(weights.get(1))?) {
        (None, None) => Ok((1.0, 1.0)),
        (semantic, fulltext) => {
            let pair = (semantic.unwrap_or(1.0), fulltext.unwrap_or(1.0));
            if pair == (0.0, 0.0) {
                Err(invalid())
            } else {
                Ok(pair)
            }
        }
    }
}

fn json_list(items: &[String]) -> String {
    serde_json::to_string(items).unwrap_or_default()
}

fn metadata_filter(filters: Option<Value>) -> AppResult<Option<String>> {
    match filters {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(map)) if map.is_empty() => Ok(None),
        Some(object @ Value::Object(_)) => Ok(Some(object.to_string())),
        Some(_) => Err(AppError::invalid(
            "filters",
            "filters must be a JSON object",
        )),
    }
}

/// `[start, end]`: each an ISO 8601 time, or null, "null" or {} for no bound.
fn time_range(range: Option<&[Value]>) -> AppResult<(Option<Timestamp>, Option<Timestamp>)> {
    let Some(range) = range else {
        return Ok((None, None));
    };
    let invalid = || {
        AppError::invalid(
            "time_range",
            "time_range must be [start, end], each an ISO 8601 time (like 2026-01-31T12:00:00) or null",
        )
    };
    if range.len() > 2 {
        return Err(invalid());
    }
    let bound = |value: Option<&Value>| -> AppResult<Option<Timestamp>> {
        match value {
            None | Some(Value::Null) | Some(Value::Object(_)) => Ok(None),
            Some(Value::String(text)) if text.trim() == "null" || text.trim().is_empty() => {
                Ok(None)
            }
            Some(Value::String(text)) => {
                Timestamp::parse_iso8601(text).map(Some).ok_or_else(invalid)
            }
            Some(_) => Err(invalid()),
        }
    };
    Ok((bound(range.first())?, bound(range.get(1))?))
}
