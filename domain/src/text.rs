//! Text folding: how chasqui reduces a text before comparing, matching or indexing it.
//!
//! There is one fold, [`fold`], applied character by character, and a few *shapes* of
//! its output that callers need. Every shape starts from the fold, so two texts that one
//! path takes for the same name every other path does too.
//!
//! The fold of a character:
//! 1. apostrophe look-alikes (`’ ‘ ‛ ´ ′ ʹ ʻ ʼ ʽ`) become `'`: Quechua and Aymara names
//!    are written "Q'eros", "Qʼeros" and "Q’eros", and a Spanish keyboard types "Q´eros";
//! 2. compatibility decomposition (NFKD): full-width and ligature forms become their
//!    plain letters ("Ｑ" → "Q", "ﬁ" → "fi", "ǅ" → "Dž"), a no-break space a space;
//! 3. every non-spacing mark (general category Mn, whatever its block) and every
//!    invisible format character (Cf: soft hyphen, zero-width space and joiners, byte
//!    order mark, direction marks) is dropped;
//! 4. lower case by the full Unicode mapping ("İ" → "i" once its dot is dropped);
//! 5. the letters that have no decomposition but are read as a base letter in names:
//!    ø → o, ł → l, đ and ð → d, ħ → h, ŧ → t, ƀ → b, ı → i, ȷ → j, ß → ss, æ → ae,
//!    œ → oe, þ → th, and the final sigma ς → σ.
//!
//! Everything else is kept: digits, punctuation (a hyphen stays a hyphen, an en dash an
//! en dash), and letters of other scripts. ASCII text only loses its capitals.
//!
//! The shapes: [`fold_key`] (letters and digits only: titles, vocabulary), [`fold_words`]
//! (words of letters and digits: places and names), [`suggestion_text`] (the text link
//! suggestion matches in) and [`fold_upper`] (how the boundary files write names).
//! A search word is the letters and digits of the fold of a run of characters (see
//! `search::words`, which keeps the byte ranges of the words to highlight them).

use unicode_normalization::char::decompose_compatible;
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// A text folded: see the module documentation. "Ñaña Pérez" → "nana perez".
pub fn fold(text: &str) -> String {
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        push_folded(&mut out, c);
    }
    out
}

/// The fold of one character, appended to `out`: none, one or a few characters. The
/// rule of the whole module; [`fold`] applies it to every character of a text.
pub fn push_folded(out: &mut String, c: char) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
        return;
    }
    if is_apostrophe(c) {
        out.push('\'');
        return;
    }
    decompose_compatible(c, |d| {
        if is_dropped(d) {
            return;
        }
        for lower in d.to_lowercase() {
            if is_dropped(lower) {
                continue;
            }
            match base_letters(lower) {
                Some(base) => out.push_str(base),
                None => out.push(lower),
            }
        }
    });
}

/// Characters written for an apostrophe; the fold writes each as `'`.
fn is_apostrophe(c: char) -> bool {
    matches!(
        c,
        '\u{2019}' // ’ right single quotation mark
            | '\u{2018}' // ‘ left single quotation mark
            | '\u{201B}' // ‛ reversed quotation mark
            | '\u{00B4}' // ´ acute accent, typed for an apostrophe
            | '\u{2032}' // ′ prime
            | '\u{02B9}' // ʹ modifier letter prime
            | '\u{02BB}' // ʻ modifier letter turned comma
            | '\u{02BC}' // ʼ modifier letter apostrophe (Quechua and Aymara ejectives)
            | '\u{02BD}' // ʽ modifier letter reversed comma
    )
}

/// Whether the fold drops the character: a non-spacing mark or an invisible format
/// character.
fn is_dropped(c: char) -> bool {
    matches!(
        c.general_category(),
        GeneralCategory::NonspacingMark | GeneralCategory::Format
    )
}

/// The base letters of a lower-case letter that has no decomposition but is read as
/// them in names.
fn base_letters(c: char) -> Option<&'static str> {
    Some(match c {
        'ø' => "o",
        'ł' => "l",
        'đ' | 'ð' => "d",
        'ħ' => "h",
        'ŧ' => "t",
        'ƀ' => "b",
        'ı' => "i",
        'ȷ' => "j",
        'ß' => "ss",
        'æ' => "ae",
        'œ' => "oe",
        'þ' => "th",
        'ς' => "σ",
        _ => return None,
    })
}

/// Whether a folded character separates the words of [`fold_words`]: white space, a
/// dash of any kind ("Ayacucho-Huamanga", "Ayacucho–Huamanga") or a comma.
fn separates_words(c: char) -> bool {
    c.is_whitespace() || c == ',' || c.general_category() == GeneralCategory::DashPunctuation
}

/// Whether a folded character is a hyphen or an apostrophe, which join the parts of a
/// word in [`suggestion_text`] ("Inter-Oceanic", "Q'eros"). Other dashes separate.
fn joins_word(c: char) -> bool {
    matches!(c, '-' | '\'' | '\u{2010}')
}

/// The comparison key of a text: its fold with letters and digits only. "Alarcón
/// versus  Thorne" and "alarcon versus thorne" have one key.
pub fn fold_key(text: &str) -> String {
    fold(text).chars().filter(|c| c.is_alphanumeric()).collect()
}

/// The words of a text folded, each of letters and digits only, one space between
/// them: a place or a person's name for comparison. Words are separated by
/// white space, dashes and commas; other punctuation is dropped ("S.A." → "sa",
/// "Q'eros" → "qeros").
pub fn fold_words(text: &str) -> String {
    fold(text)
        .split(separates_words)
        .map(|word| {
            word.chars()
                .filter(|c| c.is_alphanumeric())
                .collect::<String>()
        })
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The text link suggestion matches names in: folded, hyphens and apostrophes joined
/// ("Inter-Oceanic" → "interoceanic"), every other character that is not a letter or a
/// digit a space, spaces collapsed, and a space at each end so that a name matches
/// only whole words.
pub fn suggestion_text(text: &str) -> String {
    let folded = fold(text);
    let mut out = String::with_capacity(folded.len() + 2);
    out.push(' ');
    for c in folded.chars() {
        if c.is_alphanumeric() {
            out.push(c);
        } else if joins_word(c) {
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

/// A name as the boundary files write it: folded, trimmed, in upper case
/// ("Apurímac" → "APURIMAC").
pub fn fold_upper(name: &str) -> String {
    fold(name).trim().to_uppercase()
}

/// A title's key: [`fold_key`]. The store compares and indexes news titles by it.
pub fn normalise_title(title: &str) -> String {
    fold_key(title)
}

/// A location's name for comparison with its siblings': [`fold_words`].
pub fn fold_name(name: &str) -> String {
    fold_words(name)
}

/// How much of its spelling a name keeps, as (accents or other letters a fold changes
/// beyond case, lower-case letters): "Apurímac" (true, true) keeps more than "APURÍMAC"
/// (true, false), which keeps more than "Apurimac" (false, true) and "APURIMAC"
/// (false, false). Boundary files and code tables write names upper case without
/// accents; people and registers write them as they are spelled.
pub fn spelling_detail(name: &str) -> (bool, bool) {
    let marked = name
        .chars()
        .filter(|c| c.is_alphabetic() && !c.is_ascii())
        .any(|c| {
            let mut folded = String::new();
            push_folded(&mut folded, c);
            !c.to_lowercase().eq(folded.chars())
        });
    let lower = name.chars().any(char::is_lowercase);
    (marked, lower)
}

/// Whether `candidate` is the name `current` spells ([`fold_name`] alike) with more of
/// its spelling ([`spelling_detail`]): "Apurímac" over "APURIMAC", "Challhuahuacho"
/// over "CHALLHUAHUACHO", never the other way round. A different name is never a better
/// spelling.
pub fn better_spelling(candidate: &str, current: &str) -> bool {
    fold_name(candidate) == fold_name(current)
        && spelling_detail(candidate) > spelling_detail(current)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tricky inputs, each with its fold.
    const FOLDS: &[(&str, &str)] = &[
        ("Ñaña", "nana"),
        ("Apurímac", "apurimac"),
        ("APURÍMAC", "apurimac"),
        ("Challhuahuacho", "challhuahuacho"),
        ("Q'eros", "q'eros"),
        ("Qʼeros", "q'eros"),
        ("Q’eros", "q'eros"),
        ("Q´eros", "q'eros"),
        ("Ayacucho–Huamanga", "ayacucho–huamanga"),
        ("ǅemal", "dzemal"),
        ("Ｃｕｓｃｏ", "cusco"),
        ("Ørsted", "orsted"),
        ("İlave", "ilave"),
        ("Puno\u{a0}Juliaca", "puno juliaca"),
        ("Alarco\u{301}n", "alarcon"),              // decomposed accent
        ("Chall\u{ad}huahuacho", "challhuahuacho"), // soft hyphen
        ("\u{feff}caso", "caso"),                   // byte order mark
        ("Łódź", "lodz"),
        ("Straße", "strasse"),
        ("Æsir Œuvre", "aesir oeuvre"),
        ("ǎşţ", "ast"),
        ("ﬁnal", "final"),
        ("Mañazo 2ª", "manazo 2a"),
        ("ΟΔΟΣ οδος", "οδοσ οδοσ"),
    ];

    #[test]
    fn the_fold_of_tricky_names() {
        for (text, folded) in FOLDS {
            assert_eq!(fold(text), *folded, "fold({text:?})");
        }
    }

    #[test]
    fn every_shape_agrees_with_the_fold() {
        for (text, folded) in FOLDS {
            let key: String = folded.chars().filter(|c| c.is_alphanumeric()).collect();
            assert_eq!(fold_key(text), key, "fold_key({text:?})");
            // The words hold the key's characters, in order, and nothing else.
            let words = fold_words(text);
            assert_eq!(words.replace(' ', ""), key, "fold_words({text:?})");
            assert!(!words.starts_with(' ') && !words.ends_with(' ') && !words.contains("  "));
            // So does the suggestion text, between a space at each end.
            let suggested = suggestion_text(text);
            assert_eq!(suggested.replace(' ', ""), key, "suggestion_text({text:?})");
            assert!(suggested.starts_with(' ') && suggested.ends_with(' '));
            assert!(!suggested.contains("  "));
            assert_eq!(fold_upper(text), folded.trim().to_uppercase());
            // The shapes are stable: folding a shape again changes nothing.
            assert_eq!(fold_key(&key), key);
            assert_eq!(fold_words(&words), words);
            assert_eq!(fold(&fold_upper(text)), fold(folded).trim());
        }
    }

    #[test]
    fn words_split_at_spaces_and_dashes_and_join_across_apostrophes() {
        assert_eq!(fold_words("Ayacucho–Huamanga"), "ayacucho huamanga");
        assert_eq!(fold_words("Ayacucho-Huamanga"), "ayacucho huamanga");
        assert_eq!(fold_words("Ayacucho — Huamanga"), "ayacucho huamanga");
        assert_eq!(fold_words("Qʼeros"), fold_words("Q'eros"));
        assert_eq!(fold_words("Q'eros"), "qeros");
        assert_eq!(fold_words("Puno\u{a0}\u{a0}Juliaca "), "puno juliaca");
        assert_eq!(fold_words("Minera X, S.A."), "minera x sa");
        assert_eq!(fold_words(" - "), "");
    }

    #[test]
    fn suggestion_text_joins_hyphens_and_apostrophes_and_splits_at_dashes() {
        assert_eq!(suggestion_text("Inter-Oceanic"), " interoceanic ");
        assert_eq!(suggestion_text("Q'eros"), suggestion_text("Qʼeros"));
        assert_eq!(suggestion_text("Q’eros"), " qeros ");
        assert_eq!(suggestion_text("Ayacucho–Huamanga"), " ayacucho huamanga ");
        assert_eq!(suggestion_text(""), " ");
    }

    #[test]
    fn the_boundary_files_form_is_upper_case_without_accents() {
        assert_eq!(fold_upper(" Apurímac "), "APURIMAC");
        assert_eq!(fold_upper("Madre de Dios"), "MADRE DE DIOS");
        assert_eq!(fold_upper("Áncash"), "ANCASH");
    }

    /// What the hand table of accents folded before there was one fold: plain Spanish
    /// (and French and Portuguese accents) fold as they did.
    #[test]
    fn plain_spanish_folds_as_before() {
        let accents = [
            ("áàâäã", "aaaaa"),
            ("éèêë", "eeee"),
            ("íìîï", "iiii"),
            ("óòôöõ", "ooooo"),
            ("úùûü", "uuuu"),
            ("ñç", "nc"),
        ];
        for (accented, plain) in accents {
            assert_eq!(fold(accented), plain);
            assert_eq!(fold(&accented.to_uppercase()), plain);
        }
        assert_eq!(
            normalise_title("Alarcón versus  Thorne"),
            normalise_title("alarcon versus thorne")
        );
        assert_eq!(normalise_title("¿Qué pasó en Ñuñoa?"), "quepasoennunoa");
        assert_ne!(
            normalise_title("Milk storm"),
            normalise_title("Milk freshener")
        );
        assert_eq!(
            fold_name("  San  Juan de Lurigancho "),
            "san juan de lurigancho"
        );
        assert_eq!(fold_words("Conflicto no iniciado"), "conflicto no iniciado");
        assert_eq!(
            fold_words("Demarcación territorial"),
            "demarcacion territorial"
        );
        assert_eq!(
            suggestion_text("¡Comuneros de Challhuahuacho, en paro!"),
            " comuneros de challhuahuacho en paro "
        );
        assert_eq!(fold("Ñaña Pérez"), "nana perez");
        // ASCII is only lower-cased, punctuation kept.
        assert_eq!(fold("Las Bambas-2 (Cusco)"), "las bambas-2 (cusco)");
    }

    #[test]
    fn a_better_spelling_is_the_same_name_with_accents_or_case() {
        assert!(better_spelling("Apurímac", "APURIMAC"));
        assert!(better_spelling("Challhuahuacho", "CHALLHUAHUACHO"));
        assert!(better_spelling("APURÍMAC", "Apurimac"));
        assert!(better_spelling("Ñuñoa", "NUNOA"));
        assert!(!better_spelling("APURIMAC", "Apurímac"));
        assert!(!better_spelling("Apurimac", "Apurímac"));
        assert!(!better_spelling("Apurímac", "Apurímac"));
        assert!(!better_spelling("Abancay", "APURIMAC"), "another name");
        assert_eq!(spelling_detail("CHALLHUAHUACHO"), (false, false));
        assert_eq!(spelling_detail("Asunción"), (true, true));
        // Letters a fold keeps, in other scripts, are no accents.
        assert_eq!(spelling_detail("ЛИМА"), (false, false));
    }
}
