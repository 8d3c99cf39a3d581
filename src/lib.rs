//! trieve-lite: a Trieve-compatible server in one executable, backed by one SQLite file.
//!
//! The layers, each importing only those below it (docs/development.md walks a request through
//! them): `types` (values parsed once) < `search` (the text engine: tokens, queries, highlights)
//! < `db` (storage rows and the writer) < `domain` (the rules) < `outside` (clients of the
//! servers the user runs) < `config` (the settings) < `http` (routes, wire shapes, plumbing)
//! < `startup` and `cli`.

pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod http;
pub mod outside;
pub mod search;
pub mod startup;
pub mod types;
