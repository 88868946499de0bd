//! Relations between cases, and the mutations that make and remove them.

use super::Case;
use crate::error::{ApiError, ApiResult};
use crate::ids::{NodeType, decode, encode};
use crate::types::common::store;
use crate::types::enums::CaseRelationKind;
use async_graphql::{Context, ID, InputObject, Object};
use chasqui_domain::validate;
use chasqui_entities::tables::case_relation;
use chasqui_store::Author;

/// A relation between two cases, seen from one of them.
pub struct CaseRelation {
    model: case_relation::Model,
    from_case: i64,
}

impl CaseRelation {
    /// The relation as seen from `from_case`.
    pub(super) fn new(model: case_relation::Model, from_case: i64) -> Self {
        Self { model, from_case }
    }

    /// `Mutation.relateCases`: the new relation's id.
    pub async fn relate(
        ctx: &Context<'_>,
        author: &Author,
        input: RelateCasesInput,
    ) -> ApiResult<ID> {
        let case_id = decode(NodeType::Case, &input.case, "input.case")?;
        let related = decode(NodeType::Case, &input.related_case, "input.relatedCase")?;
        let note = validate::text("input.note", input.note.as_deref(), validate::MAX_TEXT)?;
        let model = store(ctx)?
            .relate_cases(author, case_id, related, input.kind.into(), note)
            .await?;
        Ok(encode(NodeType::CaseRelation, model.id))
    }

    /// `Mutation.unrelateCases`.
    pub async fn unrelate(ctx: &Context<'_>, author: &Author, id: &ID) -> ApiResult<bool> {
        let relation = decode(NodeType::CaseRelation, id, "id")?;
        if store(ctx)?.unrelate_cases(author, relation).await? {
            Ok(true)
        } else {
            Err(ApiError::NotFound("relation".into()))
        }
    }
}

#[Object]
impl CaseRelation {
    async fn id(&self) -> ID {
        encode(NodeType::CaseRelation, self.model.id)
    }

    async fn kind(&self) -> CaseRelationKind {
        self.model.kind.into()
    }

    /// True when this case is the relation's subject ("this case FOLLOWS_FROM the other").
    async fn outgoing(&self) -> bool {
        self.model.case_id == self.from_case
    }

    /// The case at the other end.
    async fn case(&self, ctx: &Context<'_>) -> ApiResult<Option<Case>> {
        let other = if self.model.case_id == self.from_case {
            self.model.related_case_id
        } else {
            self.model.case_id
        };
        Case::load(ctx, other).await
    }

    async fn note(&self) -> Option<&str> {
        self.model.note.as_deref()
    }
}

#[derive(InputObject, Clone)]
pub struct RelateCasesInput {
    pub case: ID,
    pub related_case: ID,
    pub kind: CaseRelationKind,
    pub note: Option<String>,
}
