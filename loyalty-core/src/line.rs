//! Order lines (SPEC 8.1): shared by orders, price queries, campaigns and stamp cards.

use rust_decimal::Decimal;

/// One line of an order or of a price query.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[non_exhaustive]
pub struct Line {
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    /// The line's category (campaigns and club prices match on it); `None` for none.
    pub category: Option<String>,
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
    /// The line's amount, money.
    pub amount: Decimal,
}

impl Line {
    /// A line of `amount` in `category`.
    pub fn new(category: Option<&str>, amount: Decimal) -> Line {
        Line {
            category: category.map(str::to_owned),
            amount,
        }
    }
}
