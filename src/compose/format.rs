//! Compose's short syntaxes for service `ports` and `volumes`, parsed the way Docker Compose v2.40.3
//! (compose-go v2.9.1 with docker/go-connections' `nat`) parses them, with the same error messages.
//!
//! Ports: `[[IP:]HOST:]CONTAINER[/PROTO]` where HOST and CONTAINER may be ranges (`8000-8001`). Compose
//! expands a container range into one mapping per container port and orders the mappings of one entry
//! by the decimal text of the container port (`10` before `9`), as `config --format json` shows.
//!
//! Volumes: `[SOURCE:]TARGET[:OPTIONS]`. A source that starts with `.`, `/`, `~`, `\\` or a drive letter
//! (`C:`) is a bind mount; anything else is a named volume, whatever it contains (`backrest/data` is a
//! volume *name*, which no file can declare: compose then fails with "refers to undefined volume").

use std::cmp::Ordering;
use std::net::IpAddr;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortMapping {
    /// None = all interfaces (daemon default).
    pub host_ip: Option<String>,
    /// Host side: None = ephemeral; Some((a, b)) = a single port (a == b) or a host range a..=b.
    pub published: Option<(u16, u16)>,
    /// One container port per mapping. `0` parses, but compose then reports the entry as
    /// "missing a target port".
    pub target: u16,
    /// Lower-cased; `tcp` by default (`tcp`, `udp` or `sctp`).
    pub protocol: String,
}

/// Parses a short-syntax port (`"3000"`, `"8000:8000"`, `"127.0.0.1:8001:8001"`, `"[::1]:6001:6001"`,
/// `"::1:6000:6000"`, `"9090-9091:8080-8081"`, `"8000-9000:80"`, `"6060:6060/udp"`, `"127.0.0.1::80"`) into
/// the mappings compose makes of it (ranges expanded exactly as `config --format json` shows them), or
/// compose's error message.
pub fn parse_port(s: &str) -> Result<Vec<PortMapping>, String> {
    let spec = parse_port_spec(s)?;
    let (start, end) = spec.container;
    let host_ip = if spec.host_ip.is_empty() { None } else { Some(spec.host_ip.to_owned()) };
    let single = start == end;
    let mut out: Vec<PortMapping> = (start..=end)
        .map(|target| {
            let published = spec.host.map(|(hs, he)| {
                if single && hs != he {
                    (hs, he)
                } else {
                    let p = hs.saturating_add(target - start);
                    (p, p)
                }
            });
            PortMapping { host_ip: host_ip.clone(), published, target, protocol: spec.protocol.to_owned() }
        })
        .collect();
    out.sort_by(|a, b| cmp_decimal(a.target, b.target));
    Ok(out)
}

/// How many mappings a short-syntax port makes, and the position (in compose's order) of the one whose
/// container port is 0, if any; without building them (`0-65535` makes 65536).
pub(crate) fn port_count(s: &str) -> Result<(usize, Option<usize>), String> {
    let spec = parse_port_spec(s)?;
    let (start, end) = spec.container;
    // "0" sorts first among decimal texts.
    Ok((usize::from(end - start) + 1, (start == 0).then_some(0)))
}

/// One short-syntax port before range expansion.
struct PortSpec<'a> {
    host_ip: &'a str,
    host: Option<(u16, u16)>,
    container: (u16, u16),
    protocol: &'static str,
}

fn parse_port_spec(s: &str) -> Result<PortSpec<'_>, String> {
    let (ip, host, container) = split_port_parts(s);
    // The protocol is cut at the first `/` of the container part; an empty container part gives an
    // empty protocol, so `"80:"` fails on the protocol first.
    let (container, proto) = match container.split_once('/') {
        Some((port, proto)) => (port, proto),
        None => (container, ""),
    };
    let protocol: &'static str = if container.is_empty() {
        return Err("invalid proto: ".to_owned());
    } else if proto.is_empty() {
        "tcp"
    } else {
        // compose lower-cases the protocol (only ASCII letters can lower-case into these).
        match ["tcp", "udp", "sctp"].into_iter().find(|p| p.eq_ignore_ascii_case(proto)) {
            Some(p) => p,
            None => return Err(format!("invalid proto: {}", proto.to_lowercase())),
        }
    };
    let ip = if ip.starts_with('[') {
        strip_brackets(ip).map_err(|why| format!("invalid IP address {ip}: address {ip}:: {why}"))?
    } else {
        ip
    };
    if !ip.is_empty() && ip.parse::<IpAddr>().is_err() {
        return Err(format!("invalid IP address: {ip}"));
    }
    let (start, end) = parse_port_range(container).ok_or_else(|| format!("invalid containerPort: {container}"))?;
    let mut host_range = None;
    if !host.is_empty() {
        let (hs, he) = parse_port_range(host).ok_or_else(|| format!("invalid hostPort: {host}"))?;
        // A host range is allowed with a single container port (the daemon picks a port in it);
        // with a container range, both ranges must have the same size.
        if end - start != he - hs && end != start {
            return Err(format!("invalid ranges specified for container and host Ports: {container} and {host}"));
        }
        host_range = Some((hs, he));
    }
    Ok(PortSpec { host_ip: ip, host: host_range, container: (start, end), protocol })
}

/// `ip:host:container`, where the IP part takes every colon but the last two (`::1:80:80`).
fn split_port_parts(s: &str) -> (&str, &str, &str) {
    match s.rsplit_once(':') {
        None => ("", "", s),
        Some((rest, container)) => match rest.rsplit_once(':') {
            None => ("", rest, container),
            Some((ip, host)) => (ip, host, container),
        },
    }
}

/// Strips `[...]` from an IPv6 host the way Go's `net.SplitHostPort(ip + ":")` does.
fn strip_brackets(ip: &str) -> Result<&str, &'static str> {
    // `ip` starts with `[`; the port separator is the `:` appended after it.
    let Some(end) = ip.find(']') else {
        return Err("missing ']' in address");
    };
    if end + 1 != ip.len() {
        return Err(if ip.as_bytes().get(end + 1) == Some(&b':') {
            "too many colons in address"
        } else {
            "missing port in address"
        });
    }
    let host = ip.get(1..end).unwrap_or("");
    if host.contains('[') {
        return Err("unexpected '[' in address");
    }
    Ok(host)
}

/// `8000` or `8000-8010` (only the first two `-`-separated fields count, as in compose).
fn parse_port_range(s: &str) -> Option<(u16, u16)> {
    if !s.contains('-') {
        let p = parse_u16(s)?;
        return Some((p, p));
    }
    let mut parts = s.split('-');
    let start = parse_u16(parts.next().unwrap_or(""))?;
    let end = parse_u16(parts.next().unwrap_or(""))?;
    if end < start {
        return None;
    }
    Some((start, end))
}

/// Go's `strconv.ParseUint(s, 10, 16)`: ASCII digits only (leading zeros allowed), at most 65535.
fn parse_u16(s: &str) -> Option<u16> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut v: u32 = 0;
    for b in s.bytes() {
        v = v.checked_mul(10)?.checked_add(u32::from(b - b'0'))?;
        if v > u32::from(u16::MAX) {
            return None;
        }
    }
    u16::try_from(v).ok()
}

/// Orders two numbers by their decimal text (`"10" < "9"`), without allocating.
fn cmp_decimal(a: u16, b: u16) -> Ordering {
    fn digits(mut v: u16, buf: &mut [u8; 5]) -> &[u8] {
        let mut i = buf.len();
        loop {
            i -= 1;
            if let Some(slot) = buf.get_mut(i) {
                *slot = b'0' + (v % 10) as u8;
            }
            v /= 10;
            if v == 0 || i == 0 {
                break;
            }
        }
        buf.get(i..).unwrap_or(&[])
    }
    let (mut ba, mut bb) = ([0u8; 5], [0u8; 5]);
    digits(a, &mut ba).cmp(digits(b, &mut bb))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VolumeType {
    Bind,
    Volume,
    Tmpfs,
    Npipe,
    Cluster,
    Image,
}

impl VolumeType {
    /// The long-syntax `type` value.
    pub fn as_str(self) -> &'static str {
        match self {
            VolumeType::Bind => "bind",
            VolumeType::Volume => "volume",
            VolumeType::Tmpfs => "tmpfs",
            VolumeType::Npipe => "npipe",
            VolumeType::Cluster => "cluster",
            VolumeType::Image => "image",
        }
    }

    /// Parses a long-syntax `type` value.
    pub fn from_name(name: &str) -> Option<VolumeType> {
        Some(match name {
            "bind" => VolumeType::Bind,
            "volume" => VolumeType::Volume,
            "tmpfs" => VolumeType::Tmpfs,
            "npipe" => VolumeType::Npipe,
            "cluster" => VolumeType::Cluster,
            "image" => VolumeType::Image,
            _ => return None,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VolumeSpec {
    /// `Bind` or `Volume` from the short syntax.
    pub kind: VolumeType,
    /// None for anonymous volumes. As written (relative bind paths are not resolved).
    pub source: Option<String>,
    /// Lexically cleaned as compose does (`/c/../d/` ⇒ `/d`).
    pub target: String,
    pub read_only: bool,
    /// The options after the second colon, as written (`ro`, `rw,z`, `cached`...).
    pub options: Option<String>,
}

/// Parses a short-syntax service volume (`name:/path`, `./d:/p`, `/abs:/p:ro`, `~/x:/p`, `/p` (anonymous),
/// Windows-style paths as compose handles them) exactly as compose classifies it (bind vs named volume),
/// or its error.
///
/// Quirks kept from compose: a one- or two-byte spec is an anonymous volume (`"a:"`); a single letter
/// followed by `:` is a drive letter, so `a:/b` is an anonymous volume whose target is `a:/b`; colons
/// inside `${...}` do not split; unknown options are ignored.
pub fn parse_volume(s: &str) -> Result<VolumeSpec, String> {
    let v = parse_volume_ref(s)?;
    Ok(VolumeSpec {
        kind: v.kind.into(),
        source: v.source.map(str::to_owned),
        // compose cleans the target, except an empty one.
        target: if v.target.is_empty() { String::new() } else { clean_path(v.target) },
        read_only: v.read_only,
        options: v.options.map(str::to_owned),
    })
}

/// A short-syntax volume, borrowed from the spec (target not cleaned).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct VolumeRef<'a> {
    pub kind: VolumeKindShort,
    pub source: Option<&'a str>,
    pub target: &'a str,
    pub read_only: bool,
    pub options: Option<&'a str>,
}

/// What the short syntax can produce.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum VolumeKindShort {
    #[default]
    Volume,
    Bind,
}

/// [`parse_volume`] without allocating (except for the error).
pub(crate) fn parse_volume_ref(s: &str) -> Result<VolumeRef<'_>, String> {
    match s.len() {
        0 => return Err("invalid empty volume spec".to_owned()),
        // One- or two-byte specs are anonymous volumes, whatever they hold.
        1 | 2 => return Ok(VolumeRef { target: s, ..VolumeRef::default() }),
        _ => {}
    }
    let mut v = VolumeRef::default();
    let mut target_set = false;
    let bytes = s.as_bytes();
    let mut start = 0usize;
    let mut in_var = 0usize;
    // A NUL character ends a field like the end of the spec does (compose appends one as a sentinel).
    for (i, c) in s.char_indices().chain(std::iter::once((s.len(), '\0'))) {
        if c == '$' && bytes.get(i + 1) == Some(&b'{') {
            in_var += 1;
            continue;
        }
        if c == '}' && in_var > 0 {
            in_var -= 1;
            continue;
        }
        let buffer = s.get(start..i).unwrap_or("");
        // A single letter before a colon is a drive letter (`C:\x`), not a separator.
        let drive = c == ':' && {
            let mut it = buffer.chars();
            matches!((it.next(), it.next()), (Some(l), None) if l.is_alphabetic())
        };
        if drive || !(c == ':' || c == '\0') || in_var > 0 {
            continue;
        }
        let at_end = c == '\0';
        if buffer.is_empty() {
            return Err(format!("invalid spec: {s}: empty section between colons"));
        }
        if v.source.is_none() && at_end {
            // A lone path is an anonymous volume.
            v.target = buffer;
            target_set = true;
        } else if v.source.is_none() {
            v.source = Some(buffer);
        } else if !target_set {
            v.target = buffer;
            target_set = true;
        } else if !at_end {
            return Err(format!("invalid spec: {s}: too many colons"));
        } else {
            for option in buffer.split(',') {
                match option {
                    "ro" => v.read_only = true,
                    "rw" => v.read_only = false,
                    _ => {}
                }
            }
            v.options = Some(buffer);
        }
        start = i + c.len_utf8();
    }
    if v.source.is_some_and(is_file_path) {
        v.kind = VolumeKindShort::Bind;
    }
    Ok(v)
}

impl From<VolumeKindShort> for VolumeType {
    fn from(k: VolumeKindShort) -> VolumeType {
        match k {
            VolumeKindShort::Volume => VolumeType::Volume,
            VolumeKindShort::Bind => VolumeType::Bind,
        }
    }
}

/// Whether compose takes a short-syntax source for a host path rather than a volume name.
fn is_file_path(source: &str) -> bool {
    if source.starts_with(['.', '/', '~']) || source.starts_with("\\\\") {
        return true;
    }
    let mut chars = source.chars();
    match chars.next() {
        Some(first) => first.is_alphabetic() && chars.as_str().as_bytes().first() == Some(&b':'),
        None => false,
    }
}

/// Go's `path.Clean`: lexical clean-up of a slash-separated path (`""` ⇒ `"."`).
pub fn clean_path(p: &str) -> String {
    if p.is_empty() {
        return ".".to_owned();
    }
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|last| *last != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_owned(),
        (false, false) => joined,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pm(ip: Option<&str>, published: Option<(u16, u16)>, target: u16, proto: &str) -> PortMapping {
        PortMapping { host_ip: ip.map(str::to_owned), published, target, protocol: proto.to_owned() }
    }

    fn ok(s: &str) -> Vec<PortMapping> {
        match parse_port(s) {
            Ok(v) => v,
            Err(e) => panic!("{s}: {e}"),
        }
    }

    fn err(s: &str) -> String {
        match parse_port(s) {
            Ok(v) => panic!("{s}: parsed as {v:?}"),
            Err(e) => e,
        }
    }

    // Every expectation below was checked against `docker compose config --format json` (v2.40.3).

    #[test]
    fn ports_basic_forms() {
        assert_eq!(ok("3000"), vec![pm(None, None, 3000, "tcp")]);
        assert_eq!(ok("8000:8000"), vec![pm(None, Some((8000, 8000)), 8000, "tcp")]);
        assert_eq!(ok("127.0.0.1:8001:8001"), vec![pm(Some("127.0.0.1"), Some((8001, 8001)), 8001, "tcp")]);
        assert_eq!(ok("127.0.0.1::80"), vec![pm(Some("127.0.0.1"), None, 80, "tcp")]);
        assert_eq!(ok("6060:6060/udp"), vec![pm(None, Some((6060, 6060)), 6060, "udp")]);
        assert_eq!(ok("80/UDP"), vec![pm(None, None, 80, "udp")]);
        assert_eq!(ok("80/sctp"), vec![pm(None, None, 80, "sctp")]);
        assert_eq!(ok("080"), vec![pm(None, None, 80, "tcp")]);
        assert_eq!(ok("65535"), vec![pm(None, None, 65535, "tcp")]);
        assert_eq!(ok(":80"), vec![pm(None, None, 80, "tcp")]);
        assert_eq!(ok("::80"), vec![pm(None, None, 80, "tcp")]);
    }

    #[test]
    fn ports_ipv6() {
        assert_eq!(ok("[::1]:6001:6001"), vec![pm(Some("::1"), Some((6001, 6001)), 6001, "tcp")]);
        assert_eq!(ok("::1:6000:6000"), vec![pm(Some("::1"), Some((6000, 6000)), 6000, "tcp")]);
        assert_eq!(ok("::ffff:1.2.3.4:80:80"), vec![pm(Some("::ffff:1.2.3.4"), Some((80, 80)), 80, "tcp")]);
        assert_eq!(ok("[1.2.3.4]:80:80"), vec![pm(Some("1.2.3.4"), Some((80, 80)), 80, "tcp")]);
        // Empty brackets: no address at all.
        assert_eq!(ok("[]:80:80"), vec![pm(None, Some((80, 80)), 80, "tcp")]);
    }

    #[test]
    fn ports_ranges() {
        assert_eq!(
            ok("9090-9091:8080-8081"),
            vec![pm(None, Some((9090, 9090)), 8080, "tcp"), pm(None, Some((9091, 9091)), 8081, "tcp")]
        );
        assert_eq!(ok("8000-9000:80"), vec![pm(None, Some((8000, 9000)), 80, "tcp")]);
        assert_eq!(ok("8080-8080:80"), vec![pm(None, Some((8080, 8080)), 80, "tcp")]);
        assert_eq!(ok("80-81"), vec![pm(None, None, 80, "tcp"), pm(None, None, 81, "tcp")]);
        // Ordered by the decimal text of the container port.
        assert_eq!(
            ok("8-10:8-10"),
            vec![
                pm(None, Some((10, 10)), 10, "tcp"),
                pm(None, Some((8, 8)), 8, "tcp"),
                pm(None, Some((9, 9)), 9, "tcp")
            ]
        );
        // Only the first two fields of a range count.
        assert_eq!(ok("1-2-3"), vec![pm(None, None, 1, "tcp"), pm(None, None, 2, "tcp")]);
        assert_eq!(ok("1-2-3:5-6-7"), vec![pm(None, Some((1, 1)), 5, "tcp"), pm(None, Some((2, 2)), 6, "tcp")]);
        // Port 0 parses (compose rejects it later as a missing target).
        assert_eq!(ok("0"), vec![pm(None, None, 0, "tcp")]);
    }

    #[test]
    fn ports_errors() {
        assert_eq!(err("99999:80"), "invalid hostPort: 99999");
        assert_eq!(err("x:80"), "invalid hostPort: x");
        assert_eq!(err("80:x"), "invalid containerPort: x");
        assert_eq!(err("65536"), "invalid containerPort: 65536");
        assert_eq!(err("+80"), "invalid containerPort: +80");
        assert_eq!(err(" 80"), "invalid containerPort:  80");
        assert_eq!(err("-1"), "invalid containerPort: -1");
        assert_eq!(err("1-"), "invalid containerPort: 1-");
        assert_eq!(err("81-80"), "invalid containerPort: 81-80");
        assert_eq!(err("1-2:3-5"), "invalid ranges specified for container and host Ports: 3-5 and 1-2");
        assert_eq!(err("80:"), "invalid proto: ");
        assert_eq!(err(""), "invalid proto: ");
        assert_eq!(err("/udp"), "invalid proto: ");
        assert_eq!(err("80:80:"), "invalid proto: ");
        assert_eq!(err("80/tcp/x"), "invalid proto: tcp/x");
        assert_eq!(err("80/icmp"), "invalid proto: icmp");
        assert_eq!(err("80/ICMP"), "invalid proto: icmp");
    }

    #[test]
    fn ports_ip_errors() {
        assert_eq!(err("01.2.3.4:80:80"), "invalid IP address: 01.2.3.4");
        assert_eq!(err("fe80::1%eth0:80:80"), "invalid IP address: fe80::1%eth0");
        assert_eq!(err("localhost:80:80"), "invalid IP address: localhost");
        assert_eq!(err("1.2.3:80:80"), "invalid IP address: 1.2.3");
        assert_eq!(err("a:b:c:d"), "invalid IP address: a:b");
        assert_eq!(err(":::80"), "invalid IP address: :");
        assert_eq!(err("[::1"), "invalid IP address [: address [:: missing ']' in address");
        assert_eq!(err("[::1]x:80:80"), "invalid IP address [::1]x: address [::1]x:: missing port in address");
        assert_eq!(err("[a]:b:80:80"), "invalid IP address [a]:b: address [a]:b:: too many colons in address");
    }

    #[test]
    fn ports_full_range_is_bounded() {
        let all = ok("0-65535");
        assert_eq!(all.len(), 65536);
        assert_eq!(port_count("0-65535"), Ok((65536, Some(0))));
        assert_eq!(port_count("80-81"), Ok((2, None)));
        assert_eq!(port_count("8000-9000:80"), Ok((1, None)));
        assert_eq!(port_count("80:x"), Err("invalid containerPort: x".to_owned()));
    }

    fn vol(kind: VolumeType, source: Option<&str>, target: &str, ro: bool, options: Option<&str>) -> VolumeSpec {
        VolumeSpec {
            kind,
            source: source.map(str::to_owned),
            target: target.to_owned(),
            read_only: ro,
            options: options.map(str::to_owned),
        }
    }

    fn vok(s: &str) -> VolumeSpec {
        match parse_volume(s) {
            Ok(v) => v,
            Err(e) => panic!("{s}: {e}"),
        }
    }

    // Checked against `docker compose config --format json` (v2.40.3).
    #[test]
    fn volumes_classification() {
        use VolumeType::{Bind, Volume};
        assert_eq!(vok("data:/p"), vol(Volume, Some("data"), "/p", false, None));
        assert_eq!(vok("./d:/p"), vol(Bind, Some("./d"), "/p", false, None));
        assert_eq!(vok("/abs:/p:ro"), vol(Bind, Some("/abs"), "/p", true, Some("ro")));
        assert_eq!(vok("~/x:/p"), vol(Bind, Some("~/x"), "/p", false, None));
        assert_eq!(vok("/p"), vol(Volume, None, "/p", false, None));
        assert_eq!(vok("C:\\x:/p"), vol(Bind, Some("C:\\x"), "/p", false, None));
        assert_eq!(vok("c:/x:/p:rw"), vol(Bind, Some("c:/x"), "/p", false, Some("rw")));
        assert_eq!(
            vok("\\\\.\\pipe\\x:\\\\.\\pipe\\y"),
            vol(Bind, Some("\\\\.\\pipe\\x"), "\\\\.\\pipe\\y", false, None)
        );
        assert_eq!(vok("data:/p:ro,rw"), vol(Volume, Some("data"), "/p", false, Some("ro,rw")));
        assert_eq!(vok("data:/p:rw,z,nocopy"), vol(Volume, Some("data"), "/p", false, Some("rw,z,nocopy")));
        assert_eq!(vok("data:/p:foo"), vol(Volume, Some("data"), "/p", false, Some("foo")));
        // A name with a slash is still a volume name (compose then reports an undefined volume).
        assert_eq!(vok("backrest/data:/data"), vol(Volume, Some("backrest/data"), "/data", false, None));
        assert_eq!(vok("/a/../b:/c/../d/"), vol(Bind, Some("/a/../b"), "/d", false, None));
        assert_eq!(vok("/a:b"), vol(Bind, Some("/a"), "b", false, None));
    }

    #[test]
    fn volumes_quirks() {
        use VolumeType::Volume;
        // One- and two-byte specs are anonymous volumes, whatever they hold.
        assert_eq!(vok("a"), vol(Volume, None, "a", false, None));
        assert_eq!(vok("a:"), vol(Volume, None, "a:", false, None));
        assert_eq!(vok("é"), vol(Volume, None, "é", false, None));
        // A single letter before a colon is a drive letter.
        assert_eq!(vok("a:/b"), vol(Volume, None, "a:/b", false, None));
        assert_eq!(vok("é:/p"), vol(Volume, None, "é:/p", false, None));
        // Colons inside `${...}` do not split.
        assert_eq!(vok("${A:-x}:/p"), vol(Volume, Some("${A:-x}"), "/p", false, None));
    }

    #[test]
    fn volumes_errors() {
        assert_eq!(parse_volume(""), Err("invalid empty volume spec".to_owned()));
        assert_eq!(parse_volume("/a:/b:ro:x"), Err("invalid spec: /a:/b:ro:x: too many colons".to_owned()));
        assert_eq!(parse_volume(":/p"), Err("invalid spec: :/p: empty section between colons".to_owned()));
        assert_eq!(parse_volume("/a::ro"), Err("invalid spec: /a::ro: empty section between colons".to_owned()));
        assert_eq!(parse_volume("/a:/b:"), Err("invalid spec: /a:/b:: empty section between colons".to_owned()));
    }

    #[test]
    fn volume_type_names() {
        for t in [
            VolumeType::Bind,
            VolumeType::Volume,
            VolumeType::Tmpfs,
            VolumeType::Npipe,
            VolumeType::Cluster,
            VolumeType::Image,
        ] {
            assert_eq!(VolumeType::from_name(t.as_str()), Some(t));
        }
        assert_eq!(VolumeType::from_name("nfs"), None);
        // An unclosed `${` swallows the rest: compose keeps an empty target.
        assert_eq!(vok("${abc:/p"), vol(VolumeType::Volume, None, "", false, None));
    }

    #[test]
    fn clean_path_like_go() {
        for (i, o) in [
            ("", "."),
            ("/", "/"),
            ("/a/../b", "/b"),
            ("/../a", "/a"),
            ("a/../..", ".."),
            ("../../a", "../../a"),
            ("a//b/./c/", "a/b/c"),
            ("a:", "a:"),
        ] {
            assert_eq!(clean_path(i), o, "{i}");
        }
    }

    #[test]
    fn random_inputs_do_not_panic() {
        let alphabet: Vec<char> = "0123456789:-/[]{}$.~\\aZé\0 ,rowtcpud".chars().collect();
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        for _ in 0..20_000 {
            let mut s = String::new();
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = (x % 14) as usize;
            for _ in 0..len {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                s.push(alphabet[(x % alphabet.len() as u64) as usize]);
            }
            let _ = parse_port(&s);
            let _ = port_count(&s);
            let _ = parse_volume(&s);
        }
    }
}
