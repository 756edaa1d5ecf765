package gen

import (
	"math/rand/v2"
	"time"
)

// rng wraps the one PCG stream a Generator draws everything from: ids,
// GUIDs, hashes, choices and times. Nothing else is a source of
// randomness, so the same Config always yields the same bytes.
type rng struct{ r *rand.Rand }

// pcgStream is the PCG increment; any odd constant works, a fixed one
// keeps the output a function of the seed alone.
const pcgStream = 0x9e3779b97f4a7c15

func newRNG(seed int64) rng {
	return rng{rand.New(rand.NewPCG(uint64(seed), pcgStream))}
}

const hexDigits = "0123456789abcdef"

// guid returns a random (version 4) GUID in lower case.
func (g rng) guid() string {
	var b [36]byte
	hi, lo := g.r.Uint64(), g.r.Uint64()
	hi = hi&^(0xf<<12) | 0x4<<12 // version 4
	lo = lo&^(0x3<<62) | 0x2<<62 // RFC 4122 variant
	pos := 0
	for i := 0; i < 32; i++ {
		if i == 8 || i == 12 || i == 16 || i == 20 {
			b[pos] = '-'
			pos++
		}
		var nib uint64
		if i < 16 {
			nib = hi >> (60 - 4*i) & 0xf
		} else {
			nib = lo >> (60 - 4*(i-16)) & 0xf
		}
		b[pos] = hexDigits[nib]
		pos++
	}
	return string(b[:])
}

// hex returns n random lower-case hex digits (a hash of the right length:
// 32 for MD5, 40 for SHA-1, 64 for SHA-256).
func (g rng) hex(n int) string {
	b := make([]byte, n)
	var v uint64
	for i := range b {
		if i%16 == 0 {
			v = g.r.Uint64()
		}
		b[i] = hexDigits[v&0xf]
		v >>= 4
	}
	return string(b)
}

// intn returns a value in [0, n); n <= 0 gives 0.
func (g rng) intn(n int) int {
	if n <= 0 {
		return 0
	}
	return g.r.IntN(n)
}

// between returns a value in [lo, hi].
func (g rng) between(lo, hi int) int {
	if hi <= lo {
		return lo
	}
	return lo + g.r.IntN(hi-lo+1)
}

// chance reports true with probability p.
func (g rng) chance(p float64) bool { return g.r.Float64() < p }

// pick returns one element of list, which must not be empty.
func pick[T any](g rng, list []T) T { return list[g.r.IntN(len(list))] }

// dur returns a duration in [lo, hi], at 100 ns precision.
func (g rng) dur(lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	span := int64(hi-lo) / 100
	return lo + time.Duration(g.r.Int64N(span+1))*100
}

// weighted returns an index into weights, chosen in proportion to them.
func (g rng) weighted(weights []int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	if total <= 0 {
		return 0
	}
	n := g.r.IntN(total)
	for i, w := range weights {
		if n < w {
			return i
		}
		n -= w
	}
	return len(weights) - 1
}

// shuffle permutes the first n indices and returns them.
func (g rng) perm(n int) []int { return g.r.Perm(n) }
