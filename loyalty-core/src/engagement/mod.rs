//! Engagement (SPEC section 8): campaigns and club prices, stamp cards, achievements and the
//! leaderboard, birthday gifts, surveys and NPS; and the reward catalogue of v3 (SPEC 9.5).

mod achievements;
mod birthdays;
mod campaigns;
mod nps;
mod rewards;
mod stamps;
