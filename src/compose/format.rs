//! STUB (being written): port and volume short syntax.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortMapping {
    pub host_ip: Option<String>,
    pub published: Option<(u16, u16)>,
    pub target: u16,
    pub protocol: String,
}
pub fn parse_port(s: &str) -> Result<Vec<PortMapping>, String> {
    let (rest, proto) = s.split_once('/').unwrap_or((s, "tcp"));
    let parts: Vec<&str> = rest.split(':').collect();
    let target: u16 = parts.last().and_then(|t| t.parse().ok()).ok_or_else(|| format!("invalid containerPort: {s}"))?;
    let published = if parts.len() >= 2 { parts[parts.len() - 2].parse::<u16>().ok().map(|p| (p, p)) } else { None };
    let host_ip = if parts.len() >= 3 { Some(parts[..parts.len() - 2].join(":")) } else { None };
    Ok(vec![PortMapping { host_ip, published, target, protocol: proto.to_owned() }])
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
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VolumeSpec {
    pub kind: VolumeType,
    pub source: Option<String>,
    pub target: String,
    pub read_only: bool,
    pub options: Option<String>,
}
pub fn parse_volume(s: &str) -> Result<VolumeSpec, String> {
    let parts: Vec<&str> = s.split(':').collect();
    if parts.len() == 1 {
        return Ok(VolumeSpec {
            kind: VolumeType::Volume,
            source: None,
            target: s.to_owned(),
            read_only: false,
            options: None,
        });
    }
    let src = parts[0];
    let kind = if src.starts_with('.') || src.starts_with('/') || src.starts_with('~') {
        VolumeType::Bind
    } else {
        VolumeType::Volume
    };
    Ok(VolumeSpec {
        kind,
        source: Some(src.to_owned()),
        target: parts[1].to_owned(),
        read_only: parts.get(2) == Some(&"ro"),
        options: parts.get(2).map(|s| s.to_string()),
    })
}
