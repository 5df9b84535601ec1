package match

import (
	"net/netip"

	"github.com/herald-go/herald/internal/excerpt"
)

// compileCIDR compiles the operand of cidr: an IPv4 or IPv6 prefix in
// CIDR notation, such as "10.0.0.0/24" or "2001:db8::/32". Bits set
// below the prefix length are ignored.
func compileCIDR(arg *jsonValue, shown []string) (leaf, error) {
	s, err := stringOperand(arg, shown)
	if err != nil {
		return leaf{}, err
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		// err quotes s whole; the reason says enough with a prefix of it.
		return leaf{}, patternErr(shown, "want an IPv4 or IPv6 prefix such as 10.0.0.0/24, got "+excerpt.Quote(s))
	}
	return leaf{op: opCIDR, cidr: p.Masked()}, nil
}

// matchCIDR reports whether s is an IP address in p. An IPv4 address
// mapped into IPv6 ("::ffff:10.0.0.1") is in an IPv4 prefix as the IPv4
// address is; an address with a zone is in none.
func matchCIDR(p netip.Prefix, s string) bool {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return false
	}
	return p.Contains(a) || a.Is4In6() && p.Contains(a.Unmap())
}
