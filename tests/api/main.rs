//! The integration tests, as one binary: the real server on port 0 with a temporary database,
//! in-process (`helpers`), and one module per area of the API. One binary links once after a
//! change to the library, where a binary per file linked once per file.

mod authorization_matrix;
mod backup;
mod chunk_batches;
mod chunks;
mod datasets_organizations;
mod errors;
mod exhaustion;
mod files;
mod hardening;
mod helpers;
mod hostile_input;
mod large_files;
mod migrations;
mod observability;
mod search;
mod startup;
mod update_user;
mod user_data;
mod user_keys;
mod vectors;
