//! Compiled routing policy, the subset validator/engine/routing_policy.py implements that the
//! feature check in engine/native.py admits: prefix lists, route-maps matching prefix lists and
//! tags, setting local-preference, metric, communities, next hop, weight, prepend, origin, tag.
//! Route-maps with any other match (ACL, community list, as-path list) send the snapshot to Python.

/// (network, prefix length, min length, max length, permit)
pub type PrefixLine = (u32, u8, u8, u8, bool);

pub struct PrefixList {
    pub lines: Vec<PrefixLine>,
}

impl PrefixList {
    /// routing_policy.py prefix_list_permits: first matching line wins; no match denies.
    pub fn permits(&self, net: u32, plen: u8) -> bool {
        for &(p, pl, lo, hi, permit) in &self.lines {
            if net & crate::rib::mask(pl) == p && lo <= plen && plen <= hi {
                return permit;
            }
        }
        false
    }
}

pub enum Match {
    /// defined prefix lists (indices into the node's lists); an empty list matches nothing
    PrefixLists(Vec<usize>),
    Tags(Vec<i64>),
}

pub enum Set {
    LocalPref(i64),
    Metric(i64),
    Community(Vec<u32>, bool),
    NextHop(u32),
    Weight(i64),
    Prepend(Vec<u32>),
    Origin(u8),
    Tag(i64),
}

pub struct Clause {
    pub seq: i64,
    pub permit: bool,
    pub matches: Vec<Match>,
    pub sets: Vec<Set>,
    pub continue_seq: Option<i64>,
}

pub struct RouteMap {
    pub clauses: Vec<Clause>, // sorted by seq (stable)
}

/// routing_policy.py PolicyRoute (protocol is never read by the supported matches)
#[derive(Clone, Debug, PartialEq)]
pub struct PRoute {
    pub net: u32,
    pub plen: u8,
    pub metric: i64,
    pub tag: Option<i64>,
    pub local_pref: i64,
    pub weight: i64,
    pub communities: Vec<u32>, // sorted, deduplicated (a frozenset)
    pub as_path: Vec<u32>,
    pub origin: u8,
    pub nh: Option<u32>,
    pub nh_set: bool,
}

fn clause_matches(clause: &Clause, lists: &[PrefixList], r: &PRoute) -> bool {
    let mut ip_terms: Vec<bool> = Vec::new();
    for m in &clause.matches {
        match m {
            Match::PrefixLists(pls) => {
                ip_terms.push(pls.iter().any(|&i| lists[i].permits(r.net, r.plen)))
            }
            Match::Tags(tags) => {
                if !r.tag.is_some_and(|t| tags.contains(&t)) {
                    return false;
                }
            }
        }
    }
    ip_terms.is_empty() || ip_terms.iter().any(|&b| b)
}

fn apply_sets(clause: &Clause, mut r: PRoute) -> PRoute {
    for s in &clause.sets {
        match s {
            Set::LocalPref(v) => r.local_pref = *v,
            Set::Metric(v) => r.metric = *v,
            Set::Community(cs, additive) => {
                let mut new = cs.clone();
                if *additive {
                    new.extend_from_slice(&r.communities);
                }
                new.sort_unstable();
                new.dedup();
                r.communities = new;
            }
            Set::NextHop(ip) => {
                r.nh = Some(*ip);
                r.nh_set = true;
            }
            Set::Weight(v) => r.weight = *v,
            Set::Prepend(asns) => {
                let mut p = asns.clone();
                p.extend_from_slice(&r.as_path);
                r.as_path = p;
            }
            Set::Origin(o) => r.origin = *o,
            Set::Tag(v) => r.tag = Some(*v),
        }
    }
    r
}

/// routing_policy.py apply_route_map
pub fn apply(rm: &RouteMap, lists: &[PrefixList], mut r: PRoute) -> Option<PRoute> {
    let cl = &rm.clauses;
    let mut permitted = false;
    let mut i = 0;
    while i < cl.len() {
        let c = &cl[i];
        if !clause_matches(c, lists, &r) {
            i += 1;
            continue;
        }
        if !c.permit {
            return None;
        }
        r = apply_sets(c, r);
        permitted = true;
        let Some(target) = c.continue_seq else {
            return Some(r);
        };
        let mut nxt = i + 1;
        if target != -1 {
            while nxt < cl.len() && cl[nxt].seq < target {
                nxt += 1;
            }
        }
        i = nxt;
    }
    if permitted {
        Some(r)
    } else {
        None
    }
}

/// A policy reference as Python resolves it: None = no policy named; Some(None) = named but
/// undefined; Some(Some(i)) = route-map i of the node.
pub type PolicyRef = Option<Option<usize>>;

/// routing_policy.py run_policy
pub fn run(
    maps: &[RouteMap],
    lists: &[PrefixList],
    p: PolicyRef,
    r: PRoute,
    undefined_denies: bool,
) -> Option<PRoute> {
    match p {
        None => Some(r),
        Some(None) => {
            if undefined_denies {
                None
            } else {
                Some(r)
            }
        }
        Some(Some(i)) => apply(&maps[i], lists, r),
    }
}
