// Package clickhouse reads and writes spoor's events in ClickHouse over its
// HTTP interface: the data source URL, a client that cancels its queries on
// the server, quoting for identifiers and literals, and the description of
// the table analyses read (Table).
//
// It works with ClickHouse 18.16 (the Debian package) and later releases, so
// it uses only what 18.16 has: no DateTime64, no JSONExtract, results read
// as TabSeparatedWithNamesAndTypes.
//
// # The table spoor push writes (Layout "spoor")
//
//	person      String         the stitched person's id (identity stitching
//	                           resolved locally when pushed)
//	distinct_id String         the user id the event arrived with
//	time        Int64          epoch milliseconds, UTC
//	event       String         event name
//	prop_keys   Array(String)  property keys without a column (below), sorted;
//	                           its comment is PropKeysComment
//	prop_values Array(String)  each key's value as the local engine compares it:
//	                           strings unquoted, numbers, true/false, null and
//	                           nested JSON as written
//	id          UInt64         the event's position in the local database's
//	                           storage order (0-based): the local engine's
//	                           order among events of one person at one time,
//	                           and push's watermark
//	person_order UInt64        the local database's id of the stitched user
//	                           (users.id): the local engine lists persons
//	                           in this order (import order); tables pushed
//	                           before it existed lack it, and their user
//	                           lists come in person order
//
//	p_KEY       Nullable(String) a property's value (as in prop_values), NULL
//	                           where the event lacks it: one column per key of
//	                           the most common, named by PropColumn, the key
//	                           as its comment; push adds them as keys arrive
//
// ENGINE = MergeTree ORDER BY (person, time, id). With a cluster the rows sit
// in TABLE_local on every shard and TABLE is a Distributed table over them,
// sharded by cityHash64(person), so each person's events are on one shard.
// Push's progress is in the table TABLE_spoor_push (see package push);
// Describe sets Table.ShardedByPerson, Local and Cluster for such a table.
//
// A property's value is its column's, or, for a key without one,
// prop_values[indexOf(prop_keys, 'key')], the key present when
// indexOf(...) > 0. A table pushed by an older spoor has no property
// columns and no comment on prop_keys: every key is in the arrays. Table.Prop builds these expressions for
// every layout, so a compiler need not know which layout a table has.
//
// # Existing tables
//
// schema=posthog reads PostHog's events table (event, distinct_id,
// person_id, timestamp, properties as a JSON string); user=COL&event=COL&
// time=COL reads any table, its other columns being the properties.
package clickhouse
