use super::*;
use crate::db::test_support::{self, dataset_and_user, organization};
use crate::db::{open_in_memory, Error, Unique};
use serde_json::json;

#[test]
fn pages_hold_ten_newest_first_and_past_the_end_is_empty() {
    let conn = open_in_memory().unwrap();
    let (dataset, user) = dataset_and_user(&conn);
    for i in 0..25 {
        insert_plain_chunk(&conn, dataset, user, &format!("chunk {i}")).unwrap();
    }
    let total = count_chunks_by_author(&conn, dataset, user).unwrap();
    let first = list_chunks_by_author(&conn, dataset, user, 1, total).unwrap();
    let third = list_chunks_by_author(&conn, dataset, user, 3, total).unwrap();
    let fourth = list_chunks_by_author(&conn, dataset, user, 4, total).unwrap();
    assert_eq!(first.len(), 10);
    assert_eq!(first[0].content, "chunk 24");
    assert_eq!(third.len(), 5);
    assert_eq!(third[4].content, "chunk 0");
    assert!(fourth.is_empty());
    assert_eq!(count_chunks_by_author(&conn, dataset, user).unwrap(), 25);
}

#[test]
fn every_page_is_the_same_from_either_end() {
    let conn = open_in_memory().unwrap();
    let (dataset, user) = dataset_and_user(&conn);
    for i in 0..47 {
        insert_plain_chunk(&conn, dataset, user, &format!("{i}")).unwrap();
    }
    let total = count_chunks_by_author(&conn, dataset, user).unwrap();
    let mut seen = Vec::new();
    for page in 1..=5 {
        let chunks = list_chunks_by_author(&conn, dataset, user, page, total).unwrap();
        seen.extend(
            chunks
                .into_iter()
                .map(|c| c.content.parse::<i64>().unwrap()),
        );
    }
    assert_eq!(seen, (0..47).rev().collect::<Vec<_>>());
    assert!(list_chunks_by_author(&conn, dataset, user, 6, total)
        .unwrap()
        .is_empty());
}

#[test]
fn tracking_id_is_unique_per_dataset_and_metadata_round_trips() {
    let conn = open_in_memory().unwrap();
    let (dataset, user) = dataset_and_user(&conn);
    let chunk = NewChunk {
        tracking_id: Some(TrackingId::parse("t-1").unwrap()),
        metadata: Some(json!({"k": [1, 2]})),
        ..NewChunk::plain(dataset, user, "x")
    };
    insert_chunk(&conn, &chunk).unwrap();
    assert!(matches!(
        insert_chunk(&conn, &chunk),
        Err(Error::Taken(Unique::TrackingId))
    ));
    let page = list_chunks_by_author(&conn, dataset, user, 1, 1).unwrap();
    assert_eq!(page[0].metadata, Some(json!({"k": [1, 2]})));
    assert_eq!(count_chunks_by_author(&conn, dataset, user).unwrap(), 1);
}

#[test]
fn a_chunk_is_found_updated_and_deleted_only_within_its_dataset() {
    let conn = open_in_memory().unwrap();
    let (dataset, user) = dataset_and_user(&conn);
    let org = organization(&conn, "other");
    let other = test_support::dataset(&conn, org.id, "docs");
    let chunk = insert_plain_chunk(&conn, dataset, user, "hello").unwrap();

    let by_id = ChunkKey::Id(chunk.id);
    assert!(find_chunk(&conn, other.id, &by_id).unwrap().is_none());
    let mut found = find_chunk(&conn, dataset, &by_id).unwrap().unwrap();
    found.tracking_id = Some("t".into());
    found.content = "changed".into();
    let updated = write_chunk(&conn, &found, None).unwrap();
    assert!(updated.updated_at > chunk.updated_at);
    let by_tracking = find_chunk(&conn, dataset, &ChunkKey::TrackingId("t".into()))
        .unwrap()
        .unwrap();
    assert_eq!(by_tracking.content, "changed");

    assert!(!delete_chunk_row(&conn, other.id, chunk.id).unwrap());
    assert!(delete_chunk_row(&conn, dataset, chunk.id).unwrap());
    assert_eq!(count_chunks_by_author(&conn, dataset, user).unwrap(), 0);
}

#[test]
fn a_users_page_is_read_through_the_author_index() {
    let conn = open_in_memory().unwrap();
    let plan: Vec<String> = conn
        .prepare(
            "EXPLAIN QUERY PLAN SELECT id FROM chunks INDEXED BY chunks_by_author
             WHERE dataset_id = 'd' AND author_id = 'a'
             ORDER BY updated_at ASC, id ASC LIMIT 10 OFFSET 5",
        )
        .unwrap()
        .query_map([], |row| row.get::<_, String>(3))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    let plan = plan.join("\n");
    assert!(
        plan.contains("USING COVERING INDEX chunks_by_author"),
        "{plan}"
    );
    assert!(!plan.contains("TEMP B-TREE"), "{plan}");
}
