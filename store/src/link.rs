//! News links: a news item linked to a case, its decisions (confirm, reject, update) and
//! what it records (a status change, an event); and their reads.

use super::audit::{self, Author, Entry};
use super::case::{NewStatusChange, insert_status_change, refresh_case};
use super::effective::{self, Scope};
use super::event::{NewEvent, insert_event};
use super::stamp::Stamped;
use super::tx::{LockForWrite, happened, require_case, reread};
use super::visibility::{LinkStates, listed_links, visible_links};
use super::{Access, Store, StoreError, StoreResult};
use chasqui_entities::tables::*;
use chasqui_entities::*;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::*;
use std::collections::HashMap;

/// A news item → case link. A reported status becomes a status change sourced by the news
/// item; a reported event is recorded and sourced by it; all in the link's transaction.
#[derive(Clone, Debug)]
pub struct NewLink {
    pub news_item_id: i64,
    pub case_id: i64,
    pub update_kind: UpdateKind,
    pub reported_status: Option<CaseStatus>,
    pub reported_phase: Option<ConflictPhase>,
    /// When the reported status took effect, when the item says so; otherwise the date of
    /// the event the link reports, or else the item's own date.
    pub reported_status_on: Option<PartialDate>,
    pub event: Option<NewEvent>,
    pub note: Option<String>,
    pub state: LinkState,
    pub confidence: Option<f64>,
    pub matched_terms: Vec<String>,
    pub visibility: Visibility,
}

/// Changes to a link's own fields; `None` leaves a field as it is, `Some(None)` clears the
/// note. The news item, the case, the reported status and the decision are changed by
/// other calls (a new link, `confirm_link`, `reject_link`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LinkPatch {
    pub update_kind: Option<UpdateKind>,
    pub note: Option<Option<String>>,
    pub visibility: Option<Visibility>,
}

/// A link, locked for the rest of the transaction on PostgreSQL. A link of an archived
/// case or of an archived news item is out of every read, and a decision on it is refused
/// as on a link that does not exist (like any write to an archived case).
pub(crate) async fn lock_link(
    txn: &DatabaseTransaction,
    link_id: i64,
) -> StoreResult<news_link::Model> {
    let not_found = || StoreError::not_found("link");
    let link = news_link::Entity::find_by_id(link_id)
        .lock_for_write()
        .one(txn)
        .await?
        .ok_or_else(not_found)?;
    let case_live = case::Entity::find_by_id(link.case_id)
        .filter(case::Column::ArchivedAt.is_null())
        .count(txn)
        .await?
        > 0;
    let news_live = news_item::Entity::find_by_id(link.news_item_id)
        .filter(news_item::Column::ArchivedAt.is_null())
        .count(txn)
        .await?
        > 0;
    if !(case_live && news_live) {
        return Err(not_found());
    }
    Ok(link)
}

/// Writes the changes `change` makes to `link`, refreshes its case's derived columns
/// and records the audit entry `action` with the link (and the status change and event
/// it recorded) before (`before`, taken when the write began) and after.
pub(crate) async fn save_link(
    txn: &DatabaseTransaction,
    author: &Author,
    action: &str,
    (link, before): (news_link::Model, serde_json::Value),
    change: impl FnOnce(&mut news_link::ActiveModel),
) -> StoreResult<news_link::Model> {
    let (link_id, case_id) = (link.id, link.case_id);
    let mut active: news_link::ActiveModel = link.into();
    change(&mut active);
    active.changed();
    active.update(txn).await?;
    effective::refresh(txn, Scope::Links(&[link_id])).await?;
    let model = reread::<news_link::Entity>(txn, link_id).await?;
    refresh_case(txn, case_id).await?;
    let entry = Entry {
        action,
        entity: "news_link",
        id: link_id,
        case_id: Some(case_id),
        before: Some(before),
        after: Some(audit::link_snapshot(txn, link_id).await?),
    };
    audit::record(txn, author, entry).await?;
    Ok(model)
}

/// The status change a news item reports for a case, dated `on` (when the status took
/// effect, as the item or its event says), or else by the item.
pub(crate) fn reported_change(
    news: &news_item::Model,
    on: Option<PartialDate>,
    case_id: i64,
    status: CaseStatus,
    phase: Option<ConflictPhase>,
    note: &Option<String>,
    visibility: Visibility,
) -> NewStatusChange {
    NewStatusChange {
        case_id,
        status,
        phase,
        date: Some(on.unwrap_or_else(|| {
            PartialDate::from_parts(news.published_on, news.published_precision)
                .unwrap_or_else(|_| PartialDate::day(news.published_on))
        })),
        news_item_id: Some(news.id),
        source_url: None,
        note: note.clone(),
        visibility,
    }
}

impl Store {
    pub async fn link_news_item(
        &self,
        author: &Author,
        link: NewLink,
    ) -> StoreResult<news_link::Model> {
        self.write(async |txn| Self::link_news_item_in(txn, author, link).await)
            .await
    }

    /// `link_news_item` in the caller's transaction (the record importers write a whole file in one).
    pub(crate) async fn link_news_item_in(
        txn: &DatabaseTransaction,
        author: &Author,
        link: NewLink,
    ) -> StoreResult<news_link::Model> {
        // The link derives its effective visibility from the news item: on PostgreSQL the
        // item is locked (shared) first, so that a concurrent restriction of the item
        // either waits for this link or is seen by it; first, in the order of
        // `patch_news_item` (item, then its cases), so the two cannot deadlock.
        let news = news_item::Entity::find_by_id(link.news_item_id)
            .filter(news_item::Column::ArchivedAt.is_null())
            .lock_shared()
            .one(txn)
            .await?;
        let case = require_case(txn, "input.case", link.case_id).await?;
        let news =
            news.ok_or_else(|| StoreError::invalid("input.newsItem", "no such news item"))?;
        let exists = news_link::Entity::find()
            .filter(news_link::Column::NewsItemId.eq(news.id))
            .filter(news_link::Column::CaseId.eq(case.id))
            .one(txn)
            .await?;
        if exists.is_some() {
            return Err(StoreError::Conflict(format!(
                "input.case: news item {} is already linked to case `{}`",
                news.id, case.slug
            )));
        }
        if let Some(on) = link.reported_status_on {
            happened("input.reportedStatusOn", on)?;
        }
        let confirmed = link.state == LinkState::Confirmed;
        if !confirmed && link.event.is_some() {
            return Err(StoreError::invalid(
                "input.event",
                "only a confirmed link records an event; confirm the link first",
            ));
        }
        // A suggestion keeps the status it reports but changes nothing until confirmed.
        let status_change_id = match link.reported_status {
            Some(status) if confirmed => {
                let on = link
                    .reported_status_on
                    .or(link.event.as_ref().map(|e| e.date));
                let change = reported_change(
                    &news,
                    on,
                    case.id,
                    status,
                    link.reported_phase,
                    &link.note,
                    link.visibility,
                );
                Some(insert_status_change(txn, author, change).await?.id)
            }
            _ => None,
        };
        let event_id = match link.event {
            Some(mut event) => {
                event.case_id = case.id;
                if !event.sources.iter().any(|(n, _)| *n == Some(news.id)) {
                    event.sources.push((Some(news.id), None));
                }
                Some(insert_event(txn, author, event, "input.event").await?.id)
            }
            None => None,
        };
        let now = super::now();
        let terms = if link.matched_terms.is_empty() {
            None
        } else {
            serde_json::to_string(&link.matched_terms).ok()
        };
        let model = news_link::ActiveModel {
            id: NotSet,
            news_item_id: Set(news.id),
            case_id: Set(case.id),
            update_kind: Set(link.update_kind),
            reported_status: Set(link.reported_status),
            status_change_id: Set(status_change_id),
            event_id: Set(event_id),
            note: Set(link.note),
            state: Set(link.state),
            confidence: Set(link.confidence),
            matched_terms: Set(terms),
            visibility: Set(link.visibility),
            effective_visibility: Set(EffectiveVisibility::default()),
            ..Default::default()
        }
        .created(now)
        .insert(txn)
        .await
        .map_err(|e| {
            StoreError::from_db(e, || {
                "input.case: the news item is already linked to this case".to_owned()
            })
        })?;
        effective::refresh(txn, Scope::Links(&[model.id])).await?;
        let model = reread::<news_link::Entity>(txn, model.id).await?;
        refresh_case(txn, case.id).await?;
        let entry = Entry {
            action: "linkNewsItem",
            entity: "news_link",
            id: model.id,
            case_id: Some(case.id),
            before: None,
            after: Some(audit::link_snapshot(txn, model.id).await?),
        };
        audit::record(txn, author, entry).await?;
        Ok(model)
    }

    /// Confirms a suggested (or rejected) link: a status it reports becomes a status
    /// change of the case, sourced by the news item.
    pub async fn confirm_link(
        &self,
        author: &Author,
        link_id: i64,
    ) -> StoreResult<news_link::Model> {
        self.decide_link(author, link_id, LinkState::Confirmed)
            .await
    }

    /// Rejects a link; a status change it had recorded is withdrawn with it.
    pub async fn reject_link(
        &self,
        author: &Author,
        link_id: i64,
    ) -> StoreResult<news_link::Model> {
        self.decide_link(author, link_id, LinkState::Rejected).await
    }

    pub(crate) async fn decide_link(
        &self,
        author: &Author,
        link_id: i64,
        state: LinkState,
    ) -> StoreResult<news_link::Model> {
        self.write(async |txn| Self::decide_link_in(txn, author, link_id, state).await)
            .await
    }

    /// `decide_link` in the caller's transaction (the record importers write a whole file in one).
    pub(crate) async fn decide_link_in(
        txn: &DatabaseTransaction,
        author: &Author,
        link_id: i64,
        state: LinkState,
    ) -> StoreResult<news_link::Model> {
        let link = lock_link(txn, link_id).await?;
        if link.state == state {
            return Ok(link);
        }
        let before = audit::link_snapshot(txn, link_id).await?;
        let mut status_change_id = link.status_change_id;
        match (state, link.reported_status, link.status_change_id) {
            (LinkState::Confirmed, Some(status), None) => {
                let news = news_item::Entity::find_by_id(link.news_item_id)
                    .one(txn)
                    .await?
                    .ok_or_else(|| StoreError::not_found("news item"))?;
                let change = reported_change(
                    &news,
                    None,
                    link.case_id,
                    status,
                    None,
                    &link.note,
                    link.visibility,
                );
                status_change_id = Some(insert_status_change(txn, author, change).await?.id);
            }
            (LinkState::Rejected, _, Some(change_id)) => {
                status_change::Entity::delete_by_id(change_id)
                    .exec(txn)
                    .await?;
                status_change_id = None;
            }
            _ => {}
        }
        let action = if state == LinkState::Confirmed {
            "confirmLink"
        } else {
            "rejectLink"
        };
        save_link(txn, author, action, (link, before), |active| {
            active.state = Set(state);
            active.status_change_id = Set(status_change_id);
        })
        .await
    }

    /// Changes a link's update kind, note or visibility. The status change the link
    /// recorded carries the link's note and visibility, so it follows them; the case's
    /// derived status and last activity are refreshed. A patch that changes nothing
    /// writes nothing.
    pub async fn update_link(
        &self,
        author: &Author,
        link_id: i64,
        patch: LinkPatch,
    ) -> StoreResult<news_link::Model> {
        self.write(async |txn| Self::update_link_in(txn, author, link_id, patch).await)
            .await
    }

    /// `update_link` in the caller's transaction (the record importers write a whole file in one).
    pub(crate) async fn update_link_in(
        txn: &DatabaseTransaction,
        author: &Author,
        link_id: i64,
        patch: LinkPatch,
    ) -> StoreResult<news_link::Model> {
        let link = lock_link(txn, link_id).await?;
        let update_kind = patch.update_kind.unwrap_or(link.update_kind);
        let note = patch.note.unwrap_or_else(|| link.note.clone());
        let visibility = patch.visibility.unwrap_or(link.visibility);
        if update_kind == link.update_kind && note == link.note && visibility == link.visibility {
            return Ok(link);
        }
        if update_kind == UpdateKind::StatusChange && link.reported_status.is_none() {
            return Err(StoreError::invalid(
                "input.updateKind",
                "a STATUS_CHANGE update must report a status, and this link reports none",
            ));
        }
        let before = audit::link_snapshot(txn, link_id).await?;
        if let Some(change_id) = link.status_change_id
            && (note != link.note || visibility != link.visibility)
            && let Some(change) = status_change::Entity::find_by_id(change_id)
                .one(txn)
                .await?
        {
            let mut change: status_change::ActiveModel = change.into();
            change.note = Set(note.clone());
            change.visibility = Set(visibility);
            change.update(txn).await?;
        }
        save_link(txn, author, "updateLink", (link, before), |active| {
            active.update_kind = Set(update_kind);
            active.note = Set(note);
            active.visibility = Set(visibility);
        })
        .await
    }

    pub async fn news_links_by_ids(
        &self,
        access: Access,
        ids: &[i64],
    ) -> StoreResult<HashMap<i64, news_link::Model>> {
        self.by_ids::<news_link::Entity>(
            ids,
            news_link::Column::Id,
            visible_links(access),
            None,
            |m| m.id,
        )
        .await
    }

    /// Links of these news items (to visible cases) in `states`, as far as the caller may
    /// see them (`LinkStates::seen_by`), in the order they were made.
    pub async fn links_by_news_item(
        &self,
        access: Access,
        news_ids: &[i64],
        states: LinkStates,
    ) -> StoreResult<Vec<news_link::Model>> {
        self.rows_of::<news_link::Entity>(
            news_link::Column::NewsItemId,
            news_ids,
            listed_links(access, states),
            &[news_link::Column::Id],
        )
        .await
    }
}
