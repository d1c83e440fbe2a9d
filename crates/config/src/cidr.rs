//! Addresses and CIDR networks as the configuration writes them (`trusted_proxies`,
//! `[[monitor.allow]]`): checked when the configuration is read, so a typo stops the command
//! instead of silently trusting no proxy.

use std::net::IpAddr;

/// Parses `10.0.0.5`, `10.1.0.0/16`, `::1`, `fd00::/8` into the address (IPv4-mapped IPv6 as
/// IPv4, as a dual-stack socket reports it) and the prefix length; an error names the bad entry.
pub fn parse_cidr(item: &str) -> Result<(IpAddr, u8), String> {
    let (addr, bits) = match item.trim().split_once('/') {
        Some((a, b)) => (a, Some(b)),
        None => (item.trim(), None),
    };
    let ip: IpAddr = addr
        .parse()
        .map_err(|_| format!("`{item}` is not an IP address or CIDR network (e.g. 10.0.0.5 or 10.1.0.0/16; 网段格式应为 CIDR)"))?;
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    };
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let bits = match bits {
        None => max,
        Some(b) => b.parse::<u8>().ok().filter(|b| *b <= max).ok_or_else(|| format!("`{item}`: the prefix length must be 0..={max} (CIDR)"))?,
    };
    Ok((ip, bits))
}
