//! The daily report on a thermal roll: encoded for ESC/POS and read back with the interpreter.

use chrono::{FixedOffset, NaiveDate, TimeZone, Utc};
use countersign_dayreport::compose;
use countersign_escpos::interpret::{interpret, Item};
use countersign_escpos::{encode, PrinterProfile};
use countersign_log::{Count, DayReport, LogSummary};
use countersign_printdoc::fonts::Fonts;
use countersign_printdoc::Paper;

fn count(key: &str, n: u64) -> Count {
    Count {
        key: Some(key.to_owned()),
        count: n,
    }
}

#[test]
fn the_report_prints_on_a_roll_within_its_columns() {
    let mut by_hour = [0; 24];
    by_hour[9] = 30;
    by_hour[11] = 12;
    let report = DayReport {
        day: NaiveDate::from_ymd_opt(2025, 3, 14).expect("a date"),
        offset: FixedOffset::east_opt(8 * 3600).expect("+08:00"),
        summary: LogSummary {
            total: 42,
            range: Some((7, 48)),
            by_verdict: vec![
                count("VALID", 38),
                count("INVALID", 3),
                count("UNVERIFIABLE", 1),
            ],
            by_type: vec![count("ResidencePermitCredential", 42)],
            by_issuer: vec![count("北京市公安局朝阳分局", 42)],
            by_clerk: vec![count("clerk-001", 30), count("clerk-002", 12)],
            by_counter: vec![count("1", 30), count("2", 12)],
            by_channel: vec![count("scanner", 42)],
            by_chain_source: vec![count("online", 42)],
            by_hour,
            failures: vec![count("validity.expired", 2), count("signature.mismatch", 1)],
        },
        repeated: vec![],
    };
    let printed = Utc
        .with_ymd_and_hms(2025, 3, 15, 1, 0, 0)
        .single()
        .expect("a time");
    for profile in [PrinterProfile::roll58(), PrinterProfile::roll80()] {
        let doc = compose(
            &report,
            None,
            "朝阳区政务服务中心",
            printed,
            "S-01",
            profile.paper,
        );
        let bytes = encode(&doc, &profile, &Fonts::embedded_only()).expect("encodes");
        let items = interpret(&bytes).expect("interprets");
        let lines: Vec<String> = items
            .iter()
            .filter_map(|i| match i {
                Item::Line(l) => {
                    assert!(
                        l.cells() <= profile.columns,
                        "{:?}: {:?} is {} cells",
                        profile.paper,
                        l.text(),
                        l.cells()
                    );
                    Some(l.text())
                }
                _ => None,
            })
            .collect();
        let what = format!("{:?}: {lines:#?}", profile.paper);
        assert!(lines.iter().any(|l| l.contains("每日核验报告")), "{what}");
        // The verdict chart's bars, in the GB 2312 ROM's block.
        let valid = lines
            .iter()
            .find(|l| l.starts_with("有效 VALID") && l.contains('■'))
            .unwrap_or_else(|| panic!("no VALID bar in {what}"));
        assert!(valid.ends_with(" 38"), "{valid:?}");
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("09:00") && l.ends_with(" 30")),
            "{what}"
        );
        assert!(lines.iter().any(|l| l.starts_with("证照已过期")), "{what}");
        assert_eq!(profile.paper == Paper::Roll58, profile.columns == 32);
    }
}
