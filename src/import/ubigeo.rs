//! Peru's UBIGEO codes (INEI): departments (2 digits), provinces (4) and districts (6),
//! embedded from `data/ubigeo/ubigeo.csv` (MIT, see the licence beside it). Names are
//! matched accent- and case-insensitively, each under its parent, so "Apurímac",
//! "APURIMAC" and "apurimac" are one department. Where the table knows how a name is
//! spelled (accents and case, "Challhuahuacho"), [`UbigeoPlace::spelled`] gives it.

use chasqui_domain::text::{better_spelling, fold_words};
use std::collections::HashMap;
use std::sync::LazyLock;

const TABLE: &str = include_str!("../../data/ubigeo/ubigeo.csv");

/// One coded place.
#[derive(Clone, Debug, PartialEq)]
pub struct UbigeoPlace {
    pub code: &'static str,
    /// As the table writes it: upper case, without accents.
    pub name: &'static str,
    /// The name as it is spelled, with its accents and case, when the table has it
    /// (from the capital's name where the capital bears the place's name).
    pub spelling: Option<&'static str>,
    /// The capital's coordinates.
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

/// The places by (parent code, folded name); departments have the parent code "".
struct Index {
    by_parent_and_name: HashMap<(&'static str, String), UbigeoPlace>,
    by_code: HashMap<&'static str, UbigeoPlace>,
}

static INDEX: LazyLock<Index> = LazyLock::new(|| {
    let mut by_parent_and_name = HashMap::new();
    let mut by_code = HashMap::new();
    for line in TABLE.lines().skip(1) {
        let mut cells = line.split(',');
        let (Some(code), Some(name)) = (cells.next(), cells.next()) else {
            continue;
        };
        let latitude = cells.next().and_then(|v| v.parse().ok());
        let longitude = cells.next().and_then(|v| v.parse().ok());
        let spelling = cells.next().filter(|s| !s.is_empty());
        let place = UbigeoPlace {
            code,
            name,
            spelling,
            latitude,
            longitude,
        };
        let parent = &code[..code.len().saturating_sub(2)];
        by_parent_and_name.insert((parent, fold_words(name)), place.clone());
        by_code.insert(code, place);
    }
    Index {
        by_parent_and_name,
        by_code,
    }
});

/// The department with this name.
pub fn department(name: &str) -> Option<UbigeoPlace> {
    below("", name)
}

/// The place with this name directly below the place `parent_code` (a province below a
/// department, a district below a province).
pub fn below(parent_code: &str, name: &str) -> Option<UbigeoPlace> {
    INDEX
        .by_parent_and_name
        .get(&(parent_code, fold_words(name)))
        .cloned()
}

/// The place with this code.
pub fn by_code(code: &str) -> Option<UbigeoPlace> {
    INDEX.by_code.get(code).cloned()
}

impl UbigeoPlace {
    /// The best spelling of the place's name the table has: its spelling with accents
    /// and case when known, its upper-case name otherwise.
    pub fn spelled(&self) -> &'static str {
        self.spelling.unwrap_or(self.name)
    }
}

/// The name to give a place of this code that a file calls `name`: the table's
/// spelling when it spells the same name better (`text::better_spelling`: "APURIMAC" in
/// a boundary file becomes "Apurímac" when the table has the accents), `name` otherwise
/// (another name, a code the table does not have: a file of another country).
pub fn spelled_name(code: &str, name: &str) -> String {
    match by_code(code).and_then(|p| p.spelling) {
        Some(spelling) if better_spelling(spelling, name) => spelling.to_owned(),
        _ => name.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve_under_their_parents_whatever_the_accents_and_case() {
        let apurimac = department("Apurímac").unwrap_or_else(|| panic!("Apurímac"));
        assert_eq!(apurimac.code, "03");
        let cotabambas = below("03", "cotabambas").unwrap_or_else(|| panic!("Cotabambas"));
        assert_eq!(cotabambas.code, "0305");
        let district = below("0305", "CHALLHUAHUACHO").unwrap_or_else(|| panic!("district"));
        assert_eq!(district.code, "030506");
        assert!(
            district
                .latitude
                .is_some_and(|l| (-15.0..-13.0).contains(&l))
        );
        assert_eq!(department("Áncash").map(|p| p.code), Some("02"));
        // Full-width letters and a no-break space fold like the plain forms.
        assert_eq!(department("ＡＰＵＲÍＭＡＣ").map(|p| p.code), Some("03"));
        assert_eq!(
            department("Madre\u{a0}de  Dios").map(|p| p.code),
            Some("17")
        );
        // A district is found only under its own province.
        assert_eq!(below("0301", "Challhuahuacho"), None);
        assert_eq!(department("Atlantis"), None);
        assert_eq!(by_code("0305").map(|p| p.name), Some("COTABAMBAS"));
    }

    #[test]
    fn spellings_are_the_same_names_with_accents_and_case() {
        assert_eq!(spelled_name("030506", "CHALLHUAHUACHO"), "Challhuahuacho");
        assert_eq!(spelled_name("10", "HUANUCO"), "Huánuco");
        // A better spelling already, another name, a code the table does not have.
        assert_eq!(spelled_name("10", "Huánuco"), "Huánuco");
        assert_eq!(spelled_name("030506", "SOMEWHERE ELSE"), "SOMEWHERE ELSE");
        assert_eq!(spelled_name("99", "ATLANTIS"), "ATLANTIS");
        // Every spelling the table holds is its place's name.
        for place in INDEX.by_code.values() {
            if let Some(spelling) = place.spelling {
                assert_eq!(
                    fold_words(spelling),
                    fold_words(place.name),
                    "{}",
                    place.code
                );
            }
        }
    }

    #[test]
    fn the_table_holds_every_department_province_and_district() {
        let count = |len: usize| INDEX.by_code.keys().filter(|c| c.len() == len).count();
        assert_eq!((count(2), count(4), count(6)), (25, 196, 1892));
    }
}
