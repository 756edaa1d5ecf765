package odata

import (
	"encoding/json"
	"runtime"
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

// BenchmarkQuery100k is the brief's reference query: enum equality, a
// lambda with a type cast into nested objects, newest first, one page of
// 50, over 100,000 alerts with 3-5 evidence items each.
func BenchmarkQuery100k(b *testing.B) {
	s, docs := benchData()
	q, err := ParseQuery(benchQuery, Spec{Type: s.alert, Allow: OptAll, MaxTop: 1000})
	if err != nil {
		b.Fatal(err)
	}
	var matched int
	for b.Loop() {
		_, matched = q.Run(docs)
	}
	b.ReportMetric(float64(matched), "matches")
}

// BenchmarkQuery100kFullSort forces the full-sort path, to show what the
// bounded heap saves.
func BenchmarkQuery100kFullSort(b *testing.B) {
	s, docs := benchData()
	q, err := ParseQuery("$orderby=createdDateTime desc&$top=50", Spec{Type: s.alert, Allow: OptAll})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		q.run(docs, runSort, 1)
	}
}

// BenchmarkQuery100kOrderOnly orders all 100,000 alerts and takes one page
// through the heap (no filter).
func BenchmarkQuery100kOrderOnly(b *testing.B) {
	s, docs := benchData()
	q, err := ParseQuery("$orderby=createdDateTime desc&$top=50", Spec{Type: s.alert, Allow: OptAll})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		q.Run(docs)
	}
}

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
