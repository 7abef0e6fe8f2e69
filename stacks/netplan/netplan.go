package netplan

import (
	"errors"
	"fmt"
	"math/big"
	"net/netip"
)

// MinRegionBits is the longest prefix a region block may have: a /20 leaves /22 private subnets
// (1,024 addresses per zone), the least that holds a node pool with VPC-native pod addressing.
const MinRegionBits = 20

// ErrTooSmall is returned when a block cannot hold what is asked of it.
var ErrTooSmall = errors.New("address block too small")

// Subdivide returns the index-th block of length bits+newBits inside p.
func Subdivide(p netip.Prefix, newBits, index int) (netip.Prefix, error) {
	p = p.Masked()
	total := p.Addr().BitLen()
	bits := p.Bits() + newBits
	if newBits < 0 || bits > total {
		return netip.Prefix{}, fmt.Errorf("%w: %s cannot be split into /%d blocks", ErrTooSmall, p, bits)
	}
	if index < 0 || (newBits < 63 && uint64(index) >= uint64(1)<<uint(newBits)) {
		return netip.Prefix{}, fmt.Errorf("%w: %s has no block #%d of /%d", ErrTooSmall, p, index, bits)
	}
	base := new(big.Int).SetBytes(p.Addr().AsSlice())
	off := new(big.Int).Lsh(big.NewInt(int64(index)), uint(total-bits))
	sum := base.Add(base, off).Bytes()
	buf := make([]byte, total/8)
	copy(buf[len(buf)-len(sum):], sum)
	addr, ok := netip.AddrFromSlice(buf)
	if !ok {
		return netip.Prefix{}, fmt.Errorf("subdivide %s: bad address", p)
	}
	if p.Addr().Is4() {
		addr = addr.Unmap()
	}
	return netip.PrefixFrom(addr, bits), nil
}

// Overlaps reports whether two prefixes share any address.
func Overlaps(a, b netip.Prefix) bool { return a.Overlaps(b) }

// Slots is how many region blocks of length regionBits a supernet holds (capped at 1<<20).
func Slots(supernet netip.Prefix, regionBits int) int {
	n := regionBits - supernet.Bits()
	if n < 0 {
		return 0
	}
	if n > 20 {
		n = 20
	}
	return 1 << n
}

// RegionBlock returns the planned block for a region with a fixed catalogue slot: the
// (slot mod Slots)-th /regionBits of the supernet. It depends on nothing but its arguments, so adding
// or removing regions never moves another region.
func RegionBlock(supernet netip.Prefix, regionBits, slot int) (netip.Prefix, error) {
	n := Slots(supernet, regionBits)
	if n == 0 {
		return netip.Prefix{}, fmt.Errorf("%w: supernet %s holds no /%d", ErrTooSmall, supernet, regionBits)
	}
	return Subdivide(supernet, regionBits-supernet.Bits(), slot%n)
}

// Layout is the computed subnet layout of one region block.
type Layout struct {
	// Block is the region's whole block.
	Block netip.Prefix
	// Private subnets, one per zone, a quarter of the block each: nodes and pods.
	Private []netip.Prefix
	// Public subnets, one per zone, a sixteenth each: load balancers and NAT gateways.
	Public []netip.Prefix
	// Reserved is the last sixteenth, kept free for control-plane endpoints and later use.
	Reserved netip.Prefix
}

// Plan lays out a region block over zones (at most 3): quarters 0..2 are private subnets; the last
// quarter is cut in four, the first three public subnets and the fourth reserved.
func Plan(block netip.Prefix, zones int) (Layout, error) {
	if !block.IsValid() {
		return Layout{}, fmt.Errorf("plan: invalid block")
	}
	if block.Addr().Is4() && block.Bits() > MinRegionBits {
		return Layout{}, fmt.Errorf("%w: %s is smaller than /%d", ErrTooSmall, block, MinRegionBits)
	}
	if zones < 1 || zones > 3 {
		return Layout{}, fmt.Errorf("plan: %d zones; the layout holds 1 to 3", zones)
	}
	l := Layout{Block: block.Masked()}
	last, err := Subdivide(l.Block, 2, 3)
	if err != nil {
		return Layout{}, err
	}
	for i := 0; i < zones; i++ {
		priv, err := Subdivide(l.Block, 2, i)
		if err != nil {
			return Layout{}, err
		}
		pub, err := Subdivide(last, 2, i)
		if err != nil {
			return Layout{}, err
		}
		l.Private = append(l.Private, priv)
		l.Public = append(l.Public, pub)
	}
	if l.Reserved, err = Subdivide(last, 2, 3); err != nil {
		return Layout{}, err
	}
	return l, nil
}
