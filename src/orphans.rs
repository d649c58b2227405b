//! Finding the sandboxes a crashed program left behind: those carrying a label the program
//! gave them whose creating process (the owner labels every container gets) is gone. A
//! long-running server (`pocketdock mcp`) calls this at start-up to remove what an earlier
//! instance of itself could not, without touching sandboxes of anyone else.

use crate::container::labels::{LABEL_OWNER_HOST, LABEL_OWNER_PID, LABEL_OWNER_START};
use crate::engine::models::ContainerSummary as Listed;
use crate::error::Result;
use crate::persist::{list_managed, ContainerSummary};
use crate::Client;

impl Client {
    /// pocketdock's containers labelled `label=value` whose creating process ran on this
    /// host and no longer exists (a pid reused by a later process counts as gone). Sandboxes
    /// of live owners, and of owners on other hosts, are never listed.
    pub async fn list_orphans(&self, label: &str, value: &str) -> Result<Vec<ContainerSummary>> {
        let listed: Vec<Listed> = list_managed(self.engine(), None).await?;
        Ok(listed
            .into_iter()
            .filter(|c| c.labels.get(label).is_some_and(|v| v == value))
            .filter(|c| {
                let l = |k: &str| c.labels.get(k).map(String::as_str);
                crate::container::owner::owner_gone(
                    l(LABEL_OWNER_HOST),
                    l(LABEL_OWNER_PID),
                    l(LABEL_OWNER_START),
                )
            })
            .map(ContainerSummary::from)
            .collect())
    }
}
