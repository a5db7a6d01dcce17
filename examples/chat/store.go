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
	// WAL lets readers and the writer work at once; the busy timeout waits
	// for a lock instead of failing at once.
	dsn := "file:" + path + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	// One connection: SQLite writes one at a time anyway, and the server
	// already serializes its writes.
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
	var offset any // NULL when the client sent none: NULLs never collide
	if clientOffset != "" {
		offset = clientOffset
	}
	res, err := st.db.ExecContext(ctx,
		`INSERT INTO messages (content, client_offset) VALUES (?, ?)`, content, offset)
	if err != nil {
		var se *sqlite.Error
		if errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE {
			return 0, errDuplicate
		}
		return 0, err
	}
	return res.LastInsertId()
}

// message is one stored message.
type message struct {
	ID      int64
	Content string
}

// since calls fn, in order, for the messages after offset: the newest
// limit of them.
func (st *store) since(ctx context.Context, offset int64, limit int, fn func(message) error) error {
	rows, err := st.db.QueryContext(ctx, `
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
