//! Who is calling, and what they may do. The HTTP layer resolves the bearer token into a
//! [`Caller`] for each request; resolvers ask [`require`] before they write.

use crate::error::{ApiError, ApiResult};
use async_graphql::Context;
use chasqui_entities::Role;
use chasqui_store::{Access, Author};

/// The caller of one request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    /// `None` for anonymous callers.
    pub role: Option<Role>,
    pub author: Author,
}

impl Caller {
    pub fn anonymous() -> Self {
        Self {
            role: None,
            author: Author {
                token_id: None,
                name: "anonymous".to_owned(),
                source_id: None,
            },
        }
    }

    /// What the caller may read: every role reads restricted records; anonymous callers
    /// read public ones.
    pub fn access(&self) -> Access {
        Access {
            see_restricted: self.role.is_some(),
        }
    }
}

/// The author of a write that needs `role`, or UNAUTHENTICATED (anonymous) / FORBIDDEN
/// (a lesser role).
pub fn require<'a>(ctx: &Context<'a>, role: Role) -> ApiResult<&'a Author> {
    let caller = ctx.data_opt::<Caller>();
    match caller.and_then(|c| c.role.map(|r| (c, r))) {
        None => Err(ApiError::Unauthenticated(
            "this operation needs an API token: send `Authorization: Bearer <token>`".to_owned(),
        )),
        Some((_, held)) if held < role => Err(ApiError::Forbidden(format!(
            "this operation needs the {} role; the token has {}",
            role.as_str().to_lowercase(),
            held.as_str().to_lowercase()
        ))),
        Some((caller, _)) => Ok(&caller.author),
    }
}
