//! Stage 3's output: the model of the API, the vocabulary every later stage (emit, the
//! API surface, the change report, the examples table) reads. Nothing in here knows about
//! JSON or OpenAPI versions any more; every shape (a page, an export, a path template) is
//! decided once, by the model, and stored here.
//!
//! Files: this one (the API, domains, types, operations) and `paths.rs` (methods and
//! path templates).

mod paths;
mod resources;
mod ty;

pub use paths::{variant, Method, PathTemplate, Segment};
pub use resources::ResourceDef;
pub use ty::Ty;

/// The whole API: one [`Domain`] per input document, plus the schemas that several
/// documents define identically.
#[derive(Debug, Clone)]
pub struct Api {
    pub domains: Vec<Domain>,
    /// Types defined once in `common` and re-exported by every domain that uses them.
    pub common: Vec<TypeDef>,
    /// The kinds of record with ids of their own, by Rust name; each has an id type in
    /// the generated `ids` module ([`Ty::Id`]).
    pub resources: Vec<ResourceDef>,
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
    /// The item type when this struct is a page with more to it than the runtime's
    /// `Paged` (reporting's `ReportDataResponse`: `page`, `hasMore`, `data` and `fields`).
    pub page_item: Option<Ty>,
    /// A page whose rows (`data`) are lists of values labelled by the `name` of each of
    /// its `fields`, in order (reporting's report data): it implements
    /// `rt::LabelledRows`.
    pub labelled_rows: Option<RowLabels>,
}

/// Where a page's row labels are: the Rust names of its rows field (`data`), its fields
/// field (`fields`), and the label of each of those (`name`, an optional string).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowLabels {
    pub rows: String,
    pub fields: String,
    pub name: String,
}

/// How a field is represented, by its type's usage and the field's flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldRepr {
    /// `T`, always serialized.
    Plain,
    /// `Option<T>`; `None` is omitted from JSON.
    Optional,
    /// `Option<T>`; `None` is sent as `null` (required but nullable, in a request).
    OptionalNull,
    /// `rt::Nullable<T>`: absent, null, or a value (optional and nullable, in a request).
    Nullable,
}

impl TypeDef {
    /// Whether a struct keeps the fields the document does not list: types read from
    /// responses (or used by no operation) do; types only ever sent are exactly what the
    /// document says.
    pub fn keeps_unknown_fields(&self) -> bool {
        self.usage.response || !self.usage.request
    }

    /// How field `f` of this type is represented.
    pub fn field_repr(&self, f: &Field) -> FieldRepr {
        // Responses (and types used by no operation): every field may be absent or null,
        // whatever `required` says; the documents' required markers are not reliable.
        if self.keeps_unknown_fields() {
            return FieldRepr::Optional;
        }
        match (f.required, f.nullable) {
            (true, false) => FieldRepr::Plain,
            (true, true) => FieldRepr::OptionalNull,
            (false, false) => FieldRepr::Optional,
            (false, true) => FieldRepr::Nullable,
        }
    }

    /// A field's Rust type in the short form of [`Ty::display`], e.g. `Option<Decimal>`.
    pub fn field_display(&self, f: &Field) -> String {
        let inner = f.ty.display();
        let inner = if f.boxed {
            format!("Box<{inner}>")
        } else {
            inner
        };
        match self.field_repr(f) {
            FieldRepr::Plain => inner,
            FieldRepr::Optional | FieldRepr::OptionalNull => format!("Option<{inner}>"),
            FieldRepr::Nullable => format!("Nullable<{inner}>"),
        }
    }

    /// Whether the field is an argument of the struct's `new(..)` (a required request field).
    pub fn field_in_constructor(&self, f: &Field) -> bool {
        self.field_repr(f) == FieldRepr::Plain
    }

    /// Whether the struct has a `with_<field>` setter per optional field: models users
    /// send (in a request, whether or not responses carry them too) have them.
    pub fn has_setters(&self) -> bool {
        matches!(self.kind, TypeDefKind::Struct(_)) && self.usage.request
    }

    /// Whether `new(..)` takes its required fields by name (`new(XRequired { a, b })`)
    /// rather than in order: when two of them have the same type, so that swapping them
    /// cannot compile.
    pub fn named_constructor(&self) -> bool {
        let TypeDefKind::Struct(fields) = &self.kind else {
            return false;
        };
        let mut seen = std::collections::BTreeSet::new();
        fields
            .iter()
            .filter(|f| self.field_in_constructor(f))
            .any(|f| !seen.insert(self.field_display(f)))
    }

    /// The name of the struct of required fields a named `new(..)` takes.
    pub fn required_struct(&self) -> String {
        format!("{}Required", self.name)
    }

    /// The arguments of the struct's `new(..)`, as users read them: `name: String, id: i64`,
    /// or `XRequired { name: String, code: String }` when they are named.
    pub fn constructor_display(&self) -> String {
        let TypeDefKind::Struct(fields) = &self.kind else {
            return String::new();
        };
        let args = fields
            .iter()
            .filter(|f| self.field_in_constructor(f))
            .map(|f| {
                format!(
                    "{}: {}",
                    f.name.trim_start_matches("r#"),
                    self.field_display(f)
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        if self.named_constructor() {
            format!("{} {{ {args} }}", self.required_struct())
        } else {
            args
        }
    }

    /// The fields the document marks required that are optional here, because this type is
    /// read from responses, whose required markers the API does not keep.
    pub fn required_but_optional(&self) -> Vec<&Field> {
        match &self.kind {
            TypeDefKind::Struct(fields) if self.usage.response => fields
                .iter()
                .filter(|f| f.required && self.field_repr(f) == FieldRepr::Optional)
                .collect(),
            _ => vec![],
        }
    }
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

#[derive(Debug, Clone)]
pub struct Controller {
    /// PascalCase, e.g. `Invoices`.
    pub name: String,
    /// snake_case accessor, e.g. `invoices`.
    pub accessor: String,
    pub operations: Vec<Operation>,
}

impl Controller {
    /// The name of the generated struct of this controller's operations (`InvoicesApi`).
    pub fn api_struct(&self) -> String {
        format!("{}Api", self.name)
    }
}

impl Domain {
    /// The name of the domain's entry-point struct (`crm` -> `CrmApi`).
    pub fn struct_name(&self) -> String {
        format!("{}Api", crate::names::pascal(&self.module))
    }

    /// Every operation of the domain, controller by controller.
    pub fn operations(&self) -> impl Iterator<Item = &Operation> {
        self.controllers.iter().flat_map(|c| &c.operations)
    }

    /// The names of the enums this domain's typed `sort` parameters take.
    pub fn sort_enums(&self) -> std::collections::BTreeSet<&str> {
        self.operations()
            .flat_map(|o| &o.query)
            .filter_map(|p| match &p.ty {
                Ty::Sort(field) => match field.as_ref() {
                    Ty::Named { name, .. } => Some(name.as_str()),
                    _ => None,
                },
                _ => None,
            })
            .collect()
    }

    /// How users call `o` of controller `c`, without arguments:
    /// `client.crm().customers().get_list`.
    pub fn call(&self, c: &Controller, o: &Operation) -> String {
        format!(
            "client.{}().{}().{}",
            self.module,
            c.accessor.trim_start_matches("r#"),
            o.fn_name.trim_start_matches("r#")
        )
    }
}

/// A rate limit of an operation's own: `calls` per `seconds`, per tenant and path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub calls: u32,
    pub seconds: u64,
}

/// How an operation's answers continue, when they do.
#[derive(Debug, Clone, PartialEq)]
pub enum Paging {
    /// Pages, numbered where `at` says. `page` is the response type, `item` its items.
    Pages {
        page: Ty,
        item: Ty,
        at: PageAt,
        /// Whether the builder gets `.pages()` and `.items()` (not when a parameter
        /// already has one of those names).
        stream_methods: bool,
        /// Whether the page's rows are labelled ([`TypeDef::labelled_rows`]): the
        /// builder also gets `.rows()`.
        labelled: bool,
        /// Where the list filters by modification time and its records say when they
        /// were modified: what a stream of its changes sets and reads.
        incremental: Option<Box<Incremental>>,
    },
    /// Export batches, continued through the optional query parameter `from` (its Rust
    /// name here).
    Export {
        item: Ty,
        from: String,
        /// Whether the builder gets `.batches()` and `.items()`.
        stream_methods: bool,
    },
}

/// Where a paged list's request carries the page number.
#[derive(Debug, Clone, PartialEq)]
pub enum PageAt {
    /// The query parameter `page` (its Rust name; `required` when it is an argument
    /// rather than a setter).
    Query { param: String, required: bool },
    /// A field of an object in the JSON body (`{"pagination": {"pageNumber": 2}}`, a POST
    /// filter): the body's field `object` (Rust name; `Option` when `object_optional`, its
    /// type then `Default`), and that object's `page` field (`Option` when
    /// `page_optional`). `wire_page` and `wire_size` are their JSON pointers in the body
    /// (`/pagination/pageNumber`, `/pagination/pageSize`).
    Body {
        object: String,
        object_optional: bool,
        page: String,
        page_optional: bool,
        wire_page: String,
        wire_size: Option<String>,
    },
}

#[derive(Debug, Clone)]
pub struct Operation {
    pub id: String,
    /// snake_case method name on the controller.
    pub fn_name: String,
    /// PascalCase name of the request builder struct.
    pub builder: String,
    pub method: Method,
    /// The path as written in the document (without the server prefix).
    pub path: PathTemplate,
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
    /// Every status the document declares an answer for (as written: `200`, `4XX`,
    /// `default`), with the media types of its content (none for an empty answer).
    pub answers: Vec<(String, Vec<String>)>,
    /// A limit the API documents for this operation in prose (reporting's 5 runs of the
    /// same report per minute).
    pub limit: Option<Limit>,
    /// The operation's domain answers 409 "suspended for maintenance" while it is briefly
    /// down (reporting): such an answer is worth a retry.
    pub maintenance_conflicts: bool,
    /// Set when the response is a page or an export batch the builder can continue.
    pub paging: Option<Paging>,
}

impl Operation {
    /// What a copy of a tenant's data reads from this operation, when it is one of its
    /// sources: the item type of an export, or of a list that filters by modification
    /// time, that needs no argument but the tenant.
    pub fn sync_item(&self) -> Option<&Ty> {
        if !self.required_args().is_empty() {
            return None;
        }
        match &self.paging {
            Some(Paging::Export { item, .. }) => Some(item),
            Some(Paging::Pages {
                item,
                incremental: Some(_),
                stream_methods: true,
                ..
            }) => Some(item),
            _ => None,
        }
    }

    /// Arguments of the controller method: path parameters, required query parameters,
    /// the body (JSON) or its required parts (multipart).
    pub fn required_args(&self) -> Vec<(&str, &Ty)> {
        let mut out: Vec<(&str, &Ty)> = self
            .path_params
            .iter()
            .chain(self.query.iter().filter(|p| p.required))
            .map(|p| (p.name.as_str(), &p.ty))
            .collect();
        match &self.body {
            Some(Body::Json { ty, .. }) => out.push(("body", ty)),
            Some(Body::Multipart(parts)) => out.extend(
                parts
                    .iter()
                    .filter(|p| p.required)
                    .map(|p| (p.name.as_str(), &p.ty)),
            ),
            None => {}
        }
        out
    }

    /// The arguments as users read them: `id: i64, body: CustomerCreateRequest`.
    pub fn args_display(&self) -> String {
        self.required_args()
            .iter()
            .map(|(n, t)| format!("{}: {}", n.trim_start_matches("r#"), t.display()))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Query parameters and multipart parts the caller may leave out: builder setters,
    /// each with what it is ("Query parameter", "Multipart part").
    pub fn optional_inputs(&self) -> impl Iterator<Item = (&Param, &'static str)> {
        let parts: &[Param] = match &self.body {
            Some(Body::Multipart(parts)) => parts,
            _ => &[],
        };
        self.query
            .iter()
            .map(|p| (p, "Query parameter"))
            .chain(parts.iter().map(|p| (p, "Multipart part")))
            .filter(|(p, _)| !p.required)
    }

    /// Every parameter and part, path first (the names of the builder's fields).
    pub fn inputs(&self) -> impl Iterator<Item = &Param> {
        let parts: &[Param] = match &self.body {
            Some(Body::Multipart(parts)) => parts,
            _ => &[],
        };
        self.path_params.iter().chain(&self.query).chain(parts)
    }
}

/// What a stream of a list's changes sets (wire names of the parameters) and reads (the
/// Rust name of the records' `modifiedOn` field, an `Option<DateTime>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incremental {
    pub from: String,
    pub before: String,
    pub page: String,
    pub page_size: String,
    pub total: Option<String>,
    /// `active`, when its type has the value `Any`.
    pub active: Option<String>,
    pub modified: String,
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

impl Response {
    /// What the call returns, as users read it (`Paged<Customer>`, `Download`).
    pub fn display(&self) -> String {
        match self {
            Response::Json(t) => t.display(),
            Response::Empty => "()".into(),
            Response::Bytes => "Download".into(),
            Response::Text => "String".into(),
            Response::Redirect => "Redirect".into(),
        }
    }
}
