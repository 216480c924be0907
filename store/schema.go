package store

// SchemaVersion is the version of the database layout this build writes.
// Opening a database with a larger version is refused; a smaller one is
// migrated in place by running the missing steps of migrations.
const SchemaVersion = 9

// readableFrom is the oldest schema a read-only open reads as it is:
// schema 2 only added the snapshot and schema 3 the audience holdouts,
// which readers treat as optional (HasTable); schema 4 only allows dense
// property chunks, which readers of any version tell apart by their first
// byte; schemas 5 to 7 only moved the dedup hashes, which readers never use;
// schema 8 added snapshot_added, which readers look at only when the
// settings say a fold cycle wrote it; schema 9 only changed how chunk_props
// is stored and added indexes, under the same SQL.
const readableFrom = 1

// migrations[i] upgrades a database from version i to version i+1.
var migrations = []string{
	// 0 -> 1: the initial layout.
	`
CREATE TABLE settings (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
CREATE TABLE event_names (
	id   INTEGER PRIMARY KEY,
	name TEXT NOT NULL UNIQUE
);
CREATE TABLE users (
	id          INTEGER PRIMARY KEY,
	distinct_id TEXT NOT NULL UNIQUE
);
-- user_names repeats the distinct ids of users, first_id .. first_id+n-1,
-- as one blob per import chunk (uvarint length + bytes each): reading
-- hundreds of thousands of ids is then one row, not one per user.
CREATE TABLE user_names (
	first_id INTEGER PRIMARY KEY,
	n        INTEGER NOT NULL,
	names    BLOB NOT NULL
);
-- identities links an anonymous id to the known user it became; analyses
-- attribute every event of anon_id to user_id, also backwards in time.
CREATE TABLE identities (
	anon_id   INTEGER PRIMARY KEY REFERENCES users(id),
	user_id   INTEGER NOT NULL REFERENCES users(id),
	import_id INTEGER,
	conflicts INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE imports (
	id          INTEGER PRIMARY KEY,
	file        TEXT NOT NULL,
	size        INTEGER NOT NULL,
	sha256      TEXT NOT NULL,
	format      TEXT NOT NULL,
	rows_read   INTEGER NOT NULL DEFAULT 0,
	imported    INTEGER NOT NULL DEFAULT 0,
	rejected    INTEGER NOT NULL DEFAULT 0,
	duplicates  INTEGER NOT NULL DEFAULT 0,
	timezone    TEXT NOT NULL DEFAULT 'UTC',
	report      TEXT NOT NULL DEFAULT '{}',
	imported_at TEXT NOT NULL
);
-- events holds one row per event. time is epoch milliseconds UTC; props is a
-- JSON object with sorted keys (NULL when empty); dedup is a 64-bit hash of
-- the insert id when the source has one, else of user+event+time+props
-- (0 for rows written from chunks of schema 5, whose hashes are only in
-- dedup_index).
CREATE TABLE events (
	id        INTEGER PRIMARY KEY,
	user_id   INTEGER NOT NULL,
	event_id  INTEGER NOT NULL,
	time      INTEGER NOT NULL,
	props     TEXT,
	insert_id TEXT,
	dedup     INTEGER NOT NULL,
	import_id INTEGER NOT NULL
);
CREATE INDEX events_user_time ON events(user_id, time);
CREATE INDEX events_event_time ON events(event_id, time);
-- chunks are the canonical copy of the events as compact columns, in id
-- order: varint user ids and event ids, zigzag-delta times, 8-byte dedup
-- hashes, and per property key a dictionary of JSON literals with sparse
-- (row delta, code) pairs in chunk_props. Imports write them in the same
-- transaction as the ledger; loading them is how a process gets from the
-- file to the first answer fast. The events rows above are the SQL
-- view of the same data, written with the chunk or filled in later from it
-- (settings key rows_upto is the last chunk whose rows exist).
CREATE TABLE chunks (
	id        INTEGER PRIMARY KEY,
	import_id INTEGER NOT NULL,
	first_id  INTEGER NOT NULL,
	n         INTEGER NOT NULL,
	users     BLOB NOT NULL,
	events    BLOB NOT NULL,
	times     BLOB NOT NULL,
	dedup     BLOB NOT NULL
);
CREATE TABLE chunk_props (
	chunk_id INTEGER NOT NULL,
	key      TEXT NOT NULL,
	n_set    INTEGER NOT NULL,
	dict     BLOB NOT NULL,
	codes    BLOB NOT NULL,
	PRIMARY KEY (key, chunk_id)
) WITHOUT ROWID;
CREATE TABLE segments (
	name       TEXT PRIMARY KEY,
	expr       TEXT NOT NULL,
	created_at TEXT NOT NULL
);
CREATE TABLE audiences (
	name        TEXT PRIMARY KEY,
	rule        TEXT NOT NULL,
	last_count  INTEGER,
	prev_count  INTEGER,
	created_at  TEXT NOT NULL,
	evaluated_at TEXT
);
CREATE TABLE analyses (
	name       TEXT PRIMARY KEY,
	spec       TEXT NOT NULL,
	created_at TEXT NOT NULL
);
CREATE TABLE alerts (
	name       TEXT PRIMARY KEY,
	spec       TEXT NOT NULL,
	created_at TEXT NOT NULL
);
`, // 1 -> 2: the events in analysis order (snapshot.go).
	snapshotSchema,
	// 2 -> 3: audience exports with a holdout (segment/holdout.go). Each
	// export is a row; each person is assigned to the exported (treated)
	// or held-out (control) group once, by the export that first saw them,
	// and keeps that group on every later export.
	`
CREATE TABLE audience_exports (
	id          INTEGER PRIMARY KEY,
	audience    TEXT NOT NULL,
	exported_at INTEGER NOT NULL, -- epoch milliseconds UTC
	holdout     REAL NOT NULL,    -- fraction held out of the people new in this export
	goal        TEXT,             -- the event the campaign aims at, if named
	treated     INTEGER NOT NULL, -- people in the file
	control     INTEGER NOT NULL  -- people of the audience held out
);
CREATE INDEX audience_exports_audience ON audience_exports(audience, id);
CREATE TABLE audience_holdout (
	audience  TEXT NOT NULL,
	user      TEXT NOT NULL, -- distinct id of the identified user
	control   INTEGER NOT NULL,
	export_id INTEGER NOT NULL REFERENCES audience_exports(id),
	PRIMARY KEY (audience, user)
) WITHOUT ROWID;
`,
	// 3 -> 4: property chunks may be stored densely (chunks.go, denseCodes).
	// No table changes: the version is raised so that an older spoor, which
	// cannot read a dense chunk, refuses the file as written by a newer
	// spoor instead of calling it damaged.
	`SELECT 1`,
	// 4 -> 5: the dedup hashes move from the chunks into dedup_index
	// (dedup.go), filled by migrateDedup.
	dedupSchema,
	// 5 -> 6: the hashes of small imports stay in their chunks, past
	// settings.dedup_upto (dedup.go, the dedup tail). No table changes:
	// the version is raised so that an older spoor, which would not look
	// there and so store such events again, refuses the file.
	`SELECT 1`,
	// 6 -> 7: the dedup tail may be folded into the buckets over several
	// imports (settings dedup_fold_to and dedup_fold_at). No table changes:
	// an older spoor would count the hashes of the buckets folded so far
	// twice, and so drop events as repeats: it refuses the file.
	`SELECT 1`,
	// 7 -> 8: the snapshot's tail may be folded into the segments over
	// several imports, and segments hold events the positions do not place
	// (snapshot_fold.go); an older spoor would misplace them.
	snapshotAddedSchema,
	// 8 -> 9: chunk_props becomes a rowid table found through indexes on
	// (key, chunk_id) and (chunk_id, key). Keyed by (key, chunk_id)
	// WITHOUT ROWID, its B-tree held the rows themselves, dictionaries and
	// codes of up to a MB at 100M events, and SQLite reads an overflowing
	// record whole for each comparison of a search: each property column
	// a small import stored read several whole rows (60-70 ms at 100M).
	// snapshot_sizes answers the segments' counts from a page or two
	// instead of a leaf per segment. All in the migration's transaction.
	chunkPropsRowidSchema,
}

const chunkPropsRowidSchema = `
CREATE TABLE chunk_props_rowid (
	id       INTEGER PRIMARY KEY,
	chunk_id INTEGER NOT NULL,
	key      TEXT NOT NULL,
	n_set    INTEGER NOT NULL,
	dict     BLOB NOT NULL,
	codes    BLOB NOT NULL
);
INSERT INTO chunk_props_rowid(chunk_id, key, n_set, dict, codes) SELECT chunk_id, key, n_set, dict, codes FROM chunk_props;
DROP TABLE chunk_props;
ALTER TABLE chunk_props_rowid RENAME TO chunk_props;
CREATE UNIQUE INDEX chunk_props_key ON chunk_props(key, chunk_id);
CREATE UNIQUE INDEX chunk_props_chunk ON chunk_props(chunk_id, key);
CREATE INDEX IF NOT EXISTS snapshot_sizes ON snapshot(seg, n_persons, n_events);
`
