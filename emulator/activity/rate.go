package activity

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Rate is how many activity steps happen per minute.
type Rate float64

// maxRate bounds a rate: 100,000 a minute is far beyond any tenant, and
// keeps one tick's work small.
const maxRate = 100000

// ParseRate reads a rate as people write one: "12/min", "0.5/s", "300/h",
// or a bare number of steps per minute. "", "0" and "off" mean no activity.
func ParseRate(s string) (Rate, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	if s == "" || s == "off" || s == "0" {
		return 0, nil
	}
	num, unit, hasUnit := strings.Cut(s, "/")
	n, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || n < 0 || n != n {
		return 0, fmt.Errorf("activity rate %q: want a number of steps per unit, e.g. 12/min", s)
	}
	per := time.Minute
	if hasUnit {
		switch strings.TrimSpace(unit) {
		case "s", "sec", "second":
			per = time.Second
		case "m", "min", "minute":
			per = time.Minute
		case "h", "hour":
			per = time.Hour
		default:
			return 0, fmt.Errorf("activity rate %q: the unit must be s, min or h", s)
		}
	}
	r := Rate(n * float64(time.Minute) / float64(per))
	if r > maxRate {
		return 0, fmt.Errorf("activity rate %q: at most %d a minute", s, maxRate)
	}
	return r, nil
}

// String writes the rate as ParseRate reads it.
func (r Rate) String() string {
	if r <= 0 {
		return "off"
	}
	return strconv.FormatFloat(float64(r), 'f', -1, 64) + "/min"
}

// Set implements flag.Value.
func (r *Rate) Set(s string) error {
	v, err := ParseRate(s)
	if err != nil {
		return err
	}
	*r = v
	return nil
}
