//! The API's enumerations. They mirror the storage vocabularies one to one (async-graphql's
//! `remote` derives the conversions), and carry the descriptions clients read.

use async_graphql::Enum;

macro_rules! api_enum {
    ($(#[$meta:meta])* $name:ident => $remote:literal { $($variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[graphql(remote = $remote)]
        pub enum $name {
            $($variant),+
        }
    };
}

api_enum!(
    /// What a case is about; each kind has its own type implementing `Case`.
    CaseKind => "chasqui_entities::CaseKind" { Mine, OilAndGas, Infrastructure, Decree, CourtCase, Campaign, Investigation, Other }
);
api_enum!(
    /// The Ombudsman's register status. WITHDRAWN: moved out of the active register after long inactivity.
    CaseStatus => "chasqui_entities::CaseStatus" { Active, Latent, Resolved, Withdrawn }
);
api_enum!(
    /// The phase of a conflict.
    ConflictPhase => "chasqui_entities::ConflictPhase" { NotStarted, Early, Escalation, Crisis, DeEscalation, Dialogue, Concluded }
);
api_enum!(
    /// The Ombudsman's classification of a conflict.
    ConflictType => "chasqui_entities::ConflictType" { SocioEnvironmental, LocalGovernment, RegionalGovernment, NationalGovernment, Labour, TerritorialDemarcation, Communal, Electoral, Other }
);
api_enum!(
    /// What sort of actor.
    ActorKind => "chasqui_entities::ActorKind" { Person, Company, StateBody, Community, Ngo, Union, Media, PoliticalParty, InternationalOrg, Other }
);
api_enum!(
    /// The part an actor plays in a case.
    ActorRole => "chasqui_entities::ActorRole" { Operator, AffectedCommunity, Authority, Mediator, Organiser, Supporter, Opponent, Plaintiff, Prosecutor, Defendant, Issuer, Investigator }
);
api_enum!(
    /// A level of the place hierarchy.
    LocationLevel => "chasqui_entities::LocationLevel" { Country, Region, Province, District, Site }
);
api_enum!(
    /// How precisely something is placed.
    PlacementPrecision => "chasqui_entities::PlacementPrecision" { Exact, District, Province, Region, Country }
);
api_enum!(
    /// What a news item does to a case.
    UpdateKind => "chasqui_entities::UpdateKind" { NewCase, Development, StatusChange, Background }
);
api_enum!(
    /// Whether a person confirmed a link, or it is only a suggestion.
    LinkState => "chasqui_entities::LinkState" { Suggested, Confirmed, Rejected }
);
api_enum!(
    /// What happened.
    EventKind => "chasqui_entities::EventKind" { Protest, Strike, Blockade, StateOfEmergency, Violence, Arrest, Charge, Hearing, Ruling, DecreeIssued, Permit, Dialogue, Agreement, Investigation, ReportPublished, Announcement, Other }
);
api_enum!(
    /// How one case relates to another.
    CaseRelationKind => "chasqui_entities::CaseRelationKind" { PartOf, RelatedTo, FollowsFrom }
);
api_enum!(
    /// Who may see a record: everyone, or only trusted readers.
    Visibility => "chasqui_entities::Visibility" { Public, Restricted }
);
api_enum!(
    /// The register an external identifier belongs to.
    ExternalIdScheme => "chasqui_entities::ExternalIdScheme" { Ombudsman, Ejatlas, Wikidata, Acled, Other }
);
api_enum!(
    /// The stage of an extractive or infrastructure project.
    ProjectStage => "chasqui_entities::ProjectStage" { Proposed, Planned, UnderConstruction, InOperation, Stopped, Closed }
);
api_enum!(
    /// The legal standing of a decree, law or regulation.
    LegalStatus => "chasqui_entities::LegalStatus" { Proposed, InForce, Repealed, StruckDown }
);
api_enum!(
    /// The stage of a court case.
    CourtStage => "chasqui_entities::CourtStage" { Investigation, Charged, Trial, Appeal, Ruled, Closed }
);
api_enum!(
    /// The level of government responsible for a conflict, as the Ombudsman's register
    /// gives it.
    GovernmentLevel => "chasqui_entities::GovernmentLevel" { National, Regional, Local }
);
api_enum!(
    /// What an imported file is: a monthly case table of the Ombudsman's (a register),
    /// a file of cases, actors, events and links, or a file of news items.
    ImportedFileKind => "chasqui_entities::SourceKind" { Register, Records, News }
);
api_enum!(
    /// How much of a date is known.
    DatePrecision => "chasqui_entities::DatePrecision" { Day, Month, Year }
);

/// Timeline order.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum TimelineOrder {
    #[default]
    NewestFirst,
    OldestFirst,
}

/// Which entries a timeline includes.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TimelineEntryType {
    Event,
    NewsUpdate,
    StatusChange,
}

/// Sort orders for case lists.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum CaseOrderField {
    /// Most recent activity (event, news, status change) first by default.
    #[default]
    LastActivity,
    Title,
    Slug,
    StartedOn,
    Created,
}

#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum OrderDirection {
    Asc,
    #[default]
    Desc,
}

/// Dimensions to group case counts by.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CaseStatDimension {
    Status,
    /// The phase of the status in effect; cases without a phase count under `phase: null`.
    Phase,
    Kind,
    ConflictType,
    /// The department (REGION level location) a case lies in, through places the caller
    /// may see (those through which the `region` filter finds it); a case in two
    /// departments counts in both.
    Region,
    /// The province (PROVINCE level location) a case lies in, through places the caller
    /// may see. With REGION, each province counts under the department it lies in.
    Province,
    /// Each month of the period: the case's status and phase as of the month's end.
    /// Without `activeFrom`/`activeTo`, the months run from the first dated status change
    /// of the matching cases to their latest activity.
    Month,
}
