//! `cargo xtask scopes`: the OAuth scopes to pick when creating the app in the portal.

use servicetitan_codegen as codegen;

pub fn run(args: &[String]) -> Result<(), String> {
    let mut inputs = crate::Inputs::default();
    let mut sel = codegen::scopes::Selection::default();
    let mut it = args.iter();
    let list = |v: Option<&String>, flag: &str| -> Result<Vec<String>, String> {
        let v = v.ok_or(format!("{flag} needs a comma-separated list"))?;
        Ok(v.split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect())
    };
    while let Some(a) = it.next() {
        match a.as_str() {
            _ if inputs.take(a, &mut it)? => {}
            "--domains" => sel.domains = list(it.next(), a)?,
            "--controllers" => sel.controllers = list(it.next(), a)?,
            "--operations" => sel.operations = list(it.next(), a)?,
            other => return Err(format!("unknown option `{other}`")),
        }
    }
    let out = codegen::generate(&inputs.options()?)
        .map_err(|d| format!("{d}cannot read the documents"))?;
    print!("{}", codegen::scopes::report(&out.api, &sel)?);
    Ok(())
}
