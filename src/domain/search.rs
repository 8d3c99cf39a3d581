//! Full-text search of a dataset's chunks, and "more like this". Every word of a query must
//! match (the last also as a prefix, while it is being typed); when that finds nothing, any word
//! may. A word that matches nothing in the dataset is corrected to its nearest words there: one
//! typo from 5 letters, two from 9 (a typo in the first letter is not: the search for
//! corrections reads the dataset's words that begin with the same letter). Results are ranked
//! by BM25 times the chunk's weight, and paged by ten.

use std::collections::HashMap;

use rusqlite::Connection;
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::db::chunks;
use crate::db::search::{self as index, Filters, Hit, Ranking};
use crate::domain::grants::DatasetScope;
use crate::domain::ids::ChunkId;
use crate::domain::time::Timestamp;
use crate::error::{AppError, AppResult};
use crate::models::{ChunkMetadataWithFileData, ScoreChunkDto, SearchChunkQueryResponseBody};
use crate::search::highlight::{highlight, Matches};
use crate::search::query::{fts5, term, Combine, Item, Query};
use crate::search::tokens;

pub const PAGE_SIZE: i64 = 10;
pub const MAX_QUERY_CHARS: usize = 1000;
const MAX_RECOMMEND_POSITIVES: usize = 20;
/// The positives' most distinctive words a recommendation searches for.
const RECOMMEND_TERMS: usize = 12;
/// Corrections kept for one word: the nearest, most frequent first.
const MAX_CORRECTIONS: usize = 3;

/// `POST /api/chunk/search`.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"query": "fish and chips", "search_type": "fulltext", "page": 1}))]
pub struct SearchChunkData {
    /// 1 to 1,000 characters. Every word must match, the last also as a prefix; when none then
    /// matches, any word. `"a phrase"` must appear as written; `-word` must not appear.
    #[schema(min_length = 1, max_length = 1000)]
    pub query: String,
    /// `fulltext`. `semantic` and `hybrid` need vectors, which this server does not keep yet.
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
    /// For hybrid search (not available yet); `[{}, {}]` means not given.
    #[schema(value_type = Option<Vec<WeightValue>>)]
    pub weights: Option<Vec<Value>>,
    /// For hybrid search (not available yet).
    pub cross_encoder: Option<bool>,
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

/// A search request, checked.
struct Search {
    query: Query,
    page: i64,
    filters: Filters,
    ranking: Ranking,
}

impl Search {
    fn parse(data: SearchChunkData) -> AppResult<Search> {
        let text = data.query.trim();
        if text.is_empty() || text.chars().count() > MAX_QUERY_CHARS {
            return Err(AppError::invalid(
                "query",
                format!("query must be 1 to {MAX_QUERY_CHARS} characters"),
            ));
        }
        match data.search_type.as_str() {
            "fulltext" => {}
            "semantic" | "hybrid" => {
                return Err(AppError::invalid(
                    "search_type",
                    "semantic and hybrid search need vectors, which this server does not keep \
                     yet; use search_type \"fulltext\"",
                ))
            }
            _ => {
                return Err(AppError::invalid(
                    "search_type",
                    "search_type must be \"fulltext\", \"semantic\" or \"hybrid\"",
                ))
            }
        }
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
        check_weights(data.weights.as_deref())?;
        let filters = Filters {
            tags: data.tag_set.map(|tags| json_list(&tags)),
            links: data.link.map(|links| json_list(&links)),
            metadata: metadata_filter(data.filters)?,
            from,
            to,
            excluded: None,
        };
        let ranking = if data.date_bias == Some(true) {
            Ranking::RecentFirst {
                now: Timestamp::now(),
            }
        } else {
            Ranking::Relevance
        };
        Ok(Search {
            query,
            page,
            filters,
            ranking,
        })
    }
}

/// `weights` matter to hybrid search only, but must still be numbers or `{}`.
fn check_weights(weights: Option<&[Value]>) -> AppResult<()> {
    let valid = weights.is_none_or(|weights| {
        weights
            .iter()
            .all(|weight| weight.is_number() || weight.is_object())
    });
    if valid {
        Ok(())
    } else {
        Err(AppError::invalid(
            "weights",
            "weights must be [semantic, fulltext], each a number",
        ))
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

/// The FTS5 query for a search, and the words to mark: every word must match; when nothing
/// does and there is more than one, any may.
struct Plan {
    all: String,
    any: Option<String>,
    matches: Matches,
}

fn plan(conn: &Connection, key: i64, query: &Query) -> AppResult<Plan> {
    let alternatives = corrections(conn, key, query)?;
    let mut stems: Vec<String> = alternatives.iter().flatten().cloned().collect();
    for item in &query.items {
        match item {
            Item::Word(word) => stems.push(word.stem.clone()),
            Item::Phrase(words) => stems.extend(words.iter().map(|word| word.stem.clone())),
        }
    }
    let prefixes = query
        .words()
        .filter(|(_, _, prefix)| *prefix)
        .map(|(_, word, _)| word.folded.clone())
        .collect();
    Ok(Plan {
        all: fts5(query, key, Combine::All, &alternatives),
        any: (query.items.len() > 1).then(|| fts5(query, key, Combine::Any, &alternatives)),
        matches: Matches::new(stems, prefixes),
    })
}

/// For each item of the query, the dataset's words it may also match: nearest words for a word
/// (of 5 letters or more) that matches nothing in the dataset, as written or as a prefix.
fn corrections(conn: &Connection, key: i64, query: &Query) -> AppResult<Vec<Vec<String>>> {
    let mut alternatives = vec![Vec::new(); query.items.len()];
    for (at, word, prefix) in query.words() {
        let typos = match word.folded.chars().count() {
            0..=4 => continue,
            5..=8 => 1,
            _ => 2,
        };
        if index::term_count(conn, &term(key, &word.stem))? > 0
            || (prefix && index::has_prefix(conn, &term(key, &word.folded))?)
        {
            continue;
        }
        alternatives[at] = nearest_words(conn, key, &word.stem, typos)?;
    }
    Ok(alternatives)
}

/// The dataset's words within `typos` edits of `stem` (a transposition counts as one), the
/// nearest first and, among those, the most frequent.
fn nearest_words(conn: &Connection, key: i64, stem: &str, typos: usize) -> AppResult<Vec<String>> {
    let Some(first) = stem.chars().next() else {
        return Ok(Vec::new());
    };
    let prefix = term(key, "");
    let length = stem.chars().count();
    let mut found: Vec<(usize, i64, String)> =
        index::terms_with_prefix(conn, &term(key, &first.to_string()))?
            .into_iter()
            .filter_map(|(candidate, chunks)| {
                let candidate = candidate.strip_prefix(&prefix)?.to_string();
                if candidate.chars().count().abs_diff(length) > typos {
                    return None;
                }
                let distance = strsim::osa_distance(stem, &candidate);
                (distance <= typos).then_some((distance, chunks, candidate))
            })
            .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
    let nearest = found.first().map(|(distance, _, _)| *distance);
    Ok(found
        .into_iter()
        .take_while(|(distance, _, _)| Some(*distance) == nearest)
        .take(MAX_CORRECTIONS)
        .map(|(_, _, word)| word)
        .collect())
}

/// `POST /api/chunk/search`.
pub fn search_chunks(
    conn: &Connection,
    reader: &DatasetScope,
    data: SearchChunkData,
) -> AppResult<SearchChunkQueryResponseBody> {
    let search = Search::parse(data)?;
    let key = index::search_key(conn, reader.id())?;
    let plan = plan(conn, key, &search.query)?;
    let mut expression = plan.all;
    let mut total = index::count_matches(conn, &expression, &search.filters)?;
    if total == 0 {
        if let Some(any) = plan.any {
            expression = any;
            total = index::count_matches(conn, &expression, &search.filters)?;
        }
    }
    let offset = (search.page - 1).saturating_mul(PAGE_SIZE);
    let hits = if offset < total {
        index::top_matches(
            conn,
            &expression,
            &search.filters,
            search.ranking,
            PAGE_SIZE as u32,
            offset,
        )?
    } else {
        Vec::new()
    };
    let score_chunks = chunks_of(conn, &hits)?
        .into_iter()
        .map(|(hit, mut chunk)| {
            chunk.chunk_html = chunk.chunk_html.map(|html| highlight(&html, &plan.matches));
            ScoreChunkDto {
                metadata: vec![chunk],
                score: -hit.rank + 0.0,
            }
        })
        .collect();
    Ok(SearchChunkQueryResponseBody {
        score_chunks,
        total_chunk_pages: (total + PAGE_SIZE - 1) / PAGE_SIZE,
    })
}

/// The hits' chunks, in the hits' order.
fn chunks_of(conn: &Connection, hits: &[Hit]) -> AppResult<Vec<(Hit, ChunkMetadataWithFileData)>> {
    let pks: Vec<i64> = hits.iter().map(|hit| hit.pk).collect();
    let mut found: HashMap<i64, ChunkMetadataWithFileData> =
        chunks::find_chunks_by_pk(conn, &pks)?.into_iter().collect();
    Ok(hits
        .iter()
        .filter_map(|hit| found.remove(&hit.pk).map(|chunk| (*hit, chunk)))
        .collect())
}

/// `POST /api/chunk/recommend`.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"positive_chunk_ids": ["2f1e8c53-7a0b-4f3e-9d6c-1b2a3c4d5e6f"]}))]
pub struct RecommendChunksRequest {
    /// 1 to 20 chunks of the dataset to find more like.
    #[schema(min_items = 1, max_items = 20)]
    pub positive_chunk_ids: Vec<String>,
}

/// Chunks like the positives, by their most distinctive words (term frequency in the positives
/// times inverse chunk frequency in the dataset); the positives themselves excluded.
pub fn recommend_chunks(
    conn: &Connection,
    reader: &DatasetScope,
    request: RecommendChunksRequest,
) -> AppResult<Vec<ChunkMetadataWithFileData>> {
    let count = request.positive_chunk_ids.len();
    if count == 0 || count > MAX_RECOMMEND_POSITIVES {
        return Err(AppError::invalid(
            "positive_chunk_ids",
            format!("positive_chunk_ids must name 1 to {MAX_RECOMMEND_POSITIVES} chunks"),
        ));
    }
    let mut positives = Vec::with_capacity(count);
    let mut frequency: HashMap<String, i64> = HashMap::new();
    for text in &request.positive_chunk_ids {
        let id: ChunkId = uuid::Uuid::parse_str(text.trim())
            .map_err(|_| {
                AppError::invalid(
                    "positive_chunk_ids",
                    "positive_chunk_ids must be chunk ids (UUIDs)",
                )
            })?
            .into();
        let (pk, content) = chunks::find_chunk_text(conn, reader.id(), id)?
            .ok_or_else(|| AppError::NotFound(format!("No chunk {id} in this dataset")))?;
        positives.push(pk);
        for word in tokens::words(&content) {
            *frequency.entry(word.stem).or_default() += 1;
        }
    }
    let key = index::search_key(conn, reader.id())?;
    let chunks_in_dataset = chunks::count_chunks_of_dataset(conn, reader.id())? as f64;
    let mut distinctive: Vec<(f64, String)> = Vec::with_capacity(frequency.len());
    for (stem, times) in frequency {
        let holding = index::term_count(conn, &term(key, &stem))?.max(1) as f64;
        distinctive.push((
            times as f64 * (1.0 + chunks_in_dataset / holding).ln(),
            stem,
        ));
    }
    distinctive.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let terms: Vec<String> = distinctive
        .iter()
        .take(RECOMMEND_TERMS)
        .map(|(_, stem)| format!("\"{}\"", term(key, stem)))
        .collect();
    if terms.is_empty() {
        return Ok(Vec::new());
    }
    let filters = Filters {
        excluded: Some(serde_json::to_string(&positives).unwrap_or_default()),
        ..Filters::default()
    };
    let expression = terms.join(" OR ");
    let hits = index::top_matches(
        conn,
        &expression,
        &filters,
        Ranking::Relevance,
        PAGE_SIZE as u32,
        0,
    )?;
    Ok(chunks_of(conn, &hits)?
        .into_iter()
        .map(|(_, chunk)| chunk)
        .collect())
}
