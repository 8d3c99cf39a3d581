//! How far an export got, in two files beside the database (`<db>.export-<12 hex digits>.json`,
//! one per target, datasets and choice of vectors): which files the target has (by their ids
//! here and there), written after each file; and, in `<...>.json.chunks`, how far the chunks got,
//! written after each batch the target acknowledged (a few bytes, however many files there
//! are). Both go when the export finishes. They hold no key.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::db::export::Resume;
use crate::db::{make_private, sibling_file};
use crate::types::ids::{DatasetId, FileId};
use crate::types::time::Timestamp;

/// Which export: two runs with the same identity are one export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    pub to: String,
    pub dataset: DatasetId,
    pub from_dataset: DatasetId,
    pub vectors: bool,
}

#[derive(Serialize, Deserialize)]
struct Files {
    #[serde(flatten)]
    identity: Identity,
    /// The target's id of each file sent, by its id here.
    files: BTreeMap<FileId, String>,
}

#[derive(Serialize, Deserialize)]
struct Chunks {
    /// When the export began (RFC 3339).
    began: String,
    /// Every chunk up to this key was acknowledged (as it was when the export began).
    acknowledged_through: i64,
    /// The vector log's position when the export began.
    vector_log_at: i64,
}

impl Chunks {
    fn from(resume: Resume) -> Chunks {
        Chunks {
            began: resume.began.to_string(),
            acknowledged_through: resume.acknowledged_through,
            vector_log_at: resume.vector_log_at,
        }
    }

    fn resume(&self) -> Option<Resume> {
        Some(Resume {
            acknowledged_through: self.acknowledged_through,
            began: Timestamp::parse_rfc3339(&self.began)?,
            vector_log_at: self.vector_log_at,
        })
    }
}

pub struct State {
    path: PathBuf,
    files: Files,
    resume: Resume,
}

impl State {
    /// The state of an interrupted export of this identity, or a new one beginning at `begin`
    /// (its chunks begin there too when how far they got was lost).
    pub fn load_or_begin(
        db_path: &Path,
        identity: Identity,
        begin: Resume,
    ) -> Result<State, String> {
        let text = serde_json::to_string(&identity).map_err(|err| err.to_string())?;
        let name: String = Sha256::digest(text)
            .iter()
            .take(6)
            .map(|b| format!("{b:02x}"))
            .collect();
        let path = sibling_file(db_path, &format!(".export-{name}.json"));
        let read = |path: &Path| fs::read(path).ok();
        let earlier = read(&path)
            .and_then(|bytes| serde_json::from_slice::<Files>(&bytes).ok())
            .filter(|files| files.identity == identity);
        if let Some(files) = earlier {
            let resume = read(&chunks_path(&path))
                .and_then(|bytes| serde_json::from_slice::<Chunks>(&bytes).ok())
                .and_then(|chunks| chunks.resume());
            let state = State {
                path,
                files,
                resume: resume.unwrap_or(begin),
            };
            if resume.is_none() {
                state.save_chunks()?;
            }
            return Ok(state);
        }
        let state = State {
            path,
            files: Files {
                identity,
                files: BTreeMap::new(),
            },
            resume: begin,
        };
        state.save_files()?;
        state.save_chunks()?;
        Ok(state)
    }

    pub fn resume(&self) -> Resume {
        self.resume
    }

    /// The chunks start again from `begin` (the files sent stay sent).
    pub fn restart_chunks(&mut self, begin: Resume) -> Result<(), String> {
        self.resume = begin;
        self.save_chunks()
    }

    /// The target's id of a file sent by an earlier run.
    pub fn file(&self, id: FileId) -> Option<&str> {
        self.files.files.get(&id).map(String::as_str)
    }

    /// The target's ids of the files sent.
    pub fn target_files(&self) -> impl Iterator<Item = &str> {
        self.files.files.values().map(String::as_str)
    }

    /// The target has file `id` as `target_id`.
    pub fn record_file(&mut self, id: FileId, target_id: &str) -> Result<(), String> {
        self.files.files.insert(id, target_id.to_string());
        self.save_files()
    }

    /// The target acknowledged every chunk to send up to key `pk`.
    pub fn acknowledge(&mut self, pk: i64) -> Result<(), String> {
        if pk > self.resume.acknowledged_through {
            self.resume.acknowledged_through = pk;
            self.save_chunks()?;
        }
        Ok(())
    }

    /// The export is done: the next one starts from the beginning.
    pub fn finish(self) -> Result<(), String> {
        for path in [chunks_path(&self.path), self.path] {
            fs::remove_file(&path)
                .map_err(|err| format!("cannot remove {}: {err}", path.display()))?;
        }
        Ok(())
    }

    fn save_files(&self) -> Result<(), String> {
        write_whole(&self.path, &self.files)
    }

    fn save_chunks(&self) -> Result<(), String> {
        write_whole(&chunks_path(&self.path), &Chunks::from(self.resume))
    }
}

fn chunks_path(path: &Path) -> PathBuf {
    sibling_file(path, ".chunks")
}

/// Written whole or not at all: a new file, synced, renamed over the old.
fn write_whole(path: &Path, value: &impl Serialize) -> Result<(), String> {
    let partial = sibling_file(path, ".partial");
    let cannot = |err: std::io::Error| format!("cannot write {}: {err}", path.display());
    let _ = fs::remove_file(&partial);
    make_private(&partial).map_err(cannot)?;
    let mut file = fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(&partial)
        .map_err(cannot)?;
    let text = serde_json::to_vec(value).map_err(|err| err.to_string())?;
    file.write_all(&text).map_err(cannot)?;
    file.sync_all().map_err(cannot)?;
    fs::rename(&partial, path).map_err(cannot)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity(to: &str, vectors: bool) -> Identity {
        Identity {
            to: to.into(),
            dataset: DatasetId::from(uuid::Uuid::from_u128(1)),
            from_dataset: DatasetId::from(uuid::Uuid::from_u128(2)),
            vectors,
        }
    }

    fn begin() -> Resume {
        Resume {
            acknowledged_through: 0,
            began: Timestamp::now(),
            vector_log_at: 7,
        }
    }

    #[test]
    fn an_interrupted_export_is_found_again_and_a_finished_one_is_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("t.db");
        let mut state = State::load_or_begin(&db, identity("http://a", true), begin()).unwrap();
        let began = state.resume().began;
        let file = FileId::random();
        state.record_file(file, "there").unwrap();
        state.acknowledge(240).unwrap();
        state.acknowledge(120).unwrap();

        let again = State::load_or_begin(&db, identity("http://a", true), begin()).unwrap();
        assert_eq!(again.resume().acknowledged_through, 240);
        assert_eq!(again.resume().began, began);
        assert_eq!(again.resume().vector_log_at, 7);
        assert_eq!(again.file(file), Some("there"));
        // Another target, or the same without vectors, is another export.
        for other in [identity("http://b", true), identity("http://a", false)] {
            let other = State::load_or_begin(&db, other, begin()).unwrap();
            assert_eq!(other.resume().acknowledged_through, 0);
            assert_eq!(other.file(file), None);
        }

        // A batch acknowledged rewrites how far the chunks got, not the files sent.
        let files_path = again.path.clone();
        let files_before = fs::read(&files_path).unwrap();
        let mut again = again;
        again.acknowledge(360).unwrap();
        assert_eq!(fs::read(&files_path).unwrap(), files_before);
        let reloaded = State::load_or_begin(&db, identity("http://a", true), begin()).unwrap();
        assert_eq!(reloaded.resume().acknowledged_through, 360);
        assert_eq!(reloaded.file(file), Some("there"));

        // How far the chunks got, lost: they begin again, the files sent stay sent.
        fs::remove_file(chunks_path(&files_path)).unwrap();
        let lost = State::load_or_begin(&db, identity("http://a", true), begin()).unwrap();
        assert_eq!(lost.resume().acknowledged_through, 0);
        assert_eq!(lost.file(file), Some("there"));

        lost.finish().unwrap();
        assert!(!files_path.exists() && !chunks_path(&files_path).exists());
        let fresh = State::load_or_begin(&db, identity("http://a", true), begin()).unwrap();
        assert_eq!(fresh.resume().acknowledged_through, 0);
    }
}
