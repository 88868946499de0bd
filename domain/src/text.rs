//! Text folding: how chasqui reduces a text before comparing, matching or indexing it.
//!
//! Each function keeps the rule of the path that uses it (titles of news items, search
//! terms, suggestion names, boundary-file names, UBIGEO place names, location names).
//! They do not all fold the same characters: `fold` decomposes any Unicode letter, the
//! others fold the accents of [`fold_accent`]'s table only.

use unicode_normalization::UnicodeNormalization;

/// The letter without its accent (á → a, ñ → n).
pub fn fold_accent(c: char) -> char {
    match c {
        'á' | 'à' | 'â' | 'ä' | 'ã' => 'a',
        'é' | 'è' | 'ê' | 'ë' => 'e',
        'í' | 'ì' | 'î' | 'ï' => 'i',
        'ó' | 'ò' | 'ô' | 'ö' | 'õ' => 'o',
        'ú' | 'ù' | 'û' | 'ü' => 'u',
        'ñ' => 'n',
        'ç' => 'c',
        other => other,
    }
}

/// A title reduced to what identifies it: lower case, letters and digits only, accents
/// folded ("Alarcón" and "Alarcon" are one).
pub fn normalise_title(title: &str) -> String {
    title
        .chars()
        .flat_map(char::to_lowercase)
        .map(fold_accent)
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// Lower case with diacritics removed: "Ñaña" → "nana". The fold of search terms.
pub fn fold(word: &str) -> String {
    if word.is_ascii() {
        return word.to_ascii_lowercase();
    }
    word.nfd()
        .filter(|c| !('\u{0300}'..='\u{036f}').contains(c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Lower case, accents folded, hyphens and apostrophes joined ("Inter-Oceanic" →
/// "interoceanic"), every other non-alphanumeric a space, spaces collapsed, and a space
/// at each end so that a name matches only whole words. The fold of link suggestion.
pub fn normalise_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push(' ');
    for c in text.chars().flat_map(char::to_lowercase) {
        let c = fold_accent(c);
        if c.is_alphanumeric() {
            out.push(c);
        } else if c == '-' || c == '\'' || c == '’' {
            continue;
        } else if !out.ends_with(' ') {
            out.push(' ');
        }
    }
    if !out.ends_with(' ') {
        out.push(' ');
    }
    out
}

/// Upper case without accents: how the boundary files write names.
pub fn normalise_name(name: &str) -> String {
    name.trim()
        .to_lowercase()
        .chars()
        .map(fold_accent)
        .collect::<String>()
        .to_uppercase()
}

/// A place name reduced for matching: lower case, accents folded, words of letters and
/// digits only.
pub fn fold_place_name(name: &str) -> String {
    name.split(|c: char| c.is_whitespace() || c == '-')
        .map(|w| {
            w.chars()
                .flat_map(char::to_lowercase)
                .map(fold_accent)
                .filter(|c| c.is_alphanumeric())
                .collect::<String>()
        })
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A name folded for comparison: lower case, accents and punctuation aside.
pub fn fold_name(name: &str) -> String {
    name.split_whitespace()
        .map(|w| {
            w.chars()
                .flat_map(char::to_lowercase)
                .map(fold_accent)
                .filter(|c| c.is_alphanumeric())
                .collect::<String>()
        })
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_match_whatever_the_accents_case_and_spacing() {
        assert_eq!(
            normalise_title("Alarcón versus  Thorne"),
            normalise_title("alarcon versus thorne")
        );
        assert_ne!(
            normalise_title("Milk storm"),
            normalise_title("Milk freshener")
        );
    }
}
