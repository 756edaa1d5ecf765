// Package checkgo holds calls for TestCheckGoFiles; it is never built.
package checkgo

type printer interface {
	T(string, ...any) string
	Count(string, any) string
	EnumOf(string, string) struct{}
}

func calls(p printer, dynamic string, args []any) {
	_ = p.T("nav.alerts")                                  // fine
	_ = p.T("error.throttled", "seconds", 5)               // fine
	_ = p.Count("count.alerts", 3)                         // fine
	_ = p.T("count.alerts", "n", 3)                        // fine
	_ = p.T(dynamic)                                       // not checked: dynamic key
	_ = p.T("error.throttled", args...)                    // not checked: pairs built at run time
	_ = p.EnumOf("category", dynamic)                      // fine
	_ = p.T("nav.nope")                                    // line 18: no such message
	_ = p.T("error.throttled")                             // line 19: missing seconds
	_ = p.T("error.throttled", "seconds", 5, "extra", 1)   // line 20: extra
	_ = p.T("error.throttled", "seconds")                  // line 21: odd
	_ = p.T("count.alerts")                                // line 22: plural needs n
	_ = p.T("error.throttled", dynamic, 5)                 // line 23: non-literal name
	_ = p.Count("error.throttled", 3)                      // line 24: seconds missing, n unused
	_ = p.T("error.throttled", "seconds", 1, "seconds", 2) // line 25: twice
	_ = p.EnumOf("enum.Nope", dynamic)                     // line 26: no namespace
	_ = T("nav.alerts")                                    // fine: a package's own constructor
	_ = T("nav.nope")                                      // line 28: no such message
}

// T stands for a package's own message constructor (page.T).
func T(key string, args ...any) string { return key }
