//! M605: a development or destructive migration command in a production stack.
use crate::rules::migrations::runners::{self, Action};
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "M605",
    name: "migrate-dev-command-in-production",
    severity: Severity::Error,
    fix: FixAvailability::None,
    default: true,
    doc: include_str!("../../../rules/docs/M605-migrate-dev-command-in-production.md"),
    check,
};

fn check(model: &StackModel, out: &mut Sink) {
    for (index, stack) in model.stacks.iter().enumerate().filter(|(_, s)| s.loaded && !s.fragment) {
        if !stack.is_production(model) {
            continue;
        }
        for svc in stack.active_services() {
            for run in runners::runs(model, index, svc).into_iter().filter(|r| r.inv.action == Action::Destructive) {
                out.report(
                    Finding::new(
                        &RULE,
                        run.span,
                        format!(
                            "`{}` runs `{}` at start in a production stack ({})",
                            svc.name, run.inv.command, run.what
                        ),
                    )
                    .label("a development command: it can drop or reset data")
                    .help(help(run.inv.tool)),
                );
            }
        }
    }
}

fn help(tool: &str) -> &'static str {
    match tool {
        "prisma" => {
            "use `prisma migrate deploy` in production: `migrate dev`/`reset` and `db push --force-reset` may drop data"
        }
        "alembic" => "run `alembic upgrade head` at deploy; downgrade by hand, after a backup",
        "django" => "run `manage.py migrate`; `flush` deletes every row",
        _ => {
            "apply pending migrations only (`migrate`/`upgrade`/`deploy`); reset or drop databases by hand, never at start"
        }
    }
}
