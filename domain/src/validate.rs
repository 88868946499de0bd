//! Input rules for every write that comes from outside (GraphQL mutations; importers).
//! Each check names the field it failed on, as a path into the request (`input.title`).

/// An input that breaks a rule. The store's and the API's errors convert from it, so a
/// refusal reads the same whichever way the input came in.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct Invalid {
    /// The input's path in the request (`input.startedOn`) or its column in a file.
    pub field: String,
    pub message: String,
}

impl Invalid {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

pub const MAX_NAME: usize = 500;
pub const MAX_TEXT: usize = 20_000;
pub const MAX_BODY: usize = 1_000_000;
pub const MAX_SLUG: usize = 100;

/// A required single-line text: trimmed, not empty, no control characters, bounded.
pub fn name(field: &str, value: &str) -> Result<String, Invalid> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(Invalid::new(field, "must not be empty"));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(Invalid::new(
            field,
            "must not contain control characters or line breaks",
        ));
    }
    bounded(field, trimmed, MAX_NAME)?;
    Ok(trimmed.to_owned())
}

/// An optional multi-line text: trimmed (empty becomes none), no control characters but
/// line breaks and tabs, bounded.
pub fn text(field: &str, value: Option<&str>, max: usize) -> Result<Option<String>, Invalid> {
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return Err(Invalid::new(field, "must not contain control characters"));
    }
    bounded(field, value, max)?;
    Ok(Some(value.to_owned()))
}

fn bounded(field: &str, value: &str, max: usize) -> Result<(), Invalid> {
    let length = value.chars().count();
    if length > max {
        return Err(Invalid::new(
            field,
            format!("is {length} characters long; the limit is {max}"),
        ));
    }
    Ok(())
}

/// A slug: lower-case ASCII letters and digits in groups joined by single hyphens.
pub fn slug(field: &str, value: &str) -> Result<String, Invalid> {
    let ok = !value.is_empty()
        && value.len() <= MAX_SLUG
        && value.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
    if ok {
        Ok(value.to_owned())
    } else {
        Err(Invalid::new(
            field,
            format!(
                "`{}` is not a slug: use a-z, 0-9 and single hyphens, at most {MAX_SLUG} characters",
                preview(value)
            ),
        ))
    }
}

/// A topic tag: trimmed, lower-cased, single-line, bounded.
pub fn topic(field: &str, value: &str) -> Result<String, Invalid> {
    let name = name(field, value)?;
    if name.chars().count() > 64 {
        return Err(Invalid::new(field, "topics are at most 64 characters"));
    }
    Ok(name.to_lowercase())
}

/// An absolute http(s) URL.
pub fn url(field: &str, value: Option<&str>) -> Result<Option<String>, Invalid> {
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let scheme_ok = value.starts_with("https://") || value.starts_with("http://");
    if !scheme_ok
        || value.len() > 2048
        || value.chars().any(|c| c.is_control() || c.is_whitespace())
    {
        return Err(Invalid::new(
            field,
            format!("`{}` is not an absolute http(s) URL", preview(value)),
        ));
    }
    Ok(Some(value.to_owned()))
}

pub fn latitude(field: &str, value: Option<f64>) -> Result<Option<f64>, Invalid> {
    coordinate(field, value, 90.0)
}

pub fn longitude(field: &str, value: Option<f64>) -> Result<Option<f64>, Invalid> {
    coordinate(field, value, 180.0)
}

fn coordinate(field: &str, value: Option<f64>, limit: f64) -> Result<Option<f64>, Invalid> {
    match value {
        Some(v) if !v.is_finite() || v.abs() > limit => Err(Invalid::new(
            field,
            format!("{v} is outside -{limit}..={limit}"),
        )),
        other => Ok(other),
    }
}

pub fn count(field: &str, value: Option<i32>) -> Result<Option<i32>, Invalid> {
    match value {
        Some(v) if v < 0 => Err(Invalid::new(field, "must not be negative")),
        other => Ok(other),
    }
}

fn preview(value: &str) -> String {
    let mut shown: String = value.chars().take(40).collect();
    if value.chars().count() > 40 {
        shown.push('…');
    }
    shown
        .chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert!(slug("s", "las-bambas").is_ok());
        assert!(slug("s", "Las-Bambas").is_err());
        assert!(slug("s", "las--bambas").is_err());
        assert!(slug("s", "-x").is_err());
        assert!(slug("s", "").is_err());
    }

    #[test]
    fn names_and_texts() {
        assert_eq!(
            name("t", "  Las Bambas ").ok(),
            Some("Las Bambas".to_owned())
        );
        assert!(name("t", "a\u{0}b").is_err());
        assert!(name("t", "   ").is_err());
        assert!(text("t", Some(&"x".repeat(MAX_TEXT + 1)), MAX_TEXT).is_err());
        assert_eq!(text("t", Some("  "), MAX_TEXT).ok(), Some(None));
    }

    #[test]
    fn coordinates() {
        assert!(latitude("lat", Some(200.0)).is_err());
        assert!(longitude("lon", Some(f64::NAN)).is_err());
        assert!(latitude("lat", Some(-13.9)).is_ok());
    }
}
