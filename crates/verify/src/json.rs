//! The report as JSON: what `countersign verify --json` prints (format in docs/PROTOCOL.md).

use crate::report::{CheckOutcome, Report, SkipReason};
use countersign_chainstate::Source;
use serde_json::{json, Value};

fn skip_reason(o: CheckOutcome) -> Value {
    match o {
        CheckOutcome::Skipped(SkipReason::NotConfigured) => "not_configured".into(),
        CheckOutcome::Skipped(SkipReason::CouldNotCheck) => "could_not_check".into(),
        CheckOutcome::Skipped(SkipReason::AfterFailure) => "after_failure".into(),
        _ => Value::Null,
    }
}

/// The report as a JSON value.
pub fn report_to_json(report: &Report) -> Value {
    let checks: Vec<Value> = report
        .checks
        .iter()
        .map(|c| {
            let mut v = json!({
                "id": c.id.as_str(),
                "status": c.outcome.as_str(),
                "code": c.code,
                "detail": c.detail,
            });
            if let CheckOutcome::Skipped(_) = c.outcome {
                v["skipReason"] = skip_reason(c.outcome);
            }
            v
        })
        .collect();
    let summary = report.summary.as_ref().map(|s| {
        json!({
            "id": s.id,
            "type": s.type_name,
            "typeLabel": {"zh": s.type_label_zh, "en": s.type_label_en},
            "issuer": {"id": s.issuer_id, "name": s.issuer_name, "registered": s.issuer_name_registered},
            "validFrom": s.valid_from.map(|t| t.to_rfc3339()),
            "validUntil": s.valid_until.map(|t| t.to_rfc3339()),
            "fields": s.fields.iter().map(|f| json!({
                "key": f.key,
                "label": {"zh": f.label_zh, "en": f.label_en},
                "value": f.value,
                "sensitive": f.sensitive,
            })).collect::<Vec<_>>(),
        })
    });
    let chain = report.chain.as_ref().map(|c| {
        let source = match &c.source {
            Source::Online {
                endpoint,
                agreed,
                asked,
            } => json!({"kind": "online", "endpoint": endpoint, "nodesAgreed": agreed, "nodesAsked": asked}),
            Source::Mirror => json!({"kind": "mirror"}),
            Source::Memory => json!({"kind": "memory"}),
        };
        json!({
            "registry": c.registry.to_string(),
            "block": c.block,
            "blockTime": c.block_time.to_rfc3339(),
            "checkedAt": c.checked_at.to_rfc3339(),
            "source": source,
        })
    });
    json!({
        "verdict": report.verdict.as_str(),
        "checkedAt": report.checked_at.to_rfc3339(),
        "checks": checks,
        "failing": report.failing().iter().map(|c| c.as_str()).collect::<Vec<_>>(),
        "warnings": report.warnings.iter().map(|w| json!({"code": w.code, "detail": w.detail})).collect::<Vec<_>>(),
        "leafHash": report.leaf.map(|l| l.to_hex()),
        "credential": summary,
        "chainState": chain,
    })
}
