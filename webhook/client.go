package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"syscall"
	"time"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/excerpt"
)

// ErrAddress is the failure of a delivery to an address that
// [WithDenyPrivate] refuses.
var ErrAddress = errors.New("the address is not public")

// DeliveryError is the failure of a delivery: the URL, the receiver's
// status (0 when it gave none), an excerpt of its answer, the attempts
// made, and the transport's error when there was no answer.
type DeliveryError struct {
	URL      string
	Status   int
	Body     string
	Attempts int
	Err      error
}

// Error reads "webhook: POST <url>: status 500: body "…"", or names the
// transport's error.
func (e *DeliveryError) Error() string {
	attempts := ""
	if e.Attempts > 1 {
		attempts = " (after " + strconv.Itoa(e.Attempts) + " attempts)"
	}
	if e.Err != nil {
		return fmt.Sprintf("webhook: POST %s%s: %v", e.URL, attempts, e.Err)
	}
	return fmt.Sprintf("webhook: POST %s%s: status %d: body %s", e.URL, attempts, e.Status, excerpt.Quote(e.Body))
}

// Unwrap returns the transport's error.
func (e *DeliveryError) Unwrap() error { return e.Err }

// maxBody is how much of an answer is read: what is longer is dropped
// with the connection.
const maxBody = 64 << 10

// post sends one signed delivery of e and returns the receiver's status,
// with a *DeliveryError unless it answered 2xx.
func (d *Dispatcher) post(ctx context.Context, r *runner, e *herald.Event, body []byte) (int, *DeliveryError) {
	ctx, cancel := context.WithTimeout(ctx, d.cfg.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.url, bytes.NewReader(body))
	if err != nil {
		return 0, &DeliveryError{URL: r.url, Err: err}
	}
	now := time.Now()
	d.mu.Lock()
	secrets := r.sub.secrets(now)
	d.mu.Unlock()
	req.Header = Sign(e.ID.String(), now, body, secrets...)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "herald-webhook")
	resp, err := d.client.Do(req)
	if err != nil {
		return 0, &DeliveryError{URL: r.url, Err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		// Drained, not kept, so that the connection is used again.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody))
		return resp.StatusCode, nil
	}
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return resp.StatusCode, &DeliveryError{URL: r.url, Status: resp.StatusCode, Err: err}
	}
	return resp.StatusCode, &DeliveryError{URL: r.url, Status: resp.StatusCode, Body: string(answer)}
}

// refuseRedirect answers a redirect as it is: a delivery does not follow
// one, and a 3xx is a failure.
func refuseRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// newTransport returns the transport of deliveries: no proxy from the
// environment, and with denyPrivate a dialler that refuses non-public
// addresses once the name is resolved.
func newTransport(denyPrivate bool) *http.Transport {
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	if denyPrivate {
		dialer.Control = func(_, address string, _ syscall.RawConn) error { return checkAddress(address) }
	}
	return &http.Transport{
		DialContext: dialer.DialContext, ForceAttemptHTTP2: true,
		MaxIdleConns: 100, MaxIdleConnsPerHost: 4, IdleConnTimeout: 90 * time.Second,
		TLSHandshakeTimeout: 10 * time.Second, ResponseHeaderTimeout: 0, MaxResponseHeaderBytes: 64 << 10,
	}
}

// checkAddress refuses a dialled host:port whose IP is not public.
func checkAddress(address string) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("dial %s: %w", address, ErrAddress)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !public(ip) {
		return fmt.Errorf("dial %s: %w", address, ErrAddress)
	}
	return nil
}

// cgnat is the shared address space of carrier-grade NAT.
var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// public reports an address that is global unicast and not private.
func public(ip netip.Addr) bool {
	ip = ip.Unmap()
	return ip.IsGlobalUnicast() && !ip.IsPrivate() && !cgnat.Contains(ip)
}

// checkHost refuses, when a subscription is made, a URL whose host is a
// non-public IP or "localhost".
func checkHost(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	host := u.Hostname()
	if host == "localhost" || len(host) > 10 && host[len(host)-10:] == ".localhost" {
		return fmt.Errorf("host %q: %w: %w", host, ErrAddress, herald.ErrInvalid)
	}
	if ip, err := netip.ParseAddr(host); err == nil && !public(ip) {
		return fmt.Errorf("host %s: %w: %w", host, ErrAddress, herald.ErrInvalid)
	}
	return nil
}
