//! Where a visitor is in the page: the playground (soft targets, T, training, the loss and the
//! mapping, on one screen), the index of labs, one lab, or the tools (files, your own data,
//! experiments, the settings reference). It is part of the link, before the settings
//! (`#lab=exits&T=4…`, `#view=tools&…`), so a teacher can send a class straight to a lab.

use crate::app::labs;

/// A place in the page.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Place {
    #[default]
    Playground,
    Labs,
    /// One lab, by its id.
    Lab(&'static str),
    Tools,
}

/// The link keys of a place.
const VIEW: &str = "view";
const LAB: &str = "lab";

impl Place {
    /// The place's field of a link (none for the playground).
    pub fn to_field(self) -> Option<String> {
        match self {
            Place::Playground => None,
            Place::Labs => Some(format!("{VIEW}=labs")),
            Place::Tools => Some(format!("{VIEW}=tools")),
            Place::Lab(id) => Some(format!("{LAB}={id}")),
        }
    }

    /// The link's place, its other fields (the settings), and what was wrong with a place field
    /// (an unknown lab or view opens the playground, and says so).
    pub fn split(hash: &str) -> (Place, String, Option<String>) {
        let mut place = Place::Playground;
        let mut problem = None;
        let mut rest = Vec::new();
        for item in hash.trim_start_matches('#').split('&') {
            let (key, value) = item.split_once('=').unwrap_or((item, ""));
            match (key, Place::read(key, value)) {
                (VIEW | LAB, Ok(p)) => place = p,
                (VIEW | LAB, Err(why)) => problem = Some(why),
                _ if !item.is_empty() => rest.push(item),
                _ => {}
            }
        }
        (place, rest.join("&"), problem)
    }

    fn read(key: &str, value: &str) -> Result<Place, String> {
        match (key, value) {
            (VIEW, "labs") => Ok(Place::Labs),
            (VIEW, "tools") => Ok(Place::Tools),
            (VIEW, "playground" | "") => Ok(Place::Playground),
            (LAB, id) => labs::index()
                .find(|l| l.id == id)
                .map(|l| Place::Lab(l.id))
                .ok_or_else(|| {
                    let shown: String = id.chars().take(40).collect();
                    format!("there is no lab '{shown}'; the playground opened instead")
                }),
            (_, other) => {
                let shown: String = other.chars().take(40).collect();
                Err(format!(
                    "there is no view '{shown}'; the playground opened instead"
                ))
            }
        }
    }

    /// The whole link: the place, then the settings' fields.
    pub fn link(self, settings_hash: &str) -> String {
        match self.to_field() {
            Some(field) => format!("{field}&{settings_hash}"),
            None => settings_hash.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::Settings;

    #[test]
    fn every_lab_has_a_link_that_opens_it() {
        let settings = Settings::default().to_hash();
        for lab in labs::index() {
            let link = Place::Lab(lab.id).link(&settings);
            let (place, rest, problem) = Place::split(&format!("#{link}"));
            assert_eq!((place, problem), (Place::Lab(lab.id), None), "{link}");
            assert_eq!(Settings::from_hash(&rest), (Settings::default(), vec![]));
        }
        for place in [Place::Playground, Place::Labs, Place::Tools] {
            assert_eq!(Place::split(&place.link("T=2")).0, place);
        }
    }

    #[test]
    fn an_unknown_place_opens_the_playground_and_says_so() {
        let (place, rest, problem) = Place::split("#lab=cifar&T=2");
        assert_eq!((place, rest.as_str()), (Place::Playground, "T=2"));
        assert!(problem.is_some_and(|p| p.contains("no lab 'cifar'")));
        let (place, _, problem) = Place::split(&format!("view={}", "x".repeat(5000)));
        assert_eq!(place, Place::Playground);
        assert!(problem.is_some_and(|p| p.len() < 120));
        // The teachers' work has no view of its own.
        assert_eq!(Place::split("lab=teacher").0, Place::Playground);
    }
}
