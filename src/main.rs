//! `chasqui`: the command line. `serve` runs the GraphQL service; `migrate` brings a
//! database up to date; `schema` prints the SDL; `demo` loads the demo data set.

use anyhow::Context as _;
use chasqui::config::{DatabaseArgs, ServeArgs};
use chasqui::{db, demo, http, telemetry};
use chasqui_entities::Role;
use chasqui_store::{Author, Store};
use clap::{Parser, Subcommand};

/// mimalloc instead of the system allocator: a GraphQL request allocates and frees many
/// small values (parsed selections, rows, JSON), and under load glibc's allocator spent a
/// fifth of the server's CPU in `malloc`, `free` and their arena locks (bench/perf).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    /// Rebuild the full-text search index from the records, then exit.
    Reindex(DatabaseArgs),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Places: load administrative boundaries.
    #[command(subcommand)]
    Places(chasqui::import::places::PlacesCommand),
    /// Write the whole database as NDJSON (stable order) to standard output or a file; load
    /// it into an empty database with `chasqui import`.
    Export {
        /// Where to write; standard output when not given.
        #[arg(long)]
        output: Option<std::path::PathBuf>,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Import news items, or cases, actors, events and links (NDJSON/JSON records, CSV
    /// with --kind, a case table), from files; importing the same file again changes
    /// nothing. Exits non-zero when any entry is rejected.
    Import {
        /// The files to import, one transaction each.
        #[arg(required = true)]
        files: Vec<std::path::PathBuf>,
        /// The files' format; detected when not given.
        #[arg(long, value_enum)]
        format: Option<chasqui::import::Format>,
        /// The publisher of the items, when the file does not name one.
        #[arg(long)]
        publisher: Option<String>,
        /// The items' language (BCP 47: en, es), when the file does not say.
        #[arg(long)]
        language: Option<String>,
        /// For CSV: which header holds each field, as `title=Titular,date=Fecha`.
        #[arg(long)]
        map: Option<String>,
        /// For CSV: the rows are records of this kind instead of news items.
        #[arg(long, value_enum)]
        kind: Option<chasqui::import::RecordKind>,
        /// For a case table (a monthly register): the month it describes, as 2024-04, over
        /// the month in its file name (`…-2024-04.csv`). Statuses and phases are recorded
        /// as of that month where the cases' histories do not already say so.
        #[arg(long, value_parser = parse_month)]
        as_of: Option<chasqui_entities::PartialDate>,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a token and print it (once: only its hash is stored).
    Create {
        /// A unique name: who or what uses the token ("newsroom-cms").
        #[arg(long)]
        name: String,
        #[arg(long, value_enum)]
        role: RoleArg,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// List tokens (names, roles, dates; never secrets).
    List(DatabaseArgs),
    /// Revoke a token by name; requests with it are refused from then on.
    Revoke {
        #[arg(long)]
        name: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

/// The roles a token can have.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum RoleArg {
    /// Reads restricted records too.
    Viewer,
    /// Writes.
    Editor,
    /// Manages tokens, restores and purges, reads the audit log.
    Admin,
}

impl From<RoleArg> for Role {
    fn from(role: RoleArg) -> Self {
        match role {
            RoleArg::Viewer => Role::Viewer,
            RoleArg::Editor => Role::Editor,
            RoleArg::Admin => Role::Admin,
        }
    }
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
        Command::Reindex(args) => {
            let conn = db::connect(&args.database_url, args.pool_size)
                .await
                .context("connecting to the database")?;
            let documents = Store::new(conn).rebuild_search_index().await?;
            eprintln!("search index rebuilt: {documents} documents");
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
        Command::Token(command) => token(command).await,
        Command::Places(command) => {
            if chasqui::import::places::run_places_command(command).await? {
                Ok(())
            } else {
                std::process::exit(2)
            }
        }
        Command::Export { output, database } => {
            let conn = db::connect(&database.database_url, database.pool_size)
                .await
                .context("connecting to the database")?;
            let store = Store::new(conn);
            let counts = match output {
                Some(path) => {
                    let file = std::fs::File::create(&path)
                        .with_context(|| format!("creating {}", path.display()))?;
                    let mut out = std::io::BufWriter::new(file);
                    let counts = store.export(&mut out).await?;
                    std::io::Write::flush(&mut out)?;
                    counts
                }
                None => {
                    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
                    let counts = store.export(&mut out).await?;
                    std::io::Write::flush(&mut out)?;
                    counts
                }
            };
            let rows: usize = counts.iter().map(|(_, n)| n).sum();
            eprintln!("exported {rows} rows from {} tables", counts.len());
            Ok(())
        }
        Command::Import {
            files,
            format,
            publisher,
            language,
            map,
            kind,
            as_of,
            database,
        } => {
            let conn = db::connect(&database.database_url, database.pool_size)
                .await
                .context("connecting to the database")?;
            let store = Store::new(conn);
            let columns = match (map.as_deref(), kind) {
                (Some(text), Some(kind)) => chasqui::import::parse_record_mapping(kind, text)
                    .map_err(|e| anyhow::anyhow!("--map: {e}"))?,
                (Some(text), None) => chasqui::import::parse_mapping(text)
                    .map_err(|e| anyhow::anyhow!("--map: {e}"))?,
                (None, _) => Default::default(),
            };
            let provenance = chasqui::import::Provenance {
                publisher,
                language,
                columns,
            };
            let mut rejected = 0;
            // A bar over the bytes of all the files on a terminal; nothing but the report
            // lines otherwise (indicatif draws only when standard error is a terminal).
            let sizes: Vec<u64> = files
                .iter()
                .map(|f| std::fs::metadata(f).map(|m| m.len()).unwrap_or(0))
                .collect();
            let bar = indicatif::ProgressBar::new(sizes.iter().sum());
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:30} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}  {msg}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            let mut done = 0;
            for (file, size) in files.iter().zip(sizes) {
                bar.set_message(file.display().to_string());
                let report = chasqui::import::import_file_with(
                    &store,
                    &Author::command_line(),
                    file,
                    format,
                    &provenance,
                    &chasqui::import::RecordOptions { kind, as_of },
                    &|read| bar.set_position(done + read.min(size)),
                )
                .await?;
                done += size;
                bar.set_position(done);
                bar.suspend(|| print!("{report}"));
                rejected += report.rejected.len();
            }
            bar.finish_and_clear();
            if rejected > 0 {
                anyhow::bail!(
                    "{rejected} entries rejected (listed above); the others were imported"
                );
            }
            Ok(())
        }
    }
}

/// `--as-of`: a month, as 2024-04.
fn parse_month(text: &str) -> Result<chasqui_entities::PartialDate, String> {
    match chasqui_entities::PartialDate::parse(text) {
        Ok(date) if date.precision() == chasqui_entities::DatePrecision::Month => Ok(date),
        _ => Err(format!("`{text}` is not a month; give one as 2024-04")),
    }
}

async fn token(command: TokenCommand) -> anyhow::Result<()> {
    let open = |args: &DatabaseArgs| {
        let (url, pool) = (args.database_url.clone(), args.pool_size);
        async move {
            let conn = db::connect(&url, pool)
                .await
                .context("connecting to the database")?;
            anyhow::Ok(Store::new(conn))
        }
    };
    let author = Author::command_line();
    match command {
        TokenCommand::Create {
            name,
            role,
            database,
        } => {
            let store = open(&database).await?;
            let (token, secret) = store.create_token(&author, &name, role.into()).await?;
            println!("{secret}");
            eprintln!(
                "token `{}` ({}) created; store it now, it cannot be shown again",
                token.name,
                token.role.as_str().to_lowercase()
            );
        }
        TokenCommand::List(database) => {
            let store = open(&database).await?;
            println!("{:<24} {:<8} {:<26} revoked", "name", "role", "created");
            for token in store.tokens().await? {
                let revoked = token
                    .revoked_at
                    .map(|t| t.to_rfc3339())
                    .unwrap_or_else(|| "-".to_owned());
                println!(
                    "{:<24} {:<8} {:<26} {revoked}",
                    token.name,
                    token.role.as_str().to_lowercase(),
                    token.created_at.format("%Y-%m-%dT%H:%M:%SZ")
                );
            }
        }
        TokenCommand::Revoke { name, database } => {
            let store = open(&database).await?;
            if !store.revoke_token(&author, &name).await? {
                anyhow::bail!("no active token named `{name}`");
            }
            eprintln!("token `{name}` revoked");
        }
    }
    Ok(())
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
    let cors = args.cors_origins.clone().unwrap_or_default();
    let app = http::router_with_cors(conn, args.http_config(), cors);
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
    tracing::info!(
        "chasqui listening on http://{}/graphql",
        listener.local_addr()?
    );
    http::serve_with(listener, app, args.connection_limits(), shutdown_signal()).await?;
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
