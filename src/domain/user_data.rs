//! What a user has put in a dataset, as its members may list it: a page of their chunks and
//! their files.

use rusqlite::Connection;

use crate::db::chunks::ChunkWithFileRow;
use crate::db::files::FileRow;
use crate::db::users::UserRow;
use crate::db::{chunks, files, organizations, users};
use crate::domain::error::{AppError, AppResult};
use crate::domain::grants::DatasetScope;
use crate::types::ids::UserId;

/// A user whose data a member of a dataset may list: a member of the dataset's organization, or
/// anyone who left chunks or files in the dataset. Anyone else is a 404.
fn find_listed_user(
    conn: &Connection,
    scope: &DatasetScope,
    user_id: UserId,
) -> AppResult<UserRow> {
    if user_id == scope.caller().id() {
        return Ok(scope.caller().user().clone());
    }
    let not_found = || AppError::NotFound("No user with that id in this dataset".into());
    let user = users::find_user_by_id(conn, user_id)?.ok_or_else(not_found)?;
    let listed = organizations::find_membership(conn, user_id, scope.organization_id())?.is_some()
        || chunks::count_chunks_by_author(conn, scope.id(), user_id)? > 0
        || files::user_has_files(conn, scope.id(), user_id)?;
    if listed {
        Ok(user)
    } else {
        Err(not_found())
    }
}

/// Pages up to this one are read from an index's start in a fraction of a millisecond; a page
/// beyond it may lie deep in the middle of a million chunks (tens of milliseconds), and is
/// read as a costly read (`Database::read_costly`).
pub const DEEP_PAGE: i64 = 100;

/// Whether reading this page may take long.
pub fn is_deep(page: i64) -> bool {
    page > DEEP_PAGE
}

/// A user and one page of their chunks.
#[derive(Debug)]
pub struct UserChunks {
    pub user: UserRow,
    /// All their chunks in the dataset.
    pub total_chunks: i64,
    pub chunks: Vec<ChunkWithFileRow>,
}

/// `GET /api/user/{user_id}/{page}`: the user and one page (10, newest first) of their chunks.
pub fn user_with_chunks(
    conn: &Connection,
    scope: &DatasetScope,
    user_id: UserId,
    page: i64,
) -> AppResult<UserChunks> {
    if page < 1 {
        return Err(AppError::BadRequest("page must be 1 or more".into()));
    }
    let user = find_listed_user(conn, scope, user_id)?;
    // The page relies on the count: both are read in the reader's one snapshot.
    let total = chunks::count_chunks_by_author(conn, scope.id(), user.id)?;
    let page = chunks::list_chunks_by_author(conn, scope.id(), user.id, page, total)?;
    Ok(UserChunks {
        user,
        total_chunks: total,
        chunks: page,
    })
}

/// `GET /api/user/files/{user_id}`: the user's files in the dataset, newest first.
pub fn user_files(
    conn: &Connection,
    scope: &DatasetScope,
    user_id: UserId,
) -> AppResult<Vec<FileRow>> {
    let user = find_listed_user(conn, scope, user_id)?;
    Ok(files::list_files_by_user(conn, scope.id(), user.id)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::chunks::insert_plain_chunk;
    use crate::db::open_in_memory;
    use crate::db::test_support::user;
    use crate::domain::grants::DatasetReader;
    use crate::domain::test_support::{grant, member, organization_with_owner};
    use crate::types::roles::Role;

    #[test]
    fn members_and_authors_are_listed_and_strangers_are_not_found() {
        let conn = open_in_memory().unwrap();
        let (org, owner) = organization_with_owner(&conn, "acme");
        let dataset = crate::db::datasets::find_first_dataset_of_organization(&conn, org.id)
            .unwrap()
            .unwrap();
        let reader = member(&conn, org.id, "reader@example.com", Role::User);
        let former = user(&conn, "former@example.com");
        let stranger = user(&conn, "eve@example.com");
        for i in 0..12 {
            insert_plain_chunk(&conn, dataset.id, owner.id(), &format!("{i}")).unwrap();
        }
        insert_plain_chunk(&conn, dataset.id, former.id, "left behind").unwrap();
        let scope: DatasetReader = grant(&conn, &reader, dataset.id);

        let second = user_with_chunks(&conn, &scope, owner.id(), 2).unwrap();
        assert_eq!((second.total_chunks, second.chunks.len()), (12, 2));
        assert_eq!(second.chunks[1].content, "0");
        assert_eq!(
            user_with_chunks(&conn, &scope, former.id, 1)
                .unwrap()
                .chunks
                .len(),
            1
        );
        assert!(user_with_chunks(&conn, &scope, stranger.id, 1)
            .is_err_and(|e| e.to_string().contains("No user")));
        assert!(user_with_chunks(&conn, &scope, owner.id(), 0).is_err());
        assert!(user_files(&conn, &scope, reader.id()).unwrap().is_empty());
    }
}
