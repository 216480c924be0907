// Package segment defines users by what they did: saved segments and
// audience rules in a small expression language, the built-in RFM tiers and
// lifecycle stages, and churn risk. Every evaluation is a pass over each
// person's time-ordered events in a query.Dataset.
//
// # The expression language
//
// Terms, combined with not, and, or (tightest first) and parentheses:
//
//	did EVENT [where PROP OP VALUE [and PROP OP VALUE ...]] [>= N | <= N | = N | > N | < N] [in N(d|w|h|m) | between DATE and DATE]
//	did not EVENT ...                        same as: not did EVENT ...
//	first_seen (before DATE | after DATE | within N(d|w|h|m) | in N(d|w|h|m) | between DATE and DATE)
//	last_seen  (the same forms)
//	PROP OP VALUE                            user property: the latest value set on any of the user's events
//	did A [where ...] then [not] B [where ...] [within DURATION] [in N(d|w|h|m) | between DATE and DATE]
//	streak EVENT [where ...] [by PROP] >= N days [without EVENT]
//	active in N(d|w|h|m)                     some event in the window
//	silent for N(d|w|h|m)                    no event in the window
//
// OP is one of = != > >= < <= contains, in (A, B), not in (A, B), is set, is
// not set, with the meaning of query.Filter. A did term without a count means
// ">= 1". Names and values holding spaces or operator characters are quoted
// with '...', "..." or `...`; a quoted word is never a keyword, so a property
// called "active" is written 'active' = yes.
//
// Inside did ... where, "and" continues the event's conditions while the next
// words read PROP OP; to combine a did term with a user property, close the
// did term with a count or window, put it in parentheses, or put the user
// property first.
//
// Time: windows written in days or weeks (in 30d, within 2w) are whole
// calendar days in the display timezone ending with the day of the
// dataset's last event, exactly like --last; windows in hours or minutes
// are that long before the last event. DATE is YYYY-MM-DD in the display
// timezone; between D1 and D2 includes both days; before D means before D
// starts; after D means after D ends. The "within" of a sequence is a plain
// duration after the first event (24h, 30m, 2d = 48h).
//
// The display timezone is the dataset's unless the context carries
// another (WithZone: a command's or an analysis's --tz). The zone moves
// only calendar notions: day and week windows, dates, streak days, trend
// days, lifecycle stages, RFM recency and churn days, and the times shown
// as evidence. Durations stay absolute: "within 24h" of a sequence and
// windows in h or m are the same instants in every zone.
//
// Sequence: "did A then B within W" holds when some B follows some A within
// W. "did A then not B within W" is judged on the user's most recent A (in
// the optional window): it holds when no B follows that A within W — so a
// user who came back and checked out leaves the abandoned-cart audience. B
// events after the data's last event are unknown and count as absent.
//
// Streak: the user did EVENT on N or more consecutive calendar days
// (display timezone) with the same value of PROP (any value when there is
// no by). "without E" drops a streak when an E event happened on or after
// the streak's first day carrying the same PROP value or no PROP at all.
//
// An event name the data does not hold matches nothing (so "not did
// refund" holds for everyone before the first refund is imported); the
// command line warns about such names with the closest known ones.
//
// # Built-in segmentations and where segments are used
//
// RFM (RFM) scores customers by quintiles; lifecycle stages (Stages) and
// churn risk (Churn) are relative to the data's last event. A Resolver,
// set as a Dataset's Segments, makes every analysis accept --segment NAME
// (a saved segment, audience:NAME or stage:STAGE) and --by segment:NAME;
// RefreshAudiences re-counts the saved audience rules after an import.
package segment
