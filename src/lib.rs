//! The `chasqui` service: configuration, the HTTP router, the demo data set and the
//! database setup shared by the CLI (`main.rs`) and the integration tests.

pub mod config;
pub mod cors;
pub mod csv;
pub mod db;
pub mod demo;
pub mod graphiql;
pub mod http;
pub mod import;
pub mod maps;
pub mod maps_check;
pub mod telemetry;
