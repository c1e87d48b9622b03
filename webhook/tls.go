package webhook

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"sync"
	"time"
)

// Certs serves a certificate and key read from files, and re-reads them
// when either file's modification time or size changes, so a rotated
// certificate (a renewed Secret volume, cert-manager) is served on the next
// TLS handshake without a restart. A pair that fails to load (for instance
// a key not yet written beside its new certificate) keeps the previous one.
// Certs is safe for concurrent use.
type Certs struct {
	certFile, keyFile string
	onReload          func(err error)

	mu       sync.Mutex
	cert     *tls.Certificate
	stamp    string
	notAfter time.Time
	lastErr  error
}

// NewCerts loads the certificate and key. It fails when they cannot be loaded.
func NewCerts(certFile, keyFile string) (*Certs, error) {
	c := &Certs{certFile: certFile, keyFile: keyFile}
	if _, err := c.get(); err != nil {
		return nil, err
	}
	return c, nil
}

// GetCertificate is a tls.Config.GetCertificate that returns the current pair.
func (c *Certs) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) { return c.get() }

// NotAfter returns the expiry of the certificate in service.
func (c *Certs) NotAfter() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.notAfter
}

// LastError returns the last failure to reload the pair, or nil.
func (c *Certs) LastError() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lastErr
}

func (c *Certs) get() (*tls.Certificate, error) {
	stamp, err := fileStamp(c.certFile, c.keyFile)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err == nil && stamp == c.stamp && c.cert != nil {
		return c.cert, nil
	}
	if err == nil {
		var pair tls.Certificate
		if pair, err = tls.LoadX509KeyPair(c.certFile, c.keyFile); err == nil {
			var leaf *x509.Certificate
			if leaf, err = x509.ParseCertificate(pair.Certificate[0]); err == nil {
				pair.Leaf = leaf
				reloaded := c.cert != nil
				c.cert, c.stamp, c.notAfter, c.lastErr = &pair, stamp, leaf.NotAfter, nil
				if reloaded && c.onReload != nil {
					c.onReload(nil)
				}
				return c.cert, nil
			}
		}
	}
	err = fmt.Errorf("loading TLS certificate %s and key %s: %w", c.certFile, c.keyFile, err)
	if c.lastErr == nil || c.lastErr.Error() != err.Error() {
		if c.onReload != nil && c.cert != nil {
			c.onReload(err)
		}
	}
	c.lastErr = err
	if c.cert != nil {
		return c.cert, nil // keep serving the last good pair
	}
	return nil, err
}

func fileStamp(files ...string) (string, error) {
	s := ""
	for _, f := range files {
		info, err := os.Stat(f)
		if err != nil {
			return "", err
		}
		s += fmt.Sprintf("%d/%d;", info.ModTime().UnixNano(), info.Size())
	}
	return s, nil
}
