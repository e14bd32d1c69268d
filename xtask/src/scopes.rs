//! `cargo xtask scopes`: the OAuth scopes to pick when creating the app in the portal.

use crate::args::Args;
use servicetitan_codegen as codegen;

pub fn run(args: &Args) -> Result<(), String> {
    let inputs = crate::inputs::Inputs::from_args(args);
    let sel = codegen::review::scopes::Selection {
        domains: args.list("--domains"),
        controllers: args.list("--controllers"),
        operations: args.list("--operations"),
    };
    let out = codegen::generate(&inputs.options()?)
        .map_err(|d| format!("{d}cannot read the documents"))?;
    print!("{}", codegen::review::scopes::report(&out.api, &sel)?);
    Ok(())
}
