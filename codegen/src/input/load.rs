//! Stage 1: read documents (JSON or YAML) and check which OpenAPI version they are.

use crate::diag::Diagnostic;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The OpenAPI major.minor a document declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpecVersion {
    V3_0,
    V3_1,
}

/// One input document, parsed but not yet interpreted.
#[derive(Debug, Clone)]
pub struct Document {
    pub path: PathBuf,
    /// File name without extension, e.g. `crm-v2`.
    pub stem: String,
    pub version: SpecVersion,
    pub root: Value,
    /// sha256 of the file's bytes, for the lock.
    pub sha256: String,
    /// The domain it describes, once identified (`crate::input::domains::identify`).
    pub domain: Option<crate::names::DomainEntry>,
}

impl Document {
    /// The file name the document's domain is known by (`crm-v2.json`, whatever the
    /// file is called); its own file name until the domain is identified.
    pub fn canonical_file(&self) -> &str {
        match &self.domain {
            Some(d) => &d.file,
            None => self
                .path
                .file_name()
                .and_then(|f| f.to_str())
                .unwrap_or_default(),
        }
    }

    /// The module of the document's domain (`marketing_ads`); from its file name until
    /// the domain is identified.
    pub fn module(&self) -> String {
        match &self.domain {
            Some(d) => d.module.clone(),
            None => crate::names::module_name(&self.stem),
        }
    }
}

/// Lists the `.json`, `.yaml` and `.yml` files of a folder, sorted by name.
pub fn list_documents(dir: &Path) -> Result<Vec<PathBuf>, Diagnostic> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| Diagnostic::error(dir, "", format!("cannot read the specs folder: {e}")))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| {
            Diagnostic::error(dir, "", format!("cannot list the specs folder: {e}"))
        })?;
        let p = entry.path();
        let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
        if p.is_file() && matches!(ext, "json" | "yaml" | "yml") {
            files.push(p);
        }
    }
    files.sort();
    if files.is_empty() {
        return Err(Diagnostic::error(
            dir,
            "",
            "no .json, .yaml or .yml documents in this folder",
        ));
    }
    Ok(files)
}

/// Parses JSON or YAML (by the file's extension) into a `serde_json::Value`.
pub fn parse_value(path: &Path, bytes: &[u8]) -> Result<Value, Diagnostic> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    if matches!(ext, "yaml" | "yml") {
        serde_norway::from_slice(bytes).map_err(|e| {
            let at = e
                .location()
                .map(|l| format!(" at line {}, column {}", l.line(), l.column()))
                .unwrap_or_default();
            Diagnostic::error(path, "", format!("invalid YAML{at}: {e}"))
        })
    } else {
        serde_json::from_slice(bytes).map_err(|e| {
            Diagnostic::error(
                path,
                "",
                format!(
                    "invalid JSON at line {}, column {}: {e}",
                    e.line(),
                    e.column()
                ),
            )
        })
    }
}

/// Reads and parses one document from bytes.
pub fn parse_document(path: &Path, bytes: &[u8]) -> Result<Document, Diagnostic> {
    let root = parse_value(path, bytes)?;
    let version = detect_version(path, &root)?;
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("document")
        .to_string();
    Ok(Document {
        path: path.to_path_buf(),
        stem,
        version,
        root,
        sha256: sha256_hex(bytes),
        domain: None,
    })
}

/// Reads one document from disk.
pub fn read_document(path: &Path) -> Result<Document, Diagnostic> {
    let bytes = std::fs::read(path)
        .map_err(|e| Diagnostic::error(path, "", format!("cannot read: {e}")))?;
    parse_document(path, &bytes)
}

fn detect_version(path: &Path, root: &Value) -> Result<SpecVersion, Diagnostic> {
    if !root.is_object() {
        return Err(Diagnostic::error(
            path,
            "",
            "the document is not a JSON/YAML object",
        ));
    }
    if let Some(v) = root.get("swagger") {
        return Err(Diagnostic::error(
            path,
            "/swagger",
            format!(
                "Swagger {} is not supported: convert the document to OpenAPI 3.0 or 3.1 first",
                v.as_str().unwrap_or("?")
            ),
        ));
    }
    let Some(v) = root.get("openapi").and_then(Value::as_str) else {
        return Err(Diagnostic::error(
            path,
            "/openapi",
            "not an OpenAPI document: no `openapi` version field",
        ));
    };
    if v.starts_with("3.0.") || v == "3.0" {
        Ok(SpecVersion::V3_0)
    } else if v.starts_with("3.1.") || v == "3.1" {
        Ok(SpecVersion::V3_1)
    } else {
        Err(Diagnostic::error(
            path,
            "/openapi",
            format!("OpenAPI {v} is not supported (3.0.x and 3.1.x are)"),
        ))
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether a media type is JSON (`application/json`, `text/json`, `*+json`, with or
/// without parameters).
pub fn is_json(ct: &str) -> bool {
    let ct = ct.split(';').next().unwrap_or("").trim();
    ct == "application/json" || ct == "text/json" || ct.ends_with("+json")
}
