//! Names of campaigns, stamp cards and achievements, shared rather than copied.
//!
//! An engagement order names its campaigns and cards in its plan, its outcome, its record and
//! the member's cards; as `String`s each of those was an allocation and a copy (a quarter of
//! an engagement order's instructions went to `malloc` and `free`). A [`Name`] is made once,
//! when the program is read, and every later copy shares it: cloning one is a reference count,
//! and two names from the same program compare by pointer before their text.

use std::borrow::Borrow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::sync::Arc;

/// A shared, immutable name: reads as a `&str` (it derefs to one), compares, hashes, prints
/// and serializes exactly as the `String` it was made from.
///
/// ```
/// use loyalty_core::Name;
///
/// let spring = Name::from("Spring");
/// let copy = spring.clone(); // no allocation: both share one text
/// assert_eq!(copy, "Spring");
/// assert_eq!(copy.len(), 6);
/// assert_eq!(spring.to_string(), "Spring");
/// ```
#[derive(Clone, Eq, PartialOrd, Ord)]
pub struct Name(Arc<str>);

impl Name {
    /// The name's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether both are the one shared text (so equal, without reading it).
    pub(crate) fn same(&self, other: &Name) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Default for Name {
    fn default() -> Name {
        Name::from("")
    }
}

impl Deref for Name {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Name {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for Name {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Name {
    fn from(s: &str) -> Name {
        Name(Arc::from(s))
    }
}

impl From<String> for Name {
    fn from(s: String) -> Name {
        Name(Arc::from(s))
    }
}

impl From<Name> for String {
    fn from(n: Name) -> String {
        n.0.as_ref().to_owned()
    }
}

/// Equal texts are equal names; the same shared text is found equal without reading it.
impl PartialEq for Name {
    fn eq(&self, other: &Name) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.0 == other.0
    }
}

impl PartialEq<str> for Name {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl PartialEq<String> for Name {
    fn eq(&self, other: &String) -> bool {
        &*self.0 == other.as_str()
    }
}

impl PartialEq<Name> for str {
    fn eq(&self, other: &Name) -> bool {
        self == &*other.0
    }
}

impl PartialEq<Name> for String {
    fn eq(&self, other: &Name) -> bool {
        self.as_str() == &*other.0
    }
}

/// As `str` (and so `String`) hashes: state digests that hashed names as `String`s are
/// unchanged, and a `Name` key is found by its `&str`.
impl Hash for Name {
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.0.as_ref().hash(h);
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.0, f)
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Name {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Name {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Name, D::Error> {
        String::deserialize(d).map(Name::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    #[test]
    fn a_name_hashes_compares_and_serializes_as_its_string() {
        let hasher = std::collections::hash_map::RandomState::new();
        let name = Name::from("Spring");
        assert_eq!(
            hasher.hash_one(&name),
            hasher.hash_one(String::from("Spring"))
        );
        assert_eq!(hasher.hash_one(&name), hasher.hash_one("Spring"));
        assert_eq!(name, Name::from(String::from("Spring")));
        assert_ne!(name, Name::from("spring"));
        let text = String::from("Spring");
        assert!(name == *"Spring");
        assert!(name == "Spring");
        assert!(name == text);
        assert!(text == name);
        assert_eq!(format!("{name:?}"), format!("{:?}", "Spring"));
    }

    #[cfg(feature = "serde")]
    #[test]
    fn a_name_serializes_as_its_string() {
        let name = Name::from("Spring");
        assert_eq!(
            serde_json::to_string(&name).ok(),
            Some(String::from("\"Spring\""))
        );
        let back: Result<Name, _> = serde_json::from_str("\"Spring\"");
        assert_eq!(back.ok(), Some(name));
    }

    #[test]
    fn names_order_as_their_text() {
        let mut names = [Name::from("b"), Name::from("a"), Name::from("c")];
        names.sort();
        let texts: Vec<&str> = names.iter().map(Name::as_str).collect();
        assert_eq!(texts, ["a", "b", "c"]);
    }
}
