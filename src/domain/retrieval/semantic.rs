//! Search by meaning: the dataset's chunks with a vector ranked by cosine similarity with the
//! query's vector (every one compared: an exact search over the matrix in memory), and hybrid
//! search, the full-text and semantic lists fused by reciprocal rank.

use std::collections::{BinaryHeap, HashMap, HashSet};

use super::*;
use crate::db::vector_index::VectorIndex;

/// Reciprocal rank fusion's constant: a list's item at rank r (1 first) counts 1 / (K + r).
pub const RRF_K: f64 = 60.0;

/// What a semantic search looks for: chunks near `vector` that pass the filters, `excluded`
/// left out.
pub struct Near<'a> {
    pub vector: &'a [f32],
    pub filters: &'a Filters,
    pub ranking: Ranking,
    pub excluded: &'a [i64],
}

/// The dataset's chunks with a vector that `near` wants, ranked by similarity: the first
/// `depth`, best first, and how many there are in all. The score is (1 + cosine similarity) / 2
/// times the chunk's weight (times the recency factor when the search favours recent chunks),
/// so positive.
pub fn nearest(
    conn: &Connection,
    vectors: &VectorIndex,
    dataset_id: DatasetId,
    near: &Near,
    depth: usize,
) -> AppResult<(Vec<Hit>, i64)> {
    let Near {
        vector: query,
        filters,
        ranking,
        excluded,
    } = *near;
    let matrix = vectors.matrix(conn, dataset_id)?;
    let matrix = matrix
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if matrix.is_empty() {
        return Ok((Vec::new(), 0));
    }
    if query.len() != matrix.dimensions() {
        return Err(AppError::BadGateway(format!(
            "The embedding server's vectors have {} numbers, this dataset's have {}: embed with \
             the model the dataset's vectors came from",
            query.len(),
            matrix.dimensions()
        )));
    }
    let allowed: Option<HashSet<i64>> = if filters.is_empty() {
        None
    } else {
        Some(
            fulltext::chunks_with_vectors_within(conn, &dataset_id, filters)?
                .into_iter()
                .collect(),
        )
    };
    let now = match ranking {
        Ranking::Relevance => None,
        Ranking::RecentFirst { now } => Some(now.unix_seconds()),
    };
    let similarities = matrix.similarities(query);
    let mut total = 0i64;
    let mut top = Top::new(depth);
    for (row, &similarity) in similarities.iter().enumerate() {
        let pk = matrix.pk(row);
        if allowed
            .as_ref()
            .is_some_and(|allowed| !allowed.contains(&pk))
            || excluded.contains(&pk)
        {
            continue;
        }
        total += 1;
        let mut score = f64::from((1.0 + similarity) / 2.0) * f64::from(matrix.weight(row));
        if let Some(now) = now {
            score *= recency(now, matrix.time(row));
        }
        top.offer(Hit { pk, score });
    }
    Ok((top.into_sorted(), total))
}

/// The best `depth` hits offered, kept in a heap whose root is the worst of them: a hit that
/// does not beat it costs one comparison.
struct Top {
    depth: usize,
    heap: BinaryHeap<Worst>,
}

/// A hit ordered so that the worst is the greatest (the heap's root).
struct Worst(Hit);

impl PartialEq for Worst {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == std::cmp::Ordering::Equal
    }
}

impl Eq for Worst {}

impl PartialOrd for Worst {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Worst {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        better_first(&self.0, &other.0)
    }
}

/// Best first: the higher score, then the newer chunk.
fn better_first(a: &Hit, b: &Hit) -> std::cmp::Ordering {
    b.score.total_cmp(&a.score).then(b.pk.cmp(&a.pk))
}

impl Top {
    fn new(depth: usize) -> Top {
        Top {
            depth,
            heap: BinaryHeap::with_capacity(depth.min(1 << 16) + 1),
        }
    }

    fn offer(&mut self, hit: Hit) {
        if self.heap.len() < self.depth {
            self.heap.push(Worst(hit));
        } else if let Some(mut worst) = self.heap.peek_mut() {
            if better_first(&hit, &worst.0).is_lt() {
                *worst = Worst(hit);
            }
        }
    }

    /// Best first.
    fn into_sorted(self) -> Vec<Hit> {
        self.heap
            .into_sorted_vec()
            .into_iter()
            .map(|worst| worst.0)
            .collect()
    }
}

/// The recency factor of `date_bias`: 1 + 1 / (1 + age in days / 30).
fn recency(now: f64, at: f64) -> f64 {
    1.0 + 1.0 / (1.0 + (now - at).max(0.0) / 2_592_000.0)
}

/// Reciprocal rank fusion of two ranked lists, each weighted: best first.
pub fn fuse(semantic: &[Hit], fulltext: &[Hit], weights: (f64, f64)) -> Vec<Hit> {
    let mut fused: HashMap<i64, f64> = HashMap::with_capacity(semantic.len() + fulltext.len());
    for (list, weight) in [(semantic, weights.0), (fulltext, weights.1)] {
        if weight <= 0.0 {
            continue;
        }
        for (rank, hit) in list.iter().enumerate() {
            *fused.entry(hit.pk).or_default() += weight / (RRF_K + rank as f64 + 1.0);
        }
    }
    let mut hits: Vec<Hit> = fused
        .into_iter()
        .map(|(pk, score)| Hit { pk, score })
        .collect();
    hits.sort_unstable_by(better_first);
    hits
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hits(pks: &[i64]) -> Vec<Hit> {
        pks.iter().map(|&pk| Hit { pk, score: 1.0 }).collect()
    }

    #[test]
    fn fusion_favours_what_both_lists_rank_and_follows_the_weights() {
        let fused = fuse(&hits(&[1, 2, 3]), &hits(&[3, 1, 4]), (1.0, 1.0));
        let order: Vec<i64> = fused.iter().map(|hit| hit.pk).collect();
        assert_eq!(order, [1, 3, 2, 4]);
        assert!((fused[0].score - (1.0 / 61.0 + 1.0 / 62.0)).abs() < 1e-12);
        // Full text alone counts: its order.
        let order: Vec<i64> = fuse(&hits(&[1, 2, 3]), &hits(&[3, 4, 1]), (0.0, 1.0))
            .iter()
            .map(|hit| hit.pk)
            .collect();
        assert_eq!(order, [3, 4, 1]);
    }

    #[test]
    fn the_best_come_first_ties_newest_first() {
        let mut top = Top::new(3);
        for (pk, score) in [(1, 0.5), (2, 0.9), (3, 0.5), (4, 0.1), (5, 0.95)] {
            top.offer(Hit { pk, score });
        }
        let order: Vec<i64> = top.into_sorted().iter().map(|hit| hit.pk).collect();
        assert_eq!(order, [5, 2, 3]);
        assert!(Top::new(0).into_sorted().is_empty());
    }
}
