//! One sea-orm entity per table. Relations are expressed by id columns and queried by the
//! store explicitly (with batching), not through lazy relation loading.
pub mod actor;
pub mod actor_alias;
pub mod api_token;
pub mod audit_entry;
pub mod case;
pub mod case_actor;
pub mod case_external_id;
pub mod case_location;
pub mod case_relation;
pub mod case_topic;
pub mod event;
pub mod event_actor;
pub mod event_source;
pub mod location;
pub mod news_item;
pub mod news_link;
pub mod register_entry;
pub mod source;
pub mod status_change;
