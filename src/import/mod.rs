//! Importers: files of news items read into the database, idempotently, with a report of
//! what each entry became. One file is one batch, and one batch is one transaction.

mod csv_news;
mod feeds;
pub mod listing;
pub use csv_news::parse_mapping;
mod ndjson;

use chasqui_entities::Visibility;
use chasqui_schema::store::{Author, ImportOutcome, NewNewsItem, Store, StoreError};
use chasqui_schema::validate;
use listing::ListingEntry;
use std::fmt;
use std::path::{Path, PathBuf};

/// The formats `chasqui import` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Plain-text captures of a news listing (bullets, dates, titles, summaries).
    Listing,
    /// A whole-database dump written by `chasqui export`, loaded into an empty database.
    Dump,
    /// RSS 2.0 or Atom feeds.
    Feed,
    /// One JSON news item per line: `{"title", "date", "summary", "body", "url",
    /// "publisher", "language"}` (title and date required).
    Ndjson,
    /// News items as CSV with a header row (`--map` renames columns).
    Csv,
}

impl Format {
    /// The format of a file, from its name and first bytes; `None` when unknown.
    pub fn detect(path: &Path, text: &str) -> Option<Format> {
        let first = text.lines().next().unwrap_or_default();
        let is_dump_line = serde_json::from_str::<serde_json::Value>(first)
            .is_ok_and(|v| v.get("table").is_some() && v.get("row").is_some());
        if is_dump_line {
            return Some(Format::Dump);
        }
        if serde_json::from_str::<serde_json::Value>(first).is_ok_and(|v| v.get("title").is_some())
        {
            return Some(Format::Ndjson);
        }
        if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
        {
            return Some(Format::Csv);
        }
        let head: String = text.chars().take(500).collect();
        if head.contains("<rss") || head.contains("<feed") {
            return Some(Format::Feed);
        }
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or_default();
        let looks_like_listing = text
            .lines()
            .take(20)
            .any(|l| l.trim_start().starts_with('•'));
        (matches!(extension, "txt" | "") && looks_like_listing).then_some(Format::Listing)
    }
}

/// Who publishes the items of a file, and in which language, when the file does not say.
#[derive(Clone, Debug)]
pub struct Provenance {
    pub publisher: Option<String>,
    pub language: Option<String>,
    /// For CSV: which header holds each field (`title` → `Titular`).
    pub columns: std::collections::HashMap<String, String>,
}

/// What an import did with one file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileReport {
    pub file: PathBuf,
    pub new: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Entries that are not news (notices, topic pages), with their line and what they are.
    pub skipped: Vec<(usize, String)>,
    /// Entries that could not be imported, with their line and why.
    pub rejected: Vec<(usize, String)>,
}

impl fmt::Display for FileReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = self.file.display();
        writeln!(
            f,
            "{file}: {} new, {} updated, {} unchanged, {} not news, {} rejected",
            self.new,
            self.updated,
            self.unchanged,
            self.skipped.len(),
            self.rejected.len()
        )?;
        for (line, what) in &self.skipped {
            writeln!(f, "  {file}:{line}: not news: {what}")?;
        }
        for (line, why) in &self.rejected {
            writeln!(f, "  {file}:{line}: rejected: {why}")?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{file}: {source}")]
    Read {
        file: String,
        source: std::io::Error,
    },
    #[error("{0}: unknown format; name it with --format")]
    UnknownFormat(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Imports one file in one transaction.
pub async fn import_file(
    store: &Store,
    author: &Author,
    path: &Path,
    format: Option<Format>,
    provenance: &Provenance,
) -> Result<FileReport, ImportError> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| ImportError::Read {
        file: name.clone(),
        source,
    })?;
    let format = format
        .or_else(|| Format::detect(path, &text))
        .ok_or(ImportError::UnknownFormat(name))?;
    let mut report = FileReport {
        file: path.to_owned(),
        ..Default::default()
    };
    let mut items = Vec::new();
    match format {
        Format::Dump => {
            report.new = store.load_dump(text.as_bytes()).await?;
        }
        Format::Feed => feeds::read_feed(&text, provenance, &mut items, &mut report),
        Format::Ndjson => ndjson::read_ndjson(&text, provenance, &mut items, &mut report),
        Format::Csv => csv_news::read_csv(
            &text,
            &provenance.columns,
            provenance,
            &mut items,
            &mut report,
        ),
        Format::Listing => {
            for entry in listing::parse_listing(&text) {
                match entry {
                    ListingEntry::News(news) => {
                        let title = validate::name("title", &news.title);
                        let summary =
                            validate::text("summary", news.summary.as_deref(), validate::MAX_TEXT);
                        match (title, summary) {
                            (Ok(title), Ok(summary)) => items.push(NewNewsItem {
                                title,
                                published_on: news.date,
                                summary,
                                body: None,
                                url: None,
                                publisher: provenance.publisher.clone(),
                                language: provenance.language.clone(),
                                visibility: Visibility::Public,
                            }),
                            (Err(e), _) | (_, Err(e)) => {
                                report.rejected.push((news.line, e.to_string()))
                            }
                        }
                    }
                    ListingEntry::Notice { line, title } => report
                        .skipped
                        .push((line, format!("featured notice `{title}`"))),
                    ListingEntry::TopicPage { line, title } => {
                        report.skipped.push((line, format!("topic page `{title}`")))
                    }
                    ListingEntry::Rejected { line, reason } => report.rejected.push((line, reason)),
                }
            }
        }
    }
    for outcome in store.import_news_items(author, items).await? {
        match outcome {
            ImportOutcome::New => report.new += 1,
            ImportOutcome::Updated => report.updated += 1,
            ImportOutcome::Unchanged => report.unchanged += 1,
        }
    }
    Ok(report)
}
