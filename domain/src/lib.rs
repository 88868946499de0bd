//! chasqui's pure rules: code that needs neither a database nor GraphQL, so that the
//! store, the GraphQL layer, the importers and the demo share one copy of each.
//!
//! - [`validate`]: the input rules every write from outside goes through.
//! - [`text`]: text folding (accents, case, punctuation) for titles, names and search.
//! - [`search`]: how a text becomes index terms and a query a match expression.
//! - [`suggest`]: which cases a text mentions (link suggestion scoring).
//! - [`spatial`]: the spatial index and the geometry rules around it.
//! - [`map_output`]: GeoJSON and SVG maps.

pub mod map_output;
pub mod search;
pub mod spatial;
pub mod suggest;
pub mod text;
pub mod validate;
