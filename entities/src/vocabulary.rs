//! The closed vocabularies of the domain. Each enumeration is stored as its
//! `SCREAMING_SNAKE_CASE` name in a text column, the same on SQLite and PostgreSQL, so
//! that a value read with `psql` or `sqlite3` means what the API says.

use sea_orm::DeriveValueType;
use sea_orm::sea_query::ValueTypeErr;

/// Declares a vocabulary: the enum, its stored name for each variant, parsing and listing.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, DeriveValueType)]
        #[sea_orm(value_type = "String")]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The stored (and wire) name of this value.
            pub fn as_str(&self) -> &'static str {
                match self {
                    $(Self::$variant => $text),+
                }
            }

            /// Parses a stored name; `None` for anything else.
            pub fn parse(text: &str) -> Option<Self> {
                match text {
                    $($text => Some(Self::$variant),)+
                    _ => None,
                }
            }

        }

        /// Parsing for the storage layer (sea-orm reads the column through it).
        impl std::str::FromStr for $name {
            type Err = ValueTypeErr;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Self::parse(text).ok_or(ValueTypeErr)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                Self::parse(&text).ok_or_else(|| {
                    let expected: Vec<&str> = Self::ALL.iter().map(Self::as_str).collect();
                    serde::de::Error::custom(format!(
                        "unknown {} `{}`, expected one of {}",
                        stringify!($name), text, expected.join(", ")
                    ))
                })
            }
        }
    };
}

vocabulary!(
    /// What a case is about.
    CaseKind {
        Mine = "MINE",
        OilAndGas = "OIL_AND_GAS",
        Infrastructure = "INFRASTRUCTURE",
        Decree = "DECREE",
        CourtCase = "COURT_CASE",
        Campaign = "CAMPAIGN",
        Investigation = "INVESTIGATION",
        Other = "OTHER",
    }
);

vocabulary!(
    /// The Ombudsman's register status of a case.
    CaseStatus {
        Active = "ACTIVE",
        Latent = "LATENT",
        Resolved = "RESOLVED",
        Withdrawn = "WITHDRAWN",
    }
);

vocabulary!(
    /// The phase of a conflict, as the Ombudsman reports it.
    ConflictPhase {
        NotStarted = "NOT_STARTED",
        Early = "EARLY",
        Escalation = "ESCALATION",
        Crisis = "CRISIS",
        DeEscalation = "DE_ESCALATION",
        Dialogue = "DIALOGUE",
        Concluded = "CONCLUDED",
    }
);

vocabulary!(
    /// The Ombudsman's classification of a conflict.
    ConflictType {
        SocioEnvironmental = "SOCIO_ENVIRONMENTAL",
        LocalGovernment = "LOCAL_GOVERNMENT",
        RegionalGovernment = "REGIONAL_GOVERNMENT",
        NationalGovernment = "NATIONAL_GOVERNMENT",
        Labour = "LABOUR",
        TerritorialDemarcation = "TERRITORIAL_DEMARCATION",
        Communal = "COMMUNAL",
        Electoral = "ELECTORAL",
        Other = "OTHER",
    }
);

vocabulary!(
    /// What sort of actor takes part in cases.
    ActorKind {
        Person = "PERSON",
        Company = "COMPANY",
        StateBody = "STATE_BODY",
        Community = "COMMUNITY",
        Ngo = "NGO",
        Union = "UNION",
        Media = "MEDIA",
        PoliticalParty = "POLITICAL_PARTY",
        InternationalOrg = "INTERNATIONAL_ORG",
        Other = "OTHER",
    }
);

vocabulary!(
    /// The part an actor plays in a case.
    ActorRole {
        Operator = "OPERATOR",
        AffectedCommunity = "AFFECTED_COMMUNITY",
        Authority = "AUTHORITY",
        Mediator = "MEDIATOR",
        Organiser = "ORGANISER",
        Supporter = "SUPPORTER",
        Opponent = "OPPONENT",
        Plaintiff = "PLAINTIFF",
        Prosecutor = "PROSECUTOR",
        Defendant = "DEFENDANT",
        Issuer = "ISSUER",
        Investigator = "INVESTIGATOR",
    }
);

vocabulary!(
    /// A level of the place hierarchy.
    LocationLevel {
        Country = "COUNTRY",
        Region = "REGION",
        Province = "PROVINCE",
        District = "DISTRICT",
        Site = "SITE",
    }
);

vocabulary!(
    /// How precisely something is placed on a location.
    PlacementPrecision {
        Exact = "EXACT",
        District = "DISTRICT",
        Province = "PROVINCE",
        Region = "REGION",
        Country = "COUNTRY",
    }
);

vocabulary!(
    /// What a news item does to a case.
    UpdateKind {
        NewCase = "NEW_CASE",
        Development = "DEVELOPMENT",
        StatusChange = "STATUS_CHANGE",
        Background = "BACKGROUND",
    }
);

vocabulary!(
    /// Whether a person stands behind a news→case link.
    LinkState {
        Suggested = "SUGGESTED",
        Confirmed = "CONFIRMED",
        Rejected = "REJECTED",
    }
);

vocabulary!(
    /// What happened in an event.
    EventKind {
        Protest = "PROTEST",
        Strike = "STRIKE",
        Blockade = "BLOCKADE",
        StateOfEmergency = "STATE_OF_EMERGENCY",
        Violence = "VIOLENCE",
        Arrest = "ARREST",
        Charge = "CHARGE",
        Hearing = "HEARING",
        Ruling = "RULING",
        DecreeIssued = "DECREE_ISSUED",
        Permit = "PERMIT",
        Dialogue = "DIALOGUE",
        Agreement = "AGREEMENT",
        Investigation = "INVESTIGATION",
        ReportPublished = "REPORT_PUBLISHED",
        Announcement = "ANNOUNCEMENT",
        Other = "OTHER",
    }
);

vocabulary!(
    /// How one case relates to another.
    CaseRelationKind {
        PartOf = "PART_OF",
        RelatedTo = "RELATED_TO",
        FollowsFrom = "FOLLOWS_FROM",
    }
);

vocabulary!(
    /// Who may see a record.
    Visibility {
        Public = "PUBLIC",
        Restricted = "RESTRICTED",
    }
);

vocabulary!(
    /// Who may see a news link, an event or a status change once what it depends on is
    /// taken into account: a link its news item, an event or a status change the link that
    /// reported it. Derived by the store in the writing transaction (`store/effective.rs`),
    /// never set by an editor, who sets `visibility`.
    EffectiveVisibility {
        /// Everyone.
        Public = "PUBLIC",
        /// Callers who may read restricted records.
        Restricted = "RESTRICTED",
        /// No one: the record, or what it depends on, is archived.
        Hidden = "HIDDEN",
    }
);

/// Until the store has derived it, a row is seen by no one.
impl Default for EffectiveVisibility {
    fn default() -> Self {
        Self::Hidden
    }
}

vocabulary!(
    /// What an API token may do. Each role includes the ones before it.
    Role {
        /// Reads restricted records too.
        Viewer = "VIEWER",
        /// Writes.
        Editor = "EDITOR",
        /// Manages tokens, restores, purges, reads the audit log.
        Admin = "ADMIN",
    }
);

vocabulary!(
    /// The register an external identifier belongs to.
    ExternalIdScheme {
        Ombudsman = "OMBUDSMAN",
        Ejatlas = "EJATLAS",
        Wikidata = "WIKIDATA",
        Acled = "ACLED",
        Other = "OTHER",
    }
);

vocabulary!(
    /// The stage of an extractive or infrastructure project.
    ProjectStage {
        Proposed = "PROPOSED",
        Planned = "PLANNED",
        UnderConstruction = "UNDER_CONSTRUCTION",
        InOperation = "IN_OPERATION",
        Stopped = "STOPPED",
        Closed = "CLOSED",
    }
);

vocabulary!(
    /// The legal standing of a decree, law or regulation.
    LegalStatus {
        Proposed = "PROPOSED",
        InForce = "IN_FORCE",
        Repealed = "REPEALED",
        StruckDown = "STRUCK_DOWN",
    }
);

vocabulary!(
    /// The stage of a court case.
    CourtStage {
        Investigation = "INVESTIGATION",
        Charged = "CHARGED",
        Trial = "TRIAL",
        Appeal = "APPEAL",
        Ruled = "RULED",
        Closed = "CLOSED",
    }
);

vocabulary!(
    /// The level of government responsible for a conflict, as the Ombudsman's register
    /// gives it (`competencia`).
    GovernmentLevel {
        National = "NATIONAL",
        Regional = "REGIONAL",
        Local = "LOCAL",
    }
);

vocabulary!(
    /// What an imported file is.
    SourceKind {
        /// A monthly case table of the Ombudsman's (a register): the statuses of its
        /// month.
        Register = "REGISTER",
        /// A file of cases, actors, events and links.
        Records = "RECORDS",
        /// A file of news items.
        News = "NEWS",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_names_round_trip() {
        for kind in EventKind::ALL {
            assert_eq!(EventKind::parse(kind.as_str()), Some(*kind));
        }
        assert_eq!(CaseKind::parse("COURT_CASE"), Some(CaseKind::CourtCase));
        assert_eq!(CaseKind::parse("court_case"), None);
    }

    #[test]
    fn unknown_name_is_a_serde_error_naming_the_choices() {
        let err = serde_json::from_str::<CaseStatus>("\"OPEN\"").err();
        let message = err.map(|e| e.to_string()).unwrap_or_default();
        assert!(message.contains("unknown CaseStatus `OPEN`"), "{message}");
        assert!(message.contains("LATENT"), "{message}");
    }
}
