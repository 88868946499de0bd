//! Global ids: whatever decodes re-encodes to an id that decodes the same way.
#![no_main]

use chasqui_schema::ids::{decode_any, encode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Some((kind, id)) = decode_any(text) {
        assert!(id > 0);
        assert_eq!(decode_any(&encode(kind, id)), Some((kind, id)));
    }
});
