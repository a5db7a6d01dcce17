package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Over TLS the server reads and writes each WebSocket through crypto/tls,
// not the raw socket, and its readers never park: the events suite (every
// JSON kind, binary at every depth, 100 kB buffers, acks) runs again in
// every transport mode over HTTPS and WSS, the client trusting the test's
// own certificate through NODE_EXTRA_CA_CERTS.
func TestSocketIO_EventsAndAcksOverTLS(t *testing.T) {
	certFile, keyFile := writeCert(t)
	for _, mode := range sioTransports {
		t.Run(mode, func(t *testing.T) {
			baseURL, proc := startServer(t, "-tls-cert", certFile, "-tls-key", keyFile)
			if !strings.HasPrefix(baseURL, "https://") {
				t.Fatalf("server listens on %s, want https", baseURL)
			}
			runNode(t, "js/socketio/events.test.mjs",
				"SERVER_URL="+baseURL, "SERVER_PID="+strconv.Itoa(proc.Pid()), "TRANSPORT="+mode,
				"NODE_EXTRA_CA_CERTS="+certFile)
		})
	}
}

// writeCert writes a self-signed certificate for 127.0.0.1 and its key as
// PEM files in a temporary directory.
func writeCert(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "sio e2e"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true, // its own trust anchor
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}
