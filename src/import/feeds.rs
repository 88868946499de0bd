//! RSS 2.0 and Atom feeds, read with feed-rs. An entry without a title or a date is
//! rejected with the line where its title (or link) stands in the file.

use super::{FileReport, Provenance, news_item};
use chasqui_domain::validate::{NewsFields, NewsText};
use chasqui_entities::PartialDate;
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
        let language = provenance.language.as_deref().or(feed.language.as_deref());
        let fields = NewsFields::parse(
            "",
            NewsText {
                title: &title,
                summary: summary.as_deref(),
                body: body.as_deref(),
                url: url.as_deref(),
                publisher: publisher.as_deref(),
                language,
            },
        );
        match fields {
            Ok(fields) => items.push(news_item(fields, PartialDate::day(when.date_naive()))),
            Err(e) => report.rejected.push((line, e.to_string())),
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
