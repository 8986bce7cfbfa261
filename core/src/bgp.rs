//! BGP propagation exactly as validator/engine/bgp.py's run_bgp (origination by network
//! statements, aggregates, best path and multipath, route reflection, import/export policy), over
//! the session edges Python's compute_bgp_topology found. Redistribution into BGP, external
//! announcements, default-originate and add-path are not ported: the feature check keeps such
//! snapshots on the Python engine.
use std::sync::Arc;

use crate::bgp_policy::{export_route, import_route};
use crate::igp::{igp_fixpoint_parts, IgpRibs, NodeIn, NodeRibs, VrfView};
use crate::ospf::{Domain, Spf};
use crate::policy::{run, PRoute, PolicyRef, PrefixList, RouteMap};
use crate::rib::{BgpAttrs, Prefix, Route, NH_IP, NO_IFACE};

pub const BGP_MAX_ROUNDS: usize = 200;
const EBGP_AD: i64 = 20;
const IBGP_AD: i64 = 200;
const LOCAL_WEIGHT: i64 = 32768;
const P_BGP: u8 = 7;
const P_IBGP: u8 = 8;
const P_AGGREGATE: u8 = 9;
const AGGREGATE_AD: i64 = 200;

// BgpRoute.protocol
pub(crate) const LOCAL: u8 = 0;
pub(crate) const AGGREGATE: u8 = 1;
pub(crate) const EBGP: u8 = 2;
pub(crate) const IBGP: u8 = 3;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BRoute {
    pub net: u32,
    pub plen: u8,
    pub proto: u8,
    pub nh: Option<u32>,
    pub as_path: Vec<u32>,
    pub local_pref: i64,
    pub med: i64,
    pub weight: i64,
    pub origin: u8,
    pub communities: Vec<u32>,
    pub received_from: Option<u32>,
    pub originator_id: Option<u32>,
    pub cluster_list: Vec<u32>,
    pub from_client: bool,
    pub tag: Option<i64>,
}

pub struct BgpNode {
    #[allow(dead_code)] // the sessions' local AS comes with each edge (neighbor local-as)
    pub local_as: u32,
    pub router_id: u32,
    pub cluster_id: Option<u32>,
    pub client_to_client: bool,
    pub max_paths_ebgp: i64,
    pub max_paths_ibgp: i64,
    pub multipath_relax: bool,
    pub vrf: u32,
    pub networks: Vec<(Prefix, PolicyRef)>,
    /// aggregate-address (prefix, summary-only), sorted longest first as bgp.py visits them
    pub aggregates: Vec<(Prefix, bool)>,
    pub maps: Vec<RouteMap>,
    pub lists: Vec<PrefixList>,
}

pub struct Nbr {
    pub rr_client: bool,
    pub send_community: bool,
    pub next_hop_self: bool,
    pub allowas_in: bool,
    pub route_map_in: PolicyRef,
    pub route_map_out: PolicyRef,
    pub prefix_list_in: PolicyRef,
    pub prefix_list_out: PolicyRef,
}

pub struct BgpConfig {
    pub nodes: Vec<Option<BgpNode>>,
    pub nbrs: Vec<Nbr>,
    pub speakers: Vec<(usize, u32)>, // sorted (node, vrf) as bgp.py speakers()
}

pub struct Edge {
    pub sender: usize,
    pub receiver: usize,
    pub s_nbr: usize,
    pub r_nbr: usize,
    pub s_local_ip: u32,
    pub s_local_as: u32,
    pub s_router_id: u32,
    pub r_router_id: u32,
    pub r_local_as: u32,
    pub ibgp: bool,
}

fn igp_cost(rib: &VrfView<'_>, nh: Option<u32>) -> i64 {
    let Some(nh) = nh else {
        return 0;
    };
    match rib.lpm(nh).and_then(|p| rib.routes(p)) {
        Some(routes) => routes.iter().map(|r| r.metric).min().unwrap_or(0),
        None => 0,
    }
}

type Key = (i64, i64, u8, usize, u8, u8, i64, i64, usize);

fn pref_key(r: &BRoute, igp: i64) -> Key {
    (
        -r.weight,
        -r.local_pref,
        if r.proto == AGGREGATE { 0 } else { 1 },
        r.as_path.len(),
        r.origin,
        u8::from(r.proto == IBGP),
        r.med,
        igp,
        r.cluster_list.len(),
    )
}

type Tie = (u32, usize, u32, u32);

fn tie_key(r: &BRoute) -> Tie {
    (
        r.originator_id.unwrap_or(0),
        r.cluster_list.len(),
        r.received_from.unwrap_or(0),
        r.nh.unwrap_or(0),
    )
}

/// Insertion-ordered prefix -> routes (Python's defaultdict(list) of candidates); the routes are
/// borrowed from where they are held (adj-in, originations), only the selected ones are copied.
#[derive(Default)]
struct Cands<'a> {
    order: Vec<(Prefix, Vec<&'a BRoute>)>,
    index: crate::rib::FxMap<Prefix, usize>,
}
impl<'a> Cands<'a> {
    fn push(&mut self, r: &'a BRoute) {
        let k = (r.net, r.plen);
        match self.index.get(&k) {
            Some(&i) => self.order[i].1.push(r),
            None => {
                self.index.insert(k, self.order.len());
                self.order.push((k, vec![r]));
            }
        }
    }
}

/// bgp.py SpeakerRib: per prefix (in candidate order) the best path and the multipath set.
#[derive(Default)]
struct SpeakerRib {
    paths: Vec<(Prefix, BRoute, Vec<BRoute>)>,
}

fn select_paths(cands: Cands<'_>, rib: &VrfView<'_>, node: &BgpNode) -> SpeakerRib {
    let multipath_on = node.max_paths_ebgp > 1 || node.max_paths_ibgp > 1;
    let mut out = SpeakerRib::default();
    for (p, routes) in cands.order {
        if routes.is_empty() {
            continue;
        }
        let mut keyed: Vec<(Key, Tie, &BRoute)> = routes
            .into_iter()
            .map(|r| (pref_key(r, igp_cost(rib, r.nh)), tie_key(r), r))
            .collect();
        keyed.sort_by_key(|k| (k.0, k.1)); // stable, as Python's sort
        let best_key = keyed[0].0;
        let best = keyed[0].2.clone();
        if !multipath_on {
            out.paths.push((p, best.clone(), vec![best]));
            continue;
        }
        let mut mp: Vec<BRoute> = Vec::new();
        for (k, _, r) in &keyed {
            if *k != best_key {
                break;
            }
            let same = r.as_path == best.as_path
                || (node.multipath_relax && r.as_path.len() == best.as_path.len());
            if same && !mp.contains(*r) {
                mp.push((*r).clone());
            }
        }
        out.paths.push((p, best, mp));
    }
    out
}

/// bgp.py originate: network statements (redistribution is not ported).
fn originate(node: &BgpNode, rib: &VrfView<'_>) -> Vec<BRoute> {
    if !rib.exists() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (p, policy) in &node.networks {
        let Some(routes) = rib.routes(*p) else {
            continue;
        };
        let mut src: Option<&Route> = None;
        for r in routes.iter().filter(|r| r.proto < P_BGP) {
            // _preferred_source: a null next-hop IP first, then the highest IP; first of equals
            let key = |x: &Route| (x.nh_ip.is_none(), x.nh_ip.unwrap_or(0));
            if src.is_none_or(|s| key(r) > key(s)) {
                src = Some(r);
            }
        }
        let Some(src) = src else { continue };
        let pr = PRoute {
            net: p.0,
            plen: p.1,
            metric: src.metric,
            tag: src.tag,
            local_pref: 100,
            weight: LOCAL_WEIGHT,
            communities: Vec::new(),
            as_path: Vec::new(),
            origin: 0,
            nh: None,
            nh_set: false,
        };
        let Some(pr) = run(&node.maps, &node.lists, *policy, pr, false) else {
            continue;
        };
        out.push(BRoute {
            net: pr.net,
            plen: pr.plen,
            proto: LOCAL,
            nh: if pr.nh_set { pr.nh } else { src.nh_ip },
            as_path: pr.as_path,
            local_pref: pr.local_pref,
            med: pr.metric,
            weight: pr.weight,
            origin: pr.origin,
            communities: pr.communities,
            received_from: None,
            originator_id: None,
            cluster_list: Vec::new(),
            from_client: false,
            tag: pr.tag,
        });
    }
    out
}

pub(crate) fn subnet_of(net: Prefix, p: Prefix) -> bool {
    net != p && net.1 >= p.1 && net.0 & crate::rib::mask(p.1) == p.0
}

/// bgp.py _aggregate_routes: active when the candidates hold a strictly more specific prefix.
fn aggregate_routes(node: &BgpNode, cands: &Cands) -> Vec<BRoute> {
    let mut present: Vec<Prefix> = cands
        .order
        .iter()
        .filter(|(_, rs)| !rs.is_empty())
        .map(|(p, _)| *p)
        .collect();
    let mut out = Vec::new();
    for &(p, _summary) in &node.aggregates {
        if present.iter().any(|&net| subnet_of(net, p)) {
            out.push(BRoute {
                net: p.0,
                plen: p.1,
                proto: AGGREGATE,
                nh: None,
                as_path: Vec::new(),
                local_pref: 100,
                med: 0,
                weight: LOCAL_WEIGHT,
                origin: 0,
                communities: Vec::new(),
                received_from: None,
                originator_id: None,
                cluster_list: Vec::new(),
                from_client: false,
                tag: None,
            });
            present.push(p);
        }
    }
    out
}

/// bgp.py main_rib_routes
fn main_rib_routes(vrf: u32, rib: &SpeakerRib, out: &mut Vec<Route>) {
    for (p, best, paths) in &rib.paths {
        if best.proto == LOCAL {
            continue;
        }
        if best.proto == AGGREGATE {
            out.push(Route {
                vrf,
                net: p.0,
                plen: p.1,
                proto: P_AGGREGATE,
                nh_type: crate::rib::NH_DISCARD,
                nh_iface: NO_IFACE,
                nh_ip: None,
                ad: AGGREGATE_AD,
                metric: best.med,
                tag: None,
                bgp: None,
            });
            continue;
        }
        let mut seen: Vec<Option<u32>> = Vec::new();
        for r in paths {
            if !(r.proto == EBGP || r.proto == IBGP) || seen.contains(&r.nh) {
                continue;
            }
            seen.push(r.nh);
            let ebgp = r.proto == EBGP;
            out.push(Route {
                vrf,
                net: p.0,
                plen: p.1,
                proto: if ebgp { P_BGP } else { P_IBGP },
                nh_type: NH_IP,
                nh_iface: NO_IFACE,
                nh_ip: r.nh,
                ad: if ebgp { EBGP_AD } else { IBGP_AD },
                metric: r.med,
                tag: r.tag,
                bgp: Some(Arc::new(BgpAttrs {
                    as_path: r.as_path.clone(),
                    local_pref: r.local_pref,
                    communities: r.communities.clone(),
                })),
            });
        }
    }
}

/// Per speaker, (sender node, sender ip) -> the routes received on that session. The lists are
/// shared: a session whose sender's best paths did not change carries the same list again.
type Session = ((usize, u32), Arc<Vec<BRoute>>);
type AdjIn = Vec<Vec<Session>>;

/// One speaker's adj-in equal to another's: same sessions, same routes (bgp.py compares dicts).
fn adj_same(x: &[Session], y: &[Session]) -> bool {
    // Arc's equality checks identity first (BRoute is Eq), then contents
    x.len() == y.len()
        && x.iter()
            .all(|(k, v)| y.iter().any(|(k2, v2)| k2 == k && v2 == v))
}

/// The best paths a speaker advertises (add-path is not ported), in its RIB's order.
fn same_bests(a: &SpeakerRib, b: &SpeakerRib) -> bool {
    a.paths.len() == b.paths.len()
        && a.paths
            .iter()
            .zip(&b.paths)
            .all(|(x, y)| x.0 == y.0 && x.1 == y.1)
}

pub struct Igp<'a> {
    pub nodes: &'a [NodeIn],
    pub dom: &'a Domain,
    pub spf: &'a Spf,
    pub names: &'a [String],
    pub max_iterations: usize,
}

/// bgp.py run_bgp with dataplane.py's igp_fixpoint as rebuild_main_ribs. Returns the final main
/// RIBs and whether BGP converged.
pub fn run_bgp(
    cfg: &BgpConfig,
    edges: &[Edge],
    igp: &Igp<'_>,
    cache: &mut Option<crate::ospf::OspfCache>,
    unstable: &mut Vec<(usize, u32, u8)>,
) -> (Vec<NodeRibs>, bool) {
    let n = igp.nodes.len();
    let spk = &cfg.speakers;
    let mut adj_in: AdjIn = vec![Vec::new(); spk.len()];
    let mut main_routes: Option<Vec<Vec<Route>>> = None; // None = Python's empty dict
    let empty: Vec<Vec<Route>> = vec![Vec::new(); n];
    // the main RIBs as the rounds read them; assembled once, at the end (igp.rs IgpRibs)
    let mut main_ribs: IgpRibs = igp_fixpoint_parts(
        igp.nodes,
        igp.dom,
        igp.spf,
        igp.names,
        igp.max_iterations,
        &empty,
        cache,
        unstable,
    );
    let mut by_sender: Vec<Vec<usize>> = vec![Vec::new(); spk.len()];
    for (i, e) in edges.iter().enumerate() {
        by_sender[e.sender].push(i);
    }
    let new_main_keys: Vec<bool> = (0..n).map(|i| spk.iter().any(|k| k.0 == i)).collect();
    // What the previous round computed, reused where its inputs are unchanged. A speaker's
    // selection is a function of its adj-in, its node's main RIB (originations, next-hop
    // reachability, IGP costs) and its configuration; what a session carries is a function of
    // the sender's best paths and the two ends' configuration. Reuse is therefore exact; the
    // rounds themselves stay bgp.py's.
    let mut prev_ribs: Vec<SpeakerRib> = Vec::new();
    let mut adj_unchanged: Vec<bool> = vec![false; spk.len()];
    let mut node_unchanged: Vec<bool> = vec![false; n];
    let mut carried: Vec<Option<Arc<Vec<BRoute>>>> = vec![None; edges.len()];
    let mut converged = false;
    for _round in 0..BGP_MAX_ROUNDS {
        let mut ribs: Vec<SpeakerRib> = Vec::with_capacity(spk.len());
        let mut bests_unchanged: Vec<bool> = vec![false; spk.len()];
        for (si, &(node_i, vrf)) in spk.iter().enumerate() {
            if adj_unchanged[si] && node_unchanged[node_i] && si < prev_ribs.len() {
                ribs.push(std::mem::take(&mut prev_ribs[si]));
                bests_unchanged[si] = true;
                continue;
            }
            let node = cfg.nodes[node_i].as_ref().expect("speaker without BGP");
            let view = main_ribs.vrf(node_i, vrf);
            let local: Vec<BRoute> = if vrf == node.vrf {
                originate(node, &view)
            } else {
                Vec::new()
            };
            let mut cands = Cands::default();
            for r in &local {
                cands.push(r);
            }
            for (_k, rs) in &adj_in[si] {
                for r in rs.iter() {
                    let ok = match r.nh {
                        None => true,
                        Some(nh) => view.lpm(nh).is_some(),
                    };
                    if ok {
                        cands.push(r);
                    }
                }
            }
            let aggs: Vec<BRoute> = if vrf == node.vrf {
                aggregate_routes(node, &cands)
            } else {
                Vec::new()
            };
            for agg in &aggs {
                cands.push(agg);
            }
            let rib = select_paths(cands, &view, node);
            bests_unchanged[si] = si < prev_ribs.len() && same_bests(&rib, &prev_ribs[si]);
            ribs.push(rib);
        }
        // new_main: a key per speaker node (possibly empty), as Python's defaultdict
        let mut new_main: Vec<Vec<Route>> = vec![Vec::new(); n];
        for (si, &(node_i, vrf)) in spk.iter().enumerate() {
            main_rib_routes(vrf, &ribs[si], &mut new_main[node_i]);
        }
        let mut new_adj: AdjIn = vec![Vec::new(); spk.len()];
        for (si, &(node_i, _vrf)) in spk.iter().enumerate() {
            let node = cfg.nodes[node_i].as_ref().unwrap();
            let srib = &ribs[si];
            let mut order: Vec<usize> = Vec::new();
            for &ei in &by_sender[si] {
                let e = &edges[ei];
                let received = match (&carried[ei], bests_unchanged[si]) {
                    (Some(list), true) => list.clone(),
                    _ => {
                        if order.is_empty() {
                            order = (0..srib.paths.len()).collect();
                            order.sort_by_key(|&i| srib.paths[i].0);
                        }
                        let rnode_i = spk[e.receiver].0;
                        let rnode = cfg.nodes[rnode_i].as_ref().unwrap();
                        let mut received: Vec<BRoute> = Vec::new();
                        for &pi in &order {
                            let best = &srib.paths[pi].1;
                            // add-path is not ported: only the best path is advertised
                            let Some(ex) = export_route(node, &cfg.nbrs[e.s_nbr], e, best) else {
                                continue;
                            };
                            if let Some(im) =
                                import_route(rnode, &cfg.nbrs[e.r_nbr], e.r_local_as, ex)
                            {
                                received.push(im);
                            }
                        }
                        let list = Arc::new(received);
                        carried[ei] = Some(list.clone());
                        list
                    }
                };
                if !received.is_empty() {
                    let key = (node_i, e.s_local_ip);
                    let slot = &mut new_adj[e.receiver];
                    match slot.iter_mut().find(|(k, _)| *k == key) {
                        Some(x) => x.1 = received,
                        None => slot.push((key, received)),
                    }
                }
            }
        }
        let changed_main = match &main_routes {
            None => new_main_keys.iter().any(|&b| b),
            Some(m) => *m != new_main,
        };
        for (si, same) in adj_unchanged.iter_mut().enumerate() {
            *same = adj_same(&new_adj[si], &adj_in[si]);
        }
        if adj_unchanged.iter().all(|&b| b) && !changed_main {
            converged = true;
            break;
        }
        adj_in = new_adj;
        prev_ribs = ribs;
        if changed_main {
            let old_layer = main_ribs.layer().cloned();
            main_ribs = igp_fixpoint_parts(
                igp.nodes,
                igp.dom,
                igp.spf,
                igp.names,
                igp.max_iterations,
                &new_main,
                cache,
                unstable,
            );
            // a node's view is unchanged when the IGP layer is the same one and the node's own
            // BGP routes are equal (assembled RIBs: never assumed unchanged)
            let same_layer = match (&old_layer, main_ribs.layer()) {
                (Some(a), Some(b)) => Arc::ptr_eq(a, b),
                _ => false,
            };
            let old = main_routes.as_deref().unwrap_or(&empty);
            for (i, same) in node_unchanged.iter_mut().enumerate() {
                *same = same_layer && old[i] == new_main[i];
            }
            main_routes = Some(new_main);
        } else {
            node_unchanged.iter_mut().for_each(|b| *b = true);
        }
    }
    let routes = main_routes.as_deref().unwrap_or(&empty);
    (main_ribs.materialize(routes), converged)
}
