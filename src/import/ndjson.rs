//! News items as NDJSON: one JSON object per line, read as a stream. A line that is not a
//! valid item is rejected with its number and the reason.
//!
//! ```json
//! {"title": "…", "date": "2017-06-11", "summary": "…", "url": "…",
//!  "cases": ["las-bambas", {"case": "toromocho", "updateKind": "BACKGROUND", "note": "…"}]}
//! ```
//! `title` and `date` are required. Each entry of `cases` records a confirmed link to the
//! case with that slug (`DEVELOPMENT` unless `updateKind` says otherwise).

use super::{Provenance, news_item};
use chasqui_domain::validate::{self, NewsFields, NewsText};
use chasqui_entities::{PartialDate, UpdateKind};
use chasqui_store::{ImportItem, ImportLink};
use serde::Deserialize;
use std::io::BufRead;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Item {
    title: String,
    date: PartialDate,
    summary: Option<String>,
    body: Option<String>,
    url: Option<String>,
    publisher: Option<String>,
    language: Option<String>,
    #[serde(default)]
    cases: Vec<CaseRef>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum CaseRef {
    Slug(String),
    Link(LinkSpec),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct LinkSpec {
    case: String,
    update_kind: Option<String>,
    note: Option<String>,
}

/// The most links one item may carry.
const MAX_LINKS: usize = 100;

fn link(index: usize, case: CaseRef) -> Result<ImportLink, String> {
    let (slug, update_kind, note) = match case {
        CaseRef::Slug(slug) => (slug, None, None),
        CaseRef::Link(spec) => (spec.case, spec.update_kind, spec.note),
    };
    let field = format!("cases[{index}]");
    let case_slug = validate::slug(&field, &slug).map_err(|e| e.to_string())?;
    let update_kind = match update_kind {
        None => UpdateKind::Development,
        Some(text) => UpdateKind::parse(&text).ok_or_else(|| {
            let known: Vec<&str> = UpdateKind::ALL.iter().map(|k| k.as_str()).collect();
            format!(
                "{field}.updateKind: `{text}` is not one of {}",
                known.join(", ")
            )
        })?,
    };
    let note = validate::text(
        &format!("{field}.note"),
        note.as_deref(),
        validate::MAX_TEXT,
    )
    .map_err(|e| e.to_string())?;
    Ok(ImportLink {
        case_slug,
        update_kind,
        note,
    })
}

/// Parses one line into an item; `Ok(None)` for a blank line.
pub(super) fn parse_line(
    line: &str,
    provenance: &Provenance,
) -> Result<Option<ImportItem>, String> {
    if line.trim().is_empty() {
        return Ok(None);
    }
    let item: Item = serde_json::from_str(line).map_err(|e| e.to_string())?;
    let fields = NewsFields::parse(
        "",
        NewsText {
            title: &item.title,
            summary: item.summary.as_deref(),
            body: item.body.as_deref(),
            url: item.url.as_deref(),
            publisher: item
                .publisher
                .as_deref()
                .or(provenance.publisher.as_deref()),
            language: item.language.as_deref().or(provenance.language.as_deref()),
        },
    )
    .map_err(|e| e.to_string())?;
    if item.cases.len() > MAX_LINKS {
        return Err(format!("cases: more than {MAX_LINKS} links"));
    }
    let links = item
        .cases
        .into_iter()
        .enumerate()
        .map(|(i, case)| link(i, case))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(ImportItem::new(news_item(fields, item.date), links)))
}

/// The items of an NDJSON stream with their line numbers, one line in memory at a time.
pub(super) struct NdjsonItems<'p, R> {
    lines: std::io::Lines<R>,
    number: usize,
    provenance: &'p Provenance,
    /// Set after a read error other than bad UTF-8: the stream cannot go on.
    failed: bool,
}

impl<'p, R: BufRead> NdjsonItems<'p, R> {
    pub(super) fn new(input: R, provenance: &'p Provenance) -> Self {
        Self {
            lines: input.lines(),
            number: 0,
            provenance,
            failed: false,
        }
    }
}

impl<R: BufRead> Iterator for NdjsonItems<'_, R> {
    type Item = (usize, Result<ImportItem, String>);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.failed {
                return None;
            }
            let line = self.lines.next()?;
            self.number += 1;
            let parsed = match line {
                Ok(line) => parse_line(&line, self.provenance),
                Err(e) => {
                    // Bad UTF-8 spoils one line; any other error ends the stream.
                    self.failed = e.kind() != std::io::ErrorKind::InvalidData;
                    Err(format!("unreadable line: {e}"))
                }
            };
            match parsed {
                Ok(None) => continue,
                Ok(Some(item)) => return Some((self.number, Ok(item))),
                Err(e) => return Some((self.number, Err(e))),
            }
        }
    }
}
