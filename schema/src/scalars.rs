//! Custom scalars: `PartialDate` ("2017", "2017-06", "2017-06-22").

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};

/// A date known to the day, the month or the year: `YYYY-MM-DD`, `YYYY-MM` or `YYYY`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PartialDate(pub chasqui_entities::PartialDate);

#[Scalar(name = "PartialDate")]
impl ScalarType for PartialDate {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(text) => chasqui_entities::PartialDate::parse(text)
                .map(PartialDate)
                .map_err(|e| InputValueError::custom(e.to_string())),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_string())
    }
}
