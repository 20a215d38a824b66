//! Engagement (SPEC section 8): campaigns and club prices, stamp cards, achievements and the
//! leaderboard, birthday gifts, surveys and NPS.

mod achievements;
mod birthdays;
mod campaigns;
mod nps;
mod stamps;
