//! Event analytics (`Query.eventStats`): the events of a filter counted in groups, with
//! the sums of their casualties.

use super::EventFilter;
use crate::error::ApiResult;
use crate::types::actor::Actor;
use crate::types::common::{FuzzyDate, access, store};
use crate::types::enums::EventKind;
use crate::types::location::Location;
use async_graphql::{Context, Enum, Object};
use chasqui_store::EventStatDimension as Dimension;

/// Dimensions to group event counts by. Buckets sort by their keys in the order the
/// dimensions are asked.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventStatDimension {
    /// The month an event began in, in time order. An event known only to the year
    /// counts in a bucket of its own whose `month` is the year (YEAR precision), before
    /// that year's January. Alone, every month from the first matching event's to the
    /// last's is listed, empty ones with a count of 0.
    Month,
    /// The year an event began in, in time order. Alone, every year from the first
    /// matching event's to the last's is listed.
    Year,
    /// The department (REGION level) the event's location lies in, as the `region`
    /// filter finds it, through places the caller may see; by department code. Events in
    /// no department come last, with a null `region`.
    Region,
    /// The event's kind, in the order of `EventKind`.
    Kind,
    /// Each actor of the event the caller may see, by slug: an event with two actors
    /// counts under both. Events with no actor come last, with a null `actor`.
    Actor,
}

impl From<EventStatDimension> for Dimension {
    fn from(d: EventStatDimension) -> Self {
        match d {
            EventStatDimension::Month => Dimension::Month,
            EventStatDimension::Year => Dimension::Year,
            EventStatDimension::Region => Dimension::Region,
            EventStatDimension::Kind => Dimension::Kind,
            EventStatDimension::Actor => Dimension::Actor,
        }
    }
}

/// A group of events: how many, and the sums of their casualties. Only the grouped-by
/// keys are set.
pub struct EventStatBucket(pub chasqui_store::EventStatBucket);

impl EventStatBucket {
    /// `Query.eventStats`.
    pub async fn group(
        ctx: &Context<'_>,
        filter: Option<EventFilter>,
        group_by: Vec<EventStatDimension>,
    ) -> ApiResult<Vec<EventStatBucket>> {
        let store = store(ctx)?;
        let access = access(ctx);
        let filter = filter.unwrap_or_default().resolve(store, access).await?;
        let dimensions: Vec<Dimension> = group_by.into_iter().map(Into::into).collect();
        Ok(store
            .event_stats(access, &filter, &dimensions)
            .await?
            .into_iter()
            .map(EventStatBucket)
            .collect())
    }
}

/// A group of events: how many, and the sums of their deaths and injuries. Only the
/// grouped-by keys are set.
#[Object]
impl EventStatBucket {
    /// How many events.
    async fn count(&self) -> u64 {
        self.0.count
    }

    /// The sum of the events' deaths; events without a figure add nothing.
    async fn deaths(&self) -> i64 {
        self.0.deaths
    }

    /// The sum of the events' injuries; events without a figure add nothing.
    async fn injuries(&self) -> i64 {
        self.0.injuries
    }

    /// The month the events began in (MONTH precision; YEAR precision for events known
    /// only to the year).
    async fn month(&self) -> Option<FuzzyDate> {
        self.0.month.map(FuzzyDate)
    }

    /// The year the events began in (YEAR precision).
    async fn year(&self) -> Option<FuzzyDate> {
        self.0.year.map(FuzzyDate)
    }

    /// The department (REGION level location).
    async fn region(&self, ctx: &Context<'_>) -> ApiResult<Option<Location>> {
        Location::load_opt(ctx, self.0.region_id).await
    }

    async fn kind(&self) -> Option<EventKind> {
        self.0.kind.map(Into::into)
    }

    async fn actor(&self, ctx: &Context<'_>) -> ApiResult<Option<Actor>> {
        match self.0.actor_id {
            Some(id) => Actor::load(ctx, id).await,
            None => Ok(None),
        }
    }
}
