//! The IGP fixed point of validator/engine/dataplane.py's igp_fixpoint for a snapshot without
//! BGP: connected/local routes, statics activated against the current RIBs, OSPF, until stable.
use std::borrow::Cow;

use std::sync::Arc;

use crate::ospf::{
    any_redistribution, compute_spf, ospf_routes_cached, ospf_routes_for, Domain, OspfCache,
};
use crate::rib::{
    contains, FxMap, MainRib, Prefix, Route, NH_DISCARD, NH_INTERFACE, NH_IP, NO_IFACE, P_STATIC,
};

/// A static route as Python's feature pass hands it over (inactive/invalid ones already dropped:
/// they never install, whatever the RIBs say).
pub struct Static {
    pub vrf: u32,
    pub net: u32,
    pub plen: u8,
    pub kind: u8, // 0 discard, 1 interface next hop (active), 2 next-hop ip
    pub iface: u32,
    pub ip: Option<u32>,
    pub ad: i64,
    pub tag: Option<i64>,
}

pub struct NodeIn {
    pub vrfs: Vec<u32>, // default, then interface VRFs in interface order
    pub base: Vec<Route>,
    pub statics: Vec<Static>,
}

#[derive(Default, Clone)]
pub struct NodeRibs {
    pub order: Vec<u32>,
    pub ribs: FxMap<u32, MainRib>,
}

impl NodeRibs {
    pub fn rib_mut(&mut self, vrf: u32) -> &mut MainRib {
        if !self.ribs.contains_key(&vrf) {
            self.order.push(vrf);
        }
        self.ribs.entry(vrf).or_default()
    }
}

fn assemble(nodes: &[NodeIn], extra: &[&[Vec<Route>]]) -> Vec<NodeRibs> {
    let mut out = Vec::with_capacity(nodes.len());
    for (i, node) in nodes.iter().enumerate() {
        let mut nr = NodeRibs::default();
        for &v in &node.vrfs {
            nr.rib_mut(v);
        }
        for r in &node.base {
            nr.rib_mut(r.vrf).merge(r.clone());
        }
        for src in extra {
            for r in &src[i] {
                nr.rib_mut(r.vrf).merge(r.clone());
            }
        }
        out.push(nr);
    }
    out
}

/// rib.py static_routes; `lpm(vrf, ip)`: the length of the longest prefix holding ip in that
/// VRF's main RIB (None: no such RIB, or no match).
fn static_routes(node: &NodeIn, lpm: impl Fn(u32, u32) -> Option<u8>) -> Vec<Route> {
    let mut out = Vec::new();
    for sr in &node.statics {
        let (nh_type, iface, ip) = match sr.kind {
            0 => (NH_DISCARD, NO_IFACE, None),
            1 => (NH_INTERFACE, sr.iface, sr.ip),
            _ => {
                let ip = sr.ip.expect("ip static without ip");
                let Some(plen) = lpm(sr.vrf, ip) else {
                    continue;
                };
                if contains((sr.net, sr.plen), ip) && plen <= sr.plen {
                    continue;
                }
                (NH_IP, NO_IFACE, Some(ip))
            }
        };
        out.push(Route {
            vrf: sr.vrf,
            net: sr.net,
            plen: sr.plen,
            proto: P_STATIC,
            nh_type,
            nh_iface: iface,
            nh_ip: ip,
            ad: sr.ad,
            metric: 0,
            tag: sr.tag,
            bgp: None,
        });
    }
    out
}

pub struct IgpResult {
    pub ribs: Vec<NodeRibs>,
    /// (node, prefix) still changing when the fixed point gave up
    pub unstable: Vec<(usize, u32, u8)>,
}

/// dataplane.py without BGP calls igp_fixpoint twice (once before the BGP topology, once from
/// run_bgp), the second call starting from the OSPF routes the first one cached, and records what
/// either left unstable; reproduced exactly, since a fixed point cut short depends on the start.
pub fn igp_dataplane(
    nodes: &[NodeIn],
    dom: &Domain,
    names: &[String],
    max_iterations: usize,
) -> IgpResult {
    let spf = compute_spf(dom);
    let mut unstable = Vec::new();
    let none: Vec<Vec<Route>> = vec![Vec::new(); nodes.len()];
    let mut cache = None;
    igp_fixpoint(
        nodes,
        dom,
        &spf,
        names,
        max_iterations,
        &none,
        &mut cache,
        &mut unstable,
    );
    let ribs = igp_fixpoint(
        nodes,
        dom,
        &spf,
        names,
        max_iterations,
        &none,
        &mut cache,
        &mut unstable,
    );
    IgpResult { ribs, unstable }
}

fn lpm_len(nr: &NodeRibs, vrf: u32, ip: u32) -> Option<u8> {
    let rib = nr.ribs.get(&vrf)?;
    rib.lpm_slot(ip, 32).map(|s| rib.slots[s].0 .1)
}

/// The RIBs assemble() builds from the IGP sources alone (connected/local, these statics, these
/// OSPF routes). assemble merges its sources one after the other into fresh RIBs, so merging a
/// call's BGP routes into a copy of these gives exactly assemble(base, statics, ospf, bgp): the
/// IGP part is merged once per (statics, OSPF routes), not once per BGP round.
///
/// An iteration whose RIBs are not returned reads only longest-prefix lengths: for those the layer
/// keeps just its prefixes (a PrefixIndex, a fraction of the RIBs' memory).
#[derive(Clone)]
pub struct IgpLayer {
    statics: Vec<Vec<Route>>,
    ospf: Arc<Vec<Vec<Route>>>,
    ribs: Option<Arc<Vec<NodeRibs>>>,
    index: Option<Arc<Vec<PrefixIndex>>>,
}

const MAX_LAYERS: usize = 4;

/// The prefixes of one node's IGP layer per VRF, longest first per VRF: a prefix is in the
/// assembled RIB when some route of it was merged (merging never removes a prefix).
#[derive(Default, Clone)]
pub struct PrefixIndex {
    vrfs: FxMap<u32, (FxMap<Prefix, ()>, Vec<u8>)>,
}

impl PrefixIndex {
    fn lpm_len(&self, vrf: u32, ip: u32) -> Option<u8> {
        let (set, lens) = self.vrfs.get(&vrf)?;
        lens.iter()
            .copied()
            .find(|&l| set.contains_key(&(ip & crate::rib::mask(l), l)))
    }
}

fn index_of(nodes: &[NodeIn], extra: &[&[Vec<Route>]]) -> Vec<PrefixIndex> {
    let mut out = Vec::with_capacity(nodes.len());
    for (i, node) in nodes.iter().enumerate() {
        let mut idx = PrefixIndex::default();
        let routes = node
            .base
            .iter()
            .chain(extra.iter().flat_map(|src| src[i].iter()));
        for r in routes {
            let (set, lens) = idx.vrfs.entry(r.vrf).or_default();
            if set.insert(r.prefix(), ()).is_none() && !lens.contains(&r.plen) {
                lens.push(r.plen);
                lens.sort_unstable_by(|a, b| b.cmp(a));
            }
        }
        out.push(idx);
    }
    out
}

/// The cache entry for (statics, OSPF routes), created if missing (None: no cache yet).
fn layer_entry<'a>(
    statics: &[Vec<Route>],
    ospf: &Arc<Vec<Vec<Route>>>,
    cache: &'a mut Option<OspfCache>,
) -> Option<&'a mut IgpLayer> {
    let c = cache.as_mut()?;
    // the OSPF routes by identity (the key holds them, so the pointer is never reused)
    let pos = c
        .layers
        .iter()
        .position(|l| Arc::ptr_eq(&l.ospf, ospf) && l.statics == statics);
    let pos = match pos {
        Some(p) => p,
        None => {
            if c.layers.len() >= MAX_LAYERS {
                c.layers.remove(0);
            }
            c.layers.push(IgpLayer {
                statics: statics.to_vec(),
                ospf: ospf.clone(),
                ribs: None,
                index: None,
            });
            c.layers.len() - 1
        }
    };
    c.layers.get_mut(pos)
}

/// The IGP layer's value kept in `field` of its cache entry, built by `build` on first use: the
/// RIBs and the prefix index of one layer are memoised the same way, so one helper holds the rule.
fn layer_memo<T>(
    statics: &[Vec<Route>],
    ospf: &Arc<Vec<Vec<Route>>>,
    cache: &mut Option<OspfCache>,
    field: fn(&mut IgpLayer) -> &mut Option<Arc<T>>,
    build: impl FnOnce() -> T,
) -> Arc<T> {
    let mut entry = layer_entry(statics, ospf, cache);
    if let Some(hit) = entry.as_mut().and_then(|e| field(e).clone()) {
        return hit;
    }
    let value = Arc::new(build());
    if let Some(e) = entry {
        *field(e) = Some(value.clone());
    }
    value
}

fn igp_layer(
    nodes: &[NodeIn],
    statics: &[Vec<Route>],
    ospf: &Arc<Vec<Vec<Route>>>,
    cache: &mut Option<OspfCache>,
) -> Arc<Vec<NodeRibs>> {
    layer_memo(
        statics,
        ospf,
        cache,
        |e| &mut e.ribs,
        || assemble(nodes, &[statics, ospf.as_slice()]),
    )
}

fn igp_index(
    nodes: &[NodeIn],
    statics: &[Vec<Route>],
    ospf: &Arc<Vec<Vec<Route>>>,
    cache: &mut Option<OspfCache>,
) -> Arc<Vec<PrefixIndex>> {
    layer_memo(
        statics,
        ospf,
        cache,
        |e| &mut e.index,
        || index_of(nodes, &[statics, ospf.as_slice()]),
    )
}

/// assemble(base, statics, ospf, bgp) from the IGP layer: a copy with the BGP routes merged last.
fn with_bgp(layer: &[NodeRibs], bgp: &[Vec<Route>]) -> Vec<NodeRibs> {
    let mut ribs = layer.to_vec();
    for (nr, routes) in ribs.iter_mut().zip(bgp) {
        for r in routes {
            nr.rib_mut(r.vrf).merge(r.clone());
        }
    }
    ribs
}

/// The main RIBs one IGP fixed point call ends with, in the form the BGP rounds read them: either
/// assembled, or the IGP layer (shared) with the BGP routes merged on their own beside it.
pub enum IgpRibs {
    Full(Vec<NodeRibs>),
    Layered {
        layer: Arc<Vec<NodeRibs>>,
        overlay: Vec<NodeRibs>,
    },
}

/// One VRF's main RIB seen through IgpRibs: the IGP layer's RIB and the BGP overlay's.
pub struct VrfView<'a> {
    igp: Option<&'a MainRib>,
    bgp: Option<&'a MainRib>,
}

impl IgpRibs {
    pub fn vrf(&self, node: usize, vrf: u32) -> VrfView<'_> {
        match self {
            IgpRibs::Full(ribs) => VrfView {
                igp: ribs.get(node).and_then(|nr| nr.ribs.get(&vrf)),
                bgp: None,
            },
            IgpRibs::Layered { layer, overlay } => VrfView {
                igp: layer.get(node).and_then(|nr| nr.ribs.get(&vrf)),
                bgp: overlay.get(node).and_then(|nr| nr.ribs.get(&vrf)),
            },
        }
    }

    /// The shared IGP layer, when the RIBs are not assembled.
    pub fn layer(&self) -> Option<&Arc<Vec<NodeRibs>>> {
        match self {
            IgpRibs::Full(_) => None,
            IgpRibs::Layered { layer, .. } => Some(layer),
        }
    }

    /// The assembled RIBs (what assemble(base, statics, ospf, bgp) gives); `bgp`: the routes this
    /// was computed with.
    pub fn materialize(self, bgp: &[Vec<Route>]) -> Vec<NodeRibs> {
        match self {
            IgpRibs::Full(ribs) => ribs,
            IgpRibs::Layered { layer, .. } => with_bgp(&layer, bgp),
        }
    }
}

impl<'a> VrfView<'a> {
    pub fn exists(&self) -> bool {
        self.igp.is_some() || self.bgp.is_some()
    }

    /// The longest prefix holding ip: a prefix is in the assembled RIB when it is in either part.
    pub fn lpm(&self, ip: u32) -> Option<Prefix> {
        let a = self
            .igp
            .and_then(|r| r.lpm_slot(ip, 32).map(|s| r.slots[s].0));
        let b = self
            .bgp
            .and_then(|r| r.lpm_slot(ip, 32).map(|s| r.slots[s].0));
        match (a, b) {
            (Some(x), Some(y)) => Some(if y.1 > x.1 { y } else { x }),
            (x, None) => x,
            (None, y) => y,
        }
    }

    /// The assembled RIB's routes for exactly this prefix, in its order. MainRib.merge keeps the
    /// routes of the least (ad, metric) in first-insertion order without duplicates, so merging the
    /// overlay's (already merged) list into the layer's equals merging the BGP routes one by one.
    pub fn routes(&self, p: Prefix) -> Option<Cow<'a, [Route]>> {
        let a = self
            .igp
            .and_then(|r| r.lpm_exact(p).map(|s| r.slots[s].1.as_slice()));
        let b = self
            .bgp
            .and_then(|r| r.lpm_exact(p).map(|s| r.slots[s].1.as_slice()));
        match (a, b) {
            (None, None) => None,
            (Some(x), None) => Some(Cow::Borrowed(x)),
            (None, Some(y)) => Some(Cow::Borrowed(y)),
            (Some(x), Some(y)) => {
                let mut cur = x.to_vec();
                for r in y {
                    let best = (cur[0].ad, cur[0].metric);
                    let new = (r.ad, r.metric);
                    if new < best {
                        cur = vec![r.clone()];
                    } else if new == best && !cur.contains(r) {
                        cur.push(r.clone());
                    }
                }
                Some(Cow::Owned(cur))
            }
        }
    }
}

/// One dataplane.py igp_fixpoint call given the current BGP main-RIB routes; ``cache`` holds the
/// OSPF routes last computed (Python's igp_cache), which the next call starts from.
#[allow(clippy::too_many_arguments)]
pub fn igp_fixpoint(
    nodes: &[NodeIn],
    dom: &Domain,
    spf: &crate::ospf::Spf,
    names: &[String],
    max_iterations: usize,
    bgp: &[Vec<Route>],
    cache: &mut Option<OspfCache>,
    unstable: &mut Vec<(usize, u32, u8)>,
) -> Vec<NodeRibs> {
    igp_fixpoint_parts(nodes, dom, spf, names, max_iterations, bgp, cache, unstable)
        .materialize(bgp)
}

/// igp_fixpoint without assembling the RIBs it ends with (the BGP rounds only look them up).
///
/// Each iteration of Python's loop assembles every main RIB; here only what the iteration reads
/// is computed. Static routes read longest-prefix lengths only, and a prefix is in the assembled
/// RIB when it is in the IGP layer or among the BGP routes, so the longest match is the longer of
/// the two; OSPF reads the RIBs only through redistribution (none configured: externals are
/// empty whatever the RIBs hold). The RIBs are assembled when redistribution reads them.
#[allow(clippy::too_many_arguments)]
pub fn igp_fixpoint_parts(
    nodes: &[NodeIn],
    dom: &Domain,
    spf: &crate::ospf::Spf,
    names: &[String],
    max_iterations: usize,
    bgp: &[Vec<Route>],
    cache: &mut Option<OspfCache>,
    unstable: &mut Vec<(usize, u32, u8)>,
) -> IgpRibs {
    let n = nodes.len();
    let mut statics: Vec<Vec<Route>> = vec![Vec::new(); n];
    let mut ospf: Arc<Vec<Vec<Route>>> = cache
        .as_ref()
        .map(|c| c.routes.clone())
        .unwrap_or_else(|| Arc::new(vec![Vec::new(); n]));
    let redistributing = any_redistribution(dom);
    // the BGP routes alone, merged as assemble would (only their prefixes are read)
    let overlay: Vec<NodeRibs> = if redistributing {
        Vec::new()
    } else {
        let mut o: Vec<NodeRibs> = vec![NodeRibs::default(); n];
        for (nr, routes) in o.iter_mut().zip(bgp) {
            for r in routes {
                nr.rib_mut(r.vrf).merge(r.clone());
            }
        }
        o
    };
    for attempt in 0..max_iterations {
        let (new_statics, ospf_new, full) = if redistributing {
            let layer = igp_layer(nodes, &statics, &ospf, cache);
            let full = with_bgp(&layer, bgp);
            let st: Vec<Vec<Route>> = nodes
                .iter()
                .zip(&full)
                .map(|(nd, r)| static_routes(nd, |vrf, ip| lpm_len(r, vrf, ip)))
                .collect();
            let o = ospf_routes_cached(dom, spf, &full, names, cache);
            (st, o, Some(full))
        } else {
            let index = igp_index(nodes, &statics, &ospf, cache);
            let st: Vec<Vec<Route>> = nodes
                .iter()
                .enumerate()
                .map(|(i, nd)| {
                    static_routes(nd, |vrf, ip| {
                        index[i].lpm_len(vrf, ip).max(lpm_len(&overlay[i], vrf, ip))
                    })
                })
                .collect();
            let exts = vec![Vec::new(); dom.procs.len()];
            let o = ospf_routes_for(dom, spf, exts, n, names, cache);
            (st, o, None)
        };
        let same_ospf = Arc::ptr_eq(&ospf_new, &ospf) || *ospf_new == *ospf;
        let stable = new_statics == statics && same_ospf;
        if stable || attempt + 1 == max_iterations {
            if !stable {
                // cut short: name what still changed; the RIBs are this last iteration's
                for (old, new) in [
                    (statics.as_slice(), new_statics.as_slice()),
                    (ospf.as_slice(), ospf_new.as_slice()),
                ] {
                    for i in 0..n {
                        for r in old[i]
                            .iter()
                            .filter(|r| !new[i].contains(r))
                            .chain(new[i].iter().filter(|r| !old[i].contains(r)))
                        {
                            unstable.push((i, r.net, r.plen));
                        }
                    }
                }
            }
            return match full {
                Some(f) => IgpRibs::Full(f),
                None => IgpRibs::Layered {
                    layer: igp_layer(nodes, &statics, &ospf, cache),
                    overlay,
                },
            };
        }
        statics = new_statics;
        ospf = ospf_new;
    }
    IgpRibs::Full(Vec::new())
}
