package config

import (
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// ParseTrustedProxies reads a comma-separated list of the reverse
// proxies in front of the service: addresses (10.0.0.5, 2001:db8::1) or
// CIDRs (10.0.0.0/8). Empty entries are ignored; an empty string gives
// none. A prefix of length 0 (0.0.0.0/0, ::/0) is refused: trusting every
// address would let any client name itself in X-Forwarded-For, and so
// take a fresh rate-limit bucket with each request. Any narrower range is
// taken as given, though every address in it is believed likewise: the
// operator is told (docs/operations.md) to list only the proxies' own
// addresses. Broad ranges are not refused, as where proxies' addresses
// change (an ingress controller's pods) the range they come from may be
// the narrowest there is.
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, raw := range strings.Split(s, ",") {
		raw = strings.TrimSpace(raw)
		if raw == "" {
			continue
		}
		p, err := parseProxy(raw)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q (ACTORGRAPH_TRUSTED_PROXIES, --trusted-proxies): %w", raw, err)
		}
		out = append(out, p)
	}
	return out, nil
}

func parseProxy(raw string) (netip.Prefix, error) {
	if !strings.Contains(raw, "/") {
		a, err := netip.ParseAddr(raw)
		if err != nil || a.Zone() != "" {
			return netip.Prefix{}, fmt.Errorf("not an address or a CIDR; give one such as 10.0.0.5 or 10.0.0.0/8")
		}
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(raw)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("not an address or a CIDR; give one such as 10.0.0.5 or 10.0.0.0/8")
	}
	if p.Bits() == 0 {
		return netip.Prefix{}, fmt.Errorf("a prefix of length 0 trusts every address, so any client could write its own X-Forwarded-For; name the proxies' own addresses")
	}
	if p.Addr().Is4In6() {
		p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
	}
	return p.Masked(), nil
}

// checkTimeouts refuses negative timeouts, and a write timeout too short
// for an answer: the write deadline starts when a request's headers are
// read, so an ordinary request that runs its whole --request-timeout
// must still have time left to send its answer.
func (h HTTP) checkTimeouts() error {
	for _, t := range []struct {
		name string
		d    time.Duration
	}{{"--read-timeout", h.ReadTimeout}, {"--write-timeout", h.WriteTimeout}, {"--idle-timeout", h.IdleTimeout},
		{"--request-timeout", h.RequestTimeout}, {"--transfer-timeout", h.TransferTimeout}} {
		if t.d < 0 {
			return fmt.Errorf("%s must be 0 (no limit) or more, not %v", t.name, t.d)
		}
	}
	if h.WriteTimeout > 0 && h.RequestTimeout > 0 && h.WriteTimeout <= h.RequestTimeout {
		return fmt.Errorf("--write-timeout (%v) must be longer than --request-timeout (%v): an answer is written after its request has run", h.WriteTimeout, h.RequestTimeout)
	}
	return nil
}
