//! The root query. Each field delegates to a type module or the store.

use crate::error::{ApiError, ApiResult};
use crate::ids::{NodeType, decode, decode_any};
use crate::pagination::{cursor_parts, decode_after};
use crate::types::actor::Actor;
use crate::types::case::Case;
use crate::types::common::{access, page_limits, store as store_of};
use crate::types::enums::*;
use crate::types::inputs::{CaseFilter, CaseOrder};
use crate::types::location::Location;
use crate::types::news::NewsItem;
use crate::types::node::{Node, load_node};
use crate::types::stats::CaseStatBucket;
use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chasqui_store::{self as store, CaseCursor, CaseKey, CaseOrderKey, StatDimension};

pub struct Query;

/// Extra fields of a case list.
pub struct CaseListInfo {
    filter: store::CaseFilter,
}

#[Object]
impl CaseListInfo {
    /// How many cases match the filter, on all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> ApiResult<u64> {
        Ok(store_of(ctx)?
            .count_cases(access(ctx), &self.filter)
            .await?)
    }
}

pub type CaseConnection = Connection<String, Case, CaseListInfo, EmptyFields>;

fn cursor(text: String) -> String {
    URL_SAFE_NO_PAD.encode(text)
}

#[derive(InputObject, Default)]
pub struct ActorFilter {
    pub kinds: Option<Vec<ActorKind>>,
    /// Part of the name or an alias, any case, taken literally (`%` and `_` are not
    /// wildcards).
    pub name: Option<String>,
    /// Actors with a role in this case.
    pub case: Option<ID>,
}

#[derive(InputObject, Default)]
pub struct LocationFilter {
    pub levels: Option<Vec<LocationLevel>>,
    /// Locations below this one (code or id), itself included.
    pub within: Option<String>,
    /// Direct children of this location (id).
    pub parent: Option<ID>,
    /// Part of the name, any case, taken literally (`%` and `_` are not wildcards).
    pub name: Option<String>,
}

#[derive(InputObject, Default)]
pub struct NewsItemFilter {
    /// Items linked to this case.
    pub case: Option<ID>,
    /// Items dated on or after (their period overlaps from here on).
    pub from: Option<crate::scalars::PartialDate>,
    /// Items dated on or before.
    pub to: Option<crate::scalars::PartialDate>,
    pub publisher: Option<String>,
}

/// What a database has, for a first look.
#[derive(SimpleObject)]
pub struct ServiceInfo {
    pub name: &'static str,
    pub version: &'static str,
}

#[Object]
impl Query {
    /// Fetches any object by its global id; `null` when it does not exist or is not visible.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Option<Node>> {
        load_node(ctx, &id).await
    }

    /// Fetches several objects by global id, in order (at most the maximum page size).
    async fn nodes(&self, ctx: &Context<'_>, ids: Vec<ID>) -> ApiResult<Vec<Option<Node>>> {
        // The number of ids is checked before the request runs (`admission`).
        let mut out = Vec::with_capacity(ids.len());
        for id in &ids {
            out.push(load_node(ctx, id).await?);
        }
        Ok(out)
    }

    /// A case by id or slug (give one).
    async fn case(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        slug: Option<String>,
    ) -> ApiResult<Option<Case>> {
        match (id, slug) {
            (Some(id), None) => match decode_any(&id) {
                Some((NodeType::Case, id)) => Case::load_detail(ctx, CaseKey::Id(id)).await,
                _ => Ok(None),
            },
            (None, Some(slug)) => Case::load_detail(ctx, CaseKey::Slug(&slug)).await,
            _ => Err(ApiError::bad_input("id", "give either id or slug")),
        }
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
        let store = store_of(ctx)?;
        let access = access(ctx);
        let limit = page_limits(ctx).size(first)?;
        let filter = filter.unwrap_or_default().resolve(store, access).await?;
        let order = order_by.unwrap_or_default();
        let (key, tag) = match order.field {
            CaseOrderField::LastActivity => (CaseOrderKey::LastActivity, "la"),
            CaseOrderField::Title => (CaseOrderKey::Title, "ti"),
            CaseOrderField::Slug => (CaseOrderKey::Slug, "sl"),
            CaseOrderField::StartedOn => (CaseOrderKey::StartedOn, "so"),
            CaseOrderField::Created => (CaseOrderKey::Created, "cr"),
        };
        let descending = order.direction == OrderDirection::Desc;
        let tag = format!("c{tag}{}", if descending { "d" } else { "a" });
        let after = match decode_after(after.as_deref())? {
            Some(text) => {
                let parts = cursor_parts(&text, &tag, 2)?;
                let id = parts[0]
                    .parse()
                    .map_err(|_| ApiError::bad_input("after", "not a cursor from this list"))?;
                Some(CaseCursor {
                    id,
                    key: parts[1].to_owned(),
                })
            }
            None => None,
        };
        let page = store
            .list_cases(access, &filter, key, descending, after.as_ref(), limit)
            .await?;
        let mut connection = Connection::with_additional_fields(
            after.is_some(),
            page.has_next,
            CaseListInfo { filter },
        );
        for model in page.rows {
            let c = cursor(format!("{tag}|{}|{}", model.id, key.key_of(&model)));
            connection.edges.push(Edge::new(c, Case::from_model(model)));
        }
        Ok(connection)
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
        types: Option<Vec<crate::types::search::SearchType>>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<crate::types::search::SearchConnection> {
        crate::types::search::search(ctx, query, types, first, after).await
    }

    /// Case counts grouped by status, kind, region and/or month, for the same filters as `cases`.
    async fn case_stats(
        &self,
        ctx: &Context<'_>,
        filter: Option<CaseFilter>,
        group_by: Vec<CaseStatDimension>,
    ) -> ApiResult<Vec<CaseStatBucket>> {
        let store = store_of(ctx)?;
        let access = access(ctx);
        let filter = filter.unwrap_or_default().resolve(store, access).await?;
        let dimensions: Vec<StatDimension> = group_by
            .into_iter()
            .map(|d| match d {
                CaseStatDimension::Status => StatDimension::Status,
                CaseStatDimension::Kind => StatDimension::Kind,
                CaseStatDimension::Region => StatDimension::Region,
                CaseStatDimension::Province => StatDimension::Province,
                CaseStatDimension::Month => StatDimension::Month,
            })
            .collect();
        Ok(store
            .case_stats(access, &filter, &dimensions)
            .await?
            .into_iter()
            .map(CaseStatBucket)
            .collect())
    }

    /// The district, province, department and country a point falls in.
    async fn locate(
        &self,
        ctx: &Context<'_>,
        latitude: f64,
        longitude: f64,
    ) -> ApiResult<crate::types::spatial::Located> {
        crate::types::spatial::MapQueries::locate(ctx, latitude, longitude).await
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
    ) -> ApiResult<async_graphql::Json<serde_json::Value>> {
        crate::types::spatial::MapQueries::cases_geojson(ctx, filter, limit).await
    }

    /// An actor by id or slug (give one).
    async fn actor(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        slug: Option<String>,
    ) -> ApiResult<Option<Actor>> {
        match (id, slug) {
            (Some(id), None) => match decode_any(&id) {
                Some((NodeType::Actor, id)) => Actor::load(ctx, id).await,
                _ => Ok(None),
            },
            (None, Some(slug)) => Ok(store_of(ctx)?
                .actor_by_slug(access(ctx), &slug)
                .await?
                .map(Actor::new)),
            _ => Err(ApiError::bad_input("id", "give either id or slug")),
        }
    }

    /// Actors, by slug.
    async fn actors(
        &self,
        ctx: &Context<'_>,
        filter: Option<ActorFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Connection<String, Actor, EmptyFields, EmptyFields>> {
        let limit = page_limits(ctx).size(first)?;
        let filter = filter.unwrap_or_default();
        let store_filter = store::ActorFilter {
            kinds: filter.kinds.iter().flatten().map(|k| (*k).into()).collect(),
            name_contains: filter.name.filter(|n| !n.trim().is_empty()),
            case_id: filter
                .case
                .as_ref()
                .map(|c| decode(NodeType::Case, c, "filter.case"))
                .transpose()?,
        };
        let after = match decode_after(after.as_deref())? {
            Some(text) => Some(cursor_parts(&text, "ac", 1)?[0].to_owned()),
            None => None,
        };
        let page = store_of(ctx)?
            .list_actors(access(ctx), &store_filter, after.as_deref(), limit)
            .await?;
        let mut connection = Connection::new(after.is_some(), page.has_next);
        for model in page.rows {
            connection.edges.push(Edge::new(
                cursor(format!("ac|{}", model.slug)),
                Actor::new(model),
            ));
        }
        Ok(connection)
    }

    /// A location by id or code (give one).
    async fn location(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        code: Option<String>,
    ) -> ApiResult<Option<Location>> {
        match (id, code) {
            (Some(id), None) => match decode_any(&id) {
                Some((NodeType::Location, id)) => Location::load(ctx, id).await,
                _ => Ok(None),
            },
            (None, Some(code)) => Ok(store_of(ctx)?
                .location_by_code(access(ctx), &code)
                .await?
                .map(Location)),
            _ => Err(ApiError::bad_input("id", "give either id or code")),
        }
    }

    /// Places, in the order they were recorded.
    async fn locations(
        &self,
        ctx: &Context<'_>,
        filter: Option<LocationFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Connection<String, Location, EmptyFields, EmptyFields>> {
        let store = store_of(ctx)?;
        let access = access(ctx);
        let limit = page_limits(ctx).size(first)?;
        let filter = filter.unwrap_or_default();
        let within_path = match &filter.within {
            Some(within) => {
                crate::types::spatial::region_paths(store, access, std::slice::from_ref(within))
                    .await?
                    .pop()
            }
            None => None,
        };
        let store_filter = store::LocationFilter {
            levels: filter
                .levels
                .iter()
                .flatten()
                .map(|k| (*k).into())
                .collect(),
            within_path,
            parent_id: filter
                .parent
                .as_ref()
                .map(|p| decode(NodeType::Location, p, "filter.parent"))
                .transpose()?,
            name_contains: filter.name.filter(|n| !n.trim().is_empty()),
        };
        let after = match decode_after(after.as_deref())? {
            Some(text) => Some(
                cursor_parts(&text, "lo", 1)?[0]
                    .parse::<i64>()
                    .map_err(|_| ApiError::bad_input("after", "not a cursor from this list"))?,
            ),
            None => None,
        };
        let page = store
            .list_locations(access, &store_filter, after, limit)
            .await?;
        let mut connection = Connection::new(after.is_some(), page.has_next);
        for model in page.rows {
            connection.edges.push(Edge::new(
                cursor(format!("lo|{}", model.id)),
                Location(model),
            ));
        }
        Ok(connection)
    }

    /// News items, newest first.
    async fn news_items(
        &self,
        ctx: &Context<'_>,
        filter: Option<NewsItemFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Connection<String, NewsItem, EmptyFields, EmptyFields>> {
        let limit = page_limits(ctx).size(first)?;
        let filter = filter.unwrap_or_default();
        let store_filter = store::NewsFilter {
            case_id: filter
                .case
                .as_ref()
                .map(|c| decode(NodeType::Case, c, "filter.case"))
                .transpose()?,
            from: filter.from.map(|d| d.0.first_day()),
            to: filter.to.map(|d| d.0.last_day()),
            publisher: filter.publisher,
        };
        let bad = || ApiError::bad_input("after", "not a cursor from this list");
        let after = match decode_after(after.as_deref())? {
            Some(text) => {
                let parts = cursor_parts(&text, "ni", 2)?;
                Some((
                    parts[0].parse().map_err(|_| bad())?,
                    parts[1].parse().map_err(|_| bad())?,
                ))
            }
            None => None,
        };
        let page = store_of(ctx)?
            .list_news_items(access(ctx), &store_filter, after, limit)
            .await?;
        let mut connection = Connection::new(after.is_some(), page.has_next);
        for model in page.rows {
            let c = cursor(format!("ni|{}|{}", model.published_on, model.id));
            connection.edges.push(Edge::new(c, NewsItem { model }));
        }
        Ok(connection)
    }

    /// Events of every case, latest first, with the same spatial filters as `cases`.
    async fn events(
        &self,
        ctx: &Context<'_>,
        filter: Option<crate::types::event::EventFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<crate::types::event::EventListConnection> {
        let store = store_of(ctx)?;
        let access = access(ctx);
        let limit = page_limits(ctx).size(first)?;
        let filter = filter.unwrap_or_default().resolve(store, access).await?;
        let bad = || ApiError::bad_input("after", "not a cursor from this list");
        let after = match decode_after(after.as_deref())? {
            Some(text) => {
                let parts = cursor_parts(&text, "ev", 2)?;
                Some((
                    parts[0].parse().map_err(|_| bad())?,
                    parts[1].parse().map_err(|_| bad())?,
                ))
            }
            None => None,
        };
        let page = store.list_events(access, &filter, after, limit).await?;
        let mut connection = Connection::with_additional_fields(
            after.is_some(),
            page.has_next,
            crate::types::event::EventListInfo { filter },
        );
        for model in page.rows {
            let c = cursor(format!("ev|{}|{}", model.occurred_on, model.id));
            connection
                .edges
                .push(Edge::new(c, crate::types::event::Event::new(model)));
        }
        Ok(connection)
    }

    /// Every audited write, newest first (admins only).
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        filter: Option<crate::types::audit::AuditLogFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<crate::types::audit::AuditConnection> {
        let filter = filter.unwrap_or_default().into_store();
        crate::types::audit::audit_page(ctx, filter, first, after).await
    }

    /// The service's name and version.
    async fn service(&self) -> ServiceInfo {
        ServiceInfo {
            name: "chasqui",
            version: env!("CARGO_PKG_VERSION"),
        }
    }
}
