//! Stage 3's output: the model of the API that the emitter turns into Rust. Nothing in
//! here knows about JSON or OpenAPI versions any more.

/// The whole API: one [`Domain`] per input document, plus the schemas that several
/// documents define identically.
#[derive(Debug, Clone)]
pub struct Api {
    pub domains: Vec<Domain>,
    /// Types defined once in `common` and re-exported by every domain that uses them.
    pub common: Vec<TypeDef>,
}

#[derive(Debug, Clone)]
pub struct Domain {
    /// Rust module name, e.g. `crm`, `equipment_systems`.
    pub module: String,
    /// Cargo feature, e.g. `crm`, `equipment-systems`.
    pub feature: String,
    /// `info.title`, e.g. "Equipment Systems".
    pub title: String,
    /// `info.description`: what the domain covers ("Equipment types, installed equipment,
    /// installed equipment systems").
    pub description: Option<String>,
    /// The input file name, e.g. `crm-v2.json`.
    pub file: String,
    /// Path of the first `servers` URL, e.g. `/crm/v2`.
    pub prefix: String,
    pub version: crate::load::SpecVersion,
    pub types: Vec<TypeDef>,
    /// Names of the `common` types this domain uses (re-exported in its module).
    pub common_used: Vec<String>,
    pub controllers: Vec<Controller>,
    /// Scope -> the label the developer portal shows (`CRM → Customers (Read)`), from the
    /// document's `securitySchemes`.
    pub scope_titles: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Clone)]
pub struct TypeDef {
    pub name: String,
    /// The schema's name in the document (or a synthesised path for inline schemas).
    pub schema: String,
    pub doc: Option<String>,
    pub deprecated: bool,
    pub kind: TypeDefKind,
    pub usage: Usage,
}

/// Where a type is used: this decides how strictly its fields are typed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    pub request: bool,
    pub response: bool,
}

impl Usage {
    pub fn union(self, o: Usage) -> Usage {
        Usage {
            request: self.request || o.request,
            response: self.response || o.response,
        }
    }
}

#[derive(Debug, Clone)]
pub enum TypeDefKind {
    Struct(Vec<Field>),
    StringEnum {
        variants: Vec<EnumVariant<String>>,
        flags: bool,
    },
    IntEnum(Vec<EnumVariant<i64>>),
    /// Several object shapes; picked by which shape's properties cover the object.
    Union(Vec<UnionVariant>),
    Alias(Ty),
}

#[derive(Debug, Clone)]
pub struct EnumVariant<T> {
    pub name: String,
    pub value: T,
}

#[derive(Debug, Clone)]
pub struct UnionVariant {
    pub name: String,
    pub ty: Ty,
    /// Property names of the variant's object schema.
    pub keys: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Field {
    /// Rust field name (already a valid identifier, raw if needed).
    pub name: String,
    /// JSON property name.
    pub wire: String,
    pub ty: Ty,
    pub required: bool,
    pub nullable: bool,
    pub boxed: bool,
    pub doc: Option<String>,
    pub deprecated: bool,
}

/// A Rust type, as used in a field, parameter or response.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Ty {
    Bool,
    I32,
    I64,
    F64,
    String,
    Decimal,
    DateTime,
    Date,
    TimeSpan,
    Uuid,
    Binary,
    /// Any JSON value.
    Json,
    /// A generated type; `common` when it lives in the `common` module.
    Named {
        name: String,
        common: bool,
    },
    Vec(Box<Ty>),
    Map(Box<Ty>),
    /// `{page, pageSize, hasMore, totalCount?, data: [T]}` whatever it is named.
    Paged(Box<Ty>),
    /// `{hasMore, continueFrom, data: [T]}`.
    Export(Box<Ty>),
    /// `{data: T}`.
    DataResult(Box<Ty>),
    /// RFC 7807 `ApiErrorResponse`.
    ApiError,
    /// A `x-enumFlags` enum: a comma-separated set of values.
    Flags(Box<Ty>),
    /// A file sent as one part of a `multipart/form-data` body.
    File,
}

#[derive(Debug, Clone)]
pub struct Controller {
    /// PascalCase, e.g. `Invoices`.
    pub name: String,
    /// snake_case accessor, e.g. `invoices`.
    pub accessor: String,
    pub operations: Vec<Operation>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Operation {
    pub id: String,
    /// snake_case method name on the controller.
    pub fn_name: String,
    /// PascalCase name of the request builder struct.
    pub builder: String,
    pub method: Method,
    /// The path exactly as written in the document (without the server prefix).
    pub path: String,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub deprecated: bool,
    /// OAuth scopes; `None` when the document declares none (the 3.0.1 set).
    pub scopes: Option<Vec<String>>,
    pub path_params: Vec<Param>,
    pub query: Vec<Param>,
    pub body: Option<Body>,
    pub response: Response,
    /// JSON bodies the document declares for other statuses (`400`, `404`, ...), by status.
    /// The runtime reads every error body as `ApiErrorResponse` (or keeps it as text).
    pub errors: Vec<(String, Ty)>,
}

#[derive(Debug, Clone)]
pub struct Param {
    pub wire: String,
    pub name: String,
    pub ty: Ty,
    pub required: bool,
    pub doc: Option<String>,
}

#[derive(Debug, Clone)]
pub enum Body {
    Json {
        ty: Ty,
        required: bool,
    },
    /// `multipart/form-data`: one part per property of the body's object schema; file
    /// parts have type [`Ty::File`].
    Multipart(Vec<Param>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Response {
    Json(Ty),
    Empty,
    Bytes,
    Text,
    Redirect,
}
