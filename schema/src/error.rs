//! The API's error type: one enum, each variant with a stable `extensions.code`.
//! Internal detail (database messages) goes to the log, never to the client.

use async_graphql::ErrorExtensions;
use chasqui_store::StoreError;

///
/// It deliberately has no `Display`: async-graphql converts any displayable error into a
/// code-less one, and every error of ours must keep its code.
#[derive(Debug, Clone)]
pub enum ApiError {
    /// The request's input is wrong; `field` is the path of the offending input.
    BadUserInput {
        field: String,
        message: String,
    },
    NotFound(String),
    Conflict(String),
    /// No credentials, or credentials that are not valid.
    Unauthenticated(String),
    /// Valid credentials without the role the operation needs.
    Forbidden(String),
    Internal,
}

impl ApiError {
    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadUserInput {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The message clients see.
    pub fn message(&self) -> String {
        match self {
            Self::BadUserInput { field, message } => format!("{field}: {message}"),
            Self::NotFound(what) => format!("{what} not found"),
            Self::Conflict(message) => message.clone(),
            Self::Unauthenticated(message) | Self::Forbidden(message) => message.clone(),
            Self::Internal => "internal error; the server log has the details".to_owned(),
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::BadUserInput { .. } => "BAD_USER_INPUT",
            Self::NotFound(_) => "NOT_FOUND",
            Self::Conflict(_) => "CONFLICT",
            Self::Unauthenticated(_) => "UNAUTHENTICATED",
            Self::Forbidden(_) => "FORBIDDEN",
            Self::Internal => "INTERNAL_SERVER_ERROR",
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Invalid { field, message } => Self::BadUserInput { field, message },
            StoreError::NotFound { what } => Self::NotFound(what),
            StoreError::Conflict(message) => Self::Conflict(message),
            StoreError::Database(db) => {
                tracing::error!(error = %db, "database error");
                Self::Internal
            }
        }
    }
}

impl From<chasqui_domain::validate::Invalid> for ApiError {
    fn from(err: chasqui_domain::validate::Invalid) -> Self {
        StoreError::from(err).into()
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(err: ApiError) -> Self {
        let code = err.code();
        let field = match &err {
            ApiError::BadUserInput { field, .. } => Some(field.clone()),
            _ => None,
        };
        async_graphql::Error::new(err.message()).extend_with(|_, ext| {
            ext.set("code", code);
            if let Some(field) = field {
                ext.set("field", field);
            }
        })
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
