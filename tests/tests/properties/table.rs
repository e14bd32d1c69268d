//! The operations whose answers `answers.rs` mutates: two or three of every domain, a
//! page, an export batch and a single record where the domain has them (with examples in
//! the documents), each with its generated type (as `examples_round_trip/types.rs` names
//! it) and the domain's operations (for the drift observer's notes).

use serde::de::DeserializeOwned;
use serde::Serialize;
use servicetitan::runtime as rt;

/// One operation's answers, and the check of one of them.
pub struct Target {
    pub module: &'static str,
    pub id: &'static str,
    operations: &'static [&'static rt::Operation],
    pub check: fn(&rt::Operation, &[u8]),
}

impl Target {
    /// The operation as the generated crate describes it.
    pub fn operation(&self) -> &'static rt::Operation {
        self.operations
            .iter()
            .copied()
            .find(|o| o.id == self.id)
            .unwrap_or_else(|| panic!("{} is not an operation of {}", self.id, self.module))
    }
}

/// Decodes `bytes` as `T` plainly and under drift observation. Both end; they accept the
/// same answers; an answer that does not decode is noted as a wrong type; one that does is
/// written back and reads again.
fn check<T: DeserializeOwned + Serialize>(op: &rt::Operation, bytes: &[u8]) {
    let plain = rt::decode::<T>(bytes);
    let (observed, notes) = rt::drift::observe_decode::<T>(op, bytes);
    assert_eq!(
        plain.as_ref().err().map(ToString::to_string),
        observed.as_ref().err().map(ToString::to_string),
        "decoding under observation ends otherwise than without"
    );
    match plain {
        Ok(value) => {
            let again = serde_json::to_vec(&value).expect("a decoded answer serializes");
            if let Err(e) = rt::decode::<T>(&again) {
                panic!("what was written back does not read: {e}");
            }
        }
        Err(_) => assert!(
            notes
                .keys()
                .any(|p| p.kind == rt::drift::DriftKind::WrongType),
            "an answer that does not decode is not noted: {notes:?}"
        ),
    }
}

macro_rules! targets {
    ($(($module:ident, $id:literal, $ty:ty)),* $(,)?) => {
        &[$(Target {
            module: stringify!($module),
            id: $id,
            operations: servicetitan::$module::OPERATIONS,
            check: check::<$ty>,
        }),*]
    };
}

/// Operations of every domain.
pub static TARGETS: &[Target] = targets![
    (accounting, "ApBills_GetCustomFieldTypes", rt::Paged<servicetitan::accounting::CustomFieldTypeResponse>),
    (accounting, "Export_InventoryBills", rt::ExportBatch<servicetitan::accounting::ExportInventoryBillResponse>),
    (accounting, "ApBills_GetById", servicetitan::accounting::ApBillResponse),
    (crm, "Customers_GetList", rt::Paged<servicetitan::crm::CustomerResponse>),
    (crm, "ExportBookings_Get", rt::ExportBatch<servicetitan::crm::ExportBookingResponse>),
    (crm, "BookingProviderTags_Create", servicetitan::crm::CreateBookingProviderTagResponse),
    (customer_interactions, "TechnicianRatings_GetList", rt::Paged<servicetitan::customer_interactions::TechnicianAssessmentResponse>),
    (customer_interactions, "Export_TechnicianRatings", rt::ExportBatch<servicetitan::customer_interactions::ExportTechnicianAssessmentResponse>),
    (dispatch, "AppointmentAssignments_GetList", rt::Paged<servicetitan::dispatch::AppointmentAssignmentResponse>),
    (dispatch, "Export_AppointmentAssignments", rt::ExportBatch<servicetitan::dispatch::ExportAppointmentAssignmentsResponse>),
    (dispatch, "AppointmentAssignments_AssignTechnicians", servicetitan::dispatch::AppointmentResponse),
    (equipment_systems, "EquipmentTypes_GetList", rt::Paged<servicetitan::equipment_systems::EquipmentTypeResponse>),
    (equipment_systems, "Export_ExportInstalledEquipment", rt::ExportBatch<servicetitan::equipment_systems::InstalledEquipmentResponse>),
    (findings, "Findings_GetFindingAttachments", rt::Paged<servicetitan::findings::FindingAttachmentResponse>),
    (findings, "FindingAssets_PostAttachment", servicetitan::findings::FindingAssetUploadResponse),
    (forms, "Form_GetForms", rt::Paged<servicetitan::forms::FormResponse>),
    (forms, "Jobs_CreateAttachment", servicetitan::forms::AttachmentResponse),
    (inventory, "Adjustments_GetList", rt::Paged<servicetitan::inventory::InventoryAdjustmentResponse>),
    (inventory, "Export_Adjustments", rt::ExportBatch<servicetitan::inventory::ExportAdjustmentsResponse>),
    (inventory, "Adjustments_Update", servicetitan::common::ModificationResponse),
    (jbce, "CallReasons_Get", rt::Paged<servicetitan::jbce::CallReasonResponse>),
    (jpm, "Appointments_GetList", rt::Paged<servicetitan::jpm::AppointmentResponse>),
    (jpm, "Export_Appointments", rt::ExportBatch<servicetitan::jpm::ExportAppointmentsResponse>),
    (jpm, "Jobs_Get", servicetitan::jpm::JobResponse),
    (marketing, "CampaignCategories_GetList", rt::Paged<servicetitan::marketing::CampaignCategoryResponse>),
    (marketing_ads, "AttributedLeads_Get", rt::Paged<servicetitan::marketing_ads::GetAttributedLeadsResponse>),
    (marketing_ads, "CapacityAwarenessWarning_Get", servicetitan::marketing_ads::CapacityAwarenessWarningQueryResult),
    (marketing_reputation, "reviews", rt::Paged<servicetitan::marketing_reputation::ReviewReport>),
    (memberships, "CustomerMemberships_GetCustomFields", rt::Paged<servicetitan::memberships::CustomFieldTypeResponse>),
    (memberships, "Export_InvoiceTemplates", rt::ExportBatch<servicetitan::memberships::ExportInvoiceTemplateResponse>),
    (memberships, "CustomerMemberships_Create", servicetitan::memberships::MembershipSaleInvoiceCreateResponse),
    (payroll, "ActivityCodes_GetList", rt::Paged<servicetitan::payroll::PayrollActivityCodeResponse>),
    (payroll, "Export_ActivityCodes", rt::ExportBatch<servicetitan::payroll::PayrollActivityCodeExportResponse>),
    (pricebook, "ClientSpecificPricing_GetAllRateSheets", rt::Paged<servicetitan::pricebook::ClientSpecificPricingResponse>),
    (pricebook, "Export_Equipment", rt::ExportBatch<servicetitan::pricebook::ExportEquipmentResponse>),
    (pricebook, "MaterialsMarkup_Get", rt::DataResult<servicetitan::pricebook::MaterialsMarkupResponse>),
    (reporting, "ReportCategories_GetCategories", rt::Paged<servicetitan::reporting::ReportCategoryListItem>),
    (reporting, "ReportCategoryReports_GetData", servicetitan::reporting::ReportDataResponse),
    (reporting, "DynamicValueSets_GetDynamicSet", servicetitan::reporting::DynamicSetResponse),
    (salestech, "EstimateTemplates_Get", rt::Paged<servicetitan::salestech::EstimateTemplateResponse>),
    (salestech, "EstimatesExport_Estimates", rt::ExportBatch<servicetitan::salestech::ExportEstimatesResponse>),
    (scheduling_pro, "Router_RouterSessions", rt::Paged<servicetitan::scheduling_pro::RouterSessionResponse>),
    (scheduling_pro, "Router_RouterPerformance", servicetitan::scheduling_pro::RouterPerformanceResponse),
    (service_agreements, "ServiceAgreements_GetList", rt::Paged<servicetitan::service_agreements::ServiceAgreementResponse>),
    (service_agreements, "Export_ServiceAgreements", rt::ExportBatch<servicetitan::service_agreements::ExportServiceAgreementResponse>),
    (settings, "BusinessUnits_GetList", rt::Paged<servicetitan::settings::BusinessUnitResponse>),
    (settings, "Export_BusinessUnits", rt::ExportBatch<servicetitan::settings::ExportBusinessUnitResponse>),
    (task_management, "Tasks_GetTasks", rt::Paged<servicetitan::task_management::TaskGetResponse>),
    (task_management, "ClientSideData_Get", servicetitan::task_management::ClientSideDataResponse),
    (telecom, "Calls_Calls", rt::Paged<servicetitan::telecom::CallResponse>),
    (telecom, "Export_Calls", rt::ExportBatch<servicetitan::telecom::ExportCallResponse>),
    (telecom, "Calls_GetDetails", servicetitan::telecom::DetailedBundleCallModel),
    (timesheets, "ActivitiesControllers_GetList", rt::Paged<servicetitan::timesheets::ActivitiesResponse>),
    (timesheets, "Export_Activities", rt::ExportBatch<servicetitan::timesheets::ActivityExportResponse>),
];

/// The error answer every operation may give, `ApiErrorResponse`, decoded as a call's
/// refusal is.
pub fn check_error(op: &rt::Operation, bytes: &[u8]) {
    check::<rt::ApiErrorResponse>(op, bytes)
}
