//! News items as CSV with a header row. Columns are found by name: `title`, `date`,
//! `summary`, `body`, `url`, `publisher`, `language`, or other headers mapped onto those
//! with `--map title=Titular,date=Fecha`. A row that is not a valid item is rejected with
//! its line number.

use super::{FileReport, Provenance};
use chasqui_entities::{PartialDate, Visibility};
use chasqui_schema::store::NewNewsItem;
use chasqui_schema::validate;
use std::collections::HashMap;

/// The fields a CSV row can fill.
const FIELDS: [&str; 7] = [
    "title",
    "date",
    "summary",
    "body",
    "url",
    "publisher",
    "language",
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

pub(super) fn read_csv(
    text: &str,
    mapping: &HashMap<String, String>,
    provenance: &Provenance,
    items: &mut Vec<NewNewsItem>,
    report: &mut FileReport,
) {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = match reader.headers() {
        Ok(headers) => headers.clone(),
        Err(err) => {
            report
                .rejected
                .push((1, format!("no readable header row: {err}")));
            return;
        }
    };
    let column = |field: &str| {
        let wanted = mapping.get(field).map(String::as_str).unwrap_or(field);
        headers
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(wanted))
    };
    let (Some(title_at), Some(date_at)) = (column("title"), column("date")) else {
        report.rejected.push((
            1,
            "the header has no title or no date column (map them with --map)".to_owned(),
        ));
        return;
    };
    let optional: HashMap<&str, Option<usize>> =
        ["summary", "body", "url", "publisher", "language"]
            .into_iter()
            .map(|f| (f, column(f)))
            .collect();
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(err) => {
                let line = err.position().map(|p| p.line() as usize).unwrap_or(0);
                report.rejected.push((line, err.to_string()));
                continue;
            }
        };
        let line = record.position().map(|p| p.line() as usize).unwrap_or(0);
        let cell = |at: Option<usize>| {
            at.and_then(|i| record.get(i))
                .map(str::trim)
                .filter(|v| !v.is_empty())
        };
        let date = match PartialDate::parse(cell(Some(date_at)).unwrap_or_default()) {
            Ok(date) => date,
            Err(err) => {
                report.rejected.push((line, format!("date: {err}")));
                continue;
            }
        };
        let checked = (
            validate::name("title", cell(Some(title_at)).unwrap_or_default()),
            validate::text("summary", cell(optional["summary"]), validate::MAX_TEXT),
            validate::text("body", cell(optional["body"]), validate::MAX_BODY),
            validate::url("url", cell(optional["url"])),
        );
        match checked {
            (Ok(title), Ok(summary), Ok(body), Ok(url)) => items.push(NewNewsItem {
                title,
                published_on: date,
                summary,
                body,
                url,
                publisher: cell(optional["publisher"])
                    .map(str::to_owned)
                    .or_else(|| provenance.publisher.clone()),
                language: cell(optional["language"])
                    .map(str::to_owned)
                    .or_else(|| provenance.language.clone()),
                visibility: Visibility::Public,
            }),
            (Err(e), ..) | (_, Err(e), ..) | (_, _, Err(e), _) | (.., Err(e)) => {
                report.rejected.push((line, e.to_string()))
            }
        }
    }
}
