//! M602: a one-shot migrations service that the app does not wait for.
use crate::model::image::ImageRef;
use crate::rules::migrations::runners;
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "M602",
    name: "migrations-not-before-app",
    severity: Severity::Error,
    fix: FixAvailability::None,
    default: true,
    doc: include_str!("../../../rules/docs/M602-migrations-not-before-app.md"),
    check,
};

/// Images of databases a migration job has to wait for.
const DATABASES: &[&str] = &[
    "postgres",
    "*/postgres",
    "*/postgresql",
    "mysql",
    "*/mysql",
    "mariadb",
    "*/mariadb",
    "mongo",
    "*/mongodb",
    "postgis/postgis",
    "timescale/timescaledb",
];

fn check(model: &StackModel, out: &mut Sink) {
    for (index, stack) in model.stacks.iter().enumerate().filter(|(_, s)| s.loaded && !s.fragment) {
        let awaited = runners::awaited(stack);
        let jobs: Vec<&Service> = stack
            .active_services()
            .filter(|s| !runners::scaled_to_zero(s) && runners::job(model, index, &awaited, s).is_some())
            .collect();
        for job in &jobs {
            // The app: long-running services built from the same code (same image or build context).
            for app in stack.active_services().filter(|a| a.name != job.name && runners::same_code(a, job)) {
                if jobs.iter().any(|j| j.name == app.name) || runners::scaled_to_zero(app) {
                    continue;
                }
                let dep = app.depends_on.iter().find(|d| d.service == job.name);
                if dep.is_some_and(|d| d.condition == "service_completed_successfully") {
                    continue;
                }
                let (at, label) = match dep {
                    Some(d) => (d.condition_span.unwrap_or(d.span), "only waits for it to start".to_owned()),
                    None => (app.name_span, format!("starts without waiting for `{}`", job.name)),
                };
                out.report(
                    Finding::new(
                        &RULE,
                        at,
                        format!("`{}` may start before the migrations in `{}` have finished", app.name, job.name),
                    )
                    .label(label)
                    .related(job.name_span, format!("`{}` runs the migrations", job.name))
                    .help(format!(
                        "make `{}` depend on `{}` with `condition: service_completed_successfully`",
                        app.name, job.name
                    )),
                );
            }
            // The job itself must wait for a healthy database.
            for d in job.depends_on.iter().filter(|d| d.condition == "service_started" && d.implied_by.is_none()) {
                let Some(db) = stack.service(&d.service) else { continue };
                let is_db =
                    db.image.as_ref().and_then(|i| ImageRef::parse(&i.value)).is_some_and(|r| r.is_one_of(DATABASES));
                if !is_db {
                    continue;
                }
                out.report(
                    Finding::new(
                        &RULE,
                        d.condition_span.unwrap_or(d.span),
                        format!(
                            "the migrations in `{}` may run before the database `{}` accepts connections",
                            job.name, db.name
                        ),
                    )
                    .label("waits for the container to start, not for the database to be ready")
                    .related(db.name_span, format!("`{}` is the database", db.name))
                    .help(format!(
                        "give `{}` a healthcheck and make `{}` wait with `condition: service_healthy`",
                        db.name, job.name
                    )),
                );
            }
        }
    }
}
