//! `importNewsItems`: a batch of news items pushed by a CMS, in one transaction.

use super::CreateNewsItemInput;
use crate::error::{ApiError, ApiResult};
use crate::types::common::store;
use async_graphql::{Context, Enum, SimpleObject};
use chasqui_store::Author;

/// What became of one pushed item.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum ImportOutcome {
    New,
    Updated,
    Unchanged,
}

impl From<chasqui_store::ImportOutcome> for ImportOutcome {
    fn from(outcome: chasqui_store::ImportOutcome) -> Self {
        match outcome {
            chasqui_store::ImportOutcome::New => Self::New,
            chasqui_store::ImportOutcome::Updated => Self::Updated,
            chasqui_store::ImportOutcome::Unchanged => Self::Unchanged,
        }
    }
}

/// The result for one item of `importNewsItems`, in input order.
#[derive(SimpleObject)]
pub struct ImportResult {
    pub outcome: ImportOutcome,
}

impl ImportResult {
    /// `Mutation.importNewsItems`: every item is checked (an error names it, `items[3].url`)
    /// before any is written. At most `admission::MAX_IMPORT_ITEMS` items: checked before
    /// the request runs.
    pub async fn import(
        ctx: &Context<'_>,
        author: &Author,
        items: Vec<CreateNewsItemInput>,
    ) -> ApiResult<Vec<ImportResult>> {
        let resolved = items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                item.resolve().map_err(|err| match err {
                    ApiError::BadUserInput { field, message } => ApiError::BadUserInput {
                        field: field.replacen("input", &format!("items[{i}]"), 1),
                        message,
                    },
                    other => other,
                })
            })
            .collect::<ApiResult<Vec<_>>>()?;
        let outcomes = store(ctx)?.import_news_items(author, resolved).await?;
        Ok(outcomes
            .into_iter()
            .map(|outcome| ImportResult {
                outcome: outcome.into(),
            })
            .collect())
    }
}
