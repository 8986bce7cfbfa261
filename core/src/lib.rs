//! validator._core: the compiled data-plane core. validator/engine/native.py is the only caller and
//! documents the contract: it serialises the vendor-neutral model once into tuples of integers and
//! strings, this crate computes the main RIBs and FIBs, native.py rebuilds the Python DataPlane.
//! The Python engine (validator/engine/*.py) is the specification; every function here names the
//! Python function it ports.
use pyo3::prelude::*;

mod fib;
mod igp;
mod ospf;
mod rib;

use igp::{NodeIn, Static};
use ospf::{Adj, Domain, Proc, Redist};
use rib::{Route, NH_DISCARD, NH_INTERFACE, NO_IFACE, PROTOCOLS};

/// Version of the serialised contract with native.py; it refuses a core whose version differs.
const ABI_VERSION: u32 = 3;

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
);
/// FIB entry out: (route index in the VRF's sorted routes, iface, arp ip, null route, chain)
type EntryOut = (usize, Option<u32>, Option<u32>, bool, Vec<usize>);
/// VRF out: (vrf, routes in Batfish order, FIB as [(plen, net, entries)] in RIB insertion order)
type VrfOut = (u32, Vec<RouteOut>, Vec<(u8, u32, Vec<EntryOut>)>);

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
    let result = py.allow_threads(|| {
        let res = igp::igp_dataplane(&nodes_in, &dom, &names, max_iterations);
        let out: Vec<Vec<VrfOut>> = res
            .ribs
            .iter()
            .map(|nr| {
                nr.order
                    .iter()
                    .map(|v| export_vrf(*v, &nr.ribs[v], &names))
                    .collect()
            })
            .collect();
        (out, res.unstable)
    });
    Ok(result)
}

fn export_vrf(vrf: u32, rib: &rib::MainRib, names: &[String]) -> VrfOut {
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
    let routes: Vec<RouteOut> = refs
        .iter()
        .map(|(s, k)| {
            let r = &rib.slots[*s].1[*k];
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
            )
        })
        .collect();
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
    (vrf, routes, fib_out)
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("ABI_VERSION", ABI_VERSION)?;
    m.add("PROTOCOLS", PROTOCOLS.to_vec())?;
    m.add_function(wrap_pyfunction!(igp_dataplane, m)?)?;
    Ok(())
}
