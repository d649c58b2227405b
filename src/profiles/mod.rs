//! Image profiles: named, ready-made sandbox images (`images/<profile>/Dockerfile`) and the
//! defaults that go with them. A profile names an image; its defaults belong to the image,
//! so a sandbox gets the same ones whether it is asked for by profile or by image name (see
//! `ContainerOptions::network_enabled` and README.md, "Defaults").

mod build;
mod export;
pub(crate) mod registry;

pub use build::{profile_dockerfile, BuildOptions, ProgressCallback};
pub use registry::{list_profiles, resolve_profile, Profile};

use crate::container::ContainerOptions;
use crate::error::Result;

impl ContainerOptions {
    /// Default options for sandboxes of `profile`: its image, and with it the image's
    /// defaults (network).
    pub fn for_profile(profile: &str) -> Result<ContainerOptions> {
        let mut o = ContainerOptions::default();
        o.apply_profile(profile)?;
        Ok(o)
    }

    /// Sets the image of `profile` on these options and its network default: a network set
    /// earlier is cleared, so the image's default applies unless set again afterwards.
    pub fn apply_profile(&mut self, profile: &str) -> Result<()> {
        let p = resolve_profile(profile)?;
        self.image = p.image.to_owned();
        self.network = None;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_profile_resolves_to_its_own_image() {
        assert_eq!(list_profiles().len(), 7);
        for p in list_profiles() {
            assert_eq!(resolve_profile(p.name).unwrap(), p);
            assert_eq!(p.image, format!("pocketdock/{}", p.name));
        }
    }

    #[test]
    fn network_defaults_follow_the_profile() {
        for (name, net) in [
            ("minimal-python", false),
            ("minimal-node", false),
            ("agent", false),
            ("datasci", false),
            ("dev", true),
            ("embedded", true),
        ] {
            let o = ContainerOptions::for_profile(name).unwrap();
            assert_eq!(o.network_enabled(), net, "{name}");
            assert_eq!(o.image, format!("pocketdock/{name}"));
            // The same image asked for by name gets the same.
            let by_image = ContainerOptions {
                image: o.image.clone(),
                ..Default::default()
            };
            assert_eq!(by_image.network_enabled(), net, "{name} by image");
        }
    }

    #[test]
    fn a_profile_clears_an_earlier_network_choice_and_later_ones_win() {
        let mut o = ContainerOptions {
            network: Some(false),
            ..Default::default()
        };
        o.apply_profile("dev").unwrap();
        assert!(o.network_enabled());
        o.network = Some(false);
        assert!(!o.network_enabled());
    }

    #[test]
    fn unknown_profiles_name_the_known_ones() {
        let e = resolve_profile("gpu").unwrap_err().to_string();
        assert!(e.contains("gpu") && e.contains("minimal-python"), "{e}");
    }
}
