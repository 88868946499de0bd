//! API tokens: created with a random secret that is shown once; only its SHA-256 is kept.

use super::audit::{self, Author, Entry};
use super::{Store, StoreError, StoreResult};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chasqui_entities::Role;
use chasqui_entities::tables::api_token;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::*;
use sha2::{Digest, Sha256};

/// Tokens start with this, so that a leaked one is easy to recognise and search for.
pub const TOKEN_PREFIX: &str = "chq_";

/// The stored form of a token: lower-case hex SHA-256.
pub fn token_hash(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Store {
    /// Creates a token; returns it with its secret, which is not stored and cannot be
    /// shown again.
    pub async fn create_token(
        &self,
        author: &Author,
        name: &str,
        role: Role,
    ) -> StoreResult<(api_token::Model, String)> {
        let name = chasqui_domain::validate::name("name", name)?;
        let mut random = [0u8; 32];
        getrandom::fill(&mut random).map_err(|e| {
            StoreError::Database(DbErr::Custom(format!("no randomness for a token: {e}")))
        })?;
        let secret = format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(random));
        self.write(async |txn| {
            let model = api_token::ActiveModel {
                id: NotSet,
                name: Set(name.clone()),
                role: Set(role),
                token_hash: Set(token_hash(&secret)),
                created_at: Set(super::now()),
                revoked_at: Set(None),
            }
            .insert(txn)
            .await
            .map_err(|e| {
                StoreError::from_db(e, || format!("name: a token named `{name}` already exists"))
            })?;
            let entry = Entry {
                action: "createToken",
                entity: "api_token",
                id: model.id,
                case_id: None,
                before: None,
                after: Some(audit::snapshot(&model)?),
            };
            audit::record(txn, author, entry).await?;
            Ok((model, secret))
        })
        .await
    }

    /// Every token, newest first (hashes included; they reveal nothing).
    pub async fn tokens(&self) -> StoreResult<Vec<api_token::Model>> {
        Ok(api_token::Entity::find()
            .order_by_desc(api_token::Column::Id)
            .all(&self.db)
            .await?)
    }

    /// Revokes a token by name; false when there is no such active token.
    pub async fn revoke_token(&self, author: &Author, name: &str) -> StoreResult<bool> {
        self.write(async |txn| {
            let Some(token) = api_token::Entity::find()
                .filter(api_token::Column::Name.eq(name))
                .filter(api_token::Column::RevokedAt.is_null())
                .one(txn)
                .await?
            else {
                return Ok(false);
            };
            let before = audit::snapshot(&token)?;
            let mut active: api_token::ActiveModel = token.into();
            active.revoked_at = Set(Some(super::now()));
            let model = active.update(txn).await?;
            let entry = Entry {
                action: "revokeToken",
                entity: "api_token",
                id: model.id,
                case_id: None,
                before: Some(before),
                after: Some(audit::snapshot(&model)?),
            };
            audit::record(txn, author, entry).await?;
            Ok(true)
        })
        .await
    }

    /// The active token with this secret, if any.
    pub async fn token_by_secret(&self, secret: &str) -> StoreResult<Option<api_token::Model>> {
        if !secret.starts_with(TOKEN_PREFIX) || secret.len() > 100 {
            return Ok(None);
        }
        Ok(api_token::Entity::find()
            .filter(api_token::Column::TokenHash.eq(token_hash(secret)))
            .filter(api_token::Column::RevokedAt.is_null())
            .one(&self.db)
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_hex_sha256() {
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
