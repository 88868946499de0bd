//! The inputs that record events, and their checks. An event is recorded on its own
//! (`recordEvent`, with its sources) or as reported by a news link (`linkNewsItem`, sourced
//! by the link's news item); both go through [`ReportedEventInput::resolve`].

use crate::error::{ApiError, ApiResult};
use crate::ids::{NodeType, decode, decode_opt};
use crate::scalars::PartialDate;
use crate::types::common::SourceInput;
use crate::types::enums::{EventKind, Visibility};
use crate::types::input::{ids, opt_text, path};
use async_graphql::{ID, InputObject};
use chasqui_domain::validate;
use chasqui_store::NewEvent;

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
        let end_date = validate::period(
            &path(at, "endDate"),
            self.date.0,
            self.end_date.map(|d| d.0),
        )?;
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
            end_date,
            location_id: decode_opt(
                NodeType::Location,
                self.location.as_ref(),
                &path(at, "location"),
            )?,
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
