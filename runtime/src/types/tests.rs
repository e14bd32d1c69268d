use super::*;
use serde::de;
use serde::de::Deserializer;
use serde::{Deserialize, Serialize};

#[test]
fn decimal_from_number_and_string_is_exact() {
    let a: Decimal = serde_json::from_str("\"0.00\"").expect("string");
    let b: Decimal = serde_json::from_str("0.0").expect("number");
    assert_eq!(a, b);
    let c: Decimal = serde_json::from_str("1234567.89").expect("number");
    assert_eq!(c.to_string(), "1234567.89");
    let d: Decimal = serde_json::from_str("0.1").expect("number");
    assert_eq!(d, Decimal::new(1, 1), "no binary rounding");
    assert_eq!(
        serde_json::to_string(&Decimal::new(1250, 2)).expect("ser"),
        "12.5"
    );
    let e: Decimal = serde_json::from_str("\" 42 \"").expect("padded string");
    assert_eq!(e, Decimal::from(42));
    assert!(serde_json::from_str::<Decimal>("\"abc\"").is_err());
}

#[test]
fn decimal_reads_formatted_amounts_and_never_rounds_on_the_way_out() {
    let cases = [
        ("$1,234.50", Decimal::new(123450, 2)),
        ("-$12.00", Decimal::new(-1200, 2)),
        ("$-12.00", Decimal::new(-1200, 2)),
        ("(12.00)", Decimal::new(-1200, 2)),
        ("($1,000)", Decimal::from(-1000)),
        ("1,000,000", Decimal::from(1_000_000)),
        ("1e3", Decimal::from(1000)),
    ];
    for (text, want) in cases {
        assert_eq!(text.parse::<Decimal>().expect(text), want, "{text}");
    }
    for bad in ["1,5", "12,34.5", "$", "1.2.3", "(12", "1,0000", "--1"] {
        assert!(bad.parse::<Decimal>().is_err(), "{bad} was accepted");
    }
    // 20 significant digits do not fit an f64: they go out as a string, exactly.
    let big: Decimal = "12345678901234567.891".parse().expect("big");
    let json = serde_json::to_string(&big).expect("ser");
    assert_eq!(json, "\"12345678901234567.891\"");
    assert_eq!(serde_json::from_str::<Decimal>(&json).expect("de"), big);
    for n in [
        "0.01",
        "19.99",
        "1234567.89",
        "-0.5",
        "999999999999.99",
        "0",
    ] {
        let d: Decimal = n.parse().expect(n);
        let json = serde_json::to_string(&d).expect("ser");
        assert!(!json.starts_with('"'), "{n} went out as {json}");
        assert_eq!(
            serde_json::from_str::<Decimal>(&json).expect("de"),
            d,
            "{n}"
        );
    }
}

#[test]
fn date_times_with_seven_digits_or_no_offset() {
    let a: DateTime = serde_json::from_str("\"2021-07-19T20:35:38.2876004Z\"").expect("7 digits");
    assert_eq!(a.0.timestamp_subsec_nanos(), 287_600_400);
    let b: DateTime = serde_json::from_str("\"2021-07-19T20:35:38.2876004\"").expect("no offset");
    assert_eq!(a, b, "no offset means UTC");
    let c: DateTime =
        serde_json::from_str("\"2021-07-19T22:35:38.2876004+02:00\"").expect("offset");
    assert_eq!(a, c);
    let back: DateTime =
        serde_json::from_str(&serde_json::to_string(&a).expect("ser")).expect("de");
    assert_eq!(a, back);
    assert_eq!(
        "2024-01-02T03:04:05Z"
            .parse::<DateTime>()
            .expect("p")
            .to_string(),
        "2024-01-02T03:04:05Z"
    );
    assert!("yesterday".parse::<DateTime>().is_err());
    let d: Date = serde_json::from_str("\"2024-05-01T00:00:00\"").expect("date from a date-time");
    assert_eq!(d.to_string(), "2024-05-01");
}

#[test]
fn dotnet_time_spans() {
    let nine = "09:00".parse::<TimeSpan>().expect("hh:mm");
    assert_eq!(nine, TimeSpan::from_hms(9, 0, 0));
    assert_eq!(nine.to_string(), "09:00:00");
    let long = "1.02:30:15.5".parse::<TimeSpan>().expect("d.hh:mm:ss.f");
    assert_eq!(long.to_string(), "1.02:30:15.5000000");
    assert_eq!(
        long.ticks(),
        ((26 * 60 + 30) * 60 + 15) * TimeSpan::TICKS_PER_SECOND + 5_000_000
    );
    assert_eq!(
        "-00:30:00".parse::<TimeSpan>().expect("neg").to_string(),
        "-00:30:00"
    );
    assert!(
        "PT9H".parse::<TimeSpan>().is_err(),
        "ISO 8601 is not what the API sends"
    );
    let v: TimeSpan = serde_json::from_str("\"00:15:00\"").expect("json");
    assert_eq!(v.to_std(), Some(std::time::Duration::from_secs(900)));
}

#[derive(Debug, PartialEq)]
enum Color {
    Red,
    Unknown(String),
}
impl WireEnum for Color {
    fn from_wire(v: &str) -> Self {
        if v == "Red" {
            Color::Red
        } else {
            Color::Unknown(v.into())
        }
    }
    fn as_wire(&self) -> &str {
        match self {
            Color::Red => "Red",
            Color::Unknown(s) => s,
        }
    }
    fn is_listed(&self) -> bool {
        !matches!(self, Color::Unknown(_))
    }
}
impl<'de> Deserialize<'de> for Color {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        de_string_enum(d)
    }
}

#[derive(Debug, PartialEq)]
enum Freq {
    Daily,
    Unknown(i64),
}
impl IntEnum for Freq {
    fn from_i64(v: i64) -> Self {
        if v == 0 {
            Freq::Daily
        } else {
            Freq::Unknown(v)
        }
    }
    fn from_name(n: &str) -> Option<Self> {
        (n == "Daily").then_some(Freq::Daily)
    }
    fn to_i64(&self) -> i64 {
        match self {
            Freq::Daily => 0,
            Freq::Unknown(v) => *v,
        }
    }
    fn is_listed(&self) -> bool {
        !matches!(self, Freq::Unknown(_))
    }
}
impl<'de> Deserialize<'de> for Freq {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        de_int_enum(d)
    }
}

#[test]
fn enums_keep_unknown_values() {
    assert_eq!(
        serde_json::from_str::<Color>("\"Red\"").expect("known"),
        Color::Red
    );
    assert_eq!(
        serde_json::from_str::<Color>("\"Mauve\"").expect("unknown"),
        Color::Unknown("Mauve".into())
    );
    assert_eq!(serde_json::from_str::<Freq>("0").expect("int"), Freq::Daily);
    assert_eq!(
        serde_json::from_str::<Freq>("\"0\"").expect("numeric string"),
        Freq::Daily
    );
    assert_eq!(
        serde_json::from_str::<Freq>("\"Daily\"").expect("name"),
        Freq::Daily
    );
    assert_eq!(
        serde_json::from_str::<Freq>("7").expect("unknown"),
        Freq::Unknown(7)
    );
    let flags: Flags<Color> = serde_json::from_str("\"Red, Blue\"").expect("flags");
    assert!(flags.contains(&Color::Red));
    assert_eq!(flags.0[1], Color::Unknown("Blue".into()));
    assert_eq!(serde_json::to_string(&flags).expect("ser"), "\"Red, Blue\"");
}

#[test]
fn shapes_are_picked_by_their_keys() {
    let shapes: &[&[&str]] = &[
        &["type", "id", "value"],
        &["type", "id", "units"],
        &["type", "id", "value", "options"],
    ];
    assert_eq!(
        pick_shape(
            &serde_json::json!({"type": "Text", "id": "1", "value": "x"}),
            shapes
        ),
        Some(0)
    );
    assert_eq!(
        pick_shape(&serde_json::json!({"type": "S", "units": []}), shapes),
        Some(1)
    );
    assert_eq!(
        pick_shape(&serde_json::json!({"options": [], "value": 1}), shapes),
        Some(2)
    );
    assert_eq!(
        pick_shape(&serde_json::json!({"type": "X", "new": 1}), shapes),
        None,
        "fits no shape"
    );
    assert_eq!(
        pick_shape(
            &serde_json::json!({"type": "X"}),
            &[&["type", "a"], &["type", "b"]]
        ),
        None,
        "ambiguous"
    );
}

#[derive(Debug, Default, PartialEq)]
struct Model {
    id: Option<i64>,
    name: Option<String>,
    unknown: Map<Json>,
}
impl ModelFields for Model {
    const SHAPE: ModelShape = ModelShape {
        schema: "Test.Model",
        required: &["id"],
        nullable: &[],
    };
    fn field<'de, A: de::MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
    ) -> Result<bool, A::Error> {
        match key {
            "id" => self.id = map.next_value()?,
            "name" => self.name = map.next_value()?,
            _ => return Ok(false),
        }
        Ok(true)
    }
    fn unknown_fields(&mut self) -> &mut Map<Json> {
        &mut self.unknown
    }
}
impl<'de> Deserialize<'de> for Model {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        de_model(d)
    }
}

#[test]
fn models_read_known_keys_keep_unknown_ones_and_name_bad_paths() {
    let m: Model = serde_json::from_str(
        r#"{"id": 1, "na\u006de": "escaped key", "new": [1, {"a": null}], "id": 2, "name": null}"#,
    )
    .expect("model");
    assert_eq!(m.id, Some(2), "a repeated key keeps its last value");
    assert_eq!(m.name, None, "null after a value");
    assert_eq!(m.unknown["new"], serde_json::json!([1, {"a": null}]));
    assert_eq!(
        m.unknown.len(),
        1,
        "the escaped key is `name`: {:?}",
        m.unknown
    );
    let from_value: Model =
        serde_json::from_value(serde_json::json!({"name": "x"})).expect("from a Value");
    assert_eq!(from_value.name.as_deref(), Some("x"));
    let bad = crate::decode::<Model>(br#"{"id": "seven"}"#).expect_err("a string id");
    assert!(bad.to_string().contains("`id`"), "{bad}");
    assert!(
        serde_json::from_str::<Model>("[1, 2]").is_err(),
        "not an object"
    );
}

#[test]
fn nullable_tells_absent_from_null() {
    #[derive(Serialize)]
    struct Patch {
        #[serde(skip_serializing_if = "Nullable::is_absent")]
        a: Nullable<i32>,
        #[serde(skip_serializing_if = "Nullable::is_absent")]
        b: Nullable<i32>,
        #[serde(skip_serializing_if = "Nullable::is_absent")]
        c: Nullable<i32>,
    }
    let p = Patch {
        a: Nullable::Absent,
        b: Nullable::Null,
        c: 5.into(),
    };
    assert_eq!(
        serde_json::to_string(&p).expect("ser"),
        r#"{"b":null,"c":5}"#
    );
}

#[test]
fn parse_errors_name_the_type_and_length_never_the_text() {
    let texts = [
        "Jane Doe".parse::<Decimal>().map(drop),
        "Jane Doe".parse::<DateTime>().map(drop),
        "Jane Doe".parse::<Date>().map(drop),
        "Jane Doe".parse::<TimeSpan>().map(drop),
    ];
    for result in texts {
        let err = result.expect_err("not a value of the type");
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains("Jane"), "{shown}");
        assert!(
            err.to_string().ends_with("a string of 8 characters"),
            "{err}"
        );
    }
    assert_eq!(
        "x".parse::<Date>().expect_err("x").to_string(),
        "not a valid date: a string of 1 character"
    );
}
