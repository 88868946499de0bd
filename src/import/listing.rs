//! The news-listing capture format: plain-text captures of a news page, where each entry
//! is a bullet (`•`, sometimes followed by `. `), a date ("18 February 2017") and a title in
//! either order, then a one-paragraph summary. A "Featured Notices" heading starts entries
//! that are notices, not news; bullets without a date are topic pages. Nothing is dropped
//! in silence: every bullet comes back as news, a notice, a topic page or a rejection with
//! its line number.

use chasqui_entities::PartialDate;
use chrono::NaiveDate;

/// A news entry of the listing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListedNews {
    /// The 1-based line of the entry's bullet.
    pub line: usize,
    pub date: PartialDate,
    pub title: String,
    pub summary: Option<String>,
}

/// What one bullet of a listing is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ListingEntry {
    News(ListedNews),
    /// A dated entry under "Featured Notices": an announcement, not news.
    Notice {
        line: usize,
        title: String,
    },
    /// An undated entry: a standing page of the site ("Historical Overview").
    TopicPage {
        line: usize,
        title: String,
    },
    /// A bullet that could not be read, and why.
    Rejected {
        line: usize,
        reason: String,
    },
}

/// A bullet that starts an entry: at most two spaces in, then `•`.
fn bullet_head(line: &str) -> Option<&str> {
    let indent = line.len() - line.trim_start().len();
    let rest = line.trim_start().strip_prefix('•')?;
    if indent > 2 {
        return None;
    }
    let rest = rest.trim();
    Some(rest.strip_prefix(". ").unwrap_or(rest).trim())
}

/// A section heading: text at the left margin that is not a bullet.
fn heading(line: &str) -> Option<&str> {
    let starts_at_margin = line.chars().next().is_some_and(|c| !c.is_whitespace());
    (starts_at_margin && !line.starts_with('•')).then(|| line.trim())
}

/// "18 February 2017", "01 July 2017".
fn listing_date(text: &str) -> Option<PartialDate> {
    NaiveDate::parse_from_str(text.trim(), "%d %B %Y")
        .ok()
        .map(PartialDate::day)
}

/// Collapses runs of white space (non-breaking spaces included) into one space.
fn tidy(text: &str) -> String {
    text.split(|c: char| c.is_whitespace() || c == '\u{a0}')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Reads a listing. Every bullet becomes exactly one entry.
pub fn parse_listing(text: &str) -> Vec<ListingEntry> {
    let mut entries = Vec::new();
    let mut in_notices = false;
    let mut current: Option<(usize, String, Vec<String>, bool)> = None;
    let finish = |current: &mut Option<(usize, String, Vec<String>, bool)>,
                  entries: &mut Vec<ListingEntry>| {
        if let Some((line, head, body, notice)) = current.take() {
            entries.push(classify(line, &head, &body, notice));
        }
    };
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        if let Some(head) = bullet_head(line) {
            finish(&mut current, &mut entries);
            current = Some((number, tidy(head), Vec::new(), in_notices));
        } else if let Some(title) = heading(line) {
            finish(&mut current, &mut entries);
            in_notices = title.eq_ignore_ascii_case("Featured Notices");
        } else if let Some((_, _, body, _)) = current.as_mut() {
            let text = tidy(line);
            if !text.is_empty() {
                body.push(text);
            }
        }
    }
    finish(&mut current, &mut entries);
    entries
}

fn classify(line: usize, head: &str, body: &[String], notice: bool) -> ListingEntry {
    let (date, title, rest) = match (listing_date(head), body.first()) {
        (Some(date), Some(title)) => (Some(date), title.clone(), &body[1..]),
        (Some(_), None) => {
            return ListingEntry::Rejected {
                line,
                reason: "a date with no title after it".to_owned(),
            };
        }
        (None, _) if head.is_empty() => {
            return ListingEntry::Rejected {
                line,
                reason: "an empty bullet".to_owned(),
            };
        }
        (None, Some(second)) => match listing_date(second) {
            Some(date) => (Some(date), head.to_owned(), &body[1..]),
            None => (None, head.to_owned(), body),
        },
        (None, None) => (None, head.to_owned(), body),
    };
    match date {
        None => ListingEntry::TopicPage { line, title },
        Some(_) if notice => ListingEntry::Notice { line, title },
        Some(date) => {
            let summary = (!rest.is_empty()).then(|| rest.join(" "));
            ListingEntry::News(ListedNews {
                line,
                date,
                title,
                summary,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed(name: &str) -> String {
        let path = format!("{}/../shared/seeds/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn news(entries: &[ListingEntry]) -> Vec<(String, String)> {
        entries
            .iter()
            .filter_map(|e| match e {
                ListingEntry::News(n) => Some((n.date.to_string(), n.title.clone())),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn february_listing_date_first() {
        let entries = parse_listing(&seed("000_36238466d250a328.txt"));
        let items = news(&entries);
        assert_eq!(items.len(), 8, "{items:?}");
        assert!(items.contains(&(
            "2017-02-11".into(),
            "The ABC of exercising influence".into()
        )));
        assert!(
            items.contains(&(
                "2017-02-18".into(),
                "Chinese mining standards come under scrutiny".into()
            )),
            "the `. ` bullets too"
        );
        let notices = entries
            .iter()
            .filter(|e| matches!(e, ListingEntry::Notice { .. }))
            .count();
        let topics = entries
            .iter()
            .filter(|e| matches!(e, ListingEntry::TopicPage { .. }))
            .count();
        assert_eq!((notices, topics), (4, 4), "{entries:#?}");
        assert!(
            entries
                .iter()
                .all(|e| !matches!(e, ListingEntry::Rejected { .. }))
        );
        let ListingEntry::News(first) = &entries[0] else {
            panic!("the first entry is news")
        };
        assert_eq!(first.line, 1);
        assert!(
            first
                .summary
                .as_deref()
                .is_some_and(|s| s.starts_with("Much in the news"))
        );
    }

    #[test]
    fn july_listing_title_first() {
        let entries = parse_listing(&seed("001_96342470086a3a6d.txt"));
        let items = news(&entries);
        assert_eq!(items.len(), 10, "{items:?}");
        assert!(items.contains(&("2017-06-11".into(), "Milk storm".into())));
        assert!(items.contains(&(
            "2017-07-01".into(),
            "Las Malvinas fire: a case of modern-day slavery".into()
        )));
        let topics: Vec<&str> = entries
            .iter()
            .filter_map(|e| match e {
                ListingEntry::TopicPage { title, .. } => Some(title.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(
            topics,
            [
                "PSG Aims",
                "Historical Overview",
                "Human Rights",
                "Why join the PSG?"
            ]
        );
    }

    #[test]
    fn broken_bullets_are_rejected_with_their_line() {
        let entries = parse_listing("• 18 February 2017\n\n• \n  • Title only\n");
        assert_eq!(
            entries[0],
            ListingEntry::Rejected {
                line: 1,
                reason: "a date with no title after it".into()
            }
        );
        assert_eq!(
            entries[1],
            ListingEntry::Rejected {
                line: 3,
                reason: "an empty bullet".into()
            }
        );
        assert_eq!(
            entries[2],
            ListingEntry::TopicPage {
                line: 4,
                title: "Title only".into()
            }
        );
    }
}
