//! Scopes as data: what an application must request when it is created in the portal.

use servicetitan::runtime::RequiredScopes;
use servicetitan_codegen::review::scopes::{report, Selection};
use servicetitan_tests::generate;

fn sel(domains: &[&str], controllers: &[&str], operations: &[&str]) -> Selection {
    let v = |x: &[&str]| x.iter().map(|s| s.to_string()).collect();
    Selection {
        domains: v(domains),
        controllers: v(controllers),
        operations: v(operations),
    }
}

#[test]
fn listing_for_two_domains() {
    let out = generate("v2");
    let text = report(&out.api, &sel(&["crm", "accounting"], &[], &[])).expect("report");
    insta::assert_snapshot!("scopes_crm_accounting", text);
}

#[test]
fn listing_for_controllers_and_operations() {
    let out = generate("v2");
    let text = report(
        &out.api,
        &sel(
            &[],
            &["crm.customers"],
            &["Invoices_GetList", "jpm.Jobs_Get"],
        ),
    )
    .expect("report");
    insta::assert_snapshot!("scopes_finer_selection", text);
    let err = report(&out.api, &sel(&["crn"], &[], &["Customers_GetLisst"]))
        .expect_err("typos are reported");
    assert!(
        err.contains("crn") && err.contains("Customers_GetLisst"),
        "{err}"
    );
}

#[test]
fn documents_without_scopes_say_so() {
    let out = generate("v2-openapi-3.0");
    let text = report(&out.api, &sel(&["jbce"], &[], &[])).expect("report");
    assert!(
        text.contains("# read (0)") && text.contains("declares no scope: jbce."),
        "{text}"
    );
}

/// The generated crate carries the same facts: `OPERATIONS` per domain and controller.
#[test]
fn generated_operations_give_the_same_scopes() {
    let crm = RequiredScopes::of(servicetitan::crm::OPERATIONS.iter().copied());
    let out = generate("v2");
    let text = report(&out.api, &sel(&["crm"], &[], &[])).expect("report");
    for s in &crm.scopes {
        assert!(text.contains(s.as_str()), "{s} missing from the listing");
    }
    assert_eq!(
        crm.scopes.len(),
        text.lines().filter(|l| l.starts_with("tn.")).count()
    );
    assert!(crm.undeclared.is_empty());
    assert!(!crm.is_read_only());
    let customers = RequiredScopes::of(
        servicetitan::crm::ops::CustomersApi::OPERATIONS
            .iter()
            .copied(),
    );
    assert_eq!(customers.read().collect::<Vec<_>>(), ["tn.crm.customers:r"]);
    assert_eq!(
        customers.write().collect::<Vec<_>>(),
        ["tn.crm.customers:w"]
    );
    let one = RequiredScopes::of([&servicetitan::crm::ops::CustomersGetList::OPERATION]);
    assert!(one.is_read_only());
    assert_eq!(
        one.to_string(),
        "# read (1)\ntn.crm.customers:r\n# write (0)\n"
    );
}
