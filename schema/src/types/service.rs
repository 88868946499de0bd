//! What the service says about itself (`Query.service`).

use async_graphql::SimpleObject;

/// What a database has, for a first look.
#[derive(SimpleObject)]
pub struct ServiceInfo {
    pub name: &'static str,
    pub version: &'static str,
}

impl ServiceInfo {
    /// This build's name and version.
    pub fn current() -> Self {
        Self {
            name: "chasqui",
            version: env!("CARGO_PKG_VERSION"),
        }
    }
}
