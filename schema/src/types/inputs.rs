//! Input types and their conversion into store requests. Conversion is where input is
//! validated: every error names the path of the field it is about (`input.details.court`).

use super::enums::*;
use crate::error::{ApiError, ApiResult};
use crate::ids::{NodeType, decode};
use crate::scalars::PartialDate;
use async_graphql::{ID, InputObject, Json, MaybeUndefined};
use chasqui_domain::validate;
use chasqui_entities as model;
use chasqui_store::*;

fn path(prefix: &str, field: &str) -> String {
    format!("{prefix}.{field}")
}

fn opt_text(
    prefix: &str,
    field: &str,
    value: Option<&String>,
    max: usize,
) -> ApiResult<Option<String>> {
    Ok(validate::text(
        &path(prefix, field),
        value.map(String::as_str),
        max,
    )?)
}

fn maybe_text(
    prefix: &str,
    field: &str,
    value: &MaybeUndefined<String>,
    max: usize,
) -> ApiResult<Option<Option<String>>> {
    patch(value, |v| {
        Ok(validate::text(&path(prefix, field), Some(v), max)?)
    })
}

/// A field of an update: left out → `None` (unchanged), `null` → `Some(None)` (cleared), a
/// value → `Some(resolve(value))`.
fn patch<T, U>(
    value: &MaybeUndefined<T>,
    resolve: impl FnOnce(&T) -> ApiResult<Option<U>>,
) -> ApiResult<Option<Option<U>>> {
    match value {
        MaybeUndefined::Undefined => Ok(None),
        MaybeUndefined::Null => Ok(Some(None)),
        MaybeUndefined::Value(v) => resolve(v).map(Some),
    }
}

/// [`patch`] for a value that needs only converting.
fn maybe<T: Copy, U>(value: &MaybeUndefined<T>, f: impl Fn(T) -> U) -> Option<Option<U>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(f(*v))),
    }
}

fn ids(kind: NodeType, values: &[ID], field: &str) -> ApiResult<Vec<i64>> {
    values
        .iter()
        .enumerate()
        .map(|(i, id)| decode(kind, id, &format!("{field}[{i}]")))
        .collect()
}

/// Filters for case lists and counts. Lists mean "any of". An actor or a place the
/// caller may not see matches nothing, exactly as one that does not exist.
#[derive(InputObject, Default, Clone)]
pub struct CaseFilter {
    pub kinds: Option<Vec<CaseKind>>,
    pub statuses: Option<Vec<CaseStatus>>,
    pub phases: Option<Vec<ConflictPhase>>,
    pub conflict_types: Option<Vec<ConflictType>>,
    /// Locations by code ("03") or id: cases placed on any of them or anywhere below.
    pub region: Option<Vec<String>>,
    /// Cases in which this actor has a role.
    pub actor: Option<ID>,
    /// Cases tagged with any of these topics.
    pub topics: Option<Vec<String>>,
    /// Cases active (between their start and their last activity) on or after this date.
    pub active_from: Option<PartialDate>,
    /// Cases active on or before this date.
    pub active_to: Option<PartialDate>,
    /// Cases with a point (an exact site, or a district's point) inside this box.
    pub within: Option<crate::types::spatial::BoundingBox>,
    /// Cases with a point inside this GeoJSON Polygon or MultiPolygon (lon/lat, WGS84; at
    /// most 10000 positions and 100 rings; each position counts 1 toward the request's
    /// cost).
    pub in_area: Option<async_graphql::Json<serde_json::Value>>,
    /// Cases with a point within `km` kilometres of a point (geodesic).
    pub near: Option<crate::types::spatial::NearPoint>,
}

impl CaseFilter {
    /// Resolves the filter into store terms; unknown regions match nothing.
    pub async fn resolve(
        &self,
        store: &Store,
        access: Access,
    ) -> ApiResult<chasqui_store::CaseFilter> {
        let mut filter = chasqui_store::CaseFilter {
            kinds: self.kinds.iter().flatten().map(|k| (*k).into()).collect(),
            statuses: self
                .statuses
                .iter()
                .flatten()
                .map(|k| (*k).into())
                .collect(),
            phases: self.phases.iter().flatten().map(|k| (*k).into()).collect(),
            conflict_types: self
                .conflict_types
                .iter()
                .flatten()
                .map(|k| (*k).into())
                .collect(),
            topics: self
                .topics
                .iter()
                .flatten()
                .map(|t| t.trim().to_lowercase())
                .collect(),
            active_from: self.active_from.map(|d| d.0.first_day()),
            active_to: self.active_to.map(|d| d.0.last_day()),
            ..Default::default()
        };
        if let Some(actor) = &self.actor {
            filter
                .actor_ids
                .push(decode(NodeType::Actor, actor, "filter.actor")?);
        }
        if let Some(regions) = &self.region {
            filter.region_paths =
                crate::types::spatial::region_paths(store, access, regions).await?;
        }
        crate::types::spatial::resolve_spatial(self, &mut filter, store, access).await?;
        Ok(filter)
    }
}

#[derive(InputObject, Clone, Copy, Default)]
pub struct CaseOrder {
    #[graphql(default)]
    pub field: CaseOrderField,
    #[graphql(default)]
    pub direction: OrderDirection,
}

#[derive(InputObject, Clone)]
pub struct ExternalIdInput {
    pub scheme: ExternalIdScheme,
    pub value: String,
}

#[derive(InputObject, Clone)]
pub struct CaseActorInput {
    pub actor: ID,
    pub role: ActorRole,
    pub started_on: Option<PartialDate>,
    pub ended_on: Option<PartialDate>,
    pub note: Option<String>,
    /// RESTRICTED hides the role (not the actor or the case) from anonymous readers.
    #[graphql(default_with = "Visibility::Public")]
    pub visibility: Visibility,
}

#[derive(InputObject, Clone)]
pub struct CasePlacementInput {
    pub location: ID,
    pub precision: PlacementPrecision,
}

/// Kind-specific facts; only those of the case's kind are accepted.
#[derive(InputObject, Clone, Default)]
pub struct CaseDetailsInput {
    /// MINE, OIL_AND_GAS.
    pub minerals: Option<Vec<String>>,
    /// MINE, OIL_AND_GAS, INFRASTRUCTURE.
    pub project_stage: Option<ProjectStage>,
    /// INFRASTRUCTURE.
    pub contract_value_usd: Option<f64>,
    /// DECREE: "DS 017-2017-IN".
    pub identifier: Option<String>,
    /// DECREE.
    pub issued_on: Option<PartialDate>,
    /// DECREE.
    pub legal_status: Option<LegalStatus>,
    /// COURT_CASE.
    pub court: Option<String>,
    /// COURT_CASE.
    pub docket_number: Option<String>,
    /// COURT_CASE.
    pub court_stage: Option<CourtStage>,
    /// CAMPAIGN.
    pub aim: Option<String>,
    /// INVESTIGATION.
    pub investigating_body: Option<String>,
}

impl CaseDetailsInput {
    pub fn resolve(&self, kind: model::CaseKind, prefix: &str) -> ApiResult<model::CaseDetails> {
        use model::CaseKind as K;
        let allowed: &[&str] = match kind {
            K::Mine | K::OilAndGas => &["minerals", "projectStage"],
            K::Infrastructure => &["projectStage", "contractValueUsd"],
            K::Decree => &["identifier", "issuedOn", "legalStatus"],
            K::CourtCase => &["court", "docketNumber", "courtStage"],
            K::Campaign => &["aim"],
            K::Investigation => &["investigatingBody"],
            K::Other => &[],
        };
        let given = [
            ("minerals", self.minerals.is_some()),
            ("projectStage", self.project_stage.is_some()),
            ("contractValueUsd", self.contract_value_usd.is_some()),
            ("identifier", self.identifier.is_some()),
            ("issuedOn", self.issued_on.is_some()),
            ("legalStatus", self.legal_status.is_some()),
            ("court", self.court.is_some()),
            ("docketNumber", self.docket_number.is_some()),
            ("courtStage", self.court_stage.is_some()),
            ("aim", self.aim.is_some()),
            ("investigatingBody", self.investigating_body.is_some()),
        ];
        for (name, present) in given {
            if present && !allowed.contains(&name) {
                return Err(ApiError::bad_input(
                    path(prefix, name),
                    format!("does not apply to {} cases", kind.as_str()),
                ));
            }
        }
        if let Some(value) = self.contract_value_usd
            && (!value.is_finite() || value < 0.0)
        {
            return Err(ApiError::bad_input(
                path(prefix, "contractValueUsd"),
                "must be a non-negative number",
            ));
        }
        let minerals = self
            .minerals
            .iter()
            .flatten()
            .enumerate()
            .map(|(i, m)| validate::topic(&format!("{prefix}.minerals[{i}]"), m))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(model::CaseDetails {
            minerals,
            project_stage: self.project_stage.map(Into::into),
            contract_value_usd: self.contract_value_usd,
            identifier: opt_text(
                prefix,
                "identifier",
                self.identifier.as_ref(),
                validate::MAX_NAME,
            )?,
            issued_on: self.issued_on.map(|d| d.0),
            legal_status: self.legal_status.map(Into::into),
            court: opt_text(prefix, "court", self.court.as_ref(), validate::MAX_NAME)?,
            docket_number: opt_text(
                prefix,
                "docketNumber",
                self.docket_number.as_ref(),
                validate::MAX_NAME,
            )?,
            court_stage: self.court_stage.map(Into::into),
            aim: opt_text(prefix, "aim", self.aim.as_ref(), validate::MAX_TEXT)?,
            investigating_body: opt_text(
                prefix,
                "investigatingBody",
                self.investigating_body.as_ref(),
                validate::MAX_NAME,
            )?,
        })
    }
}

fn resolve_topics(topics: &[String], prefix: &str) -> ApiResult<Vec<String>> {
    Ok(topics
        .iter()
        .enumerate()
        .map(|(i, t)| validate::topic(&format!("{prefix}.topics[{i}]"), t))
        .collect::<Result<Vec<_>, _>>()?)
}

fn resolve_external_ids(
    values: &[ExternalIdInput],
    prefix: &str,
) -> ApiResult<Vec<(model::ExternalIdScheme, String)>> {
    values
        .iter()
        .enumerate()
        .map(|(i, e)| {
            Ok((
                e.scheme.into(),
                validate::name(&format!("{prefix}.externalIds[{i}].value"), &e.value)?,
            ))
        })
        .collect()
}

fn resolve_roles(values: &[CaseActorInput], prefix: &str) -> ApiResult<Vec<NewRole>> {
    values
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let at = format!("{prefix}.actors[{i}]");
            if let (Some(start), Some(end)) = (r.started_on, r.ended_on)
                && end.0.last_day() < start.0.first_day()
            {
                return Err(ApiError::bad_input(
                    format!("{at}.endedOn"),
                    "is before startedOn",
                ));
            }
            Ok(NewRole {
                actor_id: decode(NodeType::Actor, &r.actor, &format!("{at}.actor"))?,
                role: r.role.into(),
                started_on: r.started_on.map(|d| d.0),
                ended_on: r.ended_on.map(|d| d.0),
                note: opt_text(&at, "note", r.note.as_ref(), validate::MAX_TEXT)?,
                visibility: r.visibility.into(),
            })
        })
        .collect()
}

fn resolve_placements(values: &[CasePlacementInput], prefix: &str) -> ApiResult<Vec<NewPlacement>> {
    values
        .iter()
        .enumerate()
        .map(|(i, p)| {
            Ok(NewPlacement {
                location_id: decode(
                    NodeType::Location,
                    &p.location,
                    &format!("{prefix}.locations[{i}].location"),
                )?,
                precision: p.precision.into(),
            })
        })
        .collect()
}

/// Where a claim comes from: a news item in the database, or a URL.
#[derive(InputObject, Clone, Default)]
pub struct SourceInput {
    pub news_item: Option<ID>,
    pub url: Option<String>,
}

impl SourceInput {
    fn resolve(&self, at: &str) -> ApiResult<(Option<i64>, Option<String>)> {
        let news = self
            .news_item
            .as_ref()
            .map(|id| decode(NodeType::NewsItem, id, &format!("{at}.newsItem")))
            .transpose()?;
        let url = validate::url(&format!("{at}.url"), self.url.as_deref())?;
        if news.is_none() && url.is_none() {
            return Err(ApiError::bad_input(at, "give a newsItem or a url"));
        }
        Ok((news, url))
    }
}

#[derive(InputObject, Clone)]
pub struct CreateCaseInput {
    /// Lower-case words joined by hyphens: `las-bambas`. Unique.
    pub slug: String,
    pub kind: CaseKind,
    pub title: String,
    pub summary: Option<String>,
    pub status: CaseStatus,
    pub phase: Option<ConflictPhase>,
    pub conflict_type: Option<ConflictType>,
    pub started_on: Option<PartialDate>,
    pub details: Option<CaseDetailsInput>,
    pub topics: Option<Vec<String>>,
    pub external_ids: Option<Vec<ExternalIdInput>>,
    pub actors: Option<Vec<CaseActorInput>>,
    pub locations: Option<Vec<CasePlacementInput>>,
    #[graphql(default_with = "Visibility::Public")]
    pub visibility: Visibility,
    /// When the initial status took effect; today when not given.
    pub status_since: Option<PartialDate>,
    /// The source of the initial status.
    pub status_source: Option<SourceInput>,
}

impl CreateCaseInput {
    pub fn resolve(&self) -> ApiResult<NewCase> {
        let p = "input";
        let kind: model::CaseKind = self.kind.into();
        let status_since = match (self.status_since, &self.status_source) {
            (None, None) => None,
            (date, source) => {
                let (news_item_id, source_url) = match source {
                    Some(s) => s.resolve("input.statusSource")?,
                    None => (None, None),
                };
                let date = date.map(|d| d.0).ok_or_else(|| {
                    ApiError::bad_input(
                        "input.statusSince",
                        "give the date the status took effect with its source",
                    )
                })?;
                Some(NewStatusChange {
                    case_id: 0,
                    status: self.status.into(),
                    phase: self.phase.map(Into::into),
                    date,
                    news_item_id,
                    source_url,
                    note: None,
                    visibility: self.visibility.into(),
                })
            }
        };
        Ok(NewCase {
            slug: validate::slug("input.slug", &self.slug)?,
            kind,
            title: validate::name("input.title", &self.title)?,
            summary: opt_text(p, "summary", self.summary.as_ref(), validate::MAX_TEXT)?,
            status: self.status.into(),
            phase: self.phase.map(Into::into),
            conflict_type: self.conflict_type.map(Into::into),
            started_on: self.started_on.map(|d| d.0),
            details: self
                .details
                .clone()
                .unwrap_or_default()
                .resolve(kind, "input.details")?,
            topics: resolve_topics(self.topics.as_deref().unwrap_or_default(), p)?,
            external_ids: resolve_external_ids(
                self.external_ids.as_deref().unwrap_or_default(),
                p,
            )?,
            actors: resolve_roles(self.actors.as_deref().unwrap_or_default(), p)?,
            locations: resolve_placements(self.locations.as_deref().unwrap_or_default(), p)?,
            visibility: self.visibility.into(),
            status_since,
        })
    }
}

/// Changes to a case; fields left out stay as they are, `null` clears.
#[derive(InputObject, Clone, Default)]
pub struct UpdateCaseInput {
    pub slug: Option<String>,
    pub title: Option<String>,
    pub summary: MaybeUndefined<String>,
    pub phase: MaybeUndefined<ConflictPhase>,
    pub conflict_type: MaybeUndefined<ConflictType>,
    pub started_on: MaybeUndefined<PartialDate>,
    /// Replaces the kind-specific facts.
    pub details: Option<CaseDetailsInput>,
    /// Replaces the topics.
    pub topics: Option<Vec<String>>,
    pub external_ids: Option<Vec<ExternalIdInput>>,
    /// Replaces the actor roles.
    pub actors: Option<Vec<CaseActorInput>>,
    /// Replaces the placements.
    pub locations: Option<Vec<CasePlacementInput>>,
    pub visibility: Option<Visibility>,
}

impl UpdateCaseInput {
    pub fn resolve(&self, kind: model::CaseKind) -> ApiResult<CasePatch> {
        let p = "input";
        Ok(CasePatch {
            slug: self
                .slug
                .as_deref()
                .map(|s| validate::slug("input.slug", s))
                .transpose()?,
            title: self
                .title
                .as_deref()
                .map(|s| validate::name("input.title", s))
                .transpose()?,
            summary: maybe_text(p, "summary", &self.summary, validate::MAX_TEXT)?,
            phase: maybe(&self.phase, Into::into),
            conflict_type: maybe(&self.conflict_type, Into::into),
            started_on: maybe(&self.started_on, |d: PartialDate| d.0),
            details: self
                .details
                .as_ref()
                .map(|d| d.resolve(kind, "input.details"))
                .transpose()?,
            topics: self
                .topics
                .as_deref()
                .map(|t| resolve_topics(t, p))
                .transpose()?,
            external_ids: self
                .external_ids
                .as_deref()
                .map(|e| resolve_external_ids(e, p))
                .transpose()?,
            actors: self
                .actors
                .as_deref()
                .map(|a| resolve_roles(a, p))
                .transpose()?,
            locations: self
                .locations
                .as_deref()
                .map(|l| resolve_placements(l, p))
                .transpose()?,
            visibility: self.visibility.map(Into::into),
        })
    }
}

#[derive(InputObject, Clone)]
pub struct CreateActorInput {
    pub slug: String,
    pub name: String,
    pub kind: ActorKind,
    pub description: Option<String>,
    pub aliases: Option<Vec<String>>,
    #[graphql(default_with = "Visibility::Public")]
    pub visibility: Visibility,
}

fn resolve_aliases(aliases: &[String]) -> ApiResult<Vec<String>> {
    aliases
        .iter()
        .enumerate()
        .map(|(i, a)| Ok(validate::name(&format!("input.aliases[{i}]"), a)?))
        .collect()
}

impl CreateActorInput {
    pub fn resolve(&self) -> ApiResult<NewActor> {
        Ok(NewActor {
            slug: validate::slug("input.slug", &self.slug)?,
            name: validate::name("input.name", &self.name)?,
            kind: self.kind.into(),
            description: opt_text(
                "input",
                "description",
                self.description.as_ref(),
                validate::MAX_TEXT,
            )?,
            aliases: resolve_aliases(self.aliases.as_deref().unwrap_or_default())?,
            visibility: self.visibility.into(),
        })
    }
}

#[derive(InputObject, Clone, Default)]
pub struct UpdateActorInput {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub kind: Option<ActorKind>,
    pub description: MaybeUndefined<String>,
    /// Replaces the aliases.
    pub aliases: Option<Vec<String>>,
    pub visibility: Option<Visibility>,
}

impl UpdateActorInput {
    pub fn resolve(&self) -> ApiResult<ActorPatch> {
        Ok(ActorPatch {
            slug: self
                .slug
                .as_deref()
                .map(|s| validate::slug("input.slug", s))
                .transpose()?,
            name: self
                .name
                .as_deref()
                .map(|s| validate::name("input.name", s))
                .transpose()?,
            kind: self.kind.map(Into::into),
            description: maybe_text(
                "input",
                "description",
                &self.description,
                validate::MAX_TEXT,
            )?,
            aliases: self.aliases.as_deref().map(resolve_aliases).transpose()?,
            visibility: self.visibility.map(Into::into),
        })
    }
}

#[derive(InputObject, Clone)]
pub struct CreateLocationInput {
    /// Official code, unique (UBIGEO "030506").
    pub code: Option<String>,
    pub name: String,
    pub level: LocationLevel,
    pub parent: Option<ID>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// A GeoJSON geometry (WGS84).
    pub geometry: Option<Json<serde_json::Value>>,
    #[graphql(default_with = "Visibility::Public")]
    pub visibility: Visibility,
}

fn resolve_geometry(value: Option<&Json<serde_json::Value>>) -> ApiResult<Option<String>> {
    let Some(Json(value)) = value else {
        return Ok(None);
    };
    let kind = value
        .get("type")
        .and_then(|t| t.as_str())
        .unwrap_or_default();
    const KINDS: [&str; 6] = [
        "Point",
        "MultiPoint",
        "LineString",
        "MultiLineString",
        "Polygon",
        "MultiPolygon",
    ];
    if !KINDS.contains(&kind) || value.get("coordinates").is_none() {
        return Err(ApiError::bad_input(
            "input.geometry",
            "must be a GeoJSON geometry with a type and coordinates",
        ));
    }
    Ok(Some(value.to_string()))
}

fn resolve_code(code: &str) -> ApiResult<String> {
    let code = validate::name("input.code", code)?;
    if code.len() > 32
        || !code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
    {
        return Err(ApiError::bad_input(
            "input.code",
            "use at most 32 letters, digits, '-' or '.'",
        ));
    }
    Ok(code)
}

impl CreateLocationInput {
    pub fn resolve(&self) -> ApiResult<NewLocation> {
        let latitude = validate::latitude("input.latitude", self.latitude)?;
        let longitude = validate::longitude("input.longitude", self.longitude)?;
        if latitude.is_some() != longitude.is_some() {
            return Err(ApiError::bad_input(
                "input.longitude",
                "give both latitude and longitude, or neither",
            ));
        }
        Ok(NewLocation {
            code: self.code.as_deref().map(resolve_code).transpose()?,
            name: validate::name("input.name", &self.name)?,
            level: self.level.into(),
            parent_id: self
                .parent
                .as_ref()
                .map(|p| decode(NodeType::Location, p, "input.parent"))
                .transpose()?,
            latitude,
            longitude,
            geometry: resolve_geometry(self.geometry.as_ref())?,
            visibility: self.visibility.into(),
        })
    }
}

#[derive(InputObject, Clone, Default)]
pub struct UpdateLocationInput {
    pub code: MaybeUndefined<String>,
    pub name: Option<String>,
    pub level: Option<LocationLevel>,
    pub parent: MaybeUndefined<ID>,
    pub latitude: MaybeUndefined<f64>,
    pub longitude: MaybeUndefined<f64>,
    pub geometry: MaybeUndefined<Json<serde_json::Value>>,
    pub visibility: Option<Visibility>,
}

impl UpdateLocationInput {
    pub fn resolve(&self, id: i64) -> ApiResult<LocationPatch> {
        let parent_id = patch(&self.parent, |p| {
            let parent = decode(NodeType::Location, p, "input.parent")?;
            if parent == id {
                return Err(ApiError::bad_input(
                    "input.parent",
                    "a location cannot be its own parent",
                ));
            }
            Ok(Some(parent))
        })?;
        Ok(LocationPatch {
            code: patch(&self.code, |c| Ok(Some(resolve_code(c)?)))?,
            name: self
                .name
                .as_deref()
                .map(|n| validate::name("input.name", n))
                .transpose()?,
            level: self.level.map(Into::into),
            parent_id,
            latitude: patch(&self.latitude, |v| {
                Ok(validate::latitude("input.latitude", Some(*v))?)
            })?,
            longitude: patch(&self.longitude, |v| {
                Ok(validate::longitude("input.longitude", Some(*v))?)
            })?,
            geometry: patch(&self.geometry, |g| resolve_geometry(Some(g)))?,
            visibility: self.visibility.map(Into::into),
        })
    }
}

#[derive(InputObject, Clone)]
pub struct CreateNewsItemInput {
    pub title: String,
    /// The publication date, to the precision known.
    pub date: PartialDate,
    pub summary: Option<String>,
    pub body: Option<String>,
    /// Unique when given.
    pub url: Option<String>,
    pub publisher: Option<String>,
    /// BCP 47 language tag: "en", "es".
    pub language: Option<String>,
    #[graphql(default_with = "Visibility::Public")]
    pub visibility: Visibility,
}

fn resolve_language(value: Option<&str>) -> ApiResult<Option<String>> {
    match value {
        Some(tag)
            if tag.is_empty()
                || tag.len() > 16
                || !tag.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') =>
        {
            Err(ApiError::bad_input(
                "input.language",
                "must be a language tag such as `en` or `es`",
            ))
        }
        other => Ok(other.map(str::to_owned)),
    }
}

impl CreateNewsItemInput {
    pub fn resolve(&self) -> ApiResult<NewNewsItem> {
        Ok(NewNewsItem {
            title: validate::name("input.title", &self.title)?,
            published_on: self.date.0,
            summary: opt_text(
                "input",
                "summary",
                self.summary.as_ref(),
                validate::MAX_TEXT,
            )?,
            body: opt_text("input", "body", self.body.as_ref(), validate::MAX_BODY)?,
            url: validate::url("input.url", self.url.as_deref())?,
            publisher: opt_text(
                "input",
                "publisher",
                self.publisher.as_ref(),
                validate::MAX_NAME,
            )?,
            language: resolve_language(self.language.as_deref())?,
            visibility: self.visibility.into(),
        })
    }
}

#[derive(InputObject, Clone, Default)]
pub struct UpdateNewsItemInput {
    pub title: Option<String>,
    pub date: Option<PartialDate>,
    pub summary: MaybeUndefined<String>,
    pub body: MaybeUndefined<String>,
    pub url: MaybeUndefined<String>,
    pub publisher: MaybeUndefined<String>,
    pub language: MaybeUndefined<String>,
    pub visibility: Option<Visibility>,
}

impl UpdateNewsItemInput {
    pub fn resolve(&self) -> ApiResult<NewsItemPatch> {
        Ok(NewsItemPatch {
            title: self
                .title
                .as_deref()
                .map(|t| validate::name("input.title", t))
                .transpose()?,
            published_on: self.date.map(|d| d.0),
            summary: maybe_text("input", "summary", &self.summary, validate::MAX_TEXT)?,
            body: maybe_text("input", "body", &self.body, validate::MAX_BODY)?,
            url: patch(&self.url, |u| Ok(validate::url("input.url", Some(u))?))?,
            publisher: maybe_text("input", "publisher", &self.publisher, validate::MAX_NAME)?,
            language: patch(&self.language, |l| resolve_language(Some(l)))?,
            visibility: self.visibility.map(Into::into),
        })
    }
}

/// An event as reported by a news item (its case and source are the link's).
#[derive(InputObject, Clone)]
pub struct ReportedEventInput {
    pub kind: EventKind,
    pub title: String,
    pub description: Option<String>,
    pub date: PartialDate,
    pub end_date: Option<PartialDate>,
    pub location: Option<ID>,
    pub actors: Option<Vec<ID>>,
    pub deaths: Option<i32>,
    pub injuries: Option<i32>,
    #[graphql(default_with = "Visibility::Public")]
    pub visibility: Visibility,
}

impl ReportedEventInput {
    pub fn resolve(
        &self,
        at: &str,
        case_id: i64,
        sources: Vec<(Option<i64>, Option<String>)>,
    ) -> ApiResult<NewEvent> {
        if let Some(end) = self.end_date
            && end.0.last_day() < self.date.0.first_day()
        {
            return Err(ApiError::bad_input(
                path(at, "endDate"),
                format!("{} is before the start {}", end.0, self.date.0),
            ));
        }
        Ok(NewEvent {
            case_id,
            kind: self.kind.into(),
            title: validate::name(&path(at, "title"), &self.title)?,
            description: opt_text(
                at,
                "description",
                self.description.as_ref(),
                validate::MAX_TEXT,
            )?,
            date: self.date.0,
            end_date: self.end_date.map(|d| d.0),
            location_id: self
                .location
                .as_ref()
                .map(|l| decode(NodeType::Location, l, &path(at, "location")))
                .transpose()?,
            actor_ids: ids(
                NodeType::Actor,
                self.actors.as_deref().unwrap_or_default(),
                &path(at, "actors"),
            )?,
            deaths: validate::count(&path(at, "deaths"), self.deaths)?,
            injuries: validate::count(&path(at, "injuries"), self.injuries)?,
            sources,
            visibility: self.visibility.into(),
        })
    }
}

#[derive(InputObject, Clone)]
pub struct RecordEventInput {
    pub case: ID,
    pub kind: EventKind,
    pub title: String,
    pub description: Option<String>,
    pub date: PartialDate,
    pub end_date: Option<PartialDate>,
    pub location: Option<ID>,
    pub actors: Option<Vec<ID>>,
    pub deaths: Option<i32>,
    pub injuries: Option<i32>,
    /// The news items or URLs that report the event; at least one.
    pub sources: Vec<SourceInput>,
    #[graphql(default_with = "Visibility::Public")]
    pub visibility: Visibility,
}

impl RecordEventInput {
    pub fn resolve(&self) -> ApiResult<NewEvent> {
        let case_id = decode(NodeType::Case, &self.case, "input.case")?;
        if self.sources.is_empty() {
            return Err(ApiError::bad_input(
                "input.sources",
                "every event needs at least one source",
            ));
        }
        let sources = self
            .sources
            .iter()
            .enumerate()
            .map(|(i, s)| s.resolve(&format!("input.sources[{i}]")))
            .collect::<ApiResult<Vec<_>>>()?;
        let reported = ReportedEventInput {
            kind: self.kind,
            title: self.title.clone(),
            description: self.description.clone(),
            date: self.date,
            end_date: self.end_date,
            location: self.location.clone(),
            actors: self.actors.clone(),
            deaths: self.deaths,
            injuries: self.injuries,
            visibility: self.visibility,
        };
        reported.resolve("input", case_id, sources)
    }
}

#[derive(InputObject, Clone)]
pub struct LinkNewsItemInput {
    pub news_item: ID,
    pub case: ID,
    pub update_kind: UpdateKind,
    /// A status the item reports; recorded as a status change sourced by the item.
    pub reported_status: Option<CaseStatus>,
    pub reported_phase: Option<ConflictPhase>,
    /// An event the item reports; recorded and sourced by the item.
    pub event: Option<ReportedEventInput>,
    pub note: Option<String>,
    /// False records the link as a suggestion awaiting a person's confirmation.
    #[graphql(default = true)]
    pub confirmed: bool,
    #[graphql(default_with = "Visibility::Public")]
    pub visibility: Visibility,
}

impl LinkNewsItemInput {
    pub fn resolve(&self) -> ApiResult<NewLink> {
        let news_item_id = decode(NodeType::NewsItem, &self.news_item, "input.newsItem")?;
        let case_id = decode(NodeType::Case, &self.case, "input.case")?;
        if self.reported_phase.is_some() && self.reported_status.is_none() {
            return Err(ApiError::bad_input(
                "input.reportedPhase",
                "give reportedStatus with the phase",
            ));
        }
        if self.update_kind == UpdateKind::StatusChange && self.reported_status.is_none() {
            return Err(ApiError::bad_input(
                "input.reportedStatus",
                "a STATUS_CHANGE update must report the status",
            ));
        }
        Ok(NewLink {
            news_item_id,
            case_id,
            update_kind: self.update_kind.into(),
            reported_status: self.reported_status.map(Into::into),
            reported_phase: self.reported_phase.map(Into::into),
            event: self
                .event
                .as_ref()
                .map(|e| e.resolve("input.event", case_id, vec![(Some(news_item_id), None)]))
                .transpose()?,
            note: opt_text("input", "note", self.note.as_ref(), validate::MAX_TEXT)?,
            state: if self.confirmed {
                model::LinkState::Confirmed
            } else {
                model::LinkState::Suggested
            },
            confidence: None,
            matched_terms: Vec::new(),
            visibility: self.visibility.into(),
        })
    }
}

/// Changes to a link; a field left out stays as it is, and `note: null` clears the note.
#[derive(InputObject, Clone, Default)]
pub struct UpdateLinkInput {
    pub update_kind: Option<UpdateKind>,
    pub note: MaybeUndefined<String>,
    pub visibility: Option<Visibility>,
}

impl UpdateLinkInput {
    pub fn resolve(&self) -> ApiResult<LinkPatch> {
        Ok(LinkPatch {
            update_kind: self.update_kind.map(Into::into),
            note: maybe_text("input", "note", &self.note, validate::MAX_TEXT)?,
            visibility: self.visibility.map(Into::into),
        })
    }
}

#[derive(InputObject, Clone)]
pub struct RecordStatusChangeInput {
    pub case: ID,
    pub status: CaseStatus,
    pub phase: Option<ConflictPhase>,
    pub date: PartialDate,
    /// Where the change is reported.
    pub source: SourceInput,
    pub note: Option<String>,
    #[graphql(default_with = "Visibility::Public")]
    pub visibility: Visibility,
}

impl RecordStatusChangeInput {
    pub fn resolve(&self) -> ApiResult<NewStatusChange> {
        let (news_item_id, source_url) = self.source.resolve("input.source")?;
        Ok(NewStatusChange {
            case_id: decode(NodeType::Case, &self.case, "input.case")?,
            status: self.status.into(),
            phase: self.phase.map(Into::into),
            date: self.date.0,
            news_item_id,
            source_url,
            note: opt_text("input", "note", self.note.as_ref(), validate::MAX_TEXT)?,
            visibility: self.visibility.into(),
        })
    }
}

#[derive(InputObject, Clone)]
pub struct RelateCasesInput {
    pub case: ID,
    pub related_case: ID,
    pub kind: CaseRelationKind,
    pub note: Option<String>,
}
