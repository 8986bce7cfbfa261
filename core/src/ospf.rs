//! OSPF routes exactly as validator/engine/ospf.py's compute_ospf_routes, over the domain that
//! Python's build_domain computed (router ids, costs, adjacencies are not re-derived here).
//! The shortest paths depend only on the domain, so they are computed once per data plane; only
//! the redistributed externals read the main RIBs and are recomputed per IGP round.
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashSet};
use std::sync::Arc;

use crate::igp::NodeRibs;
use crate::rib::{
    FxMap, MainRib, Prefix, Route, NH_INTERFACE, P_OSPF, P_OSPF_E1, P_OSPF_E2, P_OSPF_IA,
};

pub type Hop = (u32, u32); // (interface id, neighbour ip)
pub type Hops = Vec<Hop>; // a set: sorted, deduplicated

fn union(a: &mut Hops, b: &Hops) {
    a.extend_from_slice(b);
    a.sort_unstable();
    a.dedup();
}

pub struct Redist {
    pub proto: u8, // 0 connected, 1 static, 2 bgp
    pub subnets: bool,
    pub metric: Option<i64>,
    pub metric_type: u8,
}

pub struct Proc {
    pub node: usize,
    pub vrf: u32,
    pub rank: usize, // position of (node, vrf, pid) in sorted order: the Python heap's tie-break
    pub default_metric: Option<i64>,
    pub redists: Vec<Redist>,
}

pub struct Adj {
    pub src: usize,
    pub dst: usize,
    pub area: i64,
    pub iface: u32,
    pub nbr_ip: u32,
    pub cost: i64,
}

pub struct Domain {
    pub procs: Vec<Proc>,
    /// (proc, area, cost, advertised prefixes) in domain.ifaces order
    pub ifaces: Vec<(usize, i64, i64, Vec<Prefix>)>,
    pub adjs: Vec<Adj>,
}

type Sp = FxMap<usize, (i64, Hops)>;

fn shortest_paths(
    src: usize,
    graph: &FxMap<usize, Vec<usize>>,
    adjs: &[Adj],
    rank: &[usize],
) -> Sp {
    let mut dist: FxMap<usize, i64> = FxMap::default();
    let mut hops: FxMap<usize, Hops> = FxMap::default();
    let mut done: HashSet<usize> = HashSet::new();
    dist.insert(src, 0);
    hops.insert(src, Vec::new());
    let mut heap = BinaryHeap::new();
    heap.push(Reverse((0i64, rank[src], src)));
    while let Some(Reverse((d, _r, u))) = heap.pop() {
        if !done.insert(u) {
            continue;
        }
        let Some(out) = graph.get(&u) else { continue };
        for &ai in out {
            let adj = &adjs[ai];
            let nd = d + adj.cost;
            let first: Hops = if u == src {
                vec![(adj.iface, adj.nbr_ip)]
            } else {
                hops[&u].clone()
            };
            match dist.get(&adj.dst) {
                Some(&cur) if nd > cur => {}
                Some(&cur) if nd == cur => {
                    if !done.contains(&adj.dst) {
                        union(hops.get_mut(&adj.dst).unwrap(), &first);
                    }
                }
                _ => {
                    dist.insert(adj.dst, nd);
                    hops.insert(adj.dst, first);
                    heap.push(Reverse((nd, rank[adj.dst], adj.dst)));
                }
            }
        }
    }
    dist.into_iter()
        .map(|(k, d)| (k, (d, hops.remove(&k).unwrap())))
        .collect()
}

/// What the domain yields before redistribution: per proc, the chosen intra/inter-area routes in
/// Python's dict order, and the all-area shortest paths the externals use.
pub struct Spf {
    chosen: Vec<Vec<(Prefix, u8, i64, Hops)>>, // proto 0 = own (no route)
    sp_all: Vec<Sp>,
}

// An insertion-ordered map, as Python's dict.
struct OMap<V> {
    keys: Vec<Prefix>,
    map: FxMap<Prefix, V>,
}
impl<V> OMap<V> {
    fn new() -> Self {
        OMap {
            keys: Vec::new(),
            map: FxMap::default(),
        }
    }
    fn insert(&mut self, k: Prefix, v: V) {
        if self.map.insert(k, v).is_none() {
            self.keys.push(k);
        }
    }
}

pub fn compute_spf(dom: &Domain) -> Spf {
    let n = dom.procs.len();
    let rank: Vec<usize> = dom.procs.iter().map(|p| p.rank).collect();
    let mut graph_by_area: BTreeMap<i64, FxMap<usize, Vec<usize>>> = BTreeMap::new();
    let mut graph_all: FxMap<usize, Vec<usize>> = FxMap::default();
    for (i, a) in dom.adjs.iter().enumerate() {
        graph_by_area
            .entry(a.area)
            .or_default()
            .entry(a.src)
            .or_default()
            .push(i);
        graph_all.entry(a.src).or_default().push(i);
    }
    let mut areas_of: Vec<Vec<i64>> = vec![Vec::new(); n];
    // adverts: area -> [(advertiser, [(prefix, cost)])] in insertion order
    let mut adverts: BTreeMap<i64, Vec<(usize, Vec<(Prefix, i64)>)>> = BTreeMap::new();
    for (p, area, cost, prefixes) in &dom.ifaces {
        if !areas_of[*p].contains(area) {
            areas_of[*p].push(*area);
        }
        let list = adverts.entry(*area).or_default();
        let pos = match list.iter().position(|(k, _)| k == p) {
            Some(i) => i,
            None => {
                list.push((*p, Vec::new()));
                list.len() - 1
            }
        };
        for pf in prefixes {
            list[pos].1.push((*pf, *cost));
        }
    }
    for a in areas_of.iter_mut() {
        a.sort_unstable();
    }
    let empty: FxMap<usize, Vec<usize>> = FxMap::default();
    let mut sp_area: FxMap<(i64, usize), Sp> = FxMap::default();
    for &area in adverts.keys() {
        for key in 0..n {
            if areas_of[key].contains(&area) {
                let g = graph_by_area.get(&area).unwrap_or(&empty);
                sp_area.insert((area, key), shortest_paths(key, g, &dom.adjs, &rank));
            }
        }
    }
    let empty_sp: Sp = FxMap::default();
    // intra: key -> prefix -> (metric, hops, own); where: prefix -> area
    let mut intra: Vec<OMap<(i64, Hops, bool)>> = Vec::with_capacity(n);
    let mut intra_area: Vec<FxMap<Prefix, i64>> = Vec::with_capacity(n);
    for key in 0..n {
        let mut best: OMap<(i64, Hops, bool)> = OMap::new();
        let mut where_: FxMap<Prefix, i64> = FxMap::default();
        for &area in &areas_of[key] {
            let sp = sp_area.get(&(area, key)).unwrap_or(&empty_sp);
            let Some(advs) = adverts.get(&area) else {
                continue;
            };
            for (adv, plist) in advs {
                let Some((d, hops)) = sp.get(adv) else {
                    continue;
                };
                for (p, cost) in plist {
                    let m = d + cost;
                    let own = *adv == key;
                    match best.map.get_mut(p) {
                        Some(cur) if m > cur.0 => {}
                        Some(cur) if m == cur.0 => {
                            union(&mut cur.1, hops);
                            cur.2 = cur.2 || own;
                        }
                        _ => {
                            best.insert(*p, (m, hops.clone(), own));
                            where_.insert(*p, area);
                        }
                    }
                }
            }
        }
        intra.push(best);
        intra_area.push(where_);
    }
    let inter = inter_area(n, &areas_of, &sp_area, &intra, &intra_area);
    let sp_all: Vec<Sp> = (0..n)
        .map(|k| shortest_paths(k, &graph_all, &dom.adjs, &rank))
        .collect();
    let mut chosen = Vec::with_capacity(n);
    for key in 0..n {
        let mut c: OMap<(u8, i64, Hops)> = OMap::new();
        for p in &intra[key].keys {
            let (m, h, own) = &intra[key].map[p];
            if *own {
                c.insert(*p, (0, *m, Vec::new()));
            } else {
                c.insert(*p, (P_OSPF, *m, h.clone()));
            }
        }
        if let Some(ia) = inter.get(key) {
            for p in &ia.keys {
                if !c.map.contains_key(p) {
                    let (m, h) = &ia.map[p];
                    c.insert(*p, (P_OSPF_IA, *m, h.clone()));
                }
            }
        }
        chosen.push(
            c.keys
                .iter()
                .map(|p| {
                    let (proto, m, h) = c.map[p].clone();
                    (*p, proto, m, h)
                })
                .collect(),
        );
    }
    Spf { chosen, sp_all }
}

fn inter_area(
    n: usize,
    areas_of: &[Vec<i64>],
    sp_area: &FxMap<(i64, usize), Sp>,
    intra: &[OMap<(i64, Hops, bool)>],
    intra_area: &[FxMap<Prefix, i64>],
) -> Vec<OMap<(i64, Hops)>> {
    let abrs: Vec<usize> = (0..n)
        .filter(|&k| areas_of[k].contains(&0) && areas_of[k].len() > 1)
        .collect();
    let mut result: Vec<OMap<(i64, Hops)>> = (0..n).map(|_| OMap::new()).collect();
    if abrs.is_empty() {
        return result;
    }
    let empty_sp: Sp = FxMap::default();
    let absorb = |area: i64,
                  sums: &Vec<(usize, Vec<(Prefix, i64)>)>,
                  result: &mut Vec<OMap<(i64, Hops)>>| {
        for key in 0..n {
            if !areas_of[key].contains(&area) {
                continue;
            }
            let sp = sp_area.get(&(area, key)).unwrap_or(&empty_sp);
            for (abr, s) in sums {
                if *abr == key {
                    continue;
                }
                let Some((d, hops)) = sp.get(abr) else {
                    continue;
                };
                for (p, m0) in s {
                    if intra[key].map.contains_key(p) {
                        continue;
                    }
                    let m = d + m0;
                    match result[key].map.get_mut(p) {
                        Some(cur) if m > cur.0 => {}
                        Some(cur) if m == cur.0 => union(&mut cur.1, hops),
                        _ => result[key].insert(*p, (m, hops.clone())),
                    }
                }
            }
        }
    };
    let backbone: Vec<(usize, Vec<(Prefix, i64)>)> = abrs
        .iter()
        .map(|&a| {
            let s = intra[a]
                .keys
                .iter()
                .filter(|p| intra_area[a][*p] != 0)
                .map(|p| (*p, intra[a].map[p].0))
                .collect();
            (a, s)
        })
        .collect();
    absorb(0, &backbone, &mut result);
    let mut other: Vec<i64> = abrs
        .iter()
        .flat_map(|&a| areas_of[a].iter().copied())
        .filter(|&a| a != 0)
        .collect();
    other.sort_unstable();
    other.dedup();
    for area in other {
        let mut sums: Vec<(usize, Vec<(Prefix, i64)>)> = Vec::new();
        for &abr in &abrs {
            if !areas_of[abr].contains(&area) {
                continue;
            }
            let mut s: OMap<i64> = OMap::new();
            for p in &intra[abr].keys {
                if intra_area[abr][p] != area {
                    s.insert(*p, intra[abr].map[p].0);
                }
            }
            for p in &result[abr].keys {
                if !s.map.contains_key(p) {
                    s.insert(*p, result[abr].map[p].0);
                }
            }
            sums.push((abr, s.keys.iter().map(|p| (*p, s.map[p])).collect()));
        }
        absorb(area, &sums, &mut result);
    }
    result
}

#[derive(Clone, PartialEq)]
pub struct External {
    prefix: Prefix,
    metric: i64,
    metric_type: u8,
}

fn classful_len(net: u32) -> u8 {
    let first = net >> 24;
    if first < 128 {
        8
    } else if first < 192 {
        16
    } else {
        24
    }
}

/// Routes a proc redistributes from its main RIB (connected/static/bgp; never the default).
/// Route-maps on redistribution are not supported natively (the feature check sends them to Python).
fn externals(proc: &Proc, rib: Option<&MainRib>) -> Vec<External> {
    let Some(rib) = rib else { return Vec::new() };
    if proc.redists.is_empty() {
        return Vec::new();
    }
    let mut out: Vec<External> = Vec::new();
    let mut seen: HashSet<Prefix> = HashSet::new();
    for rd in &proc.redists {
        let protos: &[u8] = match rd.proto {
            0 => &[crate::rib::P_CONNECTED],
            1 => &[crate::rib::P_STATIC],
            _ => &[7, 8],
        };
        let metric = rd
            .metric
            .or(proc.default_metric)
            .unwrap_or(if rd.proto == 2 { 1 } else { 20 });
        for (p, routes) in &rib.slots {
            if p.1 == 0 || seen.contains(p) || !routes.iter().any(|r| protos.contains(&r.proto)) {
                continue;
            }
            if !rd.subnets && p.1 != classful_len(p.0) {
                continue;
            }
            seen.insert(*p);
            out.push(External {
                prefix: *p,
                metric,
                metric_type: rd.metric_type,
            });
        }
    }
    out
}

/// OSPF main-RIB candidates per node, given the current main RIBs (node -> vrf id -> rib).
/// What an IGP round's OSPF computation depends on besides the domain: the redistributed externals.
/// dataplane.py keeps the OSPF routes while its redistribution signature is unchanged; equal
/// externals give equal routes, so the core keeps them the same way.
#[derive(Clone)]
pub struct OspfCache {
    pub exts: Vec<Vec<External>>,
    /// shared, not copied: an IGP round holding the cached routes compares them by pointer
    pub routes: Arc<Vec<Vec<Route>>>,
    /// the IGP fixed point's assembled RIBs without BGP, per (statics, OSPF routes) it met
    /// (igp.rs IgpLayer); dropped with the cache entry
    pub layers: Vec<crate::igp::IgpLayer>,
}

/// Whether any proc redistributes anything: without, the externals are empty whatever the RIBs
/// hold, and the OSPF routes never depend on them.
pub fn any_redistribution(dom: &Domain) -> bool {
    dom.procs.iter().any(|p| !p.redists.is_empty())
}

pub fn externals_of(dom: &Domain, ribs: &[NodeRibs]) -> Vec<Vec<External>> {
    dom.procs
        .iter()
        .map(|p| externals(p, ribs.get(p.node).and_then(|v| v.ribs.get(&p.vrf))))
        .collect()
}

/// OSPF main-RIB candidates per node, reusing the cache when the externals did not change.
pub fn ospf_routes_cached(
    dom: &Domain,
    spf: &Spf,
    ribs: &[NodeRibs],
    names: &[String],
    cache: &mut Option<OspfCache>,
) -> Arc<Vec<Vec<Route>>> {
    let exts = externals_of(dom, ribs);
    ospf_routes_for(dom, spf, exts, ribs.len(), names, cache)
}

/// ospf_routes_cached given the externals already computed (n_nodes: the RIBs' length).
pub fn ospf_routes_for(
    dom: &Domain,
    spf: &Spf,
    exts: Vec<Vec<External>>,
    n_nodes: usize,
    names: &[String],
    cache: &mut Option<OspfCache>,
) -> Arc<Vec<Vec<Route>>> {
    if let Some(c) = cache.as_ref() {
        if c.exts == exts && c.routes.len() == n_nodes {
            return c.routes.clone();
        }
    }
    let routes = Arc::new(ospf_routes(dom, spf, &exts, n_nodes, names));
    *cache = Some(OspfCache {
        exts,
        routes: routes.clone(),
        layers: Vec::new(),
    });
    routes
}

/// OSPF main-RIB candidates per node given every proc's externals.
pub fn ospf_routes(
    dom: &Domain,
    spf: &Spf,
    exts: &[Vec<External>],
    n_nodes: usize,
    names: &[String],
) -> Vec<Vec<Route>> {
    let n = dom.procs.len();
    let mut out: Vec<Vec<Route>> = vec![Vec::new(); n_nodes];
    if n == 0 {
        return out;
    }
    for key in 0..n {
        let proc = &dom.procs[key];
        let mut chosen: OMap<(u8, i64, Hops)> = OMap::new();
        for (p, proto, m, h) in &spf.chosen[key] {
            chosen.insert(*p, (*proto, *m, h.clone()));
        }
        let mut e1: OMap<(i64, Hops)> = OMap::new();
        let mut e2: OMap<(i64, i64, Hops)> = OMap::new();
        let own_ext: HashSet<Prefix> = exts[key].iter().map(|e| e.prefix).collect();
        for (adv, ext_list) in exts.iter().enumerate() {
            if adv == key {
                continue;
            }
            let Some((d, adv_hops)) = spf.sp_all[key].get(&adv) else {
                continue;
            };
            for ext in ext_list {
                if ext.metric_type == 1 {
                    let m = ext.metric + d;
                    match e1.map.get_mut(&ext.prefix) {
                        Some(c) if m > c.0 => {}
                        Some(c) if m == c.0 => union(&mut c.1, adv_hops),
                        _ => e1.insert(ext.prefix, (m, adv_hops.clone())),
                    }
                } else {
                    match e2.map.get_mut(&ext.prefix) {
                        Some(c) if (ext.metric, *d) > (c.0, c.1) => {}
                        Some(c) if (ext.metric, *d) == (c.0, c.1) => union(&mut c.2, adv_hops),
                        _ => e2.insert(ext.prefix, (ext.metric, *d, adv_hops.clone())),
                    }
                }
            }
        }
        for p in &e1.keys {
            if !chosen.map.contains_key(p) && !own_ext.contains(p) {
                let (m, h) = e1.map[p].clone();
                chosen.insert(*p, (P_OSPF_E1, m, h));
            }
        }
        for p in &e2.keys {
            if !chosen.map.contains_key(p) && !own_ext.contains(p) {
                let (m, _d, h) = e2.map[p].clone();
                chosen.insert(*p, (P_OSPF_E2, m, h));
            }
        }
        let dst = &mut out[proc.node];
        for p in &chosen.keys {
            let (proto, m, hops) = &chosen.map[p];
            if *proto == 0 {
                continue;
            }
            let mut hs: Vec<(String, u32, u32)> = hops
                .iter()
                .map(|(i, ip)| (names[*i as usize].clone(), *ip, *i))
                .collect();
            hs.sort();
            for (_name, ip, iface) in hs {
                dst.push(Route {
                    vrf: proc.vrf,
                    net: p.0,
                    plen: p.1,
                    proto: *proto,
                    nh_type: NH_INTERFACE,
                    nh_iface: iface,
                    nh_ip: Some(ip),
                    ad: 110,
                    metric: *m,
                    tag: None,
                    bgp: None,
                });
            }
        }
    }
    out
}
