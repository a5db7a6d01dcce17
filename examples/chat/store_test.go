package main

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"
)

func TestStore(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "chat.db")
	st, err := openStore(path)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for i, m := range []struct{ content, offset string }{
		{"one", "a-0"}, {"two", "a-1"}, {"three", ""}, {"four", ""}, {"five", "b-0"},
	} {
		id, err := st.insert(ctx, m.content, m.offset)
		if err != nil {
			t.Fatalf("insert %d: %v", i, err)
		}
		ids = append(ids, id)
	}
	if !slices.IsSorted(ids) || ids[0] < 1 {
		t.Errorf("ids %v: want increasing, from 1", ids)
	}
	// The same client offset again: an earlier try already got in.
	if _, err := st.insert(ctx, "two", "a-1"); !errors.Is(err, errDuplicate) {
		t.Errorf("duplicate client offset: err %v, want errDuplicate", err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	// Everything is still there after reopening.
	st, err = openStore(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	all := contents(t, st, 0, 100)
	if want := []string{"one", "two", "three", "four", "five"}; !slices.Equal(all, want) {
		t.Errorf("all messages: %q, want %q", all, want)
	}
	if got, want := contents(t, st, ids[1], 100), []string{"three", "four", "five"}; !slices.Equal(got, want) {
		t.Errorf("after offset %d: %q, want %q", ids[1], got, want)
	}
	// Over the limit: the newest ones, in order.
	if got, want := contents(t, st, 0, 2), []string{"four", "five"}; !slices.Equal(got, want) {
		t.Errorf("limit 2: %q, want %q", got, want)
	}
	if got := contents(t, st, ids[4], 100); len(got) != 0 {
		t.Errorf("after the last: %q, want none", got)
	}
	// A new message after the reopen gets a higher id.
	id, err := st.insert(ctx, "six", "c-0")
	if err != nil || id <= ids[4] {
		t.Errorf("insert after reopen: id %d, err %v; want > %d", id, err, ids[4])
	}
}

func TestStoreBadPath(t *testing.T) {
	if _, err := openStore(filepath.Join(t.TempDir(), "no", "such", "dir", "chat.db")); err == nil {
		t.Error("a database in a missing folder opened")
	}
	if _, err := openStore("chat.db?mode=ro"); err == nil {
		t.Error("a path with ? was taken")
	}
}

func contents(t *testing.T, st *store, offset int64, limit int) []string {
	t.Helper()
	var out []string
	err := st.since(context.Background(), offset, limit, func(m message) error {
		out = append(out, m.Content)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
