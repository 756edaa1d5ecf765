package cli

import (
	"flag"
	"io"
	"testing"
	"time"

	"github.com/graphsec/graphsec/emulator"
)

func TestDeliveryFlags(t *testing.T) {
	for _, tt := range []struct {
		name  string
		args  []string
		allow string
		dup   float64
		reord float64
		delay time.Duration
	}{
		{"none", nil, "", 0, 0, 0},
		{"repeated ranges and faults", []string{"--webhook-allow", "10.0.0.0/8", "--webhook-allow", "192.168.1.7,fd00::/8",
			"--delivery-duplicate", "0.1", "--delivery-reorder", "1", "--delivery-delay", "2s"}, "10.0.0.0/8,192.168.1.7/32,fd00::/8", 0.1, 1, 2 * time.Second},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fs := flag.NewFlagSet("emulator", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			var o emulator.Options
			emulatorFlags(fs, &o, env(nil))
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			f := o.Delivery.Faults
			if got := (*prefixList)(&o.WebhookAllow).String(); got != tt.allow || f.Duplicate != tt.dup || f.Reorder != tt.reord || f.Delay != tt.delay {
				t.Fatalf("allow %q, faults %+v", got, f)
			}
		})
	}
}
