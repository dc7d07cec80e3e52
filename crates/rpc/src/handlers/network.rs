//! Virtual networks: listing and lookup, definition, lifecycle, autostart and live updates.

use super::connect::list_max;
use super::{Call, HandlerResult, count, int, net_ref, nn_network};
use oxvirt_core::NetworkUpdate;
use oxvirt_protocol::remote::*;

const NETWORK_LIST: (u32, &str) = (NETWORK_LIST_MAX, "REMOTE_NETWORK_LIST_MAX");

pub(crate) async fn num_of_networks(c: Call, (): ()) -> HandlerResult<ConnectNumOfNetworksRet> {
    Ok(ConnectNumOfNetworksRet {
        num: c.net()?.num_of_networks().await?,
    })
}

pub(crate) async fn num_of_defined_networks(
    c: Call,
    (): (),
) -> HandlerResult<ConnectNumOfDefinedNetworksRet> {
    Ok(ConnectNumOfDefinedNetworksRet {
        num: c.net()?.num_of_defined_networks().await?,
    })
}

pub(crate) async fn list_networks(
    c: Call,
    a: ConnectListNetworksArgs,
) -> HandlerResult<ConnectListNetworksRet> {
    let max = list_max(&c, a.maxnames, "maxnames", NETWORK_LIST)?;
    Ok(ConnectListNetworksRet {
        names: c.net()?.list_networks(max).await?,
    })
}

pub(crate) async fn list_defined_networks(
    c: Call,
    a: ConnectListDefinedNetworksArgs,
) -> HandlerResult<ConnectListDefinedNetworksRet> {
    let max = list_max(&c, a.maxnames, "maxnames", NETWORK_LIST)?;
    Ok(ConnectListDefinedNetworksRet {
        names: c.net()?.list_defined_networks(max).await?,
    })
}

pub(crate) async fn list_all(
    c: Call,
    a: ConnectListAllNetworksArgs,
) -> HandlerResult<ConnectListAllNetworksRet> {
    let nets = c.net()?.list_all_networks(a.flags).await?;
    let ret = count(&nets)?;
    let nets = if a.need_results != 0 {
        nets.iter().map(nn_network).collect()
    } else {
        Vec::new()
    };
    Ok(ConnectListAllNetworksRet { nets, ret })
}

pub(crate) async fn lookup_by_name(
    c: Call,
    a: NetworkLookupByNameArgs,
) -> HandlerResult<NetworkLookupByNameRet> {
    Ok(NetworkLookupByNameRet {
        net: nn_network(&c.net()?.network_lookup_by_name(&a.name).await?),
    })
}

pub(crate) async fn lookup_by_uuid(
    c: Call,
    a: NetworkLookupByUuidArgs,
) -> HandlerResult<NetworkLookupByUuidRet> {
    Ok(NetworkLookupByUuidRet {
        net: nn_network(&c.net()?.network_lookup_by_uuid(a.uuid).await?),
    })
}

pub(crate) async fn define_xml(
    c: Call,
    a: NetworkDefineXmlArgs,
) -> HandlerResult<NetworkDefineXmlRet> {
    Ok(NetworkDefineXmlRet {
        net: nn_network(&c.net()?.network_define_xml(&a.xml, 0).await?),
    })
}

pub(crate) async fn define_xml_flags(
    c: Call,
    a: NetworkDefineXmlFlagsArgs,
) -> HandlerResult<NetworkDefineXmlFlagsRet> {
    Ok(NetworkDefineXmlFlagsRet {
        net: nn_network(&c.net()?.network_define_xml(&a.xml, a.flags).await?),
    })
}

pub(crate) async fn create_xml(
    c: Call,
    a: NetworkCreateXmlArgs,
) -> HandlerResult<NetworkCreateXmlRet> {
    Ok(NetworkCreateXmlRet {
        net: nn_network(&c.net()?.network_create_xml(&a.xml, 0).await?),
    })
}

pub(crate) async fn create_xml_flags(
    c: Call,
    a: NetworkCreateXmlFlagsArgs,
) -> HandlerResult<NetworkCreateXmlFlagsRet> {
    Ok(NetworkCreateXmlFlagsRet {
        net: nn_network(&c.net()?.network_create_xml(&a.xml, a.flags).await?),
    })
}

pub(crate) async fn undefine(c: Call, a: NetworkUndefineArgs) -> HandlerResult<()> {
    Ok(c.net()?.network_undefine(&net_ref(a.net)).await?)
}

pub(crate) async fn create(c: Call, a: NetworkCreateArgs) -> HandlerResult<()> {
    Ok(c.net()?.network_create(&net_ref(a.net)).await?)
}

pub(crate) async fn destroy(c: Call, a: NetworkDestroyArgs) -> HandlerResult<()> {
    Ok(c.net()?.network_destroy(&net_ref(a.net)).await?)
}

pub(crate) async fn get_xml_desc(
    c: Call,
    a: NetworkGetXmlDescArgs,
) -> HandlerResult<NetworkGetXmlDescRet> {
    Ok(NetworkGetXmlDescRet {
        xml: c
            .net()?
            .network_get_xml_desc(&net_ref(a.net), a.flags)
            .await?,
    })
}

pub(crate) async fn get_bridge_name(
    c: Call,
    a: NetworkGetBridgeNameArgs,
) -> HandlerResult<NetworkGetBridgeNameRet> {
    Ok(NetworkGetBridgeNameRet {
        name: c.net()?.network_get_bridge_name(&net_ref(a.net)).await?,
    })
}

pub(crate) async fn get_autostart(
    c: Call,
    a: NetworkGetAutostartArgs,
) -> HandlerResult<NetworkGetAutostartRet> {
    Ok(NetworkGetAutostartRet {
        autostart: int(c.net()?.network_get_autostart(&net_ref(a.net)).await?),
    })
}

pub(crate) async fn set_autostart(c: Call, a: NetworkSetAutostartArgs) -> HandlerResult<()> {
    Ok(c.net()?
        .network_set_autostart(&net_ref(a.net), a.autostart != 0)
        .await?)
}

pub(crate) async fn update(c: Call, a: NetworkUpdateArgs) -> HandlerResult<()> {
    let update = NetworkUpdate {
        command: a.command,
        section: a.section,
        parent_index: a.parent_index,
        xml: a.xml,
        flags: a.flags,
    };
    Ok(c.net()?.network_update(&net_ref(a.net), &update).await?)
}

pub(crate) async fn is_active(
    c: Call,
    a: NetworkIsActiveArgs,
) -> HandlerResult<NetworkIsActiveRet> {
    Ok(NetworkIsActiveRet {
        active: int(c.net()?.network_is_active(&net_ref(a.net)).await?),
    })
}

pub(crate) async fn is_persistent(
    c: Call,
    a: NetworkIsPersistentArgs,
) -> HandlerResult<NetworkIsPersistentRet> {
    Ok(NetworkIsPersistentRet {
        persistent: int(c.net()?.network_is_persistent(&net_ref(a.net)).await?),
    })
}
