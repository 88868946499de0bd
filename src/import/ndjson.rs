//! News items as NDJSON: one JSON object per line; a line that is not a valid item is
//! rejected with its number and the reason.

use super::{FileReport, Provenance};
use chasqui_entities::{PartialDate, Visibility};
use chasqui_schema::store::NewNewsItem;
use chasqui_schema::validate;
use serde::Deserialize;

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
}

pub(super) fn read_ndjson(
    text: &str,
    provenance: &Provenance,
    items: &mut Vec<NewNewsItem>,
    report: &mut FileReport,
) {
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        let item: Item = match serde_json::from_str(line) {
            Ok(item) => item,
            Err(err) => {
                report.rejected.push((number, err.to_string()));
                continue;
            }
        };
        let checked = (
            validate::name("title", &item.title),
            validate::text("summary", item.summary.as_deref(), validate::MAX_TEXT),
            validate::text("body", item.body.as_deref(), validate::MAX_BODY),
            validate::url("url", item.url.as_deref()),
        );
        match checked {
            (Ok(title), Ok(summary), Ok(body), Ok(url)) => items.push(NewNewsItem {
                title,
                published_on: item.date,
                summary,
                body,
                url,
                publisher: item.publisher.or_else(|| provenance.publisher.clone()),
                language: item.language.or_else(|| provenance.language.clone()),
                visibility: Visibility::Public,
            }),
            (Err(e), ..) | (_, Err(e), ..) | (_, _, Err(e), _) | (.., Err(e)) => {
                report.rejected.push((number, e.to_string()))
            }
        }
    }
}
