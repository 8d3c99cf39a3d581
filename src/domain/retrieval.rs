//! Search of a dataset's chunks: full-text, semantic (`semantic`) or both fused, and "more like
//! this". Full text: every word of a query must
//! match (the last also as a prefix while it is being typed, unless it is a word of the dataset
//! already); when that finds nothing, any word may. A word that matches nothing in the dataset
//! is corrected to its nearest words there: one typo from 5 letters, two from 9. Results are
//! ranked by BM25 over the dataset times the chunk's weight (of many matches, the newest
//! `RANKED_MATCHES`), and paged by ten. docs/search.md says the rules for users.

mod recommend;
mod request;
mod semantic;
mod typos;

pub use recommend::{recommend_chunks, RecommendChunksRequest};
pub use request::{
    EmptyObject, Search, SearchChunkData, SearchCollectionsData, SearchKind, TimeBound, WeightValue,
};
use semantic::Near;
use typos::corrections;

use std::collections::HashMap;

use rusqlite::Connection;

use crate::db::chunks;
use crate::db::chunks::ChunkWithFileRow;
use crate::db::fulltext::{self, Filters, Frequencies, Hit, Ranking, Scoring, Window};
use crate::db::vector_index::VectorIndex;
use crate::domain::error::{AppError, AppResult};
use crate::domain::grants::DatasetScope;
use crate::search::highlight::{highlight, Matches};
use crate::search::query::{fts5, term, Combine, Expression, Item, Phrase, Query};
use crate::search::tokens::{self, Word};
use crate::types::ids::{ChunkId, CollectionId, DatasetId};
use crate::types::time::Timestamp;

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
        if fulltext::has_term(conn, &term(key, &word.stem))? {
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

/// One hit of a search: the chunk, its HTML with the matched words marked, and its score,
/// positive, higher is better.
#[derive(Debug, Clone)]
pub struct ScoredChunk {
    pub chunk: ChunkWithFileRow,
    pub score: f64,
}

/// A page of a search's hits, best first.
#[derive(Debug, Clone)]
pub struct SearchPage {
    pub hits: Vec<ScoredChunk>,
    /// ceil(matching chunks / 10).
    pub total_pages: i64,
}

/// `POST /api/chunk/search`. `query_vector`: the query's vector, for a semantic or hybrid
/// search.
pub fn search_chunks(
    conn: &Connection,
    vectors: &VectorIndex,
    reader: &DatasetScope,
    search: Search,
    query_vector: Option<Vec<f32>>,
) -> AppResult<SearchPage> {
    search_dataset(conn, vectors, reader.id(), search, query_vector)
}

/// The full-text side of a search: its expression (every word, else any) and how many chunks
/// match it.
struct Fulltext {
    expression: Expression,
    total: i64,
}

fn fulltext_matches(conn: &Connection, plan: &mut Plan, filters: &Filters) -> AppResult<Fulltext> {
    let mut expression = plan.all.clone();
    let mut total = fulltext::count_matches(conn, &expression, filters)?;
    if total == 0 {
        if let Some(any) = plan.any.take() {
            expression = any;
            total = fulltext::count_matches(conn, &expression, filters)?;
        }
    }
    Ok(Fulltext { expression, total })
}

/// A search of one dataset, whoever asks: what `search_chunks` answers once the caller's grant
/// is checked, and what the benchmark runs in-process (tests/bench/search_bench.rs).
pub fn search_dataset(
    conn: &Connection,
    vectors: &VectorIndex,
    dataset_id: DatasetId,
    search: Search,
    query_vector: Option<Vec<f32>>,
) -> AppResult<SearchPage> {
    let key = fulltext::search_key(conn, dataset_id)?;
    let mut plan = plan(conn, key, search.query.clone())?;
    let offset = (search.page - 1).saturating_mul(PAGE_SIZE);
    let wanted = usize::try_from(offset.saturating_add(PAGE_SIZE)).unwrap_or(usize::MAX);
    let near = query_vector.as_deref().map(|vector| Near {
        vector,
        filters: &search.filters,
        ranking: search.ranking,
        excluded: &[],
    });
    let (hits, total) = match (search.kind, &near) {
        (SearchKind::Fulltext, _) => {
            let found = fulltext_matches(conn, &mut plan, &search.filters)?;
            let hits = if offset < found.total {
                ranked_page(conn, key, &found, &search, offset, PAGE_SIZE as u32)?
            } else {
                Vec::new()
            };
            (hits, found.total)
        }
        (_, None) => {
            return Err(AppError::Internal(
                "a semantic search without the query's vector".into(),
            ))
        }
        (SearchKind::Semantic, Some(near)) => {
            let (ranked, total) = semantic::nearest(conn, vectors, dataset_id, near, wanted)?;
            (ranked.into_iter().skip(offset as usize).collect(), total)
        }
        (SearchKind::Hybrid, Some(near)) => {
            // Deep enough in each list that the fused page is what fusing the whole lists
            // would give, but for ties at its edge.
            let depth = wanted.saturating_mul(2).saturating_add(RRF_DEPTH_MARGIN);
            let (semantic_hits, semantic_total) = if search.weights.0 > 0.0 {
                semantic::nearest(conn, vectors, dataset_id, near, depth)?
            } else {
                (Vec::new(), 0)
            };
            let (fulltext_hits, fulltext_total, both) = if search.weights.1 > 0.0 {
                let found = fulltext_matches(conn, &mut plan, &search.filters)?;
                let hits = if found.total > 0 {
                    let limit = u32::try_from(depth).unwrap_or(u32::MAX);
                    ranked_page(conn, key, &found, &search, 0, limit)?
                } else {
                    Vec::new()
                };
                let with_vectors = if semantic_total > 0 && found.total > 0 {
                    let filters = Filters {
                        with_vector: true,
                        ..search.filters.clone()
                    };
                    fulltext::count_matches(conn, &found.expression, &filters)?
                } else {
                    0
                };
                (hits, found.total, with_vectors)
            } else {
                (Vec::new(), 0, 0)
            };
            let fused = semantic::fuse(&semantic_hits, &fulltext_hits, search.weights);
            let total = semantic_total + fulltext_total - both;
            (
                fused
                    .into_iter()
                    .skip(offset as usize)
                    .take(PAGE_SIZE as usize)
                    .collect(),
                total,
            )
        }
    };
    let hits = chunks_of(conn, &hits)?
        .into_iter()
        .map(|(hit, mut chunk)| {
            chunk.chunk_html = chunk.chunk_html.map(|html| highlight(&html, &plan.matches));
            ScoredChunk {
                chunk,
                score: hit.score,
            }
        })
        .collect();
    Ok(SearchPage {
        hits,
        total_pages: (total + PAGE_SIZE - 1) / PAGE_SIZE,
    })
}

/// How much deeper than twice the page's end a hybrid search reads each list: an item ranked
/// past that in both lists scores less than one ranked first in either.
const RRF_DEPTH_MARGIN: usize = 60;

/// `limit` full-text matches ranked, after skipping `offset`.
fn ranked_page(
    conn: &Connection,
    key: i64,
    found: &Fulltext,
    search: &Search,
    offset: i64,
    limit: u32,
) -> AppResult<Vec<Hit>> {
    let counted = search.filters.is_empty().then_some(found.total);
    let scoring = Scoring::of(conn, key, &found.expression, search.ranking, counted)?;
    page(
        conn,
        &found.expression,
        &search.filters,
        &scoring,
        Slice { offset, limit },
        Some(found.total),
        RANKED_MATCHES,
    )
}

/// Which of the ranked matches a page holds.
#[derive(Debug, Clone, Copy)]
struct Slice {
    offset: i64,
    limit: u32,
}

/// A page of the best matches, skipping `offset`: of more than `ranked` matches, the newest
/// `ranked` are ranked, and the older ones follow, newest first. `total`, when known, saves
/// looking for the oldest ranked match when there are few.
fn page(
    conn: &Connection,
    expression: &Expression,
    filters: &Filters,
    scoring: &Scoring,
    slice: Slice,
    total: Option<i64>,
    ranked: i64,
) -> AppResult<Vec<Hit>> {
    let Slice { offset, limit } = slice;
    let boundary = if total.is_none_or(|total| total > ranked) {
        fulltext::nth_newest_match(conn, expression, filters, ranked - 1)?
    } else {
        None
    };
    let (window, offset) = match boundary {
        None => (Window::Ranked, offset),
        Some(oldest) if offset < ranked => (Window::RankedFrom(oldest), offset),
        Some(oldest) => (Window::NewestBefore(oldest), offset - ranked),
    };
    Ok(fulltext::page_of_matches(
        conn, expression, filters, scoring, window, limit, offset,
    )?)
}

/// The hits' chunks, in the hits' order.
fn chunks_of(conn: &Connection, hits: &[Hit]) -> AppResult<Vec<(Hit, ChunkWithFileRow)>> {
    let pks: Vec<i64> = hits.iter().map(|hit| hit.pk).collect();
    let mut found: HashMap<i64, ChunkWithFileRow> =
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
    use crate::types::fields::Weight;

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
        let key = fulltext::search_key(&conn, dataset).unwrap();
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
                    Slice {
                        offset: n * PAGE_SIZE,
                        limit: PAGE_SIZE as u32,
                    },
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
        let hits = page(
            &conn,
            &expression,
            &filters,
            &scoring,
            Slice {
                offset: 0,
                limit: PAGE_SIZE as u32,
            },
            Some(25),
            100,
        )
        .unwrap();
        let heavy: Vec<String> = chunks_of(&conn, &hits[..5])
            .unwrap()
            .into_iter()
            .map(|(_, chunk)| chunk.content)
            .collect();
        assert_eq!(heavy, older);
    }
}
