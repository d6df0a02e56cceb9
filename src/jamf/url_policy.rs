//! Upstream URL safety: which Jamf URLs we agree to call, checked when an integrated
//! account is created or updated and again at connect time, where a DNS resolver refuses
//! non-public addresses so a name that later re-resolves to an internal address (DNS rebinding)
//! cannot reach it. Link-local and cloud-metadata addresses are refused even where private
//! networks are allowed: no Jamf lives there, and a credential sent there is a credential lost.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

/// Why an instance URL was refused. Carries no part of the URL that could hold a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
pub enum UrlRefusal {
    #[error("the instance URL is not a valid absolute URL")]
    Invalid,
    #[error("the instance URL must use https")]
    NotHttps,
    #[error("the instance URL must not carry a user name or password")]
    UserInfo,
    #[error("the instance URL must not carry a query or fragment")]
    QueryOrFragment,
    #[error("the instance URL has no host")]
    NoHost,
    #[error("the instance URL points to a non-public address ({0})")]
    NonPublicAddress(IpAddr),
    #[error("the instance host resolves only to non-public addresses")]
    NonPublicResolution,
}

/// Checks `url` and returns the normalized base URL: no trailing slash, no query or fragment.
///
/// Refuses plain `http` unless `allow_private_networks`; always refuses user-info (a secret in
/// the URL would end up in logs); refuses IP-literal hosts that are not public unless allowed.
/// Host names are checked at connect time, by the DNS resolver of the shared HTTP client.
pub fn check_instance_url(url: &str, allow_private_networks: bool) -> Result<Url, UrlRefusal> {
    let mut parsed = Url::parse(url.trim()).map_err(|_| UrlRefusal::Invalid)?;
    match parsed.scheme() {
        "https" => {}
        "http" if allow_private_networks => {}
        _ => return Err(UrlRefusal::NotHttps),
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(UrlRefusal::UserInfo);
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(UrlRefusal::QueryOrFragment);
    }
    check_host(&parsed, allow_private_networks)?;
    let trimmed = parsed.path().trim_end_matches('/').to_owned();
    parsed.set_path(&trimmed);
    Ok(parsed)
}

/// Refuses a host name that resolves only to refused addresses (non-public ones unless
/// allowed, link-local and metadata ones always). The connect-time resolver still checks every
/// connection (DNS rebinding); this early check turns the common mistake into a clear refusal.
/// A name that does not resolve passes: validation then reports Jamf as unreachable.
pub async fn check_resolution(url: &Url, allow_private_networks: bool) -> Result<(), UrlRefusal> {
    let Some(Host::Domain(name)) = url.host() else {
        return Ok(());
    };
    let port = url.port_or_known_default().unwrap_or(443);
    let Ok(addresses) = tokio::net::lookup_host((name, port)).await else {
        return Ok(());
    };
    let addresses: Vec<IpAddr> = addresses.map(|a| a.ip()).collect();
    let allowed = |ip: &IpAddr| may_connect(*ip, allow_private_networks);
    if !addresses.is_empty() && !addresses.iter().any(allowed) {
        return Err(UrlRefusal::NonPublicResolution);
    }
    Ok(())
}

/// Refuses an IP-literal host that is not public (unless allowed). Name hosts pass here: the
/// resolver checks what they resolve to, on every connection.
pub(crate) fn check_host(url: &Url, allow_private_networks: bool) -> Result<(), UrlRefusal> {
    let ip = match url.host() {
        None => return Err(UrlRefusal::NoHost),
        Some(Host::Domain(_)) => return Ok(()),
        Some(Host::Ipv4(v4)) => IpAddr::V4(v4),
        Some(Host::Ipv6(v6)) => IpAddr::V6(v6),
    };
    if may_connect(ip, allow_private_networks) {
        Ok(())
    } else {
        Err(UrlRefusal::NonPublicAddress(ip))
    }
}

/// Whether a connection to `ip` is allowed: public addresses always; other non-public ones
/// only with `allow_private_networks`; link-local and metadata ones never.
fn may_connect(ip: IpAddr, allow_private_networks: bool) -> bool {
    is_public(ip) || (allow_private_networks && !is_link_local_or_metadata(ip))
}

/// 169.254.0.0/16, fe80::/10 and AWS's IPv6 metadata address fd00:ec2::254, also as the
/// IPv4 forms IPv6 can embed (mapped, compatible, NAT64).
fn is_link_local_or_metadata(ip: IpAddr) -> bool {
    const AWS_METADATA_V6: Ipv6Addr = Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254);
    match ip {
        IpAddr::V4(v4) => v4.is_link_local(),
        IpAddr::V6(v6) => {
            let seg = v6.segments();
            (seg[0] & 0xffc0) == 0xfe80
                || v6 == AWS_METADATA_V6
                || embedded_v4(v6).is_some_and(|v4| v4.is_link_local())
        }
    }
}

/// The IPv4 address an IPv6 one reaches: mapped (::ffff:a.b.c.d), deprecated compatible
/// (::a.b.c.d) or NAT64 (64:ff9b::a.b.c.d).
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return Some(v4);
    }
    let seg = ip.segments();
    let compatible_or_nat64 = seg[..6] == [0; 6] || seg[..6] == [0x64, 0xff9b, 0, 0, 0, 0];
    (compatible_or_nat64 && !ip.is_unspecified() && !ip.is_loopback())
        .then(|| Ipv4Addr::from((u32::from(seg[6]) << 16) | u32::from(seg[7])))
}

/// True for addresses on the public internet; false for loopback, private, link-local, CGNAT,
/// unique-local, unspecified, multicast, documentation, benchmarking and reserved ranges, and
/// for IPv6 forms that embed such an IPv4 address (mapped, compatible, NAT64).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (b & 0xc0) == 64) // 100.64.0.0/10 carrier-grade NAT
        || (a == 192 && b == 0 && c == 0) // 192.0.0.0/24 IETF protocol assignments
        || (a == 198 && (b & 0xfe) == 18) // 198.18.0.0/15 benchmarking
        || a >= 240) // 240.0.0.0/4 reserved
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = embedded_v4(ip) {
        return is_public_v4(v4);
    }
    let seg = ip.segments();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (seg[0] & 0xfe00) == 0xfc00 // fc00::/7 unique local
        || (seg[0] & 0xffc0) == 0xfe80 // fe80::/10 link local
        || (seg[0] & 0xffc0) == 0xfec0 // fec0::/10 deprecated site local
        || (seg[0] == 0x2001 && seg[1] == 0x0db8)) // 2001:db8::/32 documentation
}

/// The DNS resolver of the shared HTTP client: resolves with the system resolver and keeps only
/// public addresses (private ones too when allowed; never link-local or metadata ones). Because it runs for every
/// new connection, a rebinding answer is caught where it matters, not only at account creation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PublicOnlyResolver {
    pub(crate) allow_private_networks: bool,
}

impl Resolve for PublicOnlyResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow = self.allow_private_networks;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let resolved = tokio::net::lookup_host((host.as_str(), 0)).await?;
            let kept: Vec<SocketAddr> = resolved
                .filter(|addr| may_connect(addr.ip(), allow))
                .collect();
            if kept.is_empty() {
                return Err(Box::new(UrlRefusal::NonPublicResolution) as _);
            }
            Ok(Box::new(kept.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_url_policy_table() {
        use UrlRefusal::*;
        let cases: &[(&str, bool, Result<&str, UrlRefusal>)] = &[
            (
                "https://acme.jamfcloud.com",
                false,
                Ok("https://acme.jamfcloud.com/"),
            ),
            (
                "https://acme.jamfcloud.com/",
                false,
                Ok("https://acme.jamfcloud.com/"),
            ),
            (
                "https://jamf.example.org:8443/jss/",
                false,
                Ok("https://jamf.example.org:8443/jss"),
            ),
            ("https://8.8.8.8", false, Ok("https://8.8.8.8/")),
            (
                "https://[2606:4700::1111]",
                false,
                Ok("https://[2606:4700::1111]/"),
            ),
            ("http://acme.jamfcloud.com", false, Err(NotHttps)),
            ("ftp://acme.jamfcloud.com", true, Err(NotHttps)),
            ("https://user:pw@acme.jamfcloud.com", false, Err(UserInfo)),
            ("https://user@acme.jamfcloud.com", true, Err(UserInfo)),
            (
                "https://acme.jamfcloud.com/?a=1",
                false,
                Err(QueryOrFragment),
            ),
            ("https://acme.jamfcloud.com/#x", false, Err(QueryOrFragment)),
            ("not a url", false, Err(Invalid)),
            (
                "https://10.0.0.1",
                false,
                Err(NonPublicAddress(ip("10.0.0.1"))),
            ),
            (
                "https://127.0.0.1",
                false,
                Err(NonPublicAddress(ip("127.0.0.1"))),
            ),
            (
                "https://169.254.169.254",
                false,
                Err(NonPublicAddress(ip("169.254.169.254"))),
            ),
            (
                "https://100.64.0.1",
                false,
                Err(NonPublicAddress(ip("100.64.0.1"))),
            ),
            ("https://[::1]", false, Err(NonPublicAddress(ip("::1")))),
            (
                "https://[::ffff:127.0.0.1]",
                false,
                Err(NonPublicAddress(ip("::ffff:127.0.0.1"))),
            ),
            (
                "https://[fd00::1]",
                false,
                Err(NonPublicAddress(ip("fd00::1"))),
            ),
            ("http://127.0.0.1:9000/", true, Ok("http://127.0.0.1:9000/")),
            ("https://10.0.0.1", true, Ok("https://10.0.0.1/")),
            (
                "https://[::ffff:127.0.0.1]",
                true,
                Ok("https://[::ffff:7f00:1]/"),
            ),
            ("https://[fd00::1]", true, Ok("https://[fd00::1]/")),
            // Link-local and metadata addresses: refused even with private networks allowed.
            (
                "http://169.254.169.254",
                true,
                Err(NonPublicAddress(ip("169.254.169.254"))),
            ),
            (
                "https://169.254.0.1:8443",
                true,
                Err(NonPublicAddress(ip("169.254.0.1"))),
            ),
            (
                "https://[fe80::1]",
                true,
                Err(NonPublicAddress(ip("fe80::1"))),
            ),
            (
                "https://[febf::1]",
                true,
                Err(NonPublicAddress(ip("febf::1"))),
            ),
            (
                "https://[fd00:ec2::254]",
                true,
                Err(NonPublicAddress(ip("fd00:ec2::254"))),
            ),
            (
                "https://[::ffff:169.254.169.254]",
                true,
                Err(NonPublicAddress(ip("::ffff:169.254.169.254"))),
            ),
            (
                "https://[64:ff9b::169.254.169.254]",
                true,
                Err(NonPublicAddress(ip("64:ff9b::169.254.169.254"))),
            ),
        ];
        for (input, allow, expected) in cases {
            let got = check_instance_url(input, *allow);
            let got = got.as_ref().map(Url::as_str).map_err(Clone::clone);
            assert_eq!(got, expected.clone(), "{input} (allow_private={allow})");
        }
    }

    #[test]
    fn address_classification() {
        let refused = [
            "0.0.0.0",
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.255",
            "192.0.2.1",
            "198.51.100.1",
            "203.0.113.1",
            "224.0.0.1",
            "255.255.255.255",
            "240.0.0.1",
            "198.18.0.1",
            "::",
            "::1",
            "fc00::1",
            "fe80::1",
            "ff02::1",
            "2001:db8::1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::10.0.0.1",
            "::127.0.0.1",
        ];
        for addr in refused {
            assert!(!is_public(ip(addr)), "{addr} must be refused");
        }
        let allowed = [
            "8.8.8.8",
            "100.128.0.1",
            "172.32.0.1",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
        ];
        for addr in allowed {
            assert!(is_public(ip(addr)), "{addr} must be allowed");
        }
    }

    #[tokio::test]
    async fn resolver_refuses_loopback_names_unless_allowed() {
        let strict = PublicOnlyResolver {
            allow_private_networks: false,
        };
        let name: Name = "localhost".parse().expect("valid name");
        let err = strict
            .resolve(name)
            .await
            .err()
            .expect("localhost must be refused");
        assert!(err.downcast_ref::<UrlRefusal>().is_some(), "{err}");

        let lenient = PublicOnlyResolver {
            allow_private_networks: true,
        };
        let name: Name = "localhost".parse().expect("valid name");
        let addrs: Vec<_> = lenient.resolve(name).await.expect("allowed").collect();
        assert!(addrs.iter().all(|a| a.ip().is_loopback()) && !addrs.is_empty());
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("test address")
    }
}
