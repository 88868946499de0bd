//! A small builder for the few statements the query builder does not express well
//! (the timeline's window query): text plus bound values, with the placeholder style of
//! the connection's engine.

use sea_orm::{DbBackend, Statement, Value};

pub struct Sql {
    backend: DbBackend,
    text: String,
    values: Vec<Value>,
}

impl Sql {
    pub fn new(backend: DbBackend) -> Self {
        Self {
            backend,
            text: String::with_capacity(512),
            values: Vec::new(),
        }
    }

    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder bound to `value`.
    pub fn bind(&mut self, value: impl Into<Value>) -> &mut Self {
        self.values.push(value.into());
        match self.backend {
            DbBackend::Postgres => {
                self.text.push('$');
                self.text.push_str(&self.values.len().to_string());
            }
            _ => self.text.push('?'),
        }
        self
    }

    /// Appends `(?, ?, …)` bound to `values`; `(NULL)` when empty, which matches nothing.
    pub fn bind_list<V: Into<Value> + Clone>(&mut self, values: &[V]) -> &mut Self {
        self.text.push('(');
        if values.is_empty() {
            self.text.push_str("NULL");
        }
        for (i, value) in values.iter().enumerate() {
            if i > 0 {
                self.text.push_str(", ");
            }
            self.bind(value.clone());
        }
        self.text.push(')');
        self
    }

    pub fn build(self) -> Statement {
        Statement::from_sql_and_values(self.backend, self.text, self.values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_follow_the_engine() {
        let mut pg = Sql::new(DbBackend::Postgres);
        pg.push("a = ")
            .bind(1i64)
            .push(" AND b IN ")
            .bind_list(&[2i64, 3]);
        assert_eq!(pg.build().sql, "a = $1 AND b IN ($2, $3)");
        let mut lite = Sql::new(DbBackend::Sqlite);
        lite.push("a = ")
            .bind(1i64)
            .push(" AND b IN ")
            .bind_list::<i64>(&[]);
        assert_eq!(lite.build().sql, "a = ? AND b IN (NULL)");
    }
}
