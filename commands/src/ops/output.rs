//! What a command prints: `--output json|jsonl|csv|table`; a table on a terminal, JSON
//! lines when piped. Items (a page's `data`, an export's, a list's elements) are written
//! as they arrive; CSV and table columns are the item type's fields from the model.

use serde_json::Value;
use servicetitan_api_model::{Model, Response, Ty};
use std::io::Write;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The answer as JSON (with `--all`, a JSON array of every item).
    Json,
    /// One JSON object a line, an item each.
    Jsonl,
    /// A header of the item type's fields, a row an item.
    Csv,
    /// Aligned columns for a person.
    Table,
}

impl Format {
    /// The format `--output` names, or the default for where standard output goes.
    pub fn pick(name: Option<&str>, terminal: bool) -> Result<Format, String> {
        Ok(match name {
            Some("json") => Format::Json,
            Some("jsonl") => Format::Jsonl,
            Some("csv") => Format::Csv,
            Some("table") => Format::Table,
            Some(other) => return Err(format!("--output {other}: json, jsonl, csv or table")),
            None if terminal => Format::Table,
            None => Format::Jsonl,
        })
    }
}

/// The type of one item of an operation's answer, when it answers items.
pub fn item_type(response: &Response) -> Option<&Ty> {
    match response {
        Response::Json(Ty::Paged(i) | Ty::Export(i) | Ty::Data(i) | Ty::Vec(i)) => Some(i),
        _ => None,
    }
}

/// The items of one answer: its `data` (a page, a batch), its elements (a list), or the
/// answer itself.
pub fn items(answer: &Value) -> Vec<&Value> {
    match answer {
        Value::Object(o) => match o.get("data") {
            Some(Value::Array(items)) => items.iter().collect(),
            _ => vec![answer],
        },
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    }
}

/// Writes items to standard output in a format.
pub struct Writer<W: Write> {
    out: W,
    format: Format,
    columns: Vec<String>,
    /// Rows held for a table, written at the end (widths need every row).
    held: Vec<Vec<String>>,
    written: u64,
    /// Whether the items are a stream (`--all`) rather than one answer.
    stream: bool,
}

impl<W: Write> Writer<W> {
    /// A writer for items of `item` (columns from its fields).
    pub fn new(out: W, format: Format, model: &Model, item: Option<&Ty>, stream: bool) -> Self {
        let columns = item
            .and_then(|t| model.fields(t))
            .map(|f| f.iter().map(|f| f.wire.clone()).collect())
            .unwrap_or_default();
        Writer {
            out,
            format,
            columns,
            held: Vec::new(),
            written: 0,
            stream,
        }
    }

    /// How many items were written.
    pub fn count(&self) -> u64 {
        self.written
    }

    /// Writes a whole answer (`--output json` prints it as it came, unless streaming).
    pub fn answer(&mut self, answer: &Value) -> std::io::Result<()> {
        if self.format == Format::Json && !self.stream {
            serde_json::to_writer_pretty(&mut self.out, answer)?;
            self.written += items(answer).len() as u64;
            return writeln!(self.out);
        }
        for item in items(answer) {
            self.item(item)?;
        }
        Ok(())
    }

    /// Writes one item.
    pub fn item(&mut self, item: &Value) -> std::io::Result<()> {
        if self.columns.is_empty() {
            self.columns = match item {
                Value::Object(o) => o.keys().cloned().collect(),
                _ => vec!["value".into()],
            };
        }
        match self.format {
            Format::Json => {
                self.out
                    .write_all(if self.written == 0 { b"[\n" } else { b",\n" })?;
                serde_json::to_writer(&mut self.out, item)?;
            }
            Format::Jsonl => {
                serde_json::to_writer(&mut self.out, item)?;
                self.out.write_all(b"\n")?;
            }
            Format::Csv => {
                if self.written == 0 {
                    csv_row(&mut self.out, self.columns.iter().map(String::as_str))?;
                }
                let cells = self.cells(item);
                csv_row(&mut self.out, cells.iter().map(String::as_str))?;
            }
            Format::Table => {
                let cells = self.cells(item);
                self.held.push(cells);
            }
        }
        self.written += 1;
        if self.format != Format::Table {
            self.out.flush()?;
        }
        Ok(())
    }

    fn cells(&self, item: &Value) -> Vec<String> {
        self.columns
            .iter()
            .map(|c| match item {
                Value::Object(o) => cell(o.get(c).unwrap_or(&Value::Null)),
                other if c == "value" => cell(other),
                _ => String::new(),
            })
            .collect()
    }

    /// Ends the output (a JSON array's bracket, a table's rows).
    pub fn finish(mut self) -> std::io::Result<u64> {
        match self.format {
            Format::Json if self.stream => {
                self.out
                    .write_all(if self.written == 0 { b"[]\n" } else { b"\n]\n" })?;
            }
            Format::Table => table(&mut self.out, &self.columns, &self.held)?,
            _ => {}
        }
        self.out.flush()?;
        Ok(self.written)
    }
}

/// A value as a cell: text as it is, null empty, anything else as JSON.
fn cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn csv_row<'a>(out: &mut impl Write, cells: impl Iterator<Item = &'a str>) -> std::io::Result<()> {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    w.write_record(cells).map_err(std::io::Error::other)?;
    let bytes = w
        .into_inner()
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    out.write_all(&bytes)
}

/// The widest a table's cell is shown (longer text is cut with `…`).
const CELL: usize = 40;

fn table(out: &mut impl Write, columns: &[String], rows: &[Vec<String>]) -> std::io::Result<()> {
    let shown = |s: &str| -> String {
        let flat = s.replace(['\n', '\r', '\t'], " ");
        if flat.chars().count() > CELL {
            let cut: String = flat.chars().take(CELL - 1).collect();
            format!("{cut}…")
        } else {
            flat
        }
    };
    // Columns empty in every row are left out: a person reads what is there.
    let keep: Vec<usize> = (0..columns.len())
        .filter(|i| rows.is_empty() || rows.iter().any(|r| !r[*i].is_empty()))
        .collect();
    let mut widths: Vec<usize> = keep
        .iter()
        .map(|i| shown(&columns[*i]).chars().count())
        .collect();
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| keep.iter().map(|i| shown(&r[*i])).collect())
        .collect();
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: Vec<String>| -> String {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c}{}", " ".repeat(w - c.chars().count())))
            .collect();
        padded.join("  ").trim_end().to_string()
    };
    writeln!(
        out,
        "{}",
        line(keep.iter().map(|i| shown(&columns[*i])).collect())
    )?;
    for r in rows {
        writeln!(out, "{}", line(r))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_format_writes_the_items() {
        let model = servicetitan_api_model::Model::default();
        let page = json!({"page": 1, "hasMore": false, "data": [{"id": 1, "name": "A, B"}, {"id": 2, "name": null}]});
        let run = |f: Format, stream: bool| -> String {
            let mut buf = Vec::new();
            let mut w = Writer::new(&mut buf, f, &model, None, stream);
            w.answer(&page).expect("writes");
            assert_eq!(w.count(), 2);
            w.finish().expect("ends");
            String::from_utf8(buf).expect("utf-8")
        };
        assert_eq!(
            run(Format::Jsonl, false),
            "{\"id\":1,\"name\":\"A, B\"}\n{\"id\":2,\"name\":null}\n"
        );
        assert_eq!(run(Format::Csv, false), "id,name\n1,\"A, B\"\n2,\n");
        assert_eq!(run(Format::Table, false), "id  name\n1   A, B\n2\n");
        assert_eq!(
            run(Format::Json, true),
            "[\n{\"id\":1,\"name\":\"A, B\"},\n{\"id\":2,\"name\":null}\n]\n"
        );
        assert!(run(Format::Json, false).contains("\"hasMore\": false"));
    }
}
