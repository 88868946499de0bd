//! Relay connections: page-size rules and opaque cursors. Lists are forward-paged with
//! `first`/`after` on a keyset (never OFFSET); the store fetches one row more than asked
//! to answer `hasNextPage`.

use crate::error::ApiError;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

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
                .ok_or_else(|| ApiError::bad_input("after", "not a cursor from this list"))
        })
        .transpose()
}

/// Splits a cursor text `tag|a|b|…` after checking its tag and arity.
pub fn cursor_parts<'a>(text: &'a str, tag: &str, parts: usize) -> Result<Vec<&'a str>, ApiError> {
    let mut split: Vec<&str> = text.splitn(parts + 1, '|').collect();
    if split.len() != parts + 1 || split[0] != tag {
        return Err(ApiError::bad_input("after", "not a cursor from this list"));
    }
    split.remove(0);
    Ok(split)
}
