//! How far an export got, in a file beside the database (`<db>.export-<12 hex digits>.json`,
//! one per target, datasets and choice of vectors): which files the target has (by their ids
//! here and there), and how far the chunks got. Written after each file and each batch the
//! target acknowledged, removed when the export finishes. It holds no key.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::db::export::Resume;
use crate::db::{make_private, sibling_file};
use crate::domain::ids::{DatasetId, FileId};
use crate::domain::time::Timestamp;

/// Which export: two runs with the same identity are one export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    pub to: String,
    pub dataset: DatasetId,
    pub from_dataset: DatasetId,
    pub vectors: bool,
}

#[derive(Serialize, Deserialize)]
struct Saved {
    #[serde(flatten)]
    identity: Identity,
    /// When the export began (RFC 3339).
    began: String,
    /// Every chunk up to this key was acknowledged (as it was when the export began).
    acknowledged_through: i64,
    /// The vector log's position when the export began.
    vector_log_at: i64,
    /// The target's id of each file sent, by its id here.
    files: BTreeMap<FileId, String>,
}

pub struct State {
    path: PathBuf,
    saved: Saved,
    began: Timestamp,
}

impl State {
    /// The state of an interrupted export of this identity, or a new one beginning at `begin`.
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
        let earlier = fs::read(&path)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Saved>(&bytes).ok())
            .filter(|saved| saved.identity == identity)
            .and_then(|saved| Some((Timestamp::parse_rfc3339(&saved.began)?, saved)));
        if let Some((began, saved)) = earlier {
            return Ok(State { path, saved, began });
        }
        let state = State {
            path,
            saved: Saved {
                identity,
                began: begin.began.to_string(),
                acknowledged_through: begin.acknowledged_through,
                vector_log_at: begin.vector_log_at,
                files: BTreeMap::new(),
            },
            began: begin.began,
        };
        state.save()?;
        Ok(state)
    }

    pub fn resume(&self) -> Resume {
        Resume {
            acknowledged_through: self.saved.acknowledged_through,
            began: self.began,
            vector_log_at: self.saved.vector_log_at,
        }
    }

    /// The chunks start again from `begin` (the files sent stay sent).
    pub fn restart_chunks(&mut self, begin: Resume) -> Result<(), String> {
        self.began = begin.began;
        self.saved.began = begin.began.to_string();
        self.saved.acknowledged_through = begin.acknowledged_through;
        self.saved.vector_log_at = begin.vector_log_at;
        self.save()
    }

    /// The target's id of a file sent by an earlier run.
    pub fn file(&self, id: FileId) -> Option<&str> {
        self.saved.files.get(&id).map(String::as_str)
    }

    /// The target's ids of the files sent.
    pub fn target_files(&self) -> impl Iterator<Item = &str> {
        self.saved.files.values().map(String::as_str)
    }

    /// The target has file `id` as `target_id`.
    pub fn record_file(&mut self, id: FileId, target_id: &str) -> Result<(), String> {
        self.saved.files.insert(id, target_id.to_string());
        self.save()
    }

    /// The target acknowledged every chunk to send up to key `pk`.
    pub fn acknowledge(&mut self, pk: i64) -> Result<(), String> {
        if pk > self.saved.acknowledged_through {
            self.saved.acknowledged_through = pk;
            self.save()?;
        }
        Ok(())
    }

    /// The export is done: the next one starts from the beginning.
    pub fn finish(self) -> Result<(), String> {
        fs::remove_file(&self.path)
            .map_err(|err| format!("cannot remove {}: {err}", self.path.display()))
    }

    /// Written whole or not at all: a new file, synced, renamed over the old.
    fn save(&self) -> Result<(), String> {
        let partial = sibling_file(&self.path, ".partial");
        let cannot = |err: std::io::Error| format!("cannot write {}: {err}", self.path.display());
        let _ = fs::remove_file(&partial);
        make_private(&partial).map_err(cannot)?;
        let mut file = fs::OpenOptions::new()
            .write(true)
            .truncate(true)
            .open(&partial)
            .map_err(cannot)?;
        let text = serde_json::to_vec(&self.saved).map_err(|err| err.to_string())?;
        file.write_all(&text).map_err(cannot)?;
        file.sync_all().map_err(cannot)?;
        fs::rename(&partial, &self.path).map_err(cannot)
    }
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

        again.finish().unwrap();
        let fresh = State::load_or_begin(&db, identity("http://a", true), begin()).unwrap();
        assert_eq!(fresh.resume().acknowledged_through, 0);
    }
}
