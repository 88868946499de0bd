//! Provenance: where a status change, an event or a placement came from. The imported
//! files an import records (`ImportedFile`: a monthly register, a file of records), the
//! audited edits (`Edit`), and the `Provenance` union the records answer with.

use super::common::{FuzzyDate, Source, loaders};
use super::enums::ImportedFileKind;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::loaders::ProvenanceOf;
use async_graphql::{Context, Object, Union};
use chasqui_entities::tables::{audit_entry, source};
use chasqui_entities::{DatePrecision, Role};
use chasqui_store::Sourced;
use chrono::{DateTime, Utc};

/// Whether the caller may read the audit log (who made a change, and its entry).
fn reads_audit_log(ctx: &Context<'_>) -> bool {
    ctx.data_opt::<Caller>()
        .is_some_and(|c| c.role == Some(Role::Admin))
}

/// A file an import read, recorded once: the rows it wrote point to it.
pub struct ImportedFile(pub source::Model);

#[Object]
impl ImportedFile {
    async fn kind(&self) -> ImportedFileKind {
        self.0.kind.into()
    }

    /// The file's name, without its directory.
    async fn file_name(&self) -> &str {
        &self.0.file_name
    }

    /// The SHA-256 of the file's bytes, in lower-case hex: the same bytes imported again
    /// are the same file.
    async fn digest(&self) -> &str {
        &self.0.digest
    }

    /// For a register: the month it describes (`--as-of`, or the month in its name).
    async fn as_of(&self) -> Option<FuzzyDate> {
        self.0
            .as_of
            .map(|day| FuzzyDate::from_parts(day, DatePrecision::Month))
    }

    async fn imported_at(&self) -> DateTime<Utc> {
        self.0.imported_at
    }

    /// Who imported it: a token's name, or `cli` (admins only; null for others).
    async fn imported_by(&self, ctx: &Context<'_>) -> Option<&str> {
        reads_audit_log(ctx).then_some(self.0.author.as_str())
    }
}

/// A change made through the API (or a `chasqui` command), as the audit log records it.
pub struct Edit(pub audit_entry::Model);

#[Object]
impl Edit {
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }

    /// The operation that wrote the record: `recordStatusChange`, `createCase`,
    /// `updateCase`, `recordEvent`.
    async fn action(&self) -> &str {
        &self.0.action
    }

    /// The name of the token that made the change, or `cli` (admins only; null for
    /// others).
    async fn author(&self, ctx: &Context<'_>) -> Option<&str> {
        reads_audit_log(ctx).then_some(self.0.author.as_str())
    }

    /// The id of the audit log entry (admins only; null for others).
    async fn audit_entry_id(&self, ctx: &Context<'_>) -> Option<i64> {
        reads_audit_log(ctx).then_some(self.0.id)
    }
}

/// Where a status change, an event or a placement came from, the first that applies: the
/// news item or URL that reports it (`Source`), the file it was imported from
/// (`ImportedFile`: a monthly register, a file of records), or the edit that wrote it
/// (`Edit`). A news item the caller may not see counts as none (its URL, file or edit
/// answers instead); null when nothing is recorded.
#[derive(Union)]
pub enum Provenance {
    Reported(Source),
    Imported(ImportedFile),
    Edited(Edit),
}

/// The provenance of a row, through the request's loader.
pub async fn provenance_of(ctx: &Context<'_>, row: Sourced) -> ApiResult<Option<Provenance>> {
    let found = loaders(ctx)?.load_one(ProvenanceOf(row)).await?;
    Ok(found.map(|p| match p {
        chasqui_store::Provenance::Reported { news_item_id, url } => {
            Provenance::Reported(Source { news_item_id, url })
        }
        chasqui_store::Provenance::Imported(file) => Provenance::Imported(ImportedFile(file)),
        chasqui_store::Provenance::Edited(entry) => Provenance::Edited(Edit(entry)),
    }))
}
