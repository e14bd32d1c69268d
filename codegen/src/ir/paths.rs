//! How an operation is reached: its HTTP method and its path template, parsed once.

/// The API model's definition of the methods (`servicetitan-api-model`), shared with the
/// runtime and the stand-in.
pub use servicetitan_api_model::Method;

/// The runtime's name of the method (`rt::Method::Get`).
pub fn variant(m: Method) -> &'static str {
    match m {
        Method::Get => "Get",
        Method::Post => "Post",
        Method::Put => "Put",
        Method::Patch => "Patch",
        Method::Delete => "Delete",
    }
}

/// An operation's path template as the document writes it (`/tenant/{tenant}/jobs/{id}`),
/// parsed once: literal text, the tenant placeholder, and parameter placeholders.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PathTemplate {
    raw: String,
    segments: Vec<Segment>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Segment {
    /// Text sent as it is.
    Literal(String),
    /// `{tenant}`: the client's tenant, never an argument.
    Tenant,
    /// `{name}`: a path parameter, by its name in the document.
    Param(String),
}

impl PathTemplate {
    /// The placeholder every operation's path has, filled from the client.
    pub const TENANT: &'static str = "tenant";

    /// Parses a path; an unclosed `{` takes the rest of the path as its name.
    pub fn parse(raw: &str) -> PathTemplate {
        let mut segments = Vec::new();
        let mut rest = raw;
        while let Some(start) = rest.find('{') {
            if start > 0 {
                segments.push(Segment::Literal(rest[..start].to_string()));
            }
            let after = &rest[start + 1..];
            let (name, next) = match after.find('}') {
                Some(end) => (&after[..end], &after[end + 1..]),
                None => (after, ""),
            };
            segments.push(if name == Self::TENANT {
                Segment::Tenant
            } else {
                Segment::Param(name.to_string())
            });
            rest = next;
        }
        if !rest.is_empty() {
            segments.push(Segment::Literal(rest.to_string()));
        }
        PathTemplate {
            raw: raw.to_string(),
            segments,
        }
    }

    /// The path exactly as the document writes it.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// The names of the parameter placeholders, in order (the tenant's not among them).
    pub fn params(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().filter_map(|s| match s {
            Segment::Param(p) => Some(p.as_str()),
            _ => None,
        })
    }
}

impl std::fmt::Display for PathTemplate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.raw)
    }
}
