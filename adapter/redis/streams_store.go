package redisadapter

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strconv"

	"github.com/redis/go-redis/v9"

	"github.com/seed-e3ad8a97/sio/adapter"
	"github.com/seed-e3ad8a97/sio/socketio/parser"
)

// SessionStore returns the store of recovery sessions shared by the
// nodes: sessions in Redis (with a TTL of MaxDisconnectionDuration), the
// missed events read back from the stream, whose entry ids are the
// offsets. Asking for it makes the broadcasts that this node receives
// carry their offsets.
func (s *Streams) SessionStore() adapter.SessionStore {
	s.recovery.Store(true)
	return streamStore{s}
}

type streamStore struct{ s *Streams }

var offsetRE = regexp.MustCompile(`^[0-9]+-[0-9]+$`)

// Append implements [adapter.SessionStore]: it puts the broadcast in the
// stream, whose entry id is its offset; the Broadcast of the packet it
// returns then delivers it locally only. A Local broadcast gets no
// offset, as in Node.
func (st streamStore) Append(p *parser.Packet, opts adapter.BroadcastOptions) (*parser.Packet, error) {
	if opts.Flags.Local {
		return p, nil
	}
	st.s.mu.Lock()
	a := st.s.adapters[p.Namespace]
	st.s.mu.Unlock()
	if a == nil {
		return nil, fmt.Errorf("redisadapter: no adapter for namespace %q", p.Namespace)
	}
	id, err := a.appendTracked(p, opts)
	if err != nil {
		return nil, err
	}
	tracked := withOffset(p, id)
	st.s.mu.Lock()
	st.s.mine[tracked] = struct{}{}
	st.s.mu.Unlock()
	return tracked, nil
}

// Persist implements [adapter.SessionStore], in Node's format (base64
// MessagePack of {sid, pid, rooms, data}, plus the namespace).
func (st streamStore) Persist(sess adapter.Session) error {
	v := vMap("sid", vStr(sess.SID), "pid", vStr(sess.PID), "rooms", vStrings(sess.Rooms),
		"data", fromAny(sess.Data), "nsp", vStr(sess.Namespace))
	b, err := encodeMsgpack(v)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), st.s.opts.RequestsTimeout)
	defer cancel()
	err = st.s.client.Set(ctx, st.s.opts.SessionKeyPrefix+sess.PID, base64.StdEncoding.EncodeToString(b),
		st.s.opts.MaxDisconnectionDuration).Err()
	return st.s.bus.wrap(err)
}

// maxRestoreReads bounds the stream reads of one restore.
const maxRestoreReads = 100

// Restore implements [adapter.SessionStore]. The session is taken (a pid
// is restored once), then the stream is read from the offset on.
func (st streamStore) Restore(nsp, pid, offset string) (*adapter.Session, error) {
	if !offsetRE.MatchString(offset) {
		return nil, nil
	}
	s := st.s
	ctx, cancel := context.WithTimeout(context.Background(), s.opts.RequestsTimeout)
	defer cancel()
	var get *redis.StringCmd
	_, err := s.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		get = p.Get(ctx, s.opts.SessionKeyPrefix+pid)
		p.Del(ctx, s.opts.SessionKeyPrefix+pid)
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, s.bus.wrap(err)
	}
	at, err := s.client.XRange(ctx, s.opts.StreamName, offset, offset).Result()
	if err != nil {
		return nil, s.bus.wrap(err)
	}
	raw, err := get.Result()
	if err != nil || len(at) == 0 {
		return nil, nil // unknown session, or an offset no longer in the stream
	}
	b, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		return nil, nil
	}
	v, err := decodeMsgpack(b)
	if err != nil || v.k != kMap {
		return nil, nil
	}
	if n := v.get("nsp"); n.k == kString && n.s != nsp {
		return nil, nil
	}
	sess := &adapter.Session{
		Namespace: nsp,
		SID:       v.get("sid").str(),
		PID:       v.get("pid").str(),
		Rooms:     v.get("rooms").strings(),
		Data:      v.get("data").toAny(),
	}
	from := offset
	for range maxRestoreReads {
		entries, err := s.client.XRangeN(ctx, s.opts.StreamName, "("+from, "+", 1000).Result()
		if err != nil {
			return nil, s.bus.wrap(err)
		}
		if len(entries) == 0 {
			break
		}
		for _, e := range entries {
			from = e.ID
			if e.Values["nsp"] != nsp || e.Values["type"] != strconv.Itoa(msgBroadcast) {
				continue
			}
			msg, err := decodeStreamEntry(e.Values)
			if err != nil {
				continue
			}
			data := msg.get("data")
			opts := valueOpts(data.get("opts"))
			if opts.Flags.Volatile || data.has("requestId") || !opts.Selects(sess.Rooms) {
				continue
			}
			p := valuePacket(data.get("packet"), nsp)
			if p.HasID {
				continue
			}
			sess.Missed = append(sess.Missed, withOffset(p, e.ID))
		}
	}
	return sess, nil
}
