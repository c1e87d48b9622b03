package webhook

import (
	"context"
	"errors"
	"testing"

	"github.com/fleetguard/fleetguard/engine"
)

// FuzzDecodeReview feeds arbitrary bodies to the decoder and, when they
// decode, to the decision with the test bundle. Neither may panic; a decoded
// review always has a request with a uid, and every error is a BadReviewError.
// The seed corpus is in testdata/fuzz/FuzzDecodeReview.
func FuzzDecodeReview(f *testing.F) {
	f.Add(reviewJSON(f, "seed", "CREATE", pod("p", "apps", nil, container("app", "nginx", true)), nil))
	f.Add([]byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","operation":"DELETE","oldObject":{}}}`))
	bundles := NewBundles(testBundle, engine.LoadOptions{})
	s := New(Config{Bundles: bundles, Logger: discardLogger()})
	if _, err := bundles.Reload(context.Background()); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := DecodeReview(body)
		if err != nil {
			var br *BadReviewError
			if !errors.As(err, &br) || br.Msg == "" || br.Reason == "" {
				t.Fatalf("error %v is not a BadReviewError with a message and reason", err)
			}
			return
		}
		if req.AdmissionRequest == nil || req.UID == "" {
			t.Fatalf("decoded review without a request uid: %s", body)
		}
		v := s.review(context.Background(), req)
		if v.Response == nil || v.Response.UID != req.UID || v.Decision == "" {
			t.Fatalf("bad verdict %+v for %s", v, body)
		}
	})
}
