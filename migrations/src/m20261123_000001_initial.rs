//! The case database: places, actors, cases and everything dated about them.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Columns every editable record carries: visibility, version, soft delete, timestamps.
fn record_columns(table: &mut TableCreateStatement) -> &mut TableCreateStatement {
    table
        .col(string_len(Alias::new("visibility"), 16).default("PUBLIC"))
        .col(integer(Alias::new("version")).default(1))
        .col(timestamp_with_time_zone_null(Alias::new("archived_at")))
        .col(timestamp_with_time_zone(Alias::new("created_at")))
        .col(timestamp_with_time_zone(Alias::new("updated_at")))
}

fn fk(
    from_table: &str,
    from_col: &str,
    to_table: &str,
    cascade: bool,
) -> ForeignKeyCreateStatement {
    let mut key = ForeignKey::create();
    key.name(format!("fk_{from_table}_{from_col}"))
        .from(Alias::new(from_table), Alias::new(from_col))
        .to(Alias::new(to_table), Alias::new("id"));
    if cascade {
        key.on_delete(ForeignKeyAction::Cascade);
    } else {
        key.on_delete(ForeignKeyAction::SetNull);
    }
    key
}

fn index(table: &str, columns: &[&str], unique: bool) -> IndexCreateStatement {
    let mut index = Index::create();
    index
        .name(format!("ix_{table}_{}", columns.join("_")))
        .table(Alias::new(table));
    for column in columns {
        index.col(Alias::new(*column));
    }
    if unique {
        index.unique();
    }
    index
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut tables: Vec<TableCreateStatement> = Vec::new();

        let mut locations = Table::create();
        locations
            .table(Alias::new("locations"))
            .col(big_pk_auto(Alias::new("id")))
            .col(string_len_null(Alias::new("code"), 32).unique_key())
            .col(string(Alias::new("name")))
            .col(string_len(Alias::new("level"), 16))
            .col(big_integer_null(Alias::new("parent_id")))
            .col(string(Alias::new("path")))
            .col(double_null(Alias::new("latitude")))
            .col(double_null(Alias::new("longitude")))
            .col(text_null(Alias::new("geometry")))
            .foreign_key(&mut fk("locations", "parent_id", "locations", false));
        record_columns(&mut locations);
        tables.push(locations);

        let mut actors = Table::create();
        actors
            .table(Alias::new("actors"))
            .col(big_pk_auto(Alias::new("id")))
            .col(string(Alias::new("slug")).unique_key())
            .col(string(Alias::new("name")))
            .col(string_len(Alias::new("kind"), 32))
            .col(text_null(Alias::new("description")));
        record_columns(&mut actors);
        tables.push(actors);

        let mut aliases = Table::create();
        aliases
            .table(Alias::new("actor_aliases"))
            .col(big_pk_auto(Alias::new("id")))
            .col(big_integer(Alias::new("actor_id")))
            .col(string(Alias::new("alias")))
            .foreign_key(&mut fk("actor_aliases", "actor_id", "actors", true));
        tables.push(aliases);

        let mut cases = Table::create();
        cases
            .table(Alias::new("cases"))
            .col(big_pk_auto(Alias::new("id")))
            .col(string(Alias::new("slug")).unique_key())
            .col(string_len(Alias::new("kind"), 32))
            .col(string(Alias::new("title")))
            .col(text_null(Alias::new("summary")))
            .col(string_len(Alias::new("status"), 16))
            .col(string_len_null(Alias::new("phase"), 32))
            .col(string_len_null(Alias::new("conflict_type"), 32))
            .col(date_null(Alias::new("started_on")))
            .col(string_len_null(Alias::new("started_precision"), 8))
            .col(date_null(Alias::new("last_activity_on")))
            .col(text(Alias::new("details")).default("{}"));
        record_columns(&mut cases);
        tables.push(cases);

        let mut topics = Table::create();
        topics
            .table(Alias::new("case_topics"))
            .col(big_pk_auto(Alias::new("id")))
            .col(big_integer(Alias::new("case_id")))
            .col(string(Alias::new("topic")))
            .foreign_key(&mut fk("case_topics", "case_id", "cases", true));
        tables.push(topics);

        let mut external = Table::create();
        external
            .table(Alias::new("case_external_ids"))
            .col(big_pk_auto(Alias::new("id")))
            .col(big_integer(Alias::new("case_id")))
            .col(string_len(Alias::new("scheme"), 16))
            .col(string(Alias::new("value")))
            .foreign_key(&mut fk("case_external_ids", "case_id", "cases", true));
        tables.push(external);

        let mut relations = Table::create();
        relations
            .table(Alias::new("case_relations"))
            .col(big_pk_auto(Alias::new("id")))
            .col(big_integer(Alias::new("case_id")))
            .col(big_integer(Alias::new("related_case_id")))
            .col(string_len(Alias::new("kind"), 16))
            .col(text_null(Alias::new("note")))
            .col(timestamp_with_time_zone(Alias::new("created_at")))
            .check(Expr::col(Alias::new("case_id")).ne(Expr::col(Alias::new("related_case_id"))))
            .foreign_key(&mut fk("case_relations", "case_id", "cases", true))
            .foreign_key(&mut fk("case_relations", "related_case_id", "cases", true));
        tables.push(relations);

        let mut placements = Table::create();
        placements
            .table(Alias::new("case_locations"))
            .col(big_pk_auto(Alias::new("id")))
            .col(big_integer(Alias::new("case_id")))
            .col(big_integer(Alias::new("location_id")))
            .col(string_len(Alias::new("precision"), 16))
            .foreign_key(&mut fk("case_locations", "case_id", "cases", true))
            .foreign_key(&mut fk("case_locations", "location_id", "locations", true));
        tables.push(placements);

        let mut roles = Table::create();
        roles
            .table(Alias::new("case_actors"))
            .col(big_pk_auto(Alias::new("id")))
            .col(big_integer(Alias::new("case_id")))
            .col(big_integer(Alias::new("actor_id")))
            .col(string_len(Alias::new("role"), 32))
            .col(date_null(Alias::new("started_on")))
            .col(string_len_null(Alias::new("started_precision"), 8))
            .col(date_null(Alias::new("ended_on")))
            .col(string_len_null(Alias::new("ended_precision"), 8))
            .col(text_null(Alias::new("note")))
            .col(string_len(Alias::new("visibility"), 16).default("PUBLIC"))
            .foreign_key(&mut fk("case_actors", "case_id", "cases", true))
            .foreign_key(&mut fk("case_actors", "actor_id", "actors", true));
        tables.push(roles);

        let mut news = Table::create();
        news.table(Alias::new("news_items"))
            .col(big_pk_auto(Alias::new("id")))
            .col(text(Alias::new("title")))
            .col(date(Alias::new("published_on")))
            .col(string_len(Alias::new("published_precision"), 8))
            .col(text_null(Alias::new("summary")))
            .col(text_null(Alias::new("body")))
            .col(text_null(Alias::new("url")).unique_key())
            .col(string_null(Alias::new("publisher")))
            .col(string_len_null(Alias::new("language"), 16));
        record_columns(&mut news);
        tables.push(news);

        let mut events = Table::create();
        events
            .table(Alias::new("events"))
            .col(big_pk_auto(Alias::new("id")))
            .col(big_integer(Alias::new("case_id")))
            .col(string_len(Alias::new("kind"), 32))
            .col(text(Alias::new("title")))
            .col(text_null(Alias::new("description")))
            .col(date(Alias::new("occurred_on")))
            .col(string_len(Alias::new("occurred_precision"), 8))
            .col(date_null(Alias::new("ended_on")))
            .col(string_len_null(Alias::new("ended_precision"), 8))
            .col(big_integer_null(Alias::new("location_id")))
            .col(integer_null(Alias::new("deaths")))
            .col(integer_null(Alias::new("injuries")))
            .foreign_key(&mut fk("events", "case_id", "cases", true))
            .foreign_key(&mut fk("events", "location_id", "locations", false));
        record_columns(&mut events);
        tables.push(events);

        let mut status_changes = Table::create();
        status_changes
            .table(Alias::new("status_changes"))
            .col(big_pk_auto(Alias::new("id")))
            .col(big_integer(Alias::new("case_id")))
            .col(string_len(Alias::new("status"), 16))
            .col(string_len_null(Alias::new("phase"), 32))
            .col(date(Alias::new("occurred_on")))
            .col(string_len(Alias::new("occurred_precision"), 8))
            .col(big_integer_null(Alias::new("news_item_id")))
            .col(text_null(Alias::new("source_url")))
            .col(text_null(Alias::new("note")))
            .col(timestamp_with_time_zone(Alias::new("created_at")))
            .foreign_key(&mut fk("status_changes", "case_id", "cases", true))
            .foreign_key(&mut fk(
                "status_changes",
                "news_item_id",
                "news_items",
                false,
            ));
        tables.push(status_changes);

        let mut links = Table::create();
        links
            .table(Alias::new("news_links"))
            .col(big_pk_auto(Alias::new("id")))
            .col(big_integer(Alias::new("news_item_id")))
            .col(big_integer(Alias::new("case_id")))
            .col(string_len(Alias::new("update_kind"), 16))
            .col(string_len_null(Alias::new("reported_status"), 16))
            .col(big_integer_null(Alias::new("status_change_id")))
            .col(big_integer_null(Alias::new("event_id")))
            .col(text_null(Alias::new("note")))
            .col(string_len(Alias::new("state"), 16))
            .col(double_null(Alias::new("confidence")))
            .col(text_null(Alias::new("matched_terms")))
            .col(string_len(Alias::new("visibility"), 16).default("PUBLIC"))
            .col(timestamp_with_time_zone(Alias::new("created_at")))
            .col(timestamp_with_time_zone(Alias::new("updated_at")))
            .foreign_key(&mut fk("news_links", "news_item_id", "news_items", true))
            .foreign_key(&mut fk("news_links", "case_id", "cases", true))
            .foreign_key(&mut fk(
                "news_links",
                "status_change_id",
                "status_changes",
                false,
            ))
            .foreign_key(&mut fk("news_links", "event_id", "events", false));
        tables.push(links);

        let mut event_actors = Table::create();
        event_actors
            .table(Alias::new("event_actors"))
            .col(big_pk_auto(Alias::new("id")))
            .col(big_integer(Alias::new("event_id")))
            .col(big_integer(Alias::new("actor_id")))
            .foreign_key(&mut fk("event_actors", "event_id", "events", true))
            .foreign_key(&mut fk("event_actors", "actor_id", "actors", true));
        tables.push(event_actors);

        let mut event_sources = Table::create();
        event_sources
            .table(Alias::new("event_sources"))
            .col(big_pk_auto(Alias::new("id")))
            .col(big_integer(Alias::new("event_id")))
            .col(big_integer_null(Alias::new("news_item_id")))
            .col(text_null(Alias::new("url")))
            .foreign_key(&mut fk("event_sources", "event_id", "events", true))
            .foreign_key(&mut fk("event_sources", "news_item_id", "news_items", true));
        tables.push(event_sources);

        for table in tables {
            manager.create_table(table).await?;
        }

        let indexes = [
            index("locations", &["parent_id"], false),
            index("locations", &["path"], false),
            index("actor_aliases", &["actor_id", "alias"], true),
            index("actor_aliases", &["alias"], false),
            index("cases", &["status", "kind"], false),
            index("cases", &["last_activity_on", "id"], false),
            index("case_topics", &["case_id", "topic"], true),
            index("case_topics", &["topic"], false),
            index("case_external_ids", &["scheme", "value"], true),
            index("case_external_ids", &["case_id"], false),
            index(
                "case_relations",
                &["case_id", "related_case_id", "kind"],
                true,
            ),
            index("case_relations", &["related_case_id"], false),
            index("case_locations", &["case_id", "location_id"], true),
            index("case_locations", &["location_id"], false),
            index("case_actors", &["case_id", "actor_id", "role"], true),
            index("case_actors", &["actor_id"], false),
            index("news_items", &["published_on", "id"], false),
            index("events", &["case_id", "occurred_on", "id"], false),
            index("status_changes", &["case_id", "occurred_on", "id"], false),
            index("news_links", &["news_item_id", "case_id"], true),
            index("news_links", &["case_id"], false),
            index("event_actors", &["event_id", "actor_id"], true),
            index("event_actors", &["actor_id"], false),
            index("event_sources", &["event_id"], false),
        ];
        for index in indexes {
            manager.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "event_sources",
            "event_actors",
            "news_links",
            "status_changes",
            "events",
            "news_items",
            "case_actors",
            "case_locations",
            "case_relations",
            "case_external_ids",
            "case_topics",
            "cases",
            "actor_aliases",
            "actors",
            "locations",
        ] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
