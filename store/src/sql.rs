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

    /// A statement whose text is expected to be about `capacity` bytes long: a long text
    /// built per request then grows without copying itself over and over.
    pub fn with_capacity(backend: DbBackend, capacity: usize) -> Self {
        Self {
            backend,
            text: String::with_capacity(capacity),
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

/// The lengths to cut `len` rows into for multi-row statements: `max` while that many
/// remain, then powers of two for the rest (731 → 512, 128, 64, 16, 8, 2, 1). A statement
/// is prepared once per distinct text and kept in the connection's cache; with lengths
/// from this small fixed set, a long import reuses a few dozen prepared statements
/// instead of preparing (and caching) a new one for every odd batch size.
pub fn chunk_sizes(len: usize, max: usize) -> impl Iterator<Item = usize> {
    let max = max.max(1);
    let mut rest = len;
    std::iter::from_fn(move || {
        if rest == 0 {
            return None;
        }
        let size = if rest >= max { max } else { 1 << rest.ilog2() };
        rest -= size;
        Some(size)
    })
}

/// `items` cut by [`chunk_sizes`].
pub fn fixed_chunks<T>(items: &[T], max: usize) -> impl Iterator<Item = &[T]> {
    let mut rest = items;
    chunk_sizes(items.len(), max).map(move |size| {
        let (chunk, tail) = rest.split_at(size);
        rest = tail;
        chunk
    })
}

/// The items of `items` in owned chunks cut by [`chunk_sizes`].
pub fn fixed_chunks_owned<T>(items: Vec<T>, max: usize) -> impl Iterator<Item = Vec<T>> {
    let mut rest = items.into_iter();
    let len = rest.len();
    chunk_sizes(len, max).map(move |size| rest.by_ref().take(size).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_come_in_few_sizes_and_cover_every_item() {
        let sizes: Vec<usize> = chunk_sizes(2_731, 1_000).collect();
        assert_eq!(sizes, [1_000, 1_000, 512, 128, 64, 16, 8, 2, 1]);
        assert_eq!(chunk_sizes(0, 1_000).count(), 0);
        assert_eq!(chunk_sizes(5, 0).collect::<Vec<_>>(), [1, 1, 1, 1, 1]);
        let items: Vec<u32> = (0..731).collect();
        let joined: Vec<u32> = fixed_chunks(&items, 500).flatten().copied().collect();
        assert_eq!(joined, items);
        let owned: Vec<Vec<u32>> = fixed_chunks_owned(items.clone(), 500).collect();
        assert_eq!(
            owned.iter().map(Vec::len).collect::<Vec<_>>(),
            [500, 128, 64, 32, 4, 2, 1]
        );
        assert_eq!(owned.concat(), items);
    }

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
