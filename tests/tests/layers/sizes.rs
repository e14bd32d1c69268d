//! The size rules: no hand-written file over 600 lines, no function over 100, generated
//! files and tables aside.

/// The hand-written Rust files of the repository (generated files and tables aside).
pub(crate) fn hand_written() -> Vec<(String, String)> {
    let root = servicetitan_tests::workspace_root();
    let mut out = Vec::new();
    let mut stack: Vec<std::path::PathBuf> = [
        "codegen",
        "runtime",
        "mock",
        "tests",
        "xtask",
        "readme",
        "api-model",
        "cli",
        "commands",
        "reports",
    ]
    .iter()
    .map(|d| root.join(d))
    .collect();
    stack.push(root.join("generated/examples"));
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let p = e.path();
            let rel = p
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if rel.starts_with("mock/tests/every_operation/calls")
                || rel == "tests/tests/examples_round_trip/types.rs"
                || rel == "tests/src/id_links.rs"
                || rel.starts_with("cli/generated")
                || rel.starts_with("tests/fixtures")
                || rel.contains("/target")
            {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else if rel.ends_with(".rs") {
                out.push((rel, std::fs::read_to_string(&p).expect("read")));
            }
        }
    }
    out.sort();
    out
}

/// `code` with the contents of string and character literals and of comments blanked
/// (line breaks kept), so that braces in them do not count.
fn blank_literals(code: &str) -> String {
    let c: Vec<char> = code.chars().collect();
    let mut out = String::with_capacity(code.len());
    let mut i = 0;
    while i < c.len() {
        let rest = |k: usize| c.get(i + k).copied();
        if c[i] == '/' && rest(1) == Some('/') {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if c[i] == 'r'
            && (rest(1) == Some('"') || (rest(1) == Some('#') && rest(2) == Some('"')))
        {
            let hashes = if rest(1) == Some('#') { 1 } else { 0 };
            i += 2 + hashes;
            while i < c.len() && !(c[i] == '"' && (hashes == 0 || c.get(i + 1) == Some(&'#'))) {
                if c[i] == '\n' {
                    out.push('\n');
                }
                i += 1;
            }
            i += 1 + hashes;
            out.push_str("\"\"");
        } else if c[i] == '"' {
            i += 1;
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' {
                    i += 1;
                }
                if c.get(i) == Some(&'\n') {
                    out.push('\n');
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else if c[i] == '\''
            && (rest(2) == Some('\'') || (rest(1) == Some('\\') && rest(3) == Some('\'')))
        {
            i += if rest(1) == Some('\\') { 4 } else { 3 };
            out.push_str("' '");
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

/// The functions of `code` longer than `max` lines: (name, first line, lines).
fn long_functions(code: &str, max: usize) -> Vec<(String, usize, usize)> {
    let blanked = blank_literals(code);
    let lines: Vec<&str> = blanked.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim_start();
        let Some(at) = t.find("fn ").filter(|&at| {
            let head = &t[..at];
            head.split_whitespace()
                .all(|w| matches!(w, "pub" | "async" | "const" | "unsafe") || w.starts_with("pub("))
        }) else {
            continue;
        };
        let name: String = t[at + 3..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let (mut depth, mut opened) = (0i64, false);
        for (j, l) in lines.iter().enumerate().skip(i) {
            for c in l.chars() {
                match c {
                    '{' => {
                        depth += 1;
                        opened = true;
                    }
                    '}' => depth -= 1,
                    _ => {}
                }
            }
            if !opened && l.trim_end().ends_with(';') {
                break;
            }
            if opened && depth <= 0 {
                if j + 1 - i > max {
                    out.push((name.clone(), i + 1, j + 1 - i));
                }
                break;
            }
        }
    }
    out
}

#[test]
fn no_hand_written_file_over_600_lines_nor_function_over_100() {
    let mut over = Vec::new();
    for (file, code) in hand_written() {
        let n = code.lines().count();
        if n > 600 {
            over.push((file.clone(), n));
        }
        for (name, _, len) in long_functions(&code, 100) {
            over.push((format!("{file}::{name}"), len));
        }
    }
    assert!(
        over.is_empty(),
        "over the limits (600 lines a file, 100 a function): {over:#?}"
    );
    let sample = "fn a() {\n    let x = \"}\";\n    let y = '{';\n}\n";
    assert_eq!(long_functions(sample, 3), [("a".to_string(), 1, 4)]);
    assert!(long_functions(sample, 4).is_empty());
}
