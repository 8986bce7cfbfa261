//! validator._core: the compiled data-plane core. validator/engine/native.py is the only caller and
//! documents the contract: it serialises the vendor-neutral model once into tuples of integers and
//! strings, this crate computes the main RIBs and FIBs, native.py rebuilds the Python DataPlane.
//! The Python engine (validator/engine/*.py) is the specification; every function here names the
//! Python function it ports.
use pyo3::prelude::*;

mod bgp;
mod fib;
mod igp;
mod ospf;
mod policy;
mod rib;
mod session;

use igp::{NodeIn, Static};
use ospf::{Adj, Domain, Proc, Redist};
use rib::{Route, NH_DISCARD, NH_INTERFACE, NO_IFACE, PROTOCOLS};

/// Version of the serialised contract with native.py; it refuses a core whose version differs.
const ABI_VERSION: u32 = 6;

/// Base route: (vrf, net, plen, proto, nh_type, iface, nh_ip, ad, metric, tag)
type BaseIn = (
    u32,
    u32,
    u8,
    u8,
    u8,
    u32,
    Option<u32>,
    i64,
    i64,
    Option<i64>,
);
/// Static: (vrf, net, plen, kind, iface, ip, ad, tag)
type StaticIn = (u32, u32, u8, u8, u32, Option<u32>, i64, Option<i64>);
/// Node: (vrfs, base routes, statics)
type NodeTuple = (Vec<u32>, Vec<BaseIn>, Vec<StaticIn>);
/// OSPF proc: (node, vrf, rank, default_metric, [(proto, subnets, metric, metric_type)])
type ProcIn = (
    usize,
    u32,
    usize,
    Option<i64>,
    Vec<(u8, bool, Option<i64>, u8)>,
);
type OspfIn = (
    Vec<ProcIn>,
    Vec<(usize, i64, i64, Vec<(u32, u8)>)>,
    Vec<(usize, usize, i64, u32, u32, i64)>,
);

/// Route out: (net, plen, proto, nh_type, iface, nh_ip, ad, metric, tag)
type RouteOut = (
    u32,
    u8,
    u8,
    u8,
    Option<u32>,
    Option<u32>,
    i64,
    i64,
    Option<i64>,
    Option<usize>,
);
/// BGP attributes out: (as path, local preference, communities)
type AttrsOut = (Vec<u32>, i64, Vec<u32>);
/// FIB entry out: (route index in the VRF's sorted routes, iface, arp ip, null route, chain)
type EntryOut = (usize, Option<u32>, Option<u32>, bool, Vec<usize>);
/// VRF out: (vrf, routes in Batfish order, FIB as [(plen, net, entries)] in RIB insertion order)
/// (vrf, route ids in Batfish order, the routes not sent before as (id, route), FIB as
/// [(plen, net, entries)] in RIB insertion order, BGP attributes of the new routes)
type VrfOut = (
    u32,
    Vec<u32>,
    Vec<(u32, RouteOut)>,
    Vec<(u8, u32, Vec<EntryOut>)>,
    Vec<AttrsOut>,
);

/// Ids of the routes already sent to Python in this computation (per node), so a route that
/// survives from one conversion to the next crosses the boundary as one integer.
#[derive(Default)]
struct RouteIds {
    map: std::collections::HashMap<(usize, Route), u32>,
}

fn sort_key<'a>(
    r: &Route,
    names: &'a [String],
) -> (u32, u8, u8, u8, u32, &'a str, &'static str, i64, i64) {
    // validator/engine/rib.py route_sort_key
    let (a, b, c): (u8, u32, &str) = match r.nh_type {
        NH_DISCARD => (0, 0, ""),
        NH_INTERFACE => (
            u8::from(r.nh_ip.is_some()),
            r.nh_ip.unwrap_or(0),
            if r.nh_iface == NO_IFACE {
                ""
            } else {
                names[r.nh_iface as usize].as_str()
            },
        ),
        _ => (0, r.nh_ip.unwrap_or(0), ""),
    };
    (
        r.net,
        r.plen,
        r.nh_type,
        a,
        b,
        c,
        PROTOCOLS[r.proto as usize],
        r.ad,
        r.metric,
    )
}

fn opt_iface(i: u32) -> Option<u32> {
    if i == NO_IFACE {
        None
    } else {
        Some(i)
    }
}

/// The data plane of a snapshot without BGP: names are the interned strings (interface and VRF
/// names) the tuples refer to by index. Returns (per node: [VrfOut] in VRF creation order,
/// unstable (node, net, plen)).
#[pyfunction]
fn igp_dataplane(
    py: Python<'_>,
    names: Vec<String>,
    nodes: Vec<NodeTuple>,
    ospf: OspfIn,
    max_iterations: usize,
) -> PyResult<(Vec<Vec<VrfOut>>, Vec<(usize, u32, u8)>)> {
    let (nodes_in, dom) = convert_inputs(nodes, ospf);
    let result = py.allow_threads(|| {
        let res = igp::igp_dataplane(&nodes_in, &dom, &names, max_iterations);
        (
            export_all(&res.ribs, &names, &mut RouteIds::default()),
            res.unstable,
        )
    });
    Ok(result)
}

fn export_all(ribs: &[igp::NodeRibs], names: &[String], ids: &mut RouteIds) -> Vec<Vec<VrfOut>> {
    let mut out = Vec::with_capacity(ribs.len());
    for (node, nr) in ribs.iter().enumerate() {
        out.push(
            nr.order
                .iter()
                .map(|v| export_vrf(node, *v, &nr.ribs[v], names, ids))
                .collect(),
        );
    }
    out
}

fn convert_inputs(nodes: Vec<NodeTuple>, ospf: OspfIn) -> (Vec<NodeIn>, Domain) {
    let nodes_in: Vec<NodeIn> = nodes
        .into_iter()
        .map(|(vrfs, base, statics)| NodeIn {
            vrfs,
            base: base
                .into_iter()
                .map(
                    |(vrf, net, plen, proto, nh_type, nh_iface, nh_ip, ad, metric, tag)| Route {
                        vrf,
                        net,
                        plen,
                        proto,
                        nh_type,
                        nh_iface,
                        nh_ip,
                        ad,
                        metric,
                        tag,
                        bgp: None,
                    },
                )
                .collect(),
            statics: statics
                .into_iter()
                .map(|(vrf, net, plen, kind, iface, ip, ad, tag)| Static {
                    vrf,
                    net,
                    plen,
                    kind,
                    iface,
                    ip,
                    ad,
                    tag,
                })
                .collect(),
        })
        .collect();
    let (procs, ifaces, adjs) = ospf;
    let dom = Domain {
        procs: procs
            .into_iter()
            .map(|(node, vrf, rank, default_metric, rs)| Proc {
                node,
                vrf,
                rank,
                default_metric,
                redists: rs
                    .into_iter()
                    .map(|(proto, subnets, metric, metric_type)| Redist {
                        proto,
                        subnets,
                        metric,
                        metric_type,
                    })
                    .collect(),
            })
            .collect(),
        ifaces: ifaces
            .into_iter()
            .map(|(p, a, c, pf)| (p, a, c, pf))
            .collect(),
        adjs: adjs
            .into_iter()
            .map(|(src, dst, area, iface, nbr_ip, cost)| Adj {
                src,
                dst,
                area,
                iface,
                nbr_ip,
                cost,
            })
            .collect(),
    };
    (nodes_in, dom)
}

fn export_vrf(
    node: usize,
    vrf: u32,
    rib: &rib::MainRib,
    names: &[String],
    ids: &mut RouteIds,
) -> VrfOut {
    let mut refs: Vec<(usize, usize)> = rib
        .slots
        .iter()
        .enumerate()
        .flat_map(|(s, (_p, rs))| (0..rs.len()).map(move |k| (s, k)))
        .collect();
    refs.sort_by(|x, y| {
        let rx = &rib.slots[x.0].1[x.1];
        let ry = &rib.slots[y.0].1[y.1];
        sort_key(rx, names).cmp(&sort_key(ry, names))
    });
    let mut pos: Vec<Vec<usize>> = rib.slots.iter().map(|(_p, rs)| vec![0; rs.len()]).collect();
    for (i, (s, k)) in refs.iter().enumerate() {
        pos[*s][*k] = i;
    }
    let mut attrs: Vec<AttrsOut> = Vec::new();
    let mut new_routes: Vec<(u32, RouteOut)> = Vec::new();
    let mut route_ids: Vec<u32> = Vec::with_capacity(refs.len());
    for (s, k) in &refs {
        let r = &rib.slots[*s].1[*k];
        let key = (node, r.clone());
        if let Some(&id) = ids.map.get(&key) {
            route_ids.push(id);
            continue;
        }
        let id = ids.map.len() as u32;
        ids.map.insert(key, id);
        route_ids.push(id);
        let a = r.bgp.as_ref().map(|b| {
            attrs.push((b.as_path.clone(), b.local_pref, b.communities.clone()));
            attrs.len() - 1
        });
        new_routes.push((
            id,
            (
                r.net,
                r.plen,
                r.proto,
                r.nh_type,
                opt_iface(r.nh_iface),
                r.nh_ip,
                r.ad,
                r.metric,
                r.tag,
                a,
            ),
        ));
    }
    let fib = fib::build_fib(rib);
    let fib_out = rib
        .slots
        .iter()
        .zip(fib)
        .map(|((p, _), entries)| {
            let es = entries
                .into_iter()
                .map(|e| {
                    (
                        pos[e.route.0][e.route.1],
                        opt_iface(e.action.0),
                        e.action.1,
                        e.action.2,
                        e.chain.iter().map(|(s, k)| pos[*s][*k]).collect(),
                    )
                })
                .collect();
            (p.1, p.0, es)
        })
        .collect();
    (vrf, route_ids, new_routes, fib_out, attrs)
}

/// Policy reference from Python: -2 none, -1 named but undefined, i >= 0 index.
fn pref(v: i64) -> policy::PolicyRef {
    match v {
        -2 => None,
        -1 => Some(None),
        i => Some(Some(i as usize)),
    }
}

/// Route-map clause: (seq, permit, [(kind, ints)], [(kind, value, ints, flag)], continue_seq)
type ClauseIn = (
    i64,
    bool,
    Vec<(u8, Vec<i64>)>,
    Vec<(u8, i64, Vec<u32>, bool)>,
    Option<i64>,
);
/// BGP node: (local_as, router_id, cluster_id, c2c, max_paths_ebgp, max_paths_ibgp, relax, vrf,
/// networks [(net, plen, policy)], route-maps [[clause]], prefix lists [[(net, plen, lo, hi, permit)]])
type BgpNodeIn = (
    u32,
    u32,
    Option<u32>,
    bool,
    i64,
    i64,
    bool,
    u32,
    Vec<(u32, u8, i64)>,
    Vec<(u32, u8, bool)>,
    Vec<Vec<ClauseIn>>,
    Vec<Vec<policy::PrefixLine>>,
);
/// Neighbor: (rr_client, send_community, next_hop_self, allowas_in, rm_in, rm_out, pl_in, pl_out)
type NbrIn = (bool, bool, bool, bool, i64, i64, i64, i64);
/// Session edge: (sender speaker, receiver speaker, sender nbr, receiver nbr, sender local ip,
/// sender local as, sender router id, receiver router id, receiver local as, ibgp)
type EdgeIn = (usize, usize, usize, usize, u32, u32, u32, u32, u32, bool);

fn convert_clause(c: ClauseIn) -> policy::Clause {
    let (seq, permit, matches, sets, continue_seq) = c;
    policy::Clause {
        seq,
        permit,
        matches: matches
            .into_iter()
            .map(|(k, v)| match k {
                0 => policy::Match::PrefixLists(v.into_iter().map(|x| x as usize).collect()),
                _ => policy::Match::Tags(v),
            })
            .collect(),
        sets: sets
            .into_iter()
            .map(|(k, v, list, flag)| match k {
                0 => policy::Set::LocalPref(v),
                1 => policy::Set::Metric(v),
                2 => policy::Set::Community(list, flag),
                3 => policy::Set::NextHop(v as u32),
                4 => policy::Set::Weight(v),
                5 => policy::Set::Prepend(list),
                6 => policy::Set::Origin(v as u8),
                _ => policy::Set::Tag(v),
            })
            .collect(),
        continue_seq,
    }
}

/// A data plane computation with BGP: Python drives the session topology (its tracer checks each
/// session over the current FIBs) and calls ``igp`` once, then ``run_bgp`` per topology round; the
/// engine keeps what dataplane.py keeps between those calls (the OSPF cache, unstable prefixes).
#[pyclass]
struct Engine {
    names: Vec<String>,
    nodes: Vec<NodeIn>,
    dom: Domain,
    spf: ospf::Spf,
    max_iterations: usize,
    cache: Option<ospf::OspfCache>,
    unstable: Vec<(usize, u32, u8)>,
    bgp: bgp::BgpConfig,
    ids: RouteIds,
    /// the RIBs last returned to Python (the FIBs the session walk reads), and the walk's input
    last: Vec<igp::NodeRibs>,
    session: session::SessionNet,
}

impl Engine {
    fn keep(&mut self, ribs: Vec<igp::NodeRibs>) {
        self.last = ribs;
        self.session.reset();
    }
}

#[pymethods]
impl Engine {
    #[new]
    fn new(
        names: Vec<String>,
        nodes: Vec<NodeTuple>,
        ospf: OspfIn,
        max_iterations: usize,
        bgp_nodes: Vec<Option<BgpNodeIn>>,
        nbrs: Vec<NbrIn>,
        speakers: Vec<(usize, u32)>,
    ) -> Self {
        let (nodes, dom) = convert_inputs(nodes, ospf);
        let spf = ospf::compute_spf(&dom);
        let bgp_nodes = bgp_nodes
            .into_iter()
            .map(|b| {
                b.map(
                    |(
                        local_as,
                        router_id,
                        cluster_id,
                        c2c,
                        mpe,
                        mpi,
                        relax,
                        vrf,
                        networks,
                        aggregates,
                        maps,
                        lists,
                    )| {
                        bgp::BgpNode {
                            local_as,
                            router_id,
                            cluster_id,
                            client_to_client: c2c,
                            max_paths_ebgp: mpe,
                            max_paths_ibgp: mpi,
                            multipath_relax: relax,
                            vrf,
                            networks: networks
                                .into_iter()
                                .map(|(n, l, p)| ((n, l), pref(p)))
                                .collect(),
                            aggregates: aggregates
                                .into_iter()
                                .map(|(n, l, summary)| ((n, l), summary))
                                .collect(),
                            maps: maps
                                .into_iter()
                                .map(|cl| policy::RouteMap {
                                    clauses: cl.into_iter().map(convert_clause).collect(),
                                })
                                .collect(),
                            lists: lists
                                .into_iter()
                                .map(|lines| policy::PrefixList { lines })
                                .collect(),
                        }
                    },
                )
            })
            .collect();
        let nbrs = nbrs
            .into_iter()
            .map(|(rr, sc, nhs, allow, rmi, rmo, pli, plo)| bgp::Nbr {
                rr_client: rr,
                send_community: sc,
                next_hop_self: nhs,
                allowas_in: allow,
                route_map_in: pref(rmi),
                route_map_out: pref(rmo),
                prefix_list_in: pref(pli),
                prefix_list_out: pref(plo),
            })
            .collect();
        Engine {
            names,
            nodes,
            dom,
            spf,
            max_iterations,
            cache: None,
            unstable: Vec::new(),
            ids: RouteIds::default(),
            last: Vec::new(),
            session: session::SessionNet::default(),
            bgp: bgp::BgpConfig {
                nodes: bgp_nodes,
                nbrs,
                speakers,
            },
        }
    }

    /// dataplane.py's first igp_fixpoint call (no BGP routes yet).
    fn igp(&mut self, py: Python<'_>) -> Vec<Vec<VrfOut>> {
        py.allow_threads(|| {
            let none: Vec<Vec<Route>> = vec![Vec::new(); self.nodes.len()];
            let ribs = igp::igp_fixpoint(
                &self.nodes,
                &self.dom,
                &self.spf,
                &self.names,
                self.max_iterations,
                &none,
                &mut self.cache,
                &mut self.unstable,
            );
            let out = export_all(&ribs, &self.names, &mut self.ids);
            self.keep(ribs);
            out
        })
    }

    /// run_bgp over these session edges; (main RIBs/FIBs, converged).
    fn run_bgp(&mut self, py: Python<'_>, edges: Vec<EdgeIn>) -> (Vec<Vec<VrfOut>>, bool) {
        let edges: Vec<bgp::Edge> = edges
            .into_iter()
            .map(
                |(
                    sender,
                    receiver,
                    s_nbr,
                    r_nbr,
                    s_local_ip,
                    s_local_as,
                    s_router_id,
                    r_router_id,
                    r_local_as,
                    ibgp,
                )| {
                    bgp::Edge {
                        sender,
                        receiver,
                        s_nbr,
                        r_nbr,
                        s_local_ip,
                        s_local_as,
                        s_router_id,
                        r_router_id,
                        r_local_as,
                        ibgp,
                    }
                },
            )
            .collect();
        self.keep(Vec::new()); // the walk's RIBs are not read while BGP runs: free them first
        py.allow_threads(|| {
            let igp = bgp::Igp {
                nodes: &self.nodes,
                dom: &self.dom,
                spf: &self.spf,
                names: &self.names,
                max_iterations: self.max_iterations,
            };
            let (ribs, converged) =
                bgp::run_bgp(&self.bgp, &edges, &igp, &mut self.cache, &mut self.unstable);
            let out = export_all(&ribs, &self.names, &mut self.ids);
            self.keep(ribs);
            (out, converged)
        })
    }

    /// The interfaces and layer-3 edges the session walk traces over (session.rs); see
    /// native_bgp.py session_topology for what makes an interface plain.
    fn set_session_net(
        &mut self,
        ifaces: Vec<Vec<session::IfaceIn>>,
        edges: Vec<(usize, u32, usize, u32)>,
    ) {
        self.session = session::SessionNet::new(ifaces, edges);
    }

    /// dataplane.py _session_reachable over the FIBs last returned: True/False when the walk
    /// decides it, None when the Python tracer must (a filter or anything unmodelled on the way).
    fn session_reachable(
        &mut self,
        node: usize,
        vrf: u32,
        src: u32,
        dst: u32,
        single_hop: bool,
    ) -> Option<bool> {
        self.session
            .reachable(&self.last, node, vrf, src, dst, single_hop)
    }

    /// (sessions the walk decided, sessions it left to Python) so far.
    fn session_stats(&self) -> (u64, u64) {
        (self.session.answered, self.session.unknown)
    }

    /// (node, net, plen) the IGP fixed point left unstable in any call so far.
    fn unstable(&self) -> Vec<(usize, u32, u8)> {
        self.unstable.clone()
    }
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("ABI_VERSION", ABI_VERSION)?;
    m.add("PROTOCOLS", PROTOCOLS.to_vec())?;
    m.add_function(wrap_pyfunction!(igp_dataplane, m)?)?;
    m.add_class::<Engine>()?;
    Ok(())
}
