//! `trieve-lite export`: a dataset's files and chunks (with their vectors), pushed to another
//! Trieve server through its REST API, so that a user who outgrows one machine moves to the full
//! Trieve stack without losing data.
//!
//! Nothing is sent twice however often the export is interrupted and run again: chunks go in
//! batches of 120 with `upsert_by_tracking_id` (a chunk without a tracking id is sent with its id
//! as one), so a chunk sent again replaces itself; a file is uploaded only when the target does
//! not have it yet. A small state file beside the database (state.rs) remembers the files sent
//! and how far the chunks got, so that a run after an interruption starts there (and sends
//! again only the chunks changed since the export began).

mod state;
mod target;

use std::path::Path;
use std::time::Instant;

use rusqlite::Connection;
use serde_json::{json, Map, Value};

use crate::db::export::{self as source, ExportedChunk, ExportedFile, Resume};
use crate::db::{files, Checkpoints};
use crate::domain::files::decode_base64;
use crate::domain::ids::DatasetId;
use state::{Identity, State};
use target::{Failure, Target};

/// Chunks per request: the most `POST /api/chunk` takes at once.
pub const BATCH: usize = 120;

/// What to export, and where.
pub struct Options {
    /// The target server's base URL.
    pub to: String,
    /// An API key of the target server, with write access to `dataset`.
    pub api_key: String,
    /// The target's dataset.
    pub dataset: DatasetId,
    /// The dataset here; the target's id when not given.
    pub from_dataset: Option<DatasetId>,
    /// Send each chunk's vector with it (the target then need not embed it again).
    pub vectors: bool,
}

/// What an export did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub chunks: usize,
    pub vectors: usize,
    pub files_uploaded: usize,
    pub files_found: usize,
    /// Files the target refused as too large (413): their chunks went without them.
    pub files_too_large: Vec<String>,
    /// The run continued an interrupted one.
    pub resumed: bool,
}

/// Run an export from the database at `db_path`; progress goes to stderr.
pub fn export(
    db_path: &Path,
    checkpoints: Checkpoints,
    options: &Options,
) -> Result<Summary, String> {
    let from = options.from_dataset.unwrap_or(options.dataset);
    let conn = source::open(db_path, checkpoints)?;
    let failed = |err: crate::db::Error| format!("cannot read {}: {err}", db_path.display());
    if !source::dataset_exists(&conn, from).map_err(failed)? {
        return Err(format!(
            "{} has no dataset {from} (pass --from-dataset with the id of the dataset to export)",
            db_path.display()
        ));
    }
    let clashes = source::tracking_id_clashes(&conn, from).map_err(failed)?;
    if !clashes.is_empty() {
        let ids: Vec<String> = clashes.iter().map(ToString::to_string).collect();
        return Err(format!(
            "chunks without a tracking id are sent with their id as one, and another chunk has \
             the id of each of these as its tracking id (the two would replace each other): {}; \
             give them tracking ids of their own first",
            ids.join(", ")
        ));
    }
    let target = Target::new(&options.to, &options.api_key, options.dataset)?;
    if target.sends_key_in_the_clear() {
        eprintln!(
            "warning: {} is plain http: the API key crosses the network unencrypted",
            target.url()
        );
    }
    target
        .get(&format!("/api/dataset/{}", options.dataset))
        .map_err(|err| {
            format!(
                "the target's dataset {} cannot be reached with this key: {err}",
                options.dataset
            )
        })?;

    let identity = Identity {
        to: target.url().to_string(),
        dataset: options.dataset,
        from_dataset: from,
        vectors: options.vectors,
    };
    let begin = Resume::from_start(&conn).map_err(failed)?;
    let mut state = State::load_or_begin(db_path, identity, begin)?;
    let mut summary = Summary::default();
    send_files(&conn, &target, from, &mut state, &mut summary)?;
    send_chunks(&conn, &target, options, from, &mut state, &mut summary)?;
    state.finish()?;
    Ok(summary)
}

/// Each file of the dataset, uploaded unless the target has it already: sent by an earlier run
/// (the state says so), or found among the key's user's files with the same name and bytes.
fn send_files(
    conn: &Connection,
    target: &Target,
    from: DatasetId,
    state: &mut State,
    summary: &mut Summary,
) -> Result<(), String> {
    let files = source::files_to_send(conn, from).map_err(|err| err.to_string())?;
    if files.is_empty() {
        return Ok(());
    }
    let me = target.get("/api/auth/me")?;
    let user_id = me
        .get("id")
        .and_then(Value::as_str)
        .ok_or("the target's /api/auth/me names no user id")?
        .to_string();
    let list = || -> Result<Vec<Value>, String> {
        let listed = target.get(&format!("/api/user/files/{user_id}"))?;
        Ok(listed.as_array().cloned().unwrap_or_default())
    };
    let mut unclaimed = list()?;
    for (done, file) in files.iter().enumerate() {
        let bytes = files::read_file_bytes(conn, file.id).map_err(|err| err.to_string())?;
        let known = state.file(file.id).map(String::from);
        let sent = match known {
            Some(id) => Some(id),
            None => find_sent(target, &mut unclaimed, file, &bytes)?,
        };
        if let Some(id) = sent {
            summary.files_found += 1;
            unclaimed.retain(|there| there.get("id").and_then(Value::as_str) != Some(&id));
            state.record_file(file.id, &id)?;
        } else {
            let body = upload_body(file, &bytes);
            // An upload that failed on the way may have been stored all the same: look before
            // sending it again, so that it is not stored twice.
            let answer = target.with_retries("/api/file", |attempt| {
                if attempt > 1 {
                    unclaimed = list().map_err(Failure::Passing)?;
                    if let Some(id) =
                        find_sent(target, &mut unclaimed, file, &bytes).map_err(Failure::Passing)?
                    {
                        return Ok(json!({"file_metadata": {"id": id}}));
                    }
                }
                target.post_once("/api/file", &body)
            });
            match answer {
                Ok(answer) => {
                    let id = answer
                        .pointer("/file_metadata/id")
                        .and_then(Value::as_str)
                        .ok_or("the target's answer to an upload names no file id")?;
                    summary.files_uploaded += 1;
                    state.record_file(file.id, id)?;
                }
                Err(Failure::Refused { status: 413, .. }) => {
                    eprintln!(
                        "file {:?} ({} bytes) is larger than the target takes: its chunks go \
                         without it",
                        file.file_name, file.size
                    );
                    summary.files_too_large.push(file.file_name.clone());
                }
                Err(failure) => {
                    return Err(format!(
                        "the target refused file {:?}: {} (run the export again to resume)",
                        file.file_name,
                        failure.said()
                    ))
                }
            }
        }
        eprintln!("files: {}/{} ({})", done + 1, files.len(), file.file_name);
    }
    Ok(())
}

/// The target's id of a file it has with this file's name, size and bytes (or, from a server
/// that does not send a file's bytes back, name and size), taken out of `unclaimed` so that two
/// equal files here are matched to two there.
fn find_sent(
    target: &Target,
    unclaimed: &mut Vec<Value>,
    file: &ExportedFile,
    bytes: &[u8],
) -> Result<Option<String>, String> {
    let candidates: Vec<usize> = (0..unclaimed.len())
        .filter(|&i| {
            unclaimed[i].get("file_name").and_then(Value::as_str) == Some(file.file_name.as_str())
                && unclaimed[i].get("size").and_then(Value::as_i64) == Some(file.size)
        })
        .collect();
    for i in candidates {
        let Some(id) = unclaimed[i]
            .get("id")
            .and_then(Value::as_str)
            .map(String::from)
        else {
            continue;
        };
        let there = target.get(&format!("/api/file/{id}"))?;
        let same = match there.get("base64url_content").and_then(Value::as_str) {
            Some(encoded) => {
                decode_base64(encoded, bytes.len()).is_ok_and(|theirs| theirs == bytes)
            }
            None => true,
        };
        if same {
            unclaimed.remove(i);
            return Ok(Some(id));
        }
    }
    Ok(None)
}

fn upload_body(file: &ExportedFile, bytes: &[u8]) -> Value {
    use base64::Engine;
    let mut body = json!({
        "base64_file": base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes),
        "file_name": file.file_name,
        "file_mime_type": file.mime_type,
        // Its chunks travel as chunks, with the rest.
        "create_chunks": false,
    });
    let fields = body.as_object_mut().expect("an object");
    put(
        fields,
        "description",
        file.description.as_ref().map(|d| json!(d)),
    );
    put(fields, "link", file.link.as_ref().map(|l| json!(l)));
    put(fields, "metadata", file.metadata.clone());
    put(fields, "tag_set", file.tag_set.as_ref().map(|t| json!(t)));
    put(fields, "time_stamp", file.time_stamp.map(|t| json!(t)));
    body
}

fn put(fields: &mut Map<String, Value>, name: &str, value: Option<Value>) {
    if let Some(value) = value {
        fields.insert(name.into(), value);
    }
}

/// A chunk as `POST /api/chunk` takes it, to replace the target's chunk of its tracking id.
fn chunk_body(chunk: &ExportedChunk, state: &State, vectors: bool) -> Value {
    let tracking_id = chunk
        .tracking_id
        .clone()
        .unwrap_or_else(|| chunk.id.to_string());
    let mut body = json!({
        "tracking_id": tracking_id,
        "upsert_by_tracking_id": true,
        "weight": chunk.weight,
    });
    let fields = body.as_object_mut().expect("an object");
    put(
        fields,
        "chunk_html",
        chunk.chunk_html.as_ref().map(|h| json!(h)),
    );
    put(fields, "link", chunk.link.as_ref().map(|l| json!(l)));
    put(fields, "metadata", chunk.metadata.clone());
    put(fields, "tag_set", chunk.tag_set.as_ref().map(|t| json!(t)));
    put(fields, "time_stamp", chunk.time_stamp.map(|t| json!(t)));
    let file = chunk.file_id.and_then(|id| state.file(id));
    put(fields, "file_uuid", file.map(|id| json!(id)));
    if vectors {
        put(
            fields,
            "chunk_vector",
            chunk.vector.as_ref().map(|v| json!(v)),
        );
    }
    body
}

fn send_chunks(
    conn: &Connection,
    target: &Target,
    options: &Options,
    from: DatasetId,
    state: &mut State,
    summary: &mut Summary,
) -> Result<(), String> {
    let failed = |err: crate::db::Error| err.to_string();
    let mut resume = state.resume();
    if resume.acknowledged_through > 0 && !resume.vector_log_holds(conn, from).map_err(failed)? {
        eprintln!("the vector changes since the interrupted export began are no longer logged: its chunks start again");
        state.restart_chunks(Resume::from_start(conn).map_err(failed)?)?;
        resume = state.resume();
    }
    summary.resumed = resume.acknowledged_through > 0;
    let to_send = source::count_chunks_to_send(conn, from, resume).map_err(failed)?;
    if summary.resumed {
        eprintln!("resuming an interrupted export: {to_send} chunks left to send");
    }
    let started = Instant::now();
    let mut after = 0;
    loop {
        let page = source::chunks_to_send(conn, from, resume, after, BATCH).map_err(failed)?;
        let Some(last) = page.last() else { break };
        let batch: Vec<Value> = page
            .iter()
            .map(|chunk| chunk_body(chunk, state, options.vectors))
            .collect();
        target.post("/api/chunk", &Value::Array(batch)).map_err(|err| {
            let hint = if options.vectors && page.iter().any(|chunk| chunk.vector.is_some()) {
                " (if the target's vectors have another length, pass --without-vectors and let it embed)"
            } else {
                ""
            };
            format!("the target refused a batch of chunks: {err}{hint}; run the export again to resume")
        })?;
        after = last.pk;
        summary.chunks += page.len();
        if options.vectors {
            summary.vectors += page.iter().filter(|chunk| chunk.vector.is_some()).count();
        }
        state.acknowledge(after)?;
        eprintln!(
            "chunks: {}/{to_send} ({:.0} per second)",
            summary.chunks,
            summary.chunks as f64 / started.elapsed().as_secs_f64().max(1e-3)
        );
    }
    Ok(())
}
