//! Image profiles: named, ready-made sandbox images (`images/<profile>/Dockerfile`) and the
//! defaults that go with them. A profile is applied when options are made from it: its image
//! and its network default; options set afterwards win.

mod build;
mod export;

pub use build::{profile_dockerfile, BuildOptions, ProgressCallback};

use crate::container::ContainerOptions;
use crate::error::{Error, Result};

/// One image profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// The profile's name, e.g. `minimal-python`; also its directory under `images/`.
    pub name: &'static str,
    /// The image tag pocketdock creates sandboxes from (`pocketdock/<name>`).
    pub image: &'static str,
    /// Whether sandboxes of this profile get a network unless told otherwise.
    pub network: bool,
    /// What the image is for and what it carries.
    pub description: &'static str,
    /// Approximate size of the built image (as Docker and Podman report it, Debian bookworm).
    pub size: &'static str,
}

const PROFILES: &[Profile] = &[
    Profile {
        name: "minimal-python",
        image: "pocketdock/minimal-python",
        network: false,
        description: "Debian with python3, bash and coreutils: the default sandbox",
        size: "~125 MB",
    },
    Profile {
        name: "minimal-node",
        image: "pocketdock/minimal-node",
        network: false,
        description: "Debian with Node.js 18, npm and bash",
        size: "~310 MB",
    },
    Profile {
        name: "dev",
        image: "pocketdock/dev",
        network: true,
        description: "development: python3 with pip and venv, Node.js and npm, git, gcc, g++, \
                      make, curl, jq",
        size: "~660 MB",
    },
    Profile {
        name: "agent",
        image: "pocketdock/agent",
        network: false,
        description: "for LLM agents: python3 with requests, numpy, pandas; ripgrep, jq, git",
        size: "~340 MB",
    },
    Profile {
        name: "embedded",
        image: "pocketdock/embedded",
        network: true,
        description: "C/C++ and ARM bare-metal: gcc, g++, cmake, ninja, make, gdb-multiarch, \
                      gcc-arm-none-eabi with newlib, python3",
        size: "~1.3 GB",
    },
];

/// Every profile, in a stable order.
pub fn list_profiles() -> &'static [Profile] {
    PROFILES
}

/// The profile called `name`; an unknown name is an `InvalidArgument` error listing the
/// known ones.
pub fn resolve_profile(name: &str) -> Result<&'static Profile> {
    PROFILES.iter().find(|p| p.name == name).ok_or_else(|| {
        let known: Vec<&str> = PROFILES.iter().map(|p| p.name).collect();
        Error::InvalidArgument(format!(
            "unknown profile {name:?} (known: {})",
            known.join(", ")
        ))
    })
}

impl ContainerOptions {
    /// Default options for sandboxes of `profile`: its image and its network default.
    pub fn for_profile(profile: &str) -> Result<ContainerOptions> {
        let mut o = ContainerOptions::default();
        o.apply_profile(profile)?;
        Ok(o)
    }

    /// Sets the image and the network default of `profile` on these options.
    pub fn apply_profile(&mut self, profile: &str) -> Result<()> {
        let p = resolve_profile(profile)?;
        self.image = p.image.to_owned();
        self.network = p.network;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_profile_resolves_to_its_own_image() {
        assert_eq!(list_profiles().len(), 5);
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
            ("dev", true),
            ("embedded", true),
        ] {
            let o = ContainerOptions::for_profile(name).unwrap();
            assert_eq!(o.network, net, "{name}");
            assert_eq!(o.image, format!("pocketdock/{name}"));
        }
    }

    #[test]
    fn unknown_profiles_name_the_known_ones() {
        let e = resolve_profile("gpu").unwrap_err().to_string();
        assert!(e.contains("gpu") && e.contains("minimal-python"), "{e}");
    }
}
