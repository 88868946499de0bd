//! chasqui's storage model.
//!
//! Three kinds of things live here, and nothing that knows about HTTP or GraphQL:
//! - [`vocabulary`]: the closed enumerations of the domain (case kinds, statuses, roles…),
//!   stored as their `SCREAMING_SNAKE_CASE` names in text columns on both engines;
//! - [`date`]: [`PartialDate`], a date known to the day, the month or the year;
//! - [`tables`]: one sea-orm entity per table.

pub mod date;
pub mod details;
pub mod tables;
pub mod vocabulary;

pub use date::{DatePrecision, PartialDate, PartialDateError};
pub use details::CaseDetails;
pub use vocabulary::*;
