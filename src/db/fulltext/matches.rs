//! The queries a search makes of the index: the matches of an expression within the filters,
//! how many there are, how many chunks hold each phrase, and a page of them ranked.

use rusqlite::types::ToSql;
use rusqlite::{params, Connection, OptionalExtension};

use super::super::rank;
use super::super::Result;
use super::{sizes, Sizes};
use crate::search::query::{Expression, Phrase};
use crate::types::ids::DatasetId;
use crate::types::time::Timestamp;

/// What narrows a search's matches before they are ranked and paged. Lists travel to SQLite as
/// JSON arrays, compared there (tags and metadata by the functions `register_functions` adds).
#[derive(Debug, Default, Clone)]
pub struct Filters {
    /// A JSON array of tags: a chunk with any of them.
    pub tags: Option<String>,
    /// A JSON array of links: a chunk whose link is one of them.
    pub links: Option<String>,
    /// A JSON object: a chunk whose metadata has every key with that value.
    pub metadata: Option<String>,
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    /// A JSON array of chunk keys (`pk`) never to match.
    pub excluded: Option<String>,
    /// Only chunks with a vector.
    pub with_vector: bool,
    /// Only the chunks of this collection (its id).
    pub collection: Option<String>,
}

impl Filters {
    pub fn is_empty(&self) -> bool {
        self.tags.is_none()
            && self.links.is_none()
            && self.metadata.is_none()
            && self.from.is_none()
            && self.to.is_none()
            && self.excluded.is_none()
            && !self.with_vector
            && self.collection.is_none()
    }
}

/// How the matches are ranked: BM25 (`db::rank`) times the chunk's weight, times a recency
/// factor when the search favours recent chunks (`date_bias`): 1 + 1 / (1 + age in days / 30).
#[derive(Debug, Clone, Copy)]
pub enum Ranking {
    Relevance,
    RecentFirst { now: Timestamp },
}

/// Which matches a page is taken from, and in which order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// All of them, best first.
    Ranked,
    /// Those with a key of at least this, best first.
    RankedFrom(i64),
    /// Those with a key below this, newest first.
    NewestBefore(i64),
}

/// A match: the chunk's key and its score (higher is better).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    pub pk: i64,
    pub score: f64,
}

/// The FROM and WHERE of a search, and its parameters. (`expression` is a `&String` because it
/// is bound as a `&dyn ToSql`, which a `&str` cannot be.)
#[allow(clippy::ptr_arg)]
fn matching<'a>(
    expression: &'a String,
    filters: &'a Filters,
) -> (String, Vec<(&'static str, &'a dyn ToSql)>) {
    let needs_chunks = filters.tags.is_some()
        || filters.links.is_some()
        || filters.metadata.is_some()
        || filters.from.is_some()
        || filters.to.is_some()
        || filters.with_vector;
    let mut sql = String::from("FROM chunks_fts");
    if needs_chunks {
        sql.push_str(" JOIN chunks c ON c.pk = chunks_fts.rowid");
    }
    sql.push_str(" WHERE chunks_fts MATCH :expression");
    let mut bound: Vec<(&'static str, &dyn ToSql)> = vec![(":expression", expression)];
    conditions(filters, "chunks_fts.rowid", &mut sql, &mut bound);
    (sql, bound)
}

/// The filters' conditions, each starting with " AND ", on the chunks table as `c` (`key`:
/// the chunk's key as the query names it).
fn conditions<'a>(
    filters: &'a Filters,
    key: &str,
    sql: &mut String,
    bound: &mut Vec<(&'static str, &'a dyn ToSql)>,
) {
    let conditions: [(&Option<_>, &str, &str); 3] = [
        (&filters.tags, " AND has_any_tag(c.tag_set, :tags)", ":tags"),
        (
            &filters.links,
            " AND c.link IN (SELECT value FROM json_each(:links))",
            ":links",
        ),
        (
            &filters.metadata,
            " AND metadata_matches(c.metadata, :metadata)",
            ":metadata",
        ),
    ];
    for (value, condition, name) in conditions {
        if let Some(value) = value {
            sql.push_str(condition);
            bound.push((name, value as &dyn ToSql));
        }
    }
    if let Some(excluded) = &filters.excluded {
        sql.push_str(&format!(
            " AND {key} NOT IN (SELECT value FROM json_each(:excluded))"
        ));
        bound.push((":excluded", excluded as &dyn ToSql));
    }
    if let Some(from) = &filters.from {
        sql.push_str(" AND c.time_stamp >= :from");
        bound.push((":from", from as &dyn ToSql));
    }
    if let Some(to) = &filters.to {
        sql.push_str(" AND c.time_stamp <= :to");
        bound.push((":to", to as &dyn ToSql));
    }
    if filters.with_vector {
        sql.push_str(" AND c.has_vector = 1");
    }
    if let Some(collection) = &filters.collection {
        sql.push_str(&format!(
            " AND {key} IN (SELECT chunk_pk FROM collection_bookmarks WHERE collection_id = :collection)"
        ));
        bound.push((":collection", collection as &dyn ToSql));
    }
}

/// The keys of the dataset's chunks with a vector that pass the filters.
pub fn chunks_with_vectors_within(
    conn: &Connection,
    dataset_id: &DatasetId,
    filters: &Filters,
) -> Result<Vec<i64>> {
    let mut sql = String::from("SELECT c.pk FROM chunks c WHERE c.dataset_id = :dataset");
    let mut bound: Vec<(&'static str, &dyn ToSql)> = vec![(":dataset", dataset_id)];
    let filters = Filters {
        with_vector: true,
        ..filters.clone()
    };
    conditions(&filters, "c.pk", &mut sql, &mut bound);
    let pks = conn
        .prepare_cached(&sql)?
        .query_map(bound.as_slice(), |row| row.get(0))?
        .collect::<rusqlite::Result<Vec<i64>>>()?;
    Ok(pks)
}

/// How many chunks match.
pub fn count_matches(conn: &Connection, expression: &Expression, filters: &Filters) -> Result<i64> {
    let (from_where, bound) = matching(&expression.text, filters);
    let sql = format!("SELECT count(*) {from_where}");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row(bound.as_slice(), |row| row.get(0))?)
}

/// A dataset of more chunks than this has a common phrase's number of chunks estimated from its
/// newest this many chunks: counting it exactly would read the phrase's whole doclist (15 ms for
/// a word in most of a million chunks), and BM25 weighs a common phrase little anyway.
pub const SAMPLED_CHUNKS: i64 = 20_000;

/// How many of a dataset's chunks hold a phrase: BM25's document frequency.
pub struct Frequencies<'c> {
    conn: &'c Connection,
    sizes: Sizes,
    sample: i64,
    /// The key of the oldest chunk of the sample, when the dataset is sampled.
    sample_from: Option<i64>,
}

impl<'c> Frequencies<'c> {
    pub fn new(conn: &'c Connection, search_key: i64) -> Result<Frequencies<'c>> {
        Frequencies::sampling(conn, search_key, SAMPLED_CHUNKS)
    }

    fn sampling(conn: &'c Connection, search_key: i64, sample: i64) -> Result<Frequencies<'c>> {
        let sizes = sizes(conn, search_key)?;
        let sample_from = if sizes.chunks > sample {
            conn.prepare_cached(
                "SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH ?1
                 ORDER BY rowid DESC LIMIT 1 OFFSET ?2",
            )?
            .query_row(
                params![format!("dataset : \"{search_key}\""), sample - 1],
                |row| row.get(0),
            )
            .optional()?
        } else {
            None
        };
        Ok(Frequencies {
            conn,
            sizes,
            sample,
            sample_from,
        })
    }

    pub fn sizes(&self) -> Sizes {
        self.sizes
    }

    /// The number of the dataset's chunks holding `phrase`: counted, or estimated from the
    /// sample when the dataset is big and the phrase common in it.
    pub fn of(&self, phrase: &Phrase) -> Result<i64> {
        if let Some(from) = self.sample_from {
            // A phrase in under 1% of the sample is counted over the whole dataset instead, which
            // costs little (the phrase being rare) and keeps a rare phrase's weight exact.
            let in_sample = count_phrase(self.conn, phrase, from)?;
            if in_sample * 100 >= self.sample {
                return Ok(in_sample * self.sizes.chunks / self.sample);
            }
        }
        count_phrase(self.conn, phrase, i64::MIN)
    }
}

/// How many chunks with a key of at least `from` hold `phrase`.
fn count_phrase(conn: &Connection, phrase: &Phrase, from: i64) -> Result<i64> {
    Ok(conn
        .prepare_cached(
            "SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH ?1 AND rowid >= ?2",
        )?
        .query_row(params![phrase.fts5(), from], |row| row.get(0))?)
}

/// What `chunk_rank` scores an expression's matches against: how many of the dataset's chunks
/// hold each phrase, and the dataset's sizes.
#[derive(Debug)]
pub struct Scoring {
    dfs: Vec<u8>,
    sizes: Sizes,
    ranking: Ranking,
}

impl Scoring {
    /// `only_phrase_count`: how many chunks hold the expression's only phrase, when the caller
    /// has counted it.
    pub fn of(
        conn: &Connection,
        search_key: i64,
        expression: &Expression,
        ranking: Ranking,
        only_phrase_count: Option<i64>,
    ) -> Result<Scoring> {
        let frequencies = Frequencies::new(conn, search_key)?;
        let holding = match (only_phrase_count, expression.phrases.as_slice()) {
            (Some(count), [_]) => vec![count],
            _ => expression
                .phrases
                .iter()
                .map(|phrase| frequencies.of(phrase))
                .collect::<Result<Vec<_>>>()?,
        };
        Ok(Scoring {
            dfs: rank::dfs_blob(&holding),
            sizes: frequencies.sizes(),
            ranking,
        })
    }
}

/// `limit` matches of `window`, after skipping `offset`.
pub fn page_of_matches(
    conn: &Connection,
    expression: &Expression,
    filters: &Filters,
    scoring: &Scoring,
    window: Window,
    limit: u32,
    offset: i64,
) -> Result<Vec<Hit>> {
    let (mut from_where, mut bound) = matching(&expression.text, filters);
    bound.push((":dfs", &scoring.dfs as &dyn ToSql));
    bound.push((":chunks", &scoring.sizes.chunks as &dyn ToSql));
    bound.push((":terms", &scoring.sizes.terms as &dyn ToSql));
    let now;
    // Reading a chunk's weight or time costs a lookup per match: skipped when no chunk of the
    // dataset is weighted, and when recency does not count.
    let weight = if scoring.sizes.weighted > 0 {
        " * chunks_fts.weight"
    } else {
        ""
    };
    let recency = match scoring.ranking {
        Ranking::Relevance => "",
        Ranking::RecentFirst { now: at } => {
            now = at.unix_seconds();
            bound.push((":now", &now as &dyn ToSql));
            " * (1.0 + 1.0 / (1.0 + max(0.0, :now - chunks_fts.at) / 2592000.0))"
        }
    };
    let score = format!("chunk_rank(chunks_fts, :dfs, :chunks, :terms){weight}{recency}");
    let (boundary, order) = match window {
        Window::Ranked => (None, "score DESC, chunks_fts.rowid DESC"),
        Window::RankedFrom(key) => {
            from_where.push_str(" AND chunks_fts.rowid >= :boundary");
            (Some(key), "score DESC, chunks_fts.rowid DESC")
        }
        Window::NewestBefore(key) => {
            from_where.push_str(" AND chunks_fts.rowid < :boundary");
            (Some(key), "chunks_fts.rowid DESC")
        }
    };
    if let Some(boundary) = &boundary {
        bound.push((":boundary", boundary as &dyn ToSql));
    }
    bound.push((":offset", &offset as &dyn ToSql));
    // LIMIT is written into the SQL: a bound LIMIT makes SQLite re-prepare on every run.
    let sql = format!(
        "SELECT chunks_fts.rowid, {score} AS score {from_where}
         ORDER BY {order} LIMIT {limit} OFFSET :offset"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let hits = stmt
        .query_map(bound.as_slice(), |row| {
            Ok(Hit {
                pk: row.get(0)?,
                score: row.get(1)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(hits)
}

/// The key of the `n`th newest match (0 is the newest), if there are that many.
pub fn nth_newest_match(
    conn: &Connection,
    expression: &Expression,
    filters: &Filters,
    n: i64,
) -> Result<Option<i64>> {
    let (from_where, mut bound) = matching(&expression.text, filters);
    bound.push((":n", &n as &dyn ToSql));
    let sql = format!(
        "SELECT chunks_fts.rowid {from_where} ORDER BY chunks_fts.rowid DESC LIMIT 1 OFFSET :n"
    );
    Ok(conn
        .prepare_cached(&sql)?
        .query_row(bound.as_slice(), |row| row.get(0))
        .optional()?)
}

/// Whether any chunk holds `term` (cheaper than counting them: FTS5 reads the first entry).
pub fn has_term(conn: &Connection, term: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM chunks_fts WHERE chunks_fts MATCH ?1 LIMIT 1")?
        .query_row([Phrase::Term(term.to_string()).fts5()], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Whether any term starts with `prefix`.
pub fn has_prefix(conn: &Connection, prefix: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM chunks_vocab WHERE term >= ?1 AND term < ?2 LIMIT 1")?
        .query_row([prefix, &after_prefix(prefix)], |_| Ok(()))
        .optional()?
        .is_some())
}

/// The terms starting with `prefix`, each with how many chunks hold it.
pub fn terms_with_prefix(conn: &Connection, prefix: &str) -> Result<Vec<(String, i64)>> {
    let mut stmt =
        conn.prepare_cached("SELECT term, doc FROM chunks_vocab WHERE term >= ?1 AND term < ?2")?;
    let terms = stmt
        .query_map([prefix, &after_prefix(prefix)], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(terms)
}

/// The least string greater than every string starting with `prefix`.
fn after_prefix(prefix: &str) -> String {
    format!("{prefix}{}", char::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::chunks::{insert_chunk, NewChunk};
    use crate::db::fulltext::search_key;
    use crate::db::open_in_memory;
    use crate::db::test_support::dataset_and_user;
    use crate::search::query::term;
    use crate::search::tokens;

    #[test]
    fn a_common_phrase_of_a_big_dataset_is_estimated_from_its_newest_chunks_a_rare_one_counted() {
        let conn = open_in_memory().unwrap();
        let (dataset, user) = dataset_and_user(&conn);
        for i in 0..3000 {
            let mut text = String::from("every");
            if i % 2 == 0 {
                text.push_str(" even");
            }
            // In the old half, "early" is in every 3rd chunk; in the new half, in none.
            if i < 1500 && i % 3 == 0 {
                text.push_str(" early");
            }
            if [5, 1700, 2999].contains(&i) {
                text.push_str(" rare");
            }
            insert_chunk(&conn, &NewChunk::plain(dataset, user, &text)).unwrap();
        }
        let key = search_key(&conn, dataset).unwrap();
        let word = |word: &str| Phrase::Term(term(key, &tokens::stem(word)));
        let sampled = Frequencies::sampling(&conn, key, 1000).unwrap();
        assert_eq!(sampled.of(&word("every")).unwrap(), 3000);
        assert_eq!(sampled.of(&word("even")).unwrap(), 1500);
        assert_eq!(
            sampled.of(&word("rare")).unwrap(),
            3,
            "too rare in the sample: counted"
        );
        assert_eq!(
            sampled.of(&word("early")).unwrap(),
            500,
            "not in the sample at all: counted"
        );
        assert_eq!(sampled.of(&word("none")).unwrap(), 0);
        let counted = Frequencies::sampling(&conn, key, 3000).unwrap();
        assert_eq!(
            counted.of(&word("early")).unwrap(),
            500,
            "a dataset no bigger than the sample is counted"
        );
    }
}
