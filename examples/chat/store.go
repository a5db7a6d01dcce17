package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// errDuplicate reports a message whose client offset is already stored: an
// earlier try of the same message got in, and only its acknowledgement was
// lost.
var errDuplicate = errors.New("chat: message already stored")

// store keeps every message in SQLite (Step 7). A message's id, which
// SQLite gives in increasing order, is its offset: a client that has seen
// the message with id N needs the ones after N.
//
// The database is also the lock that orders storing and broadcasting
// messages against catching a client up, in one process and across the
// processes of a cluster (-workers) sharing the file: add and catchUp run
// in a write transaction (BEGIN IMMEDIATE), which SQLite grants to one
// connection of one process at a time.
type store struct {
	db *sql.DB
}

const schema = `
CREATE TABLE IF NOT EXISTS messages (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	client_offset TEXT UNIQUE,
	content       TEXT
);`

// openStore opens (creating if needed) the database file at path.
func openStore(path string) (*store, error) {
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("database path %q: ? and # are not allowed", path)
	}
	// WAL lets readers and the writer work at once, also from several
	// processes; the busy timeout waits for the write lock (held by another
	// worker) instead of failing at once; every transaction takes the
	// write lock as it begins (_txlock=immediate), so that two of them
	// never deadlock upgrading a read lock.
	dsn := "file:" + path + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	// One connection: SQLite writes one at a time anyway, and a transaction
	// holding it is then also the lock of this process.
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("database %s: %w", path, err)
	}
	return &store{db: db}, nil
}

// Close closes the database.
func (st *store) Close() error { return st.db.Close() }

// insert stores a message and returns its id (its server offset). A second
// message with the same non-empty client offset is refused with
// errDuplicate.
func (st *store) insert(ctx context.Context, content, clientOffset string) (int64, error) {
	return st.add(ctx, content, clientOffset, nil)
}

// add stores a message as insert does and, when it was stored and before
// anyone else may store or read one, calls publish (if not nil) with its
// id: publish broadcasts it, so messages are broadcast in the order of
// their ids, cluster-wide.
func (st *store) add(ctx context.Context, content, clientOffset string, publish func(id int64)) (int64, error) {
	var offset any // NULL when the client sent none: NULLs never collide
	if clientOffset != "" {
		offset = clientOffset
	}
	tx, err := st.db.BeginTx(ctx, nil) // BEGIN IMMEDIATE: the write lock
	if err != nil {
		return 0, err
	}
	defer func() { _ = tx.Rollback() }() // after Commit, a no-op
	res, err := tx.ExecContext(ctx,
		`INSERT INTO messages (content, client_offset) VALUES (?, ?)`, content, offset)
	if err != nil {
		var se *sqlite.Error
		if errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE {
			return 0, errDuplicate
		}
		return 0, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	if publish != nil {
		publish(id)
	}
	return id, tx.Commit()
}

// catchUp calls fn, in order, for the messages after offset (the newest
// limit of them), then then (if not nil), with the write lock held: no
// message is stored, nor broadcast, meanwhile.
func (st *store) catchUp(ctx context.Context, offset int64, limit int, fn func(message) error, then func()) error {
	tx, err := st.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }() // nothing was written
	if err := scanSince(ctx, tx, offset, limit, fn); err != nil {
		return err
	}
	if then != nil {
		then()
	}
	return nil
}

// message is one stored message.
type message struct {
	ID      int64
	Content string
}

// since calls fn, in order, for the messages after offset: the newest
// limit of them.
func (st *store) since(ctx context.Context, offset int64, limit int, fn func(message) error) error {
	return scanSince(ctx, st.db, offset, limit, fn)
}

// querier is a *sql.DB or a *sql.Tx.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func scanSince(ctx context.Context, q querier, offset int64, limit int, fn func(message) error) error {
	rows, err := q.QueryContext(ctx, `
		SELECT id, content FROM (
			SELECT id, content FROM messages WHERE id > ? ORDER BY id DESC LIMIT ?
		) ORDER BY id`, offset, limit)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var m message
		if err := rows.Scan(&m.ID, &m.Content); err != nil {
			return err
		}
		if err := fn(m); err != nil {
			return err
		}
	}
	return rows.Err()
}
