//! Cursors: any `after` argument is refused with an error or split into its parts;
//! nothing panics, whatever the tag and arity asked for.
#![no_main]

use chasqui_schema::pagination::{cursor_parts, decode_after};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (&str, u8)| {
    let (text, arity) = input;
    if let Ok(Some(decoded)) = decode_after(Some(text)) {
        for tag in ["tl", "ni", "lo", "ac", "au", "cslaa"] {
            if let Ok(parts) = cursor_parts(&decoded, tag, usize::from(arity % 5)) {
                assert_eq!(parts.len(), usize::from(arity % 5));
            }
        }
    }
});
