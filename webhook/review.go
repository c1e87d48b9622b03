package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// MaxBodyBytes is the largest AdmissionReview body /validate accepts (3 MiB,
// the apiserver's own limit on request bodies is in the same range).
const MaxBodyBytes = 3 << 20

// BadReviewError is a request that is not a valid admission.k8s.io/v1
// AdmissionReview. /validate answers it with HTTP 400 and its message.
type BadReviewError struct {
	// Reason is a short machine label used in metrics: malformed-json,
	// wrong-type, missing-request, missing-uid, bad-object, too-large.
	Reason string
	Msg    string
}

func (e *BadReviewError) Error() string { return e.Msg }

func badReview(reason, format string, args ...any) *BadReviewError {
	return &BadReviewError{Reason: reason, Msg: fmt.Sprintf(format, args...)}
}

// Request is a decoded admission request: the AdmissionRequest with its
// object and old object as plain JSON maps.
type Request struct {
	*admissionv1.AdmissionRequest
	Object    map[string]any // nil for DELETE
	OldObject map[string]any // nil for CREATE and CONNECT
}

// DecodeReview decodes an admission.k8s.io/v1 AdmissionReview. Every error it
// returns is a *BadReviewError whose message says what is wrong. It never
// panics, whatever the input.
func DecodeReview(body []byte) (*Request, error) {
	if len(body) > MaxBodyBytes {
		return nil, badReview("too-large", "request body exceeds %d bytes (3 MiB)", MaxBodyBytes)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, badReview("malformed-json", "malformed AdmissionReview JSON: empty body")
	}
	var review admissionv1.AdmissionReview
	if err := json.Unmarshal(body, &review); err != nil {
		return nil, badReview("malformed-json", "malformed AdmissionReview JSON: %s", jsonErrorText(body, err))
	}
	if review.APIVersion != admissionv1.SchemeGroupVersion.String() || review.Kind != "AdmissionReview" {
		return nil, badReview("wrong-type", "expected apiVersion %q and kind \"AdmissionReview\", got apiVersion %q and kind %q",
			admissionv1.SchemeGroupVersion.String(), review.APIVersion, review.Kind)
	}
	if review.Request == nil {
		return nil, badReview("missing-request", "AdmissionReview has no request")
	}
	req := review.Request
	if req.UID == "" {
		return nil, badReview("missing-uid", "AdmissionReview request has no uid")
	}
	out := &Request{AdmissionRequest: req}
	var err error
	if out.Object, err = decodeObject("object", req.Object.Raw, req.Kind); err != nil {
		return nil, err
	}
	if out.OldObject, err = decodeObject("oldObject", req.OldObject.Raw, req.Kind); err != nil {
		return nil, err
	}
	switch req.Operation {
	case admissionv1.Create, admissionv1.Update, admissionv1.Connect:
		if out.Object == nil {
			return nil, badReview("bad-object", "request %s: %s request has no object", req.UID, req.Operation)
		}
	case admissionv1.Delete:
		if out.OldObject == nil && out.Object == nil {
			return nil, badReview("bad-object", "request %s: DELETE request has neither oldObject nor object", req.UID)
		}
	default:
		return nil, badReview("bad-object", "request %s: unknown operation %q (want CREATE, UPDATE, DELETE or CONNECT)", req.UID, req.Operation)
	}
	return out, nil
}

// decodeObject reads an embedded object as a JSON object, with numbers kept
// exact. A missing or null object is nil. apiVersion and kind are filled
// from the request when the object lacks them.
func decodeObject(field string, raw []byte, gvk metav1.GroupVersionKind) (map[string]any, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, nil
	}
	if raw[0] != '{' {
		return nil, badReview("bad-object", "request.%s is not a JSON object", field)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		return nil, badReview("bad-object", "request.%s cannot be decoded: %v", field, err)
	}
	if _, ok := obj["kind"]; !ok && gvk.Kind != "" {
		obj["kind"] = gvk.Kind
	}
	if _, ok := obj["apiVersion"]; !ok && gvk.Version != "" {
		obj["apiVersion"] = schemaGroupVersion(gvk.Group, gvk.Version)
	}
	if s, ok := obj["kind"]; ok {
		if _, isStr := s.(string); !isStr {
			return nil, badReview("bad-object", "request.%s.kind is not a string", field)
		}
	}
	if s, ok := obj["apiVersion"]; ok {
		if _, isStr := s.(string); !isStr {
			return nil, badReview("bad-object", "request.%s.apiVersion is not a string", field)
		}
	}
	if md, ok := obj["metadata"]; ok && md != nil {
		if _, isMap := md.(map[string]any); !isMap {
			return nil, badReview("bad-object", "request.%s.metadata is not a JSON object", field)
		}
	}
	return obj, nil
}

func schemaGroupVersion(group, version string) string {
	if group == "" {
		return version
	}
	return group + "/" + version
}

// jsonErrorText names the byte offset (and line) of a JSON syntax error.
func jsonErrorText(body []byte, err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line := bytes.Count(body[:min(int(se.Offset), len(body))], []byte("\n")) + 1
		return fmt.Sprintf("%v (line %d, byte %d)", se, line, se.Offset)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("field %q: cannot use a JSON %s as %s", te.Field, te.Value, te.Type)
	}
	if len(body) == 0 {
		return "empty body"
	}
	return err.Error()
}
