//! BGP session reachability over the core's current FIBs: the boolean that
//! validator/engine/dataplane.py's `_session_reachable` computes with the Python flow tracer
//! (engine/traceroute.py), for the sessions whose paths the walk here fully models.
//!
//! The tracer's answer for a session is: some forward trace (src:49152 -> dst:179, originated in
//! the initiator's VRF) is ACCEPTED (within two hops for single-hop eBGP) at a listener L, and some
//! reply trace from L (same VRF) is ACCEPTED at the initiator. Every step of a trace is a function
//! of its key (node, VRF, ingress interface) alone (ingress filter, local acceptance, FIB lookup,
//! egress filter, ARP replies), and the tracer cuts a branch only when a key repeats on it (LOOP).
//! So the set of (accepting node, fewest hops) over all traces equals what a breadth-first search
//! over keys finds: a walk reaching a key contains a simple path (a trace) reaching it, and the
//! shortest one is simple. Whether the session is up is a boolean over that set, which is all
//! compute_bgp_topology consumes; the trace order and the hop details do not matter.
//!
//! Fail closed: the walk models no filter of any kind. An interface with an ACL (in or out), a
//! security zone, or lines the parser could not read is marked not plain by Python
//! (native_bgp.py), and a search that would enter or leave through one answers "unknown"; the
//! caller then runs the Python tracer for that session. So is an output interface the node does
//! not configure. Unknown is never treated as either answer here.
use std::collections::{HashSet, VecDeque};

use crate::fib::{slot_actions, Action};
use crate::igp::NodeRibs;
use crate::rib::{FxMap, NO_IFACE};

/// (accepting node, fewest hops) of a search; None: it met what the walk does not model.
type Listeners = Option<Vec<(usize, usize)>>;

/// One interface as the tracer consults it.
pub struct Iface {
    pub name: u32,
    pub vrf: u32,
    pub active: bool,
    /// no ACL in or out, no security zone, no unparsed lines: nothing the walk does not model
    pub plain: bool,
    pub proxy_arp: bool,
    pub addrs: Vec<u32>,
    /// layer-3 edges from this interface: (node, interface index), as Tracer._neighbours
    pub nbrs: Vec<(usize, usize)>,
}

#[derive(Default)]
pub struct SessionNet {
    pub nodes: Vec<Vec<Iface>>,
    by_name: Vec<FxMap<u32, usize>>,
    /// (node, vrf, dst) -> the distinct FIB actions of the longest match (None: no FIB / no route)
    fib_cache: FxMap<(usize, u32, u32), Option<Vec<Action>>>,
    /// (node, vrf, dst, hop limit) -> forward search result
    walk_cache: FxMap<(usize, u32, u32, bool), Listeners>,
    pub answered: u64,
    pub unknown: u64,
}

/// (name, vrf, active, plain, proxy_arp, addresses) per interface, per node.
pub type IfaceIn = (u32, u32, bool, bool, bool, Vec<u32>);

impl SessionNet {
    /// `edges`: (node1, iface name1, node2, iface name2), the data plane's layer-3 edges.
    pub fn new(nodes: Vec<Vec<IfaceIn>>, edges: Vec<(usize, u32, usize, u32)>) -> Self {
        let mut net = SessionNet::default();
        for ifaces in nodes {
            let mut by_name = FxMap::default();
            let mut out = Vec::with_capacity(ifaces.len());
            for (i, (name, vrf, active, plain, proxy_arp, addrs)) in ifaces.into_iter().enumerate()
            {
                by_name.insert(name, i);
                out.push(Iface {
                    name,
                    vrf,
                    active,
                    plain,
                    proxy_arp,
                    addrs,
                    nbrs: Vec::new(),
                });
            }
            net.nodes.push(out);
            net.by_name.push(by_name);
        }
        for (n1, i1, n2, i2) in edges {
            let (Some(&a), Some(&b)) = (net.by_name[n1].get(&i1), net.by_name[n2].get(&i2)) else {
                continue;
            };
            let list = &mut net.nodes[n1][a].nbrs;
            if !list.contains(&(n2, b)) {
                list.push((n2, b));
            }
        }
        net
    }

    /// The FIBs changed (a new round's RIBs): forget every lookup.
    pub fn reset(&mut self) {
        self.fib_cache.clear();
        self.walk_cache.clear();
    }

    fn actions(
        &mut self,
        ribs: &[NodeRibs],
        node: usize,
        vrf: u32,
        dst: u32,
    ) -> Option<Vec<Action>> {
        let key = (node, vrf, dst);
        if let Some(hit) = self.fib_cache.get(&key) {
            return hit.clone();
        }
        let found = ribs
            .get(node)
            .and_then(|nr| nr.ribs.get(&vrf))
            .and_then(|rib| rib.lpm_slot(dst, 32).map(|s| slot_actions(rib, s)));
        self.fib_cache.insert(key, found.clone());
        found
    }

    /// Tracer._replies: the interface owns the IP, or answers by proxy ARP (its FIB routes the IP
    /// and not back out of this interface).
    fn replies(&mut self, ribs: &[NodeRibs], node: usize, iface: usize, ip: u32) -> bool {
        let f = &self.nodes[node][iface];
        if f.addrs.contains(&ip) {
            return true;
        }
        if !f.proxy_arp || f.addrs.is_empty() {
            return false;
        }
        let (name, vrf) = (f.name, f.vrf);
        match self.actions(ribs, node, vrf, ip) {
            Some(acts) => !acts.is_empty() && acts.iter().all(|a| a.0 != name),
            None => false,
        }
    }

    /// Tracer._accepting_interface: an active interface of the node in this VRF owns dst.
    fn accepts(&self, node: usize, vrf: u32, dst: u32) -> bool {
        self.nodes[node]
            .iter()
            .any(|f| f.active && f.vrf == vrf && f.addrs.contains(&dst))
    }

    /// Every (accepting node, fewest hops) of the traces from (node, vrf) to dst; with
    /// `two_hops`, only traces of at most two hops count. None: the search met what it does not
    /// model.
    fn accepted(
        &mut self,
        ribs: &[NodeRibs],
        node: usize,
        vrf: u32,
        dst: u32,
        two_hops: bool,
    ) -> Option<Vec<(usize, usize)>> {
        let ck = (node, vrf, dst, two_hops);
        if let Some(hit) = self.walk_cache.get(&ck) {
            return hit.clone();
        }
        let res = self.search(ribs, node, vrf, dst, two_hops);
        self.walk_cache.insert(ck, res.clone());
        res
    }

    fn search(
        &mut self,
        ribs: &[NodeRibs],
        node: usize,
        vrf: u32,
        dst: u32,
        two_hops: bool,
    ) -> Option<Vec<(usize, usize)>> {
        // key: (node, vrf, ingress interface index or usize::MAX for the originating hop)
        let start = (node, vrf, usize::MAX);
        let mut seen: HashSet<(usize, u32, usize)> = HashSet::new();
        seen.insert(start);
        let mut queue: VecDeque<((usize, u32, usize), usize)> = VecDeque::new();
        queue.push_back((start, 1));
        let mut out: Vec<(usize, usize)> = Vec::new();
        while let Some(((n, v, in_if), depth)) = queue.pop_front() {
            if in_if != usize::MAX && !self.nodes[n][in_if].plain {
                return None; // an ingress filter (or anything else) the walk does not model
            }
            if self.accepts(n, v, dst) {
                if !out.iter().any(|(m, _)| *m == n) {
                    out.push((n, depth));
                }
                continue;
            }
            if two_hops && depth >= 2 {
                continue; // a longer trace never counts; what lies beyond cannot matter
            }
            let Some(acts) = self.actions(ribs, n, v, dst) else {
                continue; // NO_ROUTE
            };
            for (iface, arp, null) in acts {
                if null || iface == NO_IFACE {
                    continue; // NULL_ROUTED
                }
                let Some(&oi) = self.by_name[n].get(&iface) else {
                    return None; // an output interface the node does not configure
                };
                if !self.nodes[n][oi].plain {
                    return None; // egress filter or zone
                }
                let arp_ip = arp.unwrap_or(dst);
                let nbrs = self.nodes[n][oi].nbrs.clone();
                for (n2, i2) in nbrs {
                    if !self.replies(ribs, n2, i2, arp_ip) {
                        continue;
                    }
                    let key = (n2, self.nodes[n2][i2].vrf, i2);
                    if seen.insert(key) {
                        queue.push_back((key, depth + 1));
                    }
                }
                // no replier: an ARP failure disposition, never ACCEPTED
            }
        }
        Some(out)
    }

    /// dataplane.py _session_reachable: Some(up) when the walk decides it, None when the
    /// Python tracer must.
    pub fn reachable(
        &mut self,
        ribs: &[NodeRibs],
        node: usize,
        vrf: u32,
        src: u32,
        dst: u32,
        single_hop: bool,
    ) -> Option<bool> {
        let res = self.decide(ribs, node, vrf, src, dst, single_hop);
        if res.is_some() {
            self.answered += 1;
        } else {
            self.unknown += 1;
        }
        res
    }

    fn decide(
        &mut self,
        ribs: &[NodeRibs],
        node: usize,
        vrf: u32,
        src: u32,
        dst: u32,
        single_hop: bool,
    ) -> Option<bool> {
        if node >= self.nodes.len() {
            return None;
        }
        let listeners = self.accepted(ribs, node, vrf, dst, single_hop)?;
        for (listener, depth) in listeners {
            if single_hop && depth > 2 {
                continue;
            }
            let back = self.accepted(ribs, listener, vrf, src, false)?;
            if back.iter().any(|(m, _)| *m == node) {
                return Some(true);
            }
        }
        Some(false)
    }
}
