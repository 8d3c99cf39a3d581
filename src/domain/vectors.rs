//! A chunk's vector as a request sends it (`chunk_vector`): checked, then stored. Every vector
//! of a dataset has the same length, set by its first.

use rusqlite::Connection;

use crate::db::vectors;
use crate::domain::error::{AppError, AppResult};
use crate::types::ids::DatasetId;

/// The most numbers a vector may have (the largest common embedding models have 4,096).
pub const MAX_VECTOR_LENGTH: usize = 4096;

/// What is wrong with a vector, if anything: it must have 1 to `MAX_VECTOR_LENGTH` numbers,
/// every one finite, not all zero (a zero vector has no direction to compare).
pub fn check_vector(vector: &[f32]) -> Result<(), String> {
    if vector.is_empty() || vector.len() > MAX_VECTOR_LENGTH {
        return Err(format!(
            "a vector must have 1 to {MAX_VECTOR_LENGTH} numbers, not {}",
            vector.len()
        ));
    }
    if let Some(at) = vector.iter().position(|x| !x.is_finite()) {
        return Err(format!("number {at} is not a finite number in float32"));
    }
    if vector.iter().all(|&x| x == 0.0) {
        return Err("the vector is all zeros".into());
    }
    Ok(())
}

/// The numbers of `chunk_vector` as float32, checked by `check_vector`.
pub fn parse_vector(values: &[f64]) -> AppResult<Vec<f32>> {
    let vector: Vec<f32> = values.iter().map(|&x| x as f32).collect();
    check_vector(&vector)
        .map_err(|problem| AppError::invalid("chunk_vector", format!("chunk_vector: {problem}")))?;
    Ok(vector)
}

/// Check `values` and store them as the vector of the chunk with key `chunk_pk`.
pub fn store_chunk_vector(
    conn: &Connection,
    dataset_id: DatasetId,
    chunk_pk: i64,
    values: &[f64],
) -> AppResult<()> {
    store_checked(conn, dataset_id, chunk_pk, &parse_vector(values)?)
}

/// Store a checked vector as the chunk's: a 400 naming both lengths when it is not the length
/// of the dataset's vectors.
pub fn store_checked(
    conn: &Connection,
    dataset_id: DatasetId,
    chunk_pk: i64,
    vector: &[f32],
) -> AppResult<()> {
    match vectors::vector_length(conn, dataset_id)? {
        Some(length) if length != vector.len() => {
            return Err(AppError::invalid(
                "chunk_vector",
                format!(
                    "chunk_vector has {} numbers; the vectors of this dataset have {length}",
                    vector.len()
                ),
            ))
        }
        Some(_) => {}
        None => vectors::set_vector_length(conn, dataset_id, vector.len())?,
    }
    vectors::store_vector(conn, dataset_id, chunk_pk, vector)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_vector_is_finite_bounded_and_not_zero() {
        assert_eq!(parse_vector(&[0.5, -1.0]).unwrap(), vec![0.5f32, -1.0]);
        for bad in [
            vec![],
            vec![0.0; 3],
            vec![f64::NAN],
            vec![1e300],
            vec![1.0; 4097],
        ] {
            let refused = parse_vector(&bad).unwrap_err();
            assert_eq!(refused.field(), Some("chunk_vector"), "{bad:?}");
        }
    }
}
