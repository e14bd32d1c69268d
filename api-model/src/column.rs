//! What a column of the sync's tables holds: one definition for the generator, which
//! types every synced field's column and writes the tables and migrations, and the command
//! line, whose generated tables name it and whose databases map it to their types.

use serde::{Deserialize, Serialize};

/// What a column holds, and so its type in each database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnKind {
    /// A whole number.
    Integer,
    /// A decimal number kept exactly (money): SQLite keeps the number's text, PostgreSQL
    /// a `numeric`.
    Decimal,
    /// A binary floating-point number, where the document says `double`/`float`.
    Double,
    /// `true` or `false`.
    Boolean,
    /// Text.
    Text,
    /// An instant, UTC; SQLite keeps `YYYY-MM-DDTHH:MM:SS.fffffffZ`.
    Timestamp,
    /// A calendar day.
    Date,
    /// A uuid.
    Uuid,
    /// An object, an array or a value of several shapes, as JSON.
    Json,
}

impl ColumnKind {
    /// The kind a column of both `self` and `other` needs (a field two sources type
    /// differently): the same, else a decimal for two numbers, else text for two
    /// scalars written as text, else JSON.
    pub fn common(self, other: ColumnKind) -> ColumnKind {
        use ColumnKind::*;
        match (self, other) {
            (a, b) if a == b => a,
            (Integer | Decimal | Double, Integer | Decimal | Double) => Decimal,
            (Json, _) | (_, Json) => Json,
            _ => Text,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ColumnKind::*;

    #[test]
    fn two_kinds_meet_in_the_narrowest_that_holds_both() {
        assert_eq!(Integer.common(Integer), Integer);
        assert_eq!(Integer.common(Double), Decimal);
        assert_eq!(Date.common(Timestamp), Text);
        assert_eq!(Json.common(Integer), Json);
    }
}
