//! Full-text search's text handling: the one HTML reader (`html`), readable text and its split
//! into chunks (`text`), how words are read (`tokens`), how a user's query becomes an FTS5 query
//! (`query`), and how matches are marked in a chunk's HTML (`highlight`). The index itself is
//! `db::fulltext`; the rules of a search are `domain::retrieval`.

pub mod highlight;
pub mod html;
pub mod query;
pub mod text;
pub mod tokens;
