//! GraphQL object, interface, union and input types, one module per concept. They wrap
//! entity models; the database can change without breaking clients.

pub mod actor;
pub mod audit;
pub mod case;
pub mod common;
pub mod enums;
pub mod event;
pub mod inputs;
pub mod location;
pub mod news;
pub mod node;
pub mod search;
pub mod spatial;
pub mod stats;
pub mod timeline;
