//! The case list (`Query.cases`): keyset pages in one of five orders, with a total count.

use super::{Case, CaseFilter, CaseOrder};
use crate::error::ApiResult;
use crate::pagination::{decode_cursor, encode_cursor, page_connection};
use crate::types::common::{access, page_limits, store};
use crate::types::enums::{CaseOrderField, OrderDirection};
use async_graphql::connection::{Connection, EmptyFields};
use async_graphql::{Context, Object};
use chasqui_store::{CaseCursor, CaseOrderKey};

/// Extra fields of a case list.
pub struct CaseListInfo {
    filter: chasqui_store::CaseFilter,
}

#[Object]
impl CaseListInfo {
    /// How many cases match the filter, on all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> ApiResult<u64> {
        Ok(store(ctx)?.count_cases(access(ctx), &self.filter).await?)
    }
}

pub type CaseConnection = Connection<String, Case, CaseListInfo, EmptyFields>;

impl Case {
    /// `Query.cases`: a page of the cases matching a filter. A cursor's tag names the
    /// order it was written in, so a cursor from another order is refused.
    pub async fn paginate(
        ctx: &Context<'_>,
        filter: Option<CaseFilter>,
        order_by: Option<CaseOrder>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<CaseConnection> {
        let store = store(ctx)?;
        let access = access(ctx);
        let limit = page_limits(ctx).size(first)?;
        let filter = filter.unwrap_or_default().resolve(store, access).await?;
        let order = order_by.unwrap_or_default();
        let (key, tag) = match order.field {
            CaseOrderField::LastActivity => (CaseOrderKey::LastActivity, "la"),
            CaseOrderField::Title => (CaseOrderKey::Title, "ti"),
            CaseOrderField::Slug => (CaseOrderKey::Slug, "sl"),
            CaseOrderField::StartedOn => (CaseOrderKey::StartedOn, "so"),
            CaseOrderField::Created => (CaseOrderKey::Created, "cr"),
        };
        let descending = order.direction == OrderDirection::Desc;
        let tag = format!("c{tag}{}", if descending { "d" } else { "a" });
        let after = decode_cursor(after.as_deref(), &tag, 2, |parts| {
            Some(CaseCursor {
                id: parts[0].parse().ok()?,
                key: parts[1].to_owned(),
            })
        })?;
        let page = store
            .list_cases(access, &filter, key, descending, after.as_ref(), limit)
            .await?;
        let info = CaseListInfo { filter };
        Ok(page_connection(after.is_some(), page, info, |model| {
            let cursor = encode_cursor(&tag, &[&model.id, &key.key_of(&model)]);
            (cursor, Case::from_model(model))
        }))
    }
}
