//! The integration suite: real HTTP requests to the real router, on a real SQLite file and
//! on the real PostgreSQL server. Every test runs on both engines (`both_engines!`), each
//! run on a database of its own.

mod abuse;
mod app;
mod audit;
mod audit_history;
mod cases;
mod cors;
mod csv;
mod errors;
mod event_analytics;
mod export;
mod filter_names;
mod graphiql;
mod imports;
mod leak_paths;
mod leaks;
mod limits;
mod link_states;
mod link_visibility;
mod maps;
mod one_boundary;
mod place_names;
mod provenance;
mod record_imports;
mod register;
mod registers;
mod search;
mod sites;
mod soak;
mod statements;
mod suggestions;
mod trust;
