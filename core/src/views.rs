//! The core's result kept in Rust: per node and VRF, the main RIB (its routes in Batfish order)
//! and the FIB in flat arrays, read from Python one (node, VRF) or one FIB row at a time.
//!
//! native.py wraps this in lazy views with the DataPlane interface (dict of dict of lists, Fib
//! objects), so a check touching a few nodes builds Python objects for those nodes only, and the
//! BGP topology rounds (session tracing: a few FIB lookups per session) build almost none. Before,
//! every route of every round crossed into Python: most of the time and memory at 510 routers.
use pyo3::prelude::*;

use std::sync::{Arc, OnceLock};

use crate::fib;
use crate::igp::NodeRibs;
use crate::rib::{MainRib, Route, NO_IFACE};

/// Route out: (net, plen, proto, nh_type, iface, nh_ip, ad, metric, tag,
/// BGP attributes (as path, local preference, sorted communities) or None)
pub type RouteOut = (
    u32,
    u8,
    u8,
    u8,
    Option<u32>,
    Option<u32>,
    i64,
    i64,
    Option<i64>,
    Option<(Vec<u32>, i64, Vec<u32>)>,
);
/// FIB entry out: (route index in the VRF's routes, iface, arp ip, null route, chain route indices)
pub type EntryOut = (u32, Option<u32>, Option<u32>, bool, Vec<u32>);

/// One FIB entry; its resolution chain is `chains[chain.0 .. chain.0 + chain.1]`.
struct Entry {
    route: u32,
    iface: u32,
    arp: Option<u32>,
    null: bool,
    chain: (u32, u32),
}

/// One VRF of one node, beside its RIB (kept as built, in the shared `NodeRibs`: slots in
/// insertion order, which the FIB order follows, and its prefix index for longest-prefix match);
/// `order` lists its routes in Batfish order (rib.py route_sort_key), which is the Python list's
/// order and what indices refer to.
struct VrfTable {
    order: Vec<(u32, u32)>,
    /// per slot: the first entry; one more element at the end
    entry_start: Vec<u32>,
    entries: Vec<Entry>,
    chains: Vec<u32>,
}

fn opt_iface(i: u32) -> Option<u32> {
    if i == NO_IFACE {
        None
    } else {
        Some(i)
    }
}

impl VrfTable {
    fn new(rib: &MainRib, names: &[String]) -> Self {
        let mut order: Vec<(u32, u32)> = rib
            .slots
            .iter()
            .enumerate()
            .flat_map(|(s, (_p, rs))| (0..rs.len()).map(move |k| (s as u32, k as u32)))
            .collect();
        order.sort_by(|x, y| {
            let rx = &rib.slots[x.0 as usize].1[x.1 as usize];
            let ry = &rib.slots[y.0 as usize].1[y.1 as usize];
            crate::sort_key(rx, names).cmp(&crate::sort_key(ry, names))
        });
        let mut pos: Vec<Vec<u32>> = rib.slots.iter().map(|(_p, rs)| vec![0; rs.len()]).collect();
        for (i, (s, k)) in order.iter().enumerate() {
            pos[*s as usize][*k as usize] = i as u32;
        }
        let fib = fib::build_fib(rib);
        let mut entry_start = Vec::with_capacity(fib.len() + 1);
        let mut entries = Vec::new();
        let mut chains = Vec::new();
        for slot in fib {
            entry_start.push(entries.len() as u32);
            for e in slot {
                let start = chains.len() as u32;
                chains.extend(e.chain.iter().map(|(s, k)| pos[*s][*k]));
                entries.push(Entry {
                    route: pos[e.route.0][e.route.1],
                    iface: e.action.0,
                    arp: e.action.1,
                    null: e.action.2,
                    chain: (start, e.chain.len() as u32),
                });
            }
        }
        entry_start.push(entries.len() as u32);
        entries.shrink_to_fit();
        chains.shrink_to_fit();
        VrfTable {
            order,
            entry_start,
            entries,
            chains,
        }
    }

    fn route(&self, rib: &MainRib, i: usize) -> PyResult<RouteOut> {
        let (s, k) = *self
            .order
            .get(i)
            .ok_or_else(|| pyo3::exceptions::PyIndexError::new_err("route index out of range"))?;
        let r: &Route = &rib.slots[s as usize].1[k as usize];
        Ok((
            r.net,
            r.plen,
            r.proto,
            r.nh_type,
            opt_iface(r.nh_iface),
            r.nh_ip,
            r.ad,
            r.metric,
            r.tag,
            r.bgp
                .as_ref()
                .map(|b| (b.as_path.clone(), b.local_pref, b.communities.clone())),
        ))
    }

    fn row(&self, slot: usize) -> Vec<EntryOut> {
        let (a, b) = (self.entry_start[slot], self.entry_start[slot + 1]);
        self.entries[a as usize..b as usize]
            .iter()
            .map(|e| {
                (
                    e.route,
                    opt_iface(e.iface),
                    e.arp,
                    e.null,
                    self.chains[e.chain.0 as usize..(e.chain.0 + e.chain.1) as usize].to_vec(),
                )
            })
            .collect()
    }
}

/// The computed main RIBs and FIBs, per node (in input order) and VRF (in creation order). The
/// RIBs are shared (`Arc`), so the engine may keep the same ones (e.g. for its own FIB walks)
/// without a copy. A VRF's Batfish order and FIB arrays are built on its first read: the BGP
/// topology rounds read a few VRFs (a longest-prefix match needs the RIB only), the final data
/// plane only what Python reads.
#[pyclass(frozen, module = "validator._core")]
pub struct Tables {
    ribs: Arc<Vec<NodeRibs>>,
    names: Vec<String>,
    nodes: Vec<Vec<(u32, OnceLock<VrfTable>)>>,
}

impl Tables {
    pub fn build(ribs: Vec<NodeRibs>, names: &[String]) -> Self {
        Self::build_shared(Arc::new(ribs), names)
    }

    pub fn build_shared(ribs: Arc<Vec<NodeRibs>>, names: &[String]) -> Self {
        let nodes = ribs
            .iter()
            .map(|nr| nr.order.iter().map(|v| (*v, OnceLock::new())).collect())
            .collect();
        Tables {
            ribs,
            names: names.to_vec(),
            nodes,
        }
    }

    fn rib(&self, node: usize, vrf: usize) -> PyResult<(u32, &MainRib)> {
        let (v, _) = self
            .nodes
            .get(node)
            .and_then(|vs| vs.get(vrf))
            .ok_or_else(|| pyo3::exceptions::PyIndexError::new_err("no such node/VRF"))?;
        let rib = self.ribs[node].ribs.get(v).unwrap_or_else(|| empty_rib());
        Ok((*v, rib))
    }

    fn table(&self, node: usize, vrf: usize) -> PyResult<(&VrfTable, &MainRib)> {
        let (_v, rib) = self.rib(node, vrf)?;
        let t = self.nodes[node][vrf]
            .1
            .get_or_init(|| VrfTable::new(rib, &self.names));
        Ok((t, rib))
    }
}

/// Routes of one RIB in Batfish order (rib.py route_sort_key, stable over insertion order): the
/// Python list a VRF's view builds.
fn sorted_routes<'a>(rib: &'a MainRib, names: &[String]) -> Vec<&'a Route> {
    let mut out: Vec<&Route> = rib.slots.iter().flat_map(|(_p, rs)| rs.iter()).collect();
    out.sort_by(|x, y| crate::sort_key(x, names).cmp(&crate::sort_key(y, names)));
    out
}

fn route_at<'a>(t: &VrfTable, rib: &'a MainRib, i: u32) -> &'a Route {
    let (s, k) = t.order[i as usize];
    &rib.slots[s as usize].1[k as usize]
}

/// Two FIB rows equal by value (entry by entry: route, action, resolution chain).
fn rows_equal(
    ta: &VrfTable,
    ra: &MainRib,
    sa: usize,
    tb: &VrfTable,
    rb: &MainRib,
    sb: usize,
) -> bool {
    let ea = &ta.entries[ta.entry_start[sa] as usize..ta.entry_start[sa + 1] as usize];
    let eb = &tb.entries[tb.entry_start[sb] as usize..tb.entry_start[sb + 1] as usize];
    if ea.len() != eb.len() {
        return false;
    }
    ea.iter().zip(eb).all(|(x, y)| {
        x.iface == y.iface
            && x.arp == y.arp
            && x.null == y.null
            && x.chain.1 == y.chain.1
            && route_at(ta, ra, x.route) == route_at(tb, rb, y.route)
            && (0..x.chain.1).all(|j| {
                route_at(ta, ra, ta.chains[(x.chain.0 + j) as usize])
                    == route_at(tb, rb, tb.chains[(y.chain.0 + j) as usize])
            })
    })
}

fn empty_rib() -> &'static MainRib {
    static EMPTY: OnceLock<MainRib> = OnceLock::new();
    EMPTY.get_or_init(MainRib::default)
}

#[pymethods]
impl Tables {
    /// Per node, its VRF name ids in creation order (a VRF's position there is its index below).
    fn vrfs(&self) -> Vec<Vec<u32>> {
        self.nodes
            .iter()
            .map(|vs| vs.iter().map(|(v, _)| *v).collect())
            .collect()
    }

    /// Where these tables differ from `other` (the same snapshot under other failures, serialised
    /// with the same name table): (node index, VRF name id) whose FIB differs, and separately
    /// those whose RIB (the route list in Batfish order) differs; a VRF present in one only differs
    /// in both. Exact: a FIB is a function of its RIB's slots (prefixes in insertion order, routes
    /// in ECMP order), so equal slots mean an equal FIB and an equal route list; unequal slots
    /// count as a changed FIB (never shared), and their route lists are compared in Batfish order.
    /// None when the name tables or node counts differ (the ids are not comparable).
    #[allow(clippy::type_complexity)]
    fn diff(&self, other: PyRef<'_, Tables>) -> Option<(Vec<(usize, u32)>, Vec<(usize, u32)>)> {
        if self.names != other.names || self.nodes.len() != other.nodes.len() {
            return None;
        }
        let mut fib_changed = Vec::new();
        let mut rib_changed = Vec::new();
        for ni in 0..self.nodes.len() {
            let mine: Vec<u32> = self.nodes[ni].iter().map(|(v, _)| *v).collect();
            let theirs: Vec<u32> = other.nodes[ni].iter().map(|(v, _)| *v).collect();
            let mut all = mine.clone();
            all.extend(theirs.iter().filter(|v| !mine.contains(v)));
            for v in all {
                let a = mine
                    .contains(&v)
                    .then(|| self.ribs[ni].ribs.get(&v).unwrap_or_else(|| empty_rib()));
                let b = theirs
                    .contains(&v)
                    .then(|| other.ribs[ni].ribs.get(&v).unwrap_or_else(|| empty_rib()));
                match (a, b) {
                    (Some(a), Some(b)) => {
                        if a.slots == b.slots {
                            continue;
                        }
                        fib_changed.push((ni, v));
                        if sorted_routes(a, &self.names) != sorted_routes(b, &other.names) {
                            rib_changed.push((ni, v));
                        }
                    }
                    _ => {
                        fib_changed.push((ni, v));
                        rib_changed.push((ni, v));
                    }
                }
            }
        }
        Some((fib_changed, rib_changed))
    }

    /// The prefixes (net, plen) whose FIB row in VRF `vrf` (a name id) of node `node` differs from
    /// `other`'s (compared by value: each entry's route, action and resolution chain), or exists
    /// in one of the two only. A lookup of an address outside all of them answers as `other`'s:
    /// its longest match is a prefix both have, with equal rows (checks/fibmap.py patches an
    /// interval map on this). None when the VRF is missing from either or the name tables differ.
    fn fib_changes(
        &self,
        other: PyRef<'_, Tables>,
        node: usize,
        vrf: u32,
    ) -> PyResult<Option<Vec<(u32, u8)>>> {
        if self.names != other.names || node >= self.nodes.len() || node >= other.nodes.len() {
            return Ok(None);
        }
        let (Some(ia), Some(ib)) = (
            self.nodes[node].iter().position(|(v, _)| *v == vrf),
            other.nodes[node].iter().position(|(v, _)| *v == vrf),
        ) else {
            return Ok(None);
        };
        let (ta, ra) = self.table(node, ia)?;
        let (tb, rb) = other.table(node, ib)?;
        let mut out = Vec::new();
        for (sa, (p, _)) in ra.slots.iter().enumerate() {
            match rb.lpm_exact(*p) {
                Some(sb) if rows_equal(ta, ra, sa, tb, rb, sb) => {}
                _ => out.push(*p),
            }
        }
        for (p, _) in &rb.slots {
            if ra.lpm_exact(*p).is_none() {
                out.push(*p);
            }
        }
        Ok(Some(out))
    }

    /// Every prefix of every node's and VRF's RIB, once each, sorted: what a check needs when it
    /// reads only the routes' networks (checks/explore.py destination cuts), without building routes.
    fn prefixes(&self) -> Vec<(u32, u8)> {
        let mut out: Vec<(u32, u8)> = self
            .ribs
            .iter()
            .flat_map(|nr| nr.ribs.values())
            .flat_map(|rib| rib.slots.iter().map(|(p, _)| *p))
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Number of routes of one node/VRF (builds nothing).
    fn route_count(&self, node: usize, vrf: usize) -> PyResult<usize> {
        let (_v, rib) = self.rib(node, vrf)?;
        Ok(rib.slots.iter().map(|(_p, rs)| rs.len()).sum())
    }

    /// How many node/VRF tables are built so far (for tests and the benchmark).
    fn built(&self) -> usize {
        self.nodes
            .iter()
            .flatten()
            .filter(|(_v, t)| t.get().is_some())
            .count()
    }

    /// The routes of one node/VRF in Batfish order.
    fn routes(&self, node: usize, vrf: usize) -> PyResult<Vec<RouteOut>> {
        let (t, rib) = self.table(node, vrf)?;
        (0..t.order.len()).map(|i| t.route(rib, i)).collect()
    }

    /// Route `i` (Batfish order) of one node/VRF.
    fn route(&self, node: usize, vrf: usize, i: usize) -> PyResult<RouteOut> {
        let (t, rib) = self.table(node, vrf)?;
        t.route(rib, i)
    }

    /// Longest-prefix match: the FIB row (RIB slot) of the longest prefix of length <= max_len
    /// containing `ip`.
    fn fib_slot(&self, node: usize, vrf: usize, ip: u32, max_len: u8) -> PyResult<Option<usize>> {
        Ok(self.rib(node, vrf)?.1.lpm_slot(ip, max_len))
    }

    /// One FIB row: (plen, net, entries) of RIB slot `slot`.
    fn fib_row(&self, node: usize, vrf: usize, slot: usize) -> PyResult<(u8, u32, Vec<EntryOut>)> {
        let (t, rib) = self.table(node, vrf)?;
        let (net, plen) = rib
            .slots
            .get(slot)
            .ok_or_else(|| pyo3::exceptions::PyIndexError::new_err("FIB row out of range"))?
            .0;
        Ok((plen, net, t.row(slot)))
    }

    /// Every FIB row of one node/VRF as (plen, net, entries), in RIB insertion order.
    fn fib_rows(&self, node: usize, vrf: usize) -> PyResult<Vec<(u8, u32, Vec<EntryOut>)>> {
        let (t, rib) = self.table(node, vrf)?;
        Ok((0..rib.slots.len())
            .map(|s| {
                let (net, plen) = rib.slots[s].0;
                (plen, net, t.row(s))
            })
            .collect())
    }
}
