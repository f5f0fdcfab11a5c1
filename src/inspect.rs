//! `stackcheck inspect`: the resolved model as JSON, so a user (and we) can see what stackcheck believes
//! the stack is: every stack, service, port, network, volume, and the effective environment with the
//! provenance of every value (file:line of its definition, and of each variable it used). Secrets masked.

use serde_json::{Value, json};

use crate::model::{EnvVar, Service, Stack, StackModel, Text};
use crate::provenance::{InterpInfo, Origin, VarState};
use crate::secret::{self, SecretSet};
use crate::source::{SourceDb, Span};

fn at(db: &SourceDb, span: Span) -> Value {
    if db.get(span.file).is_none() || (span == Span::default() && db.is_empty()) {
        return Value::Null;
    }
    let path = db.get(span.file).map(|f| f.display_path()).unwrap_or_default();
    let (line, col) = db.line_col(span.file, span.start);
    json!(format!("{path}:{line}:{col}"))
}

fn show(key: &str, value: &str, secrets: &SecretSet) -> String {
    if secret::is_secret_key(key) { secret::mask(value) } else { secrets.scrub(value).into_owned() }
}

fn origin(db: &SourceDb, o: &Origin) -> Value {
    match o {
        Origin::EnvFile { key, .. } => json!({"kind": "env-file", "at": at(db, *key)}),
        Origin::Template { key } => json!({"kind": "template", "at": at(db, *key)}),
        Origin::Process => json!({"kind": "process-environment"}),
        Origin::Compose => json!({"kind": "compose"}),
        Origin::Config => json!({"kind": "stackcheck.toml"}),
    }
}

fn interp(db: &SourceDb, info: &Option<Box<InterpInfo>>) -> Value {
    let Some(info) = info else { return Value::Null };
    let uses: Vec<Value> = info
        .uses
        .iter()
        .map(|u| {
            json!({
                "variable": u.name,
                "at": at(db, u.span),
                "state": u.state,
                "used": u.contributes,
                "defined": u.origin.as_ref().map(|o| origin(db, o)),
            })
        })
        .collect();
    json!({"template": info.template, "known": info.known, "uses": uses})
}

fn text(db: &SourceDb, t: &Option<Text>, secrets: &SecretSet) -> Value {
    match t {
        Some(t) => json!({"value": secrets.scrub(&t.value), "at": at(db, t.span)}),
        None => Value::Null,
    }
}

fn env_var(db: &SourceDb, e: &EnvVar, secrets: &SecretSet) -> Value {
    let value = match (&e.value, e.known) {
        (None, _) => Value::Null,
        (Some(_), false) => json!("(unknown)"),
        (Some(v), true) => json!(show(&e.key, v, secrets)),
    };
    json!({
        "key": e.key,
        "value": value,
        "source": e.source,
        "defined_at": at(db, e.key_span),
        "inherited_from": e.origin.as_ref().filter(|_| e.source == crate::model::EnvSource::Inherited).map(|o| origin(db, o)),
        "interpolation": interp(db, &e.interp),
        "overrides": e.overrides.iter().map(|s| at(db, *s)).collect::<Vec<_>>(),
    })
}

fn service(db: &SourceDb, s: &Service, secrets: &SecretSet) -> Value {
    let ports: Vec<Value> = s
        .ports
        .iter()
        .map(|p| {
            json!({
                "host_ip": p.host_ip,
                "published": p.published.map(|(a, b)| if a == b { a.to_string() } else { format!("{a}-{b}") }),
                "target": p.target,
                "protocol": p.protocol,
                "mode": p.mode,
                "at": at(db, p.span),
            })
        })
        .collect();
    json!({
        "name": s.name,
        "at": at(db, s.name_span),
        "active": s.active,
        "image": text(db, &s.image, secrets),
        "build": s.build.as_ref().map(|b| json!({
            "context": b.context_dir.as_ref().map(|d| d.to_string_lossy().into_owned()),
            "dockerfile": b.dockerfile.as_ref().map(|d| d.value.clone()),
            "target": b.target.as_ref().map(|d| d.value.clone()),
        })),
        "container_name": text(db, &s.container_name, secrets),
        "restart": s.restart.as_ref().map(|r| r.value.clone()),
        "profiles": s.profiles.iter().map(|p| p.value.clone()).collect::<Vec<_>>(),
        "ports": ports,
        "expose": s.expose.iter().map(|e| e.value.clone()).collect::<Vec<_>>(),
        "network_mode": s.network_mode.as_ref().map(|m| m.value.clone()),
        "networks": s.networks.iter().map(|n| json!({
            "name": n.name,
            "aliases": n.aliases.iter().map(|a| a.value.clone()).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "volumes": s.volumes.iter().map(|m| json!({
            "type": m.kind,
            "source": m.source,
            "host_path": m.host_path.as_ref().map(|p| p.to_string_lossy().into_owned()),
            "target": m.target,
            "read_only": m.read_only,
        })).collect::<Vec<_>>(),
        "env_files": s.env_files.iter().map(|r| json!({
            "path": r.resolved.to_string_lossy(),
            "required": r.required,
            "found": r.file.is_some() && !r.stand_in,
            "template_stands_in": r.stand_in,
        })).collect::<Vec<_>>(),
        "environment": s.environment.iter().map(|e| env_var(db, e, secrets)).collect::<Vec<_>>(),
        "depends_on": s.depends_on.iter().map(|d| json!({
            "service": d.service,
            "condition": d.condition,
            "required": d.required,
            "implied_by": d.implied_by,
        })).collect::<Vec<_>>(),
        "healthcheck": s.healthcheck.as_ref().map(|h| json!({
            "test": h.test.as_ref().map(|t| t.items.iter().map(|i| secrets.scrub(&i.value).into_owned()).collect::<Vec<_>>()),
            "shell_form": h.test.as_ref().map(|t| t.shell_form),
            "disabled": h.is_disabled(),
        })),
        "command": s.command.as_ref().map(|c| c.items.iter().map(|i| secrets.scrub(&i.value).into_owned()).collect::<Vec<_>>()),
        "entrypoint": s.entrypoint.as_ref().map(|c| c.items.iter().map(|i| secrets.scrub(&i.value).into_owned()).collect::<Vec<_>>()),
        "labels": s.labels.iter().map(|l| json!({
            "key": l.key,
            "value": l.value.as_ref().map(|v| show(&l.key, &v.value, secrets)),
        })).collect::<Vec<_>>(),
        "extends": s.extends.as_ref().map(|e| json!({"service": e.service, "file": e.file, "resolved": e.resolved})),
    })
}

fn stack(model: &StackModel, st: &Stack, secrets: &SecretSet) -> Value {
    let db = &model.db;
    let path = |f: &crate::source::FileId| db.get(*f).map(|x| x.display_path()).unwrap_or_default();
    let mut vars: Vec<(&String, &crate::model::VarDef)> = st.vars.iter().collect();
    vars.sort_by(|a, b| a.0.cmp(b.0));
    json!({
        "name": st.name,
        "project": st.project,
        "project_source": st.project_source,
        "directory": st.dir.to_string_lossy(),
        "environment": st.env_name,
        "files": st.files.iter().map(path).collect::<Vec<_>>(),
        "included_files": st.extra_files.iter().map(path).collect::<Vec<_>>(),
        "interpolation_env_files": st.interp_files.iter().map(path).collect::<Vec<_>>(),
        "env_checked": st.env_checked,
        "loaded": st.loaded,
        "fragment": st.fragment,
        "active_profiles": st.active_profiles,
        "services": st.services.iter().map(|s| service(db, s, secrets)).collect::<Vec<_>>(),
        "networks": st.networks.iter().map(|n| json!({
            "key": n.key, "name": n.real_name, "external": n.external, "implicit": n.implicit,
        })).collect::<Vec<_>>(),
        "volumes": st.volumes.iter().map(|n| json!({"key": n.key, "name": n.real_name, "external": n.external})).collect::<Vec<_>>(),
        "variables": vars.iter().filter(|(_, d)| d.origin != Origin::Process).map(|(k, d)| json!({
            "name": k,
            "value": match &d.value { Some(v) => json!(show(k, v, secrets)), None => json!("(unknown)") },
            "defined": origin(db, &d.origin),
        })).collect::<Vec<_>>(),
    })
}

/// The whole model as JSON.
pub fn to_json(model: &StackModel, secrets: &SecretSet) -> Value {
    let db = &model.db;
    let _ = VarState::Known;
    json!({
        "stacks": model.stacks.iter().map(|s| stack(model, s, secrets)).collect::<Vec<_>>(),
        "env_files": model.env_files.iter().map(|e| json!({
            "path": e.path.to_string_lossy(),
            "role": e.role,
            "valid": e.valid,
            "keys": e.entries.iter().map(|x| x.key.clone()).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "templates": model.templates.iter().map(|t| json!({
            "template": db.get(t.template).map(|f| f.display_path()),
            "env_file": t.env_path.to_string_lossy(),
            "env_file_exists": t.env.is_some(),
        })).collect::<Vec<_>>(),
        "nginx": model.nginx.iter().map(|c| nginx(model, c)).collect::<Vec<_>>(),
        "caddy": model.caddy.iter().map(|c| caddy(model, c)).collect::<Vec<_>>(),
        "traefik": traefik(model),
        "routes": crate::map::json(model, secrets)["routes"].clone(),
        "traefik_static": model.traefik_static.iter().map(|c| c.inspect_json(model)).collect::<Vec<_>>(),
        "traefik_files": model.traefik_files.iter().map(|(f, c)| json!({
            "file": model.db.get(*f).map(|f| f.display_path()),
            "routers": c.routers.iter().map(|r| json!({
                "name": r.name,
                "rule": r.rule.as_ref().map(|v| v.value.clone()),
                "hosts": match &r.parsed {
                    Some(Ok(e)) => e.hosts().into_iter().map(|(h, _)| h.to_owned()).collect::<Vec<_>>(),
                    _ => Vec::new(),
                },
                "service": r.service.as_ref().map(|v| v.value.clone()),
                "tls": r.tls.is_some(),
            })).collect::<Vec<_>>(),
            "services": c.services.iter().map(|s| json!({
                "name": s.name,
                "urls": s.urls.iter().map(|u| u.value.clone()).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "dns": dns(model),
    })
}

fn nginx(model: &StackModel, c: &crate::model::NginxConfig) -> Value {
    use crate::model::ProxyRole;
    let role = match &c.role {
        ProxyRole::Host => json!("host"),
        ProxyRole::Container { stack, service } => {
            json!({"stack": model.stacks.get(*stack).map(|s| s.name.clone()), "service": service})
        }
    };
    let pass = |p: &crate::sources::nginx::model::Pass| json!({"kind": format!("{:?}", p.kind).to_lowercase(), "target": p.target.value});
    fn locations(
        ls: &[crate::sources::nginx::model::Location],
        pass: &dyn Fn(&crate::sources::nginx::model::Pass) -> Value,
    ) -> Vec<Value> {
        ls.iter()
            .map(|l| {
                json!({
                    "modifier": format!("{:?}", l.modifier).to_lowercase(),
                    "path": l.path.value,
                    "passes": l.passes.iter().map(pass).collect::<Vec<_>>(),
                    "locations": locations(&l.locations, pass),
                })
            })
            .collect()
    }
    json!({
        "root": model.db.get(c.root).map(|f| f.display_path()),
        "role": role,
        "servers": c.model.servers.iter().map(|s| json!({
            "listen": s.listens.iter().map(|l| l.address.value.clone()).collect::<Vec<_>>(),
            "server_names": s.names.iter().map(|n| n.name.value.clone()).collect::<Vec<_>>(),
            "locations": locations(&s.locations, &pass),
        })).collect::<Vec<_>>(),
        "upstreams": c.model.upstreams.iter().map(|u| json!({
            "name": u.name.value,
            "servers": u.servers.iter().map(|s| s.address.value.clone()).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

fn caddy(model: &StackModel, c: &crate::model::CaddyConfig) -> Value {
    use crate::model::ProxyRole;
    let role = match &c.role {
        ProxyRole::Host => json!("host"),
        ProxyRole::Container { stack, service } => {
            json!({"stack": model.stacks.get(*stack).map(|s| s.name.clone()), "service": service})
        }
    };
    json!({
        "root": model.db.get(c.root).map(|f| f.display_path()),
        "role": role,
        "sites": c.model.sites.iter().map(|s| json!({
            "addresses": s.addresses.iter().map(|a| a.text.value.clone()).collect::<Vec<_>>(),
            "upstreams": s.upstreams.iter().map(|u| u.text.value.clone()).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

fn traefik(model: &StackModel) -> Vec<Value> {
    let mut out = Vec::new();
    for stack in model.stacks.iter().filter(|s| s.loaded) {
        for svc in stack.services.iter().filter(|s| s.traefik.any) {
            let t = &svc.traefik;
            out.push(json!({
                "stack": stack.name,
                "service": svc.name,
                "enable": t.enable.map(|e| e.0),
                "routers": t.routers.iter().map(|r| json!({
                    "name": r.name,
                    "rule": r.rule.as_ref().map(|v| v.value.clone()),
                    "hosts": match &r.parsed {
                        Some(Ok(e)) => e.hosts().into_iter().map(|(h, _)| h.to_owned()).collect::<Vec<_>>(),
                        _ => Vec::new(),
                    },
                    "service": t.router_service(r, &svc.name, &stack.project),
                    "tls": r.tls.is_some(),
                })).collect::<Vec<_>>(),
                "default_routers": if t.routers.is_empty() { t.effective_routers(&svc.name, &stack.project) } else { Vec::new() },
            }));
        }
    }
    out
}

fn dns(model: &StackModel) -> Value {
    use crate::sources::dns::{RData, RecordSource};
    let d = &model.dns;
    let record = |r: &crate::sources::dns::Record| {
        json!({
            "name": r.name,
            "type": r.rtype,
            "data": match &r.data {
                RData::A(a) => a.to_string(),
                RData::Aaaa(a) => a.to_string(),
                RData::Cname(c) => c.clone(),
                RData::Caa { flags, tag, value } => format!("{flags} {tag} \"{value}\""),
                RData::Other(o) => o.clone(),
            },
            "source": match r.source {
                RecordSource::File => "file",
                RecordSource::Live => "live",
            },
        })
    };
    let live = d.live.as_ref();
    json!({
        "mode": format!("{:?}", d.mode).to_lowercase(),
        "file": d.file.and_then(|f| model.db.get(f)).map(|f| f.display_path()),
        "expect": d.expect_v4.iter().map(ToString::to_string).chain(d.expect_v6.iter().map(ToString::to_string)).collect::<Vec<_>>(),
        "records": d.zone.iter().chain(live.map(|l| &l.zone)).flat_map(|z| z.records.iter()).map(record).collect::<Vec<_>>(),
        "live": live.map(|l| json!({
            "servers": l.servers,
            "timeout_ms": u64::try_from(l.timeout.as_millis()).unwrap_or(u64::MAX),
            "lookups": l.lookups.iter().map(|x| json!({
                "name": x.name,
                "a": x.a.label(),
                "aaaa": x.aaaa.label(),
                "failure": x.failure().map(ToString::to_string),
            })).collect::<Vec<_>>(),
        })),
    })
}
