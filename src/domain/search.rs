//! Full-text search of a dataset's chunks, and "more like this". Every word of a query must
//! match (the last also as a prefix while it is being typed, unless it is a word of the dataset
//! already); when that finds nothing, any word may. A word that matches nothing in the dataset
//! is corrected to its nearest words there: one typo from 5 letters, two from 9. Results are
//! ranked by BM25 over the dataset times the chunk's weight (of many matches, the newest
//! `RANKED_MATCHES`), and paged by ten. The README's "Search" says the rules for users.

mod recommend;
mod request;
mod typos;

pub use recommend::{recommend_chunks, RecommendChunksRequest};
use request::Search;
pub use request::{EmptyObject, SearchChunkData, TimeBound, WeightValue};
use typos::corrections;

use std::collections::HashMap;

use rusqlite::Connection;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::chunks::{insert_chunk, NewChunk};
    use crate::db::open_in_memory;
    use crate::db::test_support::dataset_and_user;
    use crate::domain::fields::Weight;

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
