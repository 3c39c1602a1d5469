//! Swarm mode: initialise and inspect.

use std::net::{IpAddr, Ipv4Addr, UdpSocket};
use std::time::Duration;

use bollard::models::{LocalNodeState, SwarmInitRequest};
use tracing::info;

use crate::error::{Error, Result};
use crate::model::SwarmInfo;
use crate::retry::wait_until;
use crate::Orchestrator;

/// How long a node may stay `pending` (another client initialising or joining) before we give up.
const SETTLE_DEADLINE: Duration = Duration::from_secs(60);

/// Environment variable that chooses the advertise address.
pub const ADVERTISE_ADDR_ENV: &str = "DOCKER_SWARM_ADVERTISE_ADDR";

impl Orchestrator {
    /// Whether swarm mode is active on this engine and it can manage the swarm.
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn is_swarm_initialized(&self) -> Result<bool> {
        Ok(self.swarm_info().await?.initialized)
    }

    /// The swarm as this engine sees it.
    pub async fn swarm_info(&self) -> Result<SwarmInfo> {
        let info = self.docker.info().await?;
        let swarm = info.swarm.unwrap_or_default();
        let state = swarm.local_node_state.unwrap_or(LocalNodeState::INACTIVE);
        let manager = swarm.control_available.unwrap_or(false);
        let initialized = state == LocalNodeState::ACTIVE && manager;
        let swarm_id = if initialized {
            self.docker.inspect_swarm().await?.id
        } else {
            swarm.cluster.and_then(|cluster| cluster.id)
        };
        Ok(SwarmInfo {
            initialized,
            local_node_state: state.to_string(),
            swarm_id,
            node_id: swarm.node_id.filter(|id| !id.is_empty()),
            nodes: swarm.nodes.and_then(|n| u32::try_from(n).ok()).unwrap_or(0),
            managers: swarm
                .managers
                .and_then(|n| u32::try_from(n).ok())
                .unwrap_or(0),
            advertise_addr: swarm.node_addr.filter(|addr| !addr.is_empty()),
            engine_version: info.server_version,
            created: false,
        })
    }

    /// Initialises swarm mode unless it is active already; idempotent.
    ///
    /// The advertise address comes from `DOCKER_SWARM_ADVERTISE_ADDR`, else the primary IPv4 of the default route.
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn init_swarm(&self) -> Result<SwarmInfo> {
        let current = self.settled_swarm_info().await?;
        if current.initialized {
            return Ok(current);
        }
        if current.local_node_state != LocalNodeState::INACTIVE.to_string() {
            return Err(Error::NotSwarmManager {
                state: format!(
                    "node state is {} and it is not a manager; run this against a manager node",
                    current.local_node_state
                ),
            });
        }
        let advertise = advertise_address()?;
        info!(%advertise, "initialising swarm");
        let request = SwarmInitRequest {
            listen_addr: Some("0.0.0.0:2377".to_string()),
            advertise_addr: Some(advertise.to_string()),
            ..Default::default()
        };
        let created = match self.docker.init_swarm(request).await.map_err(Error::from) {
            Ok(_) => true,
            // Another client initialised it between our look and our init: that is the state we wanted.
            Err(Error::Engine {
                status: 503,
                message,
            }) if message.contains("already part of a swarm") => false,
            Err(error) => return Err(error),
        };
        let mut info = self.settled_swarm_info().await?;
        info.created = created;
        Ok(info)
    }

    /// The swarm info once the node is no longer `pending`: while any client initialises or joins the swarm the
    /// node reports pending and not yet a manager, which is not a state to decide on.
    async fn settled_swarm_info(&self) -> Result<SwarmInfo> {
        let pending = LocalNodeState::PENDING.to_string();
        wait_until(
            SETTLE_DEADLINE,
            Duration::from_millis(100),
            "the swarm state to settle (node pending)",
            || async {
                let info = self.swarm_info().await?;
                Ok((info.local_node_state != pending).then_some(info))
            },
        )
        .await
    }

    /// Initialises the swarm on first use; fails only when this engine cannot manage one.
    pub(crate) async fn ensure_swarm(&self) -> Result<()> {
        self.init_swarm().await.map(drop)
    }
}

/// The address to advertise: the environment's choice, else the source address of the default route.
pub fn advertise_address() -> Result<IpAddr> {
    advertise_address_from(std::env::var(ADVERTISE_ADDR_ENV).ok().as_deref())
}

fn advertise_address_from(configured: Option<&str>) -> Result<IpAddr> {
    match configured.map(str::trim).filter(|value| !value.is_empty()) {
        Some(value) => value
            .parse::<IpAddr>()
            .map_err(|_| Error::NoAdvertiseAddress {
                reason: format!("{ADVERTISE_ADDR_ENV}={value:?} is not an IP address"),
            }),
        None => default_route_ipv4(),
    }
}

/// Asks the kernel which local address it would use towards a public address; a UDP connect sends nothing.
fn default_route_ipv4() -> Result<IpAddr> {
    let socket =
        UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0)).map_err(|e| Error::NoAdvertiseAddress {
            reason: format!("cannot open a UDP socket to query routes: {e}"),
        })?;
    socket
        .connect((Ipv4Addr::new(198, 51, 100, 1), 9))
        .and_then(|()| socket.local_addr())
        .map_err(|e| Error::NoAdvertiseAddress {
            reason: format!("this host has no IPv4 default route ({e})"),
        })
        .and_then(|local| match local.ip() {
            ip if ip.is_unspecified() || ip.is_loopback() => Err(Error::NoAdvertiseAddress {
                reason: format!(
                    "the default route's source address {ip} is not reachable from other hosts"
                ),
            }),
            ip => Ok(ip),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_configured_address_wins_and_must_be_an_ip() {
        assert_eq!(
            advertise_address_from(Some(" 10.0.0.5 ")).ok(),
            Some(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 5)))
        );
        let error = advertise_address_from(Some("eth0"))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(error.contains("DOCKER_SWARM_ADVERTISE_ADDR"), "{error}");
    }

    #[test]
    fn without_configuration_the_default_route_decides() {
        // Hosts without a default route get the explaining error; either way no loopback address is chosen.
        match advertise_address_from(Some("  ")) {
            Ok(ip) => assert!(!ip.is_loopback() && !ip.is_unspecified()),
            Err(error) => assert!(matches!(error, Error::NoAdvertiseAddress { .. })),
        }
    }
}
