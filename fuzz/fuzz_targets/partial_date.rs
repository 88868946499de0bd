//! Partial dates: any text either parses into a date whose text form parses back to the
//! same date, or is refused; nothing panics.
#![no_main]

use chasqui_entities::PartialDate;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(date) = PartialDate::parse(text) {
        assert_eq!(PartialDate::parse(&date.to_string()), Ok(date));
        assert!(date.first_day() <= date.last_day());
        let _ = date.label();
    }
});
