//! What the input types share on their way into store requests: field paths, optional
//! text, the three states of an update field, lists of ids and "any of" filters. Each
//! input type lives next to its output type and checks its own fields; every error names
//! the path of the field it is about (`input.details.court`).

use crate::error::ApiResult;
use crate::ids::{NodeType, decode};
use async_graphql::{ID, MaybeUndefined};
use chasqui_domain::validate;

/// The path of a field inside an input: `input.details` + `court`.
pub(crate) fn path(prefix: &str, field: &str) -> String {
    format!("{prefix}.{field}")
}

/// An optional text field, trimmed and checked against `max` characters.
pub(crate) fn opt_text(
    prefix: &str,
    field: &str,
    value: Option<&String>,
    max: usize,
) -> ApiResult<Option<String>> {
    Ok(validate::text(
        &path(prefix, field),
        value.map(String::as_str),
        max,
    )?)
}

/// [`opt_text`] for a field of an update ([`patch`]).
pub(crate) fn maybe_text(
    prefix: &str,
    field: &str,
    value: &MaybeUndefined<String>,
    max: usize,
) -> ApiResult<Option<Option<String>>> {
    patch(value, |v| {
        Ok(validate::text(&path(prefix, field), Some(v), max)?)
    })
}

/// A field of an update: left out → `None` (unchanged), `null` → `Some(None)` (cleared), a
/// value → `Some(resolve(value))`.
pub(crate) fn patch<T, U>(
    value: &MaybeUndefined<T>,
    resolve: impl FnOnce(&T) -> ApiResult<Option<U>>,
) -> ApiResult<Option<Option<U>>> {
    match value {
        MaybeUndefined::Undefined => Ok(None),
        MaybeUndefined::Null => Ok(Some(None)),
        MaybeUndefined::Value(v) => resolve(v).map(Some),
    }
}

/// [`patch`] for a value that needs only converting.
pub(crate) fn maybe<T: Copy, U>(
    value: &MaybeUndefined<T>,
    f: impl Fn(T) -> U,
) -> Option<Option<U>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(f(*v))),
    }
}

/// A list of ids of `kind`; an error names the item (`field[2]`).
pub(crate) fn ids(kind: NodeType, values: &[ID], field: &str) -> ApiResult<Vec<i64>> {
    values
        .iter()
        .enumerate()
        .map(|(i, id)| decode(kind, id, &format!("{field}[{i}]")))
        .collect()
}

/// An "any of" list of a filter in store terms; left out (or empty) is no condition.
pub(crate) fn any_of<T: Copy + Into<U>, U>(values: &Option<Vec<T>>) -> Vec<U> {
    values.iter().flatten().map(|v| (*v).into()).collect()
}

/// A name filter: a blank one would match everything, so it is no condition.
pub(crate) fn non_blank(name: Option<String>) -> Option<String> {
    name.filter(|n| !n.trim().is_empty())
}
