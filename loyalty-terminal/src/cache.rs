//! What a terminal keeps from its last time online: the program in force and, for the members it
//! may serve, what they could spend then. The centre exports it ([`Cache::export`]); it travels
//! as JSON with a version and a CRC-32 of its content, so a damaged or foreign file is refused
//! rather than trusted.

use std::collections::BTreeMap;

use loyalty_core::{crc32, Decimal, Engine, MemberId, Program};
use serde::{Deserialize, Serialize};

use crate::TerminalError;

/// The cache format this crate writes and reads.
pub const CACHE_VERSION: u32 = 1;

/// A member as the centre saw them at the export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CachedMember {
    /// Points available then (negative: in debt).
    #[serde(with = "decimal")]
    pub available: Decimal,
    /// The level held then, by its index in the program's levels (for receipt estimates).
    pub level: usize,
}

/// The cache: program, the centre's clock at the export, and members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cache {
    /// The program in force at the export.
    pub program: Program,
    /// The centre's clock at the export.
    pub clock: i64,
    /// The members the terminal may serve, by id.
    pub members: BTreeMap<MemberId, CachedMember>,
}

/// The file form: the cache, its version and checksum.
#[derive(Serialize, Deserialize)]
struct Form {
    version: u32,
    crc: u32,
    cache: Cache,
}

impl Cache {
    /// The cache of `members` (unknown ids are left out: the centre does not know them) from
    /// the centre's engine, as of its clock.
    pub fn export(engine: &Engine, members: impl IntoIterator<Item = MemberId>) -> Cache {
        let members = members
            .into_iter()
            .filter_map(|id| {
                let view = engine.member(id).ok()?;
                let member = CachedMember {
                    available: view.available,
                    level: view.level,
                };
                Some((id, member))
            })
            .collect();
        Cache {
            program: engine.program().clone(),
            clock: engine.clock(),
            members,
        }
    }

    /// Every member the centre has (a small shop's whole list).
    pub fn export_all(engine: &Engine) -> Cache {
        Cache::export(engine, engine.member_ids().collect::<Vec<_>>())
    }

    /// The file form: JSON with the version and a CRC-32 of the cache's own JSON.
    pub fn to_json(&self) -> String {
        let body = serde_json::to_string(self).unwrap_or_default();
        let form = Form {
            version: CACHE_VERSION,
            crc: crc32(body.as_bytes()),
            cache: self.clone(),
        };
        serde_json::to_string(&form).unwrap_or_default()
    }

    /// Reads the file form back: a newer version, a checksum that fails or a program that does
    /// not validate is [`TerminalError::BadCache`].
    pub fn from_json(text: &str) -> Result<Cache, TerminalError> {
        let bad = |why: String| TerminalError::BadCache(why);
        let form: Form =
            serde_json::from_str(text).map_err(|e| bad(format!("does not parse: {e}")))?;
        if form.version != CACHE_VERSION {
            return Err(bad(format!(
                "version {} is not {CACHE_VERSION}",
                form.version
            )));
        }
        let body = serde_json::to_string(&form.cache).unwrap_or_default();
        if crc32(body.as_bytes()) != form.crc {
            return Err(bad(
                "its checksum fails: the file was damaged or edited".to_owned()
            ));
        }
        form.cache
            .program
            .validate()
            .map_err(|e| bad(format!("its program: {e}")))?;
        Ok(form.cache)
    }
}

/// Decimals as exact strings, like the engine's JSON.
mod decimal {
    use loyalty_core::Decimal;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&d.to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        let text = String::deserialize(d)?;
        loyalty_core::parse_decimal(&text).map_err(serde::de::Error::custom)
    }
}
