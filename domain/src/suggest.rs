//! Link suggestion: which cases does a text mention? Names of cases, their topics, the
//! actors with roles in them and the places they lie in are matched in one pass (Aho-Corasick), case- and
//! accent-insensitively and on word boundaries. Each name weighs by how specific it is — a
//! case's own name over an actor's, a district over a department, and a name that points to
//! many cases less than one that points to few — and a case's score combines the weights of
//! the names found: `1 - Π(1 - w)`.

use crate::text::suggestion_text;
use aho_corasick::{AhoCorasick, MatchKind};
use std::collections::{BTreeMap, BTreeSet};

/// A name and the cases it points to, with the weight of each.
#[derive(Clone, Debug)]
pub struct Name {
    pub label: String,
    pub cases: Vec<(i64, f64)>,
}

/// A case a text seems to update.
#[derive(Clone, Debug, PartialEq)]
pub struct Suggestion {
    pub case_id: i64,
    /// 0..=1.
    pub score: f64,
    /// The names that matched, as written in the database.
    pub terms: Vec<String>,
}

/// The names to look for, compiled into one matcher.
pub struct Dictionary {
    matcher: Option<AhoCorasick>,
    names: Vec<Name>,
}

impl Dictionary {
    pub fn build(names: Vec<Name>) -> Self {
        // One entry per folded name; a name given twice points to the union of cases,
        // each at its highest weight.
        let mut merged: BTreeMap<String, Name> = BTreeMap::new();
        for name in names {
            let key = suggestion_text(&name.label);
            if key.trim().chars().count() < 3 {
                continue;
            }
            let entry = merged.entry(key).or_insert_with(|| Name {
                label: name.label.clone(),
                cases: Vec::new(),
            });
            for (case, weight) in name.cases {
                match entry.cases.iter_mut().find(|(c, _)| *c == case) {
                    Some((_, w)) => *w = w.max(weight),
                    None => entry.cases.push((case, weight)),
                }
            }
        }
        let patterns: Vec<String> = merged.keys().cloned().collect();
        let names: Vec<Name> = merged.into_values().collect();
        let matcher = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(&patterns)
            .ok();
        Self { matcher, names }
    }

    /// The cases `text` mentions with a score of at least `threshold`, best first.
    pub fn suggest(&self, text: &str, threshold: f64) -> Vec<Suggestion> {
        let Some(matcher) = &self.matcher else {
            return Vec::new();
        };
        let text = suggestion_text(text);
        let found: BTreeSet<usize> = matcher
            .find_overlapping_iter(&text)
            .map(|m| m.pattern().as_usize())
            .collect();
        let mut by_case: BTreeMap<i64, (f64, Vec<String>)> = BTreeMap::new();
        for index in found {
            let name = &self.names[index];
            for (case, weight) in &name.cases {
                let entry = by_case.entry(*case).or_insert((1.0, Vec::new()));
                entry.0 *= 1.0 - weight.clamp(0.0, 1.0);
                entry.1.push(name.label.clone());
            }
        }
        let mut suggestions: Vec<Suggestion> = by_case
            .into_iter()
            .map(|(case_id, (miss, terms))| Suggestion {
                case_id,
                score: 1.0 - miss,
                terms,
            })
            .filter(|s| s.score >= threshold)
            .collect();
        suggestions.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.case_id.cmp(&b.case_id)));
        suggestions
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_whole_words_whatever_the_case_accents_and_hyphens() {
        let dictionary = Dictionary::build(vec![
            Name {
                label: "Alarcón".into(),
                cases: vec![(1, 0.6)],
            },
            Name {
                label: "Inter-Oceanic Highway".into(),
                cases: vec![(2, 1.0)],
            },
            Name {
                label: "Lima".into(),
                cases: vec![(3, 0.3)],
            },
        ]);
        let found = dictionary.suggest("ALARCON versus Thorne on the interoceanic highway", 0.5);
        assert_eq!(found.iter().map(|s| s.case_id).collect::<Vec<_>>(), [2, 1]);
        assert_eq!(found[1].terms, ["Alarcón"]);
        assert!(
            dictionary.suggest("Limassol", 0.0).is_empty(),
            "whole words only"
        );
        assert!(
            dictionary.suggest("in Lima", 0.5).is_empty(),
            "a department alone is too weak"
        );
    }

    #[test]
    fn quechua_names_match_however_their_apostrophes_are_written() {
        let dictionary = Dictionary::build(vec![
            Name {
                label: "Q'eros".into(),
                cases: vec![(1, 1.0)],
            },
            Name {
                label: "Ayacucho".into(),
                cases: vec![(2, 1.0)],
            },
        ]);
        for text in ["Comuneros de Qʼeros", "QUEROS no, Q’EROS", "Ｑ´eros"] {
            let found = dictionary.suggest(text, 0.5);
            assert_eq!(
                found.iter().map(|s| s.case_id).collect::<Vec<_>>(),
                [1],
                "{text}"
            );
        }
        // An en dash separates two names; a hyphen would join them.
        let found = dictionary.suggest("Ayacucho–Huamanga", 0.5);
        assert_eq!(found.iter().map(|s| s.case_id).collect::<Vec<_>>(), [2]);
    }
}
