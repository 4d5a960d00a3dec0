//! The JSON the screens read (ui/src/generated/ has its TypeScript): names, nulls and skipped
//! fields as serde writes them, for the views made by named constructors.

use countersign_views::{SetupView, UpdateView};
use serde_json::json;

#[test]
fn setup_views_say_what_is_missing() {
    let view = SetupView::choose_counter(vec![("3".into(), Some("三号窗口".into()))], false);
    assert_eq!(
        serde_json::to_value(view).expect("json"),
        json!({
            "kind": "choose_counter",
            "code": null,
            "problem": null,
            "action": null,
            "counters": [["3", "三号窗口"]],
            "authorityFile": false,
        })
    );
    let view = SetupView::refused("tampered".into(), "p".into(), "a".into(), true);
    assert_eq!(
        serde_json::to_value(view).expect("json"),
        json!({
            "kind": "refused",
            "code": "tampered",
            "problem": "p",
            "action": "a",
            "counters": [],
            "authorityFile": true,
        })
    );
}

#[test]
fn update_views_carry_sizes_as_plain_numbers() {
    assert_eq!(
        serde_json::to_value(UpdateView::current("1.0.0".into())).expect("json"),
        json!({"status": "current", "current": "1.0.0", "version": null, "notes": null, "size": null})
    );
    assert_eq!(
        serde_json::to_value(UpdateView::verified(
            "1.0.0".into(),
            "1.1.0".into(),
            None,
            4096
        ))
        .expect("json"),
        json!({"status": "verified", "current": "1.0.0", "version": "1.1.0", "notes": null, "size": 4096})
    );
}
