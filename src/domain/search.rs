//! Full-text search of a dataset's chunks, and "more like this". Every word of a query must
//! match (the last also as a prefix while it is being typed, unless it is a word of the dataset
//! already); when that finds nothing, any word may. A word that matches nothing in the dataset
//! is corrected to its nearest words there: one typo from 5 letters, two from 9. Results are
//! ranked by BM25 over the dataset times the chunk's weight (of many matches, the newest
//! `RANKED_MATCHES`), and paged by ten. The README's "Search" says the rules for users.

use std::collections::{HashMap, HashSet};

use rusqlite::Connection;
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::db::chunks;
use crate::db::search::{self as index, Filters, Frequencies, Hit, Ranking, Scoring, Window};
use crate::domain::grants::DatasetScope;
use crate::domain::ids::{ChunkId, DatasetId};
use crate::domain::time::Timestamp;
use crate::error::{AppError, AppResult};
use crate::models::{ChunkMetadataWithFileData, ScoreChunkDto, SearchChunkQueryResponseBody};
use crate::search::highlight::{highlight, Matches};
use crate::search::query::{fts5, term, Combine, Expression, Item, Phrase, Query};
use crate::search::tokens::{self, Word};

pub const PAGE_SIZE: i64 = 10;
pub const MAX_QUERY_CHARS: usize = 1000;
const MAX_RECOMMEND_POSITIVES: usize = 20;
/// The positives' most distinctive words a recommendation searches for.
const RECOMMEND_TERMS: usize = 12;
/// Corrections kept for one word: the nearest, most frequent first.
const MAX_CORRECTIONS: usize = 3;
/// The most matches a search ranks: of more, it ranks the newest this many, and the pages after
/// them list the older matches newest first. (FTS5 scores every match it ranks; a word in most of
/// a million chunks would otherwise cost a second a search.) A multiple of `PAGE_SIZE`.
pub const RANKED_MATCHES: i64 = 10_000;

/// `POST /api/chunk/search`.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"query": "fish and chips", "search_type": "fulltext", "page": 1}))]
pub struct SearchChunkData {
    /// 1 to 1,000 characters. Every word must match (the last, while typed, also as a prefix
    /// when it is not a word of the dataset); when none then matches, any word. `"a phrase"` must
    /// appear as written; `-word` must not appear.
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
    all: Expression,
    any: Option<Expression>,
    matches: Matches,
}

fn plan(conn: &Connection, key: i64, mut query: Query) -> AppResult<Plan> {
    // The word being typed matches the words it begins only while it is not a word of the
    // dataset itself: the words "the" begins are in most chunks, and FTS5 merges every one of
    // their lists to find them (half a second at a million chunks).
    if let (true, Some(Item::Word(word))) = (query.last_is_prefix, query.items.last()) {
        if index::has_term(conn, &term(key, &word.stem))? {
            query.last_is_prefix = false;
        }
    }
    let query = &query;
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
        if index::has_term(conn, &term(key, &word.stem))?
            || (prefix && index::has_prefix(conn, &term(key, &word.folded))?)
        {
            continue;
        }
        alternatives[at] = nearest_words(conn, key, word, typos)?;
    }
    Ok(alternatives)
}

/// The dataset's words nearest to a word it lacks, the most frequent first: those one edit (a
/// character added, dropped or changed, or two swapped) from the word as typed, compared once
/// stemmed, so that "appearancx" finds what "appearance" was indexed as; when there are none
/// and two typos are allowed, those within two edits of the word's stem among the dataset's
/// words that begin with the same two letters.
fn nearest_words(conn: &Connection, key: i64, word: &Word, typos: usize) -> AppResult<Vec<String>> {
    let mut seen = HashSet::new();
    let mut found = Vec::new();
    for spelling in one_edit(&word.folded) {
        let stem = tokens::stem(&spelling);
        if seen.insert(stem.clone()) && index::has_term(conn, &term(key, &stem))? {
            found.push(stem);
        }
    }
    if found.is_empty() && typos >= 2 {
        let start: String = word.stem.chars().take(2).collect();
        let prefix = term(key, "");
        found = index::terms_with_prefix(conn, &term(key, &start))?
            .into_iter()
            .filter_map(|(candidate, _)| {
                let candidate = candidate.strip_prefix(&prefix)?.to_string();
                let close = candidate
                    .chars()
                    .count()
                    .abs_diff(word.stem.chars().count())
                    <= typos
                    && strsim::osa_distance(&word.stem, &candidate) <= typos;
                close.then_some(candidate)
            })
            .collect();
    }
    let frequencies = Frequencies::new(conn, key)?;
    let mut ranked = found
        .into_iter()
        .map(|stem| Ok((frequencies.of(&Phrase::Term(term(key, &stem)))?, stem)))
        .collect::<AppResult<Vec<(i64, String)>>>()?;
    ranked.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    Ok(ranked
        .into_iter()
        .take(MAX_CORRECTIONS)
        .map(|(_, stem)| stem)
        .collect())
}

/// Every spelling one edit from `word`: a character dropped, two neighbours swapped, or a
/// letter or digit (or one of the word's own characters) put in or in place of one.
fn one_edit(word: &str) -> Vec<String> {
    let chars: Vec<char> = word.chars().collect();
    let mut alphabet: Vec<char> = ('a'..='z')
        .chain('0'..='9')
        .chain(chars.iter().copied())
        .collect();
    alphabet.sort_unstable();
    alphabet.dedup();
    let spell = |parts: &[&[char]]| parts.concat().into_iter().collect::<String>();
    let mut spellings = Vec::with_capacity(chars.len() * alphabet.len() * 2 + chars.len() * 2);
    for at in 0..=chars.len() {
        let (before, after) = chars.split_at(at);
        if let Some((_, rest)) = after.split_first() {
            spellings.push(spell(&[before, rest]));
            for c in &alphabet {
                spellings.push(spell(&[before, &[*c], rest]));
            }
        }
        if let [a, b, rest @ ..] = after {
            spellings.push(spell(&[before, &[*b, *a], rest]));
        }
        for c in &alphabet {
            spellings.push(spell(&[before, &[*c], after]));
        }
    }
    spellings
}

/// `POST /api/chunk/search`.
pub fn search_chunks(
    conn: &Connection,
    reader: &DatasetScope,
    data: SearchChunkData,
) -> AppResult<SearchChunkQueryResponseBody> {
    search_dataset(conn, reader.id(), data)
}

/// A search of one dataset, whoever asks: what `search_chunks` answers once the caller's grant
/// is checked, and what the benchmark runs in-process (examples/search_floor.rs).
pub fn search_dataset(
    conn: &Connection,
    dataset_id: DatasetId,
    data: SearchChunkData,
) -> AppResult<SearchChunkQueryResponseBody> {
    let search = Search::parse(data)?;
    let key = index::search_key(conn, dataset_id)?;
    let plan = plan(conn, key, search.query)?;
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
        let counted = search.filters.is_empty().then_some(total);
        let scoring = Scoring::of(conn, key, &expression, search.ranking, counted)?;
        page(
            conn,
            &expression,
            &search.filters,
            &scoring,
            offset,
            Some(total),
            RANKED_MATCHES,
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
                score: hit.score,
            }
        })
        .collect();
    Ok(SearchChunkQueryResponseBody {
        score_chunks,
        total_chunk_pages: (total + PAGE_SIZE - 1) / PAGE_SIZE,
    })
}

/// A page of the best matches, skipping `offset`: of more than `ranked` matches, the newest
/// `ranked` are ranked, and the older ones follow, newest first. `total`, when known, saves
/// looking for the oldest ranked match when there are few.
fn page(
    conn: &Connection,
    expression: &Expression,
    filters: &Filters,
    scoring: &Scoring,
    offset: i64,
    total: Option<i64>,
    ranked: i64,
) -> AppResult<Vec<Hit>> {
    let boundary = if total.is_none_or(|total| total > ranked) {
        index::nth_newest_match(conn, expression, filters, ranked - 1)?
    } else {
        None
    };
    let (window, offset) = match boundary {
        None => (Window::Ranked, offset),
        Some(oldest) if offset < ranked => (Window::RankedFrom(oldest), offset),
        Some(oldest) => (Window::NewestBefore(oldest), offset - ranked),
    };
    Ok(index::page_of_matches(
        conn,
        expression,
        filters,
        scoring,
        window,
        PAGE_SIZE as u32,
        offset,
    )?)
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
    let frequencies = Frequencies::new(conn, key)?;
    let chunks_in_dataset = frequencies.sizes().chunks as f64;
    let mut distinctive: Vec<(f64, String)> = Vec::with_capacity(frequency.len());
    for (stem, times) in frequency {
        let holding = frequencies.of(&Phrase::Term(term(key, &stem)))?.max(1) as f64;
        distinctive.push((
            times as f64 * (1.0 + chunks_in_dataset / holding).ln(),
            stem,
        ));
    }
    distinctive.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let terms: Vec<String> = distinctive
        .iter()
        .take(RECOMMEND_TERMS)
        .map(|(_, stem)| term(key, stem))
        .collect();
    if terms.is_empty() {
        return Ok(Vec::new());
    }
    let phrases: Vec<Phrase> = terms.into_iter().map(Phrase::Term).collect();
    let expression = Expression {
        text: phrases
            .iter()
            .map(Phrase::fts5)
            .collect::<Vec<_>>()
            .join(" OR "),
        phrases,
    };
    let filters = Filters {
        excluded: Some(serde_json::to_string(&positives).unwrap_or_default()),
        ..Filters::default()
    };
    let scoring = Scoring::of(conn, key, &expression, Ranking::Relevance, None)?;
    let hits = page(
        conn,
        &expression,
        &filters,
        &scoring,
        0,
        None,
        RANKED_MATCHES,
    )?;
    Ok(chunks_of(conn, &hits)?
        .into_iter()
        .map(|(_, chunk)| chunk)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::chunks::{insert_chunk, NewChunk};
    use crate::db::open_in_memory;
    use crate::db::test_support::dataset_and_user;
    use crate::domain::fields::Weight;

    #[test]
    fn one_edit_spells_every_drop_swap_change_and_insertion() {
        let spellings: HashSet<String> = one_edit("cat").into_iter().collect();
        for expected in [
            "at", "ct", "ca", "act", "cta", "bat", "cut", "cab", "xcat", "cart", "cats",
        ] {
            assert!(spellings.contains(expected), "{expected}");
        }
        assert!(!spellings.contains("dog") && !spellings.contains("cat s"));
        assert!(
            one_edit("né").iter().any(|spelling| spelling == "éné"),
            "the word's own letters"
        );
    }

    #[test]
    fn past_the_ranked_matches_pages_go_on_newest_first_and_miss_none() {
        let conn = open_in_memory().unwrap();
        let (dataset, user) = dataset_and_user(&conn);
        // 25 chunks with "fish"; the 5 oldest weigh the most, so would rank first if all were
        // ranked.
        let mut contents = Vec::new();
        for i in 0..25 {
            let mut chunk = NewChunk::plain(dataset, user, &format!("fish number{i}"));
            let weight = if i < 5 {
                10.0
            } else {
                1.0 + (i % 7) as f64 / 10.0
            };
            chunk.weight = Weight::parse(weight).unwrap();
            contents.push((weight, insert_chunk(&conn, &chunk).unwrap().content));
        }
        let key = index::search_key(&conn, dataset).unwrap();
        let query = Query::parse("fish ").unwrap();
        let expression = fts5(&query, key, Combine::All, &[]);
        let filters = Filters::default();
        let scoring = Scoring::of(&conn, key, &expression, Ranking::Relevance, None).unwrap();
        let pages: Vec<Vec<String>> = (0..3)
            .map(|n| {
                let hits = page(
                    &conn,
                    &expression,
                    &filters,
                    &scoring,
                    n * PAGE_SIZE,
                    Some(25),
                    20,
                )
                .unwrap();
                chunks_of(&conn, &hits)
                    .unwrap()
                    .into_iter()
                    .map(|(_, chunk)| chunk.content)
                    .collect()
            })
            .collect();
        // The newest 20 are ranked (every match scores the same but for its weight): the
        // heaviest first, the newest first among equals.
        let mut ranked: Vec<(f64, usize, String)> = contents[5..]
            .iter()
            .enumerate()
            .map(|(i, (weight, content))| (*weight, i, content.clone()))
            .collect();
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.cmp(&a.1)));
        let ranked: Vec<String> = ranked.into_iter().map(|(_, _, content)| content).collect();
        assert_eq!(pages[0], ranked[..10]);
        assert_eq!(pages[1], ranked[10..]);
        // Then the 5 older ones, newest first, heavy as they are.
        let older: Vec<String> = contents[..5].iter().rev().map(|(_, c)| c.clone()).collect();
        assert_eq!(pages[2], older);

        // With room for all of them, the heavy ones lead.
        let hits = page(&conn, &expression, &filters, &scoring, 0, Some(25), 100).unwrap();
        let heavy: Vec<String> = chunks_of(&conn, &hits[..5])
            .unwrap()
            .into_iter()
            .map(|(_, chunk)| chunk.content)
            .collect();
        assert_eq!(heavy, older);
    }
}
