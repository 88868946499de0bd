//! The root query. Each field delegates to the module of the type it returns
//! (`types/*`); the descriptions clients read are here.

use crate::error::ApiResult;
use crate::scalars::PartialDate;
use crate::types::actor::{Actor, ActorFilter};
use crate::types::audit::{AuditConnection, AuditLogFilter, audit_log};
use crate::types::case::{Case, CaseConnection, CaseFilter, CaseOrder};
use crate::types::enums::CaseStatDimension;
use crate::types::event::{
    Event, EventFilter, EventListConnection, EventStatBucket, EventStatDimension,
};
use crate::types::location::{Location, LocationFilter};
use crate::types::news::{NewsItem, NewsItemConnection, NewsItemFilter};
use crate::types::node::{Node, load_node, load_nodes};
use crate::types::report::StatusReport;
use crate::types::search::{SearchConnection, SearchType, search};
use crate::types::service::ServiceInfo;
use crate::types::spatial::{Located, cases_geojson};
use crate::types::stats::CaseStatBucket;
use async_graphql::connection::{Connection, EmptyFields};
use async_graphql::{Context, ID, Json, Object};

pub struct Query;

#[Object]
impl Query {
    /// Fetches any object by its global id; `null` when it does not exist or is not visible.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Option<Node>> {
        load_node(ctx, &id).await
    }

    /// Fetches several objects by global id, in order (at most the maximum page size).
    async fn nodes(&self, ctx: &Context<'_>, ids: Vec<ID>) -> ApiResult<Vec<Option<Node>>> {
        load_nodes(ctx, &ids).await
    }

    /// A case by id or slug (give one).
    async fn case(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        slug: Option<String>,
    ) -> ApiResult<Option<Case>> {
        Case::by_key(ctx, id.as_ref(), slug.as_deref()).await
    }

    /// Cases matching a filter, in pages.
    async fn cases(
        &self,
        ctx: &Context<'_>,
        filter: Option<CaseFilter>,
        order_by: Option<CaseOrder>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<CaseConnection> {
        Case::paginate(ctx, filter, order_by, first, after).await
    }

    /// Cases, actors and news items whose text matches `query`, best first. Words are
    /// matched whatever their accents and case, and by stem in Spanish and English
    /// ("comunidad" finds "comunidades", "protest" finds "protests"); every word must
    /// match; a word ending in `*` matches as a prefix. Restricted records are found only
    /// by callers who may read them.
    async fn search(
        &self,
        ctx: &Context<'_>,
        query: String,
        types: Option<Vec<SearchType>>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<SearchConnection> {
        search(ctx, query, types, first, after).await
    }

    /// Case counts grouped by status, kind, region and/or month, for the same filters as `cases`.
    async fn case_stats(
        &self,
        ctx: &Context<'_>,
        filter: Option<CaseFilter>,
        group_by: Vec<CaseStatDimension>,
    ) -> ApiResult<Vec<CaseStatBucket>> {
        CaseStatBucket::group(ctx, filter, group_by).await
    }

    /// The status report of a period, as the Ombudsman's monthly report gives it, from the
    /// status histories: the cases by status at the period's end, the active ones by
    /// phase, conflict type and department, and the movements of the period (new,
    /// reactivated, moved to latent, resolved, withdrawn) with the change behind each.
    /// `period` is a month ("2024-04"), a year or a day (the current month when not
    /// given); `through` extends it to the end of a later date. `filter` selects the
    /// cases, as for `cases`.
    async fn status_report(
        &self,
        ctx: &Context<'_>,
        period: Option<PartialDate>,
        through: Option<PartialDate>,
        filter: Option<CaseFilter>,
    ) -> ApiResult<StatusReport> {
        StatusReport::compute(ctx, period, through, filter).await
    }

    /// The district, province, department and country a point falls in.
    async fn locate(&self, ctx: &Context<'_>, latitude: f64, longitude: f64) -> ApiResult<Located> {
        Located::locate(ctx, latitude, longitude).await
    }

    /// The cases of a filter as an RFC 7946 GeoJSON FeatureCollection (a point per case;
    /// popup properties; `totalCount` and `truncated` say whether `limit` cut it short).
    async fn cases_geo_json(
        &self,
        ctx: &Context<'_>,
        filter: Option<CaseFilter>,
        #[graphql(
            desc = "At most this many features (default 10000, at most 100000); each feature counts 1 toward the request's cost, whose limit is 20000 by default."
        )]
        limit: Option<i32>,
    ) -> ApiResult<Json<serde_json::Value>> {
        cases_geojson(ctx, filter, limit).await
    }

    /// An actor by id or slug (give one).
    async fn actor(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        slug: Option<String>,
    ) -> ApiResult<Option<Actor>> {
        Actor::by_key(ctx, id.as_ref(), slug.as_deref()).await
    }

    /// Actors, by slug.
    async fn actors(
        &self,
        ctx: &Context<'_>,
        filter: Option<ActorFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Connection<String, Actor, EmptyFields, EmptyFields>> {
        Actor::paginate(ctx, filter, first, after).await
    }

    /// A location by id or code (give one).
    async fn location(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        code: Option<String>,
    ) -> ApiResult<Option<Location>> {
        Location::by_key(ctx, id.as_ref(), code.as_deref()).await
    }

    /// Places, in the order they were recorded.
    async fn locations(
        &self,
        ctx: &Context<'_>,
        filter: Option<LocationFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Connection<String, Location, EmptyFields, EmptyFields>> {
        Location::paginate(ctx, filter, first, after).await
    }

    /// News items, newest first.
    async fn news_items(
        &self,
        ctx: &Context<'_>,
        filter: Option<NewsItemFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<NewsItemConnection> {
        NewsItem::paginate(ctx, filter, first, after).await
    }

    /// Events of every case, latest first: by case, kind, period, actor, the case's
    /// current status and place (the same spatial filters as `cases`).
    async fn events(
        &self,
        ctx: &Context<'_>,
        filter: Option<EventFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<EventListConnection> {
        Event::paginate(ctx, filter, first, after).await
    }

    /// Event counts, with the sums of deaths and injuries, grouped by month, year,
    /// department, kind and/or actor, for the same filters as `events`: only events the
    /// caller may see count. Buckets sort by their keys in the order of `groupBy`.
    async fn event_stats(
        &self,
        ctx: &Context<'_>,
        filter: Option<EventFilter>,
        group_by: Vec<EventStatDimension>,
    ) -> ApiResult<Vec<EventStatBucket>> {
        EventStatBucket::group(ctx, filter, group_by).await
    }

    /// Every audited write, newest first (admins only).
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        filter: Option<AuditLogFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<AuditConnection> {
        audit_log(ctx, filter, first, after).await
    }

    /// The service's name and version.
    async fn service(&self) -> ServiceInfo {
        ServiceInfo::current()
    }
}
