//! The plan of one run of a list's changes, without I/O: which window of modification
//! times and which page to ask for next, which records of an answer to deliver, and when
//! a checkpoint covers what was delivered.
//!
//! A run asks for everything modified since the watermark, less the overlap. If one page
//! holds it, that page is the answer, whatever its order. If not, the run fixes its end
//! at the server's time and splits the rest into windows (`modifiedOnOrAfter` to
//! `modifiedBefore`) meant to hold three quarters of a page each, at the quantiles of the
//! modification times of the page that came back (a sample of the window, scaled by its
//! total); a window that still holds more is split again from its own answer: an answer of one
//! page is a consistent snapshot, so no record moves between pages while it is read. Only
//! a window too narrow to split (one millisecond holding more than a page) is paged
//! through, and then a total that shrinks between pages (records changed or deleted
//! meanwhile) sends the reader back as many records as it shrank.
//!
//! Every delivered record is remembered by the fingerprint of its JSON until the
//! watermark passes it by more than the overlap; an answer's record that is remembered is
//! not delivered again. A record changed since it was delivered has another fingerprint
//! (its `modifiedOn` at least has moved), so it is delivered again, as the new version it
//! is, even when it changed within the same instant.

use super::checkpoint::{Position, Seen};
use crate::types::DateTime;
use std::collections::HashMap;

/// One request of the run: the window `[from, before)` (unbounded where `None`), and the
/// page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ask {
    pub from: Option<i64>,
    pub before: Option<i64>,
    pub page: i32,
}

/// What came back: `items` as (fingerprint, modification time in ms), and the server's
/// time when it came.
pub(crate) struct Answer<'a> {
    pub has_more: bool,
    pub total: Option<i64>,
    pub items: &'a [(u128, Option<i64>)],
    pub now: i64,
}

/// Which of the answer's items to deliver, and the checkpoint that covers them and
/// everything delivered before, when their window is complete.
#[derive(Debug)]
pub(crate) struct Outcome {
    pub keep: Vec<bool>,
    pub checkpoint: Option<Position>,
}

enum State {
    /// A window asked for in one page; `to: None` means "until now".
    Window {
        from: Option<i64>,
        to: Option<i64>,
    },
    /// A window too full for one page and too narrow to split, paged through.
    Paging {
        from: Option<i64>,
        to: Option<i64>,
        page: i32,
        total: Option<i64>,
        confirmed: bool,
    },
    Done,
}

pub(crate) struct Planner {
    page_size: i64,
    overlap: i64,
    /// Answers carry `totalCount` (the request asks for it).
    totals: bool,
    /// Delivered records a later window may return again: fingerprint, modified.
    seen: HashMap<u128, Option<i64>>,
    /// Where the run ends: the server's time when the first answer came.
    end: Option<i64>,
    /// Everything modified before it has been delivered.
    watermark: Option<i64>,
    /// Where the next windows end, planned from the last answer that held too much.
    schedule: std::collections::VecDeque<i64>,
    state: State,
}

/// Milliseconds since 1970 of a date-time.
pub(crate) fn ms(d: DateTime) -> i64 {
    d.0.timestamp_millis()
}

/// The date-time of milliseconds since 1970.
pub(crate) fn at(ms: i64) -> DateTime {
    DateTime(chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default())
}

impl Planner {
    /// A run from `start` (a checkpoint's position), or from `from` (the request's own
    /// `modifiedOnOrAfter`, or the beginning) when there is none.
    pub fn new(
        start: Option<&Position>,
        from: Option<i64>,
        page_size: i32,
        overlap_ms: i64,
        totals: bool,
    ) -> Planner {
        let (watermark, seen) = match start {
            Some(Position::Window { watermark, seen }) => (
                Some(ms(*watermark)),
                seen.iter().map(|s| (s.hash, s.modified)).collect(),
            ),
            _ => (None, HashMap::new()),
        };
        let from = watermark.map(|w| w - overlap_ms).or(from);
        Planner {
            page_size: i64::from(page_size.max(1)),
            overlap: overlap_ms.max(0),
            totals,
            seen,
            end: None,
            watermark,
            schedule: Default::default(),
            state: State::Window { from, to: None },
        }
    }

    /// The next request, or `None` when the run is complete.
    pub fn next(&self) -> Option<Ask> {
        match &self.state {
            State::Window { from, to } => Some(Ask {
                from: *from,
                before: *to,
                page: 1,
            }),
            State::Paging { from, to, page, .. } => Some(Ask {
                from: *from,
                before: *to,
                page: *page,
            }),
            State::Done => None,
        }
    }

    /// Takes the answer to [`Planner::next`]'s request.
    pub fn answer(&mut self, a: Answer<'_>) -> Outcome {
        let end = *self.end.get_or_insert(a.now);
        match std::mem::replace(&mut self.state, State::Done) {
            State::Done => Outcome {
                keep: vec![false; a.items.len()],
                checkpoint: None,
            },
            State::Window { to, .. } if !a.has_more => {
                let keep = self.deliver(a.items);
                let reached = to.unwrap_or(a.now);
                Outcome {
                    keep,
                    checkpoint: Some(self.complete(reached, end)),
                }
            }
            State::Window { from, to } => {
                // More than a page: read none of it, split it.
                self.state = self.split(from, to.unwrap_or(end), a.total, a.items);
                Outcome {
                    keep: vec![false; a.items.len()],
                    checkpoint: None,
                }
            }
            State::Paging {
                from,
                to,
                page,
                total,
                confirmed,
            } => {
                let keep = self.deliver(a.items);
                let shrunk = match (total, a.total) {
                    (Some(before), Some(now)) if now < before => Some(before - now),
                    _ => None,
                };
                let next = if let Some(by) = shrunk {
                    // Records before the next page left the window: what was there moved
                    // up by as many places. Go back to where the first of them now is.
                    let place = ((i64::from(page) - 1) * self.page_size - by).max(0);
                    Some((place / self.page_size + 1) as i32)
                } else if a.has_more && !a.items.is_empty() {
                    Some(page + 1)
                } else {
                    None
                };
                match next {
                    Some(page) => {
                        self.state = State::Paging {
                            from,
                            to,
                            page,
                            total: a.total,
                            confirmed,
                        };
                        Outcome {
                            keep,
                            checkpoint: None,
                        }
                    }
                    // Without totals a shift cannot be seen: read the window once more.
                    None if !self.totals && !confirmed => {
                        self.state = State::Paging {
                            from,
                            to,
                            page: 1,
                            total: None,
                            confirmed: true,
                        };
                        Outcome {
                            keep,
                            checkpoint: None,
                        }
                    }
                    None => {
                        let reached = to.unwrap_or(a.now);
                        Outcome {
                            keep,
                            checkpoint: Some(self.complete(reached, end)),
                        }
                    }
                }
            }
        }
    }

    /// Marks the items not delivered before as delivered; `true` for those.
    fn deliver(&mut self, items: &[(u128, Option<i64>)]) -> Vec<bool> {
        items
            .iter()
            .map(|(hash, modified)| {
                if self.seen.contains_key(hash) {
                    false
                } else {
                    self.seen.insert(*hash, *modified);
                    true
                }
            })
            .collect()
    }

    /// The window up to `reached` is complete: the watermark moves there (never back),
    /// records older than the overlap before it are forgotten, and the next window runs
    /// from there to the next planned boundary (or the end).
    fn complete(&mut self, reached: i64, end: i64) -> Position {
        let w = self.watermark.map_or(reached, |w| w.max(reached));
        self.watermark = Some(w);
        let keep_from = w.saturating_sub(self.overlap);
        self.seen.retain(|_, m| m.is_none_or(|m| m >= keep_from));
        if reached >= end {
            self.state = State::Done;
        } else {
            while self.schedule.front().is_some_and(|b| *b <= reached) {
                self.schedule.pop_front();
            }
            let to = self.schedule.pop_front().unwrap_or(end).min(end);
            self.state = State::Window {
                from: Some(reached),
                to: Some(to),
            };
        }
        let mut seen: Vec<Seen> = self
            .seen
            .iter()
            .map(|(hash, modified)| Seen {
                hash: *hash,
                modified: *modified,
            })
            .collect();
        seen.sort_unstable();
        Position::Window {
            watermark: at(w),
            seen,
        }
    }

    /// `[from, to)` held more than a page: windows of about three quarters of a page
    /// each, at the quantiles of the answer's modification times scaled by the total
    /// (halves of the span when the answer tells nothing), or the same window paged
    /// through when it cannot be split.
    fn split(
        &mut self,
        from: Option<i64>,
        to: i64,
        total: Option<i64>,
        items: &[(u128, Option<i64>)],
    ) -> State {
        let paging = |from, to| State::Paging {
            from,
            to,
            page: 1,
            total: None,
            confirmed: false,
        };
        let lowest = from.map_or(i64::MIN, |f| f.saturating_add(1));
        if to <= lowest {
            // One instant, or a server clock behind the watermark: page through it.
            return paging(from, (Some(to) > from).then_some(to));
        }
        let mut times: Vec<i64> = items
            .iter()
            .filter_map(|(_, m)| *m)
            .filter(|m| from.is_none_or(|f| *m >= f) && *m < to)
            .collect();
        times.sort_unstable();
        let mut bounds: Vec<i64> = Vec::new();
        if times.is_empty() {
            if let Some(f) = from {
                bounds.push(f + (to - f) / 2);
            }
        } else {
            let total = total.unwrap_or(2 * self.page_size).max(times.len() as i64);
            // The share of the window one planned window should hold.
            let share = (self.page_size * 3 / 4).max(1) as f64 / total as f64;
            let mut q = share;
            while q < 1.0 {
                let i = ((q * times.len() as f64) as usize).min(times.len() - 1);
                bounds.push(times[i]);
                q += share;
            }
        }
        bounds.retain(|b| *b >= lowest && *b < to);
        bounds.dedup();
        let Some(first) = bounds.first().copied() else {
            // Everything seen is in the window's first instant.
            return match from {
                Some(f) => State::Window {
                    from: Some(f),
                    to: Some(f + 1),
                },
                None => paging(None, Some(to)),
            };
        };
        // The planned boundaries, then the window's own end (the run's later windows
        // come after it).
        let mut schedule: std::collections::VecDeque<i64> = bounds[1..].iter().copied().collect();
        schedule.push_back(to);
        schedule.extend(self.schedule.iter().copied().filter(|b| *b > to));
        self.schedule = schedule;
        State::Window {
            from,
            to: Some(first),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A list as the server holds it: (id, version, modified ms), in a fixed order that is
    /// not the order of modification.
    struct Server {
        records: Vec<(u64, u64, i64)>,
        now: i64,
    }

    impl Server {
        fn matching(&self, ask: &Ask) -> Vec<(u64, u64, i64)> {
            let mut m: Vec<_> = self
                .records
                .iter()
                .copied()
                .filter(|r| ask.from.is_none_or(|f| r.2 >= f))
                .filter(|r| ask.before.is_none_or(|b| r.2 < b))
                .collect();
            // Unordered, but stable: by a hash of the id.
            m.sort_by_key(|r| r.0.wrapping_mul(0x9E37_79B9_7F4A_7C15));
            m
        }
        fn answer(&self, ask: &Ask, size: i64) -> (bool, i64, Vec<(u64, u64, i64)>) {
            let m = self.matching(ask);
            let start = ((i64::from(ask.page) - 1) * size) as usize;
            let end = (start + size as usize).min(m.len());
            let page = m.get(start..end).unwrap_or_default().to_vec();
            (end < m.len(), m.len() as i64, page)
        }
        fn change(&mut self, id: u64, at: i64) {
            if let Some(r) = self.records.iter_mut().find(|r| r.0 == id) {
                r.1 += 1;
                r.2 = at;
            }
        }
    }

    fn hash(r: &(u64, u64, i64)) -> u128 {
        (u128::from(r.0) << 64) | (u128::from(r.1) << 32) | (r.2 as u128 & 0xffff_ffff)
    }

    /// Runs the planner to the end; `during` may change the server after each request.
    fn run(
        server: &mut Server,
        start: Option<&Position>,
        size: i32,
        mut during: impl FnMut(&mut Server, usize, &Ask),
    ) -> (Vec<(u64, u64, i64)>, Position, usize) {
        let mut p = Planner::new(start, None, size, 60_000, true);
        let mut delivered = Vec::new();
        let mut last = None;
        let mut calls = 0;
        while let Some(ask) = p.next() {
            let (has_more, total, items) = server.answer(&ask, i64::from(size));
            calls += 1;
            let keys: Vec<(u128, Option<i64>)> =
                items.iter().map(|r| (hash(r), Some(r.2))).collect();
            let out = p.answer(Answer {
                has_more,
                total: Some(total),
                items: &keys,
                now: server.now,
            });
            for (r, k) in items.iter().zip(&out.keep) {
                if *k {
                    delivered.push(*r);
                }
            }
            if out.checkpoint.is_some() {
                last = out.checkpoint;
            }
            during(server, calls, &ask);
            assert!(calls < 10_000, "the run does not end");
        }
        (
            delivered,
            last.expect("a complete run has a checkpoint"),
            calls,
        )
    }

    fn server(n: u64, now: i64) -> Server {
        // Modification times spread over a year, many in the same second.
        let records = (1..=n)
            .map(|id| {
                (
                    id,
                    0,
                    now - 365 * 86_400_000 + (id as i64 * 7919 % 30_000_000) * 1000,
                )
            })
            .collect();
        Server { records, now }
    }

    #[test]
    fn a_first_run_delivers_every_record_once_in_windows_of_one_page() {
        let now = 1_780_000_000_000;
        let mut s = server(5_000, now);
        let (got, cp, calls) = run(&mut s, None, 500, |_, _, _| {});
        let mut ids: Vec<u64> = got.iter().map(|r| r.0).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 5_000);
        assert_eq!(got.len(), 5_000, "no record twice");
        assert!(calls < 40, "{calls} calls for 10 pages' worth");
        let Position::Window { watermark, .. } = cp else {
            panic!("a window checkpoint")
        };
        assert_eq!(ms(watermark), now);
    }

    #[test]
    fn a_second_run_delivers_only_what_changed_including_at_the_watermark_instant() {
        let now = 1_780_000_000_000;
        let mut s = server(2_000, now);
        // Some within the overlap before the end of the first run: asked for again by
        // the second, and dropped.
        for id in 2_001..2_050 {
            s.records.push((id, 0, now - 30_000 + id as i64));
        }
        let (_, cp, _) = run(&mut s, None, 300, |_, _, _| {});
        // Changed after the run: one exactly at the watermark, one a second before it
        // (visible late: inside the overlap), one well after.
        s.change(10, now);
        s.change(11, now - 1_000);
        s.change(12, now + 5_000);
        s.now = now + 10_000;
        let (got, _, _) = run(&mut s, Some(&cp), 300, |_, _, _| {});
        let mut ids: Vec<u64> = got.iter().map(|r| r.0).collect();
        ids.sort_unstable();
        assert_eq!(ids, vec![10, 11, 12]);
    }

    #[test]
    fn records_changed_and_deleted_while_a_dense_instant_is_paged_are_not_lost() {
        let now = 1_780_000_000_000;
        // 1,000 records in one millisecond: only paging can read them.
        let records = (1..=1_000).map(|id| (id, 0, now - 10_000)).collect();
        let mut s = Server { records, now };
        let mut paged = 0;
        let (got, cp, _) = run(&mut s, None, 100, |s, _, ask| {
            // While paging, records on pages already read leave the window: changed (to
            // after the run's end) or deleted.
            if ask.page > 1 && paged < 6 {
                paged += 1;
                let mut order = s.matching(ask);
                order.truncate(((ask.page - 1) * 100) as usize);
                let (a, b) = (order[paged * 7].0, order[paged * 11].0);
                s.change(a, now + 1_000);
                s.records.retain(|r| r.0 != b);
            }
        });
        assert_eq!(paged, 6, "the dense instant was paged through");
        let live_before: std::collections::HashSet<u64> = s
            .records
            .iter()
            .filter(|r| r.2 < now)
            .map(|r| r.0)
            .collect();
        let delivered: std::collections::HashSet<u64> = got.iter().map(|r| r.0).collect();
        assert!(
            live_before.is_subset(&delivered),
            "lost: {:?}",
            live_before.difference(&delivered).collect::<Vec<_>>()
        );
        assert_eq!(got.len(), delivered.len(), "no record twice");
        // The changed ones come in the next run, as their new versions.
        s.now = now + 5_000;
        let (again, _, _) = run(&mut s, Some(&cp), 100, |_, _, _| {});
        assert!(!again.is_empty() && again.iter().all(|r| r.1 == 1 && r.2 == now + 1_000));
    }

    #[test]
    fn a_record_changed_twice_in_the_same_instant_is_delivered_in_each_version() {
        let now = 1_780_000_000_000;
        let mut s = Server {
            records: vec![(1, 0, now - 500)],
            now,
        };
        let (first, cp, _) = run(&mut s, None, 50, |_, _, _| {});
        assert_eq!(first.len(), 1);
        // A new version with the same modification time (the API's clock did not move).
        s.records[0].1 = 1;
        s.now = now + 1;
        let (second, _, _) = run(&mut s, Some(&cp), 50, |_, _, _| {});
        assert_eq!(second, vec![(1, 1, now - 500)]);
    }
}
