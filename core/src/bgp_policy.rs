//! The per-session policy half of BGP propagation, as validator/engine/bgp.py's export_route and
//! import_route: what a speaker advertises on one session (split horizon, route reflection,
//! next-hop-self, outbound prefix-list and route-map) and what the receiver accepts (AS-path loop
//! check, inbound prefix-list and route-map). Kept apart from the propagation rounds in bgp.rs so
//! each module stays readable; both are the port of one Python module.
use std::borrow::Cow;

use crate::bgp::{subnet_of, BRoute, BgpNode, Edge, Nbr, AGGREGATE, EBGP, IBGP, LOCAL};
use crate::policy::{run, PRoute, PolicyRef};
use crate::rib::Prefix;

fn to_policy(r: &BRoute) -> PRoute {
    PRoute {
        net: r.net,
        plen: r.plen,
        metric: r.med,
        tag: r.tag,
        local_pref: r.local_pref,
        weight: r.weight,
        communities: r.communities.clone(),
        as_path: r.as_path.clone(),
        origin: r.origin,
        nh: r.nh,
        nh_set: false,
    }
}

fn suppressed(node: &BgpNode, p: Prefix) -> bool {
    node.aggregates
        .iter()
        .any(|&(a, summary)| summary && subnet_of(p, a))
}

fn prefix_list_permits(node: &BgpNode, pl: PolicyRef, net: u32, plen: u8) -> bool {
    match pl {
        None => true,
        Some(None) => false,
        Some(Some(i)) => node.lists[i].permits(net, plen),
    }
}

/// What export_route reads back from the outbound policy.
struct Policed<'a> {
    nh_set: bool,
    nh: Option<u32>,
    as_path: Cow<'a, [u32]>,
    local_pref: i64,
    metric: i64,
    origin: u8,
    communities: Cow<'a, [u32]>,
}

/// bgp.py export_route (bypass_policy is only for default-originate, not ported)
pub(crate) fn export_route(node: &BgpNode, nb: &Nbr, e: &Edge, r: &BRoute) -> Option<BRoute> {
    if e.ibgp {
        if r.proto == IBGP {
            let to_client = nb.rr_client;
            if !(to_client || r.from_client) {
                return None;
            }
            if r.from_client && to_client && !node.client_to_client {
                return None;
            }
        }
        if r.originator_id == Some(e.r_router_id) {
            return None;
        }
    }
    if suppressed(node, (r.net, r.plen)) {
        return None;
    }
    let locally_originated = r.proto == LOCAL || r.proto == AGGREGATE;
    let metric = if !e.ibgp && !locally_originated {
        0
    } else {
        r.med
    };
    // the policy's view of the route; without an outbound route-map it is the route itself, so
    // its attribute lists are borrowed, not copied
    let pr: Policed<'_> = if nb.route_map_out.is_some() {
        let mut p = to_policy(r);
        p.metric = metric;
        let p = run(&node.maps, &node.lists, nb.route_map_out, p, true)?;
        Policed {
            nh_set: p.nh_set,
            nh: p.nh,
            as_path: Cow::Owned(p.as_path),
            local_pref: p.local_pref,
            metric: p.metric,
            origin: p.origin,
            communities: Cow::Owned(p.communities),
        }
    } else {
        if nb.prefix_list_out.is_some()
            && !prefix_list_permits(node, nb.prefix_list_out, r.net, r.plen)
        {
            return None;
        }
        Policed {
            nh_set: false,
            nh: r.nh,
            as_path: Cow::Borrowed(&r.as_path),
            local_pref: r.local_pref,
            metric,
            origin: r.origin,
            communities: Cow::Borrowed(&r.communities),
        }
    };
    let communities = if nb.send_community {
        pr.communities.into_owned()
    } else {
        Vec::new()
    };
    if e.ibgp {
        let nh = if pr.nh_set {
            pr.nh
        } else if nb.next_hop_self || r.nh.is_none() {
            Some(e.s_local_ip)
        } else {
            r.nh
        };
        let reflecting = r.proto == IBGP;
        let cluster_id = node.cluster_id.unwrap_or(e.s_router_id);
        let mut cl = Vec::new();
        if reflecting {
            cl.push(cluster_id);
            cl.extend_from_slice(&r.cluster_list);
        }
        return Some(BRoute {
            net: r.net,
            plen: r.plen,
            proto: IBGP,
            nh,
            as_path: pr.as_path.into_owned(),
            local_pref: pr.local_pref,
            med: pr.metric,
            weight: 0,
            origin: pr.origin,
            communities,
            received_from: Some(e.s_local_ip),
            originator_id: if reflecting && r.originator_id.is_some() {
                r.originator_id
            } else {
                Some(e.s_router_id)
            },
            cluster_list: cl,
            from_client: false,
            tag: None,
        });
    }
    let mut as_path = Vec::with_capacity(pr.as_path.len() + 1);
    as_path.push(e.s_local_as);
    as_path.extend_from_slice(&pr.as_path);
    Some(BRoute {
        net: r.net,
        plen: r.plen,
        proto: EBGP,
        nh: if pr.nh_set { pr.nh } else { Some(e.s_local_ip) },
        as_path,
        local_pref: 100,
        med: pr.metric,
        weight: 0,
        origin: pr.origin,
        communities,
        received_from: Some(e.s_local_ip),
        originator_id: Some(e.s_router_id),
        cluster_list: Vec::new(),
        from_client: false,
        tag: None,
    })
}

/// bgp.py import_route (the exported route is consumed: the imported one reuses its lists)
pub(crate) fn import_route(node: &BgpNode, nb: &Nbr, local_as: u32, r: BRoute) -> Option<BRoute> {
    if !nb.allowas_in && r.as_path.contains(&local_as) {
        return None;
    }
    if r.proto == IBGP && !r.cluster_list.is_empty() {
        let cluster_id = node.cluster_id.unwrap_or(node.router_id);
        if r.cluster_list.contains(&cluster_id) {
            return None;
        }
    }
    let from_client = r.proto == IBGP && nb.rr_client;
    if nb.route_map_in.is_none() {
        // no route-map: the policy route is the route itself, unchanged
        if nb.prefix_list_in.is_some()
            && !prefix_list_permits(node, nb.prefix_list_in, r.net, r.plen)
        {
            return None;
        }
        let mut out = r;
        out.from_client = from_client;
        return Some(out);
    }
    let pr = run(
        &node.maps,
        &node.lists,
        nb.route_map_in,
        to_policy(&r),
        true,
    )?;
    let mut out = r;
    out.nh = if pr.nh_set { pr.nh } else { out.nh };
    out.as_path = pr.as_path;
    out.local_pref = pr.local_pref;
    out.med = pr.metric;
    out.weight = pr.weight;
    out.origin = pr.origin;
    out.communities = pr.communities;
    out.tag = pr.tag;
    out.from_client = from_client;
    Some(out)
}
