//! `courier export --out PATH [--format html|jsonl]`: the whole history to files readable
//! without Courier, attachments in a new `<name>-attachments/` (or `-2`, … if taken) beside
//! it. It says first, on stderr, that the export is not encrypted.

use std::path::PathBuf;

use clap::ValueEnum;
use courier_api::export;
use courier_engine::{Engine, ExportFormat};

/// The export's form.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    /// One HTML page.
    Html,
    /// One JSON object per line.
    Jsonl,
}

/// `courier export`'s arguments.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The export file (replaced if it exists); attachments go to a new `<name>-attachments/`
    /// (or `-2`, `-3`, … if that exists) beside it.
    #[arg(long)]
    pub out: PathBuf,
    /// Its form.
    #[arg(long, value_enum, default_value = "html")]
    pub format: Format,
}

/// Runs the export and prints what was written.
pub async fn run(engine: &Engine, json: bool, args: ExportArgs) -> anyhow::Result<()> {
    eprintln!("courier: warning: {}", export::WARNING);
    let format = match args.format {
        Format::Html => ExportFormat::Html,
        Format::Jsonl => ExportFormat::Jsonl,
    };
    let r = export::export(engine, &args.out, format).await?;
    if json {
        println!(
            "{}",
            serde_json::json!({
                "event": "exported", "file": r.file, "attachments_dir": r.attachments_dir,
                "conversations": r.conversations, "messages": r.messages,
                "attachments": r.attachments, "attachments_missing": r.attachments_missing,
            })
        );
    } else {
        println!(
            "exported {} conversations, {} messages and {} attachments to {}",
            r.conversations,
            r.messages,
            r.attachments,
            r.file.display()
        );
        if r.attachments_missing > 0 {
            println!(
                "{} attachments were not saved (blocked peers, requests not fetched, failed downloads)",
                r.attachments_missing
            );
        }
    }
    Ok(())
}
