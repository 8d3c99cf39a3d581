//! `trieve-lite export`: a dataset's files and chunks (with their vectors), pushed to another
//! Trieve server through its REST API, so that a user who outgrows one machine moves to the full
//! Trieve stack without losing data.
//!
//! Nothing is sent twice however often the export is interrupted and run again: chunks go in
//! batches (up to 120) with `upsert_by_tracking_id` (a chunk without a tracking id is sent with
//! its id as one), so a chunk sent again replaces itself; a file is uploaded only when the target does
//! not have it yet. A small state file beside the database (state.rs) remembers the files sent
//! and how far the chunks got, so that a run after an interruption starts there (and sends
//! again only the chunks changed since the export began).

mod bodies;
mod state;
mod target;

use std::collections::HashSet;
use std::path::Path;
use std::time::Instant;

use rusqlite::Connection;
use serde_json::{json, Value};

use crate::db::export::{self as source, ExportedFile, Resume};
use crate::db::{files, Checkpoints};
use crate::domain::chunks::MAX_BATCH;
use crate::domain::files::decode_base64;
use crate::types::ids::DatasetId;
use bodies::{chunk_body, fitting, upload_body};
use state::{Identity, State};
use target::{Failure, Target};

/// The most one request of chunks carries, in bytes (and `MAX_BATCH` chunks at most, the most
/// `POST /api/chunk` takes): half of what a trieve-lite takes.
const BATCH_BYTES: usize = 8 << 20;

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
    let progress = |done: usize, file: &ExportedFile| {
        eprintln!("files: {done}/{} ({})", files.len(), file.file_name);
    };
    let (sent, pending): (Vec<_>, Vec<_>) = files
        .iter()
        .enumerate()
        .partition(|(_, file)| state.file(file.id).is_some());
    for (done, file) in sent {
        summary.files_found += 1;
        progress(done + 1, file);
    }
    if pending.is_empty() {
        return Ok(());
    }
    let me = target.get("/api/auth/me")?;
    let user_id = me
        .get("id")
        .and_then(Value::as_str)
        .ok_or("the target's /api/auth/me names no user id")?
        .to_string();
    // The target's files of the key's user that no file here has been matched to yet.
    let list = |state: &State| -> Result<Vec<Value>, String> {
        let listed = target.get(&format!("/api/user/files/{user_id}"))?;
        let claimed: HashSet<&str> = state.target_files().collect();
        let mut listed = listed.as_array().cloned().unwrap_or_default();
        listed.retain(|there| {
            there
                .get("id")
                .and_then(Value::as_str)
                .is_none_or(|id| !claimed.contains(id))
        });
        Ok(listed)
    };
    let mut unclaimed = list(state)?;
    for (done, file) in pending {
        let bytes = files::read_file_bytes(conn, file.id).map_err(|err| err.to_string())?;
        if let Some(id) = find_sent(target, &mut unclaimed, file, &bytes)? {
            summary.files_found += 1;
            state.record_file(file.id, &id)?;
            progress(done + 1, file);
            continue;
        }
        let body = upload_body(file, &bytes);
        // An upload that failed on the way may have been stored all the same: look before
        // sending it again, so that it is not stored twice.
        let answer = target.with_retries("/api/file", |attempt| {
            if attempt > 1 {
                unclaimed = list(state).map_err(Failure::Passing)?;
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
        progress(done + 1, file);
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
    // A target that takes less in one request than the budget says so (413): the budget halves.
    let mut budget = BATCH_BYTES;
    loop {
        let page = source::chunks_to_send(conn, from, resume, after, MAX_BATCH).map_err(failed)?;
        if page.is_empty() {
            break;
        }
        let bodies: Vec<String> = page
            .iter()
            .map(|chunk| chunk_body(chunk, state, options.vectors))
            .collect();
        let sizes: Vec<usize> = bodies.iter().map(String::len).collect();
        let mut at = 0;
        while at < page.len() {
            let count = fitting(&sizes[at..], budget);
            let sending = &page[at..at + count];
            let batch = format!("[{}]", bodies[at..at + count].join(","));
            match target.post("/api/chunk", &batch) {
                Ok(_) => {}
                Err(Failure::Refused { status: 413, .. }) if count > 1 => {
                    budget = batch.len() / 2;
                    eprintln!(
                        "the target takes less in one request: batches of at most {budget} bytes"
                    );
                    continue;
                }
                Err(failure) => {
                    let mismatch = matches!(
                        failure,
                        Failure::Refused {
                            status: 400 | 422,
                            ..
                        }
                    );
                    let hint = if mismatch
                        && options.vectors
                        && sending.iter().any(|chunk| chunk.vector.is_some())
                    {
                        " (if the target's vectors have another length, pass --without-vectors and let it embed)"
                    } else {
                        ""
                    };
                    return Err(format!(
                        "the target refused a batch of chunks: {}{hint}; run the export again to resume",
                        failure.said()
                    ));
                }
            }
            at += count;
            summary.chunks += count;
            if options.vectors {
                summary.vectors += sending
                    .iter()
                    .filter(|chunk| chunk.vector.is_some())
                    .count();
            }
            after = sending[count - 1].pk;
            state.acknowledge(after)?;
            eprintln!(
                "chunks: {}/{to_send} ({:.0} per second)",
                summary.chunks,
                summary.chunks as f64 / started.elapsed().as_secs_f64().max(1e-3)
            );
        }
    }
    Ok(())
}
