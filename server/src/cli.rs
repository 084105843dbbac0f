//! The `okno` command line: serve (default), a standalone sandbox portal, and operator commands.

use std::{net::SocketAddr, path::PathBuf, sync::Arc};

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::{
    audit::{self, AuditEvent, AuditLog, Outcome},
    clock::{SystemClock, unix_millis},
    config::Settings,
    partners::{PartnerError, Partners},
    sandbox,
    sealing::Sealer,
    startup::{Application, shutdown_signal},
    storage, telemetry,
};

#[derive(Debug, Parser)]
#[command(
    name = "okno",
    version,
    about = "Gosuslugi services inside any website"
)]
pub struct Cli {
    /// A TOML settings file (see README); `OKNO_…` environment variables override it.
    #[arg(long, env = "OKNO_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the gateway (the default).
    Serve,
    /// Run only the sandbox portal, standalone.
    SandboxPortal {
        #[arg(long, default_value = "127.0.0.1:4000")]
        addr: SocketAddr,
    },
    /// Manage partners.
    #[command(subcommand)]
    Partner(PartnerCommand),
    /// Check and read the audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk the hash chain and report the first broken link (exit status 1 when broken).
    Verify,
    /// Print the records since a time, one JSON object per line.
    Export {
        /// RFC 3339 time, e.g. 2026-11-27T00:00:00Z; all records when absent.
        #[arg(long)]
        since: Option<String>,
        #[arg(long, value_enum, default_value_t = ExportFormat::Jsonl)]
        format: ExportFormat,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ExportFormat {
    Jsonl,
}

#[derive(Debug, Subcommand)]
pub enum PartnerCommand {
    /// Create a partner with a test and a live publishable key.
    Create {
        #[arg(long)]
        name: String,
        /// An origin allowed to embed the widget, e.g. https://shop.example (repeatable).
        #[arg(long = "origin")]
        origins: Vec<String>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// List partners with their origins and keys.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Revoke a publishable key; the next widget request with it is refused.
    RevokeKey { key: String },
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = Settings::load(cli.config.as_deref())?;
    telemetry::init(&settings.log);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(settings).await,
        Command::SandboxPortal { addr } => {
            let (bound, _portal, task) =
                sandbox::spawn(addr, Arc::new(SystemClock), settings.sandbox_step()).await?;
            println!("okno sandbox portal listening on http://{bound}");
            tokio::select! {
                () = shutdown_signal() => {},
                result = task => result?,
            }
            Ok(())
        }
        Command::Partner(command) => partner(settings, command).await,
        Command::Audit(command) => audit(settings, command).await,
    }
}

/// Who runs an operator command, as the audit log names them.
fn operator() -> String {
    format!(
        "operator:cli:{}",
        std::env::var("USER").unwrap_or_else(|_| "unknown".to_owned())
    )
}

async fn audit(settings: Settings, command: AuditCommand) -> anyhow::Result<()> {
    let storage = storage::connect(&settings.database_url())
        .await
        .context("cannot open the database or run its migrations")?;
    match command {
        AuditCommand::Verify => match audit::verify(&storage).await? {
            Ok(checked) => {
                println!("audit log intact: {checked} records");
                Ok(())
            }
            Err(broken) => {
                println!("audit log broken at {broken}");
                std::process::exit(1);
            }
        },
        AuditCommand::Export {
            since,
            format: ExportFormat::Jsonl,
        } => {
            let since = match since {
                Some(text) => {
                    let at = time::OffsetDateTime::parse(
                        &text,
                        &time::format_description::well_known::Rfc3339,
                    )
                    .with_context(|| format!("--since {text:?} is not an RFC 3339 time"))?;
                    unix_millis(at)
                }
                None => i64::MIN,
            };
            let mut after = 0;
            loop {
                let page = storage.audit_page(after, 1_000).await?;
                let Some(last) = page.last() else { break };
                after = last.seq;
                for record in page.iter().filter(|r| r.draft.at >= since) {
                    println!("{}", serde_json::to_string(record)?);
                }
            }
            Ok(())
        }
    }
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    tracing::info!(settings = %serde_json::to_string(&settings)?, "starting okno");
    let app = Application::build(&settings, Arc::new(SystemClock)).await?;
    println!("okno listening on {}", app.base_url());
    if settings.sandbox && settings.demo_partner {
        println!("sandbox page: {}", app.sandbox_page().await?);
    }
    app.run_until(shutdown_signal())
        .await
        .context("server failed")
}

async fn partner(settings: Settings, command: PartnerCommand) -> anyhow::Result<()> {
    let storage = storage::connect(&settings.database_url())
        .await
        .context("cannot open the database or run its migrations")?;
    let sealer = Arc::new(Sealer::from_key_file(&settings.encryption_key_file())?);
    let partners = Partners::new(storage.clone(), Arc::new(SystemClock), sealer);
    let (log, _writer) = AuditLog::start(storage, Arc::new(SystemClock));
    // Each change is recorded, durably, before its result is printed.
    let record = async |action: &str, target: String, outcome: Outcome| {
        log.record(AuditEvent::new(operator(), action, target, outcome))
            .await
    };
    let outcome_of = |error: Option<&PartnerError>| match error {
        None => Outcome::Ok,
        Some(error) => Outcome::Refused(error.code().to_owned()),
    };
    match command {
        PartnerCommand::Create {
            name,
            origins,
            json,
        } => {
            let result = partners.create(&name, &origins).await;
            let target = result
                .as_ref()
                .map_or_else(|_| name.clone(), |created| created.id.clone());
            record("partner.create", target, outcome_of(result.as_ref().err())).await?;
            let created = result?;
            if json {
                println!("{}", serde_json::to_string_pretty(&created)?);
            } else {
                println!("partner {} ({})", created.id, created.name);
                println!("  origins: {}", created.origins.join(" "));
                println!("  test publishable key: {}", created.publishable_key_test);
                println!("  live publishable key: {}", created.publishable_key_live);
                println!(
                    "  test secret key (shown once): {} {}",
                    created.key_id_test, created.secret_key_test
                );
                println!(
                    "  live secret key (shown once): {} {}",
                    created.key_id_live, created.secret_key_live
                );
            }
        }
        PartnerCommand::List { json } => {
            let all = partners.list().await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&all)?);
            } else {
                for p in all {
                    let keys: Vec<String> = p
                        .keys
                        .iter()
                        .map(|k| {
                            format!(
                                "{}{}",
                                k.key,
                                if k.revoked_at.is_some() {
                                    " (revoked)"
                                } else {
                                    ""
                                }
                            )
                        })
                        .collect();
                    println!(
                        "{}\t{}\t{}\t{}",
                        p.id,
                        p.name,
                        p.origins.join(","),
                        keys.join(",")
                    );
                }
            }
        }
        PartnerCommand::RevokeKey { key } => {
            let result = partners.revoke_key(&key).await;
            record(
                "partner.revoke_key",
                key.clone(),
                outcome_of(result.as_ref().err()),
            )
            .await?;
            result?;
            println!("revoked {key}");
        }
    }
    Ok(())
}
