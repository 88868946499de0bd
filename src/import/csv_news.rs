//! News items as CSV with a header row. Columns are found by name: `title`, `date`,
//! `summary`, `body`, `url`, `publisher`, `language`, `cases`, or other headers mapped onto those
//! with `--map title=Titular,date=Fecha`. A row that is not a valid item is rejected with
//! its line number.

use super::{Provenance, news_item};
use chasqui_domain::validate::{self, NewsFields, NewsText};
use chasqui_entities::{PartialDate, UpdateKind};
use chasqui_store::{ImportItem, ImportLink};
use std::collections::HashMap;

/// The fields a CSV row can fill (`cases`: slugs of the cases the item updates,
/// separated by `;` or `|`).
const FIELDS: [&str; 8] = [
    "title",
    "date",
    "summary",
    "body",
    "url",
    "publisher",
    "language",
    "cases",
];

/// Parses `--map field=Header,field=Header`; an unknown field is an error naming it.
pub fn parse_mapping(text: &str) -> Result<HashMap<String, String>, String> {
    let mut mapping = HashMap::new();
    for pair in text.split(',').filter(|p| !p.trim().is_empty()) {
        let (field, header) = pair
            .split_once('=')
            .ok_or_else(|| format!("`{pair}` is not field=Header"))?;
        let field = field.trim().to_lowercase();
        if !FIELDS.contains(&field.as_str()) {
            return Err(format!(
                "unknown field `{field}`; the fields are {}",
                FIELDS.join(", ")
            ));
        }
        mapping.insert(field, header.trim().to_owned());
    }
    Ok(mapping)
}

/// The items of a CSV stream with their line numbers, one record in memory at a time.
pub(super) struct CsvItems<'p, R> {
    records: csv::StringRecordsIntoIter<R>,
    title_at: usize,
    date_at: usize,
    optional: HashMap<&'static str, Option<usize>>,
    provenance: &'p Provenance,
}

impl<'p, R: std::io::Read> CsvItems<'p, R> {
    /// Reads the header row; an error (with line 1) when it lacks a title or date column.
    pub(super) fn new(
        input: R,
        mapping: &HashMap<String, String>,
        provenance: &'p Provenance,
    ) -> Result<Self, String> {
        let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
        let headers = reader
            .headers()
            .map_err(|err| format!("no readable header row: {err}"))?
            .clone();
        let column = |field: &str| {
            let wanted = mapping.get(field).map(String::as_str).unwrap_or(field);
            headers
                .iter()
                .position(|h| h.trim().eq_ignore_ascii_case(wanted))
        };
        let (Some(title_at), Some(date_at)) = (column("title"), column("date")) else {
            return Err(
                "the header has no title or no date column (map them with --map)".to_owned(),
            );
        };
        let optional = ["summary", "body", "url", "publisher", "language", "cases"]
            .into_iter()
            .map(|f| (f, column(f)))
            .collect();
        Ok(Self {
            records: reader.into_records(),
            title_at,
            date_at,
            optional,
            provenance,
        })
    }

    fn item(&self, record: &csv::StringRecord) -> Result<ImportItem, String> {
        let cell = |at: Option<usize>| {
            at.and_then(|i| record.get(i))
                .map(str::trim)
                .filter(|v| !v.is_empty())
        };
        let optional = |field: &str| self.optional.get(field).copied().flatten();
        let date = PartialDate::parse(cell(Some(self.date_at)).unwrap_or_default())
            .map_err(|err| format!("date: {err}"))?;
        let fields = NewsFields::parse(
            "",
            NewsText {
                title: cell(Some(self.title_at)).unwrap_or_default(),
                summary: cell(optional("summary")),
                body: cell(optional("body")),
                url: cell(optional("url")),
                publisher: cell(optional("publisher")).or(self.provenance.publisher.as_deref()),
                language: cell(optional("language")).or(self.provenance.language.as_deref()),
            },
        )
        .map_err(|e| e.to_string())?;
        // `cases`: case slugs separated by `;` or `|`, each a confirmed link.
        let links = cell(optional("cases"))
            .unwrap_or_default()
            .split([';', '|'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .enumerate()
            .map(|(i, slug)| {
                validate::slug(&format!("cases[{i}]"), slug)
                    .map(|case_slug| ImportLink {
                        case_slug,
                        update_kind: UpdateKind::Development,
                        note: None,
                    })
                    .map_err(|e| e.to_string())
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ImportItem::new(news_item(fields, date), links))
    }
}

impl<R: std::io::Read> Iterator for CsvItems<'_, R> {
    type Item = (usize, Result<ImportItem, String>);

    fn next(&mut self) -> Option<Self::Item> {
        let record = self.records.next()?;
        Some(match record {
            Ok(record) => {
                let line = record.position().map(|p| p.line() as usize).unwrap_or(0);
                (line, self.item(&record))
            }
            Err(err) => {
                let line = err.position().map(|p| p.line() as usize).unwrap_or(0);
                (line, Err(err.to_string()))
            }
        })
    }
}
