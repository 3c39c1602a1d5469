//! The structural audit: what the services' and networks' definitions already show, before any traffic.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use bollard::models::{EndpointPortConfigPublishModeEnum, Network, Service};

use crate::naming::label;

use super::types::{AuditFinding, AuditKind};

/// Bridges, ingress exposure, foreign networks and unprotected organization networks.
pub(super) fn audit(
    services: &[Service],
    networks: &[Network],
    org_networks: &BTreeMap<String, Network>,
) -> Vec<AuditFinding> {
    let org_of_network: HashMap<&str, &str> = org_networks
        .iter()
        .filter_map(|(org, network)| Some((network.id.as_deref()?, org.as_str())))
        .collect();
    let name_of_network: HashMap<&str, &str> = networks
        .iter()
        .filter_map(|n| Some((n.id.as_deref()?, n.name.as_deref()?)))
        .collect();
    let mut findings = Vec::new();
    for service in services {
        let Some(spec) = service.spec.as_ref() else {
            continue;
        };
        let name = spec.name.clone().unwrap_or_default();
        let own_org = spec
            .labels
            .as_ref()
            .and_then(|l| l.get(label::ORG))
            .cloned();
        let attached: Vec<&str> = crate::network::attached_networks(service).collect();
        let orgs: BTreeSet<&str> = attached
            .iter()
            .filter_map(|id| org_of_network.get(id).copied())
            .collect();
        if orgs.len() > 1 {
            findings.push(AuditFinding {
                kind: AuditKind::Bridge,
                subject: name.clone(),
                detail: format!(
                    "attached to the networks of {}: it joins organizations that must not reach each other",
                    orgs.iter().copied().collect::<Vec<_>>().join(", ")
                ),
            });
        }
        if let Some(org) = &own_org {
            for id in &attached {
                if org_of_network.get(id).is_none_or(|owner| owner != org) {
                    findings.push(AuditFinding {
                        kind: AuditKind::ForeignNetwork,
                        subject: name.clone(),
                        detail: format!(
                            "service of {org} is attached to {}, which is not {org}'s network",
                            name_of_network.get(id).copied().unwrap_or(id)
                        ),
                    });
                }
            }
        }
        let published: Vec<String> = service
            .endpoint
            .as_ref()
            .and_then(|e| e.ports.as_ref())
            .into_iter()
            .flatten()
            .filter(|p| p.publish_mode != Some(EndpointPortConfigPublishModeEnum::HOST))
            .filter_map(|p| Some(format!("{}→{}", p.published_port?, p.target_port?)))
            .collect();
        if !published.is_empty() {
            findings.push(AuditFinding {
                kind: AuditKind::IngressExposure,
                subject: name.clone(),
                detail: format!(
                    "publishes {} on the ingress routing mesh: reachable on every node from outside any organization",
                    published.join(", ")
                ),
            });
        }
    }
    for network in networks {
        let name = network.name.clone().unwrap_or_default();
        let looks_like_org = name.starts_with("org-") && name.ends_with("-network");
        let ours = org_networks.values().any(|n| n.id == network.id);
        if looks_like_org && !ours {
            findings.push(AuditFinding {
                kind: AuditKind::NetworkNotLabelled,
                subject: name.clone(),
                detail: "named like an organization network but not labelled as Swarmdeck's: it is not checked".to_string(),
            });
        }
        if ours
            && !network
                .options
                .as_ref()
                .is_some_and(|o| o.contains_key("encrypted"))
        {
            findings.push(AuditFinding {
                kind: AuditKind::NetworkNotEncrypted,
                subject: name,
                detail: "traffic between hosts on this organization network is not encrypted"
                    .to_string(),
            });
        }
    }
    findings
}
