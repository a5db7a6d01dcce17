//go:build linux

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// pollClient is a minimal Socket.IO client over HTTP long-polling.
type pollClient struct {
	http *http.Client
	url  string // with sid
	next int
}

func dialPolling(ctx context.Context, hc *http.Client, base string) (*pollClient, error) {
	u := base + "/socket.io/?EIO=4&transport=polling"
	body, err := pollGet(ctx, hc, u)
	if err != nil {
		return nil, err
	}
	var open struct{ SID string }
	if len(body) < 2 || body[0] != '0' || json.Unmarshal(body[1:], &open) != nil {
		return nil, fmt.Errorf("bad handshake %q", body)
	}
	c := &pollClient{http: hc, url: u + "&sid=" + open.SID}
	if err := c.post(ctx, "40"); err != nil {
		return nil, err
	}
	if _, err := c.until(ctx, "40"); err != nil {
		return nil, err
	}
	return c, nil
}

func pollGet(ctx context.Context, hc *http.Client, u string) ([]byte, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	res, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %d %s", res.StatusCode, b)
	}
	return b, err
}

func (c *pollClient) post(ctx context.Context, payload string) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, c.url, strings.NewReader(payload))
	req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	res, err := c.http.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("POST %d", res.StatusCode)
	}
	return nil
}

// until polls until a packet starting with prefix arrives, answering pings.
func (c *pollClient) until(ctx context.Context, prefix string) ([]byte, error) {
	for {
		body, err := pollGet(ctx, c.http, c.url)
		if err != nil {
			return nil, err
		}
		for p := range bytes.SplitSeq(body, []byte{0x1e}) {
			if len(p) == 1 && p[0] == '2' {
				if err := c.post(ctx, "3"); err != nil {
					return nil, err
				}
			}
			if bytes.HasPrefix(p, []byte(prefix)) {
				return p, nil
			}
		}
	}
}

func (c *pollClient) echo(ctx context.Context, payload string) error {
	id := c.next
	c.next++
	if err := c.post(ctx, fmt.Sprintf(`42%d["echo",%s]`, id, payload)); err != nil {
		return err
	}
	_, err := c.until(ctx, fmt.Sprintf("43%d", id))
	return err
}

func (c *pollClient) close(ctx context.Context) { _ = c.post(ctx, "1") }
