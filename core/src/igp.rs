//! The IGP fixed point of validator/engine/dataplane.py's igp_fixpoint for a snapshot without
//! BGP: connected/local routes, statics activated against the current RIBs, OSPF, until stable.
use std::collections::HashMap;

use crate::ospf::{compute_spf, ospf_routes_cached, Domain, OspfCache};
use crate::rib::{contains, MainRib, Route, NH_DISCARD, NH_INTERFACE, NH_IP, NO_IFACE, P_STATIC};

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
    pub ribs: HashMap<u32, MainRib>,
}

impl NodeRibs {
    fn rib_mut(&mut self, vrf: u32) -> &mut MainRib {
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

fn static_routes(node: &NodeIn, ribs: &NodeRibs) -> Vec<Route> {
    let mut out = Vec::new();
    for sr in &node.statics {
        let (nh_type, iface, ip) = match sr.kind {
            0 => (NH_DISCARD, NO_IFACE, None),
            1 => (NH_INTERFACE, sr.iface, sr.ip),
            _ => {
                let ip = sr.ip.expect("ip static without ip");
                let Some(rib) = ribs.ribs.get(&sr.vrf) else {
                    continue;
                };
                let Some(slot) = rib.lpm_slot(ip, 32) else {
                    continue;
                };
                if contains((sr.net, sr.plen), ip) && rib.slots[slot].0 .1 <= sr.plen {
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
    let n = nodes.len();
    let mut statics: Vec<Vec<Route>> = vec![Vec::new(); n];
    let mut ospf: Vec<Vec<Route>> = cache
        .as_ref()
        .map(|c| c.routes.clone())
        .unwrap_or_else(|| vec![Vec::new(); n]);
    let mut ribs = Vec::new();
    for attempt in 0..max_iterations {
        ribs = assemble(nodes, &[&statics, &ospf, bgp]);
        let new_statics: Vec<Vec<Route>> = nodes
            .iter()
            .zip(&ribs)
            .map(|(nd, r)| static_routes(nd, r))
            .collect();
        let ospf_new = ospf_routes_cached(dom, spf, &ribs, names, cache);
        if new_statics == statics && ospf_new == ospf {
            return ribs;
        }
        if attempt + 1 == max_iterations {
            for (old, new) in [(&statics, &new_statics), (&ospf, &ospf_new)] {
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
        statics = new_statics;
        ospf = ospf_new;
    }
    ribs
}
