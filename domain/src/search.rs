//! Full-text analysis: how a text becomes index terms, how a query becomes a match
//! expression, and how a snippet is highlighted. The database engines only store and
//! match the terms this module writes, so SQLite and PostgreSQL find the same records
//! for the same query.
//!
//! A word is folded by chasqui's one text fold (`text`: lower case, accents off,
//! "Alarcón" → "alarcon") and stemmed twice, with the Spanish and the English Snowball
//! stemmers: chasqui's texts mix both languages (an English item about "comunidades campesinas", a Spanish one about
//! "Las Bambas"), and a record's language is often unknown. The index holds both stems;
//! a query word matches a record that has either of its stems. Common function words of
//! both languages are not indexed.

use crate::text::push_folded;
use rust_stemmers::{Algorithm, Stemmer};
use std::collections::BTreeSet;
use std::sync::LazyLock;

static SPANISH: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::Spanish));
static ENGLISH: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::English));

/// Function words of Spanish and English that carry no meaning alone (folded forms).
const STOP_WORDS: &[&str] = &[
    "a", "al", "an", "and", "are", "as", "at", "be", "by", "con", "de", "del", "el", "en", "es",
    "for", "from", "has", "in", "is", "it", "la", "las", "lo", "los", "of", "on", "or", "por",
    "que", "se", "su", "the", "to", "un", "una", "was", "with", "y",
];

/// The longest word indexed; longer runs of letters are not words.
const MAX_WORD: usize = 40;

/// The words of a text with their byte ranges in it, folded ([`push_folded`]). A word is
/// a run of characters whose fold has a letter or a digit, with the marks and invisible
/// characters inside it ("Alarco\u{301}n" is one word); anything else ends it, hyphens
/// and apostrophes included. A folded word keeps the letters and digits of the fold
/// only ("⑴" → "1"), so no punctuation reaches the engines' query syntax.
pub fn words(text: &str) -> Vec<(std::ops::Range<usize>, String)> {
    let mut out = Vec::new();
    let mut word: Option<(usize, String)> = None;
    let mut end = 0;
    let mut folded = String::new();
    for (i, c) in text.char_indices() {
        folded.clear();
        push_folded(&mut folded, c);
        if folded.chars().any(char::is_alphanumeric) {
            let (_, letters) = word.get_or_insert_with(|| (i, String::new()));
            letters.extend(folded.chars().filter(|c| c.is_alphanumeric()));
            end = i + c.len_utf8();
        } else if folded.is_empty() && word.is_some() {
            end = i + c.len_utf8();
        } else if let Some((start, letters)) = word.take() {
            out.push((start..end, letters));
        }
    }
    if let Some((start, letters)) = word {
        out.push((start..end, letters));
    }
    out
}

fn is_stop_word(word: &str) -> bool {
    STOP_WORDS.binary_search(&word).is_ok()
}

/// The stems a folded word is indexed under (one or two); none for a function word.
pub fn stems(word: &str) -> Vec<String> {
    if word.is_empty() || word.len() > MAX_WORD || is_stop_word(word) {
        return Vec::new();
    }
    let spanish = SPANISH.stem(word).into_owned();
    let english = ENGLISH.stem(word).into_owned();
    if spanish == english {
        vec![spanish]
    } else {
        vec![spanish, english]
    }
}

// Words stemmed recently, with their terms ("" for a function word): texts share most
// of their vocabulary, and stemming a word twice costs more than looking it up. Each
// thread keeps its own; it is emptied when it reaches `STEM_CACHE` words.
thread_local! {
    static STEMMED: std::cell::RefCell<std::collections::HashMap<String, String>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

/// Words a thread's stem cache holds at most (a few MB).
const STEM_CACHE: usize = 50_000;

/// The index terms of a text, space-separated, in text order (a stem repeats as often
/// as its word does, so that ranking counts it).
pub fn terms(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    STEMMED.with_borrow_mut(|cache| {
        for (_, word) in words(text) {
            if cache.len() >= STEM_CACHE && !cache.contains_key(&word) {
                cache.clear();
            }
            let stemmed = cache.entry(word).or_insert_with_key(|w| stems(w).join(" "));
            if stemmed.is_empty() {
                continue;
            }
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(stemmed);
        }
    });
    out
}

/// One word of a query: the stems any of which may match, or a prefix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QueryTerm {
    /// The record must have one of these stems.
    Stems(Vec<String>),
    /// The record must have a term starting with this (a query word ending in `*`).
    Prefix(String),
}

/// A parsed search query: every term must match (AND).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchQuery {
    pub terms: Vec<QueryTerm>,
}

/// Why a query cannot be searched.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("the query has no words to search for (only punctuation or common words)")]
    Empty,
    #[error("the query has more than {0} words")]
    TooLong(usize),
}

/// The most words a query may have.
pub const MAX_QUERY_WORDS: usize = 16;

impl SearchQuery {
    /// Parses what a person typed. Words are ANDed; a word ending in `*` matches as a
    /// prefix of at least two letters. Function words are ignored ("la consulta previa" is
    /// "consulta previa").
    pub fn parse(text: &str) -> Result<SearchQuery, QueryError> {
        let mut terms = Vec::new();
        for (range, word) in words(text) {
            let prefix = text[range.end..].starts_with('*');
            let term = if prefix && word.chars().count() >= 2 {
                QueryTerm::Prefix(word)
            } else {
                match stems(&word) {
                    stems if stems.is_empty() => continue,
                    stems => QueryTerm::Stems(stems),
                }
            };
            if !terms.contains(&term) {
                terms.push(term);
            }
        }
        if terms.is_empty() {
            return Err(QueryError::Empty);
        }
        if terms.len() > MAX_QUERY_WORDS {
            return Err(QueryError::TooLong(MAX_QUERY_WORDS));
        }
        Ok(SearchQuery { terms })
    }

    /// The expression for SQLite FTS5's `MATCH`: `("a" OR "b") AND "c"*`. Terms are
    /// letters and digits only, so quoting them is enough.
    pub fn fts5(&self) -> String {
        self.join(
            " AND ",
            " OR ",
            |t| format!("\"{t}\""),
            |p| format!("\"{p}\"*"),
        )
    }

    /// The expression for PostgreSQL's `to_tsquery('simple', …)`: `(a | b) & c:*`.
    pub fn tsquery(&self) -> String {
        self.join(" & ", " | ", |t| t.to_owned(), |p| format!("{p}:*"))
    }

    fn join(
        &self,
        and: &str,
        or: &str,
        stem: impl Fn(&str) -> String,
        prefix: impl Fn(&str) -> String,
    ) -> String {
        self.terms
            .iter()
            .map(|term| match term {
                QueryTerm::Stems(stems) if stems.len() == 1 => stem(&stems[0]),
                QueryTerm::Stems(stems) => {
                    let alternatives: Vec<String> = stems.iter().map(|s| stem(s)).collect();
                    format!("({})", alternatives.join(or))
                }
                QueryTerm::Prefix(p) => prefix(p),
            })
            .collect::<Vec<_>>()
            .join(and)
    }

    /// Whether a folded word of a text matches one of the query's terms.
    pub fn matches_word(&self, word: &str) -> bool {
        let word_stems = stems(word);
        self.terms.iter().any(|term| match term {
            QueryTerm::Stems(wanted) => word_stems.iter().any(|s| wanted.contains(s)),
            QueryTerm::Prefix(p) => word.starts_with(p.as_str()),
        })
    }
}

/// A short extract of `text` around the words that match `query`, HTML-escaped, with
/// each match wrapped in `<mark>…</mark>` and `…` where the text was cut. `None` when no
/// word matches. The extract is the window of `max_words` words with the most matches.
pub fn highlight(text: &str, query: &SearchQuery, max_words: usize) -> Option<Highlight> {
    let words = words(text);
    let hits: Vec<bool> = words.iter().map(|(_, w)| query.matches_word(w)).collect();
    if !hits.iter().any(|h| *h) || max_words == 0 {
        return None;
    }
    // The window [start, start + max_words) with the most hits; the earliest on ties.
    let window = max_words.min(words.len());
    let mut count: usize = hits[..window].iter().filter(|h| **h).count();
    let (mut best, mut best_start) = (count, 0);
    for start in 1..=(words.len() - window) {
        count = count + usize::from(hits[start + window - 1]) - usize::from(hits[start - 1]);
        if count > best {
            (best, best_start) = (count, start);
        }
    }
    // Start a little before the first hit of the window, for context.
    let first_hit = (best_start..best_start + window)
        .find(|&i| hits[i])
        .unwrap_or(best_start);
    let start = first_hit
        .saturating_sub(3)
        .max(best_start)
        .min(words.len() - window);
    let end = (start + window).min(words.len());
    let from = if start == 0 { 0 } else { words[start].0.start };
    let to = if end == words.len() {
        text.len()
    } else {
        words[end - 1].0.end
    };
    let mut out = String::with_capacity(to - from + 32);
    if from > 0 {
        out.push('…');
    }
    let mut at = from;
    let mut terms = BTreeSet::new();
    for i in start..end {
        let range = &words[i].0;
        escape_into(&mut out, &text[at..range.start]);
        if hits[i] {
            out.push_str("<mark>");
            escape_into(&mut out, &text[range.clone()]);
            out.push_str("</mark>");
            terms.insert(text[range.clone()].to_owned());
        } else {
            escape_into(&mut out, &text[range.clone()]);
        }
        at = range.end;
    }
    escape_into(&mut out, &text[at..to]);
    if to < text.len() {
        out.push('…');
    }
    Some(Highlight {
        snippet: out.trim().to_owned(),
        matched: terms.into_iter().collect(),
    })
}

/// A highlighted extract and the words of the text that matched, as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Highlight {
    pub snippet: String,
    pub matched: Vec<String>,
}

fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => {}
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_words_are_sorted_for_binary_search() {
        let mut sorted = STOP_WORDS.to_vec();
        sorted.sort_unstable();
        assert_eq!(sorted, STOP_WORDS);
    }

    #[test]
    fn accents_and_case_fold_away() {
        assert_eq!(terms("Alarcón"), terms("ALARCON"));
        let folded: Vec<String> = words("Ñaña Pérez").into_iter().map(|(_, w)| w).collect();
        assert_eq!(folded, ["nana", "perez"]);
    }

    #[test]
    fn words_are_runs_of_what_folds_to_letters_and_digits() {
        let folded =
            |text: &str| -> Vec<String> { words(text).into_iter().map(|(_, w)| w).collect() };
        // A decomposed accent, a soft hyphen and a zero-width space stay inside the word.
        let text = "Alarco\u{301}n Chall\u{ad}hua\u{200b}huacho";
        assert_eq!(folded(text), ["alarcon", "challhuahuacho"]);
        assert_eq!(words(text)[0].0, 0.."Alarco\u{301}n".len());
        // Apostrophes split words however they are written; dashes too.
        for text in ["Q'eros", "Qʼeros", "Q’eros", "Q´eros"] {
            assert_eq!(folded(text), ["q", "eros"], "{text}");
        }
        assert_eq!(folded("Ayacucho–Huamanga"), ["ayacucho", "huamanga"]);
        assert_eq!(
            folded("ＣＵＳＣＯ İlave Ørsted"),
            ["cusco", "ilave", "orsted"]
        );
        // A character whose fold holds punctuation gives only its letters and digits.
        assert_eq!(folded("⑴ №5"), ["1", "no5"]);
        assert_eq!(terms("Apurímac"), terms("APURIMAC"));
    }

    #[test]
    fn spanish_and_english_inflections_share_stems() {
        // Spanish plural and singular.
        let q = SearchQuery::parse("comunidad").unwrap_or_else(|e| panic!("{e}"));
        assert!(q.matches_word("comunidades"));
        // English inflections.
        let q = SearchQuery::parse("protest").unwrap_or_else(|e| panic!("{e}"));
        assert!(q.matches_word("protesters") || q.matches_word("protests"));
        assert!(q.matches_word("protests"));
        let q = SearchQuery::parse("mining").unwrap_or_else(|e| panic!("{e}"));
        assert!(q.matches_word("mines") || q.matches_word("mined"));
        assert!(!q.matches_word("water"));
    }

    #[test]
    fn queries_become_engine_expressions() {
        let q = SearchQuery::parse("Las comunidades, bamb*").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(q.terms.len(), 2, "`las` is a function word: {q:?}");
        let fts = q.fts5();
        assert!(fts.contains("\"bamb\"*"), "{fts}");
        assert!(fts.contains(" AND "), "{fts}");
        let ts = q.tsquery();
        assert!(ts.ends_with("bamb:*"), "{ts}");
        assert!(!ts.contains('"'));
    }

    #[test]
    fn empty_and_overlong_queries_are_refused() {
        assert_eq!(SearchQuery::parse(" ,;' "), Err(QueryError::Empty));
        assert_eq!(SearchQuery::parse("de la y"), Err(QueryError::Empty));
        let long = (0..20)
            .map(|i| format!("w{i}x"))
            .collect::<Vec<_>>()
            .join(" ");
        assert_eq!(
            SearchQuery::parse(&long),
            Err(QueryError::TooLong(MAX_QUERY_WORDS))
        );
    }

    #[test]
    fn query_syntax_cannot_reach_the_engines() {
        // Quotes, operators and parentheses are not words: they never reach MATCH.
        let q = SearchQuery::parse("\"x\" OR NEAR(a) -b ) AND ⑴ ⒜ ½*")
            .unwrap_or_else(|e| panic!("{e}"));
        for term in &q.terms {
            if let QueryTerm::Stems(stems) = term {
                assert!(stems.iter().all(|s| s.chars().all(char::is_alphanumeric)));
            }
            if let QueryTerm::Prefix(p) = term {
                assert!(p.chars().all(char::is_alphanumeric), "{p}");
            }
        }
    }

    #[test]
    fn highlights_mark_matches_and_escape_the_rest() {
        let q = SearchQuery::parse("bloqueo").unwrap_or_else(|e| panic!("{e}"));
        let h = highlight("Comuneros <b>anuncian</b> un bloqueo & paro", &q, 20)
            .unwrap_or_else(|| panic!("a match"));
        assert_eq!(
            h.snippet,
            "Comuneros &lt;b&gt;anuncian&lt;/b&gt; un <mark>bloqueo</mark> &amp; paro"
        );
        assert_eq!(h.matched, vec!["bloqueo".to_owned()]);
        assert!(highlight("nothing here", &q, 20).is_none());
    }

    #[test]
    fn long_texts_are_cut_around_the_matches() {
        let text = format!(
            "{} Alarcón spoke {}",
            "word ".repeat(50),
            "more ".repeat(50)
        );
        let q = SearchQuery::parse("alarcon").unwrap_or_else(|e| panic!("{e}"));
        let h = highlight(&text, &q, 10).unwrap_or_else(|| panic!("a match"));
        assert!(
            h.snippet.starts_with('…') && h.snippet.ends_with('…'),
            "{h:?}"
        );
        assert!(h.snippet.contains("<mark>Alarcón</mark>"));
        assert!(h.snippet.split_whitespace().count() <= 12);
    }
}
