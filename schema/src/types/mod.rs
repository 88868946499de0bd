//! GraphQL object, interface, union and input types, one module per concept. A concept's
//! module holds its output types, the inputs that write it (next to the type they write),
//! and the bodies of the root fields that return it; `query.rs` and `mutation.rs` only
//! delegate. The types wrap entity models; the database can change without breaking
//! clients.

pub mod actor;
pub mod archive;
pub mod audit;
pub mod case;
pub mod common;
pub mod enums;
pub mod event;
pub(crate) mod input;
pub mod location;
pub mod news;
pub mod news_link;
pub mod node;
pub mod report;
pub mod search;
pub mod service;
pub mod source;
pub mod spatial;
pub mod stats;
pub mod status_change;
pub mod timeline;
