//! trieve-lite: a Trieve-compatible server in one executable, backed by one SQLite file.

pub mod admin;
pub mod auth;
pub mod cli;
pub mod config;
pub mod connections;
pub mod db;
pub mod domain;
pub mod embedding;
pub mod error;
pub mod export;
pub mod extract;
pub mod llm;
pub mod metrics;
pub mod middleware;
pub mod models;
pub mod openapi;
pub mod outside;
pub mod routes;
pub mod search;
pub mod startup;
pub mod text;
pub mod throttle;
