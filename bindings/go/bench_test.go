package pocketdock

import (
	"context"
	"slices"
	"testing"
	"time"
)

// The benchmarks measure what the Go binding adds over calling the C ABI directly, in the
// same process against the same container. Run them with (see docs/go.md):
//
//	go test -run '^$' -bench . -benchtime 100x
//
// BenchmarkRun/go and BenchmarkRun/c time the two paths separately; BenchmarkRunGoVsC
// interleaves them (so engine drift hits both alike) and reports the median run time of
// each path and their ratio "go/c" (and the ratio of the means, "go/c-mean").

const benchCmd = "true"

func BenchmarkRun(b *testing.B) {
	box := newBox(b)
	ctx := context.Background() // no deadline: it would cap the runs (see Run)
	mustRun(b, box, benchCmd)   // warm up: first exec, connection pool
	b.Run("go", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := box.Run(ctx, benchCmd); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("c", func(b *testing.B) {
		if err := benchRunC(box, benchCmd, b.N); err != nil {
			b.Fatal(err)
		}
	})
}

func BenchmarkRunGoVsC(b *testing.B) {
	box := newBox(b)
	ctx := context.Background() // no deadline: it would cap the runs (see Run)
	mustRun(b, box, benchCmd)
	goTimes := make([]time.Duration, 0, b.N)
	cTimes := make([]time.Duration, 0, b.N)
	runGo := func() {
		t0 := time.Now()
		if _, err := box.Run(ctx, benchCmd); err != nil {
			b.Fatal(err)
		}
		goTimes = append(goTimes, time.Since(t0))
	}
	runC := func() {
		t0 := time.Now()
		if err := benchRunC(box, benchCmd, 1); err != nil {
			b.Fatal(err)
		}
		cTimes = append(cTimes, time.Since(t0))
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%2 == 0 { // alternate the order: neither path always runs second
			runGo()
			runC()
		} else {
			runC()
			runGo()
		}
	}
	b.StopTimer()
	// Engine exec times have a long tail: report medians, and the ratio of the means too.
	goMed, cMed := median(goTimes), median(cTimes)
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(float64(goMed)/1e6, "go-ms/run")
	b.ReportMetric(float64(cMed)/1e6, "c-ms/run")
	b.ReportMetric(float64(goMed)/float64(cMed), "go/c")
	b.ReportMetric(float64(sum(goTimes))/float64(sum(cTimes)), "go/c-mean")
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func sum(d []time.Duration) (t time.Duration) {
	for _, x := range d {
		t += x
	}
	return t
}

// BenchmarkCallOverhead: one cgo crossing (Go to C and back) against a C-to-C call of the
// same function: the fixed price the binding pays per library call.
func BenchmarkCallOverhead(b *testing.B) {
	b.Run("go", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			LibraryABIVersion()
		}
	})
	b.Run("c", func(b *testing.B) {
		benchABIC(b.N)
	})
}
