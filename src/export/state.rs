//! How far an export got, in a file beside the database (`<db>.export-<12 hex digits>.json`,
//! one per target and datasets): written after each batch the target acknowledged, removed when
//! the export finishes. It holds no key.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::db::export::Resume;
use crate::db::{make_private, sibling_file};
use crate::domain::ids::DatasetId;
use crate::domain::time::Timestamp;

#[derive(Serialize, Deserialize)]
struct Saved {
    to: String,
    dataset: DatasetId,
    from_dataset: DatasetId,
    /// When the export began (RFC 3339).
    began: String,
    /// Every chunk up to this key was acknowledged (as it was when the export began).
    acknowledged_through: i64,
}

pub struct State {
    path: PathBuf,
    saved: Saved,
    began: Timestamp,
}

impl State {
    /// The state of an interrupted export to the same target and datasets, or a new one.
    pub fn load_or_begin(
        db_path: &Path,
        to: &str,
        dataset: DatasetId,
        from_dataset: DatasetId,
    ) -> Result<State, String> {
        let digest = Sha256::digest(format!("{to}\n{dataset}\n{from_dataset}"));
        let name: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
        let path = sibling_file(db_path, &format!(".export-{name}.json"));
        let earlier = fs::read(&path)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Saved>(&bytes).ok())
            .filter(|saved| {
                saved.to == to && saved.dataset == dataset && saved.from_dataset == from_dataset
            })
            .and_then(|saved| Some((Timestamp::parse_rfc3339(&saved.began)?, saved)));
        if let Some((began, saved)) = earlier {
            return Ok(State { path, saved, began });
        }
        let began = Timestamp::now();
        let state = State {
            path,
            saved: Saved {
                to: to.to_string(),
                dataset,
                from_dataset,
                began: began.to_string(),
                acknowledged_through: 0,
            },
            began,
        };
        state.save()?;
        Ok(state)
    }

    pub fn resume(&self) -> Resume {
        Resume {
            acknowledged_through: self.saved.acknowledged_through,
            began: self.began,
        }
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

    /// Written whole or not at all: a new file renamed over the old.
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

    #[test]
    fn an_interrupted_export_is_found_again_and_a_finished_one_is_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("t.db");
        let (dataset, from) = (DatasetId::random(), DatasetId::random());
        let mut state = State::load_or_begin(&db, "http://a", dataset, from).unwrap();
        let began = state.resume().began;
        state.acknowledge(240).unwrap();
        state.acknowledge(120).unwrap();

        let again = State::load_or_begin(&db, "http://a", dataset, from).unwrap();
        assert_eq!(again.resume().acknowledged_through, 240);
        assert_eq!(again.resume().began, began);
        // Another target has its own.
        let other = State::load_or_begin(&db, "http://b", dataset, from).unwrap();
        assert_eq!(other.resume().acknowledged_through, 0);

        again.finish().unwrap();
        let fresh = State::load_or_begin(&db, "http://a", dataset, from).unwrap();
        assert_eq!(fresh.resume().acknowledged_through, 0);
    }
}
