package addresses

import (
	"errors"
	"fmt"
	"math/big"
	"net/netip"

	"github.com/kost-platform/kost/components/cluster"
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

// AWSLayout is the computed subnet layout of one region block.
type AWSLayout struct {
	// Block is the region's whole block.
	Block netip.Prefix
	// Private subnets, one per zone, a quarter of the block each: nodes and pods.
	Private []netip.Prefix
	// Public subnets, one per zone, a sixteenth each: load balancers and NAT gateways.
	Public []netip.Prefix
	// Reserved is the last sixteenth, kept free for control-plane endpoints and later use.
	Reserved netip.Prefix
}

// AWS lays out a region block over zones (at most 3): quarters 0..2 are private subnets; the last
// quarter is cut in four, the first three public subnets and the fourth reserved.
func AWS(block netip.Prefix, zones int) (AWSLayout, error) {
	if !block.IsValid() {
		return AWSLayout{}, fmt.Errorf("plan: invalid block")
	}
	if block.Addr().Is4() && block.Bits() > MinRegionBits {
		return AWSLayout{}, fmt.Errorf("%w: %s is smaller than /%d", ErrTooSmall, block, MinRegionBits)
	}
	if zones < 1 || zones > 3 {
		return AWSLayout{}, fmt.Errorf("plan: %d zones; the layout holds 1 to 3", zones)
	}
	l := AWSLayout{Block: block.Masked()}
	last, err := Subdivide(l.Block, 2, 3)
	if err != nil {
		return AWSLayout{}, err
	}
	for i := 0; i < zones; i++ {
		priv, err := Subdivide(l.Block, 2, i)
		if err != nil {
			return AWSLayout{}, err
		}
		pub, err := Subdivide(last, 2, i)
		if err != nil {
			return AWSLayout{}, err
		}
		l.Private = append(l.Private, priv)
		l.Public = append(l.Public, pub)
	}
	if l.Reserved, err = Subdivide(last, 2, 3); err != nil {
		return AWSLayout{}, err
	}
	return l, nil
}

// GCPLayout are the ranges of a GKE regional subnetwork, all inside the region block.
type GCPLayout struct {
	Block netip.Prefix
	// Nodes is the subnetwork's primary range (a quarter of the block).
	Nodes netip.Prefix
	// Pods is the secondary range for pods (half of the block: /24 per node).
	Pods netip.Prefix
	// Services is the secondary range for Services (a sixteenth).
	Services netip.Prefix
	// Master is the /28 of a private cluster's control plane, from the block's last sixteenth.
	Master netip.Prefix
}

// GCP lays out a region block for GKE: pods take the first half, nodes the third quarter,
// services the 13th sixteenth; the control plane's /28 opens the last sixteenth.
func GCP(block netip.Prefix) (GCPLayout, error) {
	if !block.Addr().Is4() || block.Bits() > MinRegionBits {
		return GCPLayout{}, fmt.Errorf("%w: %s is smaller than /%d", ErrTooSmall, block, MinRegionBits)
	}
	l := GCPLayout{Block: block.Masked()}
	var err error
	if l.Pods, err = Subdivide(l.Block, 1, 0); err != nil {
		return GCPLayout{}, err
	}
	if l.Nodes, err = Subdivide(l.Block, 2, 2); err != nil {
		return GCPLayout{}, err
	}
	if l.Services, err = Subdivide(l.Block, 4, 12); err != nil {
		return GCPLayout{}, err
	}
	last, err := Subdivide(l.Block, 4, 15)
	if err != nil {
		return GCPLayout{}, err
	}
	if l.Master, err = Subdivide(last, 28-last.Bits(), 0); err != nil {
		return GCPLayout{}, err
	}
	return l, nil
}

// AzureLayout are the ranges of an AKS cluster with Azure CNI overlay.
type AzureLayout struct {
	Block netip.Prefix
	// Nodes is the node subnet (half of the block; AKS subnets span zones).
	Nodes netip.Prefix
	// Pods (overlay, outside the VNet) and Services are cluster-internal.
	Pods, Services netip.Prefix
	// DNSServiceIP is the cluster DNS address inside Services.
	DNSServiceIP netip.Addr
}

// Azure lays out a region block for AKS: the node subnet is the first half; pods use the overlay
// range and Services the service range, both outside every VNet.
func Azure(block netip.Prefix) (AzureLayout, error) {
	if !block.Addr().Is4() || block.Bits() > MinRegionBits {
		return AzureLayout{}, fmt.Errorf("%w: %s is smaller than /%d", ErrTooSmall, block, MinRegionBits)
	}
	l := AzureLayout{Block: block.Masked(), Pods: cluster.OverlayPodCIDR, Services: cluster.ServiceCIDR}
	var err error
	if l.Nodes, err = Subdivide(l.Block, 1, 0); err != nil {
		return AzureLayout{}, err
	}
	l.DNSServiceIP = cluster.DNSServiceIP
	return l, nil
}

// Nth returns the n-th address of a prefix (0 is the network address).
func Nth(p netip.Prefix, n int) netip.Addr {
	b := p.Masked().Addr().As4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	v += uint32(n)
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}
