//! Input rules for every write that comes from outside: the GraphQL inputs, every
//! importer and the demo call these, on the same fields, before anything reaches the
//! store. Each check names the field it failed on, as a path into the request
//! (`input.title`) or a column of a file (`language`).
//!
//! Values with a rule of their own are types that can only be built valid
//! ([`Language::parse`], [`Publisher::parse`], [`LocationCode::parse`]); a news item's
//! texts are checked together by [`NewsFields::parse`], so that every way a news item
//! comes in applies the same rules to the same fields.

use chasqui_entities::{CaseDetails, CaseKind, CaseStatus, ConflictPhase, PartialDate, UpdateKind};

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

/// A point: both coordinates or neither (a lone one is refused at the longitude's field).
pub fn point(
    latitude_field: &str,
    latitude_value: Option<f64>,
    longitude_field: &str,
    longitude_value: Option<f64>,
) -> Result<Option<(f64, f64)>, Invalid> {
    let lat = latitude(latitude_field, latitude_value)?;
    let lon = longitude(longitude_field, longitude_value)?;
    match (lat, lon) {
        (Some(lat), Some(lon)) => Ok(Some((lat, lon))),
        (None, None) => Ok(None),
        _ => Err(Invalid::new(
            longitude_field,
            "give both latitude and longitude, or neither",
        )),
    }
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

/// `prefix.field`, or `field` alone when there is no prefix (a file's column).
pub fn at(prefix: &str, field: &str) -> String {
    if prefix.is_empty() {
        field.to_owned()
    } else {
        format!("{prefix}.{field}")
    }
}

/// The end of a period, which may not end before it starts (`endDate` of an event,
/// `endedOn` of a role).
pub fn period(
    field: &str,
    start: PartialDate,
    end: Option<PartialDate>,
) -> Result<Option<PartialDate>, Invalid> {
    match end {
        Some(end) if end.last_day() < start.first_day() => Err(Invalid::new(
            field,
            format!("{end} is before the start {start}"),
        )),
        other => Ok(other),
    }
}

/// What a news link reports: a phase only with the status it belongs to, and a
/// `STATUS_CHANGE` update only with the status it reports. `prefix` is the link's path
/// (`input.`, a file's column prefix), followed by the field's own name.
pub fn link_report(
    prefix: &str,
    update_kind: UpdateKind,
    status: Option<CaseStatus>,
    phase: Option<ConflictPhase>,
) -> Result<(), Invalid> {
    if phase.is_some() && status.is_none() {
        return Err(Invalid::new(
            format!("{prefix}reportedPhase"),
            "give reportedStatus with the phase",
        ));
    }
    if update_kind == UpdateKind::StatusChange && status.is_none() {
        return Err(Invalid::new(
            format!("{prefix}reportedStatus"),
            "a STATUS_CHANGE update must report the status",
        ));
    }
    Ok(())
}

/// A case's kind-specific facts, checked against its kind: a fact that does not apply to
/// the kind is refused (`details.court` on a mine), a contract's value is a non-negative
/// number, minerals are topics, texts are trimmed and bounded.
pub fn case_details(
    prefix: &str,
    kind: CaseKind,
    details: CaseDetails,
) -> Result<CaseDetails, Invalid> {
    use CaseKind as K;
    let allowed: &[&str] = match kind {
        K::Mine | K::OilAndGas => &["minerals", "projectStage"],
        K::Infrastructure => &["projectStage", "contractValueUsd"],
        K::Decree => &["identifier", "issuedOn", "legalStatus"],
        K::CourtCase => &["court", "docketNumber", "courtStage"],
        K::Campaign => &["aim"],
        K::Investigation => &["investigatingBody"],
        K::Other => &[],
    };
    let given = [
        ("minerals", !details.minerals.is_empty()),
        ("projectStage", details.project_stage.is_some()),
        ("contractValueUsd", details.contract_value_usd.is_some()),
        ("identifier", details.identifier.is_some()),
        ("issuedOn", details.issued_on.is_some()),
        ("legalStatus", details.legal_status.is_some()),
        ("court", details.court.is_some()),
        ("docketNumber", details.docket_number.is_some()),
        ("courtStage", details.court_stage.is_some()),
        ("aim", details.aim.is_some()),
        ("investigatingBody", details.investigating_body.is_some()),
    ];
    for (name, present) in given {
        if present && !allowed.contains(&name) {
            return Err(Invalid::new(
                at(prefix, name),
                format!("does not apply to {} cases", kind.as_str()),
            ));
        }
    }
    if let Some(value) = details.contract_value_usd
        && (!value.is_finite() || value < 0.0)
    {
        return Err(Invalid::new(
            at(prefix, "contractValueUsd"),
            "must be a non-negative number",
        ));
    }
    let minerals = details
        .minerals
        .iter()
        .enumerate()
        .map(|(i, m)| topic(&format!("{}[{i}]", at(prefix, "minerals")), m))
        .collect::<Result<Vec<_>, _>>()?;
    let bounded_text = |field: &str, value: Option<String>, max: usize| {
        text(&at(prefix, field), value.as_deref(), max)
    };
    Ok(CaseDetails {
        minerals,
        project_stage: details.project_stage,
        contract_value_usd: details.contract_value_usd,
        identifier: bounded_text("identifier", details.identifier, MAX_NAME)?,
        issued_on: details.issued_on,
        legal_status: details.legal_status,
        court: bounded_text("court", details.court, MAX_NAME)?,
        docket_number: bounded_text("docketNumber", details.docket_number, MAX_NAME)?,
        court_stage: details.court_stage,
        aim: bounded_text("aim", details.aim, MAX_TEXT)?,
        investigating_body: bounded_text(
            "investigatingBody",
            details.investigating_body,
            MAX_NAME,
        )?,
    })
}

/// A BCP 47 language tag: `en`, `es`, `pt-BR` (letters, digits and hyphens, at most 16).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Language(String);

impl Language {
    pub const MAX: usize = 16;

    pub fn parse(field: &str, value: &str) -> Result<Self, Invalid> {
        let ok = !value.is_empty()
            && value.len() <= Self::MAX
            && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if ok {
            Ok(Self(value.to_owned()))
        } else {
            Err(Invalid::new(
                field,
                "must be a language tag such as `en` or `es`",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// Who published a news item: a text of at most [`MAX_NAME`] characters. A blank one is
/// no publisher (`None`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Publisher(String);

impl Publisher {
    pub fn parse(field: &str, value: &str) -> Result<Option<Self>, Invalid> {
        Ok(text(field, Some(value), MAX_NAME)?.map(Self))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// A location's code (a UBIGEO code such as `030506`, or any register's): trimmed, at
/// most 32 letters, digits, `-` or `.`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocationCode(String);

impl LocationCode {
    pub const MAX: usize = 32;

    pub fn parse(field: &str, value: &str) -> Result<Self, Invalid> {
        let code = name(field, value)?;
        if code.len() > Self::MAX
            || !code
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        {
            return Err(Invalid::new(
                field,
                "use at most 32 letters, digits, '-' or '.'",
            ));
        }
        Ok(Self(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// A news item's texts as they come in, before any check.
#[derive(Clone, Copy, Debug, Default)]
pub struct NewsText<'a> {
    pub title: &'a str,
    pub summary: Option<&'a str>,
    pub body: Option<&'a str>,
    pub url: Option<&'a str>,
    pub publisher: Option<&'a str>,
    pub language: Option<&'a str>,
}

/// A news item's texts, checked: what the API, the news importers (NDJSON, CSV, feeds,
/// listings) and the demo store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewsFields {
    pub title: String,
    pub summary: Option<String>,
    pub body: Option<String>,
    /// Unique when given.
    pub url: Option<String>,
    pub publisher: Option<Publisher>,
    pub language: Option<Language>,
}

impl NewsFields {
    /// Checks every field; an error names the first field that breaks its rule, under
    /// `prefix` (`input.language`, or `language` for a file's column with no prefix).
    pub fn parse(prefix: &str, raw: NewsText<'_>) -> Result<Self, Invalid> {
        Ok(Self {
            title: name(&at(prefix, "title"), raw.title)?,
            summary: text(&at(prefix, "summary"), raw.summary, MAX_TEXT)?,
            body: text(&at(prefix, "body"), raw.body, MAX_BODY)?,
            url: url(&at(prefix, "url"), raw.url)?,
            publisher: match raw.publisher {
                Some(p) => Publisher::parse(&at(prefix, "publisher"), p)?,
                None => None,
            },
            language: raw
                .language
                .map(|l| Language::parse(&at(prefix, "language"), l))
                .transpose()?,
        })
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

    #[test]
    fn languages_publishers_and_codes() {
        assert!(Language::parse("l", "es").is_ok());
        assert!(Language::parse("l", "pt-BR").is_ok());
        assert!(Language::parse("l", "en us").is_err());
        assert!(Language::parse("l", "").is_err());
        assert!(Language::parse("l", &"a".repeat(17)).is_err());
        assert_eq!(Publisher::parse("p", "  ").ok(), Some(None));
        assert!(Publisher::parse("p", &"x".repeat(MAX_NAME + 1)).is_err());
        assert_eq!(
            LocationCode::parse("c", " 030506 ").map(LocationCode::into_string),
            Ok("030506".to_owned())
        );
        assert!(LocationCode::parse("c", "03 05").is_err());
        assert!(LocationCode::parse("c", &"1".repeat(33)).is_err());
    }

    #[test]
    fn news_fields_name_the_failing_field() {
        let raw = NewsText {
            title: " A strike ",
            language: Some("en us"),
            ..Default::default()
        };
        let err = NewsFields::parse("input", raw).err();
        assert_eq!(err.map(|e| e.field), Some("input.language".to_owned()));
        let long = "x".repeat(MAX_NAME + 1);
        let raw = NewsText {
            title: "A strike",
            publisher: Some(&long),
            ..Default::default()
        };
        let err = NewsFields::parse("", raw).err();
        assert_eq!(err.map(|e| e.field), Some("publisher".to_owned()));
    }

    #[test]
    fn periods_end_after_they_start() {
        let day = |s: &str| PartialDate::parse(s).unwrap_or_else(|e| panic!("{e}"));
        assert!(period("end", day("2017-06-11"), Some(day("2017-06"))).is_ok());
        assert!(period("end", day("2017-06-11"), Some(day("2017-05"))).is_err());
        assert!(period("end", day("2017-06-11"), None).is_ok());
    }
    #[test]
    fn a_link_reports_a_phase_only_with_its_status() {
        use chasqui_entities::{CaseStatus, ConflictPhase, UpdateKind};
        let err = link_report(
            "input.",
            UpdateKind::Development,
            None,
            Some(ConflictPhase::Crisis),
        )
        .err()
        .map(|e| e.field);
        assert_eq!(err.as_deref(), Some("input.reportedPhase"));
        let err = link_report("", UpdateKind::StatusChange, None, None)
            .err()
            .map(|e| e.field);
        assert_eq!(err.as_deref(), Some("reportedStatus"));
        assert!(
            link_report(
                "",
                UpdateKind::StatusChange,
                Some(CaseStatus::Active),
                Some(ConflictPhase::Crisis)
            )
            .is_ok()
        );
    }
}
