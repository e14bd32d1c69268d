//! Nothing here: the tests in `tests/` decode with serde_json's `arbitrary_precision`,
//! `preserve_order` and `float_roundtrip` features on.
