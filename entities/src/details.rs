//! Kind-specific facts about a case, stored as one JSON document in `cases.details`.
//!
//! A mine's minerals and project stage, a decree's identifier and legal status, a court
//! case's court and docket… Parties (operator, issuer, plaintiffs, organisers) are not
//! here: they are actor roles, so they can be dated, sourced and queried like any other.

use crate::date::PartialDate;
use crate::vocabulary::{CourtStage, LegalStatus, ProjectStage};
use serde::{Deserialize, Serialize};

/// The kind-specific part of a case. Every field is optional; which ones apply depends on
/// the case's kind (the API exposes only those of the kind).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CaseDetails {
    /// MINE, OIL_AND_GAS: what is extracted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub minerals: Vec<String>,
    /// MINE, OIL_AND_GAS, INFRASTRUCTURE.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_stage: Option<ProjectStage>,
    /// INFRASTRUCTURE: the contract's value in US dollars.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_value_usd: Option<f64>,
    /// DECREE: the instrument's identifier ("DS 017-2017-IN").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
    /// DECREE: when it was issued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued_on: Option<PartialDate>,
    /// DECREE.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_status: Option<LegalStatus>,
    /// COURT_CASE: the court hearing it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub court: Option<String>,
    /// COURT_CASE.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub docket_number: Option<String>,
    /// COURT_CASE.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub court_stage: Option<CourtStage>,
    /// CAMPAIGN: what the campaign wants.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aim: Option<String>,
    /// INVESTIGATION: who investigates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub investigating_body: Option<String>,
}
