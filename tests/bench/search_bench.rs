//! The in-process half of `make bench`'s search section (tests/bench/search.py runs it).
//!
//! `search_bench queries DB DATASET QUERIES.json REPEATS`: for each query, REPEATS times the
//! server's own search (`domain::retrieval::search_dataset`: every statement a search runs, no
//! HTTP), the floor the HTTP figures are compared with; and once the plain FTS5 way to the same
//! first page (count every match, order them all by FTS5's bm25(), keep ten). Prints one JSON
//! object per query.
//!
//! `search_bench semantic DB DATASET QUERIES.f32 REPEATS`: the dataset's vectors read into the
//! matrix (timed once), then for each query vector (QUERIES.f32: float32 rows of the dataset's
//! length), REPEATS times the server's semantic search in-process (`search_dataset` with the
//! query's vector) and the matrix scan alone. Prints one JSON object per query.
//!
//! `search_bench ingest SOURCE_DB WORK_DIR N`: writes the first N chunks of SOURCE_DB into a
//! new database through the server's writer (one chunk a write, 32 writes in flight, as from 32
//! clients creating chunks), once through the server's insert, which indexes the chunk, once
//! through the same statements without the index; twice each, alternating. Prints the best rate
//! of each and the databases' sizes.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use rusqlite::{params, Connection};
use serde_json::json;
use trieve_lite::db::chunks::{insert_chunk, NewChunk};
use trieve_lite::db::vector_index::VectorIndex;
use trieve_lite::db::{self, fulltext as index, Checkpoints, Database};
use trieve_lite::domain::retrieval::{search_dataset, Search, SearchChunkData};
use trieve_lite::search::query::{fts5, Combine, Query};
use trieve_lite::types::ids::{DatasetId, UserId};

/// Writes in flight at once during ingest, as from that many clients.
const IN_FLIGHT: usize = 32;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("queries") if args.len() == 6 => queries(
            &args[2],
            &args[3],
            &args[4],
            args[5].parse().expect("REPEATS"),
        ),
        Some("semantic") if args.len() == 6 => semantic(
            &args[2],
            &args[3],
            &args[4],
            args[5].parse().expect("REPEATS"),
        ),
        Some("ingest") if args.len() == 5 => {
            ingest(&args[2], Path::new(&args[3]), args[4].parse().expect("N"))
        }
        _ => {
            eprintln!(
                "usage: search_bench queries DB DATASET QUERIES.json REPEATS\n       \
                 search_bench semantic DB DATASET QUERIES.f32 REPEATS\n       \
                 search_bench ingest SOURCE_DB WORK_DIR N"
            );
            std::process::exit(2);
        }
    }
}

fn ms(started: Instant) -> f64 {
    started.elapsed().as_secs_f64() * 1000.0
}

fn queries(db_path: &str, dataset: &str, file: &str, repeats: usize) {
    let pool = db::open_pool(Path::new(db_path), 1, Checkpoints::Own).expect("database");
    let conn = pool.get().expect("connection");
    let dataset = DatasetId::from(uuid::Uuid::parse_str(dataset).expect("dataset id"));
    let key = index::search_key(&conn, dataset).expect("dataset");
    let texts: Vec<String> =
        serde_json::from_str(&std::fs::read_to_string(file).expect("queries")).expect("JSON");
    let index = VectorIndex::default();
    for text in texts {
        let mut floor = Vec::with_capacity(repeats);
        let mut pages = 0;
        for _ in 0..repeats {
            let data: SearchChunkData =
                serde_json::from_value(json!({"query": text, "search_type": "fulltext"})).unwrap();
            let started = Instant::now();
            let search = Search::parse(data).expect("a valid search");
            let found = search_dataset(&conn, &index, dataset, search, None).expect("search");
            floor.push(ms(started));
            pages = found.total_pages;
        }
        let mut query = Query::parse(&text).expect("a query");
        query.last_is_prefix = false;
        let expression = fts5(&query, key, Combine::All, &[]).text;
        // Once: ranking every match of a common word takes FTS5 half a second.
        let mut naive = Vec::with_capacity(1);
        {
            let started = Instant::now();
            naive_first_page(&conn, &expression);
            naive.push(ms(started));
        }
        println!(
            "{}",
            json!({"query": text, "floor_ms": floor, "naive_ms": naive, "pages": pages})
        );
    }
}

/// FTS5's own way: count the matches, rank them all by bm25(), keep ten.
fn semantic(db_path: &str, dataset: &str, file: &str, repeats: usize) {
    let pool = db::open_pool(Path::new(db_path), 1, Checkpoints::Own).expect("database");
    let conn = pool.get().expect("connection");
    let dataset = DatasetId::from(uuid::Uuid::parse_str(dataset).expect("dataset id"));
    let index = VectorIndex::default();
    let started = Instant::now();
    let matrix = index.matrix(&conn, dataset).expect("vectors");
    let (rows, dimensions) = {
        let held = matrix.read().unwrap();
        (held.len(), held.dimensions())
    };
    println!(
        "{}",
        json!({"load_ms": ms(started), "rows": rows, "dimensions": dimensions})
    );
    let numbers: Vec<f32> = std::fs::read(file)
        .expect("query vectors")
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    for vector in numbers.chunks_exact(dimensions) {
        let mut search_ms = Vec::with_capacity(repeats);
        let mut scan_ms = Vec::with_capacity(repeats);
        for _ in 0..repeats {
            let data: SearchChunkData =
                serde_json::from_value(json!({"query": "anything", "search_type": "semantic"}))
                    .unwrap();
            let search = Search::parse(data).expect("a valid search");
            let started = Instant::now();
            let found = search_dataset(&conn, &index, dataset, search, Some(vector.to_vec()))
                .expect("search");
            search_ms.push(ms(started));
            assert_eq!(found.hits.len(), 10);
            let started = Instant::now();
            let similarities = matrix.read().unwrap().similarities(vector);
            scan_ms.push(ms(started));
            assert_eq!(similarities.len(), rows);
        }
        println!("{}", json!({"search_ms": search_ms, "scan_ms": scan_ms}));
    }
}

fn naive_first_page(conn: &Connection, expression: &str) -> (i64, Vec<i64>) {
    let count = conn
        .prepare_cached("SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH ?1")
        .unwrap()
        .query_row([expression], |row| row.get(0))
        .unwrap();
    let top = conn
        .prepare_cached(
            "SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH ?1
             ORDER BY bm25(chunks_fts) LIMIT 10",
        )
        .unwrap()
        .query_map([expression], |row| row.get(0))
        .unwrap()
        .collect::<rusqlite::Result<Vec<i64>>>()
        .unwrap();
    (count, top)
}

fn ingest(source: &str, work: &Path, n: usize) {
    let source = Connection::open(source).expect("source database");
    let texts: Vec<(String, Option<String>)> = source
        .prepare("SELECT content, chunk_html FROM chunks ORDER BY pk LIMIT ?1")
        .unwrap()
        .query_map([n as i64], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    let texts = Arc::new(texts);
    let mut best = [0.0f64; 2];
    let mut sizes = [0u64; 2];
    for round in 0..4 {
        let indexed = round % 2 == 1;
        let path = work.join(if indexed {
            "ingest-indexed.db"
        } else {
            "ingest-plain.db"
        });
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
        let database = Database::open(&path, 1, Checkpoints::Own).expect("database");
        let (dataset, user) = owner(&database.pool().get().unwrap());
        let started = Instant::now();
        actix_rt::System::new().block_on(async {
            let writers: Vec<_> = (0..IN_FLIGHT)
                .map(|first| {
                    let (database, texts) = (database.clone(), texts.clone());
                    actix_rt::spawn(async move {
                        for at in (first..texts.len()).step_by(IN_FLIGHT) {
                            let texts = texts.clone();
                            database
                                .write(move |conn| {
                                    let (content, html) = &texts[at];
                                    if indexed {
                                        let chunk = NewChunk::new(
                                            dataset,
                                            user,
                                            content.clone(),
                                            html.clone(),
                                        );
                                        insert_chunk(conn, &chunk).map(|_| ())
                                    } else {
                                        insert_unindexed(
                                            conn,
                                            dataset,
                                            user,
                                            content,
                                            html.as_deref(),
                                        )
                                    }
                                })
                                .await
                                .expect("written");
                        }
                    })
                })
                .collect();
            for writer in writers {
                writer.await.unwrap();
            }
        });
        let rate = texts.len() as f64 / started.elapsed().as_secs_f64();
        let slot = usize::from(indexed);
        best[slot] = best[slot].max(rate);
        database.close().expect("closed");
        sizes[slot] = std::fs::metadata(&path).unwrap().len();
    }
    println!(
        "{}",
        json!({"chunks": texts.len(), "plain_per_s": best[0], "indexed_per_s": best[1],
               "plain_bytes": sizes[0], "indexed_bytes": sizes[1]})
    );
}

/// A user, an organization and a dataset to write into.
fn owner(conn: &Connection) -> (DatasetId, UserId) {
    let (user, organization, dataset) = (
        uuid::Uuid::new_v4(),
        uuid::Uuid::new_v4(),
        uuid::Uuid::new_v4(),
    );
    let at = "2026-01-01T00:00:00.000000Z";
    conn.execute(
        "INSERT INTO users (id, email, created_at, updated_at) VALUES (?1, 'bench@example.com', ?2, ?2)",
        params![user.to_string(), at],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO organizations (id, name, created_at, updated_at) VALUES (?1, 'bench', ?2, ?2)",
        params![organization.to_string(), at],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO datasets (id, organization_id, name, created_at, updated_at, search_key)
         VALUES (?1, ?2, 'bench', ?3, ?3, 1)",
        params![dataset.to_string(), organization.to_string(), at],
    )
    .unwrap();
    (DatasetId::from(dataset), UserId::from(user))
}

/// What `insert_chunk` writes, but for the index.
fn insert_unindexed(
    conn: &Connection,
    dataset: DatasetId,
    user: UserId,
    content: &str,
    html: Option<&str>,
) -> db::Result<()> {
    conn.prepare_cached(
        "INSERT INTO chunks (id, dataset_id, author_id, file_id, content, chunk_html, link, metadata,
                             tag_set, time_stamp, tracking_id, weight, created_at, updated_at)
         VALUES (?1, ?2, ?3, NULL, ?4, ?5, NULL, NULL, NULL, NULL, NULL, 1.0, ?6, ?6)",
    )?
    .execute(params![
        uuid::Uuid::new_v4().to_string(),
        dataset,
        user,
        content,
        html,
        trieve_lite::types::time::Timestamp::now()
    ])?;
    conn.prepare_cached(
        "INSERT INTO chunk_counts (dataset_id, author_id, n) VALUES (?1, ?2, 1)
         ON CONFLICT (dataset_id, author_id) DO UPDATE SET n = n + 1",
    )?
    .execute(params![dataset, user])?;
    Ok(())
}
