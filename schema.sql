-- trieve-lite schema, version 3.
--
-- This file is the one source of the schema: it is compiled into the binary and applied to an
-- empty database on first start. `PRAGMA user_version` records the version; a later release adds
-- a migration in src/db/mod.rs instead of editing an applied version.
--
-- Ids are UUID strings. Timestamps are UTC text in one fixed-width format
-- (2026-01-31T12:00:00.123456Z), so text order is time order.

CREATE TABLE users (
    id            TEXT PRIMARY KEY NOT NULL,
    email         TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name          TEXT,
    username      TEXT UNIQUE,
    website       TEXT,
    visible_email INTEGER NOT NULL DEFAULT 1 CHECK (visible_email IN (0, 1)),
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    -- What the username is unique by: NFKC, lower case ("Ada", "ada" and "ａｄａ" are one name
    -- to a reader); written by the server with the username.
    username_key  TEXT
);
CREATE UNIQUE INDEX users_by_username_key ON users (username_key);

CREATE TABLE organizations (
    id           TEXT PRIMARY KEY NOT NULL,
    name         TEXT NOT NULL UNIQUE,
    registerable INTEGER CHECK (registerable IN (0, 1)),
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);

-- role: 0 user, 1 admin, 2 owner.
CREATE TABLE user_organizations (
    id              TEXT PRIMARY KEY NOT NULL,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    role            INTEGER NOT NULL CHECK (role IN (0, 1, 2)),
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (user_id, organization_id)
);
CREATE INDEX user_organizations_by_organization ON user_organizations (organization_id, role);

CREATE TABLE datasets (
    id                   TEXT PRIMARY KEY NOT NULL,
    organization_id      TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name                 TEXT NOT NULL,
    server_configuration TEXT NOT NULL DEFAULT '{}',
    client_configuration TEXT NOT NULL DEFAULT '{}',
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL,
    -- Version 3: the dataset's short key in the search index, where each of its words is
    -- stored as "<key>_<word>" (so a search of one dataset reads that dataset's entries only).
    search_key           INTEGER,
    -- Version 5: how many numbers each vector of the dataset has (set by its first vector).
    vector_length        INTEGER,
    UNIQUE (organization_id, name)
);
CREATE UNIQUE INDEX datasets_by_search_key ON datasets (search_key);

-- Only the SHA-256 digest of a key is kept. role: 0 read-only, 1 read and write.
-- is_bootstrap marks the key that ADMIN_API_KEY keeps in step with the environment.
CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY NOT NULL,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    key_hash     BLOB NOT NULL UNIQUE,
    role         INTEGER NOT NULL CHECK (role IN (0, 1)),
    expires_at   TEXT,
    is_bootstrap INTEGER NOT NULL DEFAULT 0 CHECK (is_bootstrap IN (0, 1)),
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX api_keys_by_user ON api_keys (user_id, created_at);
-- The ADMIN_API_KEY keys revoked through the API, by digest: a start that stores one again
-- (the variable is still set) says so loudly.
CREATE TABLE revoked_admin_keys (
    key_hash   BLOB PRIMARY KEY NOT NULL,
    revoked_at TEXT NOT NULL
);

CREATE TABLE files (
    id         TEXT PRIMARY KEY NOT NULL,
    dataset_id TEXT NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users (id),
    file_name  TEXT NOT NULL,
    mime_type  TEXT NOT NULL,
    size       INTEGER NOT NULL,
    link       TEXT,
    metadata   TEXT,
    tag_set    TEXT,
    time_stamp TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    -- Version 2: an upload's description, kept instead of dropped.
    description TEXT
);
-- A user's file list, newest first, without touching other users' rows.
CREATE INDEX files_by_user ON files (dataset_id, user_id, created_at DESC, id DESC);

-- The bytes live apart from the file row, so listing files never reads them.
CREATE TABLE file_contents (
    file_id TEXT PRIMARY KEY NOT NULL REFERENCES files (id) ON DELETE CASCADE,
    bytes   BLOB NOT NULL
);

-- pk: a stable integer key (VACUUM keeps an INTEGER PRIMARY KEY), the chunk's key in the search
-- index.
CREATE TABLE chunks (
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
    -- Version 5: 1 when the chunk has a vector in chunk_vectors (its qdrant_point_id is then
    -- the chunk's id).
    has_vector  INTEGER NOT NULL DEFAULT 0,
    UNIQUE (dataset_id, tracking_id)
);
-- A chunk's vector (from `chunk_vector`): float32 numbers, little-endian; gone with its chunk.
CREATE TABLE chunk_vectors (
    chunk_pk   INTEGER PRIMARY KEY REFERENCES chunks (pk) ON DELETE CASCADE,
    dataset_id TEXT NOT NULL,
    vector     BLOB NOT NULL
);
CREATE INDEX chunk_vectors_by_dataset ON chunk_vectors (dataset_id);
-- Version 6: every change to a vector, or to the weight or time of a chunk with one, in order
-- (src/db/vectors.rs writes it, src/db/vector_index.rs follows it); the oldest are pruned.
CREATE TABLE vector_changes (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    dataset_id TEXT NOT NULL,
    chunk_pk   INTEGER NOT NULL
);
CREATE INDEX vector_changes_by_dataset ON vector_changes (dataset_id, seq);
-- How far the log was pruned, per dataset whose changes were pruned.
CREATE TABLE vector_log_pruned (
    dataset_id TEXT PRIMARY KEY NOT NULL,
    up_to      INTEGER NOT NULL
);
-- The chunks still without a vector, oldest first: the embedding server's backlog.
CREATE INDEX chunks_without_vector ON chunks (pk) WHERE has_vector = 0;
-- A user's page of chunks, newest first, ties by id.
CREATE INDEX chunks_by_author ON chunks (dataset_id, author_id, updated_at DESC, id DESC);
CREATE INDEX chunks_by_file ON chunks (file_id) WHERE file_id IS NOT NULL;

-- Chunk counts per dataset and author, so that totals cost one row read whatever the number of
-- chunks: added to by the server as it inserts a chunk (src/db/chunks.rs), taken from by the
-- trigger below. (Not by an INSERT trigger: a trigger makes SQLite open a statement savepoint
-- for each chunk inserted, and FTS5 writes out its pending terms at every savepoint, which
-- made a batch of chunks index one chunk at a time, at twice the cost.)
CREATE TABLE chunk_counts (
    dataset_id TEXT NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
    author_id  TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    n          INTEGER NOT NULL CHECK (n >= 0),
    PRIMARY KEY (dataset_id, author_id)
) WITHOUT ROWID;

CREATE TRIGGER chunks_count_delete AFTER DELETE ON chunks BEGIN
    UPDATE chunk_counts SET n = n - 1
    WHERE dataset_id = OLD.dataset_id AND author_id = OLD.author_id;
END;

-- The full-text index: one row per chunk (rowid = chunks.pk), written by the server in the
-- transaction that writes the chunk. terms: the chunk's words, folded, stemmed and prefixed with
-- its dataset's search_key (src/search/tokens.rs); dataset: the search_key alone, to find a
-- dataset's newest chunks. Contentless: the text lives in chunks only. weight, at (the chunk's
-- time_stamp, else created_at, in Unix seconds) and length (its number of terms) are kept
-- beside it for ranking without reading the chunks.
CREATE VIRTUAL TABLE chunks_fts USING fts5(
    terms, dataset, weight UNINDEXED, at UNINDEXED, length UNINDEXED,
    tokenize = "ascii tokenchars '_'",
    content = '', contentless_delete = 1, contentless_unindexed = 1
);
-- Each term with the number of chunks that hold it: the vocabulary for typo tolerance.
CREATE VIRTUAL TABLE chunks_vocab USING fts5vocab(chunks_fts, row);

-- Each dataset's number of indexed chunks and terms, for BM25's inverse document frequency and
-- average length, so that a dataset ranks as it would alone (src/db/rank.rs), and of chunks
-- weighted other than 1 (with none, ranking need not read weights). The server adds to it as it
-- indexes a chunk; the trigger below takes a deleted chunk away.
CREATE TABLE search_sizes (
    search_key INTEGER PRIMARY KEY REFERENCES datasets (search_key) ON DELETE CASCADE,
    chunks     INTEGER NOT NULL,
    terms      INTEGER NOT NULL,
    weighted   INTEGER NOT NULL
);
-- A chunk deleted any way (a dataset's cascade included) leaves the index and its sizes.
CREATE TRIGGER chunks_fts_delete AFTER DELETE ON chunks BEGIN
    UPDATE search_sizes
    SET chunks = chunks - 1,
        terms = terms - (SELECT length FROM chunks_fts WHERE rowid = OLD.pk),
        weighted = weighted - (OLD.weight <> 1.0)
    WHERE search_key = (SELECT search_key FROM datasets WHERE id = OLD.dataset_id)
      AND EXISTS (SELECT 1 FROM chunks_fts WHERE rowid = OLD.pk);
    DELETE FROM chunks_fts WHERE rowid = OLD.pk;
END;

-- Version 7: collections of a dataset's chunks (bookmarks), each by its author; files by name;
-- notifications; topics and their messages.
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

PRAGMA user_version = 7;
