//! A record's version and timestamps, set in one place: a new row starts at version 1,
//! created and updated at the moment of the write; a change moves it to the next version
//! and updates `updated_at`. News links carry timestamps without a version.

use chasqui_entities::tables::{actor, case, event, location, news_item, news_link};
use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;

/// A row with `created_at` and `updated_at`.
pub(crate) trait Stamped: Sized {
    /// The row as first written at `now`: created and updated then, at version 1 when it
    /// counts versions.
    fn created(self, now: DateTime<Utc>) -> Self;
    /// The row changed now.
    fn changed(&mut self);
}

/// A row that counts its versions (the `expectedVersion` of an update is checked against
/// it).
pub(crate) trait Versioned: Stamped {
    /// The row changed now from `version`: it is at the next one.
    fn next_version(&mut self, version: i32);
}

macro_rules! stamped {
    (versioned: $($versioned:ident),*; timestamped: $($timestamped:ident),*) => {
        $(
            impl Stamped for $versioned::ActiveModel {
                fn created(mut self, now: DateTime<Utc>) -> Self {
                    self.version = Set(1);
                    self.created_at = Set(now);
                    self.updated_at = Set(now);
                    self
                }
                fn changed(&mut self) {
                    self.updated_at = Set(super::now());
                }
            }
            impl Versioned for $versioned::ActiveModel {
                fn next_version(&mut self, version: i32) {
                    self.version = Set(version + 1);
                    self.changed();
                }
            }
        )*
        $(
            impl Stamped for $timestamped::ActiveModel {
                fn created(mut self, now: DateTime<Utc>) -> Self {
                    self.created_at = Set(now);
                    self.updated_at = Set(now);
                    self
                }
                fn changed(&mut self) {
                    self.updated_at = Set(super::now());
                }
            }
        )*
    };
}

stamped!(versioned: actor, case, event, location, news_item; timestamped: news_link);
