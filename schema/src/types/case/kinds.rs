//! The case type of each kind: the common fields (`CaseCore`) merged with the kind's own,
//! and the input of the kind-specific facts.

use super::parts::{CaseActor, roles_of};
use super::{Case, CaseCore, CaseData};
use crate::error::ApiResult;
use crate::scalars::PartialDate;
use crate::types::common::FuzzyDate;
use crate::types::enums::{CourtStage, LegalStatus, ProjectStage};
use async_graphql::{Context, InputObject, MergedObject, Object, TypeName};
use chasqui_domain::validate;
use chasqui_entities::{CaseDetails, CaseKind};
use std::borrow::Cow;
use std::marker::PhantomData;
use std::ops::Deref;

/// Names the GraphQL parts of one kind's case type. Each kind's type is a `MergedObject`
/// of parts; async-graphql registers a part once, while it is still being built, so a
/// part shared by several kinds would come out empty in all but the first. Giving each
/// kind its own (generic) part keeps every type complete.
pub trait KindParts: Send + Sync + 'static {
    const CORE: &'static str;
    const EXTRACTIVE: &'static str;
}

macro_rules! kind_marker {
    ($marker:ident, $core:literal, $extractive:literal) => {
        #[doc = concat!("Marker for the parts of `", $core, "`.")]
        pub struct $marker;

        impl KindParts for $marker {
            const CORE: &'static str = $core;
            const EXTRACTIVE: &'static str = $extractive;
        }
    };
}

kind_marker!(MineKind, "MineCaseCore", "MineCaseExtractive");
kind_marker!(
    OilAndGasKind,
    "OilAndGasCaseCore",
    "OilAndGasCaseExtractive"
);
kind_marker!(
    InfrastructureKind,
    "InfrastructureCaseCore",
    "InfrastructureCaseExtractive"
);
kind_marker!(DecreeKind, "DecreeCaseCore", "DecreeCaseExtractive");
kind_marker!(CourtCaseKind, "CourtCaseCore", "CourtCaseExtractive");
kind_marker!(CampaignKind, "CampaignCaseCore", "CampaignCaseExtractive");
kind_marker!(
    InvestigationKind,
    "InvestigationCaseCore",
    "InvestigationCaseExtractive"
);
kind_marker!(OtherKind, "OtherCaseCore", "OtherCaseExtractive");

/// Facts of extractive projects (MINE, OIL_AND_GAS).
pub struct ExtractiveFields<K>(CaseData, PhantomData<K>);

impl<K> Clone for ExtractiveFields<K> {
    fn clone(&self) -> Self {
        Self(self.0.clone(), PhantomData)
    }
}

impl<K: KindParts> TypeName for ExtractiveFields<K> {
    fn type_name() -> Cow<'static, str> {
        Cow::Borrowed(K::EXTRACTIVE)
    }
}

#[Object(name_type)]
impl<K: KindParts> ExtractiveFields<K> {
    /// The companies operating the project (actors with role OPERATOR).
    async fn operators(&self, ctx: &Context<'_>) -> ApiResult<Vec<CaseActor>> {
        roles_of(ctx, &self.0, &[chasqui_entities::ActorRole::Operator]).await
    }

    /// What is extracted.
    async fn minerals(&self) -> &[String] {
        &self.0.details.minerals
    }

    async fn project_stage(&self) -> Option<ProjectStage> {
        self.0.details.project_stage.map(Into::into)
    }
}

#[derive(Clone)]
pub struct InfrastructureFields(CaseData);

#[Object]
impl InfrastructureFields {
    /// The concessionaires or contractors (actors with role OPERATOR).
    async fn operators(&self, ctx: &Context<'_>) -> ApiResult<Vec<CaseActor>> {
        roles_of(ctx, &self.0, &[chasqui_entities::ActorRole::Operator]).await
    }

    async fn project_stage(&self) -> Option<ProjectStage> {
        self.0.details.project_stage.map(Into::into)
    }

    async fn contract_value_usd(&self) -> Option<f64> {
        self.0.details.contract_value_usd
    }
}

#[derive(Clone)]
pub struct DecreeFields(CaseData);

#[Object]
impl DecreeFields {
    /// The instrument's identifier: "DS 017-2017-IN".
    async fn identifier(&self) -> Option<&str> {
        self.0.details.identifier.as_deref()
    }

    /// Who issued it (actors with role ISSUER).
    async fn issuers(&self, ctx: &Context<'_>) -> ApiResult<Vec<CaseActor>> {
        roles_of(ctx, &self.0, &[chasqui_entities::ActorRole::Issuer]).await
    }

    async fn issued_on(&self) -> Option<FuzzyDate> {
        self.0.details.issued_on.map(FuzzyDate)
    }

    async fn legal_status(&self) -> Option<LegalStatus> {
        self.0.details.legal_status.map(Into::into)
    }
}

#[derive(Clone)]
pub struct CourtCaseFields(CaseData);

#[Object]
impl CourtCaseFields {
    async fn court(&self) -> Option<&str> {
        self.0.details.court.as_deref()
    }

    async fn docket_number(&self) -> Option<&str> {
        self.0.details.docket_number.as_deref()
    }

    async fn court_stage(&self) -> Option<CourtStage> {
        self.0.details.court_stage.map(Into::into)
    }

    /// Plaintiffs, prosecutors and defendants.
    async fn parties(&self, ctx: &Context<'_>) -> ApiResult<Vec<CaseActor>> {
        use chasqui_entities::ActorRole::*;
        roles_of(ctx, &self.0, &[Plaintiff, Prosecutor, Defendant]).await
    }
}

#[derive(Clone)]
pub struct CampaignFields(CaseData);

#[Object]
impl CampaignFields {
    /// Who runs the campaign (actors with role ORGANISER).
    async fn organisers(&self, ctx: &Context<'_>) -> ApiResult<Vec<CaseActor>> {
        roles_of(ctx, &self.0, &[chasqui_entities::ActorRole::Organiser]).await
    }

    /// What the campaign wants.
    async fn aim(&self) -> Option<&str> {
        self.0.details.aim.as_deref()
    }
}

#[derive(Clone)]
pub struct InvestigationFields(CaseData);

#[Object]
impl InvestigationFields {
    async fn investigating_body(&self) -> Option<&str> {
        self.0.details.investigating_body.as_deref()
    }

    /// Actors with role INVESTIGATOR.
    async fn investigators(&self, ctx: &Context<'_>) -> ApiResult<Vec<CaseActor>> {
        roles_of(ctx, &self.0, &[chasqui_entities::ActorRole::Investigator]).await
    }
}

/// Declares the case type of one kind: the common fields plus the kind's own.
macro_rules! case_type {
    ($(#[$meta:meta])* $name:ident($marker:ident, $fields:ty)) => {
        $(#[$meta])*
        #[derive(Clone, MergedObject)]
        pub struct $name(pub CaseCore<$marker>, pub $fields);

        impl Deref for $name {
            type Target = CaseCore<$marker>;
            fn deref(&self) -> &CaseCore<$marker> {
                &self.0
            }
        }
    };
}

case_type!(
    /// A mine and the conflict around it.
    MineCase(MineKind, ExtractiveFields<MineKind>)
);
case_type!(
    /// An oil or gas project (a block, a pipeline) and the conflict around it.
    OilAndGasCase(OilAndGasKind, ExtractiveFields<OilAndGasKind>)
);
case_type!(
    /// A road, airport, dam or other infrastructure project or contract.
    InfrastructureCase(InfrastructureKind, InfrastructureFields)
);
case_type!(
    /// A decree, law, regulation or national plan.
    DecreeCase(DecreeKind, DecreeFields)
);
case_type!(
    /// A court case.
    CourtCase(CourtCaseKind, CourtCaseFields)
);
case_type!(
    /// A campaign.
    CampaignCase(CampaignKind, CampaignFields)
);
case_type!(
    /// A corruption affair or regulatory scandal under investigation.
    InvestigationCase(InvestigationKind, InvestigationFields)
);

/// Anything else followed over time.
#[derive(Clone, MergedObject)]
pub struct OtherCase(pub CaseCore<OtherKind>);

impl Deref for OtherCase {
    type Target = CaseCore<OtherKind>;
    fn deref(&self) -> &CaseCore<OtherKind> {
        &self.0
    }
}

/// Wraps a case in the type of its kind.
pub(super) fn of_kind(data: CaseData) -> Case {
    use CaseKind as K;
    match data.model.kind {
        K::Mine => Case::Mine(MineCase(
            CaseCore::new(data.clone()),
            ExtractiveFields(data.clone(), PhantomData),
        )),
        K::OilAndGas => Case::OilAndGas(OilAndGasCase(
            CaseCore::new(data.clone()),
            ExtractiveFields(data.clone(), PhantomData),
        )),
        K::Infrastructure => Case::Infrastructure(InfrastructureCase(
            CaseCore::new(data.clone()),
            InfrastructureFields(data.clone()),
        )),
        K::Decree => Case::Decree(DecreeCase(
            CaseCore::new(data.clone()),
            DecreeFields(data.clone()),
        )),
        K::CourtCase => Case::CourtCase(CourtCase(
            CaseCore::new(data.clone()),
            CourtCaseFields(data.clone()),
        )),
        K::Campaign => Case::Campaign(CampaignCase(
            CaseCore::new(data.clone()),
            CampaignFields(data.clone()),
        )),
        K::Investigation => Case::Investigation(InvestigationCase(
            CaseCore::new(data.clone()),
            InvestigationFields(data.clone()),
        )),
        K::Other => Case::Other(OtherCase(CaseCore::new(data.clone()))),
    }
}

/// Kind-specific facts; only those of the case's kind are accepted.
#[derive(InputObject, Clone, Default)]
pub struct CaseDetailsInput {
    /// MINE, OIL_AND_GAS.
    pub minerals: Option<Vec<String>>,
    /// MINE, OIL_AND_GAS, INFRASTRUCTURE.
    pub project_stage: Option<ProjectStage>,
    /// INFRASTRUCTURE.
    pub contract_value_usd: Option<f64>,
    /// DECREE: "DS 017-2017-IN".
    pub identifier: Option<String>,
    /// DECREE.
    pub issued_on: Option<PartialDate>,
    /// DECREE.
    pub legal_status: Option<LegalStatus>,
    /// COURT_CASE.
    pub court: Option<String>,
    /// COURT_CASE.
    pub docket_number: Option<String>,
    /// COURT_CASE.
    pub court_stage: Option<CourtStage>,
    /// CAMPAIGN.
    pub aim: Option<String>,
    /// INVESTIGATION.
    pub investigating_body: Option<String>,
}

impl CaseDetailsInput {
    /// The facts in store terms, checked against the case's kind
    /// ([`validate::case_details`]).
    pub fn resolve(&self, kind: CaseKind, prefix: &str) -> ApiResult<CaseDetails> {
        let details = CaseDetails {
            minerals: self.minerals.clone().unwrap_or_default(),
            project_stage: self.project_stage.map(Into::into),
            contract_value_usd: self.contract_value_usd,
            identifier: self.identifier.clone(),
            issued_on: self.issued_on.map(|d| d.0),
            legal_status: self.legal_status.map(Into::into),
            court: self.court.clone(),
            docket_number: self.docket_number.clone(),
            court_stage: self.court_stage.map(Into::into),
            aim: self.aim.clone(),
            investigating_body: self.investigating_body.clone(),
        };
        Ok(validate::case_details(prefix, kind, details)?)
    }
}
