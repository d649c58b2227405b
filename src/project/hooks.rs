//! Projects plug into the core here: `ProjectHooks` binds a new sandbox to its instance
//! directory and reattaches a handle on an existing one; its `Recorder` observes the runs.

use std::path::Path;
use std::sync::Arc;

use super::instance::Binding;
use super::logs::{command_line, Recorder};
use crate::container::labels::LABEL_PROJECT_DIR;
use crate::container::ContainerOptions;
use crate::error::{Error, Result};
use crate::exec::ExecResult;
use crate::hooks::{Command, ContainerHooks, PendingBinding, RunKind, RunObserver};

/// Installs the project hooks for every container of this process (idempotent). Every
/// project entry point calls it; a program that only opens project containers by name
/// (and never a project) calls it once itself.
pub fn install() {
    crate::hooks::install(Arc::new(ProjectHooks));
}

struct ProjectHooks;

impl ContainerHooks for ProjectHooks {
    fn prepare(
        &self,
        opts: &ContainerOptions,
        name: &str,
    ) -> Result<(ContainerOptions, Box<dyn PendingBinding>)> {
        let dir = opts
            .project_dir
            .as_deref()
            .ok_or_else(|| Error::internal("project hooks asked to bind without a project"))?;
        let (o, b) = Binding::prepare(opts, dir, name)?;
        Ok((o, Box::new(b)))
    }

    fn reattach(
        &self,
        name: &str,
        label: &dyn Fn(&str) -> Option<String>,
    ) -> Option<Arc<dyn RunObserver>> {
        let root = label(LABEL_PROJECT_DIR)?;
        let r = super::logs::reattach(Path::new(&root), name)?;
        Some(r)
    }
}

impl PendingBinding for Binding {
    fn created(self: Box<Self>, id: &str) -> Arc<dyn RunObserver> {
        let r = self.recorder();
        Binding::created(*self, id);
        r
    }

    fn abandon(self: Box<Self>) {
        Binding::abandon(*self);
    }
}

fn line(c: Command<'_>) -> String {
    match c {
        Command::Argv(argv) => command_line(argv),
        Command::Line(l) => l.to_owned(),
    }
}

impl RunObserver for Recorder {
    fn instance_dir(&self) -> Option<&Path> {
        Some(Recorder::instance_dir(self))
    }

    fn output_cap(&self) -> usize {
        Recorder::output_cap(self)
    }

    fn finished(
        &self,
        kind: RunKind,
        command: Command<'_>,
        outcome: std::result::Result<&ExecResult, &Error>,
        process: Option<u32>,
    ) {
        Recorder::finished(self, kind.as_str(), &line(command), outcome, process);
    }

    fn spawned(&self, command: Command<'_>, id: u32) {
        Recorder::spawned(self, &line(command), id);
    }

    fn ended(&self, reason: &str) {
        Recorder::ended(self, reason);
    }
}
