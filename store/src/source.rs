//! Sources and provenance. An import records the file it reads once (`sources`: its kind,
//! name, SHA-256 digest, the month a register describes, when and by whom), and the status
//! changes, events and placements it writes point to it (`source_id`, through the
//! [`Author`] it writes as). [`Store::provenance`] answers where a row the API returns
//! came from: the news item or URL that reports it, the file it was imported from, or the
//! person's edit the audit log recorded.

use super::audit::Author;
use super::visibility::{visible_events, visible_news, visible_placements, visible_status_changes};
use super::{Access, Store, StoreError, StoreResult};
use chasqui_entities::tables::*;
use chasqui_entities::*;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::*;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};

/// A file an import reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSource {
    pub kind: SourceKind,
    /// The file's name, without its directory.
    pub file_name: String,
    /// [`digest`] of the file's bytes.
    pub digest: String,
    /// For a register: the month it describes (month precision).
    pub as_of: Option<PartialDate>,
}

impl NewSource {
    /// The source of a file of `kind` named `file_name` holding `bytes`.
    pub fn of_file(
        kind: SourceKind,
        file_name: &str,
        bytes: &[u8],
        as_of: Option<PartialDate>,
    ) -> Self {
        Self {
            kind,
            file_name: file_name.to_owned(),
            digest: digest(bytes),
            as_of,
        }
    }
}

/// The SHA-256 of `bytes`, in lower-case hex: what identifies an imported file.
pub fn digest(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Finds the source of these bytes (of this kind, for this month), or records it. Returns
/// the row and whether it is new.
pub(crate) async fn record_source_in(
    txn: &DatabaseTransaction,
    author: &Author,
    new: NewSource,
) -> StoreResult<(source::Model, bool)> {
    if let Some(as_of) = new.as_of {
        if as_of.precision() != DatePrecision::Month {
            return Err(StoreError::invalid(
                "asOf",
                format!("a register describes a month (2024-04), not {as_of}"),
            ));
        }
        super::tx::happened("asOf", as_of)?;
    }
    let as_of = new.as_of.map(|d| d.first_day());
    let found = source::Entity::find()
        .filter(source::Column::Kind.eq(new.kind))
        .filter(source::Column::Digest.eq(new.digest.as_str()))
        .filter(match as_of {
            Some(day) => source::Column::AsOf.eq(day),
            None => source::Column::AsOf.is_null(),
        })
        .order_by_asc(source::Column::Id)
        .one(txn)
        .await?;
    if let Some(found) = found {
        return Ok((found, false));
    }
    // A source is a log of its own, as the audit log is (what was imported, when, by
    // whom): it gets no audit entry; the entries of the rows the import writes say
    // what they changed.
    let model = source::ActiveModel {
        id: NotSet,
        kind: Set(new.kind),
        file_name: Set(new.file_name),
        digest: Set(new.digest),
        as_of: Set(as_of),
        imported_at: Set(super::now()),
        token_id: Set(author.token_id),
        author: Set(author.name.clone()),
    }
    .insert(txn)
    .await?;
    Ok((model, true))
}

/// A row whose provenance is asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Sourced {
    StatusChange(i64),
    Event(i64),
    Placement(i64),
}

/// Where a row came from, the first that applies: the news item (one the caller may see)
/// or URL that reports it, the file it was imported from, the person's edit that wrote it.
/// A news item the caller may not see counts as none, exactly as if it did not exist.
#[derive(Clone, Debug, PartialEq)]
pub enum Provenance {
    Reported {
        news_item_id: Option<i64>,
        url: Option<String>,
    },
    Imported(source::Model),
    Edited(audit_entry::Model),
}

/// What a row says of its own origin, before sources and audit entries are read.
enum Origin {
    /// Reported by a news item or at a URL; the news item may be one the caller may not
    /// see, and then the row answers as one without it would: by its URL, else by what
    /// `otherwise` finds.
    Reported {
        news: Option<i64>,
        url: Option<String>,
        otherwise: Box<Origin>,
    },
    Imported(i64),
    /// Written by the audit entry that [`EditKey`] finds.
    Edit(EditKey),
}

/// Where a row comes from when no news item or URL reports it: its file, else its edit.
fn imported_or_edited(source_id: Option<i64>, edit: EditKey) -> Origin {
    match source_id {
        Some(source) => Origin::Imported(source),
        None => Origin::Edit(edit),
    }
}

/// How to find the audit entry that wrote a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum EditKey {
    /// `recordStatusChange` of this change, else the `createCase` of this case whose
    /// first status change it is.
    StatusChange { id: i64, case_id: i64 },
    /// `recordEvent` of this event.
    Event(i64),
    /// The first `createCase` or `updateCase` of this case that lists this placement.
    Placement { id: i64, case_id: i64 },
}

impl Store {
    /// The provenance of each row the caller may see; rows it may not see, and rows whose
    /// origin is not recorded (or is a news item the caller may not see), have none.
    pub async fn provenance(
        &self,
        access: Access,
        rows: &[Sourced],
    ) -> StoreResult<HashMap<Sourced, Provenance>> {
        let mut origins: Vec<(Sourced, Origin)> = Vec::with_capacity(rows.len());
        let ids = |pick: fn(&Sourced) -> Option<i64>| -> Vec<i64> {
            let mut ids: Vec<i64> = rows.iter().filter_map(pick).collect();
            ids.sort_unstable();
            ids.dedup();
            ids
        };
        let change_ids = ids(|r| match r {
            Sourced::StatusChange(id) => Some(*id),
            _ => None,
        });
        let event_ids = ids(|r| match r {
            Sourced::Event(id) => Some(*id),
            _ => None,
        });
        let placement_ids = ids(|r| match r {
            Sourced::Placement(id) => Some(*id),
            _ => None,
        });
        if !change_ids.is_empty() {
            let changes = status_change::Entity::find()
                .filter(status_change::Column::Id.is_in(change_ids))
                .filter(visible_status_changes(access))
                .all(&self.db)
                .await?;
            for change in changes {
                let otherwise = imported_or_edited(
                    change.source_id,
                    EditKey::StatusChange {
                        id: change.id,
                        case_id: change.case_id,
                    },
                );
                let origin = match (change.news_item_id, change.source_url) {
                    (None, None) => otherwise,
                    (news, url) => Origin::Reported {
                        news,
                        url,
                        otherwise: Box::new(otherwise),
                    },
                };
                origins.push((Sourced::StatusChange(change.id), origin));
            }
        }
        if !event_ids.is_empty() {
            let events = event::Entity::find()
                .filter(event::Column::Id.is_in(event_ids.clone()))
                .filter(visible_events(access))
                .all(&self.db)
                .await?;
            // An event a news link reported comes from the link's news item.
            let reported: HashMap<i64, i64> = news_link::Entity::find()
                .filter(news_link::Column::EventId.is_in(event_ids))
                .order_by_asc(news_link::Column::Id)
                .all(&self.db)
                .await?
                .into_iter()
                .rev()
                .filter_map(|l| l.event_id.map(|e| (e, l.news_item_id)))
                .collect();
            for event in events {
                let otherwise = Origin::Edit(EditKey::Event(event.id));
                let origin = match (event.source_id, reported.get(&event.id)) {
                    (Some(source), _) => Origin::Imported(source),
                    (None, Some(news)) => Origin::Reported {
                        news: Some(*news),
                        url: None,
                        otherwise: Box::new(otherwise),
                    },
                    (None, None) => otherwise,
                };
                origins.push((Sourced::Event(event.id), origin));
            }
        }
        if !placement_ids.is_empty() {
            let placements = case_location::Entity::find()
                .filter(case_location::Column::Id.is_in(placement_ids))
                .filter(visible_placements(access))
                .all(&self.db)
                .await?;
            // A placement the store derived from a site comes from where the site's
            // placement in the case came from.
            let mut site_keys: Vec<(i64, i64)> = placements
                .iter()
                .filter_map(|p| p.via_site_id.map(|site| (p.case_id, site)))
                .collect();
            site_keys.sort_unstable();
            site_keys.dedup();
            let mut sites: HashMap<(i64, i64), case_location::Model> = HashMap::new();
            if !site_keys.is_empty() {
                let case_ids: Vec<i64> = site_keys.iter().map(|(c, _)| *c).collect();
                for row in case_location::Entity::find()
                    .filter(case_location::Column::CaseId.is_in(case_ids))
                    .filter(case_location::Column::ViaSiteId.is_null())
                    .all(&self.db)
                    .await?
                {
                    sites.insert((row.case_id, row.location_id), row);
                }
            }
            for placement in placements {
                let from = match placement.via_site_id {
                    Some(site) => sites.get(&(placement.case_id, site)).unwrap_or(&placement),
                    None => &placement,
                };
                let origin = imported_or_edited(
                    from.source_id,
                    EditKey::Placement {
                        id: from.id,
                        case_id: from.case_id,
                    },
                );
                origins.push((Sourced::Placement(placement.id), origin));
            }
        }
        self.resolve_origins(access, origins).await
    }

    /// Reads what the origins name: the visible news items, the sources, the audit
    /// entries. A news item the caller may not see is left out as if it did not exist.
    async fn resolve_origins(
        &self,
        access: Access,
        origins: Vec<(Sourced, Origin)>,
    ) -> StoreResult<HashMap<Sourced, Provenance>> {
        let news_ids: Vec<i64> = origins
            .iter()
            .filter_map(|(_, o)| match o {
                Origin::Reported { news, .. } => *news,
                _ => None,
            })
            .collect();
        let visible_news_ids: HashSet<i64> = if news_ids.is_empty() {
            HashSet::new()
        } else {
            news_item::Entity::find()
                .select_only()
                .column(news_item::Column::Id)
                .filter(news_item::Column::Id.is_in(news_ids))
                .filter(visible_news(access))
                .into_tuple::<i64>()
                .all(&self.db)
                .await?
                .into_iter()
                .collect()
        };
        // Reported by what the caller may see, or else where the row otherwise comes from.
        let mut settled: Vec<(Sourced, Result<Provenance, Origin>)> =
            Vec::with_capacity(origins.len());
        for (row, origin) in origins {
            let settles = match origin {
                Origin::Reported {
                    news,
                    url,
                    otherwise,
                } => {
                    let news = news.filter(|id| visible_news_ids.contains(id));
                    if news.is_none() && url.is_none() {
                        Err(*otherwise)
                    } else {
                        Ok(Provenance::Reported {
                            news_item_id: news,
                            url,
                        })
                    }
                }
                other => Err(other),
            };
            settled.push((row, settles));
        }
        let source_ids: Vec<i64> = settled
            .iter()
            .filter_map(|(_, o)| match o {
                Err(Origin::Imported(id)) => Some(*id),
                _ => None,
            })
            .collect();
        let sources: HashMap<i64, source::Model> = if source_ids.is_empty() {
            HashMap::new()
        } else {
            source::Entity::find()
                .filter(source::Column::Id.is_in(source_ids))
                .all(&self.db)
                .await?
                .into_iter()
                .map(|s| (s.id, s))
                .collect()
        };
        let edit_keys: Vec<EditKey> = settled
            .iter()
            .filter_map(|(_, o)| match o {
                Err(Origin::Edit(key)) => Some(*key),
                _ => None,
            })
            .collect();
        let edits = self.edits(&edit_keys).await?;
        let mut out = HashMap::with_capacity(settled.len());
        for (row, settles) in settled {
            let provenance = match settles {
                Ok(provenance) => Some(provenance),
                Err(Origin::Imported(id)) => sources.get(&id).cloned().map(Provenance::Imported),
                Err(Origin::Edit(key)) => edits.get(&key).cloned().map(Provenance::Edited),
                // A row's fallback is never a report of its own.
                Err(Origin::Reported { .. }) => None,
            };
            if let Some(provenance) = provenance {
                out.insert(row, provenance);
            }
        }
        Ok(out)
    }

    /// The audit entries that wrote these rows ([`EditKey`]).
    async fn edits(&self, keys: &[EditKey]) -> StoreResult<HashMap<EditKey, audit_entry::Model>> {
        let mut out = HashMap::new();
        if keys.is_empty() {
            return Ok(out);
        }
        let mut change_ids: Vec<i64> = Vec::new();
        let mut event_ids: Vec<i64> = Vec::new();
        let mut case_ids: Vec<i64> = Vec::new();
        for key in keys {
            match *key {
                EditKey::StatusChange { id, case_id } => {
                    change_ids.push(id);
                    case_ids.push(case_id);
                }
                EditKey::Event(id) => event_ids.push(id),
                EditKey::Placement { case_id, .. } => case_ids.push(case_id),
            }
        }
        // The write that recorded a status change or an event on its own (the first, when
        // there were several).
        let mut recorded: HashMap<(&str, i64), audit_entry::Model> = HashMap::new();
        for (entity, action, ids) in [
            ("status_change", "recordStatusChange", change_ids),
            ("event", "recordEvent", event_ids),
        ] {
            if ids.is_empty() {
                continue;
            }
            let entries = audit_entry::Entity::find()
                .filter(audit_entry::Column::Entity.eq(entity))
                .filter(audit_entry::Column::EntityId.is_in(ids))
                .filter(audit_entry::Column::Action.eq(action))
                .order_by_asc(audit_entry::Column::Id)
                .all(&self.db)
                .await?;
            for entry in entries {
                recorded.entry((entity, entry.entity_id)).or_insert(entry);
            }
        }
        // The case writes that may have written a case's first status change or its
        // placements, oldest first, with what they left.
        case_ids.sort_unstable();
        case_ids.dedup();
        let case_writes: Vec<(audit_entry::Model, Value)> = if case_ids.is_empty() {
            Vec::new()
        } else {
            audit_entry::Entity::find()
                .filter(audit_entry::Column::Entity.eq("case"))
                .filter(audit_entry::Column::EntityId.is_in(case_ids))
                .filter(audit_entry::Column::Action.is_in(["createCase", "updateCase"]))
                .order_by_asc(audit_entry::Column::Id)
                .all(&self.db)
                .await?
                .into_iter()
                .map(|entry| {
                    let after = entry
                        .after
                        .as_deref()
                        .and_then(|text| serde_json::from_str(text).ok())
                        .unwrap_or(Value::Null);
                    (entry, after)
                })
                .collect()
        };
        let lists_placement = |after: &Value, id: i64| -> bool {
            after["locations"]
                .as_array()
                .is_some_and(|rows| rows.iter().any(|r| r["id"].as_i64() == Some(id)))
        };
        for key in keys {
            let found = match *key {
                EditKey::StatusChange { id, case_id } => {
                    recorded.get(&("status_change", id)).cloned().or_else(|| {
                        case_writes
                            .iter()
                            .find(|(e, after)| {
                                e.entity_id == case_id
                                    && e.action == "createCase"
                                    && after["statusChange"]["id"].as_i64() == Some(id)
                            })
                            .map(|(e, _)| e.clone())
                    })
                }
                EditKey::Event(id) => recorded.get(&("event", id)).cloned(),
                EditKey::Placement { id, case_id } => case_writes
                    .iter()
                    .find(|(e, after)| e.entity_id == case_id && lists_placement(after, id))
                    .map(|(e, _)| e.clone()),
            };
            if let Some(entry) = found {
                out.insert(*key, entry);
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_digest_is_the_sha256_of_the_bytes_in_lower_case_hex() {
        assert_eq!(
            digest(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let source = NewSource::of_file(SourceKind::Register, "t.csv", b"abc", None);
        assert_eq!(source.digest, digest(b"abc"));
    }
}
