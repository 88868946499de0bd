//! Suggested links: the dictionary of names built from the database, and suggestions
//! recorded as SUGGESTED links that a person confirms or rejects. A link that exists in
//! any state (suggested, confirmed, rejected) is never touched again by a suggestion run,
//! so a person's decision stands.

use super::audit::{self, Author, Entry};
use super::stamp::Stamped;
use super::{Access, Store, StoreResult};
use chasqui_domain::suggest::{Dictionary, Name};
use chasqui_entities::tables::*;
use chasqui_entities::*;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::*;
use std::collections::HashMap;

/// The default score a suggestion needs.
pub const DEFAULT_SUGGESTION_THRESHOLD: f64 = 0.5;

/// How much a place's name says about a case placed on or below it.
fn place_weight(level: LocationLevel) -> f64 {
    match level {
        LocationLevel::Site => 0.7,
        LocationLevel::District => 0.6,
        LocationLevel::Province => 0.45,
        LocationLevel::Region => 0.3,
        LocationLevel::Country => 0.0,
    }
}

impl Store {
    /// The names of every case, of the actors with roles in cases, and of the places cases
    /// lie in, as the suggester's dictionary. Built from records everyone may see.
    pub async fn suggestion_dictionary(&self) -> StoreResult<Dictionary> {
        let access = Access::PUBLIC;
        let cases = case::Entity::find()
            .filter(super::visibility::visible_cases(access))
            .all(&self.db)
            .await?;
        let case_ids: Vec<i64> = cases.iter().map(|c| c.id).collect();
        let mut names = Vec::new();
        for case in &cases {
            names.push(Name {
                label: case.title.clone(),
                cases: vec![(case.id, 1.0)],
            });
            names.push(Name {
                label: case.slug.replace('-', " "),
                cases: vec![(case.id, 0.9)],
            });
        }
        // Topics: a tag ("human trafficking") names what a case is about; shared by many
        // cases, it says little about each.
        let topics = self.topics_by_case(&case_ids).await?;
        let mut cases_of_topic: HashMap<String, Vec<i64>> = HashMap::new();
        for topic in &topics {
            cases_of_topic
                .entry(topic.topic.clone())
                .or_default()
                .push(topic.case_id);
        }
        for (topic, case_list) in &cases_of_topic {
            let weight = 0.55 / (case_list.len().max(1) as f64).sqrt();
            names.push(Name {
                label: topic.clone(),
                cases: case_list.iter().map(|c| (*c, weight)).collect(),
            });
        }
        // Actors: a name shared by many cases says less about each.
        let roles = self.roles_by_case(access, &case_ids).await?;
        let mut cases_of_actor: HashMap<i64, Vec<i64>> = HashMap::new();
        for role in &roles {
            let list = cases_of_actor.entry(role.actor_id).or_default();
            if !list.contains(&role.case_id) {
                list.push(role.case_id);
            }
        }
        let actor_ids: Vec<i64> = cases_of_actor.keys().copied().collect();
        let actors = self.actors_by_ids(access, &actor_ids).await?;
        let aliases = self.aliases_by_actor(&actor_ids).await?;
        let weigh = |base: f64, n: usize| base / (n.max(1) as f64).sqrt();
        for (actor_id, case_list) in &cases_of_actor {
            let Some(actor) = actors.get(actor_id) else {
                continue;
            };
            let weight = weigh(0.6, case_list.len());
            let targets: Vec<(i64, f64)> = case_list.iter().map(|c| (*c, weight)).collect();
            names.push(Name {
                label: actor.name.clone(),
                cases: targets.clone(),
            });
            for alias in aliases.iter().filter(|a| a.actor_id == *actor_id) {
                names.push(Name {
                    label: alias.alias.clone(),
                    cases: targets.clone(),
                });
            }
        }
        // Places: each place's name points to the cases placed on it or below it.
        let placements = self.placements_by_case(access, &case_ids).await?;
        let locations = location::Entity::find()
            .filter(super::visibility::visible_locations(access))
            .all(&self.db)
            .await?;
        let by_id: HashMap<i64, &location::Model> = locations.iter().map(|l| (l.id, l)).collect();
        let mut cases_under: HashMap<i64, Vec<i64>> = HashMap::new();
        for placement in &placements {
            let Some(place) = by_id.get(&placement.location_id) else {
                continue;
            };
            for ancestor in place.path.split('/').filter_map(|p| p.parse::<i64>().ok()) {
                let list = cases_under.entry(ancestor).or_default();
                if !list.contains(&placement.case_id) {
                    list.push(placement.case_id);
                }
            }
        }
        for (location_id, case_list) in cases_under {
            let Some(place) = by_id.get(&location_id) else {
                continue;
            };
            let weight = weigh(place_weight(place.level), case_list.len());
            if weight > 0.0 {
                names.push(Name {
                    label: place.name.clone(),
                    cases: case_list.iter().map(|c| (*c, weight)).collect(),
                });
            }
        }
        Ok(Dictionary::build(names))
    }

    /// Suggests links for a news item and records them as SUGGESTED (with their score and
    /// the names that matched); returns the links recorded. Cases the item is already
    /// linked to, in any state, are left alone.
    pub async fn suggest_links(
        &self,
        author: &Author,
        dictionary: &Dictionary,
        news_item_id: i64,
        threshold: f64,
    ) -> StoreResult<Vec<news_link::Model>> {
        self.write(async |txn| {
            let Some(news) = news_item::Entity::find_by_id(news_item_id)
                .lock_shared()
                .one(txn)
                .await?
            else {
                return Err(super::StoreError::not_found("news item"));
            };
            let text = [
                Some(news.title.as_str()),
                news.summary.as_deref(),
                news.body.as_deref(),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" \n ");
            let linked: Vec<i64> = news_link::Entity::find()
                .filter(news_link::Column::NewsItemId.eq(news_item_id))
                .all(txn)
                .await?
                .into_iter()
                .map(|l| l.case_id)
                .collect();
            let mut recorded = Vec::new();
            for suggestion in dictionary.suggest(&text, threshold) {
                if linked.contains(&suggestion.case_id) {
                    continue;
                }
                let now = super::now();
                let model = news_link::ActiveModel {
                    id: NotSet,
                    news_item_id: Set(news_item_id),
                    case_id: Set(suggestion.case_id),
                    update_kind: Set(UpdateKind::Development),
                    reported_status: Set(None),
                    status_change_id: Set(None),
                    event_id: Set(None),
                    note: Set(None),
                    state: Set(LinkState::Suggested),
                    confidence: Set(Some((suggestion.score * 1000.0).round() / 1000.0)),
                    matched_terms: Set(serde_json::to_string(&suggestion.terms).ok()),
                    visibility: Set(news.visibility),
                    effective_visibility: Set(Default::default()),
                    ..Default::default()
                }
                .created(now)
                .insert(txn)
                .await?;
                super::effective::refresh(txn, super::effective::Scope::Links(&[model.id])).await?;
                let model = super::tx::reread::<news_link::Entity>(txn, model.id).await?;
                let entry = Entry {
                    action: "suggestLink",
                    entity: "news_link",
                    id: model.id,
                    case_id: Some(model.case_id),
                    before: None,
                    after: Some(audit::link_snapshot(txn, model.id).await?),
                };
                audit::record(txn, author, entry).await?;
                recorded.push(model);
            }
            Ok(recorded)
        })
        .await
    }
}
