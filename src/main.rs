//! `chasqui`: the command line. `serve` runs the GraphQL service; `migrate` brings a
//! database up to date; `schema` prints the SDL; `demo` loads the demo data set.

use anyhow::Context as _;
use chasqui::config::{DatabaseArgs, ServeArgs};
use chasqui::{db, demo, http, telemetry};
use chasqui_schema::store::Store;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "chasqui",
    version,
    about = "Social-conflict and case-tracking database over GraphQL"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the GraphQL API (GraphiQL at /graphql in a browser).
    Serve(ServeArgs),
    /// Create or update the database schema, then exit.
    Migrate(DatabaseArgs),
    /// Print the GraphQL schema (SDL).
    Schema,
    /// Load the demo data set into the database, then exit.
    Demo(DatabaseArgs),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    telemetry::init();
    let cli = Cli::parse();
    match cli.command {
        Command::Schema => {
            print!("{}", chasqui_schema::sdl());
            Ok(())
        }
        Command::Migrate(args) => {
            db::connect(&args.database_url, args.pool_size)
                .await
                .context("connecting to the database")?;
            tracing::info!("database is up to date");
            Ok(())
        }
        Command::Demo(args) => {
            let conn = db::connect(&args.database_url, args.pool_size)
                .await
                .context("connecting to the database")?;
            report_demo(demo::load(&Store::new(conn)).await?);
            Ok(())
        }
        Command::Serve(args) => serve(args).await,
    }
}

fn report_demo(report: Option<demo::DemoReport>) {
    match report {
        Some(r) => tracing::info!(
            cases = r.cases,
            actors = r.actors,
            locations = r.locations,
            news_items = r.news_items,
            links = r.links,
            events = r.events,
            "demo data set loaded"
        ),
        None => tracing::info!("demo data set already present; nothing loaded"),
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let conn = db::connect(&args.database.database_url, args.database.pool_size)
        .await
        .context("connecting to the database")?;
    if args.demo {
        report_demo(demo::load(&Store::new(conn.clone())).await?);
    }
    let app = http::router(conn, args.http_config());
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
    tracing::info!(
        "chasqui listening on http://{}/graphql",
        listener.local_addr()?
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    tracing::info!("chasqui stopped");
    Ok(())
}

async fn shutdown_signal() {
    let interrupt = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::error!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
