//! `specs/provenance.yaml`, edited as text so that its comments stay: one block per
//! document (`  - file: <path>` and its indented lines), everything else kept as it is.

/// The file as a sequence of blocks and other lines.
pub struct Blocks {
    items: Vec<Item>,
}

enum Item {
    Line(String),
    Entry { file: String, lines: Vec<String> },
}

const ENTRY: &str = "  - file: ";

impl Blocks {
    pub fn parse(text: &str) -> Blocks {
        let mut items = Vec::new();
        for line in text.lines() {
            if let Some(file) = line.strip_prefix(ENTRY) {
                items.push(Item::Entry {
                    file: file.trim().to_string(),
                    lines: vec![line.to_string()],
                });
            } else if let (true, Some(Item::Entry { lines, .. })) =
                (line.starts_with("    "), items.last_mut())
            {
                lines.push(line.to_string());
            } else {
                items.push(Item::Line(line.to_string()));
            }
        }
        Blocks { items }
    }

    /// Removes the entry of `file`, if there is one.
    pub fn remove(&mut self, file: &str) {
        self.items
            .retain(|item| !matches!(item, Item::Entry { file: f, .. } if f == file));
    }

    /// The sha256 the entry of `file` records.
    pub fn sha256(&self, file: &str) -> Option<&str> {
        self.items.iter().find_map(|item| match item {
            Item::Entry { file: f, lines } if f == file => {
                lines.iter().find_map(|l| l.trim().strip_prefix("sha256: "))
            }
            _ => None,
        })
    }

    /// Sets the entry of `file` (replacing the one there was), or adds it in file order
    /// after the entries of its folder.
    pub fn set(&mut self, file: &str, date: &str, source: &str, sha256: &str) {
        let lines = vec![
            format!("{ENTRY}{file}"),
            format!("    date: \"{date}\""),
            // A JSON string is a YAML string: quoted, whatever the text holds.
            format!(
                "    source: {}",
                serde_json::to_string(source).unwrap_or_else(|_| "\"\"".into())
            ),
            format!("    sha256: {sha256}"),
        ];
        let entry = Item::Entry {
            file: file.to_string(),
            lines,
        };
        let folder = file.rsplit_once('/').map_or("", |x| x.0);
        let mut after = None;
        for (i, item) in self.items.iter().enumerate() {
            if let Item::Entry { file: f, .. } = item {
                if f == file {
                    self.items[i] = entry;
                    return;
                }
                if f.rsplit_once('/').map_or("", |x| x.0) == folder && f.as_str() < file {
                    after = Some(i);
                }
            }
        }
        let first_of_folder = self.items.iter().position(|item| {
            matches!(item, Item::Entry { file: f, .. } if f.rsplit_once('/').map_or("", |x| x.0) == folder)
        });
        let at = match (after, first_of_folder) {
            (Some(i), _) => i + 1,
            (None, Some(i)) => i,
            (None, None) => self.items.len(),
        };
        self.items.insert(at, entry);
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        for item in &self.items {
            match item {
                Item::Line(l) => {
                    out.push_str(l);
                    out.push('\n');
                }
                Item::Entry { lines, .. } => {
                    for l in lines {
                        out.push_str(l);
                        out.push('\n');
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_replaced_or_added_in_their_folder() {
        let text = "# head\ndocuments:\n  # a\n  - file: specs/v2/b.json\n    sha256: 1\n  # f\n  - file: tests/x.json\n    sha256: 2\n";
        let mut b = Blocks::parse(text);
        assert_eq!(b.render(), text);
        b.set("specs/v2/b.json", "2026-12-05", "here", "3");
        b.set("specs/v2/c.json", "2026-12-05", "there", "4");
        b.set("specs/v2/a.json", "2026-12-05", "there", "5");
        let r = b.render();
        let order: Vec<&str> = r.lines().filter(|l| l.starts_with(ENTRY)).collect();
        assert_eq!(
            order,
            [
                "  - file: specs/v2/a.json",
                "  - file: specs/v2/b.json",
                "  - file: specs/v2/c.json",
                "  - file: tests/x.json"
            ]
        );
        assert!(
            r.contains("    sha256: 3\n") && !r.contains("sha256: 1\n"),
            "{r}"
        );
    }
}
