//! The chain source against a real anvil node: what the status bar says before any scan, and
//! how many nodes the verdict says agreed.

use countersign_chain::{Registry, RpcOptions, Wallet};
use countersign_chainstate::agree::HeadPolicy;
use countersign_devchain::{Anvil, DEV_CHAIN_ID, DEV_KEYS};
use countersign_station::ChainSource;

#[test]
fn a_source_whose_nodes_agree_is_online_before_the_first_scan() {
    let anvil = Anvil::start().expect("anvil (run scripts/tools.sh)");
    let wallet = Wallet::from_hex(DEV_KEYS[0]).expect("dev key");
    let (registry, _) =
        Registry::deploy(&anvil.url(), DEV_CHAIN_ID, &wallet, RpcOptions::default())
            .expect("deploy");
    let quick = RpcOptions {
        timeout: std::time::Duration::from_secs(3),
        attempts: 1,
        ..RpcOptions::default()
    };
    for n in [1, 3] {
        let mut source = ChainSource::new(
            vec![anvil.url(); n],
            *registry.registry(),
            None,
            quick.clone(),
            HeadPolicy::for_nodes(n),
        )
        .expect("source");
        let status = source.status();
        assert_eq!(
            (status.mode, status.agreed, status.note.clone()),
            ("online", Some((n, n)), None),
            "{status:?}"
        );
        let source_kind = source.with(|state| state.view().expect("view").source);
        assert_eq!(
            source_kind,
            countersign_chainstate::Source::Online {
                endpoint: anvil.url(),
                agreed: n as u32,
                asked: n as u32,
            }
        );
    }
}
