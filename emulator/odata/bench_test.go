package odata

import (
	"context"
	"encoding/json"
	"runtime"
	"slices"
	"sync"
	"testing"
)

const benchQuery = "$filter=severity eq 'high' and evidence/any(e: e/microsoft.graph.security.userEvidence/userAccount/userPrincipalName eq 'alice@contoso.com')" +
	"&$orderby=createdDateTime desc&$top=50&$count=true"

// benchData builds the 100,000 synthetic alerts once per test binary:
// they take a few seconds and about 500 MB.
var benchData = sync.OnceValues(func() (*testSchema, []Object) {
	s := newTestSchema()
	docs := s.genAlerts(100000, 42)
	// Finish collecting the garbage of generation now, so that no GC
	// cycle runs inside the measured loops.
	runtime.GC()
	return s, docs
})

// runBench measures q over the 100,000 alerts, reporting CPU time per
// query (all goroutines) next to wall time.
func runBench(b *testing.B, raw string, mode runMode, workers int) {
	s, docs := benchData()
	q, err := ParseQuery(raw, Spec{Type: s.alert, Allow: OptAll, MaxTop: 1000})
	if err != nil {
		b.Fatal(err)
	}
	if workers == 0 {
		workers = defaultWorkers(len(docs))
	}
	var matched, n int
	start := processCPU()
	for b.Loop() {
		_, matched = q.run(docs, mode, workers)
		n++
	}
	b.ReportMetric(float64(matched), "matches")
	if cpu := processCPU() - start; cpu > 0 {
		b.ReportMetric(float64(cpu.Microseconds())/1000/float64(n), "cpu-ms/op")
	}
}

// BenchmarkQuery100k is the brief's reference query: enum equality, a
// lambda with a type cast into nested objects, newest first, one page of
// 50 (with the count), over 100,000 alerts with 3-5 evidence items each.
func BenchmarkQuery100k(b *testing.B) { runBench(b, benchQuery, runAuto, 0) }

// BenchmarkQuery100kOneWorker is the same query scanned by one goroutine.
func BenchmarkQuery100kOneWorker(b *testing.B) { runBench(b, benchQuery, runAuto, 1) }

// BenchmarkQuery100kFullSort orders all 100,000 alerts by a full sort, to
// show what the bounded heap saves.
func BenchmarkQuery100kFullSort(b *testing.B) {
	runBench(b, "$orderby=createdDateTime desc&$top=50", runSort, 0)
}

// BenchmarkQuery100kOrderOnly orders all 100,000 alerts through the heap
// and takes one page.
func BenchmarkQuery100kOrderOnly(b *testing.B) {
	runBench(b, "$orderby=createdDateTime desc&$top=50", runAuto, 0)
}

// BenchmarkQuery100kEnumOnly is the cheapest useful filter: one enum
// comparison per alert, the floor set by reading one property of 100,000
// separately allocated maps.
func BenchmarkQuery100kEnumOnly(b *testing.B) {
	runBench(b, "$filter=severity eq 'high'&$top=50&$count=true", runAuto, 0)
}

// runBenchWith measures RunWith over the 100,000 alerts, which are in
// natural order (newest first). With index, candidates come from the
// filter's EnumTerms over dense enum columns, as graphapi's store keeps
// them.
func runBenchWith(b *testing.B, raw string, index bool) {
	s, docs := benchData()
	spec := Spec{Type: s.alert, Allow: OptAll, MaxTop: 1000}
	q, err := ParseQuery(raw, spec)
	if err != nil {
		b.Fatal(err)
	}
	nq, err := ParseQuery("$orderby=createdDateTime desc", spec)
	if err != nil {
		b.Fatal(err)
	}
	opt := RunOptions{Order: nq.OrderBy}
	if index && q.Filter != nil {
		var tests []func(int) bool
		for _, t := range q.Filter.EnumTerms() {
			p, _ := s.alert.Property(t.Property)
			var allow [256]bool
			for i, m := range p.Enum.Members {
				allow[i] = t.Allows(m)
			}
			allow[254], allow[255] = t.Allows(nil), true
			col := make([]uint8, len(docs))
			for i, d := range docs {
				switch v := d[t.Property].(type) {
				case nil:
					col[i] = 254
				case string:
					col[i] = uint8(slices.Index(p.Enum.Members, v))
				}
			}
			tests = append(tests, func(i int) bool { return allow[col[i]] })
		}
		opt.Candidates = func(i int) bool {
			for _, t := range tests {
				if !t(i) {
					return false
				}
			}
			return true
		}
	}
	// Building the columns allocated: finish that garbage now, so that no
	// collection of the 500 MB heap runs inside the measured loop.
	runtime.GC()
	var res Result
	n := 0
	start := processCPU()
	for b.Loop() {
		res, _ = q.RunWith(context.Background(), docs, opt)
		n++
	}
	b.ReportMetric(float64(res.Matched), "matches")
	if cpu := processCPU() - start; cpu > 0 {
		b.ReportMetric(float64(cpu.Microseconds())/1000/float64(n), "cpu-ms/op")
	}
}

// benchQueryNoCount is benchQuery without $count, so that it can stop
// at the 51st match.
const benchQueryNoCount = "$filter=severity eq 'high' and evidence/any(e: e/microsoft.graph.security.userEvidence/userAccount/userPrincipalName eq 'alice@contoso.com')" +
	"&$orderby=createdDateTime desc&$top=50"

// BenchmarkQuery100kEarlyExit is the reference query without $count over
// data known to be newest first: the scan stops once the page is full.
func BenchmarkQuery100kEarlyExit(b *testing.B) { runBenchWith(b, benchQueryNoCount, false) }

// BenchmarkQuery100kIndexed is the reference query with $count (a full
// scan) where an enum index spares reading the alerts of other severities.
func BenchmarkQuery100kIndexed(b *testing.B) { runBenchWith(b, benchQuery, true) }

// BenchmarkQuery100kIndexedEarlyExit combines both.
func BenchmarkQuery100kIndexedEarlyExit(b *testing.B) { runBenchWith(b, benchQueryNoCount, true) }

func BenchmarkParseQueryAndCompile(b *testing.B) {
	s := newTestSchema()
	spec := Spec{Type: s.alert, Allow: OptAll, MaxTop: 1000}
	for b.Loop() {
		if _, err := ParseQuery(benchQuery, spec); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendObject(b *testing.B) {
	s := newTestSchema()
	doc := sampleAlert()
	buf := AppendObject(nil, doc, s.alert, EncodeOptions{})
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		buf = AppendObject(buf[:0], doc, s.alert, EncodeOptions{})
	}
}

// BenchmarkJSONMarshal is the baseline for BenchmarkAppendObject: the same
// map through encoding/json (which writes fewer bytes: no nulls or [] for
// absent properties, and sorts every key).
func BenchmarkJSONMarshal(b *testing.B) {
	doc := sampleAlert()
	out, _ := json.Marshal(doc)
	b.SetBytes(int64(len(out)))
	for b.Loop() {
		if _, err := json.Marshal(doc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeObject(b *testing.B) {
	s := newTestSchema()
	enc := Encode(sampleAlert(), s.alert, EncodeOptions{IncludeUnknownEnumMembers: true})
	var raw map[string]any
	if err := json.Unmarshal(enc, &raw); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := DecodeObject(raw, s.alert, DecodeOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
