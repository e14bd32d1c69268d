//! The README's dependency block and this crate's manifest name the same dependencies
//! with the same specifications (the README's git lines are paths here), and this
//! crate's `servicetitan` features are those the README's blocks name.

use std::collections::BTreeMap;

fn read(path: &str) -> String {
    std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR")))
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// `section -> name -> specification` of the `[dependencies]` and `[dev-dependencies]`
/// lines of a TOML text, comments dropped.
fn dependencies(toml: &str) -> BTreeMap<(String, String), String> {
    let mut out = BTreeMap::new();
    let mut section = String::new();
    for line in toml.lines() {
        let line = line.split(" #").next().unwrap_or("").trim();
        let table_form =
            line.starts_with("[dependencies.") || line.starts_with("[dev-dependencies.");
        let multi_line = line.contains('{') && !line.contains('}');
        assert!(
            !table_form && !multi_line,
            "a dependency written in a form this test does not read: `{line}`"
        );
        if line.starts_with('[') {
            section = line.to_string();
        } else if let Some((name, spec)) = line.split_once(" = ") {
            if section.ends_with("dependencies]") {
                out.insert(
                    (section.clone(), name.trim().to_string()),
                    spec.trim().to_string(),
                );
            }
        }
    }
    out
}

/// The features a specification lists.
fn features(spec: &str) -> Vec<String> {
    spec.split("features = [")
        .nth(1)
        .and_then(|f| f.split(']').next())
        .map(|f| {
            f.split(',')
                .map(|x| x.trim().trim_matches('"').to_string())
                .filter(|x| !x.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn the_readme_lists_exactly_what_its_examples_are_compiled_with() {
    let readme = read("../README.md");
    let blocks: Vec<&str> = readme
        .split("```toml\n")
        .skip(1)
        .filter_map(|b| b.split("```").next())
        .collect();
    let block = blocks
        .iter()
        .find(|b| b.starts_with("[dependencies]"))
        .expect("the README's dependency block");
    let listed = dependencies(block);
    let ours = dependencies(&read("Cargo.toml"));
    assert_eq!(
        listed.keys().collect::<Vec<_>>(),
        ours.keys().collect::<Vec<_>>(),
        "the README's dependency block and readme/Cargo.toml name different dependencies"
    );
    let mut readme_features: Vec<String> = blocks
        .iter()
        .flat_map(|b| b.lines())
        .filter(|l| l.starts_with("servicetitan = "))
        .flat_map(features)
        .collect();
    for ((section, name), spec) in &listed {
        let mine = &ours[&(section.clone(), name.clone())];
        if spec.contains("git = ") {
            // A git line of the README is a path here; the rest must agree.
            let rest = |s: &str| {
                let without_features = match s.split_once("features = [") {
                    Some((a, b)) => format!("{a}{}", b.split_once(']').map_or("", |x| x.1)),
                    None => s.to_string(),
                };
                without_features
                    .split(',')
                    .map(|p| {
                        p.trim_matches(|c| c == '{' || c == '}' || c == ' ')
                            .to_string()
                    })
                    .filter(|p| {
                        !p.is_empty() && !p.starts_with("git = ") && !p.starts_with("path = ")
                    })
                    .collect::<Vec<_>>()
            };
            assert_eq!(rest(spec), rest(mine), "{name}");
        } else {
            assert_eq!(spec, mine, "{name}");
        }
    }
    let mut mine = features(&ours[&("[dependencies]".to_string(), "servicetitan".to_string())]);
    readme_features.sort();
    readme_features.dedup();
    mine.sort();
    assert_eq!(
        readme_features, mine,
        "features of servicetitan: the README's blocks against readme/Cargo.toml"
    );
}
