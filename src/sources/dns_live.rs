//! Live DNS (`--dns live`): the A and AAAA records of the served domains, asked of the system's resolver
//! (resolv.conf) or of the servers `[dns] nameservers` / `--dns-server` name. The loader runs it once per
//! run, after the model is built; rules only read the result ([`LiveDns`]).
//!
//! Every name is asked once (the list is deduplicated; CNAME targets shared by several names come from the
//! resolver's cache), both types of every name in parallel, each query bounded by the timeout. A query that
//! gets no answer is recorded as data ([`LookupFailure`]): offline CI must be able to say "unverifiable"
//! rather than fail. `/etc/hosts` is not read: it says what this machine resolves, not what the internet
//! sees. The async runtime (one thread) exists only while the lookups run, so other modes pay nothing.

use std::net::SocketAddr;
use std::time::Duration;

use super::dns::LiveDns;

/// Where and how to look up.
#[derive(Clone, Debug)]
pub struct LiveSettings {
    /// Name servers to ask; empty: the system's (resolv.conf).
    pub servers: Vec<SocketAddr>,
    /// Per query: a query without an answer by then is [`LookupFailure::Timeout`].
    pub timeout: Duration,
}

/// The default per-query timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);

impl Default for LiveSettings {
    fn default() -> Self {
        LiveSettings { servers: Vec::new(), timeout: DEFAULT_TIMEOUT }
    }
}

/// Looks up A and AAAA of every name (lower-case, no trailing dot; duplicates are asked once).
pub fn lookup(names: &[String], settings: &LiveSettings) -> LiveDns {
    let mut unique: Vec<String> = names.to_vec();
    unique.sort();
    unique.dedup();
    let servers = if settings.servers.is_empty() {
        vec!["system".to_owned()]
    } else {
        settings.servers.iter().map(ToString::to_string).collect()
    };
    let mut live = resolve(&unique, settings);
    live.servers = servers;
    live.timeout = settings.timeout;
    live
}

#[cfg(not(feature = "live-dns"))]
fn resolve(names: &[String], _settings: &LiveSettings) -> LiveDns {
    use super::dns::{Answer, LiveLookup, LookupFailure};
    let failed = Answer::Failed(LookupFailure::Unsupported);
    LiveDns {
        lookups: names
            .iter()
            .map(|n| LiveLookup { name: n.clone(), a: failed.clone(), aaaa: failed.clone() })
            .collect(),
        ..LiveDns::default()
    }
}

#[cfg(feature = "live-dns")]
fn resolve(names: &[String], settings: &LiveSettings) -> LiveDns {
    imp::resolve(names, settings)
}

#[cfg(feature = "live-dns")]
mod imp {
    use std::collections::HashSet;
    use std::sync::Arc;

    use hickory_resolver::TokioResolver;
    use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolveHosts, ResolverConfig, ResolverOpts};
    use hickory_resolver::net::runtime::TokioRuntimeProvider;
    use hickory_resolver::net::{DnsError, NetError};
    use hickory_resolver::proto::rr::{RData as HRData, RecordType};

    use super::LiveSettings;
    use crate::sources::dns::{Answer, LiveDns, LiveLookup, LookupFailure, RData, Record, RecordSource, canonical};

    /// Names looked up at once: enough to overlap every round trip of a big repository, few enough that
    /// no connection's in-flight limit is reached.
    const MAX_IN_FLIGHT: usize = 64;

    type Answered = (Answer, Vec<Record>);

    pub(super) fn resolve(names: &[String], settings: &LiveSettings) -> LiveDns {
        let fail_all = |failure: LookupFailure| LiveDns {
            lookups: names
                .iter()
                .map(|n| LiveLookup {
                    name: n.clone(),
                    a: Answer::Failed(failure.clone()),
                    aaaa: Answer::Failed(failure.clone()),
                })
                .collect(),
            ..LiveDns::default()
        };
        if names.is_empty() {
            return LiveDns::default();
        }
        let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
            Ok(rt) => rt,
            Err(e) => return fail_all(LookupFailure::Other(format!("cannot start the DNS runtime: {e}"))),
        };
        let resolver = match build_resolver(settings) {
            Ok(r) => r,
            Err(failure) => return fail_all(failure),
        };
        // Both types of every name at once, at most MAX_IN_FLIGHT queries waiting for an answer.
        let mut answers: Vec<(Option<Answered>, Option<Answered>)> = vec![(None, None); names.len()];
        runtime.block_on(async {
            let limit = Arc::new(tokio::sync::Semaphore::new(MAX_IN_FLIGHT));
            let mut tasks = tokio::task::JoinSet::new();
            for (i, name) in names.iter().enumerate() {
                for rtype in [RecordType::A, RecordType::AAAA] {
                    let (resolver, limit, timeout) = (resolver.clone(), limit.clone(), settings.timeout);
                    let fqdn = format!("{name}.");
                    tasks.spawn(async move {
                        let _permit = limit.acquire_owned().await;
                        (i, rtype, query(&resolver, &fqdn, rtype, timeout).await)
                    });
                }
            }
            while let Some(done) = tasks.join_next().await {
                if let Ok((i, rtype, answered)) = done
                    && let Some(slot) = answers.get_mut(i)
                {
                    if rtype == RecordType::A {
                        slot.0 = Some(answered);
                    } else {
                        slot.1 = Some(answered);
                    }
                }
            }
        });
        let mut live = LiveDns::default();
        let mut seen: HashSet<(String, String, RData)> = HashSet::new();
        // A task that panicked inside the resolver leaves its slot empty.
        let lost = || (Answer::Failed(LookupFailure::Other("the lookup did not finish".to_owned())), Vec::new());
        for (name, (a, aaaa)) in names.iter().zip(answers) {
            let ((a, a_records), (aaaa, aaaa_records)) = (a.unwrap_or_else(lost), aaaa.unwrap_or_else(lost));
            for r in a_records.into_iter().chain(aaaa_records) {
                if seen.insert((r.name.clone(), r.rtype.clone(), r.data.clone())) {
                    live.zone.records.push(r);
                }
            }
            live.lookups.push(LiveLookup { name: name.clone(), a, aaaa });
        }
        live
    }

    fn build_resolver(settings: &LiveSettings) -> Result<TokioResolver, LookupFailure> {
        let provider = TokioRuntimeProvider::default();
        let mut builder = if settings.servers.is_empty() {
            TokioResolver::builder(provider)
                .map_err(|e| LookupFailure::NoNetwork(format!("cannot read the system resolver configuration: {e}")))?
        } else {
            let servers = settings
                .servers
                .iter()
                .map(|s| {
                    let connection = |mut c: ConnectionConfig| {
                        c.port = s.port();
                        c
                    };
                    NameServerConfig::new(
                        s.ip(),
                        true,
                        vec![connection(ConnectionConfig::udp()), connection(ConnectionConfig::tcp())],
                    )
                })
                .collect();
            TokioResolver::builder_with_config(ResolverConfig::from_name_servers(servers), provider)
        };
        let opts: &mut ResolverOpts = builder.options_mut();
        opts.timeout = settings.timeout;
        // One try within the timeout: a retry would double the time an unanswered name costs.
        opts.attempts = 1;
        opts.use_hosts_file = ResolveHosts::Never;
        // CNAMEs of the chain are kept in the answer: D701 follows them.
        opts.preserve_intermediates = true;
        builder.build().map_err(|e| LookupFailure::NoNetwork(format!("cannot set up the resolver: {e}")))
    }

    async fn query(resolver: &TokioResolver, fqdn: &str, rtype: RecordType, timeout: std::time::Duration) -> Answered {
        // The resolver's own timeout bounds each exchange; this one bounds the whole query (several
        // servers, a CNAME to follow), so a name never costs much more than the timeout.
        match tokio::time::timeout(timeout, resolver.lookup(fqdn, rtype)).await {
            Err(_) => (Answer::Failed(LookupFailure::Timeout), Vec::new()),
            Ok(Err(e)) => (classify(&e), Vec::new()),
            Ok(Ok(lookup)) => {
                let records: Vec<Record> = lookup.answers().iter().filter_map(record).collect();
                let answer = if records.is_empty() { Answer::NoData } else { Answer::Records };
                (answer, records)
            }
        }
    }

    /// A, AAAA and CNAME answers in the model's shape; other types are not needed by any rule.
    fn record(r: &hickory_resolver::proto::rr::Record) -> Option<Record> {
        let (rtype, data) = match &r.data {
            HRData::A(a) => ("A", RData::A(a.0)),
            HRData::AAAA(a) => ("AAAA", RData::Aaaa(a.0)),
            HRData::CNAME(c) => ("CNAME", RData::Cname(canonical(&c.0.to_ascii(), None))),
            _ => return None,
        };
        Some(Record {
            name: canonical(&r.name.to_ascii(), None),
            name_span: None,
            rtype: rtype.to_owned(),
            data,
            span: None,
            source: RecordSource::Live,
        })
    }

    fn classify(e: &NetError) -> Answer {
        if e.is_nx_domain() {
            return Answer::NxDomain;
        }
        if e.is_no_records_found() {
            return Answer::NoData;
        }
        Answer::Failed(match e {
            NetError::Timeout => LookupFailure::Timeout,
            NetError::Dns(DnsError::ResponseCode(code)) => LookupFailure::ServerError(code.to_str().to_owned()),
            NetError::Io(io) => LookupFailure::NoNetwork(io.to_string()),
            NetError::NoConnections => LookupFailure::NoNetwork("no connection to a name server".to_owned()),
            other => {
                let text = other.to_string();
                if text.contains("timed out") { LookupFailure::Timeout } else { LookupFailure::Other(text) }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_names_no_lookup() {
        let live = lookup(&[], &LiveSettings::default());
        assert!(live.lookups.is_empty() && live.zone.records.is_empty());
        assert_eq!(live.servers, ["system"]);
        assert_eq!(live.timeout, DEFAULT_TIMEOUT);
    }

    /// Without the feature every name is recorded as unverifiable, never as missing.
    #[cfg(not(feature = "live-dns"))]
    #[test]
    fn without_the_feature_lookups_are_unsupported() {
        use crate::sources::dns::{Answer, LookupFailure};
        let names = ["b.example.org".to_owned(), "a.example.org".to_owned(), "b.example.org".to_owned()];
        let live = lookup(&names, &LiveSettings::default());
        let got: Vec<&str> = live.lookups.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(got, ["a.example.org", "b.example.org"]);
        assert!(live.lookups.iter().all(|l| l.a == Answer::Failed(LookupFailure::Unsupported)));
    }
}
