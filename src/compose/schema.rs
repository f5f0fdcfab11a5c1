//! P003 compose-schema: the structural check of one compose document, as Docker Compose v2.40.3
//! (compose-go v2.9.1) performs it when it loads a file.
//!
//! Compose checks a file in stages and stops at the first error; we report every error, each with the
//! message of the stage that would catch it if it were the only one:
//! 1. `extends` / `include` resolution (both are removed before the schema sees the file, so their
//!    unknown keys are ignored);
//! 2. de-duplication of some lists (`environment`, `cap_add`, `ports`, `volumes`...), which rejects items
//!    of the wrong type with its own messages (`services.a.cap_add.[0]: unexpected type int`);
//! 3. the JSON schema (unknown keys, types, enums, patterns, required keys, repeated items), whose
//!    messages we reproduce, including how compose picks the error of a `oneOf` (the deepest, ties going
//!    to the first alternative: `oom_score_adj: 2000` gives "must be a string");
//! 4. the canonical transform (short port and volume syntax, device strings, `ssh`,
//!    `additional_contexts`, `ulimits`);
//! 5. the checks after loading that need nothing but the document (`host_ip`, secrets and configs
//!    `file|environment|content`, volume `external` conflicts, `healthcheck.test`, `develop.watch`,
//!    device requests, and named volumes whose name no file can declare);
//! 6. decoding into compose's types: durations, byte sizes, booleans and numbers given as strings,
//!    device counts, file modes, `extra_hosts`, `storage_opt`.
//!
//! Not checked here: references to other services, networks, volumes, secrets or files (the project's
//! job), and consistency rules between fields. `required` keys and "one of file|environment" are checked
//! on the document alone, as compose does for a single file; in a `-f` overlay another file may supply them.
//!
//! The schema is written below as static tables, one line per key. Casting strings to booleans and
//! numbers where compose does it during interpolation (`privileged: "yes"`) is the interpolation step's
//! job: we see the cast value. Values whose interpolation result is unknown are only type-checked.

use std::collections::HashMap;

use crate::compose::format::{VolumeKindShort, parse_volume_ref, port_count};
use crate::source::Span;
use crate::yaml::{Entry, Kind, Node, Scalar, Tag, Value, go_format_float};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemaError {
    /// The offending key (unknown key) or value (wrong type).
    pub span: Span,
    /// Dotted path as compose prints it: "services.a.user" (list items: "services.a.ports.0", or the
    /// `.[0]` / `.[]` forms in the messages of the stages that print them so).
    pub path: String,
    /// Compose's message: "services.a.user must be a string", "services.a additional properties 'foo' not allowed".
    pub message: String,
}

/// Checks one compose document (the top-level mapping of one YAML document of one file, after
/// interpolation) against the Compose Specification as compose enforces it. Every error is reported, in
/// document order. Nodes tagged `!reset` are skipped (compose removes them).
pub fn check_document(doc: &Node, out: &mut Vec<SchemaError>) {
    if doc.tag == Tag::Reset {
        return;
    }
    let first = out.len();
    let mut w = Walker { path: Vec::with_capacity(16), out };
    if doc.as_map().is_some() {
        w.check(doc, &ROOT, None);
    } else {
        w.push(doc.span, String::new(), "top-level object must be a mapping".to_owned());
    }
    if let Some(new) = out.get_mut(first..) {
        new.sort_by_key(|e| e.span.start);
    }
}

// ---------------------------------------------------------------------------------------------------
// Shapes

/// A JSON-schema type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ty {
    Null,
    Bool,
    Int,
    Num,
    Str,
}

/// What a value must look like.
enum Shape {
    /// One of these scalar types.
    T(&'static [Ty]),
    /// A string from this list.
    Enum(&'static [&'static str]),
    /// A string matching a pattern.
    Pattern(Pat),
    /// An integer within bounds.
    IntRange(Option<i64>, Option<i64>),
    /// A mapping.
    Obj(&'static Obj),
    /// A mapping, or one of these scalar types.
    ObjOr(&'static [Ty], &'static Obj),
    /// A sequence.
    Arr(&'static Arr),
    /// The first alternative whose type fits.
    OneOf(&'static [&'static Shape]),
    /// A shape with a compose check that is not in the JSON schema.
    Hook(&'static Shape, Hook),
    /// `services.*.extends`, resolved (and removed) before the schema runs.
    Extends,
    /// The top-level `include`, resolved (and removed) before the schema runs.
    Include,
}

struct Obj {
    props: &'static [(&'static str, &'static Shape)],
    /// `patternProperties` (other than `^x-`).
    pattern: Option<(KeyPat, &'static Shape)>,
    /// `^x-` keys allowed.
    ext: bool,
    /// `additionalProperties: false`.
    closed: bool,
    required: &'static [&'static str],
}

struct Arr {
    items: &'static Shape,
    uniq: Uniq,
}

/// How compose handles repeated items of a list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Uniq {
    /// Repeats allowed.
    None,
    /// `uniqueItems` in the schema: repeats are an error.
    Schema,
    /// De-duplicated by compose before the schema runs, by the text before `=`; items must be strings.
    KeyValue,
    /// De-duplicated by mount target (`secrets`, `configs`).
    Mount,
    /// De-duplicated by volume target.
    Volume,
    /// De-duplicated by device target.
    Device,
    Expose,
    Port,
    EnvFile,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum KeyPat {
    /// `^[a-zA-Z0-9._-]+$`: service, volume, network... names.
    Name,
    /// `.+` (unanchored): at least one character other than a newline.
    NonEmpty,
    /// `^.+$`: non-empty, no newline.
    Line,
    /// `^[a-z]+$` (ulimit names).
    Lower,
}

impl KeyPat {
    fn matches(self, key: &str) -> bool {
        match self {
            KeyPat::Name => is_name(key),
            KeyPat::NonEmpty => key.chars().any(|c| c != '\n'),
            KeyPat::Line => !key.is_empty() && !key.contains('\n'),
            KeyPat::Lower => !key.is_empty() && key.bytes().all(|b| b.is_ascii_lowercase()),
        }
    }
}

/// Whether a name matches `^[a-zA-Z0-9._-]+$`.
fn is_name(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pat {
    ContainerName,
    PullPolicy,
}

impl Pat {
    fn source(self) -> &'static str {
        match self {
            Pat::ContainerName => "[a-zA-Z0-9][a-zA-Z0-9_.-]+",
            Pat::PullPolicy => "always|never|build|if_not_present|missing|refresh|daily|weekly|every_([0-9]+[wdhms])+",
        }
    }

    /// The schema's patterns are unanchored: a match anywhere in the value is enough.
    fn matches(self, s: &str) -> bool {
        match self {
            Pat::ContainerName => s.as_bytes().windows(2).any(|w| match w {
                [a, b] => a.is_ascii_alphanumeric() && (b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')),
                _ => false,
            }),
            Pat::PullPolicy => {
                ["always", "never", "build", "if_not_present", "missing", "refresh", "daily", "weekly"]
                    .iter()
                    .any(|w| s.contains(w))
                    || s.match_indices("every_").any(|(i, m)| {
                        let rest = s.get(i + m.len()..).unwrap_or("").as_bytes();
                        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
                        digits > 0 && rest.get(digits).is_some_and(|b| b"wdhms".contains(b))
                    })
            }
        }
    }
}

/// Compose checks that are not part of the JSON schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Hook {
    /// `services.*.ports`: short syntax parsed; port 0 is "missing a target port"; floats rejected.
    Ports,
    /// A long-syntax port: `host_ip` must be an IP address.
    PortObject,
    /// `services.*.volumes`: a named volume whose name no file can declare.
    ServiceVolumes,
    /// A short-syntax device: at most three `:`-separated fields.
    DeviceString,
    /// `healthcheck.test` as a list must start with CMD, CMD-SHELL or NONE.
    Healthcheck,
    /// `build.additional_contexts` as a list: `name=value` items.
    KeyValueList,
    /// `build.ssh` as a list: `id=path` items or `default`.
    Ssh,
    /// `ulimits`: values compose's transform rejects (unknown names, floats).
    Ulimits,
    /// `build.ulimits`: the same, and strings too (interpolation does not cast them there).
    BuildUlimits,
    /// A `develop.watch` item: non-blank path, target for sync actions.
    Watch,
    /// A device request (`deploy...devices`, `gpus`): `count` and `device_ids` are exclusive.
    DeviceRequest,
    /// A top-level network: `name` vs `external.name`.
    Network,
    /// A top-level volume: `name` vs `external.name`, `external` with other keys.
    Volume,
    /// A top-level secret: `file|environment`.
    Secret,
    /// A top-level config: `file|environment|content`.
    Config,
    /// A boolean field that compose decodes from a string after the schema (`attach: "maybe"` fails).
    DecodeBool,
    /// A duration (`1m30s`, with `d` and `w` units too).
    Duration,
    /// A byte size (`512m`, `1.5GiB`): compose decodes strings with docker/go-units.
    Size,
    /// A float decoded from a string (`deploy.resources.*.cpus`).
    DecodeFloat,
    /// A device count: `all` or a number.
    DeviceCount,
    /// A file mode: octal string or integer.
    FileMode,
    /// A mapping whose values compose decodes as strings (`storage_opt`).
    StringValues,
    /// An unsigned integer that compose decodes without casting strings (`tmpfs.mode`).
    Uint32,
    /// `extra_hosts`: `host=ip` / `host:ip` items, host names without `:` or `=`.
    ExtraHosts,
}

// ---------------------------------------------------------------------------------------------------
// The Compose Specification, as tables.

use Shape::{Arr as A, Enum, Hook as H, IntRange, Obj as O, ObjOr, OneOf, Pattern, T};

const fn closed(props: &'static [(&'static str, &'static Shape)]) -> Obj {
    Obj { props, pattern: None, ext: true, closed: true, required: &[] }
}

const fn closed_req(props: &'static [(&'static str, &'static Shape)], required: &'static [&'static str]) -> Obj {
    Obj { props, pattern: None, ext: true, closed: true, required }
}

const fn strict(props: &'static [(&'static str, &'static Shape)]) -> Obj {
    Obj { props, pattern: None, ext: false, closed: true, required: &[] }
}

const fn open(props: &'static [(&'static str, &'static Shape)]) -> Obj {
    Obj { props, pattern: None, ext: false, closed: false, required: &[] }
}

const fn map_of(pattern: KeyPat, value: &'static Shape, closed: bool) -> Obj {
    Obj { props: &[], pattern: Some((pattern, value)), ext: false, closed, required: &[] }
}

// Scalars.
static STR: Shape = T(&[Ty::Str]);
static BOOL: Shape = T(&[Ty::Bool]);
static INT: Shape = T(&[Ty::Int]);
static NUM: Shape = T(&[Ty::Num]);
static NULL: Shape = T(&[Ty::Null]);
static BOOL_STR: Shape = T(&[Ty::Bool, Ty::Str]);
static NUM_STR: Shape = T(&[Ty::Num, Ty::Str]);
static INT_STR: Shape = T(&[Ty::Int, Ty::Str]);
static STR_NULL: Shape = T(&[Ty::Str, Ty::Null]);
static STR_NUM_BOOL: Shape = T(&[Ty::Str, Ty::Num, Ty::Bool]);
static STR_NUM_NULL: Shape = T(&[Ty::Str, Ty::Num, Ty::Null]);
static DICT_VALUE: Shape = T(&[Ty::Str, Ty::Num, Ty::Bool, Ty::Null]);
/// `boolean|string` where the string is cast when compose decodes the file (not at interpolation).
static DBOOL_STR: Shape = H(&BOOL_STR, Hook::DecodeBool);
static DURATION: Shape = H(&STR, Hook::Duration);
static SIZE_NUM_STR: Shape = H(&NUM_STR, Hook::Size);
static SIZE_INT_STR: Shape = H(&INT_STR, Hook::Size);
static SIZE_STR: Shape = H(&STR, Hook::Size);
static CPUS: Shape = H(&NUM_STR, Hook::DecodeFloat);
static DEVICE_COUNT: Shape = H(&INT_STR, Hook::DeviceCount);
static STR_OR_INT_MIN0: Shape = OneOf(&[&STR, &IntRange(Some(0), None)]);
static STR_OR_PERCENT: Shape = OneOf(&[&STR, &IntRange(Some(0), Some(100))]);
static STR_OR_OOM: Shape = OneOf(&[&STR, &IntRange(Some(-1000), Some(1000))]);

// Lists and dictionaries.
static STR_LIST: Shape = A(&Arr { items: &STR, uniq: Uniq::None });
static UNIQUE_STRS: Shape = A(&Arr { items: &STR, uniq: Uniq::Schema });
static DEDUP_STRS: Shape = A(&Arr { items: &STR, uniq: Uniq::KeyValue });
static STRING_OR_LIST: Shape = OneOf(&[&STR, &UNIQUE_STRS]);
static STRING_OR_DEDUP_LIST: Shape = OneOf(&[&STR, &DEDUP_STRS]);
static DICT: Shape = O(&map_of(KeyPat::NonEmpty, &DICT_VALUE, true));
/// `list_or_dict` where compose does not de-duplicate the list form.
static LIST_OR_DICT: Shape = OneOf(&[&DICT, &UNIQUE_STRS]);
/// `list_or_dict` de-duplicated by key (`environment`, `labels`...).
static KV_LIST_OR_DICT: Shape = OneOf(&[&DICT, &DEDUP_STRS]);
static STR_NUM_OPTS: Shape = O(&map_of(KeyPat::Line, &NUM_STR, false));
static STR_OPTS: Shape = O(&map_of(KeyPat::Line, &STR, true));
static COMMAND: Shape = OneOf(&[&NULL, &STR, &STR_LIST]);
static EXTRA_HOSTS: Shape =
    H(&OneOf(&[&O(&map_of(KeyPat::NonEmpty, &OneOf(&[&STR, &STR_LIST]), true)), &UNIQUE_STRS]), Hook::ExtraHosts);
static UNIQUE_STR_NUMS: Shape = A(&Arr { items: &T(&[Ty::Str, Ty::Num]), uniq: Uniq::Schema });

static ROOT: Shape = O(&closed(&[
    ("version", &STR),
    ("name", &STR),
    ("include", &Shape::Include),
    ("services", &O(&map_of(KeyPat::Name, &SERVICE, true))),
    ("models", &O(&map_of(KeyPat::Name, &MODEL, false))),
    ("networks", &O(&map_of(KeyPat::Name, &H(&NETWORK, Hook::Network), false))),
    ("volumes", &O(&map_of(KeyPat::Name, &H(&VOLUME, Hook::Volume), true))),
    ("secrets", &O(&map_of(KeyPat::Name, &H(&SECRET, Hook::Secret), true))),
    ("configs", &O(&map_of(KeyPat::Name, &H(&CONFIG, Hook::Config), true))),
]));

static SERVICE: Shape = O(&closed(&[
    ("develop", &DEVELOP),
    ("deploy", &DEPLOY),
    ("annotations", &KV_LIST_OR_DICT),
    ("attach", &DBOOL_STR),
    ("build", &OneOf(&[&STR, &BUILD])),
    ("blkio_config", &BLKIO),
    ("cap_add", &DEDUP_STRS),
    ("cap_drop", &DEDUP_STRS),
    ("cgroup", &Enum(&["host", "private"])),
    ("cgroup_parent", &STR),
    ("command", &COMMAND),
    ("configs", &A(&Arr { items: &FILE_MOUNT, uniq: Uniq::Mount })),
    ("container_name", &Pattern(Pat::ContainerName)),
    ("cpu_count", &STR_OR_INT_MIN0),
    ("cpu_percent", &STR_OR_PERCENT),
    ("cpu_shares", &NUM_STR),
    ("cpu_quota", &NUM_STR),
    ("cpu_period", &NUM_STR),
    ("cpu_rt_period", &NUM_STR),
    ("cpu_rt_runtime", &NUM_STR),
    ("cpus", &NUM_STR),
    ("cpuset", &STR),
    ("credential_spec", &O(&closed(&[("config", &STR), ("file", &STR), ("registry", &STR)]))),
    ("depends_on", &OneOf(&[&UNIQUE_STRS, &O(&map_of(KeyPat::Name, &DEPENDENCY, true))])),
    ("device_cgroup_rules", &UNIQUE_STRS),
    ("devices", &A(&Arr { items: &DEVICE, uniq: Uniq::Device })),
    ("dns", &STRING_OR_DEDUP_LIST),
    ("dns_opt", &DEDUP_STRS),
    ("dns_search", &STRING_OR_DEDUP_LIST),
    ("domainname", &STR),
    ("entrypoint", &COMMAND),
    ("env_file", &OneOf(&[&STR, &A(&Arr { items: &ENV_FILE, uniq: Uniq::EnvFile })])),
    ("label_file", &OneOf(&[&STR, &STR_LIST])),
    ("environment", &KV_LIST_OR_DICT),
    ("expose", &A(&Arr { items: &T(&[Ty::Str, Ty::Num]), uniq: Uniq::Expose })),
    ("extends", &Shape::Extends),
    ("provider", &PROVIDER),
    ("external_links", &UNIQUE_STRS),
    ("extra_hosts", &EXTRA_HOSTS),
    ("gpus", &OneOf(&[&Enum(&["all"]), &A(&Arr { items: &GPU, uniq: Uniq::None })])),
    ("group_add", &UNIQUE_STR_NUMS),
    ("healthcheck", &H(&HEALTHCHECK, Hook::Healthcheck)),
    ("hostname", &STR),
    ("image", &STR),
    ("init", &BOOL_STR),
    ("ipc", &STR),
    ("isolation", &STR),
    ("labels", &KV_LIST_OR_DICT),
    ("links", &DEDUP_STRS),
    ("logging", &O(&closed(&[("driver", &STR), ("options", &O(&map_of(KeyPat::Line, &STR_NUM_NULL, false)))]))),
    ("mac_address", &STR),
    ("mem_limit", &SIZE_NUM_STR),
    ("mem_reservation", &SIZE_INT_STR),
    ("mem_swappiness", &SIZE_INT_STR),
    ("memswap_limit", &SIZE_NUM_STR),
    ("network_mode", &STR),
    ("models", &OneOf(&[&UNIQUE_STRS, &O(&map_of(KeyPat::Name, &OneOf(&[&SERVICE_MODEL, &NULL]), false))])),
    ("networks", &OneOf(&[&UNIQUE_STRS, &O(&map_of(KeyPat::Name, &OneOf(&[&SERVICE_NETWORK, &NULL]), true))])),
    ("oom_kill_disable", &BOOL_STR),
    ("oom_score_adj", &STR_OR_OOM),
    ("pid", &STR_NULL),
    ("pids_limit", &NUM_STR),
    ("platform", &STR),
    (
        "ports",
        &H(&A(&Arr { items: &OneOf(&[&NUM, &STR, &H(&PORT, Hook::PortObject)]), uniq: Uniq::Port }), Hook::Ports),
    ),
    ("post_start", &A(&Arr { items: &SERVICE_HOOK, uniq: Uniq::None })),
    ("pre_stop", &A(&Arr { items: &SERVICE_HOOK, uniq: Uniq::None })),
    ("privileged", &BOOL_STR),
    ("profiles", &DEDUP_STRS),
    ("pull_policy", &Pattern(Pat::PullPolicy)),
    ("pull_refresh_after", &STR),
    ("read_only", &BOOL_STR),
    ("restart", &STR),
    ("runtime", &STR),
    ("scale", &INT_STR),
    ("security_opt", &UNIQUE_STRS),
    ("shm_size", &SIZE_NUM_STR),
    ("secrets", &A(&Arr { items: &FILE_MOUNT, uniq: Uniq::Mount })),
    ("sysctls", &KV_LIST_OR_DICT),
    ("stdin_open", &BOOL_STR),
    ("stop_grace_period", &DURATION),
    ("stop_signal", &STR),
    ("storage_opt", &H(&O(&open(&[])), Hook::StringValues)),
    ("tmpfs", &STRING_OR_DEDUP_LIST),
    ("tty", &BOOL_STR),
    ("ulimits", &ULIMITS),
    ("use_api_socket", &BOOL),
    ("user", &STR),
    ("uts", &STR),
    ("userns_mode", &STR),
    ("volumes", &H(&A(&Arr { items: &OneOf(&[&STR, &SERVICE_VOLUME]), uniq: Uniq::Volume }), Hook::ServiceVolumes)),
    ("volumes_from", &UNIQUE_STRS),
    ("working_dir", &STR),
]));

static BUILD: Shape = O(&closed(&[
    ("context", &STR),
    ("dockerfile", &STR),
    ("dockerfile_inline", &STR),
    ("entitlements", &STR_LIST),
    ("args", &KV_LIST_OR_DICT),
    ("ssh", &H(&LIST_OR_DICT, Hook::Ssh)),
    ("labels", &KV_LIST_OR_DICT),
    ("cache_from", &STR_LIST),
    ("cache_to", &STR_LIST),
    ("no_cache", &DBOOL_STR),
    ("additional_contexts", &H(&KV_LIST_OR_DICT, Hook::KeyValueList)),
    ("network", &STR),
    ("provenance", &BOOL_STR),
    ("sbom", &BOOL_STR),
    ("pull", &DBOOL_STR),
    ("target", &STR),
    ("shm_size", &SIZE_INT_STR),
    ("extra_hosts", &EXTRA_HOSTS),
    ("isolation", &STR),
    ("privileged", &DBOOL_STR),
    ("secrets", &A(&Arr { items: &FILE_MOUNT, uniq: Uniq::None })),
    ("tags", &DEDUP_STRS),
    ("ulimits", &BUILD_ULIMITS),
    ("platforms", &STR_LIST),
]));

static BLKIO_LIMIT: Shape = O(&strict(&[("path", &STR), ("rate", &SIZE_INT_STR)]));
static BLKIO_WEIGHT: Shape = O(&strict(&[("path", &STR), ("weight", &INT_STR)]));
static BLKIO_LIMITS: Shape = A(&Arr { items: &BLKIO_LIMIT, uniq: Uniq::None });
static BLKIO: Shape = O(&strict(&[
    ("device_read_bps", &BLKIO_LIMITS),
    ("device_read_iops", &BLKIO_LIMITS),
    ("device_write_bps", &BLKIO_LIMITS),
    ("device_write_iops", &BLKIO_LIMITS),
    ("weight", &INT_STR),
    ("weight_device", &A(&Arr { items: &BLKIO_WEIGHT, uniq: Uniq::None })),
]));

static DEPENDENCY: Shape = O(&closed_req(
    &[
        ("restart", &DBOOL_STR),
        ("required", &BOOL),
        ("condition", &Enum(&["service_started", "service_healthy", "service_completed_successfully"])),
    ],
    &["condition"],
));

static DEVICE: Shape = OneOf(&[
    &H(&STR, Hook::DeviceString),
    &O(&closed_req(&[("source", &STR), ("target", &STR), ("permissions", &STR)], &["source"])),
]);

static ENV_FILE: Shape = OneOf(&[
    &STR,
    &O(&Obj {
        props: &[("path", &STR), ("format", &STR), ("required", &DBOOL_STR)],
        pattern: None,
        ext: false,
        closed: true,
        required: &["path"],
    }),
]);

static PROVIDER: Shape = O(&closed_req(
    &[
        ("type", &STR),
        (
            "options",
            &O(&map_of(
                KeyPat::Line,
                &OneOf(&[&STR_NUM_BOOL, &A(&Arr { items: &STR_NUM_BOOL, uniq: Uniq::None })]),
                false,
            )),
        ),
    ],
    &["type"],
));

static DEVICE_REQUEST_PROPS: &[(&str, &Shape)] = &[
    ("capabilities", &UNIQUE_STRS),
    ("count", &DEVICE_COUNT),
    ("device_ids", &UNIQUE_STRS),
    ("driver", &STR),
    ("options", &LIST_OR_DICT),
];
/// `gpus` items: no `additionalProperties` in the schema, so any key goes.
static GPU: Shape = H(&O(&open(DEVICE_REQUEST_PROPS)), Hook::DeviceRequest);
static DEVICE_REQUEST: Shape = H(&O(&closed_req(DEVICE_REQUEST_PROPS, &["capabilities"])), Hook::DeviceRequest);

static HEALTHCHECK: Shape = O(&closed(&[
    ("disable", &BOOL_STR),
    ("interval", &DURATION),
    ("retries", &NUM_STR),
    ("test", &OneOf(&[&STR, &STR_LIST])),
    ("timeout", &DURATION),
    ("start_period", &DURATION),
    ("start_interval", &DURATION),
]));

static SERVICE_MODEL: Shape = O(&closed(&[("endpoint_var", &STR), ("model_var", &STR)]));

static SERVICE_NETWORK: Shape = O(&closed(&[
    ("aliases", &DEDUP_STRS),
    ("interface_name", &STR),
    ("ipv4_address", &STR),
    ("ipv6_address", &STR),
    ("link_local_ips", &DEDUP_STRS),
    ("mac_address", &STR),
    ("driver_opts", &STR_NUM_OPTS),
    ("priority", &NUM),
    ("gw_priority", &NUM),
]));

static PORT: Shape = O(&closed(&[
    ("name", &STR),
    ("mode", &STR),
    ("host_ip", &STR),
    ("target", &INT_STR),
    ("published", &T(&[Ty::Str, Ty::Int])),
    ("protocol", &STR),
    ("app_protocol", &STR),
]));

static SERVICE_HOOK: Shape = O(&closed_req(
    &[
        ("command", &COMMAND),
        ("user", &STR),
        ("privileged", &DBOOL_STR),
        ("working_dir", &STR),
        ("environment", &LIST_OR_DICT),
    ],
    &["command"],
));

static FILE_MOUNT: Shape = OneOf(&[
    &STR,
    &O(&closed(&[
        ("source", &STR),
        ("target", &STR),
        ("uid", &STR),
        ("gid", &STR),
        ("mode", &H(&NUM_STR, Hook::FileMode)),
    ])),
]);

static ULIMITS_MAP: Shape = O(&map_of(
    KeyPat::Lower,
    &OneOf(&[&INT_STR, &O(&closed_req(&[("hard", &INT_STR), ("soft", &INT_STR)], &["soft", "hard"]))]),
    false,
));
static ULIMITS: Shape = H(&ULIMITS_MAP, Hook::Ulimits);
static BUILD_ULIMITS: Shape = H(&ULIMITS_MAP, Hook::BuildUlimits);

static SERVICE_VOLUME: Shape = O(&closed_req(
    &[
        ("type", &Enum(&["bind", "volume", "tmpfs", "cluster", "npipe", "image"])),
        ("source", &STR),
        ("target", &STR),
        ("read_only", &BOOL_STR),
        ("consistency", &STR),
        (
            "bind",
            &O(&closed(&[
                ("propagation", &STR),
                ("create_host_path", &DBOOL_STR),
                ("recursive", &Enum(&["enabled", "disabled", "writable", "readonly"])),
                ("selinux", &Enum(&["z", "Z"])),
            ])),
        ),
        ("volume", &O(&closed(&[("labels", &LIST_OR_DICT), ("nocopy", &BOOL_STR), ("subpath", &STR)]))),
        (
            "tmpfs",
            &O(&closed(&[
                ("size", &OneOf(&[&IntRange(Some(0), None), &SIZE_STR])),
                ("mode", &H(&NUM_STR, Hook::Uint32)),
            ])),
        ),
        ("image", &O(&closed(&[("subpath", &STR)]))),
    ],
    &["type"],
));

static DEVELOP: Shape = ObjOr(&[Ty::Null], &closed(&[("watch", &A(&Arr { items: &WATCH, uniq: Uniq::None }))]));

static WATCH: Shape = H(
    &O(&closed_req(
        &[
            ("ignore", &STRING_OR_LIST),
            ("include", &STRING_OR_LIST),
            ("path", &STR),
            ("action", &Enum(&["rebuild", "sync", "restart", "sync+restart", "sync+exec"])),
            ("target", &STR),
            ("exec", &SERVICE_HOOK),
            ("initial_sync", &BOOL),
        ],
        &["path", "action"],
    )),
    Hook::Watch,
);

static DEPLOY: Shape = ObjOr(
    &[Ty::Null],
    &closed(&[
        ("mode", &STR),
        ("endpoint_mode", &STR),
        ("replicas", &INT_STR),
        ("labels", &KV_LIST_OR_DICT),
        ("rollback_config", &UPDATE_CONFIG),
        ("update_config", &UPDATE_CONFIG),
        ("resources", &O(&closed(&[("limits", &LIMITS), ("reservations", &RESERVATIONS)]))),
        ("restart_policy", &RESTART_POLICY),
        ("placement", &PLACEMENT),
    ]),
);

static UPDATE_CONFIG: Shape = O(&closed(&[
    ("parallelism", &INT_STR),
    ("delay", &DURATION),
    ("failure_action", &STR),
    ("monitor", &DURATION),
    ("max_failure_ratio", &NUM_STR),
    ("order", &Enum(&["start-first", "stop-first"])),
]));

static LIMITS: Shape = O(&closed(&[("cpus", &CPUS), ("memory", &SIZE_STR), ("pids", &INT_STR)]));

static RESERVATIONS: Shape = O(&closed(&[
    ("cpus", &CPUS),
    ("memory", &SIZE_STR),
    ("generic_resources", &A(&Arr { items: &GENERIC_RESOURCE, uniq: Uniq::None })),
    ("devices", &A(&Arr { items: &DEVICE_REQUEST, uniq: Uniq::None })),
]));

static GENERIC_RESOURCE: Shape =
    O(&closed(&[("discrete_resource_spec", &O(&closed(&[("kind", &STR), ("value", &NUM_STR)])))]));

static RESTART_POLICY: Shape =
    O(&closed(&[("condition", &STR), ("delay", &DURATION), ("max_attempts", &INT_STR), ("window", &DURATION)]));

static PLACEMENT: Shape = O(&closed(&[
    ("constraints", &STR_LIST),
    ("preferences", &A(&Arr { items: &O(&closed(&[("spread", &STR)])), uniq: Uniq::None })),
    ("max_replicas_per_node", &INT_STR),
]));

/// `external` of networks and volumes: `external: {name: x}` is the deprecated form.
static EXTERNAL: Shape = ObjOr(&[Ty::Bool, Ty::Str], &closed(&[("name", &STR)]));
/// `external` of secrets and configs: the object form is not closed.
static EXTERNAL_OPEN: Shape = ObjOr(&[Ty::Bool, Ty::Str], &open(&[("name", &STR)]));

static NETWORK: Shape = ObjOr(
    &[Ty::Null],
    &closed(&[
        ("name", &STR),
        ("driver", &STR),
        ("driver_opts", &STR_NUM_OPTS),
        ("ipam", &IPAM),
        ("external", &EXTERNAL),
        ("internal", &BOOL_STR),
        ("enable_ipv4", &BOOL_STR),
        ("enable_ipv6", &BOOL_STR),
        ("attachable", &BOOL_STR),
        ("labels", &KV_LIST_OR_DICT),
    ]),
);

static IPAM: Shape = O(&closed(&[
    ("driver", &STR),
    ("config", &A(&Arr { items: &IPAM_CONFIG, uniq: Uniq::None })),
    ("options", &STR_OPTS),
]));

static IPAM_CONFIG: Shape =
    O(&closed(&[("subnet", &STR), ("ip_range", &STR), ("gateway", &STR), ("aux_addresses", &STR_OPTS)]));

static VOLUME: Shape = ObjOr(
    &[Ty::Null],
    &closed(&[
        ("name", &STR),
        ("driver", &STR),
        ("driver_opts", &STR_NUM_OPTS),
        ("external", &EXTERNAL),
        ("labels", &LIST_OR_DICT),
    ]),
);

static SECRET: Shape = O(&closed(&[
    ("name", &STR),
    ("environment", &STR),
    ("file", &STR),
    ("external", &EXTERNAL_OPEN),
    ("labels", &LIST_OR_DICT),
    ("driver", &STR),
    ("driver_opts", &STR_NUM_OPTS),
    ("template_driver", &STR),
]));

static CONFIG: Shape = O(&closed(&[
    ("name", &STR),
    ("content", &STR),
    ("environment", &STR),
    ("file", &STR),
    ("external", &EXTERNAL_OPEN),
    ("labels", &LIST_OR_DICT),
    ("template_driver", &STR),
]));

static MODEL: Shape = O(&closed_req(
    &[("name", &STR), ("model", &STR), ("context_size", &INT), ("runtime_flags", &STR_LIST)],
    &["model"],
));

// ---------------------------------------------------------------------------------------------------
// The walk

#[derive(Clone, Copy)]
enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

/// How list indices appear in a path: `ports.0` (schema), `ports.[0]` (list de-duplication),
/// `ports.[]` (interpolation and post-load checks).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    Dots,
    Brackets,
    List,
    /// mapstructure's: `services[a].depends_on[b].restart`, `services[a].volumes[0].bind`.
    Decode,
}

struct Walker<'a, 'o> {
    path: Vec<Seg<'a>>,
    out: &'o mut Vec<SchemaError>,
}

impl<'a> Walker<'a, '_> {
    fn render(&self, style: Style) -> String {
        let mut s = String::new();
        let mut prev: Option<&str> = None;
        for (i, seg) in self.path.iter().enumerate() {
            if style == Style::Decode {
                match seg {
                    Seg::Key(k)
                        if i == 1 && prev == Some("services") || matches!(prev, Some("depends_on" | "storage_opt")) =>
                    {
                        s.push('[');
                        s.push_str(k);
                        s.push(']');
                    }
                    Seg::Key(k) => {
                        if i > 0 {
                            s.push('.');
                        }
                        // blkio limits decode into a struct field without a yaml name.
                        s.push_str(if *k == "rate" && prev.is_none() { "Rate" } else { k });
                    }
                    Seg::Index(n) => {
                        s.push('[');
                        s.push_str(&n.to_string());
                        s.push(']');
                    }
                }
                prev = match seg {
                    Seg::Key(k) => Some(k),
                    Seg::Index(_) => None,
                };
                continue;
            }
            if i > 0 {
                s.push('.');
            }
            match (seg, style) {
                (Seg::Key(k), _) => s.push_str(k),
                (Seg::Index(n), Style::Dots) => s.push_str(&n.to_string()),
                (Seg::Index(n), Style::Brackets) => {
                    s.push('[');
                    s.push_str(&n.to_string());
                    s.push(']');
                }
                (Seg::Index(_), Style::List) => s.push_str("[]"),
                (Seg::Index(_), Style::Decode) => {}
            }
        }
        s
    }

    fn push(&mut self, span: Span, path: String, message: String) {
        self.out.push(SchemaError { span, path, message });
    }

    /// A schema error at the current path: "<path> <what>".
    fn schema(&mut self, span: Span, what: &str) {
        let path = self.render(Style::Dots);
        let message = if path.is_empty() { what.to_owned() } else { format!("{path} {what}") };
        self.push(span, path, message);
    }

    /// An error whose message is compose's text without a path.
    fn bare(&mut self, span: Span, message: String) {
        let path = self.render(Style::Dots);
        self.push(span, path, message);
    }

    /// An error at the current path rendered in `style`, message "<path>: <what>" or built by `f`.
    fn styled(&mut self, span: Span, style: Style, f: impl FnOnce(&str) -> String) {
        let path = self.render(style);
        let message = f(&path);
        self.push(span, path, message);
    }

    /// A decoding error (the stage after the schema), as compose prints it on one line.
    fn decode(&mut self, span: Span, what: &str) {
        let path = self.render(Style::Decode);
        let message = format!("decoding failed due to the following error(s): '{path}' {what}");
        self.push(span, path, message);
    }

    fn type_error(&mut self, node: &Node, shape: &Shape) {
        self.schema(node.span, &format!("must be a {}", type_names(shape)));
    }

    /// An error about the node itself (not a child). Inside a `oneOf` alternative other than the first,
    /// compose reports the first alternative's type error instead (same depth, first cause wins).
    fn own_error(&mut self, node: &Node, own: Option<&'static Shape>, what: &str) {
        match own {
            Some(first) => self.type_error(node, first),
            None => self.schema(node.span, what),
        }
    }

    fn check(&mut self, node: &'a Node, shape: &'static Shape, own: Option<&'static Shape>) {
        if matches!(&node.kind, Kind::Scalar(s) if s.value == Value::Timestamp)
            && !matches!(shape, Shape::Extends | Shape::Include)
        {
            self.schema(node.span, "invalid jsonType time.Time");
            return;
        }
        match shape {
            T(tys) => {
                if !tys.iter().any(|t| ty_matches(*t, node)) {
                    self.type_error(node, shape);
                }
            }
            Enum(values) => match node.as_scalar() {
                Some(s) if s.value == Value::Str => {
                    if !opaque(s) && !values.contains(&s.text.as_str()) {
                        self.own_error(node, own, &enum_message(values));
                    }
                }
                _ => self.type_error(node, shape),
            },
            Pattern(p) => match node.as_scalar() {
                Some(s) if s.value == Value::Str => {
                    if !opaque(s) && !p.matches(&s.text) {
                        let what = format!("'{}' does not match pattern '{}'", s.text, p.source());
                        self.own_error(node, own, &what);
                    }
                }
                _ => self.type_error(node, shape),
            },
            IntRange(min, max) => match int_value(node) {
                None => self.type_error(node, shape),
                Some(v) => {
                    if let Some(m) = min.filter(|m| v < *m as f64) {
                        self.own_error(node, own, &format!("must be greater than or equal to {m}"));
                    } else if let Some(m) = max.filter(|m| v > *m as f64) {
                        self.own_error(node, own, &format!("must be less than or equal to {m}"));
                    }
                }
            },
            O(obj) => match &node.kind {
                Kind::Map(entries) => self.check_obj(node, entries, obj, own),
                _ => self.type_error(node, shape),
            },
            ObjOr(tys, obj) => match &node.kind {
                Kind::Map(entries) => self.check_obj(node, entries, obj, own),
                _ if tys.iter().any(|t| ty_matches(*t, node)) => {}
                _ => self.type_error(node, shape),
            },
            A(arr) => match &node.kind {
                Kind::Seq(items) => self.check_arr(node, items, arr, own),
                _ => self.type_error(node, shape),
            },
            OneOf(branches) => {
                let Some(first) = branches.first().copied() else { return };
                match branches.iter().position(|b| type_fits(node, b)) {
                    None => self.type_error(node, first),
                    Some(0) => self.check(node, first, own),
                    Some(k) => {
                        if let Some(branch) = branches.get(k).copied() {
                            self.check(node, branch, Some(own.unwrap_or(first)));
                        }
                    }
                }
            }
            H(inner, hook) => {
                let before = self.out.len();
                self.check(node, inner, own);
                // extra_hosts is re-read item by item: not after the schema rejected the list.
                if *hook != Hook::ExtraHosts || self.out.len() == before {
                    self.hook(node, *hook);
                }
            }
            Shape::Extends => self.check_extends(node),
            Shape::Include => self.check_include(node),
        }
    }

    fn check_obj(&mut self, node: &'a Node, entries: &'a [Entry], obj: &'static Obj, own: Option<&'static Shape>) {
        let missing = obj.required.iter().filter(|r| get(entries, r).is_none()).count();
        if missing > 0 {
            let names: Vec<String> =
                obj.required.iter().filter(|r| get(entries, r).is_none()).map(|r| format!("'{r}'")).collect();
            let what = if missing == 1 {
                format!("missing property {}", names.join(", "))
            } else {
                format!("missing properties {}", names.join(", "))
            };
            self.own_error(node, own, &what);
        }
        for e in entries {
            if e.value.tag == Tag::Reset {
                continue;
            }
            let key = e.key.name.as_str();
            let shape = obj
                .props
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, s)| *s)
                .or_else(|| obj.pattern.filter(|(p, _)| p.matches(key)).map(|(_, s)| s));
            match shape {
                Some(shape) => {
                    self.path.push(Seg::Key(key));
                    self.check(&e.value, shape, None);
                    self.path.pop();
                }
                None if obj.ext && key.starts_with("x-") => {}
                None if obj.closed => self.schema(e.key.span, &format!("additional properties '{key}' not allowed")),
                None => {}
            }
        }
    }

    fn check_arr(&mut self, node: &'a Node, items: &'a [Node], arr: &'static Arr, own: Option<&'static Shape>) {
        for (i, item) in items.iter().enumerate() {
            if item.tag == Tag::Reset {
                continue;
            }
            self.path.push(Seg::Index(i));
            if !self.dedup_error(item, arr.uniq) {
                self.check(item, arr.items, None);
            }
            self.path.pop();
        }
        if arr.uniq == Uniq::Schema
            && let Some((i, j)) = first_repeat(items)
        {
            let at = items.get(j).map_or(node.span, |n| n.span);
            let what = format!("items at {i} and {j} are equal");
            match own {
                Some(first) => self.type_error(node, first),
                None => self.schema(at, &what),
            }
        }
    }

    /// Compose de-duplicates some lists before the schema runs, and rejects items it cannot index.
    /// Returns whether the item was reported (then the schema does not look at it).
    fn dedup_error(&mut self, item: &'a Node, uniq: Uniq) -> bool {
        let span = item.span;
        match (uniq, &item.kind) {
            (Uniq::KeyValue, Kind::Scalar(s)) if s.value == Value::Str => false,
            (Uniq::KeyValue, _) => {
                let t = go_type(item);
                self.styled(span, Style::Brackets, |p| format!("{p}: unexpected type {t}"));
                true
            }
            (Uniq::Mount, Kind::Scalar(s)) if s.value != Value::Str => {
                let v = go_value(item);
                self.styled(span, Style::Brackets, |p| format!("{p}: unsupported expose value {v}"));
                true
            }
            (Uniq::Mount, Kind::Seq(_)) => {
                let v = go_value(item);
                self.styled(span, Style::Brackets, |p| format!("{p}: unsupported expose value {v}"));
                true
            }
            (Uniq::Expose, Kind::Scalar(s)) if !matches!(s.value, Value::Str | Value::Int(_)) => {
                let v = go_value(item);
                self.styled(span, Style::Brackets, |p| format!("{p}: unsupported expose value {v}"));
                true
            }
            (Uniq::Expose, Kind::Map(_) | Kind::Seq(_)) => {
                let v = go_value(item);
                self.styled(span, Style::Brackets, |p| format!("{p}: unsupported expose value {v}"));
                true
            }
            (Uniq::Volume, Kind::Map(entries)) if get(entries, "target").and_then(Node::as_str).is_none() => {
                self.styled(span, Style::Brackets, |p| format!("service volume {p} is missing a mount target"));
                true
            }
            (Uniq::Volume, Kind::Scalar(s)) if s.value == Value::Str && !opaque(s) => match parse_volume_ref(&s.text) {
                // An unclosed `${` leaves no target (compose notices after its transform).
                Ok(v) if v.target.is_empty() => {
                    self.styled(span, Style::Brackets, |p| format!("service volume {p} is missing a mount target"));
                    true
                }
                Ok(_) => false,
                Err(e) => {
                    self.bare(span, e);
                    true
                }
            },
            (Uniq::Device, Kind::Map(entries)) if get(entries, "target").and_then(Node::as_str).is_none() => {
                self.styled(span, Style::Brackets, |p| format!("service device {p} is missing a mount target"));
                true
            }
            (Uniq::Port, Kind::Map(entries)) if get(entries, "target").is_none() => {
                self.styled(span, Style::Brackets, |p| format!("service ports {p} is missing a target port"));
                true
            }
            (Uniq::EnvFile, Kind::Map(entries)) if get(entries, "path").is_none() => {
                self.styled(span, Style::Brackets, |p| format!("environment path attribute {p} is missing"));
                true
            }
            _ => false,
        }
    }

    fn hook(&mut self, node: &'a Node, hook: Hook) {
        match hook {
            Hook::Ports => self.hook_ports(node),
            Hook::PortObject => {
                if let Some(ip_node) = node.as_map().and_then(|entries| get(entries, "host_ip"))
                    && let Some(ip) = decoded_string(ip_node)
                    && ip.text.parse::<std::net::IpAddr>().is_err()
                {
                    let text = &ip.text;
                    self.styled(ip_node.span, Style::List, |p| format!("{p}: invalid ip address: {text}"));
                }
            }
            Hook::ServiceVolumes => self.hook_service_volumes(node),
            Hook::DeviceString => {
                if let Some(s) = decoded_string(node)
                    && s.text.split(':').count() > 3
                {
                    self.bare(node.span, format!("confusing device mapping, please use long syntax: {}", s.text));
                }
            }
            Hook::Healthcheck => {
                let Some(test) = node.get("test").filter(|t| t.tag != Tag::Reset) else { return };
                let Some(first) = test.as_seq().and_then(|items| items.iter().find(|i| i.tag != Tag::Reset)) else {
                    return;
                };
                if let Some(s) = decoded_string(first)
                    && !matches!(s.text.as_str(), "CMD" | "CMD-SHELL" | "NONE")
                {
                    self.path.push(Seg::Key("test"));
                    self.bare(
                        first.span,
                        "healthcheck.test must start either by \"CMD\", \"CMD-SHELL\" or \"NONE\"".to_owned(),
                    );
                    self.path.pop();
                }
            }
            Hook::KeyValueList => {
                for item in node.as_seq().unwrap_or(&[]) {
                    if let Some(s) = decoded_string(item)
                        && !s.text.contains('=')
                    {
                        let text = &s.text;
                        self.styled(item.span, Style::Dots, |p| {
                            format!("{p}: invalid value {text}, expected key=value")
                        });
                    }
                }
            }
            Hook::Ssh => {
                for item in node.as_seq().unwrap_or(&[]) {
                    if let Some(s) = decoded_string(item)
                        && !s.text.contains('=')
                        && s.text != "default"
                    {
                        self.bare(item.span, format!("invalid ssh key {}", go_quote(&s.text)));
                    }
                }
            }
            Hook::Ulimits => self.hook_ulimits(node, true),
            Hook::BuildUlimits => self.hook_ulimits(node, false),
            Hook::Watch => self.hook_watch(node),
            Hook::DeviceRequest => {
                if let Some(entries) = node.as_map()
                    && get(entries, "count").is_some()
                    && get(entries, "device_ids").is_some()
                {
                    self.styled(node.span, Style::List, |p| {
                        format!("{p}: \"count\" and \"device_ids\" attributes are exclusive")
                    });
                }
            }
            Hook::DecodeBool => {
                if let Some(s) = decoded_string(node)
                    && go_bool(&s.text).is_none()
                {
                    self.decode(node.span, &format!("invalid boolean: {}", s.text));
                }
            }
            Hook::Duration => {
                if let Some(s) = decoded_string(node)
                    && let Err(e) = parse_duration(&s.text)
                {
                    self.decode(node.span, &e);
                }
            }
            Hook::Size => {
                if let Some(s) = decoded_string(node)
                    && let Err(e) = parse_size(&s.text)
                {
                    self.decode(node.span, &e);
                }
            }
            Hook::DecodeFloat => {
                if let Some(s) = decoded_string(node)
                    && let Err(e) = go_parse_float(&s.text)
                {
                    self.decode(node.span, &e);
                }
            }
            Hook::DeviceCount => {
                if let Some(s) = decoded_string(node)
                    && !s.text.eq_ignore_ascii_case("all")
                    && s.text.parse::<i64>().is_err()
                {
                    let what =
                        format!("invalid value {}, the only value allowed is 'all' or a number", go_quote(&s.text));
                    self.decode(node.span, &what);
                }
            }
            Hook::FileMode => match node.as_scalar().map(|s| s.value) {
                Some(Value::Str) => {
                    if let Some(s) = decoded_string(node)
                        && i64::from_str_radix(&s.text, 8).is_err()
                    {
                        let what = format!("strconv.ParseInt: parsing {}: invalid syntax", go_quote(&s.text));
                        self.decode(node.span, &what);
                    }
                }
                Some(Value::Float(_)) => self.decode(node.span, "unexpected value type float64 for mode"),
                _ => {}
            },
            Hook::StringValues => {
                for e in node.as_map().unwrap_or(&[]) {
                    let bad = match &e.value.kind {
                        Kind::Scalar(s) => matches!(s.value, Value::Bool(_) | Value::Float(_) | Value::Timestamp),
                        Kind::Seq(_) | Kind::Map(_) => true,
                    };
                    if bad && e.value.tag != Tag::Reset {
                        let t = go_type(&e.value);
                        self.path.push(Seg::Key(&e.key.name));
                        self.decode(e.value.span, &format!("expected type 'string', got unconvertible type '{t}'"));
                        self.path.pop();
                    }
                }
            }
            Hook::Uint32 => {
                // No string is ever accepted there, whatever interpolation made of it.
                if node.as_str().is_some() {
                    self.decode(node.span, "expected type 'uint32', got unconvertible type 'string'");
                }
            }
            Hook::ExtraHosts => self.hook_extra_hosts(node),
            Hook::Network => self.hook_external_name(node),
            Hook::Volume => {
                self.hook_external_name(node);
                self.hook_volume_external(node);
            }
            Hook::Secret => {
                self.hook_external_name(node);
                self.hook_file_object(node, &["file", "environment"], true);
            }
            Hook::Config => {
                self.hook_external_name(node);
                self.hook_file_object(node, &["file", "environment", "content"], false);
            }
        }
    }

    /// Short-syntax ports are parsed by compose's canonical transform, which expands ranges; an entry
    /// whose container port is 0 is then "missing a target port" (at its index in the expanded list).
    fn hook_ports(&mut self, node: &'a Node) {
        let Some(items) = node.as_seq() else { return };
        let mut expanded = 0usize;
        for (i, item) in items.iter().enumerate() {
            if item.tag == Tag::Reset {
                continue;
            }
            let Kind::Scalar(s) = &item.kind else {
                expanded += 1;
                continue;
            };
            let parsed = match s.value {
                Value::Str if opaque(s) => {
                    expanded += 1;
                    continue;
                }
                Value::Str => port_count(&s.text),
                // An integer port is parsed from its decimal text.
                Value::Int(n) => match u16::try_from(n) {
                    Ok(p) => Ok((1, (p == 0).then_some(0))),
                    Err(_) => Err(format!("invalid containerPort: {n}")),
                },
                Value::Float(_) => {
                    self.styled(item.span, Style::Dots, |p| format!("{p}: invalid type float64 for port"));
                    expanded += 1;
                    continue;
                }
                _ => continue,
            };
            self.path.push(Seg::Index(i));
            match parsed {
                Err(e) => {
                    self.bare(item.span, e);
                    expanded += 1;
                }
                Ok((count, zero)) => {
                    if let Some(k) = zero {
                        self.path.pop();
                        self.path.push(Seg::Index(expanded + k));
                        self.styled(item.span, Style::Brackets, |p| {
                            format!("service ports {p} is missing a target port")
                        });
                    }
                    expanded += count;
                }
            }
            self.path.pop();
        }
    }

    /// A named volume whose name does not match `^[a-zA-Z0-9._-]+$` can never be declared under the
    /// top-level `volumes` (whose keys must match it), so compose always fails on it.
    fn hook_service_volumes(&mut self, node: &'a Node) {
        let Some(items) = node.as_seq() else { return };
        let service = match self.path.as_slice() {
            [Seg::Key("services"), Seg::Key(name), ..] => *name,
            _ => return,
        };
        for (i, item) in items.iter().enumerate() {
            if item.tag == Tag::Reset {
                continue;
            }
            let source: Option<&str> = match &item.kind {
                Kind::Scalar(s) if s.value == Value::Str && !opaque(s) => match parse_volume_ref(&s.text) {
                    Ok(v) if v.kind == VolumeKindShort::Volume => v.source,
                    _ => None,
                },
                Kind::Map(entries) => {
                    let is_volume = get(entries, "type").and_then(Node::as_str) == Some("volume");
                    match get(entries, "source").and_then(Node::as_scalar) {
                        Some(s) if is_volume && s.value == Value::Str && !opaque(s) => Some(s.text.as_str()),
                        _ => None,
                    }
                }
                _ => None,
            };
            if let Some(source) = source.filter(|s| !s.is_empty() && !is_name(s)) {
                self.path.push(Seg::Index(i));
                self.bare(
                    item.span,
                    format!("service \"{service}\" refers to undefined volume {source}: invalid compose project"),
                );
                self.path.pop();
            }
        }
    }

    /// compose's ulimits transform accepts only an integer or a mapping (after the schema, which says
    /// nothing about names that are not lower-case).
    fn hook_ulimits(&mut self, node: &'a Node, strings_cast: bool) {
        let Some(entries) = node.as_map() else { return };
        for e in entries {
            if e.value.tag == Tag::Reset {
                continue;
            }
            let named = KeyPat::Lower.matches(&e.key.name);
            let bad = match &e.value.kind {
                Kind::Map(_) => false,
                Kind::Scalar(s) => match s.value {
                    Value::Int(_) => false,
                    // Service ulimits: strings were cast to integers by interpolation (or are unknown).
                    Value::Str => !strings_cast,
                    Value::Float(f) => !named || (f.is_finite() && f.fract() == 0.0),
                    _ => !named,
                },
                Kind::Seq(_) => !named,
            };
            if bad {
                let t = go_type(&e.value);
                self.path.push(Seg::Key(&e.key.name));
                self.styled(e.value.span, Style::Dots, |p| format!("{p}: invalid type {t} for external"));
                self.path.pop();
            }
        }
    }

    fn hook_watch(&mut self, node: &'a Node) {
        let Some(entries) = node.as_map() else { return };
        if let Some(path) = get(entries, "path")
            && path.as_str() == Some("")
        {
            self.path.push(Seg::Key("path"));
            self.styled(path.span, Style::List, |p| format!("{p}: value can't be blank"));
            self.path.pop();
        }
        let action = get(entries, "action").and_then(Node::as_scalar).filter(|s| s.value == Value::Str && !opaque(s));
        let target = get(entries, "target").and_then(Node::as_str).unwrap_or("");
        if let Some(action) = action {
            let known = matches!(action.text.as_str(), "sync" | "sync+restart" | "sync+exec");
            if known && target.is_empty() {
                // compose prints the path of the whole `watch` list.
                let saved = self.path.pop();
                self.styled(node.span, Style::Dots, |p| {
                    format!("{p}: target is required for non-rebuild actions: invalid compose project")
                });
                if let Some(seg) = saved {
                    self.path.push(seg);
                }
            }
        }
    }

    /// compose decodes `extra_hosts` into a host ⇒ IPs map (`host=ip` or `host:ip` items).
    fn hook_extra_hosts(&mut self, node: &'a Node) {
        let bad_host = |h: &str| h.is_empty() || h.contains([':', '=']);
        match &node.kind {
            Kind::Seq(items) => {
                for item in items {
                    let Some(s) = decoded_string(item) else { continue };
                    let host = s.text.split_once('=').or_else(|| s.text.split_once(':')).map(|(h, _)| h);
                    match host {
                        None => self.decode(item.span, &format!("invalid additional host, missing IP: {}", s.text)),
                        Some(h) if bad_host(h) => self.decode(item.span, &format!("bad host name '{h}'")),
                        Some(_) => {}
                    }
                }
            }
            Kind::Map(entries) => {
                for e in entries {
                    if e.value.tag != Tag::Reset && bad_host(&e.key.name) {
                        self.decode(e.key.span, &format!("bad host name '{}'", e.key.name));
                    }
                }
            }
            Kind::Scalar(_) => {}
        }
    }

    /// `external: {name: x}` (deprecated) next to a different `name`.
    fn hook_external_name(&mut self, node: &'a Node) {
        let Some(entries) = node.as_map() else { return };
        let Some(external) = get(entries, "external") else { return };
        let Some(ext_name) = external.as_map().and_then(|e| get(e, "name")) else { return };
        let Some(name) = get(entries, "name") else { return };
        if !same_scalar(name, ext_name) {
            self.styled(ext_name.span, Style::Dots, |p| format!("{p}: name and external.name conflict; only use name"));
        }
    }

    /// An external volume takes only `name` (and extensions).
    fn hook_volume_external(&mut self, node: &'a Node) {
        let Some(entries) = node.as_map() else { return };
        let external = match get(entries, "external").map(|n| &n.kind) {
            Some(Kind::Scalar(s)) => s.value == Value::Bool(true),
            Some(Kind::Map(_)) => true,
            _ => false,
        };
        if !external {
            return;
        }
        for e in entries {
            let k = e.key.name.as_str();
            if e.value.tag == Tag::Reset || matches!(k, "name" | "external") || k.starts_with("x-") {
                continue;
            }
            self.styled(e.key.span, Style::Dots, |p| {
                format!("{p}: conflicting parameters \"external\" and \"{k}\" specified")
            });
        }
    }

    /// Secrets need exactly one of `file|environment`, configs one of `file|environment|content`
    /// (unless external; a config may also name a `driver`).
    fn hook_file_object(&mut self, node: &'a Node, keys: &[&str], secret: bool) {
        let Some(entries) = node.as_map() else { return };
        let present = keys.iter().filter(|k| get(entries, k).is_some()).count();
        let joined = || keys.join("|");
        if present > 1 {
            self.styled(node.span, Style::Dots, |p| format!("{p}: {} attributes are mutually exclusive", joined()));
            return;
        }
        if present == 1 {
            return;
        }
        let external = get(entries, "external");
        if get(entries, "driver").is_none() && external.is_none() {
            self.styled(node.span, Style::Dots, |p| format!("{p}: one of {} must be set", joined()));
            return;
        }
        let is_external = match external.map(|n| &n.kind) {
            Some(Kind::Scalar(s)) => s.value == Value::Bool(true),
            Some(Kind::Map(_)) => true,
            _ => false,
        };
        if secret && !is_external {
            let name = match self.path.last() {
                Some(Seg::Key(k)) => *k,
                _ => "",
            };
            self.bare(
                node.span,
                format!("secret \"{name}\" must declare either `file` or `environment`: invalid compose project"),
            );
        }
    }

    /// `extends` is resolved before the schema runs: a string, or a mapping with a string `service`
    /// (and optionally a string `file`); other keys are ignored.
    fn check_extends(&mut self, node: &'a Node) {
        match &node.kind {
            Kind::Scalar(s) if s.value == Value::Str => {}
            Kind::Map(entries) => {
                if get(entries, "service").and_then(Node::as_str).is_none() {
                    let service = match self.path.as_slice() {
                        [Seg::Key("services"), Seg::Key(name), ..] => *name,
                        _ => "",
                    };
                    self.bare(node.span, format!("extends.{service}.service is required"));
                }
                if let Some(file) = get(entries, "file")
                    && file.as_str().is_none()
                {
                    self.path.push(Seg::Key("file"));
                    self.schema(file.span, "must be a string");
                    self.path.pop();
                }
            }
            _ => self.schema(node.span, "must be a mapping or string"),
        }
    }

    /// compose decodes `include` on its own: its paths start at the list (`'[0].path'`).
    fn include_decode(&mut self, span: Span, what: &str) {
        let path = self.render(Style::Dots);
        let inner = self.render(Style::Decode);
        let inner = inner.strip_prefix("include").unwrap_or(&inner);
        let message = format!("decoding failed due to the following error(s): '{inner}' {what}");
        self.push(span, path, message);
    }

    /// `include` is resolved before the schema runs: a list of paths or of mappings whose `path` and
    /// `env_file` are a string or a list of strings and `project_directory` a string (other keys are
    /// ignored).
    fn check_include(&mut self, node: &'a Node) {
        let items = match &node.kind {
            Kind::Seq(items) => items,
            Kind::Scalar(s) if s.value == Value::Null => return,
            _ => {
                let v = go_value(node);
                self.bare(node.span, format!("`include` must be a list, got {v}"));
                return;
            }
        };
        for (i, item) in items.iter().enumerate() {
            if item.tag == Tag::Reset {
                continue;
            }
            match &item.kind {
                Kind::Scalar(s) if matches!(s.value, Value::Str | Value::Null) => {}
                Kind::Map(entries) => {
                    for (key, list) in [("path", true), ("env_file", true), ("project_directory", false)] {
                        let Some(v) = get(entries, key) else { continue };
                        let ok = match &v.kind {
                            // A number decodes into the string `project_directory`.
                            Kind::Scalar(s) => {
                                s.value == Value::Str || (!list && matches!(s.value, Value::Int(_) | Value::Null))
                            }
                            Kind::Seq(xs) => list && xs.iter().all(|x| x.as_str().is_some()),
                            Kind::Map(_) => false,
                        };
                        if !ok {
                            let what = if list {
                                format!("invalid type {} for string list", go_type(v))
                            } else {
                                format!("expected type 'string', got unconvertible type '{}'", go_type(v))
                            };
                            self.path.push(Seg::Index(i));
                            self.path.push(Seg::Key(key));
                            self.include_decode(v.span, &what);
                            self.path.pop();
                            self.path.pop();
                        }
                    }
                }
                _ => {
                    let kind = match &item.kind {
                        Kind::Seq(_) => "slice",
                        _ => go_type(item),
                    };
                    self.path.push(Seg::Index(i));
                    self.include_decode(item.span, &format!("expected a map or struct, got \"{kind}\""));
                    self.path.pop();
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// Helpers

/// A mapping's value by key, ignoring `!reset` values (compose removes them).
fn get<'n>(entries: &'n [Entry], key: &str) -> Option<&'n Node> {
    entries.iter().find(|e| e.key.name == key && e.value.tag != Tag::Reset).map(|e| &e.value)
}

/// Whether interpolation left this value unknown: then only its type is checked.
fn opaque(s: &Scalar) -> bool {
    s.interp.as_ref().is_some_and(|i| !i.known)
}

fn ty_matches(t: Ty, node: &Node) -> bool {
    let Kind::Scalar(s) = &node.kind else { return false };
    match (t, s.value) {
        (Ty::Null, Value::Null) | (Ty::Bool, Value::Bool(_)) | (Ty::Str, Value::Str) => true,
        (Ty::Num, Value::Int(_) | Value::Float(_)) => true,
        (Ty::Int, Value::Int(_)) => true,
        (Ty::Int, Value::Float(f)) => f.is_finite() && f.fract() == 0.0,
        _ => false,
    }
}

fn int_value(node: &Node) -> Option<f64> {
    match node.as_scalar()?.value {
        Value::Int(i) => Some(i as f64),
        Value::Float(f) if f.is_finite() && f.fract() == 0.0 => Some(f),
        _ => None,
    }
}

/// Whether the node has the JSON type this shape expects (how a `oneOf` alternative is chosen).
fn type_fits(node: &Node, shape: &Shape) -> bool {
    match shape {
        Shape::Extends | Shape::Include => true,
        T(tys) => tys.iter().any(|t| ty_matches(*t, node)),
        Enum(_) | Pattern(_) => node.as_str().is_some(),
        IntRange(..) => int_value(node).is_some(),
        O(_) => node.as_map().is_some(),
        ObjOr(tys, _) => node.as_map().is_some() || tys.iter().any(|t| ty_matches(*t, node)),
        A(_) => node.as_seq().is_some(),
        OneOf(branches) => branches.iter().any(|b| type_fits(node, b)),
        H(inner, _) => type_fits(node, inner),
    }
}

/// "string", "integer or string", "boolean, mapping or string": compose sorts the names.
fn type_names(shape: &Shape) -> String {
    let mut names: Vec<&'static str> = Vec::new();
    collect_type_names(shape, &mut names);
    if names.len() > 1 {
        names.sort_unstable();
    }
    match names.split_last() {
        None => String::new(),
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

fn collect_type_names(shape: &Shape, names: &mut Vec<&'static str>) {
    let ty_name = |t: &Ty| match t {
        Ty::Null => "null",
        Ty::Bool => "boolean",
        Ty::Int => "integer",
        Ty::Num => "number",
        Ty::Str => "string",
    };
    match shape {
        Shape::Extends | Shape::Include => {}
        T(tys) => names.extend(tys.iter().map(ty_name)),
        Enum(_) | Pattern(_) => names.push("string"),
        IntRange(..) => names.push("integer"),
        O(_) => names.push("mapping"),
        ObjOr(tys, _) => {
            names.extend(tys.iter().map(ty_name));
            names.push("mapping");
        }
        A(_) => names.push("array"),
        OneOf(branches) => {
            if let Some(first) = branches.first() {
                collect_type_names(first, names);
            }
        }
        H(inner, _) => collect_type_names(inner, names),
    }
}

fn enum_message(values: &[&str]) -> String {
    match values {
        [one] => format!("value must be '{one}'"),
        _ => {
            let quoted: Vec<String> = values.iter().map(|v| format!("'{v}'")).collect();
            format!("value must be one of {}", quoted.join(", "))
        }
    }
}

/// The first repeated scalar of a list, as `(earlier index, later index)`, scanning later indices first
/// (the pair compose reports). Containers are not compared.
fn first_repeat(items: &[Node]) -> Option<(usize, usize)> {
    #[derive(PartialEq, Eq, Hash)]
    enum K<'n> {
        Null,
        Bool(bool),
        Num(u64),
        Str(&'n str),
    }
    fn key(n: &Node) -> Option<K<'_>> {
        let s = n.as_scalar()?;
        if n.tag == Tag::Reset {
            return None;
        }
        Some(match s.value {
            Value::Null => K::Null,
            Value::Bool(b) => K::Bool(b),
            Value::Int(i) => K::Num((i as f64).to_bits()),
            Value::Float(f) if f.is_nan() => return None,
            Value::Float(f) => K::Num(if f == 0.0 { 0 } else { f.to_bits() }),
            Value::Str => K::Str(&s.text),
            Value::Timestamp => return None,
        })
    }
    if items.len() <= 32 {
        for (j, b) in items.iter().enumerate() {
            let Some(kb) = key(b) else { continue };
            for (i, a) in items.iter().enumerate().take(j) {
                if key(a).is_some_and(|ka| ka == kb) {
                    return Some((i, j));
                }
            }
        }
        return None;
    }
    let mut seen: HashMap<K<'_>, usize> = HashMap::with_capacity(items.len());
    for (j, n) in items.iter().enumerate() {
        let Some(k) = key(n) else { continue };
        if let Some(&i) = seen.get(&k) {
            return Some((i, j));
        }
        seen.insert(k, j);
    }
    None
}

fn same_scalar(a: &Node, b: &Node) -> bool {
    match (a.as_scalar(), b.as_scalar()) {
        (Some(x), Some(y)) => x.value == y.value && x.text == y.text,
        _ => false,
    }
}

/// Go's `%T` of the value compose decoded.
fn go_type(node: &Node) -> &'static str {
    match &node.kind {
        Kind::Map(_) => "map[string]interface {}",
        Kind::Seq(_) => "[]interface {}",
        Kind::Scalar(s) => match s.value {
            Value::Null => "<nil>",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float64",
            Value::Str => "string",
            Value::Timestamp => "time.Time",
        },
    }
}

/// Go's `%s` of a decoded value (`%!s(int=1)`, `[x %!s(int=2)]`, `map[a:b]`), cut at 200 bytes.
fn go_value(node: &Node) -> String {
    let mut out = String::new();
    go_value_into(node, &mut out);
    if out.len() > 200 {
        let mut cut = 200;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
        out.push_str("...");
    }
    out
}

fn go_value_into(node: &Node, out: &mut String) {
    if out.len() > 200 {
        return;
    }
    // Inside a container, Go prints a nil element as `<nil>`.
    if !out.is_empty() && node.is_null() {
        out.push_str("<nil>");
        return;
    }
    match &node.kind {
        Kind::Map(entries) => {
            let mut sorted: Vec<&Entry> = entries.iter().collect();
            sorted.sort_by(|a, b| a.key.name.cmp(&b.key.name));
            out.push_str("map[");
            for (i, e) in sorted.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(&e.key.name);
                out.push(':');
                go_value_into(&e.value, out);
            }
            out.push(']');
        }
        Kind::Seq(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                go_value_into(item, out);
            }
            out.push(']');
        }
        Kind::Scalar(s) => match s.value {
            Value::Null => out.push_str("%!s(<nil>)"),
            Value::Bool(b) => out.push_str(&format!("%!s(bool={b})")),
            Value::Int(i) => out.push_str(&format!("%!s(int={i})")),
            Value::Float(f) => out.push_str(&format!("%!s(float64={})", go_format_float(f))),
            Value::Str => out.push_str(&s.text),
            Value::Timestamp => out.push_str(&go_time_string(&s.text).unwrap_or_else(|| s.text.clone())),
        },
    }
}

/// Go's `time.Time.String()` of a YAML timestamp (`2024-01-02 10:00:00.5 +0200 +0200`).
fn go_time_string(text: &str) -> Option<String> {
    fn num(s: &str) -> Option<u32> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    }
    let (date, time) = match text.find(['T', 't', ' ']) {
        Some(i) => (text.get(..i)?, text.get(i + 1..)),
        None => (text, None),
    };
    let mut d = date.split('-');
    let (y, m, day) = (num(d.next()?)?, num(d.next()?)?, num(d.next()?)?);
    let mut out = format!("{y:04}-{m:02}-{day:02}");
    let Some(time) = time else {
        out.push_str(" 00:00:00 +0000 UTC");
        return Some(out);
    };
    let zone_at = time.find(['Z', '+', '-']).unwrap_or(time.len());
    let (clock, zone) = (time.get(..zone_at)?, time.get(zone_at..)?);
    let (hms, frac) = match clock.split_once('.') {
        Some((a, b)) => (a, b.trim_end_matches('0')),
        None => (clock, ""),
    };
    let mut t = hms.split(':');
    let (h, mi, sec) = (num(t.next()?)?, num(t.next()?)?, num(t.next()?)?);
    out.push_str(&format!(" {h:02}:{mi:02}:{sec:02}"));
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    match zone {
        "" | "Z" => out.push_str(" +0000 UTC"),
        z => {
            let offset = z.replace(':', "");
            out.push_str(&format!(" {offset} {offset}"));
        }
    }
    Some(out)
}

/// A string value whose text is known (interpolation did not leave it unknown).
fn decoded_string(node: &Node) -> Option<&Scalar> {
    node.as_scalar().filter(|s| s.value == Value::Str && !opaque(s))
}

/// Go's `strconv.ParseFloat(s, 64)`, with its error messages: decimal or hexadecimal text, `_` between
/// digits, `inf`/`infinity`/`nan` in any case.
fn go_parse_float(s: &str) -> Result<f64, String> {
    let invalid = || format!("strconv.ParseFloat: parsing {}: invalid syntax", go_quote(s));
    let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s);
    if matches!(unsigned.to_ascii_lowercase().as_str(), "inf" | "infinity" | "nan") {
        return Ok(0.0);
    }
    // `_` only between digits.
    let b = unsigned.as_bytes();
    for (i, c) in b.iter().enumerate() {
        if *c == b'_' {
            let before = i.checked_sub(1).and_then(|j| b.get(j)).is_some_and(u8::is_ascii_hexdigit);
            let after = b.get(i + 1).is_some_and(u8::is_ascii_hexdigit);
            if !before || !after {
                return Err(invalid());
            }
        }
    }
    let cleaned: std::borrow::Cow<'_, str> =
        if s.contains('_') { s.chars().filter(|c| *c != '_').collect::<String>().into() } else { s.into() };
    let body = cleaned.strip_prefix(['+', '-']).unwrap_or(&cleaned);
    if let Some(hex) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        // Hexadecimal floats need a `p` exponent; the value itself does not matter here.
        let (mantissa, exp) = hex.split_once(['p', 'P']).ok_or_else(invalid)?;
        let exp = exp.strip_prefix(['+', '-']).unwrap_or(exp);
        let digits = mantissa.bytes().filter(u8::is_ascii_hexdigit).count();
        let dots = mantissa.bytes().filter(|c| *c == b'.').count();
        if digits == 0
            || dots > 1
            || digits + dots != mantissa.len()
            || exp.is_empty()
            || !exp.bytes().all(|c| c.is_ascii_digit())
        {
            return Err(invalid());
        }
        return Ok(0.0);
    }
    let plain =
        !body.is_empty() && body.bytes().all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-'));
    match cleaned.parse::<f64>() {
        Ok(f) if plain && f.is_infinite() => {
            Err(format!("strconv.ParseFloat: parsing {}: value out of range", go_quote(s)))
        }
        Ok(f) if plain => Ok(f),
        _ => Err(invalid()),
    }
}

/// docker/go-units `RAMInBytes`: a number, an optional space, then `b`, or `k|m|g|t|p` with an
/// optional `b` or `ib` (any case).
fn parse_size(text: &str) -> Result<i64, String> {
    let Some(sep) = text.rfind(|c: char| c.is_ascii_digit() || c == '.' || c == ' ') else {
        return Err(format!("invalid size: '{text}'"));
    };
    let (num, sfx) = match text.as_bytes().get(sep) {
        Some(b' ') => (text.get(..sep).unwrap_or(""), text.get(sep + 1..).unwrap_or("")),
        _ => (text.get(..=sep).unwrap_or(""), text.get(sep + 1..).unwrap_or("")),
    };
    let size = go_parse_float(num)?;
    if size < 0.0 {
        return Err(format!("invalid size: '{text}'"));
    }
    if sfx.is_empty() {
        return Ok(size as i64);
    }
    if sfx.len() > 3 {
        return Err(format!("invalid suffix: '{sfx}'"));
    }
    let bad = || Err(format!("invalid suffix: '{}'", sfx.to_ascii_lowercase()));
    let b = sfx.as_bytes();
    let mul: f64 = match b.first().map(u8::to_ascii_lowercase) {
        Some(b'b') if b.len() == 1 => return Ok(size as i64),
        Some(b'k') => 1024.0,
        Some(b'm') => 1024.0 * 1024.0,
        Some(b'g') => 1024.0 * 1024.0 * 1024.0,
        Some(b't') => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        Some(b'p') => 1024.0 * 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => return bad(),
    };
    let rest = sfx.get(1..).unwrap_or("");
    if rest.is_empty() || rest.eq_ignore_ascii_case("b") || rest.eq_ignore_ascii_case("ib") {
        Ok((size * mul) as i64)
    } else {
        bad()
    }
}

/// compose's string-to-boolean cast (YAML 1.1 words accepted, with a warning).
fn go_bool(s: &str) -> Option<bool> {
    let is = |words: &[&str]| words.iter().any(|w| w.eq_ignore_ascii_case(s));
    if is(&["true", "y", "yes", "on"]) {
        Some(true)
    } else if is(&["false", "n", "no", "off"]) {
        Some(false)
    } else {
        None
    }
}

/// Go's `time.ParseDuration` with the `d` and `w` units compose adds; returns the nanoseconds or the
/// error text (`time: unknown unit "x" in duration "10x"`).
fn parse_duration(orig: &str) -> Result<i64, String> {
    let invalid = || format!("time: invalid duration \"{orig}\"");
    let mut s = orig;
    let mut neg = false;
    if let Some(rest) = s.strip_prefix('-') {
        neg = true;
        s = rest;
    } else if let Some(rest) = s.strip_prefix('+') {
        s = rest;
    }
    if s == "0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(invalid());
    }
    let mut total: i64 = 0;
    while !s.is_empty() {
        let b = s.as_bytes();
        if !b.first().is_some_and(|c| *c == b'.' || c.is_ascii_digit()) {
            return Err(invalid());
        }
        // Integer part.
        let int_len = b.iter().take_while(|c| c.is_ascii_digit()).count();
        let mut v: i64 = 0;
        for c in b.iter().take(int_len) {
            v = v.checked_mul(10).and_then(|v| v.checked_add(i64::from(c - b'0'))).ok_or_else(invalid)?;
        }
        let mut rest = s.get(int_len..).unwrap_or("");
        // Fraction.
        let (mut frac, mut scale, mut has_frac) = (0i64, 1f64, false);
        if let Some(after_dot) = rest.strip_prefix('.') {
            let fb = after_dot.as_bytes();
            let n = fb.iter().take_while(|c| c.is_ascii_digit()).count();
            let mut overflow = false;
            for c in fb.iter().take(n) {
                if overflow {
                    continue;
                }
                match frac.checked_mul(10).and_then(|f| f.checked_add(i64::from(c - b'0'))) {
                    Some(f) => {
                        frac = f;
                        scale *= 10.0;
                    }
                    // Further digits are ignored, as in Go.
                    None => overflow = true,
                }
            }
            has_frac = n > 0;
            rest = after_dot.get(n..).unwrap_or("");
        }
        if int_len == 0 && !has_frac {
            return Err(invalid());
        }
        // Unit: up to the next digit or dot.
        let unit_len = rest.bytes().take_while(|c| *c != b'.' && !c.is_ascii_digit()).count();
        if unit_len == 0 {
            return Err(format!("time: missing unit in duration \"{orig}\""));
        }
        let unit_text = rest.get(..unit_len).unwrap_or("");
        let unit: i64 = match unit_text {
            "ns" => 1,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            "d" => 86_400_000_000_000,
            "w" => 604_800_000_000_000,
            _ => return Err(format!("time: unknown unit \"{unit_text}\" in duration \"{orig}\"")),
        };
        s = rest.get(unit_len..).unwrap_or("");
        let mut part = v.checked_mul(unit).ok_or_else(invalid)?;
        if frac > 0 {
            part = part.checked_add((frac as f64 * (unit as f64 / scale)) as i64).ok_or_else(invalid)?;
        }
        total = total.checked_add(part).ok_or_else(invalid)?;
    }
    Ok(if neg { -total } else { total })
}

/// Go's `%q` for printable text.
fn go_quote(s: &str) -> String {
    let mut q = String::with_capacity(s.len() + 2);
    q.push('"');
    for c in s.chars() {
        match c {
            '"' => q.push_str("\\\""),
            '\\' => q.push_str("\\\\"),
            '\n' => q.push_str("\\n"),
            '\t' => q.push_str("\\t"),
            '\r' => q.push_str("\\r"),
            c if c.is_control() => q.push_str(&format!("\\x{:02x}", c as u32)),
            c => q.push(c),
        }
    }
    q.push('"');
    q
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provenance::InterpInfo;
    use crate::source::FileId;
    use crate::yaml::{Limits, parse};

    fn errors(text: &str) -> Vec<SchemaError> {
        let docs = parse(FileId(0), text, &Limits::default()).expect("valid YAML");
        let mut out = Vec::new();
        for doc in &docs {
            check_document(doc, &mut out);
        }
        out
    }

    fn messages(text: &str) -> Vec<String> {
        errors(text).into_iter().map(|e| e.message).collect()
    }

    /// The document's errors, in order.
    fn check(text: impl AsRef<str>, want: &[&str]) {
        let text = text.as_ref();
        assert_eq!(messages(text), want, "for:\n{text}");
    }

    fn ok(text: impl AsRef<str>) {
        check(text, &[]);
    }

    /// A one-service document with `body` as an extra line of service `a`.
    fn svc(body: &str) -> String {
        format!("services:\n  a:\n    image: x\n    {body}\n")
    }

    // Tests marked "compose:" were run through `docker compose config -q` (v2.40.3): it prints that
    // message (after "validating <file>: " for schema errors), or accepts the file for `ok`.

    #[test]
    fn unknown_keys() {
        // compose: services.a additional properties 'foo' not allowed
        check(svc("foo: 1"), &["services.a additional properties 'foo' not allowed"]);
        // compose: " additional properties 'X-b' not allowed" (empty path; we drop the leading space)
        check("x-a: 1\nX-b: 2\n", &["additional properties 'X-b' not allowed"]);
        // compose: services.a.build additional properties 'foo' not allowed
        check(svc("build: {context: ., foo: 1}"), &["services.a.build additional properties 'foo' not allowed"]);
        // compose: services.a.ports.0 additional properties 'foo' not allowed
        check(svc("ports: [{target: 80, foo: 1}]"), &["services.a.ports.0 additional properties 'foo' not allowed"]);
        // compose: services.a.logging additional properties 'foo' not allowed
        check(svc("logging: {driver: x, foo: 1}"), &["services.a.logging additional properties 'foo' not allowed"]);
        // compose: networks.s.external additional properties 'foo' not allowed
        check(
            "networks:\n  s: {external: {foo: 1}}\n",
            &["networks.s.external additional properties 'foo' not allowed"],
        );
        // compose: secrets.s additional properties 'foo' not allowed
        check("secrets:\n  s: {file: a, foo: 1}\n", &["secrets.s additional properties 'foo' not allowed"]);
        // compose: services.a.deploy.placement.preferences.0 additional properties 'foo' not allowed
        check(
            svc("deploy: {placement: {preferences: [{spread: a, foo: 1}]}}"),
            &["services.a.deploy.placement.preferences.0 additional properties 'foo' not allowed"],
        );
        // compose lists several keys in one message; we report each key at its own span.
        check(
            svc("foo: 1\n    bar: 2"),
            &[
                "services.a additional properties 'foo' not allowed",
                "services.a additional properties 'bar' not allowed",
            ],
        );
    }

    #[test]
    fn extension_keys() {
        // compose: OK (x- allowed at the top level, in services, build, deploy, long ports and volumes)
        ok(
            "x-top: {any: [thing]}\nservices:\n  a:\n    image: x\n    x-svc: 1\n    build: {context: ., x-b: 1}\n    deploy: {x-d: 1}\n    ports: [{target: 80, x-p: 1}]\n",
        );
        // compose: OK (`x-` alone matches ^x-)
        ok(svc("x-: 1"));
        // compose: services.a.blkio_config additional properties 'x-a' not allowed
        check(svc("blkio_config: {x-a: 1}"), &["services.a.blkio_config additional properties 'x-a' not allowed"]);
        // compose: services.a.env_file.0 additional properties 'x-a' not allowed
        check(
            svc("env_file: [{path: e.env, x-a: 1}]"),
            &["services.a.env_file.0 additional properties 'x-a' not allowed"],
        );
        // compose: services.a additional properties 'X-foo' not allowed
        check(svc("X-foo: 1"), &["services.a additional properties 'X-foo' not allowed"]);
        // A service named x-foo is a service (the services mapping has no ^x- rule).
        // compose: services.x-foo additional properties 'a' not allowed
        check("services:\n  x-foo:\n    a: 1\n", &["services.x-foo additional properties 'a' not allowed"]);
    }

    #[test]
    fn scalar_types() {
        // compose: services.a.user must be a string
        check(svc("user: 1000"), &["services.a.user must be a string"]);
        // compose: services.a.user must be a string
        check(svc("user: ~"), &["services.a.user must be a string"]);
        // compose: services.a.cpus must be a number or string
        check(svc("cpus: true"), &["services.a.cpus must be a number or string"]);
        // compose: services.a.scale must be a integer or string
        check(svc("scale: 1.5"), &["services.a.scale must be a integer or string"]);
        // compose: OK (an integral float is an integer)
        ok(svc("scale: 1.0"));
        // compose: services.a.command must be a null (first alternative of null|string|list)
        check(svc("command: 1"), &["services.a.command must be a null"]);
        // compose: services.a.cap_add must be a array
        check(svc("cap_add: A"), &["services.a.cap_add must be a array"]);
        // compose: services.a.deploy must be a mapping or null
        check(svc("deploy: 1"), &["services.a.deploy must be a mapping or null"]);
        // compose: networks.n.external must be a boolean, mapping or string
        check("networks:\n  n:\n    external: 1\n", &["networks.n.external must be a boolean, mapping or string"]);
        // compose: services.a.logging.options.a must be a null, number or string
        check(svc("logging: {options: {a: [1]}}"), &["services.a.logging.options.a must be a null, number or string"]);
        // compose: version must be a string (unquoted 3.8 is a number)
        check("version: 3.8\nservices: {}\n", &["version must be a string"]);
        ok("version: \"3.8\"\nservices: {}\n");
    }

    #[test]
    fn near_misses_are_fine() {
        // compose: OK for each
        ok(svc("restart: no"));
        ok(svc("restart: sometimes"));
        ok(svc("ports: [8080]"));
        ok(svc("expose: [8080, \"9090/tcp\"]"));
        ok(svc("environment: {A: 1, B: true, C: ~}"));
        ok(svc("ports: [{target: 80, published: \"8080\"}, {target: 81, published: 8081}]"));
        ok(svc("ports: [{target: 80, protocol: foo, mode: bar}]"));
        ok(svc("cpus: 1.5"));
        ok(svc("cap_add: [A, A]"));
        ok(svc("environment: [A=1, A=2]"));
        ok(svc("deploy: ~"));
        ok(svc("command: ~"));
        ok(svc("healthcheck: {test: []}"));
        ok(svc("healthcheck: {test: \"echo hi\"}"));
        ok(svc("gpus: all"));
        ok(svc("gpus: [{foo: 1}]"));
        ok(svc("ulimits: {NOFILE: 1}"));
        ok(svc("attach: \"Off\""));
        ok("networks: {n: ~, \"n n\": {}}\nvolumes: {v: ~}\nsecrets:\n  s: {external: {foo: 1}}\n");
        ok("models: {\"m m\": {model: a}}\n");
    }

    #[test]
    fn dictionaries_and_lists() {
        // compose: services.a.labels.a must be a boolean, null, number or string
        check(svc("labels: {a: [1]}"), &["services.a.labels.a must be a boolean, null, number or string"]);
        // compose: services.a.environment must be a mapping
        check(svc("environment: ~"), &["services.a.environment must be a mapping"]);
        // compose: services.a.labels additional properties '' not allowed
        check(svc("labels: {\"\": 1}"), &["services.a.labels additional properties '' not allowed"]);
        // compose: services.a.extra_hosts.a.0 must be a string
        check(svc("extra_hosts: {a: [1]}"), &["services.a.extra_hosts.a.0 must be a string"]);
        // compose: services.a.ports must be a array
        check(svc("ports: ~"), &["services.a.ports must be a array"]);
        ok(svc("dns: 8.8.8.8"));
        ok(svc("tmpfs: /run"));
        ok(svc("sysctls: {net.core.somaxconn: 1024}"));
    }

    #[test]
    fn timestamps() {
        // compose: services.a.labels.a invalid jsonType time.Time
        check(svc("labels: {a: 2024-01-02}"), &["services.a.labels.a invalid jsonType time.Time"]);
        // compose: services.a.user invalid jsonType time.Time
        check(svc("user: 2024-01-01T10:00:00Z"), &["services.a.user invalid jsonType time.Time"]);
        // compose: services.a.command.0 invalid jsonType time.Time
        check(svc("command: [2024-01-01]"), &["services.a.command.0 invalid jsonType time.Time"]);
        // compose: name invalid jsonType time.Time
        check("name: 2024-01-01\n", &["name invalid jsonType time.Time"]);
        // compose: OK (extension values are not checked)
        ok(svc("x-foo: 2024-01-01"));
        ok(svc("labels: {a: \"2024-01-02\"}"));
    }

    #[test]
    fn depends_on() {
        // compose: services.a.depends_on.b.required must be a boolean
        check(
            svc("depends_on: {b: {condition: service_started, required: yes}}"),
            &["services.a.depends_on.b.required must be a boolean"],
        );
        // compose: services.a.depends_on.b missing property 'condition'
        check(svc("depends_on: {b: {required: true}}"), &["services.a.depends_on.b missing property 'condition'"]);
        // compose: services.a.depends_on.b.condition value must be one of 'service_started', ...
        check(
            svc("depends_on: {b: {condition: x}}"),
            &[
                "services.a.depends_on.b.condition value must be one of 'service_started', 'service_healthy', 'service_completed_successfully'",
            ],
        );
        // compose: services.a.depends_on.b must be a mapping
        check(svc("depends_on: {b: 1}"), &["services.a.depends_on.b must be a mapping"]);
        // compose: services.a.depends_on items at 0 and 1 are equal
        check(svc("depends_on: [b, b]"), &["services.a.depends_on items at 0 and 1 are equal"]);
        // compose: decoding failed due to the following error(s): 'services[a].depends_on[b].restart' invalid boolean: maybe
        check(
            svc("depends_on: {b: {condition: service_started, restart: maybe}}"),
            &[
                "decoding failed due to the following error(s): 'services[a].depends_on[b].restart' invalid boolean: maybe",
            ],
        );
        ok(
            "services:\n  a:\n    image: x\n    depends_on: {b: {condition: service_healthy, restart: true, required: false, x-a: 1}}\n  b:\n    image: x\n",
        );
    }

    #[test]
    fn enums() {
        // compose: services.a.cgroup value must be one of 'host', 'private'
        check(svc("cgroup: x"), &["services.a.cgroup value must be one of 'host', 'private'"]);
        // compose: services.a.gpus value must be 'all'
        check(svc("gpus: some"), &["services.a.gpus value must be 'all'"]);
        // compose: services.a.volumes.0.type value must be one of 'bind', 'volume', 'tmpfs', 'cluster', 'npipe', 'image'
        check(
            svc("volumes: [{type: x, target: /a}]"),
            &["services.a.volumes.0.type value must be one of 'bind', 'volume', 'tmpfs', 'cluster', 'npipe', 'image'"],
        );
        // compose: services.a.volumes.0.bind.selinux value must be one of 'z', 'Z'
        check(
            svc("volumes: [{type: bind, source: ./a, target: /x, bind: {selinux: q}}]"),
            &["services.a.volumes.0.bind.selinux value must be one of 'z', 'Z'"],
        );
        check(
            svc("deploy: {update_config: {order: x}}"),
            &["services.a.deploy.update_config.order value must be one of 'start-first', 'stop-first'"],
        );
    }

    #[test]
    fn patterns() {
        // compose: services.a.pull_policy 'x' does not match pattern '...'
        check(
            svc("pull_policy: x"),
            &[
                "services.a.pull_policy 'x' does not match pattern 'always|never|build|if_not_present|missing|refresh|daily|weekly|every_([0-9]+[wdhms])+'",
            ],
        );
        // compose: OK (the pattern is not anchored)
        ok(svc("pull_policy: alwaysx"));
        ok(svc("pull_policy: every_12h30m"));
        // compose: services.a.container_name 'a' does not match pattern '[a-zA-Z0-9][a-zA-Z0-9_.-]+'
        check(
            svc("container_name: a"),
            &["services.a.container_name 'a' does not match pattern '[a-zA-Z0-9][a-zA-Z0-9_.-]+'"],
        );
        ok(svc("container_name: \"a-\""));
    }

    #[test]
    fn one_of_reports_like_compose() {
        // The out-of-range integer is the second alternative: compose reports the first one's type.
        // compose: services.a.oom_score_adj must be a string
        check(svc("oom_score_adj: 2000"), &["services.a.oom_score_adj must be a string"]);
        // compose: services.a.cpu_percent must be a string
        check(svc("cpu_percent: -1"), &["services.a.cpu_percent must be a string"]);
        // compose: services.a.ulimits.nofile must be a integer or string
        check(svc("ulimits: {nofile: {soft: 1}}"), &["services.a.ulimits.nofile must be a integer or string"]);
        // Deeper errors win: compose: services.a.ulimits.nofile.soft must be a integer or string
        check(
            svc("ulimits: {nofile: {soft: true, hard: 2}}"),
            &["services.a.ulimits.nofile.soft must be a integer or string"],
        );
        // compose: services.a.extra_hosts must be a mapping (the repeat is in the second alternative)
        check(svc("extra_hosts: [a, a]"), &["services.a.extra_hosts must be a mapping"]);
        // compose: services.a.volumes.0 must be a string (long syntax without `type`)
        check(svc("volumes: [{target: /x}]"), &["services.a.volumes.0 must be a string"]);
        // compose: services.a.volumes.0.tmpfs.size must be greater than or equal to 0 (first alternative)
        check(
            svc("volumes: [{type: tmpfs, target: /x, tmpfs: {size: -1}}]"),
            &["services.a.volumes.0.tmpfs.size must be greater than or equal to 0"],
        );
        // compose: services.a.ports.0 must be a number
        check(svc("ports: [true]"), &["services.a.ports.0 must be a number"]);
    }

    #[test]
    fn list_deduplication_messages() {
        // compose: services.a.cap_add.[0]: unexpected type int
        check(svc("cap_add: [1]"), &["services.a.cap_add.[0]: unexpected type int"]);
        // compose: services.a.environment.[0]: unexpected type int
        check(svc("environment: [1]"), &["services.a.environment.[0]: unexpected type int"]);
        // compose: services.a.labels.[0]: unexpected type bool
        check(svc("labels: [true]"), &["services.a.labels.[0]: unexpected type bool"]);
        // compose: services.a.expose.[0]: unsupported expose value %!s(float64=1.5)
        check(svc("expose: [1.5]"), &["services.a.expose.[0]: unsupported expose value %!s(float64=1.5)"]);
        // compose: services.a.expose.[0]: unsupported expose value [%!s(int=1)]
        check(svc("expose: [[1]]"), &["services.a.expose.[0]: unsupported expose value [%!s(int=1)]"]);
        // compose: services.a.expose.[0]: unsupported expose value 2024-01-02 10:00:00.5 +0200 +0200
        check(
            svc("expose: [2024-01-02T10:00:00.50+02:00]"),
            &["services.a.expose.[0]: unsupported expose value 2024-01-02 10:00:00.5 +0200 +0200"],
        );
        // compose: services.a.secrets.[0]: unsupported expose value %!s(int=1)
        check(svc("secrets: [1]"), &["services.a.secrets.[0]: unsupported expose value %!s(int=1)"]);
        // compose: service volume services.a.volumes.[0] is missing a mount target
        check(
            svc("volumes: [{type: bind, source: /x}]"),
            &["service volume services.a.volumes.[0] is missing a mount target"],
        );
        // compose: service device services.a.devices.[0] is missing a mount target
        check(svc("devices: [{source: /dev/x}]"), &["service device services.a.devices.[0] is missing a mount target"]);
        // compose: service ports services.a.ports.[0] is missing a target port
        check(svc("ports: [{published: 80}]"), &["service ports services.a.ports.[0] is missing a target port"]);
        // compose: environment path attribute services.a.env_file.[0] is missing
        check(svc("env_file: [{required: true}]"), &["environment path attribute services.a.env_file.[0] is missing"]);
    }

    #[test]
    fn unique_items() {
        // compose: services.a.security_opt items at 1 and 2 are equal
        check(svc("security_opt: [a, b, b, a]"), &["services.a.security_opt items at 1 and 2 are equal"]);
        // compose: services.a.security_opt items at 0 and 3 are equal
        check(svc("security_opt: [a, b, c, a]"), &["services.a.security_opt items at 0 and 3 are equal"]);
        // compose: services.a.group_add items at 0 and 1 are equal
        check(svc("group_add: [a, a]"), &["services.a.group_add items at 0 and 1 are equal"]);
        // A repeat in the list form of list_or_dict (second alternative) is reported as the first one's type.
        // compose: volumes.v.labels must be a mapping
        check("volumes:\n  v:\n    labels: [a, a]\n", &["volumes.v.labels must be a mapping"]);
        // Long lists use a hash set; same answer.
        let mut items: Vec<String> = (0..100).map(|i| format!("o{i}")).collect();
        items.push("o42".to_owned());
        check(
            svc(&format!("security_opt: [{}]", items.join(", "))),
            &["services.a.security_opt items at 42 and 100 are equal"],
        );
    }

    #[test]
    fn short_ports() {
        // compose: invalid hostPort: 99999
        check(svc("ports: [\"99999:80\"]"), &["invalid hostPort: 99999"]);
        // compose: invalid containerPort: -1
        check(svc("ports: [-1]"), &["invalid containerPort: -1"]);
        // compose: invalid ranges specified for container and host Ports: 3-5 and 1-2
        check(svc("ports: [\"1-2:3-5\"]"), &["invalid ranges specified for container and host Ports: 3-5 and 1-2"]);
        // compose: services.a.ports: invalid type float64 for port
        check(svc("ports: [80.5]"), &["services.a.ports: invalid type float64 for port"]);
        // compose: service ports services.a.ports.[3] is missing a target port (index after range expansion)
        check(
            svc("ports: [\"80-81\", \"82:82\", \"0:0\"]"),
            &["service ports services.a.ports.[3] is missing a target port"],
        );
        // compose: service ports services.a.ports.[0] is missing a target port
        check(svc("ports: [0]"), &["service ports services.a.ports.[0] is missing a target port"]);
        // compose: OK
        ok(svc("ports: [\"8000-9000:80\", \"127.0.0.1:8001:8001\", \"[::1]:6001:6001\", \"6060:6060/udp\", \"0:80\"]"));
    }

    #[test]
    fn long_ports() {
        // compose: services.a.ports.[]: invalid ip address: x
        check(svc("ports: [{target: 80, host_ip: x}]"), &["services.a.ports.[]: invalid ip address: x"]);
        // compose: services.a.ports.0.published must be a integer or string
        check(
            svc("ports: [{target: 80, published: true}]"),
            &["services.a.ports.0.published must be a integer or string"],
        );
        ok(svc("ports: [{target: 80, host_ip: \"::1\", published: \"8080-8081\", app_protocol: http, name: web}]"));
    }

    #[test]
    fn short_volumes() {
        // compose: invalid spec: /a:/b:ro:x: too many colons
        check(svc("volumes: [\"/a:/b:ro:x\"]"), &["invalid spec: /a:/b:ro:x: too many colons"]);
        // compose: invalid spec: :/p: empty section between colons
        check(svc("volumes: [\":/p\"]"), &["invalid spec: :/p: empty section between colons"]);
        // compose: service "a" refers to undefined volume backrest/data: invalid compose project
        check(
            svc("volumes: [\"backrest/data:/data\"]"),
            &["service \"a\" refers to undefined volume backrest/data: invalid compose project"],
        );
        // compose: service "a" refers to undefined volume a/b: invalid compose project
        check(
            svc("volumes: [{type: volume, source: \"a/b\", target: /x}]"),
            &["service \"a\" refers to undefined volume a/b: invalid compose project"],
        );
        // compose (`$${abc:/p` in the file): service volume services.a.volumes.[0] is missing a mount target
        check(svc("volumes: [\"${abc:/p\"]"), &["service volume services.a.volumes.[0] is missing a mount target"]);
        // compose: OK
        ok(svc("volumes: [\"./d:/p\", \"/abs:/p2:ro\", \"~/x:/p3\", \"C:\\\\x:/p4\", \"a:/b\"]"));
        ok(svc("volumes: [{type: bind, source: \"a/b\", target: /x}]"));
    }

    #[test]
    fn healthcheck() {
        // compose: healthcheck.test must start either by "CMD", "CMD-SHELL" or "NONE"
        check(
            svc("healthcheck: {test: [echo, hi]}"),
            &["healthcheck.test must start either by \"CMD\", \"CMD-SHELL\" or \"NONE\""],
        );
        check(
            svc("healthcheck: {test: [\"\"]}"),
            &["healthcheck.test must start either by \"CMD\", \"CMD-SHELL\" or \"NONE\""],
        );
        // compose: services.a.healthcheck.interval must be a string
        check(svc("healthcheck: {interval: 10}"), &["services.a.healthcheck.interval must be a string"]);
        // compose: services.a.healthcheck must be a mapping
        check(svc("healthcheck: ~"), &["services.a.healthcheck must be a mapping"]);
        ok(svc(
            "healthcheck: {test: [CMD-SHELL, \"exit 0\"], interval: 10s, retries: 3, start_period: 5s, disable: false}",
        ));
        let errs = errors(&svc("healthcheck: {test: [echo, hi]}"));
        assert_eq!(errs.first().map(|e| e.path.as_str()), Some("services.a.healthcheck.test"));
    }

    #[test]
    fn durations() {
        let d = |v: &str, msg: &str| {
            check(
                svc(&format!("healthcheck: {{interval: \"{v}\"}}")),
                &[&format!("decoding failed due to the following error(s): 'services[a].healthcheck.interval' {msg}")],
            )
        };
        // compose: ... time: unknown unit "x" in duration "10x"
        d("10x", "time: unknown unit \"x\" in duration \"10x\"");
        // compose: ... time: missing unit in duration "10"
        d("10", "time: missing unit in duration \"10\"");
        // compose: ... time: invalid duration ""
        d("", "time: invalid duration \"\"");
        // compose: ... time: invalid duration ".s"
        d(".s", "time: invalid duration \".s\"");
        // compose: ... time: missing unit in duration "1..s"
        d("1..s", "time: missing unit in duration \"1..s\"");
        // compose: ... time: invalid duration "99999999999h"
        d("99999999999h", "time: invalid duration \"99999999999h\"");
        // compose: ... time: unknown unit " s" in duration "1 s"
        d("1 s", "time: unknown unit \" s\" in duration \"1 s\"");
        // compose: OK
        ok(svc("healthcheck: {interval: 1h2m3.5s, timeout: \"-1s\", start_period: \"+1d\", start_interval: 1w}"));
        ok(svc("healthcheck: {interval: \"1µs1μs\", timeout: \"1.s\", start_period: \"0\"}"));
        // compose: decoding failed due to the following error(s): 'services[a].deploy.rollback_config.monitor' time: unknown unit "x" in duration "5x"
        check(
            svc("deploy: {rollback_config: {monitor: 5x}}"),
            &[
                "decoding failed due to the following error(s): 'services[a].deploy.rollback_config.monitor' time: unknown unit \"x\" in duration \"5x\"",
            ],
        );
        assert_eq!(parse_duration("1m30s"), Ok(90_000_000_000));
        assert_eq!(parse_duration("-1.5h"), Ok(-5_400_000_000_000));
        // Go keeps 18 fraction digits, then rounds through float64.
        assert_eq!(parse_duration("1.99999999999999999999999999s"), Ok(2_000_000_000));
    }

    #[test]
    fn decoded_booleans() {
        // compose: decoding failed due to the following error(s): 'services[a].attach' invalid boolean: maybe
        check(
            svc("attach: maybe"),
            &["decoding failed due to the following error(s): 'services[a].attach' invalid boolean: maybe"],
        );
        // compose: ... 'services[a].volumes[0].bind.create_host_path' invalid boolean: maybe
        check(
            svc("volumes: [{type: bind, source: ./a, target: /x, bind: {create_host_path: maybe}}]"),
            &[
                "decoding failed due to the following error(s): 'services[a].volumes[0].bind.create_host_path' invalid boolean: maybe",
            ],
        );
        // compose: ... 'services[a].build.no_cache' invalid boolean: maybe
        check(
            svc("build: {context: ., no_cache: maybe}"),
            &["decoding failed due to the following error(s): 'services[a].build.no_cache' invalid boolean: maybe"],
        );
        ok(svc("attach: \"yes\""));
    }

    #[test]
    fn decoded_values() {
        let dec = |path: &str, what: &str| format!("decoding failed due to the following error(s): '{path}' {what}");
        // compose: ... 'services[a].mem_reservation' invalid size: 'z'
        check(svc("mem_reservation: z"), &[&dec("services[a].mem_reservation", "invalid size: 'z'")]);
        // compose: ... 'services[a].mem_limit' invalid suffix: 'gig'
        check(svc("mem_limit: 1gig"), &[&dec("services[a].mem_limit", "invalid suffix: 'gig'")]);
        // compose: ... 'services[a].mem_reservation' strconv.ParseFloat: parsing "80:80": invalid syntax
        check(
            svc("mem_reservation: \"80:80\""),
            &[&dec("services[a].mem_reservation", "strconv.ParseFloat: parsing \"80:80\": invalid syntax")],
        );
        // compose: ... 'services[a].blkio_config.device_write_iops[0].Rate' invalid suffix: 'zz'
        check(
            svc("blkio_config: {device_write_iops: [{path: /dev/sda, rate: \"1zz\"}]}"),
            &[&dec("services[a].blkio_config.device_write_iops[0].Rate", "invalid suffix: 'zz'")],
        );
        // compose: ... 'services[a].deploy.resources.limits.cpus' strconv.ParseFloat: parsing "x": invalid syntax
        check(
            svc("deploy: {resources: {limits: {cpus: \"x\"}}}"),
            &[&dec("services[a].deploy.resources.limits.cpus", "strconv.ParseFloat: parsing \"x\": invalid syntax")],
        );
        // compose: ... 'services[a].gpus[0].count' invalid value "two", the only value allowed is 'all' or a number
        check(
            svc("gpus: [{count: two}]"),
            &[&dec("services[a].gpus[0].count", "invalid value \"two\", the only value allowed is 'all' or a number")],
        );
        // compose: ... 'services[a].storage_opt[a]' expected type 'string', got unconvertible type 'float64'
        check(
            svc("storage_opt: {a: 1.5}"),
            &[&dec("services[a].storage_opt[a]", "expected type 'string', got unconvertible type 'float64'")],
        );
        // compose: ... 'services[a].volumes[0].tmpfs.mode' expected type 'uint32', got unconvertible type 'string'
        check(
            svc("volumes: [{type: tmpfs, target: /x, tmpfs: {size: \"1g\", mode: \"1777\"}}]"),
            &[&dec("services[a].volumes[0].tmpfs.mode", "expected type 'uint32', got unconvertible type 'string'")],
        );
        // compose: ... 'services[a].extra_hosts' invalid additional host, missing IP: no
        check(svc("extra_hosts: [no]"), &[&dec("services[a].extra_hosts", "invalid additional host, missing IP: no")]);
        // compose: ... 'services[a].extra_hosts' bad host name 'a:b'
        check(svc("extra_hosts: [\"a:b=1.2.3.4\"]"), &[&dec("services[a].extra_hosts", "bad host name 'a:b'")]);
        // compose: services.a.build.ulimits.nofile: invalid type string for external
        check(
            "services:\n  a:\n    build: {context: ., ulimits: {nofile: \"1024\"}}\n",
            &["services.a.build.ulimits.nofile: invalid type string for external"],
        );
        // compose: OK
        ok(svc("mem_limit: 512mb"));
        ok(svc("mem_limit: \"512 MB\""));
        ok(svc("mem_limit: 1.5GiB"));
        ok(svc("mem_limit: \"1_000\""));
        ok(svc("deploy: {resources: {limits: {cpus: \"0.5\", memory: 50M}, reservations: {cpus: \"inf\"}}}"));
        ok(svc("gpus: [{count: ALL}, {count: \"2\"}]"));
        ok(svc("storage_opt: {size: 1G, a: 1}"));
        ok(svc("extra_hosts: [\"a=::1\", \"b:1.2.3.4\"]"));
        assert_eq!(parse_size("1.5k"), Ok(1536));
        assert_eq!(parse_size("-1g"), Err("invalid size: '-1g'".to_owned()));
    }

    #[test]
    fn secrets_and_configs() {
        // compose: secrets.s: one of file|environment must be set
        check("secrets:\n  s: {}\n", &["secrets.s: one of file|environment must be set"]);
        // compose: secrets.s: file|environment attributes are mutually exclusive
        check(
            "secrets:\n  s: {file: a, environment: b}\n",
            &["secrets.s: file|environment attributes are mutually exclusive"],
        );
        // compose: secret "s" must declare either `file` or `environment`: invalid compose project
        check(
            "secrets:\n  s: {driver: x}\n",
            &["secret \"s\" must declare either `file` or `environment`: invalid compose project"],
        );
        // compose: configs.c: file|environment|content attributes are mutually exclusive
        check(
            "configs:\n  c: {content: a, file: b}\n",
            &["configs.c: file|environment|content attributes are mutually exclusive"],
        );
        // compose: secrets.s must be a mapping
        check("secrets: {s: ~}\n", &["secrets.s must be a mapping"]);
        // compose: OK
        ok("secrets:\n  s: {external: true}\nconfigs:\n  c: {external: false}\n  d: {content: \"x\", x-y: 1}\n");
    }

    #[test]
    fn external_resources() {
        // compose: volumes.v: conflicting parameters "external" and "driver" specified
        check(
            "volumes:\n  v:\n    external: true\n    driver: x\n",
            &["volumes.v: conflicting parameters \"external\" and \"driver\" specified"],
        );
        // compose: volumes.v: name and external.name conflict; only use name
        check(
            "volumes:\n  v:\n    name: x\n    external: {name: y}\n",
            &["volumes.v: name and external.name conflict; only use name"],
        );
        ok(
            "volumes:\n  v:\n    name: x\n    external: {name: x}\nnetworks:\n  n:\n    external: true\n    driver: x\n",
        );
    }

    #[test]
    fn names() {
        // compose: services additional properties 'a b' not allowed
        check("services:\n  \"a b\":\n    image: x\n", &["services additional properties 'a b' not allowed"]);
        // compose: volumes additional properties 'v v' not allowed
        check("volumes: {\"v v\": {}}\n", &["volumes additional properties 'v v' not allowed"]);
        // compose: services.a must be a mapping
        check("services:\n  a: 1\n", &["services.a must be a mapping"]);
        // compose: services must be a mapping
        check("services: []\n", &["services must be a mapping"]);
        // compose-go: top-level object must be a mapping (the docker CLI fails first on its own project-name
        // parse: "cannot unmarshal !!seq into cli.named")
        check("- a\n", &["top-level object must be a mapping"]);
        // compose: top-level object must be a mapping (an empty document)
        check("---\n---\nservices: {}\n", &["top-level object must be a mapping"]);
    }

    #[test]
    fn include_and_extends() {
        // compose: OK (unknown keys of include entries and extends are ignored)
        ok("include: [{path: inc.yaml, foo: 1}]\n");
        ok("services:\n  a:\n    image: x\n    extends: {service: b, foo: 1}\n  b:\n    image: y\n");
        // compose: `include` must be a list, got inc.yaml
        check("include: inc.yaml\n", &["`include` must be a list, got inc.yaml"]);
        // compose: decoding failed due to the following error(s): '[0].path' invalid type int for string list
        check(
            "include: [{path: 1}]\n",
            &["decoding failed due to the following error(s): '[0].path' invalid type int for string list"],
        );
        // compose: decoding failed due to the following error(s): '[0]' expected a map or struct, got "int"
        check(
            "include: [1]\n",
            &["decoding failed due to the following error(s): '[0]' expected a map or struct, got \"int\""],
        );
        // compose: extends.a.service is required
        check(svc("extends: {file: x}"), &["extends.a.service is required"]);
    }

    #[test]
    fn transforms() {
        // compose: confusing device mapping, please use long syntax: a:b:c:d
        check(svc("devices: [\"a:b:c:d\"]"), &["confusing device mapping, please use long syntax: a:b:c:d"]);
        // compose: services.a.build.additional_contexts: invalid value c, expected key=value
        check(
            "services:\n  a:\n    build: {context: ., additional_contexts: [a=b, c]}\n",
            &["services.a.build.additional_contexts: invalid value c, expected key=value"],
        );
        // compose: invalid ssh key "c"
        check("services:\n  a:\n    build: {context: ., ssh: [default, \"a=b\", c]}\n", &["invalid ssh key \"c\""]);
        // compose: services.a.ulimits.NOFILE: invalid type bool for external
        check(svc("ulimits: {NOFILE: true}"), &["services.a.ulimits.NOFILE: invalid type bool for external"]);
        // compose: services.a.ulimits.nofile: invalid type float64 for external
        check(svc("ulimits: {nofile: 1024.0}"), &["services.a.ulimits.nofile: invalid type float64 for external"]);
    }

    #[test]
    fn develop_and_devices() {
        // compose: services.a.develop.watch.[].path: value can't be blank
        check(
            svc("develop: {watch: [{path: \"\", action: rebuild}]}"),
            &["services.a.develop.watch.[].path: value can't be blank"],
        );
        // compose: services.a.develop.watch: target is required for non-rebuild actions: invalid compose project
        check(
            svc("develop: {watch: [{path: ., action: sync}]}"),
            &["services.a.develop.watch: target is required for non-rebuild actions: invalid compose project"],
        );
        // compose: services.a.develop.watch.0 missing properties 'path', 'action'
        check(
            svc("develop: {watch: [{target: /x}]}"),
            &["services.a.develop.watch.0 missing properties 'path', 'action'"],
        );
        // compose: services.a.gpus.[]: "count" and "device_ids" attributes are exclusive
        check(
            svc("gpus: [{count: 1, device_ids: [\"0\"]}]"),
            &["services.a.gpus.[]: \"count\" and \"device_ids\" attributes are exclusive"],
        );
        ok(svc("develop: {watch: [{path: ., action: restart}]}"));
    }

    #[test]
    fn reset_and_override_tags() {
        // compose: OK (a !reset value is removed before validation)
        ok(svc("foo: !reset 1"));
        ok(svc("ports: !reset [1.5]"));
        // compose: OK (a tagged scalar is a string)
        ok(svc("user: !override 1"));
        // compose: services.a.labels.a must be a boolean, null, number or string
        check(svc("labels: !override {a: [1]}"), &["services.a.labels.a must be a boolean, null, number or string"]);
        let docs = parse(FileId(0), "services: !reset {a: 1}\n", &Limits::default()).expect("yaml");
        let mut out = Vec::new();
        for d in &docs {
            check_document(d, &mut out);
        }
        assert!(out.is_empty());
    }

    #[test]
    fn unknown_interpolation_is_only_type_checked() {
        let mut docs = parse(
            FileId(0),
            "services:\n  a:\n    image: x\n    ports: [\"${P}:80\"]\n    user: [\"${U}\"]\n",
            &Limits::default(),
        )
        .expect("yaml");
        // What the interpolation step leaves for an unknown variable.
        fn mark(n: &mut Node) {
            match &mut n.kind {
                Kind::Scalar(s) if s.text.contains('$') => {
                    s.interp = Some(Box::new(InterpInfo { template: s.text.clone(), known: false, uses: Vec::new() }))
                }
                Kind::Scalar(_) => {}
                Kind::Seq(items) => items.iter_mut().for_each(mark),
                Kind::Map(entries) => entries.iter_mut().for_each(|e| mark(&mut e.value)),
            }
        }
        let mut out = Vec::new();
        for d in &mut docs {
            mark(d);
            check_document(d, &mut out);
        }
        let msgs: Vec<&str> = out.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(msgs, ["services.a.user must be a string"]);
    }

    #[test]
    fn every_error_in_document_order_with_spans() {
        let text = "services:\n  a:\n    foo: 1\n    user: 1\n    ports: [\"x:80\"]\n  b:\n    cap_add: [1]\nbar: 2\n";
        let errs = errors(text);
        let got: Vec<(&str, &str, &str)> = errs
            .iter()
            .map(|e| (text.get(e.span.range()).unwrap_or(""), e.path.as_str(), e.message.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("foo", "services.a", "services.a additional properties 'foo' not allowed"),
                ("1", "services.a.user", "services.a.user must be a string"),
                ("\"x:80\"", "services.a.ports.0", "invalid hostPort: x"),
                ("1", "services.b.cap_add.[0]", "services.b.cap_add.[0]: unexpected type int"),
                ("bar", "", "additional properties 'bar' not allowed"),
            ]
        );
    }

    #[test]
    fn models_provider_and_networks() {
        // compose: models.m additional properties 'foo' not allowed
        check(
            "models: {m: {foo: 1}}\n",
            &["models.m missing property 'model'", "models.m additional properties 'foo' not allowed"],
        );
        check(svc("provider: {options: {a: 1}}"), &["services.a.provider missing property 'type'"]);
        // compose: services.a.networks.n.aliases.[1]: unexpected type int
        check(
            "services:\n  a:\n    image: x\n    networks: {n: {aliases: [a, 1]}}\nnetworks:\n  n: {}\n",
            &["services.a.networks.n.aliases.[1]: unexpected type int"],
        );
        ok(
            "services:\n  a:\n    image: x\n    networks: {n: ~, m: {ipv4_address: 1.2.3.4, priority: 1}}\nnetworks:\n  n: {}\n  m: {}\n",
        );
    }

    #[test]
    fn large_documents_are_linear() {
        let mut text = String::from("services:\n");
        for i in 0..5000 {
            text.push_str(&format!(
                "  s{i}:\n    image: x\n    ports: [\"0-65535\"]\n    environment: {{A: 1}}\n    foo: 1\n"
            ));
        }
        let started = std::time::Instant::now();
        let errs = errors(&text);
        assert_eq!(errs.len(), 10_000);
        assert!(started.elapsed().as_secs() < 10);
    }
}
