//! The datasets' vectors in memory, for semantic search: per dataset one contiguous float32
//! matrix of unit-length rows, with each row's chunk key, weight and time, compared with a query
//! by one pass over the matrix (an exact search). A dataset's matrix is read from chunk_vectors
//! at its first search, then kept in step by `vector_changes`, the log every write of a vector
//! (or of a vector chunk's weight or time, or a deletion) adds a row to in its own transaction:
//! a search first applies what the log holds past the matrix's last change.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use rusqlite::{params, Connection, OptionalExtension};

use super::vectors::{decode, norm};
use super::Result;
use crate::types::ids::DatasetId;
use crate::types::time::Timestamp;

/// Past this many changes to apply, the matrix is read again whole.
const MAX_CHANGES_APPLIED: usize = 50_000;

/// Every dataset's matrix once searched.
#[derive(Default)]
pub struct VectorIndex {
    datasets: Mutex<HashMap<DatasetId, Arc<RwLock<Matrix>>>>,
}

/// One dataset's vectors.
#[derive(Default)]
pub struct Matrix {
    dimensions: usize,
    /// `pks.len() * dimensions` numbers, row by row, each row of length 1.
    data: Vec<f32>,
    pks: Vec<i64>,
    weights: Vec<f32>,
    /// Unix seconds of the chunk's time_stamp, else its created_at.
    times: Vec<f64>,
    row_of: HashMap<i64, usize>,
    /// The last change of the log applied.
    seq: i64,
    loaded: bool,
}

/// A row as read from the database.
struct Row {
    pk: i64,
    vector: Vec<f32>,
    weight: f32,
    at: f64,
}

const ROW_SQL: &str = "SELECT v.chunk_pk, v.vector, c.weight, coalesce(c.time_stamp, c.created_at)
     FROM chunk_vectors v JOIN chunks c ON c.pk = v.chunk_pk";

fn read_row(row: &rusqlite::Row) -> rusqlite::Result<Row> {
    let at: Timestamp = row.get(3)?;
    Ok(Row {
        pk: row.get(0)?,
        vector: decode(row.get_ref(1)?.as_blob()?),
        weight: row.get::<_, f64>(2)? as f32,
        at: at.unix_seconds(),
    })
}

impl VectorIndex {
    /// The dataset's matrix, up to date with the database `conn` reads.
    pub fn matrix(&self, conn: &Connection, dataset_id: DatasetId) -> Result<Arc<RwLock<Matrix>>> {
        let matrix = self
            .datasets
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .entry(dataset_id)
            .or_default()
            .clone();
        let last = last_change(conn)?;
        let current = {
            let held = matrix
                .read()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            held.loaded && held.seq == last
        };
        if !current {
            let mut held = matrix
                .write()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            held.catch_up(conn, dataset_id, last)?;
        }
        Ok(matrix)
    }

    /// Forget a dataset's matrix (the dataset is gone).
    pub fn forget(&self, dataset_id: DatasetId) {
        self.datasets
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .remove(&dataset_id);
    }
}

fn last_change(conn: &Connection) -> Result<i64> {
    Ok(conn
        .prepare_cached("SELECT coalesce(max(seq), 0) FROM vector_changes")?
        .query_row([], |row| row.get(0))?)
}

impl Matrix {
    pub fn len(&self) -> usize {
        self.pks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pks.is_empty()
    }

    /// How many numbers each vector has (0 while there is none).
    pub fn dimensions(&self) -> usize {
        self.dimensions
    }

    fn catch_up(&mut self, conn: &Connection, dataset_id: DatasetId, last: i64) -> Result<()> {
        if self.loaded && self.seq == last {
            return Ok(());
        }
        // Changes of this dataset past the matrix's were pruned from the log, or are too many
        // to apply one by one: read it all again.
        let pruned: bool = conn
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM vector_log_pruned WHERE dataset_id = ?1 AND up_to > ?2)",
            )?
            .query_row(params![dataset_id, self.seq], |row| row.get(0))?;
        let changed: Vec<i64> = if !self.loaded || pruned {
            Vec::new()
        } else {
            conn.prepare_cached(
                "SELECT DISTINCT chunk_pk FROM vector_changes
                 WHERE dataset_id = ?1 AND seq > ?2 AND seq <= ?3",
            )?
            .query_map(params![dataset_id, self.seq, last], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?
        };
        if !self.loaded || pruned || changed.len() > MAX_CHANGES_APPLIED {
            return self.load(conn, dataset_id, last);
        }
        // The dataset is checked: a chunk's key may be reused by another dataset's chunk once
        // the chunk is deleted.
        let sql = format!("{ROW_SQL} WHERE v.chunk_pk = ?1 AND v.dataset_id = ?2");
        let mut stmt = conn.prepare_cached(&sql)?;
        for pk in changed {
            match stmt
                .query_row(params![pk, dataset_id], read_row)
                .optional()?
            {
                Some(row) => self.put(row),
                None => self.remove(pk),
            }
        }
        self.seq = last;
        Ok(())
    }

    fn load(&mut self, conn: &Connection, dataset_id: DatasetId, last: i64) -> Result<()> {
        *self = Matrix::default();
        let count: i64 = conn
            .prepare_cached("SELECT count(*) FROM chunk_vectors WHERE dataset_id = ?1")?
            .query_row([dataset_id], |row| row.get(0))?;
        if let Some(length) = super::vectors::vector_length(conn, dataset_id)? {
            let rows = count as usize;
            self.data.reserve_exact(rows * length);
            self.pks.reserve_exact(rows);
            self.weights.reserve_exact(rows);
            self.times.reserve_exact(rows);
        }
        let sql = format!("{ROW_SQL} WHERE v.dataset_id = ?1 ORDER BY v.chunk_pk");
        let mut stmt = conn.prepare(&sql)?;
        let mut rows = stmt.query([dataset_id])?;
        while let Some(row) = rows.next()? {
            self.put(read_row(row)?);
        }
        self.seq = last;
        self.loaded = true;
        Ok(())
    }

    /// Add or replace a chunk's row. A vector of another length than the matrix's (which the
    /// server never stores) is left out.
    fn put(&mut self, row: Row) {
        let length = norm(&row.vector);
        if self.pks.is_empty() && self.dimensions != row.vector.len() {
            self.dimensions = row.vector.len();
        }
        if row.vector.len() != self.dimensions || !length.is_finite() || length <= 0.0 {
            self.remove(row.pk);
            return;
        }
        let unit = row.vector.iter().map(|&x| (f64::from(x) / length) as f32);
        match self.row_of.get(&row.pk) {
            Some(&at) => {
                let start = at * self.dimensions;
                for (slot, x) in self.data[start..start + self.dimensions]
                    .iter_mut()
                    .zip(unit)
                {
                    *slot = x;
                }
                self.weights[at] = row.weight;
                self.times[at] = row.at;
            }
            None => {
                self.row_of.insert(row.pk, self.pks.len());
                self.pks.push(row.pk);
                self.data.extend(unit);
                self.weights.push(row.weight);
                self.times.push(row.at);
            }
        }
    }

    /// Remove a chunk's row: the last row takes its place.
    fn remove(&mut self, pk: i64) {
        let Some(at) = self.row_of.remove(&pk) else {
            return;
        };
        let last = self.pks.len() - 1;
        if at != last {
            let d = self.dimensions;
            self.data.copy_within(last * d..(last + 1) * d, at * d);
            self.pks[at] = self.pks[last];
            self.weights[at] = self.weights[last];
            self.times[at] = self.times[last];
            self.row_of.insert(self.pks[at], at);
        }
        self.data.truncate(last * self.dimensions);
        self.pks.truncate(last);
        self.weights.truncate(last);
        self.times.truncate(last);
    }

    /// Every row's cosine similarity with `query` (of the matrix's length and not zero), in
    /// row order.
    pub fn similarities(&self, query: &[f32]) -> Vec<f32> {
        let length = norm(query);
        let unit: Vec<f32> = query
            .iter()
            .map(|&x| (f64::from(x) / length) as f32)
            .collect();
        let mut out = vec![0.0; self.len()];
        if self.dimensions == 0 || unit.len() != self.dimensions || !length.is_finite() {
            return out;
        }
        if length == 0.0 {
            return out;
        }
        // Two halves on two threads once there is enough work to pay for a thread.
        let d = self.dimensions;
        if self.len() * d >= 1 << 20 {
            let half = self.len() / 2;
            let (top, bottom) = out.split_at_mut(half);
            let (a, b) = self.data.split_at(half * d);
            std::thread::scope(|scope| {
                scope.spawn(|| dots(a, &unit, top));
                dots(b, &unit, bottom);
            });
        } else {
            dots(&self.data, &unit, &mut out);
        }
        out
    }

    pub fn pk(&self, row: usize) -> i64 {
        self.pks[row]
    }

    pub fn weight(&self, row: usize) -> f32 {
        self.weights[row]
    }

    pub fn time(&self, row: usize) -> f64 {
        self.times[row]
    }

    /// The row of a chunk, when it has a vector.
    pub fn row(&self, pk: i64) -> Option<usize> {
        self.row_of.get(&pk).copied()
    }
}

/// `out[i]` = row `i` of `rows` · `query`.
fn dots(rows: &[f32], query: &[f32], out: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU has AVX2 and FMA, checked just above.
        unsafe { dots_avx2(rows, query, out) };
        return;
    }
    dots_portable(rows, query, out);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn dots_avx2(rows: &[f32], query: &[f32], out: &mut [f32]) {
    // The same code as the portable one, compiled for AVX2: eight lanes per accumulator.
    dots_portable(rows, query, out)
}

#[inline(always)]
fn dots_portable(rows: &[f32], query: &[f32], out: &mut [f32]) {
    for (row, slot) in rows.chunks_exact(query.len()).zip(out.iter_mut()) {
        *slot = dot(row, query);
    }
}

/// A dot product in 16 independent sums, so that the compiler keeps them in vector registers
/// (floating-point addition is not reassociated on its own).
#[inline(always)]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    const LANES: usize = 16;
    let mut sums = [0.0f32; LANES];
    let (a_body, a_tail) = a.split_at(a.len() / LANES * LANES);
    let (b_body, b_tail) = b.split_at(a_body.len());
    for (x, y) in a_body.chunks_exact(LANES).zip(b_body.chunks_exact(LANES)) {
        for i in 0..LANES {
            sums[i] += x[i] * y[i];
        }
    }
    let mut total: f32 = sums.iter().sum();
    for (x, y) in a_tail.iter().zip(b_tail) {
        total += x * y;
    }
    total
}

#[cfg(test)]
mod tests;
