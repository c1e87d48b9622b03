package fetchers

import (
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

func TestDecodeList(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		want     []map[string]any // items as passed to add
		cont     string
		wantErr  string
		failAt   int // add fails on this item (1-based); 0 never
		wantSeen int // items seen before the error, when failAt > 0
	}{
		{
			name: "typed list: items get kind and apiVersion, unknown fields skipped",
			in: `{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"7","continue":"next"},"extra":{"a":[1,2]},
"items":[{"metadata":{"name":"a"},"spec":{"n":1.5}},{"kind":"Pod","apiVersion":"v1","metadata":{"name":"b"}}]}`,
			want: []map[string]any{
				{"kind": "Pod", "apiVersion": "v1", "metadata": map[string]any{"name": "a"}, "spec": map[string]any{"n": json.Number("1.5")}},
				{"kind": "Pod", "apiVersion": "v1", "metadata": map[string]any{"name": "b"}},
			},
			cont: "next",
		},
		{
			name: "items before kind: the fallback kind and apiVersion",
			in:   `{"items":[{"metadata":{"name":"r"}}],"kind":"RoleList","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{}}`,
			want: []map[string]any{{"kind": "Thing", "apiVersion": "test/v1", "metadata": map[string]any{"name": "r"}}},
		},
		{name: "null items", in: `{"kind":"PodList","apiVersion":"v1","metadata":{},"items":null}`},
		{name: "not a list", in: `{"kind":"Status","apiVersion":"v1","items":[]}`, wantErr: `got kind "Status", not a list`},
		{name: "no kind at all", in: `{"items":[]}`, wantErr: `got kind "", not a list`},
		{name: "truncated", in: `{"kind":"PodList","items":[{"metadata":{"name":"a"}},{"meta`, wantErr: "unexpected EOF",
			want: []map[string]any{{"kind": "Pod", "apiVersion": "test/v1", "metadata": map[string]any{"name": "a"}}}},
		{name: "items not an array", in: `{"kind":"PodList","items":{}}`, wantErr: "not an array"},
		{name: "empty body", in: ``, wantErr: "unexpected EOF"},
		{name: "add fails", in: `{"kind":"PodList","items":[{},{},{}]}`, failAt: 2, wantErr: "add failed", wantSeen: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []map[string]any
			lm, err := decodeList(strings.NewReader(tt.in), "test/v1", "Thing", func(obj map[string]any) error {
				got = append(got, obj)
				if len(got) == tt.failAt {
					return errors.New("add failed")
				}
				return nil
			})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				if tt.failAt > 0 && len(got) != tt.wantSeen {
					t.Errorf("add called %d times, want %d", len(got), tt.wantSeen)
				}
				if tt.want != nil && !reflect.DeepEqual(got, tt.want) {
					t.Errorf("items before the error = %#v\nwant %#v", got, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("items = %#v\nwant %#v", got, tt.want)
			}
			if lm.Continue != tt.cont {
				t.Errorf("continue = %q, want %q", lm.Continue, tt.cont)
			}
		})
	}
	t.Run("truncated is transient", func(t *testing.T) {
		_, err := decodeList(strings.NewReader(`{"kind":"PodList","items":[{"a":`), "v1", "Pod", func(map[string]any) error { return nil })
		if !errors.Is(err, io.ErrUnexpectedEOF) || !transient(err) {
			t.Errorf("error %v: want io.ErrUnexpectedEOF, retried", err)
		}
	})
}
