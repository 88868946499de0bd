//! RSS 2.0 and Atom feeds, read with feed-rs. An entry without a title or a date is
//! rejected with the line where its title (or link) stands in the file.

use super::{FileReport, Provenance};
use chasqui_domain::validate;
use chasqui_entities::{PartialDate, Visibility};
use chasqui_store::NewNewsItem;

/// Text without markup: tags dropped, the common entities decoded, spaces collapsed.
fn plain(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    let decoded = out
        .replace("&nbsp;", " ")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The 1-based line where `needle` first stands in `text` (1 when it does not).
fn line_of(text: &str, needle: &str) -> usize {
    if needle.is_empty() {
        return 1;
    }
    text.find(needle)
        .map(|at| text[..at].lines().count().max(1))
        .unwrap_or(1)
}

pub(super) fn read_feed(
    text: &str,
    provenance: &Provenance,
    items: &mut Vec<NewNewsItem>,
    report: &mut FileReport,
) {
    let feed = match feed_rs::parser::parse(text.as_bytes()) {
        Ok(feed) => feed,
        Err(err) => {
            report
                .rejected
                .push((1, format!("not a readable RSS or Atom feed: {err}")));
            return;
        }
    };
    let publisher = provenance.publisher.clone().or_else(|| {
        feed.title
            .as_ref()
            .map(|t| plain(&t.content))
            .filter(|t| !t.is_empty())
    });
    for entry in feed.entries {
        let title = entry
            .title
            .as_ref()
            .map(|t| plain(&t.content))
            .unwrap_or_default();
        let url = entry.links.first().map(|l| l.href.clone());
        let line = line_of(
            text,
            if title.is_empty() {
                url.as_deref().unwrap_or_default()
            } else {
                &title
            },
        );
        let Some(when) = entry.published.or(entry.updated) else {
            report
                .rejected
                .push((line, "the entry has no publication date".to_owned()));
            continue;
        };
        let summary = entry.summary.as_ref().map(|s| plain(&s.content));
        let body = entry
            .content
            .as_ref()
            .and_then(|c| c.body.as_deref())
            .map(plain);
        let checked = (
            validate::name("title", &title),
            validate::text("summary", summary.as_deref(), validate::MAX_TEXT),
            validate::text("body", body.as_deref(), validate::MAX_BODY),
            validate::url("url", url.as_deref()),
        );
        match checked {
            (Ok(title), Ok(summary), Ok(body), Ok(url)) => items.push(NewNewsItem {
                title,
                published_on: PartialDate::day(when.date_naive()),
                summary,
                body,
                url,
                publisher: publisher.clone(),
                language: provenance
                    .language
                    .clone()
                    .or_else(|| feed.language.clone()),
                visibility: Visibility::Public,
            }),
            (Err(e), ..) | (_, Err(e), ..) | (_, _, Err(e), _) | (.., Err(e)) => {
                report.rejected.push((line, e.to_string()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_dropped() {
        assert_eq!(
            plain("<p>Strike in <b>Chumbivilcas</b>&nbsp;&amp; Espinar</p>"),
            "Strike in Chumbivilcas & Espinar"
        );
    }
}
