//! What the analysts' tables (`src/csv.rs`) read beyond the lists the API already has:
//! the names of the places a page of cases lies in, by level, under the rule the region
//! filter and the report use (`case_places`, [`Store::places_of_cases`]).

use super::{Access, Store, StoreResult};
use chasqui_entities::LocationLevel;
use chasqui_entities::tables::case;
use sea_orm::ColumnTrait;
use sea_orm::sea_query::Query;
use std::collections::HashMap;

/// The departments, provinces and districts a case lies in, by name (each list sorted).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CasePlaceNames {
    pub regions: Vec<String>,
    pub provinces: Vec<String>,
    pub districts: Vec<String>,
}

impl Store {
    /// For each of `case_ids` the caller may see, the names of the departments,
    /// provinces and districts it lies in that the caller may see: the places through
    /// which `cases(filter: {region})` finds it (a placement, a place above it, the place
    /// a site lies in). Two statements for the whole page.
    pub async fn place_names_of_cases(
        &self,
        access: Access,
        case_ids: &[i64],
    ) -> StoreResult<HashMap<i64, CasePlaceNames>> {
        if case_ids.is_empty() {
            return Ok(HashMap::new());
        }
        let ids = case_ids.to_vec();
        let matching = || {
            let mut sub = Query::select();
            sub.column(case::Column::Id)
                .from(case::Entity)
                .and_where(case::Column::Id.is_in(ids.clone()))
                .cond_where(super::visibility::visible_cases(access));
            sub
        };
        let levels = [
            LocationLevel::Region,
            LocationLevel::Province,
            LocationLevel::District,
        ];
        let places = self.places_of_cases(access, &matching, &levels).await?;
        let mut place_ids: Vec<i64> = places.values().flatten().map(|p| p.id).collect();
        place_ids.sort_unstable();
        place_ids.dedup();
        let locations = self.locations_by_ids(access, &place_ids).await?;
        let mut names: HashMap<i64, CasePlaceNames> = HashMap::new();
        for (case_id, places) in places {
            let entry = names.entry(case_id).or_default();
            for place in places {
                let Some(location) = locations.get(&place.id) else {
                    continue;
                };
                let list = match place.level {
                    LocationLevel::Region => &mut entry.regions,
                    LocationLevel::Province => &mut entry.provinces,
                    LocationLevel::District => &mut entry.districts,
                    _ => continue,
                };
                list.push(location.name.clone());
            }
        }
        for entry in names.values_mut() {
            for list in [
                &mut entry.regions,
                &mut entry.provinces,
                &mut entry.districts,
            ] {
                list.sort();
                list.dedup();
            }
        }
        Ok(names)
    }
}
