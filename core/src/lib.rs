//! validator._core: the compiled data-plane core. validator/engine/native.py is the only caller and
//! documents the contract: it serialises the vendor-neutral model once into tuples of integers and
//! strings, this crate computes the main RIBs and FIBs and keeps them (views.rs), native.py wraps
//! them in lazy views with the Python DataPlane interface.
//! The Python engine (validator/engine/*.py) is the specification; every function here names the
//! Python function it ports.
use pyo3::prelude::*;

mod bgp;
mod bgp_policy;
mod fib;
mod igp;
mod ospf;
mod policy;
mod rib;
mod session;
mod views;

use igp::{NodeIn, Static};
use ospf::{Adj, Domain, Proc, Redist};
use rib::{Route, NH_DISCARD, NH_INTERFACE, NO_IFACE, PROTOCOLS};
use std::sync::Arc;
use views::Tables;

/// Version of the serialised contract with native.py; it refuses a core whose version differs.
const ABI_VERSION: u32 = 8;

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

pub(crate) fn sort_key<'a>(
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

/// The data plane of a snapshot without BGP: names are the interned strings (interface and VRF
/// names) the tuples refer to by index. Returns (the RIBs and FIBs as a views::Tables, kept in
/// Rust and read lazily, unstable (node, net, plen)).
#[pyfunction]
fn igp_dataplane(
    py: Python<'_>,
    names: Vec<String>,
    nodes: Vec<NodeTuple>,
    ospf: OspfIn,
    max_iterations: usize,
) -> PyResult<(Tables, Vec<(usize, u32, u8)>)> {
    let (nodes_in, dom) = convert_inputs(nodes, ospf);
    let result = py.allow_threads(|| {
        let res = igp::igp_dataplane(&nodes_in, &dom, &names, max_iterations);
        (Tables::build(res.ribs, &names), res.unstable)
    });
    Ok(result)
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
    bgp: Arc<bgp::BgpConfig>,
    /// the RIBs last returned to Python (the FIBs the session walk reads, shared with the
    /// returned Tables), and the walk's input
    last: Arc<Vec<igp::NodeRibs>>,
    session: session::SessionNet,
}

impl Engine {
    /// Keeps the round's RIBs for the session walk and hands the same ones to Python as Tables.
    fn keep(&mut self, ribs: Vec<igp::NodeRibs>) -> Tables {
        let shared = Arc::new(ribs);
        self.last = Arc::clone(&shared);
        self.session.reset();
        Tables::build_shared(shared, &self.names)
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
            last: Arc::new(Vec::new()),
            session: session::SessionNet::default(),
            bgp: Arc::new(bgp::BgpConfig {
                nodes: bgp_nodes,
                nbrs,
                speakers,
            }),
        }
    }

    /// A new engine with this one's names, iteration limit and BGP configuration (shared, not
    /// converted again) over other IGP inputs: the same snapshot under other failures
    /// (native.py NativeInput, one failure scenario after another).
    fn with_igp(&self, nodes: Vec<NodeTuple>, ospf: OspfIn) -> Engine {
        let (nodes, dom) = convert_inputs(nodes, ospf);
        let spf = ospf::compute_spf(&dom);
        Engine {
            names: self.names.clone(),
            nodes,
            dom,
            spf,
            max_iterations: self.max_iterations,
            cache: None,
            unstable: Vec::new(),
            last: Arc::new(Vec::new()),
            session: session::SessionNet::default(),
            bgp: Arc::clone(&self.bgp),
        }
    }

    /// dataplane.py's first igp_fixpoint call (no BGP routes yet).
    fn igp(&mut self, py: Python<'_>) -> Tables {
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
            self.keep(ribs)
        })
    }

    /// run_bgp over these session edges; (main RIBs/FIBs, converged).
    fn run_bgp(&mut self, py: Python<'_>, edges: Vec<EdgeIn>) -> (Tables, bool) {
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
        // the previous round's RIBs are not read while BGP runs (the walk reads the RIBs this
        // call returns): released first, they are not part of the peak (510 routers)
        self.last = Arc::new(Vec::new());
        self.session.reset();
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
            (self.keep(ribs), converged)
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
    m.add_class::<Tables>()?;
    Ok(())
}
