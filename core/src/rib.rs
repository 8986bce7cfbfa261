//! Main RIB with integer prefixes: preference merge and longest-prefix match exactly as
//! validator/engine/rib.py's MainRib (first-insertion prefix order kept, since FIB order follows it).
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// FxHash (rustc's): one rotate, xor and multiply per word. The maps keyed by prefixes and ids are
/// probed millions of times per data plane (every longest-prefix match probes one per prefix
/// length); SipHash's flooding resistance buys nothing for keys from the operator's own configs,
/// and no code iterates these maps in hash order.
#[derive(Default, Clone, Copy)]
pub struct FxHasher {
    hash: u64,
}

const FX_SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(FX_SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u16(&mut self, i: u16) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

pub type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

pub const NH_DISCARD: u8 = 0;
pub const NH_INTERFACE: u8 = 1;
pub const NH_IP: u8 = 2;
pub const NO_IFACE: u32 = u32::MAX;

/// Protocol codes shared with native.py (PROTOCOLS there): index = code.
pub const PROTOCOLS: [&str; 10] = [
    "connected",
    "local",
    "static",
    "ospf",
    "ospfIA",
    "ospfE1",
    "ospfE2",
    "bgp",
    "ibgp",
    "aggregate",
];
pub const P_CONNECTED: u8 = 0;
pub const P_STATIC: u8 = 2;
pub const P_OSPF: u8 = 3;
pub const P_OSPF_IA: u8 = 4;
pub const P_OSPF_E1: u8 = 5;
pub const P_OSPF_E2: u8 = 6;

pub type Prefix = (u32, u8);

/// BGP attributes a main-RIB route carries (Route.as_path, local_preference, communities).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct BgpAttrs {
    pub as_path: Vec<u32>,
    pub local_pref: i64,
    pub communities: Vec<u32>, // sorted
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Route {
    pub vrf: u32, // interned VRF name
    pub net: u32,
    pub plen: u8,
    pub proto: u8,
    pub nh_type: u8,
    pub nh_iface: u32, // interned interface name, NO_IFACE when absent
    pub nh_ip: Option<u32>,
    pub ad: i64,
    pub metric: i64,
    pub tag: Option<i64>,
    pub bgp: Option<std::sync::Arc<BgpAttrs>>,
}

impl Route {
    pub fn prefix(&self) -> Prefix {
        (self.net, self.plen)
    }
}

pub fn mask(plen: u8) -> u32 {
    if plen == 0 {
        0
    } else {
        u32::MAX << (32 - plen as u32)
    }
}

pub fn contains(p: Prefix, ip: u32) -> bool {
    ip & mask(p.1) == p.0
}

#[derive(Default, Clone)]
pub struct MainRib {
    pub slots: Vec<(Prefix, Vec<Route>)>,
    index: FxMap<Prefix, usize>,
    lens: Vec<u8>, // present prefix lengths, longest first
}

impl MainRib {
    pub fn merge(&mut self, route: Route) {
        let key = route.prefix();
        match self.index.get(&key) {
            None => {
                self.index.insert(key, self.slots.len());
                self.slots.push((key, vec![route]));
                if !self.lens.contains(&key.1) {
                    self.lens.push(key.1);
                    self.lens.sort_unstable_by(|a, b| b.cmp(a));
                }
            }
            Some(&i) => {
                let cur = &mut self.slots[i].1;
                let best = (cur[0].ad, cur[0].metric);
                let new = (route.ad, route.metric);
                if new < best {
                    *cur = vec![route];
                } else if new == best && !cur.contains(&route) {
                    cur.push(route);
                }
            }
        }
    }

    /// Slot of exactly this prefix.
    pub fn lpm_exact(&self, p: Prefix) -> Option<usize> {
        self.index.get(&p).copied()
    }

    /// Slot of the longest prefix of length <= max_len containing ip.
    pub fn lpm_slot(&self, ip: u32, max_len: u8) -> Option<usize> {
        for &plen in &self.lens {
            if plen > max_len {
                continue;
            }
            if let Some(&i) = self.index.get(&(ip & mask(plen), plen)) {
                return Some(i);
            }
        }
        None
    }
}
