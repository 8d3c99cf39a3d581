//! The matrices' unit tests.

use super::*;
use crate::db::chunks::{delete_chunk_row, insert_chunk, NewChunk};
use crate::db::open_in_memory;
use crate::db::test_support::dataset_and_user;
use crate::db::vectors::store_vector;
use crate::types::ids::{ChunkId, UserId};

/// A new chunk of the dataset with `vector` as its vector: its id and key.
fn chunk_with_vector(
    conn: &Connection,
    dataset: DatasetId,
    user: UserId,
    text: &str,
    vector: &[f32],
) -> (ChunkId, i64) {
    let chunk = insert_chunk(conn, &NewChunk::plain(dataset, user, text)).unwrap();
    let pk: i64 = conn
        .query_row("SELECT pk FROM chunks WHERE id = ?1", [chunk.id], |r| {
            r.get(0)
        })
        .unwrap();
    store_vector(conn, dataset, pk, vector).unwrap();
    (chunk.id, pk)
}

#[test]
fn the_matrix_follows_every_write_of_a_vector() {
    let conn = open_in_memory().unwrap();
    let (dataset, user) = dataset_and_user(&conn);
    let index = VectorIndex::default();
    let mut chunks = Vec::new();
    for (text, vector) in [
        ("east", [2.0, 0.0]),
        ("north", [0.0, 3.0]),
        ("ne", [1.0, 1.0]),
    ] {
        chunks.push(chunk_with_vector(&conn, dataset, user, text, &vector));
    }
    let similar = |index: &VectorIndex, query: &[f32]| -> Vec<(i64, f32)> {
        let matrix = index.matrix(&conn, dataset).unwrap();
        let matrix = matrix.read().unwrap();
        let mut found: Vec<(i64, f32)> = matrix
            .similarities(query)
            .into_iter()
            .enumerate()
            .map(|(row, s)| (matrix.pk(row), s))
            .collect();
        found.sort_by(|a, b| b.1.total_cmp(&a.1));
        found
    };
    let found = similar(&index, &[1.0, 0.0]);
    assert_eq!(found[0], (chunks[0].1, 1.0));
    assert!((found[1].1 - std::f32::consts::FRAC_1_SQRT_2).abs() < 1e-6);

    // Replaced, deleted and added after the first search: the next one sees all three.
    store_vector(&conn, dataset, chunks[1].1, &[1.0, 0.01]).unwrap();
    delete_chunk_row(&conn, dataset, chunks[0].0).unwrap();
    let (_, west) = chunk_with_vector(&conn, dataset, user, "west", &[-1.0, 0.0]);
    let found = similar(&index, &[1.0, 0.0]);
    let order: Vec<i64> = found.iter().map(|(pk, _)| *pk).collect();
    assert_eq!(order, [chunks[1].1, chunks[2].1, west]);
    assert!((found[2].1 + 1.0).abs() < 1e-6);
    // A fresh index reads the same.
    assert_eq!(similar(&VectorIndex::default(), &[1.0, 0.0]), found);
}

#[test]
fn a_key_reused_by_another_dataset_never_brings_its_vector_along() {
    let conn = open_in_memory().unwrap();
    let (first, user) = dataset_and_user(&conn);
    let organization: String = conn
        .query_row(
            "SELECT organization_id FROM datasets WHERE id = ?1",
            [first],
            |r| r.get(0),
        )
        .unwrap();
    let second = crate::db::test_support::dataset(
        &conn,
        uuid::Uuid::parse_str(&organization).unwrap().into(),
        "second",
    )
    .id;
    let index = VectorIndex::default();
    let add =
        |dataset, text, vector: [f32; 2]| chunk_with_vector(&conn, dataset, user, text, &vector);
    add(first, "kept", [1.0, 0.0]);
    let (newest, pk) = add(first, "deleted", [0.0, 1.0]);
    assert_eq!(index.matrix(&conn, first).unwrap().read().unwrap().len(), 2);
    delete_chunk_row(&conn, first, newest).unwrap();
    // SQLite gives the deleted chunk's key to the next chunk, here of the other dataset.
    let (_, reused) = add(second, "elsewhere", [0.0, 1.0]);
    assert_eq!(reused, pk);
    let matrix = index.matrix(&conn, first).unwrap();
    let matrix = matrix.read().unwrap();
    assert_eq!((matrix.len(), matrix.row(pk)), (1, None));
    assert_eq!(
        index.matrix(&conn, second).unwrap().read().unwrap().row(pk),
        Some(0)
    );
}

#[test]
fn huge_and_tiny_numbers_keep_their_direction() {
    let conn = open_in_memory().unwrap();
    let (dataset, user) = dataset_and_user(&conn);
    chunk_with_vector(&conn, dataset, user, "big", &[1e20, 1e20]);
    let matrix = VectorIndex::default().matrix(&conn, dataset).unwrap();
    let similarities = matrix.read().unwrap().similarities(&[1e-30, 1e-30]);
    assert!((similarities[0] - 1.0).abs() < 1e-6, "{similarities:?}");
}

#[test]
fn the_dot_product_is_that_of_the_numbers() {
    let a: Vec<f32> = (0..37).map(|i| i as f32 * 0.5).collect();
    let b: Vec<f32> = (0..37).map(|i| 1.0 - i as f32 * 0.01).collect();
    let plain: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
    assert!((dot(&a, &b) - plain).abs() < 1e-3);
    let mut out = [0.0; 2];
    dots(&[a.clone(), a.clone()].concat(), &b, &mut out);
    assert!((out[1] - plain).abs() < 1e-3);
}
