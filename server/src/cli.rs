//! The `okno` command line: serve (default), a standalone sandbox portal, and operator commands.

use std::{net::SocketAddr, path::PathBuf, sync::Arc};

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::{
    clock::SystemClock,
    config::Settings,
    partners::Partners,
    sandbox,
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
    let partners = Partners::new(storage, Arc::new(SystemClock));
    match command {
        PartnerCommand::Create {
            name,
            origins,
            json,
        } => {
            let created = partners.create(&name, &origins).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&created)?);
            } else {
                println!("partner {} ({})", created.id, created.name);
                println!("  origins: {}", created.origins.join(" "));
                println!("  test publishable key: {}", created.publishable_key_test);
                println!("  live publishable key: {}", created.publishable_key_live);
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
            partners.revoke_key(&key).await?;
            println!("revoked {key}");
        }
    }
    Ok(())
}
