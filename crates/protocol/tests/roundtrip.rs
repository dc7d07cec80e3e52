//! Property tests on real protocol structs: encode → decode is the identity, and no
//! payload makes any typed decoder panic.

use oxvirt_protocol::remote::{
    ConnectListAllDomainsRet, DomainEventCallbackLifecycleMsg, DomainEventLifecycleMsg,
    DomainGetInfoRet, DomainGetSecurityLabelRet, NetworkUpdateArgs, RemoteProc,
};
use oxvirt_protocol::{
    Header, NonnullDomain, NonnullNetwork, RemoteError, TypedParam, TypedParamValue,
};
use oxvirt_xdr::{Decode, Encode, from_bytes, to_bytes};
use proptest::prelude::*;

fn round_trip<T: Encode + Decode + PartialEq + std::fmt::Debug>(
    v: &T,
) -> Result<(), TestCaseError> {
    let bytes = to_bytes(v).unwrap();
    let back: T = from_bytes(&bytes).unwrap();
    prop_assert_eq!(&back, v);
    Ok(())
}

fn domain() -> impl Strategy<Value = NonnullDomain> {
    ("[a-z0-9-]{1,16}", any::<[u8; 16]>(), -1i32..100).prop_map(|(name, uuid, id)| NonnullDomain {
        name,
        uuid,
        id,
    })
}

fn network() -> impl Strategy<Value = NonnullNetwork> {
    ("[a-z0-9-]{1,16}", any::<[u8; 16]>()).prop_map(|(name, uuid)| NonnullNetwork { name, uuid })
}

fn typed_param() -> impl Strategy<Value = TypedParam> {
    let value = prop_oneof![
        any::<i32>().prop_map(TypedParamValue::Int),
        any::<u32>().prop_map(TypedParamValue::UInt),
        any::<i64>().prop_map(TypedParamValue::LLong),
        any::<u64>().prop_map(TypedParamValue::ULLong),
        any::<f64>()
            .prop_filter("not NaN", |f| !f.is_nan())
            .prop_map(TypedParamValue::Double),
        (0i32..=1).prop_map(TypedParamValue::Boolean),
        ".{0,16}".prop_map(TypedParamValue::String),
    ];
    ("[a-z_.]{1,20}", value).prop_map(|(field, value)| TypedParam { field, value })
}

proptest! {
    #[test]
    fn test_list_all_domains_ret_round_trips(domains in proptest::collection::vec(domain(), 0..20), ret: u32) {
        round_trip(&ConnectListAllDomainsRet { domains, ret })?;
    }

    #[test]
    fn test_domain_get_info_ret_round_trips(state: u8, max_mem: u64, memory: u64, nr_virt_cpu: u16, cpu_time: u64) {
        round_trip(&DomainGetInfoRet { state, max_mem, memory, nr_virt_cpu, cpu_time })?;
    }

    #[test]
    fn test_security_label_round_trips(label in proptest::collection::vec(any::<i8>(), 0..64), enforcing: i32) {
        round_trip(&DomainGetSecurityLabelRet { label, enforcing })?;
    }

    #[test]
    fn test_lifecycle_event_round_trips(callback_id: i32, dom in domain(), event: i32, detail: i32) {
        round_trip(&DomainEventCallbackLifecycleMsg {
            callback_id,
            msg: DomainEventLifecycleMsg { dom, event, detail },
        })?;
    }

    #[test]
    fn test_network_update_round_trips(net in network(), command: u32, section: u32, parent_index: i32, xml in ".{0,64}", flags: u32) {
        round_trip(&NetworkUpdateArgs { net, command, section, parent_index, xml, flags })?;
    }

    #[test]
    fn test_remote_error_round_trips(code: i32, message in proptest::option::of(".{0,32}"), dom in proptest::option::of(domain()), net in proptest::option::of(network())) {
        round_trip(&RemoteError {
            code, domain: 7, message, level: 2, dom, str1: Some("%s".into()), str2: None,
            str3: None, int1: -1, int2: -1, net,
        })?;
    }

    #[test]
    fn test_typed_param_round_trips(p in typed_param()) {
        round_trip(&p)?;
    }

    #[test]
    fn test_header_round_trips(program: u32, version: u32, procedure: i32, msg_type: i32, serial: u32, status: i32) {
        let h = Header { program, version, procedure, msg_type, serial, status };
        prop_assert_eq!(Header::decode(&h.encode()).unwrap(), h);
    }

    #[test]
    fn test_random_payloads_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        for p in RemoteProc::ALL {
            let _ = p.reencode_args(&bytes);
            let _ = p.reencode_ret(&bytes);
        }
        let _ = from_bytes::<RemoteError>(&bytes);
    }
}
