package cli

import (
	"flag"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/graphsec/graphsec/emulator"
	"github.com/graphsec/graphsec/emulator/webhook"
)

// deliveryFlags binds the webhook network guard's allowed ranges and the
// change-notification delivery faults.
func deliveryFlags(fs *flag.FlagSet, o *emulator.Options) {
	fs.Var((*prefixList)(&o.WebhookAllow), "webhook-allow",
		"let subscribers be reached in this CIDR range although it is private or link-local (repeatable; loopback is always allowed)")
	fs.Func("delivery-duplicate", "delivery fault: share (0..1) of notifications sent twice with the same id",
		shareFlag(&o.Delivery.Faults.Duplicate))
	fs.Func("delivery-reorder", "delivery fault: share (0..1) of notification POSTs delivered out of order",
		shareFlag(&o.Delivery.Faults.Reorder))
	fs.Func("delivery-delay", "delivery fault: hold every notification this long (emulated time), e.g. 5s", func(s string) error {
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 {
			return fmt.Errorf("%q is not a duration of 0 or more", s)
		}
		o.Delivery.Faults.Delay = d
		return nil
	})
}

// deliveryEnv pairs the environment variables of deliveryFlags with their
// flags; their values go through the flags' parsers.
func deliveryEnv() []struct{ env, flag string } {
	return []struct{ env, flag string }{
		{"GRAPHSEC_EMULATOR_WEBHOOK_ALLOW", "webhook-allow"},
		{"GRAPHSEC_EMULATOR_DELIVERY_DUPLICATE", "delivery-duplicate"},
		{"GRAPHSEC_EMULATOR_DELIVERY_REORDER", "delivery-reorder"},
		{"GRAPHSEC_EMULATOR_DELIVERY_DELAY", "delivery-delay"},
	}
}

func shareFlag(dst *float64) func(string) error {
	return func(s string) error {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || !(v >= 0 && v <= 1) {
			return fmt.Errorf("%q is not a share between 0 and 1", s)
		}
		*dst = v
		return nil
	}
}

// prefixList is a repeatable flag of CIDR ranges (or single addresses);
// one value may also list several, separated by commas (the environment).
type prefixList []netip.Prefix

func (p *prefixList) String() string {
	if p == nil {
		return ""
	}
	out := make([]string, len(*p))
	for i, x := range *p {
		out[i] = x.String()
	}
	return strings.Join(out, ",")
}

func (p *prefixList) Set(v string) error {
	list, err := webhook.ParseAllow(strings.Split(v, ","))
	if err != nil {
		return err
	}
	*p = append(*p, list...)
	return nil
}
