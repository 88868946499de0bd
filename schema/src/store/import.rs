//! Importing news items in batches: each batch is one transaction, and importing the same
//! items again changes nothing. An item is the same as a stored one when it has the same
//! URL or, without a URL, the same date and the same title once normalised (case, accents,
//! punctuation and spacing aside). A changed summary of a known item becomes an audited
//! update.

use super::audit::Author;
use super::write::{NewNewsItem, NewsItemPatch, insert_news_item, patch_news_item};
use super::{Store, StoreResult};
use chasqui_entities::tables::news_item;
use sea_orm::*;

/// What became of one imported item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportOutcome {
    New,
    Updated,
    Unchanged,
}

/// A title reduced to what identifies it: lower case, letters and digits only, accents
/// folded ("Alarcón" and "Alarcon" are one).
pub fn normalise_title(title: &str) -> String {
    title
        .chars()
        .flat_map(char::to_lowercase)
        .map(fold_accent)
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// The letter without its accent (á → a, ñ → n).
pub fn fold_accent(c: char) -> char {
    match c {
        'á' | 'à' | 'â' | 'ä' | 'ã' => 'a',
        'é' | 'è' | 'ê' | 'ë' => 'e',
        'í' | 'ì' | 'î' | 'ï' => 'i',
        'ó' | 'ò' | 'ô' | 'ö' | 'õ' => 'o',
        'ú' | 'ù' | 'û' | 'ü' => 'u',
        'ñ' => 'n',
        'ç' => 'c',
        other => other,
    }
}

impl Store {
    /// Imports a batch of news items in one transaction; the outcomes are in input order.
    pub async fn import_news_items(
        &self,
        author: &Author,
        items: Vec<NewNewsItem>,
    ) -> StoreResult<Vec<ImportOutcome>> {
        let txn = self.begin_write().await?;
        let mut outcomes = Vec::with_capacity(items.len());
        for item in items {
            let existing = match &item.url {
                Some(url) => {
                    news_item::Entity::find()
                        .filter(news_item::Column::Url.eq(url.as_str()))
                        .one(&txn)
                        .await?
                }
                None => None,
            };
            let existing = match existing {
                Some(found) => Some(found),
                None => {
                    let wanted = normalise_title(&item.title);
                    news_item::Entity::find()
                        .filter(news_item::Column::PublishedOn.eq(item.published_on.first_day()))
                        .filter(
                            news_item::Column::PublishedPrecision.eq(item.published_on.precision()),
                        )
                        .all(&txn)
                        .await?
                        .into_iter()
                        .find(|n| normalise_title(&n.title) == wanted)
                }
            };
            let outcome = match existing {
                None => {
                    insert_news_item(&txn, author, item).await?;
                    ImportOutcome::New
                }
                Some(found) if found.summary == item.summary => ImportOutcome::Unchanged,
                Some(found) => {
                    let patch = NewsItemPatch {
                        summary: Some(item.summary),
                        ..Default::default()
                    };
                    patch_news_item(&txn, author, found.id, patch, None).await?;
                    ImportOutcome::Updated
                }
            };
            outcomes.push(outcome);
        }
        txn.commit().await?;
        Ok(outcomes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_match_whatever_the_accents_case_and_spacing() {
        assert_eq!(
            normalise_title("Alarcón versus  Thorne"),
            normalise_title("alarcon versus thorne")
        );
        assert_ne!(
            normalise_title("Milk storm"),
            normalise_title("Milk freshener")
        );
    }
}
