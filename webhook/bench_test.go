package webhook

import (
	"context"
	"testing"

	"github.com/fleetguard/fleetguard/engine"
)

// BenchmarkReview measures decoding and deciding one privileged Pod review
// with the default bundle, without HTTP.
func BenchmarkReview(b *testing.B) {
	bundles := NewBundles("", engine.LoadOptions{})
	s := New(Config{Bundles: bundles, Logger: discardLogger()})
	if _, err := bundles.Reload(context.Background()); err != nil {
		b.Fatal(err)
	}
	body := reviewJSON(b, "u", "CREATE", pod("p", "apps", nil, container("app", "nginx:1.27", true)), nil)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req, err := DecodeReview(body)
		if err != nil {
			b.Fatal(err)
		}
		if v := s.review(context.Background(), req); v.Response.Allowed {
			b.Fatal("admitted")
		}
	}
}
