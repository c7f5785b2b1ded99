//! The history export (`courier export`, Settings → Export history): the format named as text,
//! and the engine's export. What to warn of first is [`WARNING`]: the export is not encrypted.

use std::path::Path;

use courier_engine::{Engine, ExportFormat, ExportReport};

use crate::error::{ApiError, ErrorCode};

pub use courier_engine::export::WARNING;

/// Parses `html` or `jsonl`.
pub fn format(s: &str) -> Result<ExportFormat, ApiError> {
    ExportFormat::parse(s)
        .ok_or_else(|| ApiError::new(ErrorCode::BadInput, format!("unknown export format {s:?} (html, jsonl)")))
}

/// Exports the open account's whole history to `out` (attachments in a new
/// `<name>-attachments/`, or `-2`, … if that exists, beside it).
pub async fn export(engine: &Engine, out: &Path, format: ExportFormat) -> Result<ExportReport, ApiError> {
    Ok(engine.export(out, format).await?)
}
