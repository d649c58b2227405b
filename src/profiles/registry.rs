//! The profile table: pure data with no dependencies, so the core can read an image's
//! defaults from it (see `ContainerOptions::network_enabled`) without depending on the
//! building and exporting that the rest of `profiles` does on top of the core.

use crate::error::{Error, Result};

/// One image profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// The profile's name, e.g. `minimal-python`; also its directory under `images/`.
    pub name: &'static str,
    /// The image tag pocketdock creates sandboxes from (`pocketdock/<name>`).
    pub image: &'static str,
    /// Whether sandboxes of this image get a network unless told otherwise (however the image
    /// is asked for: by this profile or by its image name).
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
        name: "minimal-bun",
        image: "pocketdock/minimal-bun",
        network: false,
        description: "Debian with the Bun runtime (JavaScript and TypeScript) and bash",
        size: "~200 MB",
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
        name: "datasci",
        image: "pocketdock/datasci",
        network: false,
        description: "for `pocketdock mcp`: python3 with numpy, pandas and matplotlib (Agg)",
        size: "~1.1 GB",
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

/// The profile whose image `image` names, however it is spelled: with or without a tag or
/// digest, and with the `localhost/` (Podman) or `docker.io/` prefix an engine may add.
pub(crate) fn profile_of_image(image: &str) -> Option<&'static Profile> {
    let repo = image.split('@').next().unwrap_or(image);
    let last_slash = repo.rfind('/').map_or(0, |i| i + 1);
    let repo = match repo[last_slash..].find(':') {
        Some(i) => &repo[..last_slash + i],
        None => repo,
    };
    let repo = ["localhost/", "docker.io/"]
        .iter()
        .find_map(|p| repo.strip_prefix(p))
        .unwrap_or(repo);
    PROFILES.iter().find(|p| p.image == repo)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_recognised_however_they_are_spelled() {
        for spelling in [
            "pocketdock/dev",
            "pocketdock/dev:latest",
            "localhost/pocketdock/dev:latest",
            "docker.io/pocketdock/dev",
            "pocketdock/dev:v2@sha256:abc",
        ] {
            assert_eq!(
                profile_of_image(spelling).map(|p| p.name),
                Some("dev"),
                "{spelling}"
            );
        }
        for other in [
            "python:3.12",
            "pocketdock/devx",
            "x/pocketdock/dev",
            "sha256:abc",
            "",
        ] {
            assert!(profile_of_image(other).is_none(), "{other}");
        }
    }
}
