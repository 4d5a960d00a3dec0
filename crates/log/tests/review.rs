//! The supervisor's review: pages, counts and summaries, held to a plain reading of every entry
//! (all of them read back and filtered here) over many filters, ranges and page sizes, on a log
//! whose clock was set back three times (so some entries stand out of time order).

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, TimeZone, Utc};
use countersign_log::{Count, Entry, Filter, Log, NewEntry, MAX_PAGE};
use countersign_vocab::{ChainSourceKind, ChainUsed, Channel, CredentialHash, Verdict};
use std::collections::{BTreeMap, BTreeSet};

fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("offset")
}

/// Hall-local midnight starting 2026-11-23, plus `minutes`.
fn local(minutes: i64) -> DateTime<Utc> {
    china()
        .with_ymd_and_hms(2026, 11, 23, 0, 0, 0)
        .unwrap()
        .with_timezone(&Utc)
        + Duration::minutes(minutes)
}

const ISSUERS: [(&str, Option<&str>); 4] = [
    ("did:key:z6MkA", Some("北京市教育委员会")),
    ("did:key:z6MkB", Some("上海市公安局浦东分局")),
    // Registered under two names over time: a filter by its did:key finds both.
    ("did:key:z6MkC", Some("京华大学")),
    ("did:key:z6MkD", None),
];

/// Entry `n` of the test log: ~170 a day over four days, times rising by 8 minutes except
/// after entries 100, 250 and 400, where the clock was set back (the next ten entries are
/// timed before entries already logged), and at entry 500, timed a year ahead.
fn entry(n: u64) -> NewEntry {
    let mut minutes = n as i64 * 8 + 7 * 60;
    for (at, back) in [(100, 50), (250, 600), (400, 20)] {
        if (at..at + 10).contains(&n) {
            minutes -= back;
        }
    }
    // One verification with the clock a year ahead.
    if n == 500 {
        minutes += 400 * 24 * 60;
    }
    let (issuer, mut name) = ISSUERS[(n % 4) as usize];
    if n % 4 == 2 && n.is_multiple_of(3) {
        name = Some("京华大学(旧名)");
    }
    let verdict = match n % 9 {
        0 | 5 => Verdict::Invalid,
        7 => Verdict::Unverifiable,
        _ => Verdict::Valid,
    };
    NewEntry {
        at: local(minutes),
        hall: "BJ-CY-01".into(),
        counter: format!("{}", n % 4 + 1),
        clerk: format!("clerk-{}", n % 5 + 1),
        channel: if n.is_multiple_of(3) {
            Channel::Camera
        } else {
            Channel::Scanner
        },
        credential_type: match n % 7 {
            6 => None,
            k if k % 2 == 0 => Some("DiplomaCredential".into()),
            _ => Some("ResidencePermitCredential".into()),
        },
        issuer: (n % 7 != 6).then(|| issuer.to_string()),
        issuer_name: (n % 7 != 6).then_some(name).flatten().map(str::to_string),
        leaf: Some(CredentialHash([(n % 40) as u8; 32])),
        verdict,
        failing: match verdict {
            Verdict::Invalid => vec!["validity".into()],
            Verdict::Unverifiable => vec!["anchor".into()],
            Verdict::Valid => vec![],
        },
        reasons: if verdict == Verdict::Invalid && n.is_multiple_of(2) {
            vec!["validity.expired".into()]
        } else {
            vec![]
        },
        chain: (!n.is_multiple_of(11)).then(|| ChainUsed {
            block: 1000 + n,
            block_time: local(minutes - 1),
            source: if n.is_multiple_of(3) {
                ChainSourceKind::Mirror
            } else {
                ChainSourceKind::Online
            },
        }),
        receipt: Some(format!("R-{n:04}")),
        personal: BTreeMap::from([("name".to_string(), "王*".to_string())]),
    }
}

const TOTAL: u64 = 700;

fn test_log() -> (tempfile::TempDir, Log, Vec<Entry>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut log = Log::open(dir.path().join("log.sqlite")).expect("open");
    let batch: Vec<NewEntry> = (1..=TOTAL).map(entry).collect();
    let all = log.append_batch(&batch).expect("append");
    (dir, log, all)
}

/// The plain reading: every entry, filtered here.
fn expected(all: &[Entry], f: &Filter) -> Vec<u64> {
    let mut out: Vec<u64> = all
        .iter()
        .filter(|e| {
            let e2 = &e.entry;
            e2.at >= f.from
                && e2.at < f.to
                && f.counter.as_ref().is_none_or(|c| &e2.counter == c)
                && f.clerk.as_ref().is_none_or(|c| &e2.clerk == c)
                && f.verdict.as_ref().is_none_or(|v| &e2.verdict == v)
                && f.credential_type
                    .as_ref()
                    .is_none_or(|t| e2.credential_type.as_ref() == Some(t))
                && f.issuer.as_ref().is_none_or(|i| {
                    e2.issuer.as_ref() == Some(i) || e2.issuer_name.as_ref() == Some(i)
                })
        })
        .map(|e| e.seq)
        .collect();
    out.reverse();
    out
}

/// Every page of `filter`, following the cursors; panics on a repeated entry.
fn all_pages(log: &Log, filter: &Filter, limit: usize) -> Vec<u64> {
    let mut out = Vec::new();
    let mut before = None;
    let mut pages = 0;
    loop {
        let page = log.page(filter, before, limit).expect("page");
        pages += 1;
        assert!(page.entries.len() <= limit.max(1));
        if page.next.is_some() {
            assert_eq!(
                page.entries.len(),
                limit.max(1),
                "only the last page is short"
            );
            assert_eq!(page.next, page.entries.last().map(|e| e.seq));
        }
        out.extend(page.entries.iter().map(|e| e.seq));
        match page.next {
            Some(next) => before = Some(next),
            None => break,
        }
        assert!(pages <= TOTAL as usize + 1, "the cursor does not advance");
    }
    out
}

fn ranges() -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    vec![
        // Everything, and everything but the entry a year ahead.
        (local(-10_000), local(1_000_000)),
        (local(-10_000), local(100_000)),
        // One hall-local day, and the next.
        (local(24 * 60), local(2 * 24 * 60)),
        (local(2 * 24 * 60), local(3 * 24 * 60)),
        // Across the first set-back: entries 100–109 are timed 50 minutes early.
        (local(7 * 60 + 95 * 8), local(7 * 60 + 103 * 8)),
        // Inside the big set-back (entries 250–259, 10 hours early).
        (local(7 * 60 + 240 * 8 - 600), local(7 * 60 + 255 * 8 - 600)),
        // Bounds exactly on entry times: entry 300 is in, entry 310 is out.
        (local(7 * 60 + 300 * 8), local(7 * 60 + 310 * 8)),
        // Before the first entry, after the last, and empty.
        (local(-1000), local(7 * 60)),
        (local(100_000), local(200_000)),
        (local(5000), local(5000)),
        (local(6000), local(5000)),
    ]
}

fn filters(from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Filter> {
    let base = Filter::between(from, to);
    let with = |f: &dyn Fn(&mut Filter)| {
        let mut filter = base.clone();
        f(&mut filter);
        filter
    };
    vec![
        base.clone(),
        with(&|f| f.counter = Some("2".into())),
        with(&|f| f.clerk = Some("clerk-3".into())),
        with(&|f| f.verdict = Some(Verdict::Invalid)),
        with(&|f| f.verdict = Some(Verdict::Valid)),
        with(&|f| f.verdict = Some(Verdict::Unverifiable)),
        with(&|f| f.credential_type = Some("DiplomaCredential".into())),
        with(&|f| f.issuer = Some("北京市教育委员会".into())),
        with(&|f| f.issuer = Some("did:key:z6MkC".into())),
        with(&|f| f.issuer = Some("京华大学(旧名)".into())),
        with(&|f| f.issuer = Some("did:key:z6MkD".into())),
        with(&|f| f.counter = Some("nowhere".into())),
        with(&|f| {
            f.verdict = Some(Verdict::Invalid);
            f.issuer = Some("did:key:z6MkC".into());
        }),
        with(&|f| {
            f.clerk = Some("clerk-2".into());
            f.counter = Some("3".into());
        }),
        with(&|f| {
            f.verdict = Some(Verdict::Valid);
            f.credential_type = Some("ResidencePermitCredential".into());
            f.issuer = Some("上海市公安局浦东分局".into());
        }),
        with(&|f| {
            f.counter = Some("1".into());
            f.clerk = Some("clerk-1".into());
            f.verdict = Some(Verdict::Valid);
            f.credential_type = Some("DiplomaCredential".into());
            f.issuer = Some("did:key:z6MkA".into());
        }),
    ]
}

#[test]
fn pages_and_counts_match_a_plain_reading_for_every_filter_and_range() {
    let (_dir, log, all) = test_log();
    let mut checked = 0;
    let mut nonempty = 0;
    for (from, to) in ranges() {
        for filter in filters(from, to) {
            let want = expected(&all, &filter);
            for limit in [7, 50] {
                let got = all_pages(&log, &filter, limit);
                assert_eq!(got, want, "{filter:?}, pages of {limit}");
            }
            assert_eq!(
                log.count(&filter).expect("count"),
                want.len() as u64,
                "{filter:?}"
            );
            checked += 1;
            nonempty += usize::from(!want.is_empty());
        }
    }
    assert!(
        nonempty >= 80,
        "{nonempty} of {checked} filters select something"
    );
}

#[test]
fn few_entries_are_listed_out_of_order_and_one_wrong_time_lists_one() {
    let (dir, _log, _all) = test_log();
    let conn = rusqlite::Connection::open(dir.path().join("log.sqlite")).expect("open");
    let mut st = conn
        .prepare("SELECT seq FROM entries_late ORDER BY seq")
        .expect("prepare");
    let late: Vec<u64> = st
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    let mut expected: Vec<u64> = Vec::new();
    // 50 minutes back: the six entries timed after entry 100 are moved aside.
    expected.extend(94..=99);
    // Ten hours back: more than sixteen entries are later, so the ten themselves.
    expected.extend(250..=259);
    // 20 minutes back: entries 398 and 399.
    expected.extend([398, 399]);
    // A year ahead: that one entry only, when the next comes in time.
    expected.push(500);
    assert_eq!(late, expected);
}

#[test]
fn entries_logged_after_the_clock_was_set_back_are_found_by_their_time() {
    let (_dir, log, _all) = test_log();
    // Entries 250–259 were logged ten hours "early": timed like entries 175–184.
    let filter = Filter::between(local(7 * 60 + 170 * 8), local(7 * 60 + 178 * 8));
    let got = all_pages(&log, &filter, 3);
    assert_eq!(got, [252, 251, 250, 177, 176, 175, 174, 173, 172, 171, 170]);
    assert_eq!(log.count(&filter).expect("count"), 11);
    let narrowed = Filter {
        counter: Some("3".into()),
        ..filter
    };
    assert_eq!(all_pages(&log, &narrowed, 1), [250, 174, 170]);
}

#[test]
fn a_page_at_a_time_has_no_duplicates_or_gaps_even_one_by_one() {
    let (_dir, log, all) = test_log();
    let filter = Filter::between(local(24 * 60), local(3 * 24 * 60));
    let want = expected(&all, &filter);
    let got = all_pages(&log, &filter, 1);
    assert_eq!(got, want);
    let distinct: BTreeSet<u64> = got.iter().copied().collect();
    assert_eq!(distinct.len(), got.len());
}

#[test]
fn the_cursor_holds_while_the_counter_appends() {
    let (_dir, mut log, _all) = test_log();
    let filter = Filter::between(local(0), local(100_000));
    let first = log.page(&filter, None, 50).expect("page");
    assert_eq!(first.entries[0].seq, TOTAL);
    // New verifications arrive between two pages …
    let newer: Vec<NewEntry> = (TOTAL + 1..=TOTAL + 20).map(entry).collect();
    log.append_batch(&newer).expect("append");
    // … the next page goes on where the first stopped.
    let second = log.page(&filter, first.next, 50).expect("page");
    assert_eq!(second.entries[0].seq, TOTAL - 50);
    // A fresh first page shows them.
    assert_eq!(
        log.page(&filter, None, 50).expect("page").entries[0].seq,
        TOTAL + 20
    );
}

#[test]
fn the_time_range_is_inclusive_then_exclusive_to_the_millisecond() {
    let (_dir, log, all) = test_log();
    let at = all[299].entry.at;
    assert_eq!(all[299].seq, 300);
    let page = |from, to| -> Vec<u64> {
        log.page(&Filter::between(from, to), None, 10)
            .expect("page")
            .entries
            .iter()
            .map(|e| e.seq)
            .collect()
    };
    let ms = Duration::milliseconds(1);
    assert_eq!(page(at, at + ms), [300]);
    assert_eq!(page(at - ms, at), [] as [u64; 0]);
    assert_eq!(page(at + ms, at + Duration::minutes(8)), [] as [u64; 0]);
    assert_eq!(page(at - ms, at + Duration::minutes(8) + ms), [301, 300]);
}

#[test]
fn a_page_is_between_one_and_max_page_entries() {
    let (_dir, log, _all) = test_log();
    let filter = Filter::between(local(0), local(1_000_000));
    let one = log.page(&filter, None, 0).expect("page");
    assert_eq!(one.entries.len(), 1);
    assert_eq!(one.next, Some(TOTAL));
    let most = log.page(&filter, None, 5000).expect("page");
    assert_eq!(most.entries.len(), (TOTAL as usize).min(MAX_PAGE));
    assert_eq!(most.next, None);
    let none = log.page(&filter, Some(1), 10).expect("page");
    assert!(none.entries.is_empty() && none.next.is_none());
    let none = log.page(&filter, Some(0), 10).expect("page");
    assert!(none.entries.is_empty() && none.next.is_none());
}

#[test]
fn a_page_returns_whole_entries() {
    let (_dir, log, all) = test_log();
    let page = log
        .page(
            &Filter {
                clerk: Some("clerk-2".into()),
                ..Filter::between(local(0), local(100_000))
            },
            None,
            3,
        )
        .expect("page");
    for e in &page.entries {
        assert_eq!(e, &all[(e.seq - 1) as usize]);
    }
}

/// Counts of `key(entry)` as a report lists them: most frequent first, then by value.
fn counts(entries: &[&Entry], key: impl Fn(&NewEntry) -> Vec<Option<String>>) -> Vec<Count> {
    let mut map: BTreeMap<Option<String>, u64> = BTreeMap::new();
    for e in entries {
        for k in key(&e.entry) {
            *map.entry(k).or_default() += 1;
        }
    }
    let mut out: Vec<Count> = map
        .into_iter()
        .map(|(key, count)| Count { key, count })
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
    out
}

#[test]
fn a_summary_counts_what_the_filter_selects() {
    let (_dir, log, all) = test_log();
    let by_seq: BTreeMap<u64, &Entry> = all.iter().map(|e| (e.seq, e)).collect();
    for (from, to) in ranges() {
        for filter in filters(from, to) {
            let chosen: Vec<&Entry> = expected(&all, &filter).iter().map(|s| by_seq[s]).collect();
            let s = log.summary(&filter, china()).expect("summary");
            assert_eq!(s.total, chosen.len() as u64, "{filter:?}");
            assert_eq!(
                s.range,
                chosen
                    .iter()
                    .map(|e| e.seq)
                    .min()
                    .zip(chosen.iter().map(|e| e.seq).max())
            );
            let one = |f: fn(&NewEntry) -> Option<String>| counts(&chosen, move |e| vec![f(e)]);
            assert_eq!(s.by_verdict, one(|e| Some(e.verdict.as_str().to_string())));
            assert_eq!(s.by_type, one(|e| e.credential_type.clone()));
            assert_eq!(
                s.by_issuer,
                one(|e| e.issuer_name.clone().or(e.issuer.clone()))
            );
            assert_eq!(s.by_clerk, one(|e| Some(e.clerk.clone())));
            assert_eq!(s.by_counter, one(|e| Some(e.counter.clone())));
            assert_eq!(s.by_channel, one(|e| Some(e.channel.as_str().into())));
            assert_eq!(
                s.by_chain_source,
                one(|e| e.chain.as_ref().map(|c| c.source.as_str().to_string()))
            );
            assert_eq!(
                s.failures,
                counts(&chosen, |e| {
                    let keys = if e.reasons.is_empty() {
                        &e.failing
                    } else {
                        &e.reasons
                    };
                    keys.iter().map(|k| Some(k.clone())).collect()
                })
            );
            let mut hours = [0u64; 24];
            for e in &chosen {
                let h = e.entry.at.with_timezone(&china()).format("%H").to_string();
                hours[h.parse::<usize>().expect("hour")] += 1;
            }
            assert_eq!(s.by_hour, hours, "{filter:?}");
        }
    }
}

#[test]
fn the_day_report_is_the_summary_of_the_day() {
    let (_dir, log, _all) = test_log();
    for d in 23..=27 {
        let day = NaiveDate::from_ymd_opt(2026, 11, d).expect("day");
        let report = log.report(day, china()).expect("report");
        let s = log
            .summary(&Filter::day(day, china()).expect("day"), china())
            .expect("summary");
        assert_eq!(
            (
                report.summary.total,
                report.summary.range,
                &report.summary.by_verdict,
                &report.summary.by_type
            ),
            (s.total, s.range, &s.by_verdict, &s.by_type)
        );
        assert_eq!(
            (
                &report.summary.by_issuer,
                &report.summary.by_clerk,
                &report.summary.by_counter
            ),
            (&s.by_issuer, &s.by_clerk, &s.by_counter)
        );
        assert_eq!(
            (
                &report.summary.by_channel,
                &report.summary.by_chain_source,
                report.summary.by_hour
            ),
            (&s.by_channel, &s.by_chain_source, s.by_hour)
        );
        assert_eq!(report.summary.failures, s.failures);
    }
}

#[test]
fn hours_are_the_halls_and_an_empty_selection_sums_to_nothing() {
    let (_dir, log, _all) = test_log();
    let filter = Filter::between(local(24 * 60), local(2 * 24 * 60));
    let beijing = log.summary(&filter, china()).expect("summary");
    let utc = log
        .summary(&filter, FixedOffset::east_opt(0).expect("utc"))
        .expect("summary");
    let mut shifted = [0u64; 24];
    for (h, n) in beijing.by_hour.iter().enumerate() {
        shifted[(h + 24 - 8) % 24] += n;
    }
    assert_eq!(utc.by_hour, shifted);
    let nothing = log
        .summary(
            &Filter {
                counter: Some("nowhere".into()),
                ..filter
            },
            china(),
        )
        .expect("summary");
    assert_eq!(nothing.total, 0);
    assert_eq!(nothing.range, None);
    assert_eq!(nothing.by_hour, [0; 24]);
    assert!(nothing.by_verdict.is_empty() && nothing.failures.is_empty());
}
