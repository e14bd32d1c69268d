//! The README's five everyday tasks (issue 31: a stream of changed customers, a job with
//! an appointment, one customer's posted invoices page by page, the errors programs
//! branch on, two tenants on one client) each take fewer visible lines than the same
//! task written before the issue (`fixtures/five-tasks-before.md`, compiled against the
//! code of that time). Visible: not blank, not a comment, not a doc test's hidden `#`
//! line; imports count (the tasks stand alone).

fn read(path: &str) -> String {
    std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR")))
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The Rust blocks of `text`, from the line `start` (if given) to the next `### ` heading.
fn rust_blocks(text: &str, start: Option<&str>) -> Vec<Vec<String>> {
    let text = match start {
        Some(heading) => {
            let from = text.find(heading).expect("the section's heading");
            let rest = &text[from + heading.len()..];
            &rest[..rest.find("\n### ").unwrap_or(rest.len())]
        }
        None => text,
    };
    let mut blocks = Vec::new();
    let mut open: Option<Vec<String>> = None;
    for line in text.lines() {
        match (&mut open, line.trim_start()) {
            (None, l) if l.starts_with("```rust") => open = Some(Vec::new()),
            (Some(_), "```") => blocks.push(open.take().expect("an open block")),
            (Some(block), _) => block.push(line.to_string()),
            _ => {}
        }
    }
    assert!(open.is_none(), "a Rust block is not closed");
    blocks
}

fn visible(block: &[String]) -> usize {
    block
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty() && !l.starts_with("//") && *l != "#" && !l.starts_with("# "))
        .count()
}

#[test]
fn each_of_the_five_tasks_takes_fewer_lines_than_before() {
    let before = rust_blocks(&read("tests/fixtures/five-tasks-before.md"), None);
    let now = rust_blocks(&read("../README.md"), Some("### Five everyday tasks"));
    assert_eq!(
        (before.len(), now.len()),
        (5, 5),
        "five tasks, before and now"
    );
    let counts: Vec<(usize, usize)> = before
        .iter()
        .zip(&now)
        .map(|(b, n)| (visible(b), visible(n)))
        .collect();
    println!("visible lines per task, before -> now: {counts:?}");
    for (task, (b, n)) in counts.iter().enumerate() {
        assert!(
            n < b,
            "task {}: {n} visible lines now, {b} before",
            task + 1
        );
    }
    for block in &now {
        for line in block {
            assert!(line.len() <= 100, "a line over 100 characters: {line}");
        }
    }
}

#[test]
fn the_counter_skips_blank_comment_and_hidden_lines() {
    let block: Vec<String> = ["# use x;", "", "// note", "fn f() {", "    #", "}"]
        .map(String::from)
        .to_vec();
    assert_eq!(visible(&block), 2);
}
