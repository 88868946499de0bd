//! Relay connections: page-size rules, opaque cursors and the connection of a page. Lists
//! are forward-paged with `first`/`after` on a keyset (never OFFSET); the store fetches
//! one row more than asked to answer `hasNextPage`.
//!
//! A cursor is `tag|part|part…` in base64url: the tag names the list (and its order), the
//! parts are the row's keyset values. [`encode_cursor`] writes one and [`decode_cursor`]
//! reads it back; a cursor from another list, or one that does not parse, is refused the
//! same way.

use crate::error::ApiError;
use async_graphql::connection::{Connection, ConnectionNameType, Edge, EmptyFields};
use async_graphql::{ObjectType, OutputType};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chasqui_store::Page;
use std::fmt::{Display, Write};

/// Page sizes, from configuration.
#[derive(Clone, Copy, Debug)]
pub struct PageLimits {
    pub default_size: u64,
    pub max_size: u64,
}

impl Default for PageLimits {
    fn default() -> Self {
        Self {
            default_size: 20,
            max_size: 100,
        }
    }
}

impl PageLimits {
    /// The number of rows to fetch for `first`, or an error naming the argument.
    pub fn size(&self, first: Option<i32>) -> Result<u64, ApiError> {
        match first {
            None => Ok(self.default_size),
            Some(n) if n < 0 => Err(ApiError::bad_input("first", "must not be negative")),
            Some(n) if n as u64 > self.max_size => Err(ApiError::bad_input(
                "first",
                format!("{n} is more than the maximum page size {}", self.max_size),
            )),
            Some(n) => Ok(n as u64),
        }
    }
}

/// Decodes an `after` argument into the text inside it. A cursor holds what the server
/// wrote into it, so text with a control character (the argument rule of `admission`,
/// applied to what the cursor decodes to) is not a cursor.
pub fn decode_after(after: Option<&str>) -> Result<Option<String>, ApiError> {
    after
        .map(|a| {
            URL_SAFE_NO_PAD
                .decode(a.as_bytes())
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .filter(|text| crate::admission::control_character(text).is_none())
                .ok_or_else(not_a_cursor)
        })
        .transpose()
}

/// Splits a cursor text `tag|a|b|…` after checking its tag and arity.
pub fn cursor_parts<'a>(text: &'a str, tag: &str, parts: usize) -> Result<Vec<&'a str>, ApiError> {
    let mut split: Vec<&str> = text.splitn(parts + 1, '|').collect();
    if split.len() != parts + 1 || split[0] != tag {
        return Err(not_a_cursor());
    }
    split.remove(0);
    Ok(split)
}

/// The cursor of a row of the list `tag`: its keyset values, in order.
pub fn encode_cursor(tag: &str, parts: &[&dyn Display]) -> String {
    let mut text = String::from(tag);
    for part in parts {
        // Writing into a String cannot fail.
        let _ = write!(text, "|{part}");
    }
    URL_SAFE_NO_PAD.encode(text)
}

/// Reads an `after` argument that [`encode_cursor`] wrote for the list `tag` with `parts`
/// parts; `read` turns the parts into the list's keyset position, or `None` when they do
/// not parse.
pub fn decode_cursor<T>(
    after: Option<&str>,
    tag: &str,
    parts: usize,
    read: impl FnOnce(&[&str]) -> Option<T>,
) -> Result<Option<T>, ApiError> {
    let Some(text) = decode_after(after)? else {
        return Ok(None);
    };
    let parts = cursor_parts(&text, tag, parts)?;
    read(&parts).map(Some).ok_or_else(not_a_cursor)
}

fn not_a_cursor() -> ApiError {
    ApiError::bad_input("after", "not a cursor from this list")
}

/// The connection of a page of rows; `edge` gives each row's cursor and node.
/// `has_previous` is whether the page started after a cursor.
pub fn page_connection<M, N, F, C>(
    has_previous: bool,
    page: Page<M>,
    fields: F,
    mut edge: impl FnMut(M) -> (String, N),
) -> Connection<String, N, F, EmptyFields, C>
where
    N: OutputType,
    F: ObjectType,
    C: ConnectionNameType,
{
    let mut connection = Connection::with_additional_fields(has_previous, page.has_next, fields);
    connection.edges = page
        .rows
        .into_iter()
        .map(|row| {
            let (cursor, node) = edge(row);
            Edge::new(cursor, node)
        })
        .collect();
    connection
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_only_in_its_own_list() {
        let cursor = encode_cursor("ni", &[&"2017-06-22", &42]);
        let read = |after: &str, tag: &str| {
            decode_cursor(Some(after), tag, 2, |p| {
                Some((p[0].to_owned(), p[1].parse::<i64>().ok()?))
            })
        };
        assert_eq!(
            read(&cursor, "ni").ok().flatten(),
            Some(("2017-06-22".to_owned(), 42))
        );
        assert!(read(&cursor, "ev").is_err());
        assert!(read(&encode_cursor("ni", &[&"x", &"y"]), "ni").is_err());
        assert!(matches!(
            decode_cursor(None, "ni", 2, |_| Some(())),
            Ok(None)
        ));
    }
}
