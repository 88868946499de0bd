//! Input rules: every check returns a value that satisfies it, or an error naming the
//! field; nothing panics.
#![no_main]

use chasqui_domain::validate;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(slug) = validate::slug("input.slug", text) {
        assert!(validate::slug("input.slug", &slug).is_ok());
    }
    if let Ok(name) = validate::name("input.title", text) {
        assert!(!name.is_empty() && !name.chars().any(char::is_control));
    }
    if let Ok(Some(url)) = validate::url("input.url", Some(text)) {
        assert!(url.starts_with("http://") || url.starts_with("https://"));
    }
    let _ = validate::text("input.summary", Some(text), validate::MAX_TEXT);
    let _ = validate::topic("input.topics[0]", text);
    if let Err(err) = validate::slug("input.slug", text) {
        assert!(err.to_string().starts_with("input.slug: "));
    }
});
