package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// clientDir is where npm puts the socket.io-client browser bundles,
// relative to the folder holding package.json.
var clientDir = filepath.Join("node_modules", "socket.io-client", "dist")

// clientFiles are the files served under /socket.io/, as the Node server
// serves them: the bundle, its minified and ES module builds, their maps.
var clientFiles = []string{
	"socket.io.js", "socket.io.js.map",
	"socket.io.min.js", "socket.io.min.js.map",
	"socket.io.esm.min.js", "socket.io.esm.min.js.map",
}

// clientBundle is the socket.io-client browser bundle, read at start-up.
type clientBundle struct {
	version string
	files   map[string]servedFile
}

type servedFile struct {
	body    []byte
	etag    string
	modTime time.Time
}

// exampleDirs lists where the chat example's folder may be: the working
// directory (or its chat/ or examples/chat/ subfolder, for a program run
// from the repository or examples/), the executable's folder, and the
// folder this source file was compiled from.
func exampleDirs() []string {
	var dirs []string
	if wd, err := os.Getwd(); err == nil {
		dirs = append(dirs, wd, filepath.Join(wd, "chat"), filepath.Join(wd, "examples", "chat"))
	}
	if exe, err := os.Executable(); err == nil {
		dirs = append(dirs, filepath.Dir(exe))
	}
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		dirs = append(dirs, filepath.Dir(file))
	}
	return dirs
}

// loadClientBundle finds and reads the browser bundle that `npm ci`
// installed in the example's folder.
func loadClientBundle(dirs []string) (*clientBundle, error) {
	var tried []string
	for _, d := range dirs {
		dist := filepath.Join(d, clientDir)
		if _, err := os.Stat(filepath.Join(dist, "socket.io.js")); err != nil {
			tried = append(tried, dist)
			continue
		}
		return readClientBundle(dist)
	}
	return nil, fmt.Errorf("the socket.io-client browser bundle is missing: run `npm ci` in examples/chat "+
		"(or `make run` at the repository's root); looked for socket.io.js in:\n  %s",
		strings.Join(tried, "\n  "))
}

func readClientBundle(dist string) (*clientBundle, error) {
	b := &clientBundle{version: "unknown", files: make(map[string]servedFile)}
	if pkg, err := os.ReadFile(filepath.Join(dist, "..", "package.json")); err == nil {
		var meta struct{ Version string }
		if json.Unmarshal(pkg, &meta) == nil && meta.Version != "" {
			b.version = meta.Version
		}
	}
	for _, name := range clientFiles {
		path := filepath.Join(dist, name)
		body, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) && name != "socket.io.js" {
			continue // serve what this version ships
		}
		if err != nil {
			return nil, fmt.Errorf("socket.io-client bundle: %w", err)
		}
		info, err := os.Stat(path)
		if err != nil {
			return nil, fmt.Errorf("socket.io-client bundle: %w", err)
		}
		sum := sha256.Sum256(body)
		b.files[name] = servedFile{
			body:    body,
			etag:    `"` + hex.EncodeToString(sum[:12]) + `"`,
			modTime: info.ModTime(),
		}
	}
	return b, nil
}

// register serves the bundle's files at /socket.io/NAME. These patterns
// are more specific than "/socket.io/", so they win over the Socket.IO
// server mounted there.
func (b *clientBundle) register(mux *http.ServeMux) {
	for name, f := range b.files {
		ctype := "application/javascript; charset=utf-8"
		if strings.HasSuffix(name, ".map") {
			ctype = "application/json; charset=utf-8"
		}
		mux.HandleFunc("GET /socket.io/"+name, func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			h.Set("Content-Type", ctype)
			h.Set("Cache-Control", "public, max-age=0, must-revalidate")
			h.Set("ETag", f.etag)
			h.Set("X-Content-Type-Options", "nosniff")
			http.ServeContent(w, r, name, f.modTime, bytes.NewReader(f.body))
		})
	}
}
