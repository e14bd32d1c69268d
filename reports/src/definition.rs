//! A report's handle: its definition (`ReportCategoryReports_Get`: parameters and fields),
//! fetched once per tenant and kept in a [`Reports`] cache, and what it says of each
//! parameter.

use crate::error::ReportError;
use crate::parameter::{Accepts, Field, Parameter};
use servicetitan::ids::ReportId;
use servicetitan::reporting::{DataType, ReportResponse};
use servicetitan::runtime::Json;
use std::collections::HashMap;
use std::sync::Arc;

/// A report, ready to run: its category, id and definition, and the client it runs with.
#[derive(Debug, Clone)]
pub struct Report {
    pub(crate) client: servicetitan::Client,
    pub(crate) category: String,
    pub(crate) id: ReportId,
    pub(crate) name: String,
    pub(crate) parameters: Vec<Parameter>,
    pub(crate) fields: Arc<[Field]>,
}

impl Report {
    /// Fetches the report's definition (one call).
    pub async fn fetch(
        client: &servicetitan::Client,
        category: &str,
        id: ReportId,
    ) -> Result<Report, ReportError> {
        let def = client
            .reporting()
            .report_category_reports()
            .get(category, id)
            .send()
            .await
            .map_err(ReportError::Api)?;
        Ok(Report::from_definition(client.clone(), category, id, def))
    }

    /// A report from a definition already read.
    pub fn from_definition(
        client: servicetitan::Client,
        category: &str,
        id: ReportId,
        def: ReportResponse,
    ) -> Report {
        let parameters = def
            .parameters
            .unwrap_or_default()
            .into_iter()
            .filter_map(|p| {
                let accepts = match &p.accept_values {
                    Some(a) if a.dynamic_set_id.as_deref().is_some_and(|s| !s.is_empty()) => {
                        Accepts::DynamicSet(a.dynamic_set_id.clone().unwrap_or_default())
                    }
                    Some(a) if a.values.as_ref().is_some_and(|v| !v.is_empty()) => Accepts::Listed(
                        a.values
                            .iter()
                            .flatten()
                            .filter_map(|row| row.first().cloned())
                            .collect(),
                    ),
                    _ => Accepts::Any,
                };
                Some(Parameter {
                    name: p.name?,
                    data_type: data_type(p.data_type.as_ref()),
                    is_array: p.is_array.unwrap_or(false),
                    required: p.is_required.unwrap_or(false),
                    accepts,
                })
            })
            .collect();
        let fields = def
            .fields
            .unwrap_or_default()
            .into_iter()
            .map(|f| Field {
                name: f.name.unwrap_or_default(),
                data_type: data_type(f.data_type.as_ref()),
            })
            .collect();
        Report {
            client,
            category: category.to_owned(),
            id,
            name: def.name.unwrap_or_default(),
            parameters,
            fields,
        }
    }

    /// The report's name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Its category.
    pub fn category(&self) -> &str {
        &self.category
    }
    /// Its id.
    pub fn id(&self) -> ReportId {
        self.id
    }
    /// Its parameters, in the definition's order.
    pub fn parameters(&self) -> &[Parameter] {
        &self.parameters
    }
    /// Its columns, in order.
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }
    /// A parameter by name (compared without case, as the API does).
    pub fn parameter(&self, name: &str) -> Option<&Parameter> {
        self.parameters
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
    }

    /// The values a parameter accepts: those the definition lists, or those of its
    /// dynamic value set (read now, every page); empty when it accepts any value.
    pub async fn accepted_values(&self, parameter: &str) -> Result<Vec<Json>, ReportError> {
        let p = self
            .parameter(parameter)
            .ok_or_else(|| ReportError::unknown(&self.parameters, parameter))?;
        match &p.accepts {
            Accepts::Any => Ok(Vec::new()),
            Accepts::Listed(v) => Ok(v.clone()),
            Accepts::DynamicSet(set) => {
                let mut values = Vec::new();
                let mut page = 1;
                loop {
                    let answer = self
                        .client
                        .reporting()
                        .dynamic_value_sets()
                        .get_dynamic_set(set.as_str())
                        .page(page)
                        .page_size(500)
                        .send()
                        .await
                        .map_err(ReportError::Api)?;
                    let rows = answer.data.unwrap_or_default();
                    values.extend(rows.into_iter().filter_map(|r| r.into_iter().next()));
                    if answer.has_more != Some(true) {
                        return Ok(values);
                    }
                    page += 1;
                }
            }
        }
    }

    /// The two date parameters a date range fills: the only pair of single `Date`
    /// parameters the definition has.
    pub fn date_parameters(&self) -> Result<(String, String), ReportError> {
        let dates: Vec<&Parameter> = self
            .parameters
            .iter()
            .filter(|p| p.data_type == "Date" && !p.is_array)
            .collect();
        match dates[..] {
            [from, to] => Ok((from.name.clone(), to.name.clone())),
            _ => Err(ReportError::Dates(format!(
                "{} has {} date parameters ({}); name the two a range fills",
                self.name,
                dates.len(),
                dates
                    .iter()
                    .map(|p| p.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }
}

fn data_type(t: Option<&DataType>) -> String {
    t.map(|t| t.as_str().to_owned())
        .unwrap_or_else(|| "String".into())
}

/// A tenant, a category and a report id.
type Key = (i64, String, i64);

/// One report's definition, fetched once however many tasks ask together.
type Slot = Arc<tokio::sync::OnceCell<Arc<Report>>>;

/// Reports' definitions, fetched once per tenant, category and id.
#[derive(Debug, Clone, Default)]
pub struct Reports {
    cache: Arc<std::sync::Mutex<HashMap<Key, Slot>>>,
}

impl Reports {
    /// An empty cache.
    pub fn new() -> Reports {
        Reports::default()
    }

    /// The report, from the cache or fetched (once, however many tasks ask together; a
    /// fetch that fails is tried again by the next caller). Different reports are fetched
    /// side by side.
    pub async fn get(
        &self,
        client: &servicetitan::Client,
        category: &str,
        id: ReportId,
    ) -> Result<Arc<Report>, ReportError> {
        let key = (client.tenant(), category.to_owned(), id.get());
        let slot = match self.cache.lock() {
            Ok(mut cache) => cache.entry(key).or_default().clone(),
            // A panic elsewhere while it was held: fetch without the cache.
            Err(_) => Slot::default(),
        };
        let report = slot
            .get_or_try_init(|| async { Report::fetch(client, category, id).await.map(Arc::new) })
            .await?;
        Ok(report.clone())
    }
}
