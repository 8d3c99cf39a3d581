//! The schema and its versions. `schema.sql` (compiled in) creates a new database at the
//! current version; an older one is brought up to it by the migrations it lacks, each in the
//! same transaction as its version bump, so that a failed upgrade leaves the file as it was.

use rusqlite::{Connection, TransactionBehavior};

use super::{fulltext, OpenError};
use crate::types::fields::username_key;

/// The schema of the current version, compiled into the binary.
const SCHEMA: &str = include_str!("../../schema.sql");

/// The version `schema.sql` sets with `PRAGMA user_version`.
pub const SCHEMA_VERSION: i64 = 7;

/// One version's upgrade: SQL, then work that needs the server's code.
struct Migration {
    sql: &'static str,
    then: Option<fn(&Connection) -> super::Result<usize>>,
}

/// `MIGRATIONS[i]` upgrades a database from version `i + 1` to `i + 2`.
const MIGRATIONS: &[Migration] = &[
    // 1 -> 2: keep an upload's description.
    Migration {
        sql: "ALTER TABLE files ADD COLUMN description TEXT;",
        then: None,
    },
    // 2 -> 3: full-text search. Datasets get their search key; chunks get a stable integer key
    // (the table is rebuilt: a column cannot become the INTEGER PRIMARY KEY in place), and lose
    // their insert trigger (the server counts a chunk it inserts: see schema.sql); the index is
    // created and filled with every chunk.
    Migration {
        sql: "
            ALTER TABLE datasets ADD COLUMN search_key INTEGER;
            UPDATE datasets SET search_key = rowid;
            CREATE UNIQUE INDEX datasets_by_search_key ON datasets (search_key);

            CREATE TABLE chunks_v3 (
                pk          INTEGER PRIMARY KEY,
                id          TEXT NOT NULL UNIQUE,
                dataset_id  TEXT NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
                author_id   TEXT NOT NULL REFERENCES users (id),
                file_id     TEXT REFERENCES files (id) ON DELETE SET NULL,
                content     TEXT NOT NULL,
                chunk_html  TEXT,
                link        TEXT,
                metadata    TEXT,
                tag_set     TEXT,
                time_stamp  TEXT,
                tracking_id TEXT,
                weight      REAL NOT NULL DEFAULT 1.0,
                created_at  TEXT NOT NULL,
                updated_at  TEXT NOT NULL,
                UNIQUE (dataset_id, tracking_id)
            );
            INSERT INTO chunks_v3 (id, dataset_id, author_id, file_id, content, chunk_html, link,
                                   metadata, tag_set, time_stamp, tracking_id, weight,
                                   created_at, updated_at)
                SELECT id, dataset_id, author_id, file_id, content, chunk_html, link, metadata,
                       tag_set, time_stamp, tracking_id, weight, created_at, updated_at
                FROM chunks ORDER BY rowid;
            DROP TABLE chunks;
            ALTER TABLE chunks_v3 RENAME TO chunks;
            CREATE INDEX chunks_by_author ON chunks (dataset_id, author_id, updated_at DESC, id DESC);
            CREATE INDEX chunks_by_file ON chunks (file_id) WHERE file_id IS NOT NULL;
            CREATE TRIGGER chunks_count_delete AFTER DELETE ON chunks BEGIN
                UPDATE chunk_counts SET n = n - 1
                WHERE dataset_id = OLD.dataset_id AND author_id = OLD.author_id;
            END;

            CREATE VIRTUAL TABLE chunks_fts USING fts5(
                terms, dataset, weight UNINDEXED, at UNINDEXED, length UNINDEXED,
                tokenize = \"ascii tokenchars '_'\",
                content = '', contentless_delete = 1, contentless_unindexed = 1
            );
            CREATE VIRTUAL TABLE chunks_vocab USING fts5vocab(chunks_fts, row);
            CREATE TABLE search_sizes (
                search_key INTEGER PRIMARY KEY REFERENCES datasets (search_key) ON DELETE CASCADE,
                chunks     INTEGER NOT NULL,
                terms      INTEGER NOT NULL,
                weighted   INTEGER NOT NULL
            );
            CREATE TRIGGER chunks_fts_delete AFTER DELETE ON chunks BEGIN
                UPDATE search_sizes
                SET chunks = chunks - 1,
                    terms = terms - (SELECT length FROM chunks_fts WHERE rowid = OLD.pk),
                    weighted = weighted - (OLD.weight <> 1.0)
                WHERE search_key = (SELECT search_key FROM datasets WHERE id = OLD.dataset_id)
                  AND EXISTS (SELECT 1 FROM chunks_fts WHERE rowid = OLD.pk);
                DELETE FROM chunks_fts WHERE rowid = OLD.pk;
            END;",
        then: Some(fulltext::reindex_all),
    },
    // 3 -> 4: what the attack run of 2026-11-29 found stored. Usernames are unique by their
    // key (`username_key`: whatever their case): a later user whose username equals an
    // earlier one's but for case gets `-` and six random hex digits appended. Times a client
    // sent outside the years 1 to 9999 (which older versions accepted, and which the client
    // cannot parse) are brought to the nearest instant within them. Revoked ADMIN_API_KEY keys
    // are remembered from now on.
    Migration {
        sql: "
            CREATE TABLE revoked_admin_keys (
                key_hash   BLOB PRIMARY KEY NOT NULL,
                revoked_at TEXT NOT NULL
            );
            ALTER TABLE users ADD COLUMN username_key TEXT;
        ",
        then: Some(repair_what_older_versions_accepted),
    },
    // 4 -> 5: vectors. A chunk's vector (`chunk_vector`) is kept in chunk_vectors; the
    // dataset records its vectors' length.
    Migration {
        sql: "
            ALTER TABLE chunks ADD COLUMN has_vector INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE datasets ADD COLUMN vector_length INTEGER;
            CREATE TABLE chunk_vectors (
                chunk_pk   INTEGER PRIMARY KEY REFERENCES chunks (pk) ON DELETE CASCADE,
                dataset_id TEXT NOT NULL,
                vector     BLOB NOT NULL
            );
            CREATE INDEX chunk_vectors_by_dataset ON chunk_vectors (dataset_id);
        ",
        then: None,
    },
    // 5 -> 6: vectors from an embedding server. The log of changes to vectors the matrices in
    // memory follow, and the chunks still without a vector, in order, for the embedder.
    Migration {
        sql: "
            CREATE TABLE vector_changes (
                seq        INTEGER PRIMARY KEY AUTOINCREMENT,
                dataset_id TEXT NOT NULL,
                chunk_pk   INTEGER NOT NULL
            );
            CREATE INDEX vector_changes_by_dataset ON vector_changes (dataset_id, seq);
            CREATE TABLE vector_log_pruned (
                dataset_id TEXT PRIMARY KEY NOT NULL,
                up_to      INTEGER NOT NULL
            );
            CREATE INDEX chunks_without_vector ON chunks (pk) WHERE has_vector = 0;
        ",
        then: None,
    },
    // 6 -> 7: collections of a dataset's chunks (bookmarks); files found by name;
    // notifications; topics and their messages.
    Migration {
        sql: "
            CREATE TABLE chunk_collections (
                id          TEXT PRIMARY KEY NOT NULL,
                dataset_id  TEXT NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
                author_id   TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                name        TEXT NOT NULL,
                description TEXT NOT NULL,
                created_at  TEXT NOT NULL,
                updated_at  TEXT NOT NULL,
                -- The upload whose chunks the collection holds (made with them); gone with it.
                file_id     TEXT REFERENCES files (id) ON DELETE CASCADE
            );
            -- A user's collections in a dataset, newest first.
            CREATE INDEX chunk_collections_by_author
                ON chunk_collections (dataset_id, author_id, created_at DESC, id DESC);
            -- A collection's chunks; gone with the chunk or the collection.
            CREATE TABLE collection_bookmarks (
                collection_id TEXT NOT NULL REFERENCES chunk_collections (id) ON DELETE CASCADE,
                chunk_pk      INTEGER NOT NULL REFERENCES chunks (pk) ON DELETE CASCADE,
                created_at    TEXT NOT NULL,
                PRIMARY KEY (collection_id, chunk_pk)
            ) WITHOUT ROWID;
            CREATE INDEX collection_bookmarks_by_chunk ON collection_bookmarks (chunk_pk);
            -- An image of a dataset by its file name (`GET /api/image/{file_name}`).
            CREATE INDEX files_by_name ON files (dataset_id, file_name);
            -- A user's notifications in a dataset: an upload split into chunks (its collection).
            CREATE TABLE notifications (
                id              TEXT PRIMARY KEY NOT NULL,
                user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                dataset_id      TEXT NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
                collection_id   TEXT NOT NULL,
                collection_name TEXT,
                user_read       INTEGER NOT NULL DEFAULT 0 CHECK (user_read IN (0, 1)),
                created_at      TEXT NOT NULL,
                updated_at      TEXT NOT NULL
            );
            CREATE INDEX notifications_by_user ON notifications (user_id, dataset_id, created_at DESC, id DESC);
            CREATE INDEX chunk_collections_by_file ON chunk_collections (file_id) WHERE file_id IS NOT NULL;
            -- A user's chats over a dataset (topics) and their messages, in order.
            CREATE TABLE topics (
                id          TEXT PRIMARY KEY NOT NULL,
                dataset_id  TEXT NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
                user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                name        TEXT NOT NULL,
                normal_chat INTEGER NOT NULL CHECK (normal_chat IN (0, 1)),
                created_at  TEXT NOT NULL,
                updated_at  TEXT NOT NULL
            );
            CREATE INDEX topics_by_user ON topics (dataset_id, user_id, created_at DESC, id DESC);
            CREATE TABLE messages (
                id                TEXT PRIMARY KEY NOT NULL,
                topic_id          TEXT NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
                dataset_id        TEXT NOT NULL,
                role              TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
                content           TEXT NOT NULL,
                sort_order        INTEGER NOT NULL,
                prompt_tokens     INTEGER,
                completion_tokens INTEGER,
                created_at        TEXT NOT NULL,
                updated_at        TEXT NOT NULL,
                UNIQUE (topic_id, sort_order)
            );
            CREATE INDEX messages_by_dataset ON messages (dataset_id);
            -- A collection's page of bookmarks, newest first.
            CREATE INDEX collection_bookmarks_by_time
                ON collection_bookmarks (collection_id, created_at DESC, chunk_pk DESC);
        ",
        then: None,
    },
];

fn repair_what_older_versions_accepted(conn: &Connection) -> super::Result<usize> {
    Ok(usernames_keyed(conn)? + times_within_the_years_1_to_9999(conn)?)
}

/// Every username given its key; a later user whose key an earlier one already holds gets a
/// username made unique. Then the keys' unique index. Returns how many usernames changed.
fn usernames_keyed(conn: &Connection) -> super::Result<usize> {
    let users: Vec<(i64, String)> = conn
        .prepare("SELECT rowid, username FROM users WHERE username IS NOT NULL ORDER BY rowid")?
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut taken = std::collections::HashSet::new();
    let mut renamed = 0;
    for (rowid, mut username) in users {
        while !taken.insert(username_key(&username)) {
            let suffix: String =
                conn.query_row("SELECT lower(hex(randomblob(3)))", [], |row| row.get(0))?;
            username = format!("{username}-{suffix}");
            renamed += 1;
        }
        conn.execute(
            "UPDATE users SET username = ?2, username_key = ?3 WHERE rowid = ?1",
            rusqlite::params![rowid, username, username_key(&username)],
        )?;
    }
    conn.execute_batch("CREATE UNIQUE INDEX users_by_username_key ON users (username_key);")?;
    Ok(renamed)
}

/// Every time a client sent that lies outside the years 1 to 9999 (older versions stored them
/// in chrono's signed form: `0000-…`, `-0001-…`, `+10000-…`), brought to the nearest instant
/// within them. Returns how many values changed.
fn times_within_the_years_1_to_9999(conn: &Connection) -> super::Result<usize> {
    let mut changed = 0;
    for (table, column) in [
        ("chunks", "time_stamp"),
        ("files", "time_stamp"),
        ("api_keys", "expires_at"),
    ] {
        changed += conn.execute(
            &format!(
                "UPDATE {table} SET {column} = CASE
                     WHEN substr({column}, 1, 1) = '+' THEN '9999-12-31T23:59:59.999999Z'
                     WHEN substr({column}, 1, 1) = '-' OR {column} < '0001'
                         THEN '0001-01-01T00:00:00.000000Z'
                     ELSE '9999-12-31T23:59:59.999999Z' END
                 WHERE NOT ({column} GLOB '[0-9][0-9][0-9][0-9]-*' AND {column} >= '0001')"
            ),
            [],
        )?;
    }
    Ok(changed)
}

/// Bring a database to the current schema version: create it when empty, run the migrations
/// it lacks, refuse one newer than this binary.
pub fn migrate(conn: &mut Connection) -> Result<(), OpenError> {
    let found: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(OpenError::TooNew {
            found,
            known: SCHEMA_VERSION,
        });
    }
    if found == SCHEMA_VERSION {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Exclusive)?;
    if found == 0 {
        tx.execute_batch(SCHEMA)?;
    } else {
        for (index, migration) in MIGRATIONS.iter().enumerate().skip(found as usize - 1) {
            tx.execute_batch(migration.sql)?;
            if let Some(then) = migration.then {
                then(&tx).map_err(OpenError::Migration)?;
            }
            tx.pragma_update(None, "user_version", index as i64 + 2)?;
        }
    }
    tx.commit()?;
    Ok(())
}
