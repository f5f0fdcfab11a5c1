//! S806: a long-running production service without a restart policy.
use crate::model::image::ImageRef;
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "S806",
    name: "no-restart-policy",
    severity: Severity::Info,
    fix: FixAvailability::None,
    default: false,
    doc: include_str!("../../../rules/docs/S806-no-restart-policy.md"),
    check,
};

/// Words of a service name that mark a job run once at deploy time.
const ONE_SHOT_NAMES: &[&str] = &[
    "migrate",
    "migrations",
    "migration",
    "migrator",
    "seed",
    "seeder",
    "init",
    "setup",
    "bootstrap",
    "prestart",
    "provision",
    "createbuckets",
    "installer",
    "job",
];

/// Commands of jobs that run once: migrations, seeders, setup and permission fixes.
const ONE_SHOT_COMMANDS: &[&str] = &[
    "migrate",
    "migration",
    "alembic upgrade",
    "db:seed",
    "db:setup",
    "db:prepare",
    "db:create",
    "seed",
    "prisma db push",
    "createsuperuser",
    "collectstatic",
    "mc mb ",
    "mc alias ",
    "chown ",
    "chmod ",
    "--run-once",
    "exit 0",
];

/// Commands that keep running: a loop, or a server started after the setup steps
/// (`python manage.py migrate && exec gunicorn app.wsgi`).
const LONG_RUNNING: &[&str] = &[
    "while ",
    "sleep infinity",
    "tail -f",
    "crond",
    "cron ",
    "watch ",
    "exec ",
    "gunicorn",
    "uvicorn",
    "runserver",
    "npm start",
    "npm run start",
    "yarn start",
    "pnpm start",
    "celery",
    "puma",
    "rails server",
    "supervisord",
    "php-fpm",
    "nginx",
    "java -jar",
];

/// Utility images that run a command and exit, unless the command loops.
const TOOL_IMAGES: &[&str] = &["busybox", "alpine", "bash", "curlimages/curl", "minio/mc", "*/mc", "docker"];

fn has_policy(svc: &Service) -> bool {
    svc.restart.is_some() || svc.node.get("deploy").and_then(|d| d.get("restart_policy")).is_some()
}

fn scaled_to_zero(svc: &Service) -> bool {
    let replicas = svc.node.get("deploy").and_then(|d| d.get("replicas")).and_then(|n| n.as_scalar()).map(|s| &s.value);
    svc.scale == Some(0) || matches!(replicas, Some(crate::yaml::Value::Int(0)))
}

fn is_one_shot(stack: &Stack, svc: &Service) -> bool {
    let awaited = stack.active_services().any(|other| {
        other.depends_on.iter().any(|d| d.service == svc.name && d.condition == "service_completed_successfully")
    });
    if awaited {
        return true;
    }
    let name = svc.name.to_ascii_lowercase();
    if name.split(['-', '_', '.']).any(|w| ONE_SHOT_NAMES.contains(&w)) {
        return true;
    }
    let command = [&svc.entrypoint, &svc.command]
        .iter()
        .filter_map(|c| c.as_ref())
        .map(|c| c.joined().to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join(" ");
    let loops = LONG_RUNNING.iter().any(|l| command.contains(l));
    if !loops && ONE_SHOT_COMMANDS.iter().any(|c| command.contains(c)) {
        return true;
    }
    let tool = svc.image.as_ref().and_then(|i| ImageRef::parse(&i.value)).is_some_and(|i| i.is_one_of(TOOL_IMAGES));
    tool && !command.is_empty() && !loops
}

fn check(model: &StackModel, out: &mut Sink) {
    // A file shared by several stacks is reported once.
    let mut seen = std::collections::HashSet::new();
    for stack in model.stacks.iter().filter(|s| s.loaded && !s.fragment && s.is_production(model)) {
        for svc in stack.active_services() {
            if has_policy(svc) || scaled_to_zero(svc) || is_one_shot(stack, svc) || !seen.insert(svc.name_span) {
                continue;
            }
            out.report(
                Finding::new(
                    &RULE,
                    svc.name_span,
                    format!(
                        "`{}` has no restart policy: after a crash or a reboot of the host it stays down",
                        svc.name
                    ),
                )
                .label("long-running service without `restart:`")
                .help(
                    "add `restart: unless-stopped` (or `always`); for a job that runs once, `restart: \"no\"` says so",
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::LONG_RUNNING;

    #[test]
    fn servers_after_setup_keep_running() {
        let runs = |c: &str| LONG_RUNNING.iter().any(|l| c.contains(l));
        assert!(runs("sh -c python manage.py migrate && exec gunicorn app.wsgi"));
        assert!(runs("sh -c npx prisma migrate deploy && npm run start"));
        assert!(!runs("alembic upgrade head"));
        assert!(!runs("chown -r 1000:1000 /data"));
    }
}
