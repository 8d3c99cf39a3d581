//! "More like this": chunks sharing the positives' most distinctive words.

use std::collections::HashMap;

use rusqlite::Connection;
use serde::Deserialize;
use utoipa::ToSchema;

use super::*;
use crate::db::vector_index::VectorIndex;
use crate::db::vectors;

/// `POST /api/chunk/recommend`.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"positive_chunk_ids": ["2f1e8c53-7a0b-4f3e-9d6c-1b2a3c4d5e6f"]}))]
pub struct RecommendChunksRequest {
    /// 1 to 20 chunks of the dataset to find more like.
    #[schema(min_items = 1, max_items = 20)]
    pub positive_chunk_ids: Vec<String>,
}

/// Chunks like the positives, the positives themselves excluded: by the mean of their vectors
/// when they have vectors (cosine similarity over the dataset's vectors), otherwise by their
/// most distinctive words (term frequency in the positives times inverse chunk frequency in the
/// dataset).
pub fn recommend_chunks(
    conn: &Connection,
    vector_index: &VectorIndex,
    reader: &DatasetScope,
    request: RecommendChunksRequest,
) -> AppResult<Vec<ChunkWithFileRow>> {
    let count = request.positive_chunk_ids.len();
    if count == 0 || count > MAX_RECOMMEND_POSITIVES {
        return Err(AppError::invalid(
            "positive_chunk_ids",
            format!("positive_chunk_ids must name 1 to {MAX_RECOMMEND_POSITIVES} chunks"),
        ));
    }
    let mut positives = Vec::with_capacity(count);
    let mut frequency: HashMap<String, i64> = HashMap::new();
    for text in &request.positive_chunk_ids {
        let id: ChunkId = uuid::Uuid::parse_str(text.trim())
            .map_err(|_| {
                AppError::invalid(
                    "positive_chunk_ids",
                    "positive_chunk_ids must be chunk ids (UUIDs)",
                )
            })?
            .into();
        let (pk, content) = chunks::find_chunk_text(conn, reader.id(), id)?
            .ok_or_else(|| AppError::NotFound(format!("No chunk {id} in this dataset")))?;
        positives.push(pk);
        for word in tokens::words(&content) {
            *frequency.entry(word.stem).or_default() += 1;
        }
    }
    let with_vectors = vectors::vectors_of(conn, &positives)?;
    if let Some(mean) = mean(&with_vectors) {
        let near = Near {
            vector: &mean,
            filters: &Filters::default(),
            ranking: Ranking::Relevance,
            excluded: &positives,
        };
        let (hits, _) = semantic::nearest(conn, vector_index, reader.id(), &near, RECOMMENDED)?;
        return Ok(chunks_of(conn, &hits)?
            .into_iter()
            .map(|(_, chunk)| chunk)
            .collect());
    }
    let key = fulltext::search_key(conn, reader.id())?;
    let frequencies = Frequencies::new(conn, key)?;
    let chunks_in_dataset = frequencies.sizes().chunks as f64;
    let mut distinctive: Vec<(f64, String)> = Vec::with_capacity(frequency.len());
    for (stem, times) in frequency {
        let holding = frequencies.of(&Phrase::Term(term(key, &stem)))?.max(1) as f64;
        distinctive.push((
            times as f64 * (1.0 + chunks_in_dataset / holding).ln(),
            stem,
        ));
    }
    distinctive.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let terms: Vec<String> = distinctive
        .iter()
        .take(RECOMMEND_TERMS)
        .map(|(_, stem)| term(key, stem))
        .collect();
    if terms.is_empty() {
        return Ok(Vec::new());
    }
    let phrases: Vec<Phrase> = terms.into_iter().map(Phrase::Term).collect();
    let expression = Expression {
        text: phrases
            .iter()
            .map(Phrase::fts5)
            .collect::<Vec<_>>()
            .join(" OR "),
        phrases,
    };
    let filters = Filters {
        excluded: Some(serde_json::to_string(&positives).unwrap_or_default()),
        ..Filters::default()
    };
    let scoring = Scoring::of(conn, key, &expression, Ranking::Relevance, None)?;
    let hits = page(
        conn,
        &expression,
        &filters,
        &scoring,
        Slice {
            offset: 0,
            limit: RECOMMENDED as u32,
        },
        None,
        RANKED_MATCHES,
    )?;
    Ok(chunks_of(conn, &hits)?
        .into_iter()
        .map(|(_, chunk)| chunk)
        .collect())
}

/// How many chunks a recommendation names at most.
const RECOMMENDED: usize = 10;

/// The mean of vectors of one length, each scaled to length 1 first (so that each positive
/// counts the same); None when there are none, or their lengths differ.
fn mean(vectors: &[Vec<f32>]) -> Option<Vec<f32>> {
    let length = vectors.first()?.len();
    if vectors.iter().any(|vector| vector.len() != length) {
        return None;
    }
    let mut sum = vec![0f32; length];
    for vector in vectors {
        let norm = vectors::norm(vector);
        if norm.is_finite() && norm > 0.0 {
            for (total, &x) in sum.iter_mut().zip(vector) {
                *total += (f64::from(x) / norm) as f32;
            }
        }
    }
    Some(sum)
}
