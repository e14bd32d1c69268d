//! Test support: a scripted loopback server ([`ScriptedServer`], `scripted.rs`), the
//! repository's documents and generation (`generation.rs`), a scan of the logs for secrets
//! (`logs.rs`), Redis, PostgreSQL and fleet workers (`redis.rs`, `postgres.rs`, `fleet.rs`),
//! typed ids' compile checks (`id_links.rs`, generated), and the clients tests use:
//! [`builder_at`] a loopback server, [`typed_client`], [`stand_in_client`].

pub mod fleet;
mod generation;
pub mod id_links;
mod logs;
pub mod postgres;
pub mod redis;
mod scripted;

pub use generation::{cargo_in, generate, options, spec_documents, specs_dir, workspace_root};
pub use logs::{scan_logs, LogScan};
pub use scripted::{customers_page, Recorded, Reply, ScriptedServer};

use servicetitan_runtime::{Credentials, Environment, RuntimeBuilder};
use std::time::Duration;

/// Retries as the client's default policy makes them, with back-offs of milliseconds, so
/// that tests of retrying do not wait.
pub fn fast_retries() -> servicetitan_runtime::RetryPolicy {
    servicetitan_runtime::RetryPolicy::default()
        .initial_backoff(Duration::from_millis(10))
        .max_backoff(Duration::from_millis(50))
}

/// A runtime client builder whose token endpoint is at `auth` and API at `api` (loopback
/// URLs), with an app key and one pair of credentials: what every test's client starts
/// from.
pub fn builder_at(
    auth: String,
    api: String,
    app_key: &str,
    client_id: &str,
    secret: &str,
) -> RuntimeBuilder {
    RuntimeBuilder::new(Environment::Custom {
        auth_url: auth,
        api_url: api,
    })
    .app_key(app_key)
    .credentials(Credentials::new(client_id, secret))
}

/// The client secret the loopback tests' clients use: distinctive, so that a test can
/// search logs, errors and recordings for it.
pub const SECRET: &str = "s3cr3t-client-secret-value";
/// The app key the loopback tests' clients use (distinctive, as [`SECRET`]).
pub const APP_KEY: &str = "ak1.app-key-value-xyz";

/// A builder for the scripted server, with [`APP_KEY`], client id `cid.client` and
/// [`SECRET`].
pub fn scripted_builder(server: &ScriptedServer) -> RuntimeBuilder {
    server.builder(APP_KEY, "cid.client", SECRET)
}

/// The generated client for tenant 42.
pub fn tenant42(b: RuntimeBuilder) -> servicetitan::Client {
    typed_client(b, 42)
}

/// The generated client for `tenant` from a runtime client's settings.
pub fn typed_client(b: RuntimeBuilder, tenant: i64) -> servicetitan::Client {
    let runtime = servicetitan_runtime::Runtime::new(b).expect("a client of these settings");
    servicetitan::Client::new(runtime, tenant)
}

/// The generated client for `tenant`, on a stand-in ServiceTitan (the runtime's settings
/// as the stand-in hands them out).
pub fn stand_in_client(m: &servicetitan_mock::MockServer, tenant: i64) -> servicetitan::Client {
    typed_client(m.builder(), tenant)
}

/// A sort field the documents list compiles; one they do not list, or free text, does not
/// (the other half of `tests/tests/typed_sort.rs`).
///
/// ```
/// use servicetitan::crm::CustomersGetListSort;
/// use servicetitan::runtime::Sort;
///
/// async fn newest_first(st: &servicetitan::Client) -> Result<(), servicetitan::Error> {
///     let page = st.crm().customers().get_list()
///         .sort(Sort::desc(CustomersGetListSort::ModifiedOn))
///         .await?;
///     println!("{}", page.data.len());
///     Ok(())
/// }
/// ```
///
/// ```compile_fail,E0599
/// use servicetitan::crm::CustomersGetListSort;
/// use servicetitan::runtime::Sort;
///
/// async fn newest_first(st: &servicetitan::Client) -> Result<(), servicetitan::Error> {
///     let page = st.crm().customers().get_list()
///         .sort(Sort::desc(CustomersGetListSort::ModifedOn))
///         .await?;
///     println!("{}", page.data.len());
///     Ok(())
/// }
/// ```
///
/// ```compile_fail,E0308
/// async fn newest_first(st: &servicetitan::Client) -> Result<(), servicetitan::Error> {
///     let page = st.crm().customers().get_list().sort("-ModifiedOn").await?;
///     println!("{}", page.data.len());
///     Ok(())
/// }
/// ```
#[cfg(doctest)]
pub struct TypedSort;

/// Id lists take ids of their resource, not text: the comma-separated string callers used
/// to format by hand does not compile, nor do bare integers or ids of the wrong type
/// (guids where ids are integers).
///
/// ```
/// use servicetitan::ids::LocationId;
///
/// async fn these(st: &servicetitan::Client) -> Result<(), servicetitan::Error> {
///     let page = st.crm().locations().get_list().ids([1, 2, 3].map(LocationId::new)).await?;
///     println!("{}", page.data.len());
///     Ok(())
/// }
/// ```
///
/// ```compile_fail,E0277
/// async fn these(st: &servicetitan::Client) -> Result<(), servicetitan::Error> {
///     let page = st.crm().locations().get_list().ids("1,2,3").await?;
///     println!("{}", page.data.len());
///     Ok(())
/// }
/// ```
///
/// ```compile_fail,E0277
/// async fn these(st: &servicetitan::Client) -> Result<(), servicetitan::Error> {
///     let page = st.crm().locations().get_list().ids([1, 2, 3]).await?;
///     println!("{}", page.data.len());
///     Ok(())
/// }
/// ```
///
/// ```compile_fail,E0277
/// async fn these(st: &servicetitan::Client) -> Result<(), servicetitan::Error> {
///     let guid = servicetitan::runtime::Uuid::nil();
///     let page = st.crm().locations().get_list().ids([guid]).await?;
///     println!("{}", page.data.len());
///     Ok(())
/// }
/// ```
#[cfg(doctest)]
pub struct TypedIds;

/// Generated structs are `#[non_exhaustive]`, so that a field the API adds breaks no code:
/// they are built with `new(..)` or `default()`, setters and field assignment, and a
/// struct literal, which a new field would break, does not compile.
///
/// ```
/// use servicetitan::crm::{CustomerResponse, UpdateCustomerRequest};
/// use servicetitan::ids::CustomerId;
///
/// let mut customer = CustomerResponse::default();
/// customer.id = Some(CustomerId::new(7));
/// let update = UpdateCustomerRequest::default().with_name("Ada").with_active(false);
/// assert_eq!(customer.id.map(CustomerId::get), Some(7));
/// assert_eq!(update.name.as_deref(), Some("Ada"));
/// ```
///
/// ```compile_fail,E0639
/// use servicetitan::crm::CustomerResponse;
///
/// let customer = CustomerResponse { id: None, ..CustomerResponse::default() };
/// ```
#[cfg(doctest)]
pub struct NonExhaustiveModels;

/// The runtime's public structs that may grow (`RetryPolicy`, `ChangeOptions`, `Paged`,
/// `ApiErrorResponse`, ...) are `#[non_exhaustive]` too: built with `default()` and
/// setters, never a struct literal, so a field added later breaks nobody.
///
/// ```
/// use servicetitan::runtime::{ChangeOptions, RetryPolicy};
/// use std::time::Duration;
///
/// let retry = RetryPolicy::default().max_attempts(2).initial_backoff(Duration::from_millis(50));
/// let changes = ChangeOptions::default().page_size(500);
/// assert_eq!((retry.max_attempts, changes.page_size), (2, 500));
/// ```
///
/// ```compile_fail,E0639
/// use servicetitan::runtime::RetryPolicy;
///
/// let retry = RetryPolicy { max_attempts: 2, ..RetryPolicy::default() };
/// ```
///
/// ```compile_fail,E0639
/// use servicetitan::runtime::ApiErrorResponse;
///
/// let e = ApiErrorResponse { title: None, ..ApiErrorResponse::default() };
/// ```
#[cfg(doctest)]
pub struct NonExhaustiveRuntime;

/// One type named `Client` in a program's view: the runtime's shared part is `Runtime`
/// (built from a `RuntimeBuilder`), so both crates' names can be imported whole and
/// `Client` still names the tenant-bound client (two `Client`s would make it ambiguous,
/// E0659).
///
/// ```
/// use servicetitan::prelude::*;
/// use servicetitan::runtime::*;
/// use servicetitan::*;
///
/// fn bind(runtime: Runtime, tenant: i64) -> Client {
///     Client::new(runtime, tenant)
/// }
/// let runtime = Runtime::new(RuntimeBuilder::new(Environment::Integration)).unwrap();
/// assert_eq!(bind(runtime, 7).tenant(), 7);
/// ```
#[cfg(doctest)]
pub struct OneClient;

/// A request whose required fields include two of one type (two times, two names) takes
/// them by name, in a struct of its own (`XRequired`), so they cannot be swapped; one
/// left out does not compile. Others take their required fields in order, strings as
/// anything that converts into one.
///
/// ```
/// use servicetitan::jpm::{AppointmentInformation, AppointmentInformationRequired};
/// use servicetitan::runtime::DateTime;
/// use std::time::Duration;
///
/// let start = DateTime::now();
/// let end = start + Duration::from_secs(3600);
/// let visit = AppointmentInformation::new(AppointmentInformationRequired { start, end });
/// assert_eq!(visit.end - visit.start, Duration::from_secs(3600));
/// let param = servicetitan::reporting::ReportDataParameter::new("From");
/// assert_eq!(param.name, "From");
/// ```
///
/// ```compile_fail,E0063
/// use servicetitan::jpm::{AppointmentInformation, AppointmentInformationRequired};
/// use servicetitan::runtime::DateTime;
///
/// let visit = AppointmentInformation::new(AppointmentInformationRequired { start: DateTime::now() });
/// ```
#[cfg(doctest)]
pub struct NamedRequiredFields;
