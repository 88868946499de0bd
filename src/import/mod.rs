//! Importers: files of news items read into the database, idempotently, with a report of
//! what each entry became. One file is one transaction, sent to the store in batches;
//! NDJSON and CSV are read as streams.

pub mod case_table;
mod csv_news;
mod feeds;
pub mod listing;
pub use csv_news::parse_mapping;
mod ndjson;
pub mod records;
pub mod ubigeo;
pub use records::{RecordKind, parse_record_mapping};
pub mod places;

use chasqui_domain::validate::{Language, NewsFields, NewsText, Publisher};
use chasqui_entities::{PartialDate, SourceKind, Visibility};
use chasqui_store::{
    AbsentCase, Author, ImportItem, ImportOutcome, ItemOutcome, NewNewsItem, NewSource, NewsImport,
    RecordOutcome, Store, StoreError,
};
use listing::ListingEntry;
use std::fmt;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

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
    /// News items as CSV with a header row (`--map` renames columns); with `--kind`,
    /// records of that kind.
    Csv,
    /// Cases, actors, events and links: NDJSON with a `"type"` per line, or a JSON array.
    Records,
    /// A case table of conflicts (`caso`, `departamento`, `provincia`, `distrito`,
    /// `empresa`, `estado`, `fase`…), one case per row.
    CaseTable,
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
        if records::looks_like_records(text) {
            return Some(Format::Records);
        }
        if case_table::is_case_table_header(first) {
            return Some(Format::CaseTable);
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
    /// News→case links recorded (confirmed), for items that name their cases.
    pub links: usize,
    /// Entries that are not news (notices, topic pages), with their line and what they are.
    pub skipped: Vec<(usize, String)>,
    /// Entries that could not be imported, with their line and why.
    pub rejected: Vec<(usize, String)>,
    /// For a case table: the month it describes (its register's), when known.
    pub as_of: Option<PartialDate>,
    /// For a case table: the cases that the registers before it list and it does not (no
    /// status is recorded for them).
    pub absent: Vec<AbsentCase>,
}

impl fmt::Display for FileReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = self.file.display();
        writeln!(
            f,
            "{file}: {} new, {} updated, {} unchanged, {} links, {} not news, {} rejected",
            self.new,
            self.updated,
            self.unchanged,
            self.links,
            self.skipped.len(),
            self.rejected.len()
        )?;
        for (line, what) in &self.skipped {
            writeln!(f, "  {file}:{line}: not news: {what}")?;
        }
        for (line, why) in &self.rejected {
            writeln!(f, "  {file}:{line}: rejected: {why}")?;
        }
        if let Some(month) = self.as_of {
            let absent = match self.absent.len() {
                1 => "1 case".to_owned(),
                n => format!("{n} cases"),
            };
            writeln!(
                f,
                "  {file}: register of {month}; {absent} of earlier registers absent"
            )?;
        }
        for absent in &self.absent {
            let listed = absent
                .last_listed
                .map(|m| format!("last listed {m}"))
                .unwrap_or_else(|| "listed before".to_owned());
            writeln!(
                f,
                "  {file}: absent: `{}` ({}), {listed} as {}; no status recorded",
                absent.slug, absent.title, absent.last_status
            )?;
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
    #[error("{0}: --as-of names the month of a case table (a register); this file is not one")]
    AsOfNotRegister(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Items sent to the store at a time: big enough that each batch's handful of
/// statements is cheap per item, small enough to keep memory flat.
const BATCH: usize = 2_000;

/// Items on their way to the store, sent in batches to one import transaction.
struct Batches<'a> {
    import: NewsImport<'a>,
    pending: Vec<(usize, ImportItem)>,
}

impl<'a> Batches<'a> {
    async fn start(store: &Store, author: &'a Author) -> Result<Self, ImportError> {
        Ok(Self {
            import: store.begin_news_import(author).await?,
            pending: Vec::with_capacity(BATCH),
        })
    }

    async fn push(
        &mut self,
        line: usize,
        item: ImportItem,
        report: &mut FileReport,
    ) -> Result<(), ImportError> {
        self.pending.push((line, item));
        if self.pending.len() >= BATCH {
            self.flush(report).await?;
        }
        Ok(())
    }

    async fn flush(&mut self, report: &mut FileReport) -> Result<(), ImportError> {
        let batch = std::mem::take(&mut self.pending);
        let lines: Vec<usize> = batch.iter().map(|(line, _)| *line).collect();
        let outcomes = self
            .import
            .add(batch.into_iter().map(|(_, item)| item).collect())
            .await?;
        for (line, outcome) in lines.into_iter().zip(outcomes) {
            match outcome {
                ItemOutcome::Imported { outcome, new_links } => {
                    report.links += new_links;
                    match outcome {
                        ImportOutcome::New => report.new += 1,
                        ImportOutcome::Updated => report.updated += 1,
                        ImportOutcome::Unchanged => report.unchanged += 1,
                    }
                }
                ItemOutcome::Rejected(why) => report.rejected.push((line, why)),
            }
        }
        Ok(())
    }

    async fn finish(mut self, report: &mut FileReport) -> Result<(), ImportError> {
        self.flush(report).await?;
        self.import.commit().await?;
        Ok(())
    }
}

/// Parsed lines, a chunk at a time: (line number, item or why it was rejected).
type Parsed = Vec<(usize, Result<ImportItem, String>)>;

/// Lines handed from the reading thread to the store at a time.
const PARSED_CHUNK: usize = 500;

/// Runs `read` on a thread of its own, which parses the file and prepares each item
/// (title key, search terms) while the store writes the previous batch: reading and
/// writing each get a core. At most a few chunks wait in the channel, so memory stays
/// flat; when the receiver goes away (the import failed), the thread stops at its next
/// chunk.
fn read_on_thread(
    read: impl FnOnce(&tokio::sync::mpsc::Sender<Parsed>) + Send + 'static,
) -> (
    tokio::sync::mpsc::Receiver<Parsed>,
    std::thread::JoinHandle<()>,
) {
    let (send, receive) = tokio::sync::mpsc::channel(4);
    let thread = std::thread::spawn(move || read(&send));
    (receive, thread)
}

/// Sends the items of `items` in chunks; stops early when the receiver is gone.
fn send_all(
    items: impl Iterator<Item = (usize, Result<ImportItem, String>)>,
    send: &tokio::sync::mpsc::Sender<Parsed>,
) {
    let mut chunk = Vec::with_capacity(PARSED_CHUNK);
    for item in items {
        chunk.push(item);
        if chunk.len() == PARSED_CHUNK {
            let full = std::mem::replace(&mut chunk, Vec::with_capacity(PARSED_CHUNK));
            if send.blocking_send(full).is_err() {
                return;
            }
        }
    }
    if !chunk.is_empty() {
        // The receiver being gone means the import failed; it reports why.
        let _ = send.blocking_send(chunk);
    }
}

/// A reader that counts the bytes read through it, for the progress bar.
struct Counted<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Imports one file in one transaction, reading NDJSON and CSV as streams (memory stays
/// flat however long the file). `progress` is told the bytes read so far, after each batch.
pub async fn import_file(
    store: &Store,
    author: &Author,
    path: &Path,
    format: Option<Format>,
    provenance: &Provenance,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<FileReport, ImportError> {
    import_file_of_kind(store, author, path, format, provenance, None, progress).await
}

/// Imports one file in one transaction; `kind` says what the rows of a CSV file are
/// (news items when `None`).
pub async fn import_file_of_kind(
    store: &Store,
    author: &Author,
    path: &Path,
    format: Option<Format>,
    provenance: &Provenance,
    kind: Option<RecordKind>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<FileReport, ImportError> {
    let options = RecordOptions { kind, as_of: None };
    import_file_with(store, author, path, format, provenance, &options, progress).await
}

/// What the records of a file are, when the file does not say.
#[derive(Clone, Copy, Debug, Default)]
pub struct RecordOptions {
    /// What the rows of a CSV file are (news items when `None`).
    pub kind: Option<RecordKind>,
    /// The month a case table describes (`--as-of`), over the one in its file name.
    pub as_of: Option<PartialDate>,
}

/// Imports one file in one transaction, as [`import_file_of_kind`], with `options`.
pub async fn import_file_with(
    store: &Store,
    author: &Author,
    path: &Path,
    format: Option<Format>,
    provenance: &Provenance,
    options: &RecordOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<FileReport, ImportError> {
    let kind = options.kind;
    let name = path.display().to_string();
    let read_error = |source| ImportError::Read {
        file: name.clone(),
        source,
    };
    let read = Arc::new(AtomicU64::new(0));
    let file = std::fs::File::open(path).map_err(read_error)?;
    let mut input = BufReader::with_capacity(
        1 << 16,
        Counted {
            inner: file,
            read: read.clone(),
        },
    );
    let head = String::from_utf8_lossy(input.fill_buf().map_err(read_error)?).into_owned();
    let format = format
        .or_else(|| Format::detect(path, &head))
        .ok_or_else(|| ImportError::UnknownFormat(name.clone()))?;
    if options.as_of.is_some() && format != Format::CaseTable {
        return Err(ImportError::AsOfNotRegister(name));
    }
    let mut report = FileReport {
        file: path.to_owned(),
        ..Default::default()
    };
    if format == Format::Dump {
        report.new = store.load_dump(input).await?;
        return Ok(report);
    }
    let is_records = matches!(format, Format::Records | Format::CaseTable)
        || (format == Format::Csv && kind.is_some());
    if is_records {
        // Records are read whole: files of cases, actors, events and links are small.
        let mut text = String::new();
        input.read_to_string(&mut text).map_err(read_error)?;
        let mut records = Vec::new();
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut source = NewSource::of_file(SourceKind::Records, &file_name, text.as_bytes(), None);
        match (format, kind) {
            (Format::Records, _) => records::read_records(&text, &mut records, &mut report),
            (Format::CaseTable, _) => {
                let as_of = case_table::register_month(&file_name, options.as_of);
                source.kind = SourceKind::Register;
                source.as_of = as_of;
                report.as_of = as_of;
                case_table::read_case_table(&text, &file_name, as_of, &mut records, &mut report)
            }
            (_, Some(kind)) => records::read_records_csv(
                &text,
                kind,
                &provenance.columns,
                &mut records,
                &mut report,
            ),
            _ => {}
        }
        if !records.is_empty() {
            let imported = store.import_records(author, Some(source), records).await?;
            for (line, outcome) in imported.outcomes {
                match outcome {
                    RecordOutcome::New => report.new += 1,
                    RecordOutcome::Updated => report.updated += 1,
                    RecordOutcome::Unchanged => report.unchanged += 1,
                    RecordOutcome::Rejected(reason) => report.rejected.push((line, reason)),
                }
            }
            report.absent = imported.absent;
        }
        report.rejected.sort_by_key(|(line, _)| *line);
        progress(read.load(Ordering::Relaxed));
        return Ok(report);
    }
    let mut batches = Batches::start(store, author).await?;
    match format {
        Format::Ndjson | Format::Csv => {
            let owned = provenance.clone();
            let (mut parsed, reader) = read_on_thread(move |send| {
                if format == Format::Ndjson {
                    send_all(ndjson::NdjsonItems::new(input, &owned), send);
                } else {
                    match csv_news::CsvItems::new(input, &owned.columns, &owned) {
                        Ok(items) => send_all(items, send),
                        Err(why) => send_all(std::iter::once((1, Err(why))), send),
                    }
                }
            });
            while let Some(chunk) = parsed.recv().await {
                for (line, parsed) in chunk {
                    match parsed {
                        Ok(item) => batches.push(line, item, &mut report).await?,
                        Err(why) => report.rejected.push((line, why)),
                    }
                    if batches.pending.is_empty() {
                        progress(read.load(Ordering::Relaxed));
                    }
                }
            }
            reader.join().map_err(|_| {
                read_error(std::io::Error::other("the thread reading the file stopped"))
            })?;
        }
        Format::Feed | Format::Listing | Format::Dump | Format::Records | Format::CaseTable => {
            // Small files: read whole.
            let mut text = String::new();
            input.read_to_string(&mut text).map_err(read_error)?;
            let mut items = Vec::new();
            if format == Format::Feed {
                feeds::read_feed(&text, provenance, &mut items, &mut report);
            } else {
                read_listing(&text, provenance, &mut items, &mut report);
            }
            for item in items {
                let item = ImportItem::new(item, Vec::new());
                batches.push(0, item, &mut report).await?;
            }
        }
    }
    batches.finish(&mut report).await?;
    progress(read.load(Ordering::Relaxed));
    // Parse rejections are found as lines are read, store rejections per batch.
    report.rejected.sort_by_key(|(line, _)| *line);
    Ok(report)
}

/// A public news item of a file, from its checked texts ([`NewsFields::parse`], the rules
/// `createNewsItem` applies): every news importer and the demo build their items here.
pub(crate) fn news_item(fields: NewsFields, published_on: PartialDate) -> NewNewsItem {
    NewNewsItem {
        title: fields.title,
        published_on,
        summary: fields.summary,
        body: fields.body,
        url: fields.url,
        publisher: fields.publisher.map(Publisher::into_string),
        language: fields.language.map(Language::into_string),
        visibility: Visibility::Public,
    }
}

/// The news items of a listing capture; notices and topic pages are reported, not
/// imported.
fn read_listing(
    text: &str,
    provenance: &Provenance,
    items: &mut Vec<NewNewsItem>,
    report: &mut FileReport,
) {
    for entry in listing::parse_listing(text) {
        match entry {
            ListingEntry::News(news) => {
                let fields = NewsFields::parse(
                    "",
                    NewsText {
                        title: &news.title,
                        summary: news.summary.as_deref(),
                        publisher: provenance.publisher.as_deref(),
                        language: provenance.language.as_deref(),
                        ..NewsText::default()
                    },
                );
                match fields {
                    Ok(fields) => items.push(news_item(fields, news.date)),
                    Err(e) => report.rejected.push((news.line, e.to_string())),
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
