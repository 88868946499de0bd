//! chasqui's GraphQL layer and the store it reads and writes through.

pub mod store;
pub mod validate;
