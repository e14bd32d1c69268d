//! Which OAuth scopes an application needs. A ServiceTitan app chooses its scopes once,
//! when it is created; this computes them from the operations it will call.

use crate::request::Operation;
use std::collections::BTreeSet;
use std::fmt;

/// The scopes a set of operations requires, sorted and de-duplicated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequiredScopes {
    /// Every scope, sorted.
    pub scopes: BTreeSet<String>,
    /// Operations whose document declares no scope (the 3.0.1 documents): the list above
    /// may be incomplete for them.
    pub undeclared: Vec<&'static str>,
}

impl RequiredScopes {
    /// The scopes needed to call all of `operations`.
    pub fn of<'a>(operations: impl IntoIterator<Item = &'a Operation>) -> Self {
        let mut out = RequiredScopes::default();
        for op in operations {
            match op.scopes {
                Some(s) => out.scopes.extend(s.iter().map(|s| s.to_string())),
                None => out.undeclared.push(op.id),
            }
        }
        out.undeclared.sort_unstable();
        out.undeclared.dedup();
        out
    }

    /// Read scopes (`...:r`).
    pub fn read(&self) -> impl Iterator<Item = &str> {
        self.scopes
            .iter()
            .map(String::as_str)
            .filter(|s| s.ends_with(":r"))
    }

    /// Write scopes (`...:w`) and any other kind.
    pub fn write(&self) -> impl Iterator<Item = &str> {
        self.scopes
            .iter()
            .map(String::as_str)
            .filter(|s| !s.ends_with(":r"))
    }

    /// Whether the application only reads.
    pub fn is_read_only(&self) -> bool {
        self.write().next().is_none()
    }
}

impl fmt::Display for RequiredScopes {
    /// One scope a line, read scopes first, ready to compare with the portal's app form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "# read ({})", self.read().count())?;
        for s in self.read() {
            writeln!(f, "{s}")?;
        }
        writeln!(f, "# write ({})", self.write().count())?;
        for s in self.write() {
            writeln!(f, "{s}")?;
        }
        if !self.undeclared.is_empty() {
            writeln!(
                f,
                "# operations whose document declares no scope: {}",
                self.undeclared.join(", ")
            )?;
        }
        Ok(())
    }
}
