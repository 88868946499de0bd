//! Opaque global ids: `base64url("Case:42")`. Clients treat them as strings; `node(id)`
//! resolves any of them. A malformed id, a wrong type and an unknown record all answer the
//! same way, so ids reveal nothing.

use crate::error::ApiError;
use async_graphql::ID;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chasqui_store::Named;

/// The kinds of record that have global ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeType {
    Case,
    Actor,
    Location,
    NewsItem,
    NewsLink,
    Event,
    StatusChange,
    CaseRelation,
}

impl NodeType {
    fn prefix(self) -> &'static str {
        match self {
            Self::Case => "Case",
            Self::Actor => "Actor",
            Self::Location => "Location",
            Self::NewsItem => "NewsItem",
            Self::NewsLink => "NewsLink",
            Self::Event => "Event",
            Self::StatusChange => "StatusChange",
            Self::CaseRelation => "CaseRelation",
        }
    }

    const ALL: [NodeType; 8] = [
        Self::Case,
        Self::Actor,
        Self::Location,
        Self::NewsItem,
        Self::NewsLink,
        Self::Event,
        Self::StatusChange,
        Self::CaseRelation,
    ];
}

pub fn encode(kind: NodeType, id: i64) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{}:{id}", kind.prefix())))
}

/// Decodes any global id into its type and row id.
pub fn decode_any(id: &str) -> Option<(NodeType, i64)> {
    let bytes = URL_SAFE_NO_PAD.decode(id.as_bytes()).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (prefix, number) = text.split_once(':')?;
    let kind = NodeType::ALL.into_iter().find(|k| k.prefix() == prefix)?;
    let number: i64 = number.parse().ok().filter(|n| *n > 0)?;
    Some((kind, number))
}

/// Decodes an id that must be of `kind`; `field` names the input for the error.
pub fn decode(kind: NodeType, id: &ID, field: &str) -> Result<i64, ApiError> {
    match decode_any(id.as_str()) {
        Some((found, number)) if found == kind => Ok(number),
        _ => Err(ApiError::bad_input(
            field,
            format!("not a {} id", kind.prefix()),
        )),
    }
}

/// Decodes an id that must be of `kind`, when one is given.
pub fn decode_opt(kind: NodeType, id: Option<&ID>, field: &str) -> Result<Option<i64>, ApiError> {
    id.map(|id| decode(kind, id, field)).transpose()
}

/// Reads a filter argument that names a record of `kind` (a case or an actor) by its
/// global id or by its slug: an id of another type, or text that is neither an id nor a
/// slug, is refused naming `field`. A global id never reads as a slug (it starts with an
/// upper-case letter), so the two cannot be mistaken. The store goes to either through
/// the same rule, so a slug the caller may not see matches nothing, as an unknown one.
pub fn decode_named(kind: NodeType, id: &ID, field: &str) -> Result<Named, ApiError> {
    match decode_any(id.as_str()) {
        Some((found, number)) if found == kind => Ok(Named::Id(number)),
        Some(_) => Err(ApiError::bad_input(
            field,
            format!("not a {} id", kind.prefix()),
        )),
        None => match chasqui_domain::validate::slug(field, id.as_str()) {
            Ok(slug) => Ok(Named::Key(slug)),
            Err(_) => Err(ApiError::bad_input(
                field,
                format!("not a {} id or slug", kind.prefix()),
            )),
        },
    }
}

/// [`decode_named`], when one is given.
pub fn decode_named_opt(
    kind: NodeType,
    id: Option<&ID>,
    field: &str,
) -> Result<Option<Named>, ApiError> {
    id.map(|id| decode_named(kind, id, field)).transpose()
}

/// How a root field names one record: by global id, or by its own key (a slug, a code).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lookup<'a> {
    Id(i64),
    Key(&'a str),
}

/// Reads the `id` and `key` arguments of a root field that takes one of them (`key_name`
/// is the key's argument name). An id of another type finds nothing (`None`), as an
/// unknown one does; giving both or neither is refused.
pub fn lookup<'a>(
    kind: NodeType,
    id: Option<&ID>,
    key: Option<&'a str>,
    key_name: &str,
) -> Result<Option<Lookup<'a>>, ApiError> {
    match (id, key) {
        (Some(id), None) => Ok(match decode_any(id) {
            Some((found, number)) if found == kind => Some(Lookup::Id(number)),
            _ => None,
        }),
        (None, Some(key)) => Ok(Some(Lookup::Key(key))),
        _ => Err(ApiError::bad_input(
            "id",
            format!("give either id or {key_name}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_rejects() {
        let id = encode(NodeType::Case, 42);
        assert_eq!(decode_any(&id), Some((NodeType::Case, 42)));
        assert!(decode(NodeType::Actor, &id, "input.actor").is_err());
        assert_eq!(decode_any("not base64!"), None);
        assert_eq!(decode_any(&URL_SAFE_NO_PAD.encode("Case:-1")), None);
    }

    #[test]
    fn a_filter_names_a_record_by_id_or_slug() {
        let case = encode(NodeType::Case, 7);
        let named = |id: &str| decode_named(NodeType::Case, &ID(id.to_owned()), "filter.case");
        assert_eq!(named(&case).ok(), Some(Named::Id(7)));
        assert_eq!(
            named("las-bambas").ok(),
            Some(Named::Key("las-bambas".into()))
        );
        assert!(named(&encode(NodeType::Actor, 7)).is_err());
        assert!(named("Las Bambas").is_err());
        assert!(named("").is_err());
        // Every global id starts upper-case, so none is a slug.
        for kind in NodeType::ALL {
            assert!(chasqui_domain::validate::slug("x", &encode(kind, 1)).is_err());
        }
    }

    #[test]
    fn a_lookup_takes_an_id_or_a_key() {
        let case = encode(NodeType::Case, 7);
        let actor = encode(NodeType::Actor, 7);
        fn find<'a>(id: Option<&ID>, key: Option<&'a str>) -> Result<Option<Lookup<'a>>, ApiError> {
            lookup(NodeType::Case, id, key, "slug")
        }
        assert_eq!(find(Some(&case), None).ok().flatten(), Some(Lookup::Id(7)));
        assert_eq!(find(None, Some("x")).ok().flatten(), Some(Lookup::Key("x")));
        assert!(matches!(find(Some(&actor), None), Ok(None)));
        assert!(find(Some(&case), Some("x")).is_err());
        assert!(find(None, None).is_err());
    }
}
