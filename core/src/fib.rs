//! FIB construction: recursive next-hop resolution exactly as validator/engine/fib.py.
use crate::rib::{MainRib, NH_DISCARD, NH_INTERFACE, NO_IFACE};

const MAX_RESOLUTION_DEPTH: usize = 10;

/// (interface id or NO_IFACE, arp ip, null route)
pub type Action = (u32, Option<u32>, bool);
/// A route of the RIB: (slot, index within the slot's ECMP list)
pub type RouteRef = (usize, usize);

pub struct FibEntry {
    pub route: RouteRef,
    pub action: Action,
    pub chain: Vec<RouteRef>, // resolution routes (the chain without the top route)
}

const NULL: Action = (NO_IFACE, None, true);

fn resolve(
    rib: &MainRib,
    r: RouteRef,
    last_ip: Option<u32>,
    chain: &mut Vec<RouteRef>,
    depth: usize,
    out: &mut Vec<(Action, Vec<RouteRef>)>,
) {
    let route = &rib.slots[r.0].1[r.1];
    if route.nh_type == NH_DISCARD {
        out.push((NULL, chain.clone()));
        return;
    }
    if route.nh_type == NH_INTERFACE {
        let arp = if route.nh_ip.is_some() {
            route.nh_ip
        } else {
            last_ip
        };
        out.push(((route.nh_iface, arp, false), chain.clone()));
        return;
    }
    let ip = route.nh_ip.expect("ip next hop without ip");
    if depth >= MAX_RESOLUTION_DEPTH {
        out.push((NULL, chain.clone()));
        return;
    }
    let mut m = rib.lpm_slot(ip, 32);
    // a next hop resolving through a network already on the chain is a loop: try less specific
    while let Some(s) = m {
        let p = rib.slots[s].0;
        if !chain.iter().any(|c| rib.slots[c.0].0 == p) {
            break;
        }
        m = if p.1 > 0 {
            rib.lpm_slot(ip, p.1 - 1)
        } else {
            None
        };
    }
    let Some(s) = m else {
        out.push((NULL, chain.clone()));
        return;
    };
    for k in 0..rib.slots[s].1.len() {
        chain.push((s, k));
        resolve(rib, (s, k), Some(ip), chain, depth + 1, out);
        chain.pop();
    }
}

/// The distinct actions of one slot's FIB entries (what a lookup hitting this prefix forwards by),
/// for the session walk (session.rs); build_fib's entries of the slot have exactly these actions.
pub fn slot_actions(rib: &MainRib, s: usize) -> Vec<Action> {
    let mut acts: Vec<Action> = Vec::new();
    for k in 0..rib.slots[s].1.len() {
        let mut found = Vec::new();
        let mut chain = vec![(s, k)];
        resolve(rib, (s, k), None, &mut chain, 0, &mut found);
        for (action, _ch) in found {
            if !acts.contains(&action) {
                acts.push(action);
            }
        }
    }
    acts
}

/// Per slot (prefix, in RIB insertion order), the FIB entries of its routes, deduplicated by action.
pub fn build_fib(rib: &MainRib) -> Vec<Vec<FibEntry>> {
    let mut all = Vec::with_capacity(rib.slots.len());
    for (s, (_p, routes)) in rib.slots.iter().enumerate() {
        let mut entries = Vec::new();
        for k in 0..routes.len() {
            let mut found = Vec::new();
            let mut chain = vec![(s, k)];
            resolve(rib, (s, k), None, &mut chain, 0, &mut found);
            let mut seen: Vec<Action> = Vec::new();
            for (action, ch) in found {
                if seen.contains(&action) {
                    continue;
                }
                seen.push(action);
                entries.push(FibEntry {
                    route: (s, k),
                    action,
                    chain: ch[1..].to_vec(),
                });
            }
        }
        all.push(entries);
    }
    all
}
