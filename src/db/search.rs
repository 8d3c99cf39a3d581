//! The full-text index, `chunks_fts`: one row per chunk (its rowid is `chunks.pk`), written in
//! the transaction that writes the chunk (a trigger in schema.sql removes it with the chunk),
//! and the queries a search makes of it. A term is `<dataset search key>_<stem>`
//! (`search::query::term`), so a search of one dataset reads only that dataset's entries.

use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::types::ToSql;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::Value;

use super::Result;
use crate::domain::ids::DatasetId;
use crate::domain::time::Timestamp;
use crate::search::query::term;
use crate::search::tokens;

/// The dataset's key in the index.
pub fn search_key(conn: &Connection, dataset_id: DatasetId) -> Result<i64> {
    Ok(conn
        .prepare_cached("SELECT search_key FROM datasets WHERE id = ?1")?
        .query_row([dataset_id], |row| row.get(0))?)
}

/// What the index keeps of a chunk.
pub struct Indexed<'a> {
    pub pk: i64,
    pub search_key: i64,
    pub content: &'a str,
    pub weight: f64,
    /// The chunk's time_stamp, else its created_at.
    pub at: Timestamp,
}

/// Write a chunk's entry, replacing any it had.
pub fn index_chunk(conn: &Connection, chunk: &Indexed) -> Result<()> {
    let terms: Vec<String> = tokens::words(chunk.content)
        .map(|word| term(chunk.search_key, &word.stem))
        .collect();
    conn.prepare_cached("DELETE FROM chunks_fts WHERE rowid = ?1")?
        .execute([chunk.pk])?;
    conn.prepare_cached(
        "INSERT INTO chunks_fts (rowid, terms, weight, at) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![
        chunk.pk,
        terms.join(" "),
        chunk.weight,
        chunk.at.unix_seconds()
    ])?;
    Ok(())
}

/// Rebuild the whole index from the chunks: for a database made before search existed, or
/// one whose chunks were written around the server. Returns how many chunks it indexed.
pub fn reindex_all(conn: &Connection) -> Result<usize> {
    conn.execute("DELETE FROM chunks_fts", [])?;
    let mut stmt = conn.prepare(
        "SELECT c.pk, d.search_key, c.content, c.weight, coalesce(c.time_stamp, c.created_at)
         FROM chunks c JOIN datasets d ON d.id = c.dataset_id",
    )?;
    let mut rows = stmt.query([])?;
    let mut count = 0;
    while let Some(row) = rows.next()? {
        let content: String = row.get(2)?;
        index_chunk(
            conn,
            &Indexed {
                pk: row.get(0)?,
                search_key: row.get(1)?,
                content: &content,
                weight: row.get(3)?,
                at: row.get(4)?,
            },
        )?;
        count += 1;
    }
    Ok(count)
}

/// What narrows a search's matches before they are ranked and paged. Lists travel to SQLite as
/// JSON arrays, compared there (tags and metadata by the functions `register_functions` adds).
#[derive(Debug, Default)]
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
}

/// How the matches are ranked: BM25 times the chunk's weight, times a recency factor when the
/// search favours recent chunks (`date_bias`): 1 + 1 / (1 + age in days / 30).
#[derive(Debug, Clone, Copy)]
pub enum Ranking {
    Relevance,
    RecentFirst { now: Timestamp },
}

/// A match: the chunk's key and its rank (lower is better; BM25 is negative).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    pub pk: i64,
    pub rank: f64,
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
        || filters.to.is_some();
    let mut sql = String::from("FROM chunks_fts");
    if needs_chunks {
        sql.push_str(" JOIN chunks c ON c.pk = chunks_fts.rowid");
    }
    sql.push_str(" WHERE chunks_fts MATCH :expression");
    let mut bound: Vec<(&'static str, &dyn ToSql)> = vec![(":expression", expression)];
    let conditions: [(&Option<_>, &str, &str); 4] = [
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
        (
            &filters.excluded,
            " AND chunks_fts.rowid NOT IN (SELECT value FROM json_each(:excluded))",
            ":excluded",
        ),
    ];
    for (value, condition, name) in conditions {
        if let Some(value) = value {
            sql.push_str(condition);
            bound.push((name, value as &dyn ToSql));
        }
    }
    if let Some(from) = &filters.from {
        sql.push_str(" AND c.time_stamp >= :from");
        bound.push((":from", from as &dyn ToSql));
    }
    if let Some(to) = &filters.to {
        sql.push_str(" AND c.time_stamp <= :to");
        bound.push((":to", to as &dyn ToSql));
    }
    (sql, bound)
}

/// How many chunks match.
pub fn count_matches(conn: &Connection, expression: &String, filters: &Filters) -> Result<i64> {
    let (from_where, bound) = matching(expression, filters);
    let sql = format!("SELECT count(*) {from_where}");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row(bound.as_slice(), |row| row.get(0))?)
}

/// The best `limit` matches after skipping `offset`, best first.
pub fn top_matches(
    conn: &Connection,
    expression: &String,
    filters: &Filters,
    ranking: Ranking,
    limit: u32,
    offset: i64,
) -> Result<Vec<Hit>> {
    let (from_where, mut bound) = matching(expression, filters);
    let now;
    let rank = match ranking {
        Ranking::Relevance => "bm25(chunks_fts) * chunks_fts.weight",
        Ranking::RecentFirst { now: at } => {
            now = at.unix_seconds();
            bound.push((":now", &now as &dyn ToSql));
            "bm25(chunks_fts) * chunks_fts.weight
             * (1.0 + 1.0 / (1.0 + max(0.0, :now - chunks_fts.at) / 2592000.0))"
        }
    };
    bound.push((":offset", &offset as &dyn ToSql));
    // LIMIT is written into the SQL: a bound LIMIT makes SQLite re-prepare on every run.
    let sql = format!(
        "SELECT chunks_fts.rowid, {rank} AS rank {from_where}
         ORDER BY rank, chunks_fts.rowid LIMIT {limit} OFFSET :offset"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let hits = stmt
        .query_map(bound.as_slice(), |row| {
            Ok(Hit {
                pk: row.get(0)?,
                rank: row.get(1)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(hits)
}

/// How many chunks hold `term`; 0 when none does.
pub fn term_count(conn: &Connection, term: &str) -> Result<i64> {
    Ok(conn
        .prepare_cached("SELECT doc FROM chunks_vocab WHERE term = ?1")?
        .query_row([term], |row| row.get(0))
        .optional()?
        .unwrap_or(0))
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

/// The SQL functions a search's filters use, on every connection (`configure_connection`).
pub fn register_functions(conn: &Connection) -> rusqlite::Result<()> {
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    conn.create_scalar_function("has_any_tag", 2, flags, |ctx| {
        Ok(has_any_tag(
            text_arg(ctx, 0)?.as_deref(),
            &json_arg(ctx, 1)?,
        ))
    })?;
    conn.create_scalar_function("metadata_matches", 2, flags, |ctx| {
        let metadata = text_arg(ctx, 0)?.and_then(|text| serde_json::from_str(&text).ok());
        Ok(metadata_matches(metadata.as_ref(), &json_arg(ctx, 1)?))
    })
}

fn text_arg(ctx: &Context, index: usize) -> rusqlite::Result<Option<String>> {
    ctx.get::<Option<String>>(index)
}

fn json_arg(ctx: &Context, index: usize) -> rusqlite::Result<Value> {
    let text: String = ctx.get(index)?;
    serde_json::from_str(&text).map_err(|err| rusqlite::Error::UserFunctionError(Box::new(err)))
}

/// Whether a chunk's comma-separated tags include one of `wanted` (whole tags, any case).
fn has_any_tag(tag_set: Option<&str>, wanted: &Value) -> bool {
    let Some(tag_set) = tag_set else {
        return false;
    };
    let wanted: Vec<String> = wanted
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(|tag| tag.trim().to_lowercase())
        .collect();
    tag_set
        .split(',')
        .map(|tag| tag.trim().to_lowercase())
        .any(|tag| !tag.is_empty() && wanted.contains(&tag))
}

/// Whether, for every key of `filters`, the chunk's metadata has that key with that value:
/// strings compared without case, an array in the filter meaning any of its items, an array in
/// the metadata matching when any of its items does.
fn metadata_matches(metadata: Option<&Value>, filters: &Value) -> bool {
    let Some(filters) = filters.as_object() else {
        return true;
    };
    filters.iter().all(|(key, wanted)| {
        let Some(value) = metadata.and_then(|metadata| metadata.get(key)) else {
            return false;
        };
        let values: Vec<&Value> = match value {
            Value::Array(items) => items.iter().collect(),
            other => vec![other],
        };
        let wanted: Vec<&Value> = match wanted {
            Value::Array(items) => items.iter().collect(),
            other => vec![other],
        };
        values
            .iter()
            .any(|value| wanted.iter().any(|wanted| same_value(value, wanted)))
    })
}

fn same_value(value: &Value, wanted: &Value) -> bool {
    match (value, wanted) {
        (Value::String(a), Value::String(b)) => a.to_lowercase() == b.to_lowercase(),
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        _ => value == wanted,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tags_are_whole_and_without_case() {
        assert!(has_any_tag(Some("Fish, chips"), &json!(["CHIPS"])));
        assert!(!has_any_tag(Some("fishing"), &json!(["fish"])));
        assert!(!has_any_tag(None, &json!(["fish"])));
        assert!(!has_any_tag(Some(", ,"), &json!([""])));
    }

    #[test]
    fn metadata_must_hold_every_key_with_a_value_asked_for() {
        let metadata = json!({"lang": "EN", "year": 2026, "topics": ["a", "b"]});
        assert!(metadata_matches(
            Some(&metadata),
            &json!({"lang": "en", "year": 2026.0})
        ));
        assert!(metadata_matches(
            Some(&metadata),
            &json!({"lang": ["fr", "en"]})
        ));
        assert!(metadata_matches(Some(&metadata), &json!({"topics": "b"})));
        assert!(!metadata_matches(
            Some(&metadata),
            &json!({"lang": "en", "year": 2025})
        ));
        assert!(!metadata_matches(None, &json!({"lang": "en"})));
    }
}
